"""Plain data the services hand to the UI and the CLI: never ORM rows.

Frozen dataclasses cannot lazy-load from a closed session on the event loop,
and a screen cannot change the database by mutating them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Actor:
    """The signed-in user (or the local admin CLI) on whose behalf a service acts."""

    id: int | None
    username: str
    role: str
    full_name: str = ""
    language: str | None = None
    client_address: str = ""
    # The zone this person reads and types times in (theirs, else the call centre's).
    time_zone: str = ""

    @property
    def label(self) -> str:
        return self.full_name or self.username


@dataclass(frozen=True)
class UserInfo:
    id: int
    username: str
    full_name: str
    role: str
    disabled: bool
    must_change_password: bool
    locked: bool
    language: str | None
    last_login_at: datetime | None
    time_zone: str | None = None  # set by the admin; None: the call centre's
