"""The calling window as the head of sales and the administrator see and change it in the app.

The same settings as `kbase hours` (services/clock.py reads them for the queue): `queue.calling_days`,
`queue.calling_hours` (the gaps are breaks), `queue.holidays_country` and `queue.channel_windows`.  What the
person typed ("mon-fri", "9:00-18:00", lunch "13:00-14:00", "RU") is read here and refused with a sentence when
it makes no sense; nothing is stored then.  A channel window is given only to a channel some company has (any
spelling), or to a new one when the person says it is meant.  Every change is audited as `setting_changed` with
the key, the old and the new value (for a channel's window: the channel and its old and new window), and the
queue applies it within SETTINGS_TTL seconds.  Who: the head of sales and the administrator (the server owner
with `kbase hours`).
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from kbase_tui import timezones
from kbase_tui.formatting import quoted
from kbase_tui.i18n import _
from kbase_tui.models import Company, utcnow
from kbase_tui.protocol.hours import CallingHoursView, ChannelWindow, PublicHoliday, ZoneNow

from .. import audit, clock, reference
from ..db import Database
from ..dto import Actor
from ..errors import ValidationFailed
from ..policy import require_active_user

CHANNEL_KEY = "queue.channel_windows"
KNOWN_CHANNELS = 200  # the channels offered to choose from, the most companies first


def _allowed(session: Session, actor: Actor) -> None:
    clock.require_hours_editor(actor)
    require_active_user(session, actor)


def _counts(session: Session) -> list[tuple[str, str, int, int]]:
    """(zone, channel, companies, of them in the queue) for every pair in the base (merged duplicates left out)."""
    rows = session.execute(
        select(
            Company.time_zone,
            Company.channel,
            func.count(),
            func.sum(case((Company.in_queue, 1), else_=0)),
        )
        .where(Company.merged_into_id.is_(None))
        .group_by(Company.time_zone, Company.channel)
    ).all()
    return [(zone or "", channel or "", int(n), int(queued or 0)) for zone, channel, n, queued in rows]


def _view(session: Session, now: datetime | None = None) -> CallingHoursView:
    moment = now or utcnow()
    centre = clock.centre_zone_name(session)
    window = clock.calling_window(lambda key: reference.get_setting(session, key))
    own: dict[str, Any] = reference.get_setting(session, CHANNEL_KEY) or {}
    parsed = dict(clock.channel_windows_from(own, window))
    counts = _counts(session)

    def real(zone: str) -> str:
        return zone if timezones.is_zone(zone) else centre

    changes: list[datetime] = []

    def open_now(zone: str, its: clock.CallingWindow) -> bool:
        flip = clock.next_change(real(zone), moment, its)
        if flip is not None:
            changes.append(flip)
        return its.is_open(real(zone), moment)

    per_zone: dict[str, list[int]] = {}
    for zone, _channel, n, queued in counts:
        totals = per_zone.setdefault(zone, [0, 0])
        totals[0] += n
        totals[1] += queued
    zones = []
    for zone in sorted(per_zone, key=lambda name: (timezones.offset_hours(real(name), moment, against=UTC), name)):
        is_open = open_now(zone, window)
        zones.append(
            ZoneNow(
                zone=zone,
                companies=per_zone[zone][0],
                in_queue=per_zone[zone][1],
                is_open=is_open,
                opens_at=None if is_open else clock.next_open(real(zone), moment, window),
            )
        )

    channels = []
    for name in sorted(own, key=clock.channel_key):
        key = clock.channel_key(name)
        its = parsed[key]
        spec = own[name]
        mine = [(zone, n) for zone, channel, n, _q in counts if clock.channel_key(channel) == key]
        its_zones = sorted({zone for zone, _n in mine})
        hours, lunch = clock.hours_and_lunch(its)
        channels.append(
            ChannelWindow(
                channel=name,
                days=clock.days_text(spec["days"]) if isinstance(spec, dict) and spec.get("days") else "",
                hours=hours,
                lunch=lunch,
                companies=sum(n for _zone, n in mine),
                zones=len(its_zones),
                open_zones=sum(1 for zone in its_zones if open_now(zone, its)),
            )
        )

    spelled: dict[str, Counter[str]] = {}
    for _zone, channel, n, _q in counts:
        key = clock.channel_key(channel)
        if key:
            spelled.setdefault(key, Counter())[channel] += n
    known = sorted(spelled.values(), key=lambda names: (-sum(names.values()), names.most_common(1)[0][0]))
    hours, lunch = clock.hours_and_lunch(window)
    return CallingHoursView(
        now=moment,
        centre_zone=centre,
        days=clock.days_text(window.days),
        hours=hours,
        lunch=lunch,
        country=window.country,
        country_name=clock.country_name(window.country),
        calendar_countries=clock.calendar_countries(),
        holidays=tuple(
            PublicHoliday(span.first, span.last, span.name)
            for span in clock.next_holidays(window.country, clock.today(session, moment))
        ),
        zones=tuple(zones),
        channels=tuple(channels),
        known_channels=tuple(names.most_common(1)[0][0] for names in known[:KNOWN_CHANNELS]),
        changes_at=min(changes, default=None),
    )


def calling_window(db: Database, actor: Actor) -> CallingHoursView:
    """The call centre's window and holidays, the channels' own windows, and each zone of the base open or not now."""
    with db.read() as session:
        _allowed(session, actor)
        return _view(session)


def _store(session: Session, actor: Actor, key: str, value: Any, **detail: Any) -> None:
    old = reference.get_setting(session, key)
    if old != value:
        reference.set_setting(session, key, value)
        audit.record(session, actor, "setting_changed", "setting", None, key=key, old=old, new=value, **detail)


def change_calling_window(
    db: Database, actor: Actor, days: str, hours: str, lunch: str, country: str
) -> CallingHoursView:
    """The call centre's days, hours less the lunch break, and holidays country; refused whole with a sentence."""
    wanted = {
        "queue.calling_days": clock.parse_days(days),
        "queue.calling_hours": clock.parse_hours(hours, lunch),
        "queue.holidays_country": clock.holiday_country(country),
    }
    with db.write() as session:
        _allowed(session, actor)
        default = clock.window_from(*wanted.values())
        # The channels' windows take their days and holidays from this one: they must still make sense.
        clock.channel_windows_from(reference.get_setting(session, CHANNEL_KEY), default)
        for key, value in wanted.items():
            _store(session, actor, key, value)
        return _view(session)


