"""The call centre's clock and the calling window: never the server process's own zone.

- `centre_zone(session)`: the call centre's zone (setting `centre.time_zone`); its business day is
  "today" for the daily targets, the counters, the lists and the reports (`today`, `day_start`).
- `open_zones(zones, now, window)`: which of the client zones are inside the calling window now.
  The window is three settings: `queue.calling_days` (ISO weekdays, 1 = Monday), `queue.calling_hours`
  (ranges of the client's local time, e.g. [["09:00", "13:00"], ["14:00", "18:00"]]: the gap is
  the lunch break) and `queue.holidays_country` (a country code of the `holidays` package, "" for
  none): a public holiday is closed, a weekend day that the country moved to a working day is open.
- A sales channel may have a window of its own (setting `queue.channel_windows`: {channel: {"days":
  [...], "hours": [...]}}, days optional): retail shops open at 10, offices work 9-18, HoReCa in
  the afternoon.  The holidays are the country's for every channel; a channel with no window of
  its own keeps the default.  Channels match whatever their case and spacing ("розница" is
  "Розница").  `open_pairs` decides, per (zone, channel) of the queue, which are open now.

- The window as people type it: `parse_days` ("mon-fri", "пн-сб", "1-5"), `parse_hours` ("9:00-18:00"
  less a lunch break "13:00-14:00"), `holiday_country` ("RU", "" none), and back (`days_text`,
  `hours_and_lunch`).  The head of sales and the administrator change the window in the app
  (services/settings/calling_hours.py), the server's owner with `kbase hours`; `require_hours_editor`
  is who may.

A company's zone only ever changes which companies the shared queue offers; callbacks agreed with
the client are kept at the agreed moment whatever the window (services.queue).
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from sqlalchemy.orm import Session

from kbase_tui import formatting, timezones
from kbase_tui.formatting import format_client_time, format_clock, quoted, weekday_names
from kbase_tui.i18n import SUPPORTED, _, current_language
from kbase_tui.models import utcnow

from . import reference
from .db import Database
from .errors import ValidationFailed


def centre_zone_name(source: Session | Database | None) -> str:
    """The call centre's zone, from an open session or (outside one) a database: a cached setting;
    with neither, the zone this process was started for."""
    if source is None:
        return timezones.centre_zone_name()
    if isinstance(source, Session):
        name = str(reference.get_setting_cached(source, "centre.time_zone") or "")
    else:

        def load() -> Any:
            with source.read() as session:
                return reference.get_setting(session, "centre.time_zone")

        name = str(reference.cached_setting(source.name, "centre.time_zone", load) or "")
    return name if timezones.is_zone(name) else timezones.DEFAULT_CENTRE_ZONE


def centre_zone(source: Session | Database | None) -> tzinfo:
    return timezones.zone(centre_zone_name(source))


def today(session: Session | Database | None, now: datetime | None = None) -> date:
    """The call centre's date now: what "today" means for targets, lists and reports."""
    return (now or utcnow()).astimezone(centre_zone(session)).date()


def day_start(session: Session | Database | None, day: date) -> datetime:
    """The call centre's midnight at the start of *day*, as an aware UTC timestamp."""
    return datetime.combine(day, time.min, tzinfo=centre_zone(session)).astimezone(UTC)


def at_hour(session: Session | Database | None, day: date, hour: int = 9) -> datetime:
    """*hour* o'clock of *day* at the call centre, as an aware UTC timestamp."""
    return datetime.combine(day, time(hour), tzinfo=centre_zone(session)).astimezone(UTC)


def day_bounds(session: Session | Database | None, first: date, last: date) -> tuple[datetime, datetime]:
    """The call centre's midnights around the days *first* .. *last* (both included), as UTC."""
    return day_start(session, first), day_start(session, last + timedelta(days=1))


def period_start(period: str, day: date) -> date:
    """The first day of the target period holding *day*: weeks start on Monday, months on the 1st."""
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    return day


