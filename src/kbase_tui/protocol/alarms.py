"""Security alarms: someone reading the base faster than a person works, as the supervisor sees them.

The server pushes an `alarm` event to every supervisor and administrator when an alarm is raised
or changed; the screens that show alarms ask for them again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .operations import operation
from .types import Count, Id


@dataclass(frozen=True)
class AlarmInfo:
    id: int
    user_id: int
    username: str
    full_name: str
    role: str
    user_disabled: bool
    kind: str
    raised_at: datetime
    last_at: datetime
    observed: int
    limit: int
    excess: int
    throttle_until: datetime | None


# --- operations ------------------------------------------------------------------------


@operation("alarms.open_alarms", reads=True)
def open_alarms(*, limit: Count = 200) -> list[AlarmInfo]:
    """Open alarms, newest activity first (supervisor, admin)."""


@operation("alarms.dismiss")
def dismiss(alarm_id: Id) -> None:
    """Close the alarm as harmless: the user's delay ends."""


@operation("alarms.lock_user")
def lock_user(alarm_id: Id) -> None:
    """Disable the user behind the alarm (their next action is refused) and close the alarm."""
