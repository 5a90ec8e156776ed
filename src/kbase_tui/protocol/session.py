"""Signing in and out, the idle lock's password check, and the events the server pushes.

Signing in exchanges a user name and password for a session token; every later request
carries the token, and the server acts for that session's user.  The terminal's address is
what the app reports (SSH_CONNECTION): it goes into the audit and the sign-in limits, and the
server never trusts it for anything else.
"""

from __future__ import annotations

from typing import Annotated

import msgspec

from .dto import Actor

Name = Annotated[str, msgspec.Meta(max_length=256)]
Secret = Annotated[str, msgspec.Meta(max_length=1024)]


class Terminal(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """Where the person sits, as the app sees it."""

    address: Annotated[str, msgspec.Meta(max_length=64)] = ""
    tty: Annotated[str, msgspec.Meta(max_length=64)] = ""


class SignIn(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    username: Name
    password: Secret
    terminal: Terminal = Terminal()
    language: Annotated[str, msgspec.Meta(max_length=8)] = ""


class SignedIn(msgspec.Struct, frozen=True):
    token: str
    actor: Actor
    # The account must set a new password first: until then the token allows nothing else.
    must_change_password: bool = False
    # The idle lock's limit for this user (0: off), from the server's settings.
    idle_lock_minutes: int = 0
    # The lease on a held lead in minutes: the idle lock never interrupts a lead within it.
    lead_lease_minutes: int = 0
    # The call centre's zone: its date is "today" on every screen (kbase_tui.timezones).
    centre_time_zone: str = ""


class ChangePassword(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    old_password: Secret
    new_password: Secret


class Unlock(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    password: Secret


class Health(msgspec.Struct, frozen=True):
    protocol: str
    version: str


# --- pushed events -------------------------------------------------------------------
# One JSON object a line on GET /v1/events.  Small on purpose: a screen that hears of a
# change asks for its data again through the usual operations.

SIGNED_OUT = "signed_out"  # reason: disabled | role_changed | password_reset | transferred | signed_out | expired
HANDOVER = "handover"  # a closer or account manager was given a client: refresh the board or list
ALARM = "alarm"  # a security alarm was raised or changed: the desk and the alarms screen refresh
CHANGED = "changed"  # something this person sees changed elsewhere (what: board, accounts, refusals ...)
PING = "ping"  # keeps the stream alive through idle links; nothing to do


class PushEvent(msgspec.Struct, frozen=True, omit_defaults=True):
    type: str
    reason: str = ""
    message: str = ""
    what: str = ""
    company_id: int | None = None


class SessionLimits(msgspec.Struct, frozen=True):
    """The settings a terminal needs from sign-in on (see SignedIn)."""

    idle_lock_minutes: int
    lead_lease_minutes: int
    centre_time_zone: str = ""