def period_end(starts_on: date, period: str) -> date:
    """The last day of a target's period starting on *starts_on*."""
    if period == "day":
        return starts_on
    if period == "week":
        return starts_on + timedelta(days=6)
    year, month = starts_on.year + starts_on.month // 12, starts_on.month % 12 + 1
    return date(year, month, 1) - timedelta(days=1) if starts_on.day == 1 else starts_on + timedelta(days=29)


def zone_or_centre(session: Session, stored: str | None) -> str:
    """A person's or a company's zone: their own when set, else the call centre's."""
    return stored if stored and timezones.is_zone(stored) else centre_zone_name(session)


# --- the calling window ----------------------------------------------------------------------


@dataclass(frozen=True)
class CallingWindow:
    days: frozenset[int]  # ISO weekdays
    hours: tuple[tuple[time, time], ...]  # [start, end) ranges of the client's local time
    country: str  # holidays calendar ("" none)

    def is_open(self, zone_name: str, now: datetime) -> bool:
        local = now.astimezone(timezones.zone(zone_name))
        if not self.day_is_open(local.date()):
            return False
        moment = local.time().replace(tzinfo=None)
        return any(start <= moment < end for start, end in self.hours)

    def day_is_open(self, day: date) -> bool:
        if not self.country:
            return day.isoweekday() in self.days
        calendar = _calendar(self.country, day.year)
        if day in calendar:
            return False
        if day.isoweekday() in self.days:
            return True
        # A weekend day made a working day (Russia moves days off around holidays).
        return day in calendar.weekend_workdays and bool(self.days & {1, 2, 3, 4, 5})


@functools.lru_cache(maxsize=16)
def _calendar(country: str, year: int):
    import holidays

    return holidays.country_holidays(country, years=year)


def _clock(text: str) -> time:
    hours, _sep, minutes = str(text).strip().partition(":")
    if hours == "24" and int(minutes or 0) == 0:
        return time.max
    return time(int(hours), int(minutes or 0))


def window_from(days: Any, hours: Any, country: Any) -> CallingWindow:
    """The window from the three settings' values; ValidationFailed when they make no sense."""
    try:
        day_set = frozenset(int(d) for d in days)
        ranges = tuple((_clock(a), _clock(b)) for a, b in hours)
    except (TypeError, ValueError):
        raise ValidationFailed(_('The calling window is not valid: days 1-7, hours as ["09:00", "18:00"].')) from None
    if not day_set <= set(range(1, 8)) or any(start >= end for start, end in ranges):
        raise ValidationFailed(_('The calling window is not valid: days 1-7, hours as ["09:00", "18:00"].'))
    return CallingWindow(day_set, ranges, holiday_country(str(country or "")))


@functools.cache
def _holiday_countries() -> frozenset[str]:
    import holidays

    return frozenset(holidays.list_supported_countries(include_aliases=True))


@functools.cache
def calendar_countries() -> tuple[str, ...]:
    """The two-letter codes a public holiday calendar exists for, sorted: what the dialog names and the save
    takes (the package's three-letter aliases are neither, so both say the same of "RUS")."""
    return tuple(sorted(code for code in _holiday_countries() if len(code) == 2))


def holiday_country(text: str) -> str:
    """The country code of a holidays calendar as typed ("ru", " RU "); "" for none; ValidationFailed for a
    code that is not one of `calendar_countries`."""
    code = str(text or "").strip().upper()
    if code and code not in calendar_countries():
        raise ValidationFailed(
            _(
                "No public holiday calendar for the country {code}: write a two-letter code such as RU, BY or KZ, "
                "or leave it empty for none."
            ).format(code=quoted(code[:8]))
        )
    return code


# --- the window as people type it: "mon-fri", "9:00-13:00, 14:00-18:00", a lunch break "13:00-14:00" --------

_DASH = re.compile(r"\s*(?:-|–|—)\s*")
_TIME = r"(\d{1,2})(?:[:.](\d{2}))?"
_RANGE = re.compile(rf"{_TIME}(?:-|–|—){_TIME}")
DAY_MINUTES = 24 * 60


