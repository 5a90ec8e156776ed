"""Calling windows per sales channel: retail opens at 10, HoReCa works the afternoon, the rest keep the
default window; the claim still one statement seeking each open (zone, channel) pair (SQLite and PostgreSQL).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text

from kbase_tui.models import AuditEvent, Company
from kbase_tui.services import clock, queue, reference
from kbase_tui.services.errors import AccessDenied, QueueEmpty, ValidationFailed

from .queue_setup import add_company

pytestmark = pytest.mark.usefixtures("no_rate_limits")

MOSCOW = ZoneInfo("Europe/Moscow")
VLADIVOSTOK = ZoneInfo("Asia/Vladivostok")
TUESDAY = date(2026, 12, 8)
SATURDAY = date(2026, 12, 12)


def at(day: date, hour: int, minute: int = 0, zone=MOSCOW) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=zone)


@pytest.fixture(autouse=True, params=["UTC", "Asia/Vladivostok"])
def process_zone(request, monkeypatch):
    """Each test runs with the process in UTC and again in Vladivostok: the figures must not move."""
    import time as clock_module

    monkeypatch.setenv("TZ", request.param)
    clock_module.tzset()
    yield request.param
    monkeypatch.undo()
    clock_module.tzset()


@pytest.fixture
def boss(make_user):
    return make_user("supervisor", "boss")


@pytest.fixture
def anna(make_user):
    return make_user("caller", "anna", full_name="Анна Звонова")


@pytest.fixture
def windows(db, boss):
    """The shipped default window (weekdays 09-13 and 14-18, Russia); retail 10-19 Monday to Saturday,
    HoReCa 14-22 on weekdays."""
    defaults = reference.shipped_defaults()["settings"]
    with db.write() as session:
        for key in ("queue.calling_days", "queue.calling_hours", "queue.holidays_country", "centre.time_zone"):
            reference.set_setting(session, key, defaults[key])
    clock.set_channel_window(db, boss, "Розница", days=[1, 2, 3, 4, 5, 6], hours=[["10:00", "19:00"]])
    clock.set_channel_window(db, boss, "HoReCa", hours=[["14:00", "22:00"]])
    queue.forget_queue_zones()
    return db


def moscow(db, name: str, channel: str, **fields) -> int:
    return add_company(db, name, channel=channel, phones=("+74951234567",), time_zone="Europe/Moscow", **fields)


def test_a_retail_shop_is_not_called_before_ten_while_an_office_is(windows, anna):
    # The shop ranks first (a special offer) but its window is closed at 09:30: the office is called.
    shop = moscow(windows, "Магазин у дома", "Розница", rank=10)
    office = moscow(windows, "Офис Плюс", "Офисы")
    assert queue.claim_next_lead(windows, anna, now=at(TUESDAY, 9, 30)).company_id == office
    queue.release_lead(windows, anna)
    # At ten the shop's window opens and it goes first again.
    assert queue.claim_next_lead(windows, anna, now=at(TUESDAY, 10, 0)).company_id == shop


def test_horeca_is_called_in_the_evening_and_retail_on_saturday_when_the_default_is_closed(windows, anna):
    cafe = moscow(windows, "Кафе «Вечер»", "HoReCa")
    shop = moscow(windows, "Магазин у дома", "Розница")
    office = moscow(windows, "Офис Плюс", "Офисы")
    assert queue.claim_next_lead(windows, anna, now=at(TUESDAY, 20, 0)).company_id == cafe
    queue.release_lead(windows, anna)
    assert queue.claim_next_lead(windows, anna, now=at(SATURDAY, 11, 0)).company_id == shop
    queue.release_lead(windows, anna)
    # The café's own window says weekdays (the default's days), so not on Saturday; nor in the morning.
    with windows.write() as session:
        session.get(Company, shop).needs_data_fix = True  # out of the queue
    with pytest.raises(QueueEmpty):
        queue.claim_next_lead(windows, anna, now=at(SATURDAY, 15, 0))
    assert queue.claim_next_lead(windows, anna, now=at(TUESDAY, 9, 0)).company_id == office


def test_the_channel_window_is_the_clients_clock_and_any_spelling_of_the_channel(windows, anna):
    # 20:00 in Moscow is 03:00 in Vladivostok: a Vladivostok café is asleep; at 20:00 there it is called.
    cafe = add_company(
        windows, "Кафе «Залив»", channel="  horeca ", phones=("+74232123456",), time_zone="Asia/Vladivostok"
    )
    with pytest.raises(QueueEmpty):
        queue.claim_next_lead(windows, anna, now=at(TUESDAY, 20, 0))
    assert queue.claim_next_lead(windows, anna, now=at(TUESDAY, 20, 0, VLADIVOSTOK)).company_id == cafe


def test_an_agreed_callback_is_kept_whatever_the_channels_window(windows, make_user, anna):
    boris = make_user("caller", "boris")
    shop = moscow(windows, "Магазин у дома", "Розница")
    early = at(TUESDAY, 8, 0)  # the shop asked for 08:00, before its window opens
    with windows.write() as session:
        row = session.get(Company, shop)
        row.callback_user_id, row.callback_at, row.not_before = anna.id, early, early
    assert queue.claim_next_lead(windows, anna, now=early).source == "callback"
    queue.release_lead(windows, anna)
    # Past the grace period another caller takes it, still outside the window: it was agreed.
    assert queue.claim_next_lead(windows, boris, now=early + timedelta(minutes=31)).company_id == shop


def test_the_empty_queue_says_when_the_first_channel_opens(windows, anna):
    moscow(windows, "Магазин у дома", "Розница")
    moscow(windows, "Офис Плюс", "Офисы")
    view = queue._view(windows, anna, None, now=at(TUESDAY, 8, 0))
    assert view.lead is None and view.window_opens_at == at(TUESDAY, 9, 0)  # the office, before the shop
    # On Sunday evening, the earliest is Monday 09:00 (the office) again.
    assert queue._view(windows, anna, None, now=at(date(2026, 12, 13), 20, 0)).window_opens_at == at(
        date(2026, 12, 14), 9, 0
    )
    # Saturday 09:00: only the shop opens that day, at 10.
    assert queue._view(windows, anna, None, now=at(SATURDAY, 9, 0)).window_opens_at == at(SATURDAY, 10, 0)


def test_the_supervisor_sets_and_removes_a_channels_window_audited_and_checked(windows, boss, anna):
    with pytest.raises(AccessDenied):
        clock.set_channel_window(windows, anna, "Офисы", hours=[["09:00", "18:00"]])
    for bad in ([["18:00", "09:00"]], [["9"]]):
        with pytest.raises(ValidationFailed):
            clock.set_channel_window(windows, boss, "Офисы", hours=bad)
    with pytest.raises(ValidationFailed):
        clock.set_channel_window(windows, boss, "Офисы", days=[9], hours=[["09:00", "18:00"]])
    with pytest.raises(ValidationFailed):
        clock.set_channel_window(windows, boss, "   ", hours=[["09:00", "18:00"]])
    # Another spelling of a channel replaces its window rather than adding a second one.
    clock.set_channel_window(windows, boss, "розница", hours=[["11:00", "20:00"]])
    info = clock.calling_hours(windows, boss, now=at(TUESDAY, 10, 30))
    assert [(name, hours) for name, _days, hours, _open in info.channels] == [
        ("HoReCa", (("14:00", "22:00"),)),
        ("розница", (("11:00", "20:00"),)),
    ]
    clock.set_channel_window(windows, boss, "HORECA", remove=True)
    with pytest.raises(ValidationFailed):
        clock.set_channel_window(windows, boss, "HoReCa", remove=True)
    with windows.read() as session:
        assert list(reference.get_setting(session, "queue.channel_windows")) == ["розница"]
        actions = session.execute(
            select(AuditEvent.action).where(AuditEvent.action.like("channel_window%")).order_by(AuditEvent.id)
        ).scalars()
        assert list(actions) == ["channel_window_set"] * 3 + ["channel_window_removed"]


def test_a_setting_that_makes_no_sense_is_refused():
    default = clock.window_from([1, 2, 3, 4, 5], [["09:00", "18:00"]], "RU")
    for bad in ([["10:00", "19:00"]], {"Розница": [["10:00", "19:00"]]}, {"": {"hours": [["10:00", "19:00"]]}}):
        with pytest.raises(ValidationFailed):
            clock.channel_windows_from(bad, default)
    parsed = dict(clock.channel_windows_from({"Розница": {"hours": [["10:00", "19:00"]]}}, default))
    assert parsed["розница"].days == default.days and parsed["розница"].country == "RU"


# --- the claim's statements and their plans ----------------------------------------------------

PARAMS = {
    "me": 1,
    "now": "2026-12-08 07:00:00",
    "until": "2026-12-08 07:20:00",
    "grace_cut": "2026-12-08 06:30:00",
    "z0": "Europe/Moscow",
    "c0": "Розница",
    "z1": "Asia/Vladivostok",
    "c1": "HoReCa",
}


def _plan(db, sql: str, params: dict, *, run: bool = False) -> str:
    with db.read() as session:
        if db.is_sqlite:
            rows = session.execute(text("EXPLAIN QUERY PLAN " + sql), params).all()
            return " | ".join(str(row[-1]) for row in rows)
        # A test table is small enough for PostgreSQL to prefer reading it whole: forbid that, so the
        # plan shows whether the index can serve each seek (at a million rows the planner picks it itself,
        # benchmarks/queue_claim.py).
        session.execute(text("SET LOCAL enable_seqscan = off"))
        # (A read statement is run to show its plan whole: the subqueries of its select list too.)
        rows = session.execute(text(("EXPLAIN (ANALYZE) " if run else "EXPLAIN ") + sql), params).all()
        return "\n".join(str(row[0]) for row in rows)


def test_the_claim_seeks_the_queue_index_per_zone_and_channel(db):
    """One seek into ix_company_queue per open (zone, channel) pair, never a scan of the table."""
    moscow(db, "Магазин у дома", "Розница")
    details = _plan(db, queue._claim_statement(db.is_sqlite, 2), PARAMS)
    if db.is_sqlite:
        assert details.count("ix_company_queue (time_zone=? AND channel=?)") == 2, details
        assert "SCAN company" not in details.replace("SCAN company USING INDEX", ""), details
    else:
        assert details.count("Index Cond: (((time_zone)::text = ") == 2, details
        assert "(channel)::text = " in details and "Seq Scan on company" not in details, details


def test_the_queues_pairs_are_found_by_a_loose_index_scan(db):
    for name, zone_name, channel in (
        ("А", "Europe/Moscow", "Розница"),
        ("Б", "Europe/Moscow", "Розница"),
        ("В", "Europe/Moscow", ""),
        ("Г", "Asia/Vladivostok", "HoReCa"),
        ("Д", "", "Офисы"),
    ):
        add_company(db, name, channel=channel, time_zone=zone_name)
    add_company(db, "Не в очереди", channel="Дилеры", time_zone="Asia/Omsk", needs_data_fix=True)
    sql = queue._statements(db.is_sqlite)["pairs"]
    with db.read() as session:
        pairs = [tuple(row) for row in session.execute(text(sql))]
    assert sorted(pairs) == [
        ("", "Офисы"),
        ("Asia/Vladivostok", "HoReCa"),
        ("Europe/Moscow", ""),
        ("Europe/Moscow", "Розница"),
    ]
    details = _plan(db, sql, {}, run=True)
    if db.is_sqlite:
        assert "ix_company_queue (time_zone=? AND channel>?)" in details, details
        assert "ix_company_queue (time_zone>?)" in details, details
    else:
        assert "Seq Scan on company" not in details, details
        assert "Index Cond: ((time_zone = (p_1.tz)::text) AND (channel > (p_1.ch)::text))" in details, details
        assert "Index Cond: (time_zone > (p_1.tz)::text)" in details, details


def test_more_pairs_than_one_compound_select_takes_still_claim_in_one_statement(db, anna):
    """SQLite allows 500 terms in one UNION: a base with hundreds of channels nests them."""
    wanted = moscow(db, "Последний канал", "канал 599", rank=10)
    pairs = [("Europe/Moscow", f"канал {n}") for n in range(600)]
    params = {"me": anna.id, "now": at(TUESDAY, 10), "until": at(TUESDAY, 11), "grace_cut": at(TUESDAY, 9)}
    with db.lean_write() as tx:
        assert queue._claim(tx, db.is_sqlite, params, pairs)[0] == wanted