def _channel_name(channel: str) -> str:
    name = " ".join(str(channel or "").split())
    if not name:
        raise ValidationFailed(_("Name the sales channel whose calling window this is."))
    if len(name) > clock.CHANNEL_MAX:
        raise ValidationFailed(
            _("A sales channel's name is at most {n} characters, as the company card keeps it.").format(
                n=clock.CHANNEL_MAX
            )
        )
    return name


def change_channel_window(
    db: Database, actor: Actor, channel: str, days: str, hours: str, lunch: str, new_channel: bool = False
) -> CallingHoursView:
    """Give a channel its own window, or change it (days "" keep the call centre's days)."""
    name = _channel_name(channel)
    spec: dict[str, Any] = {"hours": clock.parse_hours(hours, lunch)}
    if days.strip():
        spec["days"] = clock.parse_days(days)
    key = clock.channel_key(name)
    with db.write() as session:
        _allowed(session, actor)
        current: dict[str, Any] = dict(reference.get_setting(session, CHANNEL_KEY) or {})
        old = next((value for other, value in current.items() if clock.channel_key(other) == key), None)
        if old is None and not new_channel and key not in {clock.channel_key(c) for _z, c, _n, _q in _counts(session)}:
            raise ValidationFailed(
                _(
                    "No company has the sales channel {name}. Check the spelling, or tick «A channel no company "
                    "has yet» to give it a window all the same."
                ).format(name=quoted(name))
            )
        # One window a channel whatever its spelling: the name as typed now replaces any other spelling.
        wanted = {other: value for other, value in current.items() if clock.channel_key(other) != key}
        wanted[name] = spec
        clock.channel_windows_from(wanted, clock.calling_window(lambda k: reference.get_setting(session, k)))
        if wanted != current:
            reference.set_setting(session, CHANNEL_KEY, wanted)
            audit.record(
                session, actor, "setting_changed", "setting", None, key=CHANNEL_KEY, channel=name, old=old, new=spec
            )
        return _view(session)


def remove_channel_window(db: Database, actor: Actor, channel: str) -> CallingHoursView:
    """The channel keeps the call centre's window again."""
    name = _channel_name(channel)
    key = clock.channel_key(name)
    with db.write() as session:
        _allowed(session, actor)
        current: dict[str, Any] = dict(reference.get_setting(session, CHANNEL_KEY) or {})
        old = next((value for other, value in current.items() if clock.channel_key(other) == key), None)
        if old is None:
            raise ValidationFailed(_("The channel {name} has no calling window of its own.").format(name=name))
        wanted = {other: value for other, value in current.items() if clock.channel_key(other) != key}
        reference.set_setting(session, CHANNEL_KEY, wanted)
        audit.record(
            session, actor, "setting_changed", "setting", None, key=CHANNEL_KEY, channel=name, old=old, new=None
        )
        return _view(session)