@functools.cache
def _day_words() -> dict[str, int]:
    """Day names of both languages, short and long ("mon", "monday", "пн", "понедельник"), and 1-7."""
    words = {str(n): n for n in range(1, 8)}
    for language in SUPPORTED:
        for short in (True, False):
            for n, name in enumerate(weekday_names(short=short, language=language), start=1):
                words[name.casefold().rstrip(".")] = n
    for n, name in enumerate(("mo", "tu", "we", "th", "fr", "sa", "su"), start=1):
        words.setdefault(name, n)
    return words


def parse_days(text: str) -> list[int]:
    """ISO weekdays from "mon-fri", "Mon, Wed, Fri", "пн-сб", "1-5" or "sat-mon" (a range may wrap)."""
    raw = _DASH.sub("-", str(text or "").strip())
    if not raw:
        raise ValidationFailed(_("Give the calling days, e.g. mon-fri."))
    days: set[int] = set()
    for part in re.split(r"[,;\s]+", raw):
        if not part:
            continue
        first, dash, last = part.partition("-")
        start = _day_words().get(first.casefold().rstrip("."))
        end = _day_words().get(last.casefold().rstrip(".")) if dash else start
        if start is None or end is None:
            raise ValidationFailed(
                _("Calling days: {word} is not a day. Write them as mon-fri or mon, wed, fri (1 is Monday).").format(
                    word=quoted(part[:20])
                )
            )
        day = start
        days.add(day)
        while day != end:
            day = day % 7 + 1
            days.add(day)
    return sorted(days)


def days_text(days) -> str:
    """ISO weekdays as people write them, in the reader's language: "Mon-Fri", "пн, ср, пт", "Mon-Fri, Sun"."""
    names = weekday_names(short=True)
    runs: list[list[int]] = []
    for day in sorted(set(days)):
        if runs and day == runs[-1][1] + 1:
            runs[-1][1] = day
        else:
            runs.append([day, day])
    parts: list[str] = []
    for first, last in runs:
        if last - first >= 2:
            parts.append(f"{names[first - 1]}-{names[last - 1]}")
        else:
            parts.extend(names[day - 1] for day in range(first, last + 1))
    return ", ".join(parts)


def _minutes(hours: str, minutes: str | None) -> int | None:
    h, m = int(hours), int(minutes or 0)
    if (0 <= h < 24 and 0 <= m < 60) or (h == 24 and m == 0):
        return h * 60 + m
    return None


