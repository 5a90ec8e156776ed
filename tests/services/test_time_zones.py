"""Time zones: the client's calling window, the typist's clock, the call centre's day (SQLite and PostgreSQL).

Every moment here is an aware datetime built on a named zone, so the results are the same whatever
the test process's own zone is (the suite runs under TZ=UTC and TZ=Asia/Vladivostok, see conftest).
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from kbase_tui import timezones
from kbase_tui.formatting import format_both_clocks
from kbase_tui.models import Company, Interaction, InteractionKind, utcnow
from kbase_tui.services import clock, queue, reference, reports
from kbase_tui.services.errors import QueueEmpty, ValidationFailed

from .queue_setup import add_company, company

pytestmark = pytest.mark.usefixtures("no_rate_limits")

MOSCOW = ZoneInfo("Europe/Moscow")
VLADIVOSTOK = ZoneInfo("Asia/Vladivostok")
TUESDAY = date(2026, 12, 8)  # an ordinary working day in Russia


def at(day: date, hour: int, minute: int = 0, zone=MOSCOW) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=zone)


@pytest.fixture(autouse=True, params=["UTC", "Asia/Vladivostok"])
def process_zone(request, monkeypatch):
    """Each test here runs with the process in UTC and again in Vladivostok: the figures must not move."""
    import time as clock_module

    monkeypatch.setenv("TZ", request.param)
    clock_module.tzset()
    yield request.param
    monkeypatch.undo()
    clock_module.tzset()


@pytest.fixture
def window(db):
    """The shipped calling window: weekdays 09:00-13:00 and 14:00-18:00 client time, Russia's holidays."""
    defaults = reference.shipped_defaults()["settings"]
    with db.write() as session:
        for key in ("queue.calling_days", "queue.calling_hours", "queue.holidays_country", "centre.time_zone"):
            reference.set_setting(session, key, defaults[key])
    queue.forget_queue_zones()
    return db


@pytest.fixture
def anna(make_user):
    return make_user("caller", "anna", full_name="Анна Звонова")


def vladivostok_company(db, name: str = "Владивосток Рыба") -> int:
    return add_company(
        db, name, city="Владивосток", phones=("+74232123456",), time_zone=timezones.zone_for_phone("+74232123456")
    )


# --- which zone -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "number, zone",
    [
        ("+74951234567", "Europe/Moscow"),
        ("+78121234567", "Europe/Moscow"),
        ("+73431234567", "Asia/Yekaterinburg"),
        ("+73812123456", "Asia/Omsk"),
        ("+73831234567", "Asia/Novosibirsk"),
        ("+74232123456", "Asia/Vladivostok"),
        ("+74012123456", "Europe/Kaliningrad"),  # phonenumbers says Europe/Bucharest: summer time Russia has not
        ("+79161234567", None),
        ("+78001234567", None),  # mobile and free numbers: anywhere in Russia
    ],
)
def test_a_phone_tells_the_zone_only_when_its_code_is_geographic(number, zone):
    assert timezones.zone_for_phone(number) == zone


def test_the_quick_zone_of_a_russian_number_is_that_of_its_longest_prefix_in_the_phone_library():
    """The importer's quick path reads as many digits as the library's longest +7 prefix; walking the first nine
    digits of the number, as the library's own prefix table is walked, gives the same zone for every number."""
    from phonenumbers.tzdata import TIMEZONE_DATA

    def walked(e164: str) -> str | None:
        digits = e164[1:10]
        for length in range(len(digits), 1, -1):
            names = TIMEZONE_DATA.get(digits[:length])
            if names is not None:
                return timezones._one_zone(names)
        return None

    rng = random.Random(8)
    # Russia's geographic codes (3xx, 4xx, 8xx but 80x; 6xx and 7xx are Kazakhstan's, 9xx mobile).
    numbers = [f"+7{rng.choice('348')}{rng.randrange(10**9):09d}" for _ in range(20_000)]
    numbers += [f"+7{code}{rng.randrange(10**7):07d}" for code in (*range(300, 500), *range(810, 900)) for _ in "ab"]
    for number in numbers:
        if number[2:4] != "80":
            assert timezones.zone_for_phone(number) == walked(number), number


