"""The caller's screen driven by Pilot: a whole shift, each outcome by its key, the next lead at once."""

from __future__ import annotations

from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from kbase_tui.models import Company, Deal, Interaction, Refusal, utcnow
from kbase_tui.timezones import centre_zone
from kbase_tui.ui.queue import dialogs
from kbase_tui.ui.queue.screen import CallerQueue

from ..conftest import PASSWORD
from ..server_harness import app_on
from ..services.queue_setup import add_company

# These tests take leads faster than a person can call (see conftest.no_rate_limits).
pytestmark = pytest.mark.usefixtures("no_rate_limits")


async def settle(app, pilot, rounds: int = 3):
    for _ in range(rounds):
        await app.workers.wait_for_complete()
        await pilot.pause()


async def sign_in(app, pilot, username: str):
    await settle(app, pilot)
    app.screen.query_one("#username").value = username
    app.screen.query_one("#password").value = PASSWORD
    app.screen.query_one("#password").focus()
    await pilot.press("enter")
    await settle(app, pilot)


def screen_text(app) -> str:
    return " ".join(str(w.render()) for w in app.screen.query("Static"))


@pytest.fixture
def team(make_user):
    return {
        "anna": make_user("caller", "anna", full_name="Анна Звонова"),
        "boris": make_user("caller", "boris", full_name="Борис Набиров"),
        "petr": make_user("closer", "petr", full_name="Пётр Сделкин"),
    }


def held_by(db, user_id):
    with db.read() as session:
        return session.execute(select(Company.name).where(Company.held_by_id == user_id)).scalars().all()


