"""The caller's screen driven by Pilot: a whole shift, each outcome by its key, the next lead at once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from kbase_tui.timezones import centre_zone
from kbase_tui.models import Company, Deal, Interaction, Refusal, utcnow
from kbase_tui.ui.app import KbaseApp

from ..server_harness import app_on
from kbase_tui.ui.queue import dialogs
from kbase_tui.ui.queue.screen import CallerQueue

from ..conftest import PASSWORD
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
    names = ["ООО «Альфа»", "ООО «Бета»", "ООО «Гамма»", "ООО «Дельта»", "ООО «Эпсилон»", "ООО «Зета»",
             "ООО «Эта»", "ООО «Тета»"]
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

        # c: callback, quick choice 2 = tomorrow 10:00
        await pilot.press("c")
        await settle(app, pilot)
        assert isinstance(app.screen, dialogs.CallbackDialog)
        await pilot.press("2")
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
            .where(Interaction.kind == "call").order_by(Interaction.id)
        ).all()
        assert [(c, o) for c, o, _u in calls] == [
            (ids["ООО «Альфа»"], "no_answer"), (ids["ООО «Бета»"], "busy"), (ids["ООО «Гамма»"], "callback"),
            (ids["ООО «Дельта»"], "refused"), (ids["ООО «Эпсилон»"], "interested"),
            (ids["ООО «Зета»"], "wrong_number"), (ids["ООО «Эта»"], "do_not_call"),
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
    cb = add_company(db, "ООО «Перезвон»", callback_user_id=team["anna"].id,
                     callback_at=utcnow() + timedelta(hours=3), not_before=utcnow() + timedelta(hours=3))
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
            assert "Client's time" in text and "(Asia/Vladivostok, +4 h to yours)" in text
            await pilot.press("c")
            await settle(app, pilot)
            choices = " ".join(str(label) for label, _when in app.screen.choices)
            assert "client's time" in choices and "yours" in choices
    finally:
        timezones.set_reader_zone(None, "")