def test_the_city_tells_the_zone_when_the_phones_do_not():
    assert timezones.zone_for_company(["+79161234567"], "Хабаровск") == "Asia/Vladivostok"
    assert timezones.zone_for_company(["+73431234567"], "Москва") == "Asia/Yekaterinburg"  # the phone first
    assert timezones.zone_for_company([], "", "г. Омск, ул. Ленина, д. 1") == "Asia/Omsk"
    assert timezones.zone_for_company([], "Стулья и столы") is None  # stems start a word: not Тула
    assert timezones.zone_for_company([], "") is None


def test_existing_companies_get_their_zone_from_phones_and_city(db):
    by_phone = add_company(db, "Екатеринбург", phones=("+73431234567",), city="")
    by_city = add_company(db, "Омск", phones=("+79161234567",), city="Омск")
    unknown = add_company(db, "Где-то", phones=("+79161234567",), city="")
    with db.write() as session:
        assert clock.fill_company_zones(session.connection()) == 2
    assert company(db, by_phone).time_zone == "Asia/Yekaterinburg"
    assert company(db, by_city).time_zone == "Asia/Omsk"
    assert company(db, unknown).time_zone == ""  # the call centre's


# --- the calling window ---------------------------------------------------------------------


def test_a_vladivostok_company_is_not_offered_at_six_in_the_evening_in_moscow(window, anna):
    vladivostok_company(window)
    with pytest.raises(QueueEmpty):
        queue.claim_next_lead(window, anna, now=at(TUESDAY, 18, 0))  # 01:00 in Vladivostok


def test_a_vladivostok_company_is_offered_at_ten_in_the_morning_there(window, anna):
    company_id = vladivostok_company(window)
    moscow_id = add_company(window, "Москва Опт", phones=("+74951234567",), time_zone="Europe/Moscow")
    # 10:00 in Vladivostok is 03:00 in Moscow: the Moscow client sleeps, the Vladivostok one works.
    claimed = queue.claim_next_lead(window, anna, now=at(TUESDAY, 10, 0, VLADIVOSTOK))
    assert claimed.company_id == company_id
    assert claimed.company_id != moscow_id


def test_the_lunch_break_and_the_weekend_are_outside_the_window(window, anna):
    vladivostok_company(window)
    for moment in (at(TUESDAY, 13, 30, VLADIVOSTOK), at(date(2026, 12, 12), 10, 0, VLADIVOSTOK)):  # a Saturday
        with pytest.raises(QueueEmpty):
            queue.claim_next_lead(window, anna, now=moment)


def test_not_on_the_first_of_january(window, anna):
    vladivostok_company(window)
    with pytest.raises(QueueEmpty):
        queue.claim_next_lead(window, anna, now=at(date(2027, 1, 1), 10, 0, VLADIVOSTOK))
    # ... and the first working day after the New Year holidays it is.
    assert queue.claim_next_lead(window, anna, now=at(date(2027, 1, 11), 10, 0, VLADIVOSTOK)).source == "queue"


def test_a_saturday_made_a_working_day_is_inside_the_window(window, anna):
    vladivostok_company(window)
    # Russia worked on Saturday 27 April 2024 (the May holidays moved).
    assert queue.claim_next_lead(window, anna, now=at(date(2024, 4, 27), 10, 0, VLADIVOSTOK)).source == "queue"


def test_a_company_with_no_zone_keeps_the_call_centres_hours(window, anna):
    add_company(window, "Неизвестно где", phones=("+79161234567",), city="")
    with pytest.raises(QueueEmpty):
        queue.claim_next_lead(window, anna, now=at(TUESDAY, 8, 30))
    assert queue.claim_next_lead(window, anna, now=at(TUESDAY, 9, 0)).source == "queue"


def test_an_agreed_callback_is_kept_whatever_the_window(window, make_user, anna):
    boris = make_user("caller", "boris")
    company_id = vladivostok_company(window)
    evening = at(TUESDAY, 20, 0, VLADIVOSTOK)  # the client asked to be called at 20:00 their time
    with window.write() as session:
        row = session.get(Company, company_id)
        row.callback_user_id, row.callback_at, row.not_before = anna.id, evening, evening
    assert queue.claim_next_lead(window, anna, now=evening) == queue.ClaimedLead(
        company_id, evening + timedelta(minutes=20), "callback"
    )
    queue.release_lead(window, anna)
    # Past the grace period another caller takes it, still outside the window: it was agreed.
    assert queue.claim_next_lead(window, boris, now=evening + timedelta(minutes=31)).company_id == company_id


