"""Users: the administrator's list of accounts, new accounts, disabling, enabling and new passwords.

Only an administrator may change accounts (the service checks); a head of sales may list them.
Disabling takes effect at once: the server's watch signs the user out within a second.
"""

from __future__ import annotations

from typing import Annotated

import msgspec

from .dto import UserInfo
from .operations import operation
from .session import Secret
from .types import Code, Name

Language = Annotated[str, msgspec.Meta(max_length=8)]

# Every role an account can have, in the order the administrator picks from (models.Role has the same).
ROLES = ("caller", "closer", "account", "supervisor", "admin", "specialist")


# --- operations ------------------------------------------------------------------------


@operation("users.list_users", reads=True)
def list_users(*, role: Code | None = None, active_only: bool = False) -> list[UserInfo]:
    """Every user (or those of one role, or the active ones) with role and state."""


@operation("users.create_user")
def create_user(
    username: Name,
    role: Code,
    password: Secret,
    *,
    full_name: Name = "",
    must_change_password: bool = True,
    language: Language | None = None,
) -> UserInfo:
    """A new user with a first password that meets the password rules."""


@operation("users.disable_user")
def disable_user(username: Name) -> UserInfo:
    """Disable a user: they are signed out at once and cannot sign in again."""


ZoneName = Annotated[str, msgspec.Meta(max_length=64)]


@operation("users.set_time_zone")
def set_time_zone(username: Name, time_zone: ZoneName) -> UserInfo:
    """The zone the person reads and types times in (an IANA name; '' for the call centre's), from the next sign-in."""


@operation("users.enable_user")
def enable_user(username: Name) -> UserInfo:
    """Enable a disabled or locked user again."""


@operation("users.reset_password")
def reset_password(username: Name, new_password: Secret) -> UserInfo:
    """Set a new password for a user, who must change it at the next sign-in."""