def _clock_text(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _range_text(start: int, end: int) -> str:
    return f"{_clock_text(start)}-{_clock_text(end)}"


def _ranges(text: str, *, lunch: bool) -> list[tuple[int, int]]:
    found: list[tuple[int, int]] = []
    for part in re.split(r"[,;\s]+", _DASH.sub("-", str(text or "").strip())):
        if not part:
            continue
        match = _RANGE.fullmatch(part)
        start = _minutes(match[1], match[2]) if match else None
        end = _minutes(match[3], match[4]) if match else None
        if start is None or end is None:
            message = (
                _("Lunch break: write it as 13:00-14:00, not {text}.")
                if lunch
                else _("Calling hours: write them as 9:00-13:00, 14:00-18:00 (a gap is a break), not {text}.")
            )
            raise ValidationFailed(message.format(text=quoted(part[:40])))
        if start >= end:
            raise ValidationFailed(_("{range} ends before it begins.").format(range=_range_text(start, end)))
        found.append((start, end))
    found.sort()
    for (start, end), (later, later_end) in itertools.pairwise(found):
        if later <= end:
            raise ValidationFailed(
                _("{first} and {second} overlap or touch: write them as one range.").format(
                    first=_range_text(start, end), second=_range_text(later, later_end)
                )
            )
    return found


def parse_hours(hours: str, lunch: str = "") -> list[list[str]]:
    """The calling hours as stored ([["09:00", "13:00"], ["14:00", "18:00"]]) from the hours typed
    ("9:00-18:00" or "9:00-13:00, 14:00-18:00") less the lunch break typed ("13:00-14:00", "" none): each
    break must lie inside one range of the hours, not at its edge."""
    ranges = _ranges(hours, lunch=False)
    if not ranges:
        raise ValidationFailed(_("Give the calling hours, e.g. 9:00-18:00."))
    for start, end in _ranges(lunch, lunch=True):
        inside = next((n for n, (a, b) in enumerate(ranges) if a < start and end < b), None)
        if inside is None:
            raise ValidationFailed(
                _("The lunch break {lunch} must lie inside the calling hours ({hours}), not at their edge.").format(
                    lunch=_range_text(start, end), hours=", ".join(_range_text(a, b) for a, b in ranges)
                )
            )
        a, b = ranges[inside]
        ranges[inside : inside + 1] = [(a, start), (end, b)]
    return [[_clock_text(a), _clock_text(b)] for a, b in ranges]


def hours_and_lunch(window: CallingWindow) -> tuple[str, str]:
    """A window's hours as typed back: the whole span and the breaks inside it ("09:00-18:00",
    "13:00-14:00"); ranges that overlap or touch (set by hand) are written one by one with no break."""
    ranges = sorted(
        (start.hour * 60 + start.minute, DAY_MINUTES if end == time.max else end.hour * 60 + end.minute)
        for start, end in window.hours
    )
    if not ranges:
        return "", ""
    if any(later <= end for (_start, end), (later, _end) in itertools.pairwise(ranges)):
        return ", ".join(_range_text(a, b) for a, b in ranges), ""
    breaks = ", ".join(_range_text(end, later) for (_a, end), (later, _b) in itertools.pairwise(ranges))
    return _range_text(ranges[0][0], ranges[-1][1]), breaks


def require_hours_editor(actor) -> None:
    """The calling window is the head of sales' and the administrator's (and the server owner's, `kbase hours`)."""
    from .errors import AccessDenied
    from .policy import Capability, may

    if not (may(actor, Capability.EDIT_SCRIPTS) or may(actor, Capability.MANAGE_USERS)):
        raise AccessDenied(_("Your role does not allow this."))


def calling_window(get) -> CallingWindow:
    """The window from the settings; *get* reads one setting (reference.get_setting_cached / _lean)."""
    return window_from(get("queue.calling_days"), get("queue.calling_hours"), get("queue.holidays_country"))


def channel_key(channel: str) -> str:
    """A channel as windows are looked up: case and spacing do not matter."""
    return " ".join(str(channel or "").split()).casefold()


@dataclass(frozen=True)
class CallingWindows:
    """The default window and the channels' own windows (keyed by channel_key)."""

    default: CallingWindow
    channels: tuple[tuple[str, CallingWindow], ...] = ()

    def for_channel(self, channel: str) -> CallingWindow:
        if self.channels:
            key = channel_key(channel)
            for name, window in self.channels:
                if name == key:
                    return window
        return self.default


def channel_windows_from(value: Any, default: CallingWindow) -> tuple[tuple[str, CallingWindow], ...]:
    """The channels' windows from the setting's value; ValidationFailed when one makes no sense."""
    if not value:
        return ()
    if not isinstance(value, dict):
        raise ValidationFailed(_('The channels\' calling windows are not valid: {"channel": {"hours": [...]}}.'))
    found: dict[str, CallingWindow] = {}
    for channel, spec in value.items():
        key = channel_key(channel)
        if not key or not isinstance(spec, dict) or "hours" not in spec:
            raise ValidationFailed(_('The channels\' calling windows are not valid: {"channel": {"hours": [...]}}.'))
        days = spec.get("days") or sorted(default.days)
        found[key] = window_from(days, spec["hours"], default.country)
    return tuple(sorted(found.items()))


@functools.lru_cache(maxsize=32)
def _windows(days: str, hours: str, country: str, channels: str) -> CallingWindows:
    import json

    default = window_from(json.loads(days), json.loads(hours), json.loads(country))
    return CallingWindows(default, channel_windows_from(json.loads(channels), default))


_WINDOW_KEYS = ("queue.calling_days", "queue.calling_hours", "queue.holidays_country", "queue.channel_windows")
# The last settings' values seen and their windows: on the claim's hot path the cached settings are the
# same objects claim after claim, so an identity check replaces parsing (or even serialising) them.
_last_windows: list = [None]


def calling_windows(get) -> CallingWindows:
    """The default window and the channels' own, from the settings (parsed once per value)."""
    import json

    values = tuple(get(key) for key in _WINDOW_KEYS)
    last = _last_windows[0]
    if last is not None and all(a is b for a, b in zip(last[0], values, strict=True)):
        return last[1]
    windows = _windows(*(json.dumps(v, sort_keys=True) for v in values))
    _last_windows[0] = (values, windows)
    return windows


def open_zones(zones: list[str] | tuple[str, ...], now: datetime, window: CallingWindow, centre: str) -> list[str]:
    """Those of *zones* (as stored: '' is the call centre's) whose clients are inside the window now."""
    return [name for name in zones if window.is_open(name if timezones.is_zone(name) else centre, now)]


def open_pairs(
    pairs: list[tuple[str, str]] | tuple[tuple[str, str], ...], now: datetime, windows: CallingWindows, centre: str
) -> list[tuple[str, str]]:
    """Those (zone, channel) of the queue whose clients are inside their channel's window now."""
    verdicts: dict[tuple[str, int], bool] = {}  # a zone's verdict per window: a few zones, a few windows
    opened = []
    for zone_name, channel in pairs:
        window = windows.for_channel(channel)
        key = (zone_name, id(window))
        if key not in verdicts:
            verdicts[key] = window.is_open(zone_name if timezones.is_zone(zone_name) else centre, now)
        if verdicts[key]:
            opened.append((zone_name, channel))
    return opened


def _spans_ahead(local: datetime, window: CallingWindow, horizon_days: int) -> Iterator[tuple[datetime, datetime]]:
    """The window's open spans (opening, closing) on the client's clock that end after *local*, in order."""
    here = local.tzinfo
    for offset in range(horizon_days + 1):
        day = local.date() + timedelta(days=offset)
        if not window.day_is_open(day):
            continue
        for start, end in window.hours:
            opening = datetime.combine(day, start, tzinfo=here)
            closing = (  # a window open to the end of the day closes at the next midnight
                datetime.combine(day + timedelta(days=1), time.min, tzinfo=here)
                if end == time.max
                else datetime.combine(day, end, tzinfo=here)
            )
            if closing > local:
                yield opening, closing


def next_open(zone_name: str, now: datetime, window: CallingWindow, *, horizon_days: int = 14) -> datetime | None:
    """When the window next opens for a client in *zone_name* (None: not within *horizon_days*)."""
    local = now.astimezone(timezones.zone(zone_name))
    for opening, _closing in _spans_ahead(local, window, horizon_days):
        return max(opening, local).astimezone(UTC)
    return None


def next_change(zone_name: str, now: datetime, window: CallingWindow, *, horizon_days: int = 14) -> datetime | None:
    """When the window next opens or closes for a client in *zone_name* (None: not within *horizon_days*)."""
    local = now.astimezone(timezones.zone(zone_name))
    for opening, closing in _spans_ahead(local, window, horizon_days):
        return (opening if opening > local else closing).astimezone(UTC)
    return None


@dataclass(frozen=True)
class HolidaySpan:
    first: date
    last: date
    name: str


@functools.lru_cache(maxsize=32)
def _named_calendar(country: str, year: int, language: str):
    import holidays

    entity = getattr(holidays, country)
    supported = tuple(getattr(entity, "supported_languages", ()))
    wanted = language if language in supported else next((s for s in supported if s.startswith(language + "_")), None)
    return holidays.country_holidays(country, years=year, language=wanted)


def next_holidays(country: str, day: date, *, count: int = 4) -> list[HolidaySpan]:
    """The next *count* public holidays of *country* from *day* on (within a year), in the reader's language
    where the calendar has it; days in a row with the same name are one span (the New Year holidays)."""
    if not country:
        return []
    language = current_language()
    found: list[tuple[date, str]] = []
    for year in (day.year, day.year + 1):
        found.extend((d, str(name)) for d, name in _named_calendar(country, year, language).items() if d >= day)
    spans: list[HolidaySpan] = []
    for when, name in sorted(found):
        if when > day + timedelta(days=366):
            break
        if spans and spans[-1].name == name and spans[-1].last + timedelta(days=1) == when:
            spans[-1] = HolidaySpan(spans[-1].first, when, name)
        elif len(spans) == count:
            break
        else:
            spans.append(HolidaySpan(when, when, name))
    return spans


def country_name(code: str) -> str:
    """The country of a holidays calendar in the reader's language ("Россия"); "" when not known."""
    return formatting.country_name(code)


# --- filling the companies' zones ---------------------------------------------------------------

FILL_BATCH = 5_000


def fill_company_zones(connection, *, only_empty: bool = True) -> int:
    """Give every company (with no zone yet) the zone its phones or city tell; returns how many got one.

    Plain SQL on a Core connection, a batch of ids at a time: the migration runs it on existing bases
    (and so `kbase db copy`, which brings its source to the schema head first).
    """
    from sqlalchemy import text

    filled = 0
    last = 0
    condition = "AND time_zone = ''" if only_empty else ""
    while True:
        rows = connection.execute(
            text(f"SELECT id, city, address FROM company WHERE id > :last {condition} ORDER BY id LIMIT {FILL_BATCH}"),
            {"last": last},
        ).all()
        if not rows:
            return filled
        first, last = rows[0][0], rows[-1][0]
        numbers: dict[int, list[str]] = {}
        # Company numbers before the contacts' (contact_id NULL first), each in the order entered.
        for company_id, number in connection.execute(
            text(
                "SELECT company_id, number FROM phone WHERE company_id BETWEEN :a AND :b "
                "ORDER BY company_id, CASE WHEN contact_id IS NULL THEN 0 ELSE 1 END, id"
            ),
            {"a": first, "b": last},
        ):
            numbers.setdefault(company_id, []).append(number)
        updates = []
        for company_id, city, address in rows:
            found = timezones.zone_for_company(numbers.get(company_id, ()), city or "", address or "")
            if found:
                updates.append({"zone": found, "id": company_id})
        if updates:
            connection.execute(text("UPDATE company SET time_zone = :zone WHERE id = :id"), updates)
            filled += len(updates)


# --- the owner's settings: the call centre's zone and the calling window --------------------------


@dataclass(frozen=True)
class HoursInfo:
    centre_zone: str
    days: tuple[int, ...]
    hours: tuple[tuple[str, str], ...]
    country: str
    # Each zone of the cold queue with its companies' local time now and whether the window is open there.
    zones: tuple[tuple[str, str, bool], ...]
    # The channels with a window of their own: name as set, days, hours, and the queue's zones open for it now.
    channels: tuple[tuple[str, tuple[int, ...], tuple[tuple[str, str], ...], tuple[str, ...]], ...] = ()


def _hours_text(window: CallingWindow) -> tuple[tuple[str, str], ...]:
    return tuple((format_clock(a), "24:00" if b == time.max else format_clock(b)) for a, b in window.hours)


def calling_hours(db: Database, actor, *, now: datetime | None = None) -> HoursInfo:
    from sqlalchemy import text

    require_hours_editor(actor)
    moment = now or utcnow()
    with db.read() as session:
        centre = centre_zone_name(session)
        window = calling_window(lambda key: reference.get_setting(session, key))
        names = session.execute(text("SELECT DISTINCT time_zone FROM company WHERE in_queue")).scalars().all()
        own = reference.get_setting(session, "queue.channel_windows") or {}
    zones = []
    for name in sorted(names):
        real = name if timezones.is_zone(name) else centre
        zones.append((name or "", format_client_time(moment, real), window.is_open(real, moment)))
    channels = []
    parsed = dict(channel_windows_from(own, window))
    for channel in sorted(own, key=channel_key):
        its = parsed[channel_key(channel)]
        opened = tuple(
            name or "" for name in sorted(names) if its.is_open(name if timezones.is_zone(name) else centre, moment)
        )
        channels.append((channel, tuple(sorted(its.days)), _hours_text(its), opened))
    return HoursInfo(
        centre,
        tuple(sorted(window.days)),
        _hours_text(window),
        window.country,
        tuple(zones),
        tuple(channels),
    )


def set_calling_hours(
    db: Database,
    actor,
    *,
    days: list[int] | None = None,
    hours: list[list[str]] | None = None,
    country: str | None = None,
    centre: str | None = None,
) -> None:
    """Change the window (any part of it) and the call centre's zone; checked first, audited."""
    from . import audit

    require_hours_editor(actor)
    with db.write() as session:
        current = {
            key: reference.get_setting(session, key)
            for key in ("queue.calling_days", "queue.calling_hours", "queue.holidays_country", "centre.time_zone")
        }
        wanted = dict(current)
        if days is not None:
            wanted["queue.calling_days"] = sorted(set(days))
        if hours is not None:
            wanted["queue.calling_hours"] = [list(pair) for pair in hours]
        if country is not None:
            wanted["queue.holidays_country"] = country.upper()
        if centre is not None:
            if not timezones.is_zone(centre):
                raise ValidationFailed(
                    _("Not a time zone: {name}. Write it as Europe/Moscow or Asia/Vladivostok.").format(
                        name=centre[:64]
                    )
                )
            wanted["centre.time_zone"] = centre
        window_from(wanted["queue.calling_days"], wanted["queue.calling_hours"], wanted["queue.holidays_country"])
        for key, value in wanted.items():
            if value != current[key]:
                reference.set_setting(session, key, value)
        audit.record(
            session,
            actor,
            "calling_hours_set",
            "setting",
            None,
            **{key.split(".")[-1]: value for key, value in wanted.items()},
        )
    timezones.set_centre_zone(wanted["centre.time_zone"])


CHANNEL_MAX = 60  # as company.channel


def set_channel_window(
    db: Database,
    actor,
    channel: str,
    *,
    days: list[int] | None = None,
    hours: list[list[str]] | None = None,
    remove: bool = False,
) -> None:
    """Give a sales channel its own calling window (days default to the default window's), or take it
    away (*remove*: the channel keeps the default window again); checked first, audited."""
    from . import audit

    require_hours_editor(actor)
    name = " ".join(str(channel or "").split())[:CHANNEL_MAX]
    if not name:
        raise ValidationFailed(_("Name the sales channel whose calling window this is."))
    with db.write() as session:
        current = dict(reference.get_setting(session, "queue.channel_windows") or {})
        # One entry per channel whatever its spelling: the new one replaces any other spelling.
        wanted = {k: v for k, v in current.items() if channel_key(k) != channel_key(name)}
        if remove:
            if len(wanted) == len(current):
                raise ValidationFailed(_("The channel {name} has no calling window of its own.").format(name=name))
        else:
            if hours is None:
                raise ValidationFailed(_("Give the channel's calling hours, e.g. 10:00-19:00."))
            spec: dict[str, Any] = {"hours": [list(pair) for pair in hours]}
            if days is not None:
                spec["days"] = sorted(set(days))
            wanted[name] = spec
        default = calling_window(lambda key: reference.get_setting(session, key))
        channel_windows_from(wanted, default)
        reference.set_setting(session, "queue.channel_windows", wanted)
        audit.record(
            session,
            actor,
            "channel_window_removed" if remove else "channel_window_set",
            "setting",
            None,
            channel=name,
            **({} if remove else wanted[name]),
        )