def test_the_empty_queue_says_when_the_window_opens(window, anna):
    vladivostok_company(window)
    saturday = at(date(2026, 12, 12), 10, 0, VLADIVOSTOK)
    view = queue._view(window, anna, None, now=saturday)
    assert view.lead is None and view.window_opens_at == at(date(2026, 12, 14), 9, 0, VLADIVOSTOK)
    # Open somewhere (the Vladivostok client at 10:00 on Tuesday): an empty queue is just empty.
    assert queue._view(window, anna, None, now=at(TUESDAY, 10, 0, VLADIVOSTOK)).window_opens_at is None


def test_next_opening_skips_the_lunch_break_and_the_holidays():
    window = clock.window_from([1, 2, 3, 4, 5], [["09:00", "13:00"], ["14:00", "18:00"]], "RU")
    assert clock.next_open("Asia/Vladivostok", at(TUESDAY, 13, 10, VLADIVOSTOK), window) == at(
        TUESDAY, 14, 0, VLADIVOSTOK
    )
    assert clock.next_open("Europe/Moscow", at(date(2026, 12, 31), 17, 0), window) == at(date(2027, 1, 11), 9, 0)


def test_a_window_that_makes_no_sense_is_refused():
    for days, hours, country in (
        ([8], [["09:00", "18:00"]], ""),
        ([1], [["18:00", "09:00"]], ""),
        ([1], [["9"]], ""),
        ([1], [["09:00", "18:00"]], "XX"),
    ):
        with pytest.raises(ValidationFailed):
            clock.window_from(days, hours, country)


# --- the typist's clock and the two clocks -------------------------------------------------


def test_a_callback_typed_by_a_moscow_caller_at_half_past_three_is_due_then_in_moscow(window, anna):
    from kbase_tui.ui.queue.dialogs import parse_local_datetime

    company_id = vladivostok_company(window)
    day = (utcnow() + timedelta(days=10)).astimezone(MOSCOW).date()
    while day.isoweekday() > 5:
        day += timedelta(days=1)
    with timezones.reader_zone_for("Europe/Moscow"):
        typed = parse_local_datetime(f"{day:%d.%m.%Y} 15:30")
    assert typed == at(day, 15, 30) and typed.utcoffset() == timedelta(0)
    queue.claim_next_lead(window, anna, now=at(day, 10, 0, VLADIVOSTOK))  # 03:00 in Moscow that day
    with timezones.reader_zone_for("Europe/Moscow"):
        result = queue.record_outcome(window, anna, company_id, "callback", callback_at=typed)
    # The summary shows both clocks: 22:30 at the client in Vladivostok, 15:30 for the caller.
    assert f"{day:%d.%m.%Y} 22:30" in result.summary and "15:30" in result.summary
    assert company(window, company_id).callback_at == at(day, 15, 30)
    with pytest.raises(QueueEmpty):  # 15:29 in Moscow: not yet (and 22:29 in Vladivostok: outside the window)
        queue.claim_next_lead(window, anna, now=at(day, 15, 29))
    assert queue.claim_next_lead(window, anna, now=at(day, 15, 30)).source == "callback"
    with window.read() as session:
        line = session.execute(
            select(Interaction.text).where(
                Interaction.company_id == company_id, Interaction.kind == InteractionKind.CALL
            )
        ).scalar()
    assert f"{day:%d.%m.%Y} 22:30" in line  # the history keeps what was agreed, on the client's clock


def test_both_clocks_read_the_same_moment():
    moment = at(TUESDAY, 15, 30)
    with timezones.reader_zone_for("Europe/Moscow"):
        assert format_both_clocks(moment, "Asia/Vladivostok") == "08.12.2026 22:30 client's time · 15:30 yours"
        assert format_both_clocks(moment, "Europe/Moscow") == "08.12.2026 15:30"
    with timezones.reader_zone_for("Asia/Omsk"):
        assert format_both_clocks(moment, "Asia/Vladivostok") == "08.12.2026 22:30 client's time · 18:30 yours"


