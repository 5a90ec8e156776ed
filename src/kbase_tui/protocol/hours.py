"""The calling window of the cold-call queue as the head of sales and the administrator see and change it: the
call centre's days, hours, lunch break and holidays country, and the sales channels' own windows (the same
settings as `kbase hours`).  Days, hours and lunch travel as typed ("mon-fri", "9:00-18:00", "13:00-14:00"):
the server reads them and refuses what it cannot with a sentence."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated

import msgspec

from .operations import operation
from .types import Name

# Days, hours, a lunch break or a country as typed: short texts.
WindowText = Annotated[str, msgspec.Meta(max_length=200)]


@dataclass(frozen=True)
class PublicHoliday:
    first: date
    last: date  # the same day, or the last of holidays in a row with one name
    name: str  # in the reader's language where the calendar has it


@dataclass(frozen=True)
class ZoneNow:
    """The companies of one time zone and the call centre's window on their clock now."""

    zone: str  # IANA name; "" for companies with no zone (the call centre's clock)
    companies: int
    in_queue: int
    is_open: bool
    opens_at: datetime | None  # closed now: when the window next opens there (None: not within two weeks)


@dataclass(frozen=True)
class ChannelWindow:
    channel: str  # as set
    days: str  # as typed back ("Mon-Sat"); "" the call centre's days
    hours: str  # "10:00-19:00"
    lunch: str  # "" none
    companies: int  # companies of this channel, whatever its spelling
    zones: int  # the time zones of those companies
    open_zones: int  # of those, where the channel's window is open now


@dataclass(frozen=True)
class CallingHoursView:
    now: datetime  # the server's clock when this was read
    centre_zone: str
    days: str  # "Mon-Fri"
    hours: str  # "09:00-18:00"
    lunch: str  # "13:00-14:00"; "" none
    country: str  # holidays calendar: "RU"; "" none
    country_name: str
    holidays: tuple[PublicHoliday, ...]  # the next ones at the call centre
    zones: tuple[ZoneNow, ...]
    channels: tuple[ChannelWindow, ...]
    known_channels: tuple[str, ...]  # the companies' channels, the most companies first (to choose from)
    changes_at: datetime | None  # the next moment a window opens or closes in one of the zones
    # The codes a public holiday calendar exists for: the dialog names a typed code's country only when it has
    # one, and says at once when it has none (AQ is Antarctica, 001 the world: neither has holidays to keep).
    calendar_countries: tuple[str, ...] = ()


# --- operations ------------------------------------------------------------------------


@operation("hours.calling_window", reads=True)
def calling_window() -> CallingHoursView:
    """The call centre's window, its holidays, the channels' windows and the companies' zones open now."""


@operation("hours.change_calling_window")
def change_calling_window(
    days: WindowText, hours: WindowText, lunch: WindowText, country: WindowText
) -> CallingHoursView:
    """The call centre's window: days ("mon-fri"), hours ("9:00-18:00"), lunch break ("13:00-14:00", "" none)
    and the country of the public holidays ("RU", "" none)."""


@operation("hours.change_channel_window")
def change_channel_window(
    channel: Name, days: WindowText, hours: WindowText, lunch: WindowText, new_channel: bool = False
) -> CallingHoursView:
    """A sales channel's own window (days "" keep the call centre's); a channel no company has is refused unless
    *new_channel* says it is meant."""


@operation("hours.remove_channel_window")
def remove_channel_window(channel: Name) -> CallingHoursView:
    """The channel keeps the call centre's window again."""