async def test_a_whole_shift_every_outcome_by_its_key(db, db_url, team):
    names = [
        "ООО «Альфа»",
        "ООО «Бета»",
        "ООО «Гамма»",
        "ООО «Дельта»",
        "ООО «Эпсилон»",
        "ООО «Зета»",
        "ООО «Эта»",
        "ООО «Тета»",
    ]
    ids = {name: add_company(db, name, tried=utcnow() - timedelta(days=30 - n)) for n, name in enumerate(names)}
    app = app_on(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(app, pilot, "anna")
        screen = app.screen
        assert isinstance(screen, CallerQueue)
        assert screen.lead.name == "ООО «Альфа»"
        assert "ООО «Альфа»" in screen_text(app) and "+7 495 123-45-67" in screen_text(app)
        # The outcome bar is generated from the outcome rows.
        outcomes_bar = str(app.screen.query_one("#queue-outcomes").render()).replace("\xa0", " ")
        for label in ("No answer", "Busy", "Call back", "Refused", "Do not call"):
            assert label in outcomes_bar

        # n: no answer -> the next lead at once, counters move.
        await pilot.press("n")
        await settle(app, pilot)
        assert screen.lead.name == "ООО «Бета»"
        assert screen.view.counters.calls == 1
        assert "Calls 1 / 120" in str(app.screen.query_one("#queue-counters").render())

        # b: busy
        await pilot.press("b")
        await settle(app, pilot)
        assert screen.lead.name == "ООО «Гамма»"

        # c: callback, the second quick choice (tomorrow 10:00): Down, Enter on the empty time box
        await pilot.press("c")
        await settle(app, pilot)
        assert isinstance(app.screen, dialogs.CallbackDialog)
        await pilot.press("down", "enter")
        await settle(app, pilot)
        assert screen.lead.name == "ООО «Дельта»"

        # r: refused, reason 2 (No need), a comment, Enter
        await pilot.press("r")
        await settle(app, pilot)
        assert isinstance(app.screen, dialogs.RefusalDialog)
        await pilot.press("2")
        await pilot.press(*"дорого")
        await pilot.press("enter")
        await settle(app, pilot)
        assert screen.lead.name == "ООО «Эпсилон»"

        # i: interested, requirements, Enter = default closer
        await pilot.press("i")
        await settle(app, pilot)
        assert isinstance(app.screen, dialogs.HandoverDialog)
        await pilot.press(*"5 t")
        await pilot.press("enter")
        await settle(app, pilot)
        assert screen.lead.name == "ООО «Зета»"
        assert "Пётр Сделкин" in str(app.screen.query_one("#queue-message").render())

        # w: wrong number needs a comment
        await pilot.press("w")
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, dialogs.CommentDialog)  # refused: empty comment
        await pilot.press(*"no such number")
        await pilot.press("enter")
        await settle(app, pilot)
        assert screen.lead.name == "ООО «Эта»"

        # d: do not call asks first; Esc keeps the lead
        await pilot.press("d")
        await settle(app, pilot)
        await pilot.press("escape")
        await settle(app, pilot)
        assert screen.lead.name == "ООО «Эта»"
        await pilot.press("d")
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        assert screen.lead.name == "ООО «Тета»"
        counters = screen.view.counters
        assert (counters.calls, counters.handovers, counters.refusals) == (7, 1, 1)
        assert held_by(db, team["anna"].id) == ["ООО «Тета»"]
        await pilot.press("ctrl+q")
        await settle(app, pilot)

    with db.read() as session:
        calls = session.execute(
            select(Interaction.company_id, Interaction.outcome, Interaction.user_id)
            .where(Interaction.kind == "call")
            .order_by(Interaction.id)
        ).all()
        assert [(c, o) for c, o, _u in calls] == [
            (ids["ООО «Альфа»"], "no_answer"),
            (ids["ООО «Бета»"], "busy"),
            (ids["ООО «Гамма»"], "callback"),
            (ids["ООО «Дельта»"], "refused"),
            (ids["ООО «Эпсилон»"], "interested"),
            (ids["ООО «Зета»"], "wrong_number"),
            (ids["ООО «Эта»"], "do_not_call"),
        ]
        assert {u for _c, _o, u in calls} == {team["anna"].id}
        refusal = session.execute(select(Refusal)).scalar_one()
        assert refusal.reason_code == "no_need" and refusal.comment == "дорого"
        deal = session.execute(select(Deal)).scalar_one()
        assert deal.closer_id == team["petr"].id and deal.requirements == "5 t"
        callback = session.get(Company, ids["ООО «Гамма»"])
        assert callback.callback_user_id == team["anna"].id
        assert callback.callback_at.astimezone(centre_zone()).hour == 10
    # Quitting released the lead still held.
    assert held_by(db, team["anna"].id) == []