def test_the_lead_card_shows_the_clients_local_time(window, anna):
    from kbase_tui.ui.queue.screen import lead_text

    company_id = vladivostok_company(window)
    queue.claim_next_lead(window, anna, now=at(TUESDAY, 10, 0, VLADIVOSTOK))
    card = queue.lead_card(window, anna, company_id)
    assert card.time_zone == "Asia/Vladivostok" and card.zone_known
    with timezones.reader_zone_for("Europe/Moscow"):
        shown = lead_text(card, now=at(TUESDAY, 10, 5, VLADIVOSTOK)).plain
    assert "Client's time 10:05 (Vladivostok, +7 h to yours)" in shown


# --- the call centre's day ------------------------------------------------------------------


def _calls_at(db, user_id: int, *moments: datetime) -> None:
    with db.write() as session:
        company_id = session.execute(select(Company.id).limit(1)).scalar()
        for moment in moments:
            session.add(
                Interaction(
                    company_id=company_id,
                    user_id=user_id,
                    kind=InteractionKind.CALL,
                    outcome="no_answer",
                    text="",
                    at=moment,
                )
            )


def test_counters_and_reports_roll_over_at_the_call_centres_midnight(window, anna, make_user):
    boss = make_user("supervisor", "roman")
    add_company(window, "Кто-то")
    wednesday = TUESDAY + timedelta(days=1)
    _calls_at(window, anna.id, at(TUESDAY, 23, 50), at(wednesday, 0, 10))
    # 00:20 in Moscow on Wednesday is still Tuesday 21:20 UTC: the Moscow day counts one call.
    assert queue.counters(window, anna, now=at(wednesday, 0, 20)).calls == 1
    funnel = reports.funnel(window, boss, wednesday, wednesday)
    assert funnel.rows[0][1] == 1
    with window.write() as session:  # a call centre in Vladivostok: both calls fall on its Wednesday
        reference.set_setting(session, "centre.time_zone", "Asia/Vladivostok")
    assert queue.counters(window, anna, now=at(wednesday, 0, 20)).calls == 2
    assert reports.funnel(window, boss, wednesday, wednesday).rows[0][1] == 2
    with window.read() as session:
        assert clock.today(session, at(TUESDAY, 18, 0)) == wednesday  # 01:00 in Vladivostok


# --- who sets the zones ---------------------------------------------------------------------


def test_the_admin_sets_a_persons_zone_and_the_sign_in_carries_it(db, make_user):
    from kbase_tui.services import users
    from kbase_tui.services.errors import AccessDenied

    from ..conftest import PASSWORD

    admin = make_user("admin", "it")
    make_user("caller", "anna")
    assert users.login(db, "anna", PASSWORD).time_zone == "Europe/Moscow"  # the call centre's by default
    assert users.set_time_zone(db, admin, "anna", "Asia/Omsk").time_zone == "Asia/Omsk"
    assert users.login(db, "anna", PASSWORD).time_zone == "Asia/Omsk"
    with pytest.raises(ValidationFailed):
        users.set_time_zone(db, admin, "anna", "Asia/Atlantis")
    with pytest.raises(AccessDenied):
        users.set_time_zone(db, make_user("supervisor", "roman"), "anna", "Asia/Omsk")
    assert users.set_time_zone(db, admin, "anna", "").time_zone is None
    assert users.login(db, "anna", PASSWORD).time_zone == "Europe/Moscow"


def test_the_supervisor_corrects_a_clients_zone_and_a_caller_may_not(db, make_user):
    from kbase_tui.services import clients
    from kbase_tui.services.errors import AccessDenied

    boss, anna = make_user("supervisor", "roman"), make_user("caller", "anna")
    company_id = add_company(db, "Хабаровск Лес", city="Хабаровск", phones=("+79161234567",))
    assert clients.set_time_zone(db, boss, company_id, "Asia/Vladivostok").time_zone == "Asia/Vladivostok"
    assert clients.set_time_zone(db, boss, company_id, "").time_zone == "Asia/Vladivostok"  # guessed from the city
    with pytest.raises(AccessDenied):
        clients.set_time_zone(db, anna, company_id, "Europe/Moscow")
    with pytest.raises(ValidationFailed):
        clients.set_time_zone(db, boss, company_id, "Moscow")
