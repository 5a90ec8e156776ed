"""Pilot tests of the playbook's screens: each person's targets on their home screen at 80x24, the account
manager's clients behind the contact standard, the read-only card of a key client a person backs up, and the
supervisor's playbook (standards, behind per manager, second persons, TOP lost with return plans, activation)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from kbase_tui.models import Company, Interaction, InteractionKind
from kbase_tui.services import accounts, clock, playbook, targets
from kbase_tui.timezones import business_today
from kbase_tui.ui.accounts.card import AccountCardScreen
from kbase_tui.ui.accounts.follow_up_list import FollowUpList
from kbase_tui.ui.pipeline.board import CloserBoard
from kbase_tui.ui.playbook.behind import BehindList
from kbase_tui.ui.playbook.second import SecondCardScreen, SecondClients

from ..conftest import PASSWORD
from ..server_harness import app_on
from ..services.account_setup import account_company, order
from .helpers import settle

TODAY = business_today()
MONDAY = TODAY - timedelta(days=TODAY.weekday())


async def _sign_in(app, pilot, actor):
    await settle(app, pilot)
    app.screen.query_one("#username").value = actor.username
    app.screen.query_one("#password").value = PASSWORD
    app.screen.query_one("#password").focus()
    await pilot.press("enter")
    await settle(app, pilot)
    return app.screen


def _class(db, company_id: int, cls: str, *, key: bool = False, contact_days_ago: int | None = None) -> None:
    """TEST SETUP: the class classification would give, and a contact that many days ago."""
    with db.write() as session:
        session.execute(update(Company).where(Company.id == company_id).values(abcde_class=cls, is_key_client=key))
        if contact_days_ago is not None:
            session.add(
                Interaction(
                    company_id=company_id,
                    kind=InteractionKind.MEETING,
                    at=clock.at_hour(session, TODAY - timedelta(days=contact_days_ago), 12),
                )
            )


async def test_the_account_manager_sees_targets_and_who_is_behind_at_80x24(db, make_user):
    boss = make_user("supervisor")
    km = make_user("account", full_name="Ольга")
    late = account_company(db, km, "ООО «Опоздали»")
    key = account_company(db, km, "ООО «Ключевой»")
    fine = account_company(db, km, "ООО «В порядке»")
    order(db, km, fine, TODAY, "2000", today=TODAY)
    _class(db, late, "A", contact_days_ago=20)
    _class(db, key, "B", key=True, contact_days_ago=16)
    _class(db, fine, "A", contact_days_ago=1)
    targets.set_target(db, boss, km.id, "orders", "week", MONDAY, 5)
    targets.set_target(db, boss, km.id, "orders", "day", TODAY, 1)
    app = app_on(db)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _sign_in(app, pilot, km)
        assert isinstance(screen, FollowUpList)
        line = screen.query_one("#fu-targets")
        assert line.display and line.region.height == 1
        assert line.render().plain == "Plan for today: orders 1/1 │ for the week: orders 1/5"
        assert "behind standard: 2 (b)" in screen.query_one("#fu-summary").render().plain
        # the highlighted client's line says how late its contact is
        screen.query_one("#fu-table").move_cursor(row=[r.company_id for r in screen.rows].index(late))
        await pilot.pause()
        assert "contact 13 d. late (every 7 d.)" in screen.query_one("#fu-detail").render().plain
        await pilot.press("b")
        await settle(app, pilot)
        behind = app.screen
        assert isinstance(behind, BehindList)
        # the key client first though fewer days behind (2 against 13)
        assert [(r.name, r.days_behind) for r in behind.rows] == [("ООО «Ключевой»", 2), ("ООО «Опоздали»", 13)]
        assert "Behind the standard: 2" in behind.query_one("#behind-summary").render().plain
        await pilot.press("down", "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, AccountCardScreen) and app.screen.company_id == late
        await pilot.press("escape")
        await settle(app, pilot)
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen is screen


async def test_the_closer_sees_their_targets_on_the_board(db, make_user):
    boss = make_user("supervisor")
    closer = make_user("closer")
    targets.set_target(db, boss, closer.id, "deals_won", "month", TODAY.replace(day=1), 4)
    app = app_on(db)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _sign_in(app, pilot, closer)
        assert isinstance(screen, CloserBoard)
        assert screen.query_one("#board-targets").render().plain == "Plan for the month: first contracts 0/4"


async def test_no_targets_no_line(db, make_user):
    km = make_user("account")
    app = app_on(db)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _sign_in(app, pilot, km)
        assert not screen.query_one("#fu-targets").display


async def test_the_second_person_reads_the_key_client_and_loses_it_when_removed(db, make_user):
    boss = make_user("supervisor")
    owner = make_user("account", full_name="Владелец")
    second = make_user("closer", full_name="Дублёр")
    key = account_company(db, owner, "ООО «Главный клиент»")
    account_company(db, owner, "ООО «Чужой обычный»")
    _class(db, key, "A")
    accounts.record_follow_up(db, owner, key, "purchase_planned", "Обсудили поставку", today=TODAY)
    playbook.assign_second(db, boss, key, second.id)
    app = app_on(db)
    async with app.run_test(size=(80, 24)) as pilot:
        board = await _sign_in(app, pilot, second)
        assert isinstance(board, CloserBoard)
        await pilot.press("k")
        await settle(app, pilot)
        assert isinstance(app.screen, SecondClients)
        assert [r.name for r in app.screen.rows] == ["ООО «Главный клиент»"]
        await pilot.press("enter")
        await settle(app, pilot)
        card = app.screen
        assert isinstance(card, SecondCardScreen)
        top = card.query_one("#second-top").render().plain
        assert "ООО «Главный клиент»" in top and "Владелец" in top and "Read only" in top
        history = card.query_one("#second-history")
        assert any("Обсудили поставку" in (e.text or "") for e in history._entries.values())
        # no key here changes anything: the card has no bindings but Back and Keys
        assert {b.id for b in card.BINDINGS} == {"playbook.second_card.back", "playbook.second_card.help"}
        await pilot.press("escape")
        await settle(app, pilot)
        playbook.remove_second(db, boss, key)
        await pilot.press("enter")
        await settle(app, pilot)
        assert not isinstance(app.screen, SecondCardScreen)  # refused: the assignment is gone
        await pilot.press("r")
        await settle(app, pilot)
        assert app.screen.rows == []


async def _type(pilot, text: str) -> None:
    await pilot.press(*[("space" if ch == " " else ch) for ch in text])


async def test_the_supervisors_playbook_at_80x24(db, make_user):
    from kbase_tui.ui.playbook.supervisor import PlaybookScreen, TeamBehindList
    from kbase_tui.ui.supervisor.desk import SupervisorDesk

    boss = make_user("supervisor", full_name="Руководитель")
    km = make_user("account", full_name="Ольга")
    km2 = make_user("account", full_name="Пётр")
    key = account_company(db, km, "ООО «Ключевой»")
    lost = account_company(db, km, "ООО «Ушёл»")
    order(db, km, lost, TODAY - timedelta(days=30), "70000", today=TODAY)
    accounts.mark_lost(db, km, lost, accounts.lost_reasons(db, km)[0].code)
    _class(db, key, "A", key=True, contact_days_ago=10)  # after the order: an order reclassifies its channel
    _class(db, lost, "B")
    app = app_on(db)
    async with app.run_test(size=(80, 24)) as pilot:
        desk = await _sign_in(app, pilot, boss)
        assert isinstance(desk, SupervisorDesk)
        await pilot.press("y")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, PlaybookScreen)
        # 1: the standards, A changed from 7 to 5 days; Ольга has one key client behind
        assert next((s.abcde_class, s.days) for s in screen.standards) == ("A", 7)
        await pilot.press("e")
        await settle(app, pilot)
        await pilot.press("end", "backspace", "5", "enter")
        await settle(app, pilot)
        assert screen.standards[0].days == 5
        olga = next(m for m in screen.managers if m.user_id == km.id)
        assert (olga.behind, olga.behind_key, olga.worst_days) == (1, 1, 5)
        await pilot.press("tab")
        screen.query_one("#pb-managers").move_cursor(row=screen.managers.index(olga))
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, TeamBehindList) and [r.name for r in app.screen.rows] == ["ООО «Ключевой»"]
        await pilot.press("escape")
        await settle(app, pilot)
        # 2: Пётр becomes the key client's second person
        await pilot.press("2")
        await settle(app, pilot)
        assert [c.name for c in screen.key_clients] == ["ООО «Ключевой»", "ООО «Ушёл»"]
        await pilot.press("a")
        await settle(app, pilot)
        dialog = app.screen
        assert dialog is not screen
        dialog.query_one("Select").value = km2.id
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert screen.key_clients[0].second_name == "Пётр"
        # 3: the lost client first in the TOP; a plan step for Ольга by a date
        await pilot.press("3")
        await settle(app, pilot)
        assert [(r.name, r.steps) for r in screen.lost] == [("ООО «Ушёл»", 1)]
        await pilot.press("p")
        await settle(app, pilot)
        await _type(pilot, "Извиниться")
        await pilot.press("tab")
        await _type(pilot, (TODAY + timedelta(days=2)).strftime("%d.%m.%Y"))
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert (screen.lost[0].steps, screen.lost[0].steps_done) == (2, 0)
        assert "Извиниться" in screen.query_one("#pb-plan").render().plain
        # 4: this month's activation plan
        await pilot.press("4")
        await settle(app, pilot)
        await pilot.press("e")
        await settle(app, pilot)
        await pilot.press("end", "backspace", "8", "enter")
        await settle(app, pilot)
        assert screen.activation.rows[-1].plan == 8
    # the step is Ольга's task; she marks it done from her task list
    app = app_on(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await _sign_in(app, pilot, km)
        await pilot.press("t")
        await settle(app, pilot)
        tasks = app.screen
        index = [t.text for t in tasks.tasks].index("Извиниться")
        tasks.query_one("OptionList").highlighted = index
        await pilot.press("d")
        await settle(app, pilot)
        await _type(pilot, "Согласились на встречу")
        await pilot.press("enter")
        await settle(app, pilot)
        assert "Извиниться" not in [t.text for t in tasks.tasks]
    [step] = [s for s in playbook.return_plan(db, boss, lost) if s.text == "Извиниться"]
    assert step.result == "Согласились на встречу" and step.done_at is not None


async def test_the_return_step_dialog_chooses_nobody_when_the_owner_is_no_account_manager():
    """A lost client held by the supervisor (or by nobody): the step's person is left to choose, not guessed."""
    from textual.app import App
    from textual.widgets import Select

    from kbase_tui.protocol.playbook import Person
    from kbase_tui.ui.playbook.supervisor import ReturnStepDialog

    app = App()
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(ReturnStepDialog("ООО «Ушёл»", [Person(7, "Ольга", "account")], None))
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ReturnStepDialog)
        assert dialog.query_one("#step-who", Select).value is Select.NULL
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is dialog  # nobody chosen: not saved
