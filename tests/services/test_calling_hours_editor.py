"""The calling window edited in the app (services/settings/calling_hours.py): read with its lunch break, holidays,
channels and the zones of the base open now; changed from what a person types, refused with a sentence when it
makes no sense (nothing stored), audited with the old and the new value, and only by the head of sales and the
administrator (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import select

from kbase_tui.i18n import set_language
from kbase_tui.models import AuditEvent, Company, User
from kbase_tui.services import clock, reference
from kbase_tui.services.errors import AccessDenied, ValidationFailed
from kbase_tui.services.settings import calling_hours

from .queue_setup import add_company

MOSCOW = ZoneInfo("Europe/Moscow")
VLADIVOSTOK = ZoneInfo("Asia/Vladivostok")
TUESDAY = date(2026, 12, 8)  # an ordinary working day in Russia
SATURDAY = date(2026, 12, 12)
WINDOW_KEYS = ("queue.calling_days", "queue.calling_hours", "queue.holidays_country", "queue.channel_windows")


def at(day: date, hour: int, minute: int = 0, zone=MOSCOW) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=zone)


@pytest.fixture
def boss(make_user):
    return make_user("supervisor", "boss")


@pytest.fixture
def shipped(db):
    """The shipped window (weekdays 09-13 and 14-18, Russia's holidays, Moscow), no channel windows."""
    defaults = reference.shipped_defaults()["settings"]
    with db.write() as session:
        for key in (*WINDOW_KEYS, "centre.time_zone"):
            reference.set_setting(session, key, defaults[key])
    return db


def _settings(db) -> dict:
    with db.read() as session:
        return {key: reference.get_setting(session, key) for key in WINDOW_KEYS}


def _changes(db) -> list[dict]:
    with db.read() as session:
        rows = session.execute(select(AuditEvent).where(AuditEvent.action == "setting_changed").order_by(AuditEvent.id))
        return [json.loads(event.detail) for event in rows.scalars()]


# --- the window as people type it ----------------------------------------------------------------


@pytest.mark.parametrize(
    "typed, days",
    [
        ("mon-fri", [1, 2, 3, 4, 5]),
        ("Mon, Wed, Fri", [1, 3, 5]),
        ("пн-сб", [1, 2, 3, 4, 5, 6]),
        ("Понедельник – пятница", [1, 2, 3, 4, 5]),
        ("1-5", [1, 2, 3, 4, 5]),
        ("sat-mon", [1, 6, 7]),
        ("вт;чт", [2, 4]),
    ],
)
def test_days_are_read_in_either_language_or_as_numbers(typed, days):
    assert clock.parse_days(typed) == days


@pytest.mark.parametrize(
    "hours, lunch, stored",
    [
        ("9:00-18:00", "13:00-14:00", [["09:00", "13:00"], ["14:00", "18:00"]]),
        ("9:00-13:00, 14:00-18:00", "", [["09:00", "13:00"], ["14:00", "18:00"]]),
        ("9-18", "", [["09:00", "18:00"]]),
        ("8.30 – 17.30", "12:00-12:45", [["08:30", "12:00"], ["12:45", "17:30"]]),
        ("14:00-18:00 9:00-13:00", "", [["09:00", "13:00"], ["14:00", "18:00"]]),
        ("00:00-24:00", "", [["00:00", "24:00"]]),
        ("9:00-18:00", "11:00-11:15, 13:00-14:00", [["09:00", "11:00"], ["11:15", "13:00"], ["14:00", "18:00"]]),
    ],
)
def test_hours_and_a_lunch_break_are_read_and_typed_back_the_same(hours, lunch, stored):
    assert clock.parse_hours(hours, lunch) == stored
    window = clock.window_from([1], stored, "")
    span, breaks = clock.hours_and_lunch(window)
    assert clock.parse_hours(span, breaks) == stored


@pytest.mark.parametrize("language, text", [("en", "Mon-Fri, Sun"), ("ru", "пн-пт, вс")])
def test_days_are_written_in_the_readers_language_and_read_back(language, text):
    set_language(language)
    try:
        assert clock.days_text([1, 2, 3, 4, 5, 7]) == text
        assert clock.parse_days(text) == [1, 2, 3, 4, 5, 7]
        assert clock.days_text([1, 3, 6, 7]) == ("Mon, Wed, Sat, Sun" if language == "en" else "пн, ср, сб, вс")
    finally:
        set_language("en")


# --- reading it ----------------------------------------------------------------------------------


def test_the_window_is_read_with_its_lunch_holidays_channels_and_the_zones_open_now(shipped, boss):
    db = shipped
    add_company(db, "Магазин у дома", channel="розница", time_zone="Europe/Moscow")
    add_company(db, "Магазин на углу", channel="Розница", time_zone="Europe/Moscow")
    add_company(db, "Офис Плюс", channel="Офисы", time_zone="Europe/Moscow", needs_data_fix=True)  # not queued
    add_company(db, "Кафе «Залив»", channel="HoReCa", time_zone="Asia/Vladivostok")
    kept = add_company(db, "Без пояса", channel="Розница", time_zone="")
    merged = add_company(db, "Дубль", channel="Дубли", time_zone="Asia/Omsk")
    with db.write() as session:
        session.get(Company, merged).merged_into_id = kept  # a merged duplicate counts nowhere
    clock.set_channel_window(db, boss, "Розница", days=[1, 2, 3, 4, 5, 6], hours=[["10:00", "19:00"]])

    with time_machine.travel(at(TUESDAY, 12, 30), tick=False):
        view = calling_hours.calling_window(db, boss)

    assert view.now == at(TUESDAY, 12, 30)
    assert (view.centre_zone, view.days, view.hours, view.lunch) == (
        "Europe/Moscow",
        "Mon-Fri",
        "09:00-18:00",
        "13:00-14:00",
    )
    assert (view.country, view.country_name) == ("RU", "Russia")
    assert view.holidays and view.holidays[0].first >= TUESDAY and len(view.holidays) <= 4
    assert any(h.first <= date(2027, 1, 1) <= h.last and "New Year" in h.name for h in view.holidays)
    zones = {z.zone: (z.companies, z.in_queue, z.is_open, z.opens_at) for z in view.zones}
    assert zones == {
        "": (1, 1, True, None),
        "Europe/Moscow": (3, 2, True, None),
        # 19:30 in Vladivostok: closed, opens at nine tomorrow there.
        "Asia/Vladivostok": (1, 1, False, at(date(2026, 12, 9), 9, 0, VLADIVOSTOK)),
    }
    assert view.zones[-1].zone == "Asia/Vladivostok"  # west to east
    (retail,) = view.channels
    assert (retail.channel, retail.days, retail.hours, retail.lunch) == ("Розница", "Mon-Sat", "10:00-19:00", "")
    assert (retail.companies, retail.zones, retail.open_zones) == (3, 2, 2)
    # The companies' channels as most of them spell it, the most companies first; merged duplicates left out.
    assert view.known_channels == ("Розница", "HoReCa", "Офисы")
    # The next change anywhere: the lunch break in Moscow at 13:00.
    assert view.changes_at == at(TUESDAY, 13, 0)


def test_a_change_is_read_from_text_stored_audited_and_applies_to_the_queue(shipped, boss):
    db = shipped
    before = _settings(db)
    view = calling_hours.change_calling_window(db, boss, "пн-сб", "8:30-17:30", "12:00 - 12:45", "by")
    assert (view.days, view.hours, view.lunch, view.country) == ("Mon-Sat", "08:30-17:30", "12:00-12:45", "BY")
    stored = _settings(db)
    assert stored["queue.calling_days"] == [1, 2, 3, 4, 5, 6]
    assert stored["queue.calling_hours"] == [["08:30", "12:00"], ["12:45", "17:30"]]
    assert stored["queue.holidays_country"] == "BY"
    assert _changes(db) == [
        {"key": key, "old": before[key], "new": stored[key]}
        for key in ("queue.calling_days", "queue.calling_hours", "queue.holidays_country")
    ]
    # The queue reads the same settings: Saturday morning is open, the lunch break closed.
    with db.read() as session:
        windows = clock.calling_windows(lambda key: reference.get_setting(session, key))
    assert windows.default.is_open("Europe/Moscow", at(SATURDAY, 10, 0))
    assert not windows.default.is_open("Europe/Moscow", at(SATURDAY, 12, 30))
    # Saving the same again changes and audits nothing; only what differs is audited.
    calling_hours.change_calling_window(db, boss, "mon-sat", "08:30-17:30", "12:00-12:45", "BY")
    assert len(_changes(db)) == 3
    calling_hours.change_calling_window(db, boss, "mon-sat", "08:30-17:30", "12:00-12:45", "")
    assert _changes(db)[-1] == {"key": "queue.holidays_country", "old": "BY", "new": ""}


@pytest.mark.parametrize(
    "days, hours, lunch, country, message",
    [
        ("mon-fry", "9-18", "", "RU", "«mon-fry» is not a day"),
        ("", "9-18", "", "RU", "Give the calling days"),
        ("mon-fri", "", "", "RU", "Give the calling hours"),
        ("mon-fri", "9-25", "", "RU", "Calling hours: write them as 9:00-13:00, 14:00-18:00"),
        ("mon-fri", "18:00-9:00", "", "RU", "18:00-09:00 ends before it begins"),
        ("mon-fri", "9:00-13:00, 12:00-18:00", "", "RU", "09:00-13:00 and 12:00-18:00 overlap"),
        ("mon-fri", "9-18", "8:00-9:30", "RU", "The lunch break 08:00-09:30 must lie inside the calling hours"),
        ("mon-fri", "9-18", "13", "RU", "Lunch break: write it as 13:00-14:00"),
        ("mon-fri", "9-18", "", "XX", "No public holiday calendar for the country «XX»"),
        # An attribute of the holidays package that is no calendar.
        ("mon-fri", "9-18", "", "jan", "No public holiday calendar for the country «JAN»"),
        # A three-letter alias of the package: the dialog says it has no calendar, so the save says the same.
        ("mon-fri", "9-18", "", "RUS", "No public holiday calendar for the country «RUS»"),
    ],
)
def test_text_that_makes_no_sense_is_refused_with_a_sentence_and_nothing_changes(
    shipped, boss, days, hours, lunch, country, message
):
    before = _settings(shipped)
    with pytest.raises(ValidationFailed) as refused:
        calling_hours.change_calling_window(shipped, boss, days, hours, lunch, country)
    assert message in str(refused.value)
    assert _settings(shipped) == before and _changes(shipped) == []


# --- a channel's own window ----------------------------------------------------------------------


def test_a_channel_window_is_for_a_channel_of_the_base_or_one_said_to_be_new(shipped, boss):
    db = shipped
    add_company(db, "Магазин у дома", channel="розница", time_zone="Europe/Moscow")
    view = calling_hours.change_channel_window(db, boss, " Розница ", "mon-sat", "10-19", "", False)
    assert [(c.channel, c.days, c.hours, c.lunch, c.companies) for c in view.channels] == [
        ("Розница", "Mon-Sat", "10:00-19:00", "", 1)
    ]
    with pytest.raises(ValidationFailed) as refused:
        calling_hours.change_channel_window(db, boss, "Дилеры", "", "9-18", "", False)
    assert "No company has the sales channel «Дилеры»" in str(refused.value)
    assert set(_settings(db)["queue.channel_windows"]) == {"Розница"}
    # Said to be new: kept, and its days are the call centre's (no days of its own).
    view = calling_hours.change_channel_window(db, boss, "Дилеры", "", "9-18", "13-14", True)
    dealers = next(c for c in view.channels if c.channel == "Дилеры")
    assert (dealers.days, dealers.hours, dealers.lunch, dealers.companies, dealers.zones) == (
        "",
        "09:00-18:00",
        "13:00-14:00",
        0,
        0,
    )
    # Changed under another spelling: one window, the new spelling.
    calling_hours.change_channel_window(db, boss, "РОЗНИЦА", "", "11-20", "", False)
    windows = _settings(db)["queue.channel_windows"]
    assert windows == {
        "РОЗНИЦА": {"hours": [["11:00", "20:00"]]},
        "Дилеры": {"hours": [["09:00", "13:00"], ["14:00", "18:00"]]},
    }
    # A hostile name is kept as typed, nothing made of it.
    hostile = "[bold red]x[/] [@click=app.quit]q[/]"
    view = calling_hours.change_channel_window(db, boss, hostile, "", "9-18", "", True)
    assert hostile in [c.channel for c in view.channels]
    with pytest.raises(ValidationFailed, match="at most 60 characters"):
        calling_hours.change_channel_window(db, boss, "Д" * 61, "", "9-18", "", True)
    with pytest.raises(ValidationFailed, match="ends before it begins"):
        calling_hours.change_channel_window(db, boss, "Дилеры", "", "19-9", "", True)

    view = calling_hours.remove_channel_window(db, boss, "розница")
    assert "РОЗНИЦА" not in [c.channel for c in view.channels]
    with pytest.raises(ValidationFailed, match="has no calling window of its own"):
        calling_hours.remove_channel_window(db, boss, "Розница")
    changes = [c for c in _changes(db) if c["key"] == "queue.channel_windows"]
    assert [(c["channel"], c["old"], c["new"]) for c in changes] == [
        ("Розница", None, {"hours": [["10:00", "19:00"]], "days": [1, 2, 3, 4, 5, 6]}),
        ("Дилеры", None, {"hours": [["09:00", "13:00"], ["14:00", "18:00"]]}),
        ("РОЗНИЦА", {"hours": [["10:00", "19:00"]], "days": [1, 2, 3, 4, 5, 6]}, {"hours": [["11:00", "20:00"]]}),
        (hostile, None, {"hours": [["09:00", "18:00"]]}),
        ("розница", {"hours": [["11:00", "20:00"]]}, None),
    ]


# --- who ------------------------------------------------------------------------------------------


def _every_operation(db, actor):
    return [
        lambda: calling_hours.calling_window(db, actor),
        lambda: calling_hours.change_calling_window(db, actor, "mon-fri", "9-18", "", "RU"),
        lambda: calling_hours.change_channel_window(db, actor, "Розница", "", "10-19", "", True),
        lambda: calling_hours.remove_channel_window(db, actor, "Розница"),
    ]


def test_the_administrator_may_see_and_change_it(shipped, make_user):
    admin = make_user("admin", "root")
    for run in _every_operation(shipped, admin):
        run()
    assert _settings(shipped)["queue.channel_windows"] == {}
    # The days and the country were as typed already: only the hours changed, then the channel twice.
    assert [c["key"] for c in _changes(shipped)] == [
        "queue.calling_hours",
        "queue.channel_windows",
        "queue.channel_windows",
    ]


@pytest.mark.parametrize("role", ["caller", "closer", "account", "specialist"])
def test_other_roles_may_neither_see_nor_change_it(shipped, make_user, role):
    someone = make_user(role, "someone")
    before = _settings(shipped)
    for run in _every_operation(shipped, someone):
        with pytest.raises(AccessDenied):
            run()
    assert _settings(shipped) == before and _changes(shipped) == []


def test_a_disabled_head_of_sales_is_refused_at_once(shipped, boss):
    with shipped.write() as session:
        session.execute(select(User).where(User.username == "boss")).scalar_one().disabled = True
    with pytest.raises(AccessDenied):
        calling_hours.change_calling_window(shipped, boss, "mon-fri", "9-18", "", "RU")
    assert _changes(shipped) == []


def test_the_view_is_the_same_whatever_the_servers_own_zone(shipped, boss, monkeypatch):
    import time as process_clock

    add_company(shipped, "Кафе «Залив»", channel="HoReCa", time_zone="Asia/Vladivostok")
    views = []
    for zone in ("UTC", "Asia/Vladivostok"):
        monkeypatch.setenv("TZ", zone)
        process_clock.tzset()
        with time_machine.travel(datetime(2026, 12, 8, 9, 30, tzinfo=UTC), tick=False):
            views.append(calling_hours.calling_window(shipped, boss))
    monkeypatch.undo()
    process_clock.tzset()
    assert views[0] == views[1]