async def test_empty_queue_says_so_and_checks_again(db, db_url, team):
    app = app_on(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(app, pilot, "anna")
        assert app.screen.lead is None
        assert "No leads are waiting" in screen_text(app)
        add_company(db, "ООО «Новая»")
        await pilot.press("g")
        await settle(app, pilot)
        assert app.screen.lead.name == "ООО «Новая»"


async def test_logging_out_releases_the_lead_and_signing_in_again_gets_it_back(db, db_url, team):
    add_company(db, "ООО «Альфа»")
    add_company(db, "ООО «Бета»")
    app = app_on(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(app, pilot, "anna")
        assert held_by(db, team["anna"].id) == ["ООО «Альфа»"]
        await pilot.press("ctrl+l")
        await settle(app, pilot)
        assert held_by(db, team["anna"].id) == []


async def test_my_callbacks_lists_time_and_name_and_takes_one(db, db_url, team):
    add_company(db, "ООО «Текущая»")
    cb = add_company(
        db,
        "ООО «Перезвон»",
        callback_user_id=team["anna"].id,
        callback_at=utcnow() + timedelta(hours=3),
        not_before=utcnow() + timedelta(hours=3),
    )
    app = app_on(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(app, pilot, "anna")
        assert app.screen.lead.name == "ООО «Текущая»"
        await pilot.press("m")
        await settle(app, pilot)
        assert isinstance(app.screen, dialogs.CallbacksDialog)
        assert [c.company_name for c in app.screen.callbacks] == ["ООО «Перезвон»"]
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.screen.lead.company_id == cb
        assert held_by(db, team["anna"].id) == ["ООО «Перезвон»"]


async def test_hostile_company_text_is_shown_literally(db, db_url, team):
    add_company(db, "[bold red]x[/] \x1b[31mООО", city="[link=http://x]y[/link]")
    app = app_on(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(app, pilot, "anna")
        assert "[bold red]x[/]" in screen_text(app)


async def test_supervisor_edits_a_script_and_the_caller_reads_it(db, db_url, team, make_user):
    from kbase_tui.services import callscripts
    from kbase_tui.ui.queue.script_editor import ScriptEditor

    make_user("supervisor", "roman", full_name="Роман Руководов")
    add_company(db, "ООО «Стройка»", industry="Строительство")
    app = app_on(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(app, pilot, "roman")
        app.push_screen(ScriptEditor())
        await settle(app, pilot)
        editor = app.screen
        assert isinstance(editor, ScriptEditor) and editor.rows
        await pilot.press("ctrl+n")
        editor.query_one("#script-language").value = "en"
        editor.query_one("#script-industry").value = "Строительство"
        editor.query_one("#script-phrase").text = "Hello, {operator} from KB-Supply: cement within 24 hours."
        editor.query_one("#script-question").value = "Who buys cement for your sites?"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "Saved" in str(editor.query_one("#script-message").render())
    rows = callscripts.list_scripts(db, make_user("supervisor", "second"))
    assert any(r.industry == "Строительство" and r.language == "en" for r in rows)
    app = app_on(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(app, pilot, "anna")
        assert app.screen.lead.script_phrase == "Hello, Анна Звонова from KB-Supply: cement within 24 hours."
        assert app.screen.lead.key_question == "Who buys cement for your sites?"


async def test_the_lead_card_shows_the_clients_local_time_and_the_admins_zone_for_the_caller(db, team):
    """A caller in Omsk (set by the admin) holding a Vladivostok lead: the card shows the client's clock
    beside theirs; the callback dialog offers each time on both clocks."""
    from kbase_tui import timezones
    from kbase_tui.services import users
    from kbase_tui.services.users import local_actor

    users.set_time_zone(db, local_actor(), "anna", "Asia/Omsk")
    add_company(db, "Владивосток Рыба", city="Владивосток", phones=("+74232123456",), time_zone="Asia/Vladivostok")
    app = app_on(db)
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await sign_in(app, pilot, "anna")
            assert app.actor.time_zone == "Asia/Omsk"
            text = screen_text(app)
            assert "Client's time" in text and "(Vladivostok, +4 h to yours)" in text
            await pilot.press("c")
            await settle(app, pilot)
            choices = " ".join(str(label) for label, _when in app.screen.choices)
            assert "client's time" in choices and "yours" in choices
    finally:
        timezones.set_reader_zone(None, "")


async def test_a_typed_callback_time_is_never_taken_for_a_quick_choice(db, db_url, team):
    """c, the date and time, Enter: the digits 1 and 2 inside the date used to pick a quick choice."""
    from datetime import datetime

    add_company(db, "ООО «Альфа»")
    add_company(db, "ООО «Бета»")
    when = (datetime.now(ZoneInfo("Europe/Moscow")) + timedelta(days=3)).replace(
        hour=15, minute=30, second=0, microsecond=0
    )
    typed = when.strftime("%d.%m.%Y %H:%M")
    app = app_on(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(app, pilot, "anna")
        first = app.screen.lead.company_id
        # Three keys plus the date: c, the date and time, Enter; in one burst.
        await pilot.press("c", *typed, "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, CallerQueue)
        assert app.screen.lead.name == "ООО «Бета»"
        assert "15:30" in str(app.screen.query_one("#queue-message").render())
    with db.read() as session:
        company = session.get(Company, first)
        assert company.callback_at == when


async def test_a_callback_in_one_hour_is_c_and_enter_and_a_bad_time_stays_typed(db, db_url, team):
    add_company(db, "ООО «Альфа»")
    add_company(db, "ООО «Бета»")
    app = app_on(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(app, pilot, "anna")
        first = app.screen.lead.company_id
        await pilot.press("c", *"31.02.2026 10:00", "enter")
        await settle(app, pilot)
        # Written right, but no such day: the dialog stays with the text as typed and says so.
        assert isinstance(app.screen, dialogs.CallbackDialog)
        assert app.screen.query_one("#callback-at").value == "31.02.2026 10:00"
        assert "No such date: 31.02.2026" in str(app.screen.query_one(".dialog-error").render())
        app.screen.query_one("#callback-at").value = ""
        await pilot.press("enter")  # the empty box: the highlighted quick choice, in one hour
        await settle(app, pilot)
        assert isinstance(app.screen, CallerQueue) and app.screen.lead.name == "ООО «Бета»"
    with db.read() as session:
        company = session.get(Company, first)
        in_an_hour = company.callback_at - utcnow()
        assert timedelta(minutes=55) < in_an_hour <= timedelta(minutes=61)


# --- an outcome key either records or says why not ------------------------------------------------


def _message(app) -> str:
    return str(app.screen.query_one("#queue-message").render())


@pytest.mark.usefixtures("no_rate_limits")
async def test_an_outcome_on_a_lead_given_back_in_another_window_is_recorded(db, db_url, team):
    """The same caller in two terminals logs out in one: the other one's outcome still records."""
    from kbase_tui.services import queue as queue_service

    first = add_company(db, "ООО «Альфа»")
    add_company(db, "ООО «Бета»")
    app = app_on(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(app, pilot, "anna")
        assert app.screen.lead.company_id == first
        queue_service.release_lead(db, team["anna"])  # Ctrl+L in the other window
        await pilot.press("n")
        await settle(app, pilot)
        assert app.screen.lead.name == "ООО «Бета»"
        assert "Back in the queue" in _message(app)
    with db.read() as session:
        outcomes = session.execute(
            select(Interaction.company_id, Interaction.outcome).where(Interaction.kind == "call")
        ).all()
    assert outcomes == [(first, "no_answer")]


@pytest.mark.usefixtures("no_rate_limits")
async def test_an_outcome_on_a_lead_another_caller_took_says_so_above_the_next_lead(db, db_url, team):
    from kbase_tui.services import queue as queue_service

    first = add_company(db, "ООО «Альфа»")
    add_company(db, "ООО «Бета»")
    app = app_on(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(app, pilot, "anna")
        queue_service.release_lead(db, team["anna"])
        assert queue_service.claim_next_lead(db, team["boris"]).company_id == first
        await pilot.press("r")
        await settle(app, pilot)
        await pilot.press("1", *"дорого", "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, CallerQueue)
        assert "another caller has it now" in _message(app)
        assert app.screen.lead.name == "ООО «Бета»"


@pytest.mark.usefixtures("no_rate_limits")
async def test_an_outcome_on_a_lead_recorded_in_another_window_says_so(db, db_url, team):
    from kbase_tui.services import queue as queue_service

    first = add_company(db, "ООО «Альфа»")
    add_company(db, "ООО «Бета»")
    app = app_on(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(app, pilot, "anna")
        queue_service.record_outcome(db, team["anna"], first, "busy")  # the other window
        await pilot.press("n")
        await settle(app, pilot)
        assert "dealt with meanwhile" in _message(app)
        assert app.screen.lead.name == "ООО «Бета»"


async def test_after_the_lead_rate_wait_the_queue_comes_back_by_itself(db, db_url, team):
    """Taking leads too fast: the outcome is recorded, no stale lead stays, and the next comes alone."""
    import asyncio

    from kbase_tui.services import reference

    with db.write() as session:
        reference.set_setting(session, "security.leads_per_minute", 1)
    for n in range(4):
        add_company(db, f"ООО «Компания {n}»")
    app = app_on(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(app, pilot, "anna")
        await pilot.press("n")  # the second claim in a minute: over the limit, allowed, raises the alarm
        await settle(app, pilot)
        assert app.screen.lead is not None
        second = app.screen.lead.company_id
        await pilot.press("n")  # recorded; the next claim has to wait
        await settle(app, pilot)
        screen = app.screen
        assert screen.lead is None and screen.view.wait_seconds > 0
        assert "Back in the queue" in _message(app) and "wait" in _message(app)
        assert "The next lead comes in" in screen_text(app)
        await pilot.press("n")  # nothing to record on: says so, records nothing
        await settle(app, pilot)
        for _ in range(100):
            if screen.lead is not None:
                break
            await asyncio.sleep(0.1)
        assert screen.lead is not None, "the queue did not come back by itself"
    with db.read() as session:
        outcomes = session.execute(select(Interaction.company_id).where(Interaction.kind == "call")).scalars().all()
    assert len(outcomes) == 2 and outcomes[1] == second


# --- 80×24 ---------------------------------------------------------------------------------------


def _rendered_lines(app) -> list[str]:
    return [strip.text for strip in app.screen._compositor.render_strips()]


@pytest.mark.usefixtures("no_rate_limits")
async def test_at_80x24_numbers_and_outcomes_never_break_and_f1_lists_the_outcomes_first(db, db_url, team):
    from kbase_tui.ui.help_screen import HelpScreen

    add_company(
        db,
        "ООО «РосДревКомплект» Екатеринбургский филиал",
        phones=("+73436026561", "+73435114496"),
        contact=("Павлов Дмитрий Викторович", "Технический директор по развитию"),
    )
    app = app_on(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(app, pilot, "anna")
        await settle(app, pilot)
        lines = _rendered_lines(app)
        text = "\n".join(lines)
        for number in ("+7 343 602-65-61", "+7 343 511-44-96"):
            assert number in text, (number, text)
        bar = [line for line in lines if "No answer" in line or "Do not call" in line]
        assert bar, text
        for label in (
            "No answer",
            "Busy",
            "Call back",
            "Refused",
            "Interested: hand over",
            "Wrong number / bad data",
            "Do not call",
        ):
            assert label in text, (label, text)
        assert "esc" in lines[-1].lower() or "f1" in lines[-1].lower()
        await pilot.press("f1")
        await settle(app, pilot)
        assert isinstance(app.screen, HelpScreen)
        table = app.screen.query_one("#help-keys")
        actions = [str(table.get_row_at(row)[1]) for row in range(table.row_count)]
        assert actions[:7] == [
            "No answer",
            "Busy",
            "Call back",
            "Refused",
            "Interested: hand over",
            "Wrong number / bad data",
            "Do not call",
        ], actions


def test_a_lead_sent_back_with_an_offer_is_never_said_to_be_never_called():
    """The attempts count starts afresh with a special offer; the calls before it are still shown."""
    from datetime import datetime

    from kbase_tui.protocol.queue import Attempt, LeadCard
    from kbase_tui.ui.queue.screen import lead_text

    at = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    lead = LeadCard(
        company_id=1,
        name="ООО «Альфа»",
        city="",
        industry="",
        channel="",
        abcde_class="",
        phones=(),
        contacts=(),
        special_offer="Скидка 10%",
        script_phrase="",
        key_question="",
        attempts=0,
        last_outcome="",
        last_tried_at=None,
        previous=(Attempt(at, "Refused"),),
        callback_at=None,
        held_until=at,
        source="queue",
    )
    text = lead_text(lead).plain
    assert "Never called before" not in text and "Called before:" in text and "Refused" in text


def test_the_script_list_names_purpose_and_language_in_words():
    from datetime import UTC, datetime

    from kbase_tui.i18n import set_language
    from kbase_tui.protocol.callscripts import ScriptRow
    from kbase_tui.ui.queue.script_editor import script_line

    row = ScriptRow(1, "follow_up", "en", "Дилеры", "", "", "", "roman", datetime(2026, 12, 1, tzinfo=UTC))
    try:
        set_language("ru")
        line = script_line(row).plain
    finally:
        set_language("en")
    assert line.startswith("плановый звонок  English  канал продаж: Дилеры"), line
    assert "follow_up" not in line


async def test_an_outcome_whose_next_lead_meets_a_busy_database_is_saved_and_the_lead_comes_by_itself(
    db, db_url, team, monkeypatch
):
    # The outcome and the next lead are two transactions on the server. When only the second meets a busy
    # database, the outcome stands, the screen says the lead comes in a moment, and it comes without a key.
    from kbase_tui.services import queue as queue_service
    from kbase_tui.services.errors import DatabaseBusy

    first = add_company(db, "ООО «Альфа»", tried=utcnow() - timedelta(days=2))
    add_company(db, "ООО «Бета»", tried=utcnow() - timedelta(days=1))
    app = app_on(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(app, pilot, "anna")
        assert app.screen.lead.company_id == first
        real, busy = queue_service.claim_next_lead, []

        def busy_once(*args, **kwargs):
            if not busy:
                busy.append(True)
                raise DatabaseBusy()
            return real(*args, **kwargs)

        monkeypatch.setattr(queue_service, "claim_next_lead", busy_once)
        monkeypatch.setattr(queue_service, "NEXT_LEAD_AFTER_BUSY_SECONDS", 1)
        await pilot.press("n")
        await settle(app, pilot)
        assert busy and app.screen.lead is None
        assert "next lead comes in" in screen_text(app)
        with db.read() as session:
            calls = session.execute(select(Interaction.outcome).where(Interaction.company_id == first)).all()
        assert [c[0] for c in calls] == ["no_answer"]
        for _ in range(60):
            await pilot.pause(0.1)
            if app.screen.lead is not None:
                break
        assert app.screen.lead is not None and app.screen.lead.name == "ООО «Бета»"


async def test_a_next_lead_the_database_was_too_busy_to_give_is_asked_for_again(db, db_url, team):
    from kbase_tui.protocol.errors import DatabaseBusy
    from kbase_tui.ui.queue import screen as queue_screen

    add_company(db, "ООО «Альфа»")
    app = app_on(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(app, pilot, "anna")
        screen = app.screen
        queue_service_lead = screen.lead
        screen.lead = None  # as after an outcome whose next lead did not come
        queue_screen.NEXT_LEAD_AGAIN_SECONDS, again = 0.5, queue_screen.NEXT_LEAD_AGAIN_SECONDS
        try:
            screen._next_lead_failed(DatabaseBusy())
            await pilot.pause()
            assert "no lead could be taken" in screen_text(app) and "asking again" in screen_text(app)
            assert "nothing was saved" not in screen_text(app)
            for _ in range(40):
                await pilot.pause(0.1)
                if screen.lead is not None:
                    break
        finally:
            queue_screen.NEXT_LEAD_AGAIN_SECONDS = again
        assert screen.lead is not None and screen.lead.company_id == queue_service_lead.company_id


@pytest.mark.usefixtures("no_rate_limits")
async def test_a_refusal_typed_while_its_lead_went_is_said_with_the_comment(db, db_url, team):
    # The hold's renewal failed while the refusal dialog was open: the screen took the next lead, and the reason
    # and comment typed for the old one went nowhere without a word.
    from kbase_tui.protocol.errors import AccessDenied
    from kbase_tui.services import queue as queue_service

    first = add_company(db, "ООО «Альфа»")
    add_company(db, "ООО «Бета»")
    app = app_on(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(app, pilot, "anna")
        queue_screen = app.screen
        await pilot.press("r")
        await settle(app, pilot)
        assert isinstance(app.screen, dialogs.RefusalDialog)
        queue_service.release_lead(db, team["anna"])  # the hold ended; another caller took the lead
        assert queue_service.claim_next_lead(db, team["boris"]).company_id == first
        queue_screen._renew_failed(AccessDenied("This lead is no longer yours."))
        await settle(app, pilot)
        await pilot.press("1", *"дорого", "enter")
        await settle(app, pilot)
        said = [str(n.message) for n in app._notifications]
        assert any("was not recorded" in m and "ООО «Альфа»" in m and "дорого" in m for m in said), said
        with db.read() as session:
            assert not session.scalars(select(Refusal).where(Refusal.company_id == first)).all()


@pytest.mark.usefixtures("no_rate_limits")
async def test_a_word_typed_on_the_queue_never_answers_never_call_again(db, db_url, team):
    # "вон" typed on the caller's screen: в (d) asked "never call again?" and н (y), typed before anyone could read
    # the question, answered yes for good.
    from kbase_tui.ui.widgets.confirm import ConfirmDialog

    from .test_dialog_input_rule import burst

    first = add_company(db, "ООО «Альфа»")
    add_company(db, "ООО «Бета»")
    app = app_on(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(app, pilot, "anna")
        burst(app, [*"вон"])
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmDialog)
        said = [str(n.message) for n in app._notifications]
        assert sum("before the question appeared" in m for m in said) == 1, said  # once for both keys
        await pilot.press("n")  # read, then answered
        await settle(app, pilot)
        assert isinstance(app.screen, CallerQueue) and app.screen.lead.company_id == first
        with db.read() as session:
            assert session.get(Company, first).category != "do_not_call"


@pytest.mark.usefixtures("no_rate_limits")
async def test_a_comment_typed_before_the_reason_number_goes_into_the_comment(db, db_url, team):
    # "кдорого": the reason's number forgotten, the letters fell on the list of reasons and went nowhere, unsaid.
    from .test_dialog_input_rule import burst

    first = add_company(db, "ООО «Альфа»")
    add_company(db, "ООО «Бета»")
    app = app_on(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(app, pilot, "anna")
        burst(app, [*"кдорого"])
        await settle(app, pilot)
        assert isinstance(app.screen, dialogs.RefusalDialog)
        assert app.screen.value("#refusal-comment") == "дорого"
        assert "choose the reason" in screen_text(app)
        await pilot.press("3", "enter")
        await settle(app, pilot)
        with db.read() as session:
            refusal = session.scalars(select(Refusal).where(Refusal.company_id == first)).one()
            assert refusal.comment == "дорого"


async def test_the_callback_dialog_says_the_clients_time_as_it_is_typed_and_warns_of_night(db, db_url, team):
    """A typed time is on the caller's clock: under the box the dialog says what it is at the client as it is
    typed, and warns (without refusing) when that is at night there."""
    from datetime import date, time

    from kbase_tui import timezones

    add_company(db, "ООО «Альфа»")
    app = app_on(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(app, pilot, "anna")
        app.push_screen(dialogs.CallbackDialog("ООО «Самарский»", client_zone="Europe/Samara", city="Самара"))
        await settle(app, pilot)

        def note() -> str:
            return str(app.screen.query_one("#callback-client-time").render())

        assert note() == ""
        day = date(date.today().year + 1, 3, 15)
        typed = f"{day:%d.%m.%Y} 15:30"
        await pilot.press(*typed)
        await settle(app, pilot)
        at_client = timezones.typed(day, time(15, 30)).astimezone(ZoneInfo("Europe/Samara"))
        assert f"at the client {at_client:%H:%M}, Самара" in note(), note()
        assert "night" not in note()
        for _ in typed:
            await pilot.press("backspace")
        night = timezones.typed(day, time(3)).astimezone(ZoneInfo("Europe/Samara")).replace(hour=3)
        typed = f"{timezones.in_reader_zone(night):%d.%m.%Y %H:%M}"
        await pilot.press(*typed)
        await settle(app, pilot)
        assert "at the client 03:00, Самара" in note(), note()
        assert "night" in note(), note()
        await pilot.press("enter")  # a warning, not a refusal
        await settle(app, pilot)
        assert not isinstance(app.screen, dialogs.CallbackDialog)
