"""Pilot tests of growing a client: the card's growth tab and its cross-sell key, the portfolio's white spots,
the focus line on the account manager's list, and a specialist's card taken away when the task closes.

The app signs in through a server on the test's database; what is "this year" is the server's date, so
the data are set relative to the real date.

The base: categories Крепёж and Химия; the industry «Строительство» standard: both, an order every 30 days,
average order 10 000.  ООО «Стройка» (potential 100) bought Крепёж for 5 000 ten days ago: 11 days of the
year, 11 // 30 → at least 1 order expected; Крепёж is bought, Химия is a white spot worth
1 × 10 000 / 2 × 100 % = 5 000.
"""

from __future__ import annotations

import contextlib
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from textual.worker import WorkerCancelled

from kbase_tui.models import FollowUpTask
from kbase_tui.protocol.catalog import OrderLineInput
from kbase_tui.services import accounts, catalog, client_growth, specialists
from kbase_tui.timezones import business_today
from kbase_tui.ui.accounts.card import AccountCardScreen
from kbase_tui.ui.accounts.follow_up_list import FollowUpList
from kbase_tui.ui.growth.portfolio import PortfolioGaps
from kbase_tui.ui.specialist.assignments import AssignmentsScreen, SpecialistCardScreen

from ..server_harness import app_on
from ..services.account_setup import account_company
from .helpers import settle
from .test_accounts import _sign_in, _type

TODAY = business_today()


@pytest.fixture
def growing(db, make_user):
    boss = make_user("supervisor", "boss")
    km = make_user("account", "km", full_name="Ольга Фермерова")
    fasteners = catalog.save_category(db, boss, "Крепёж")
    chemistry = catalog.save_category(db, boss, "Химия")
    client_growth.save_standard(db, boss, "industry", "Строительство", 30, Decimal(10000), [fasteners.id, chemistry.id])
    company = account_company(db, km, "ООО «Стройка»", industry="Строительство", potential=100)
    accounts.record_order(
        db,
        km,
        company,
        TODAY - timedelta(days=10),
        Decimal(0),
        lines=[OrderLineInput(amount=Decimal(5000), category_id=fasteners.id)],
        today=TODAY,
    )
    return {"boss": boss, "km": km, "company": company, "chemistry": chemistry.id, "fasteners": fasteners.id}


def _cross_sell_tasks(db, company_id):
    with db.read() as session:
        return (
            session.execute(
                select(FollowUpTask).where(FollowUpTask.company_id == company_id, FollowUpTask.kind == "cross_sell")
            )
            .scalars()
            .all()
        )


async def test_the_card_shows_white_spots_and_c_makes_a_cross_sell_task(db, growing):
    app = app_on(db)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await _sign_in(app, pilot, growing["km"])
        assert isinstance(screen, FollowUpList)
        await pilot.press("enter")
        await settle(app, pilot)
        card = app.screen
        assert isinstance(card, AccountCardScreen)
        await pilot.press("5")
        await settle(app, pilot)
        panel = card.query_one("#acard-growth")
        assert [(s.category_name, s.status, s.gap) for s in panel.found.spots] == [
            ("Химия", "missing", Decimal("5000.00"))
        ]
        table = card.query_one("#growth-spots")
        assert str(table.get_row_at(0)[0]) == "Химия" and str(table.get_row_at(0)[4]).strip() == "5,000"
        assert _cross_sell_tasks(db, growing["company"]) == []
        await pilot.press("c")
        await settle(app, pilot)
        tasks = _cross_sell_tasks(db, growing["company"])
        assert len(tasks) == 1 and tasks[0].text.startswith("Химия: offer it")
        assert any(t.kind == "cross_sell" for t in card.card.tasks)  # the card's task list shows it
        await pilot.press("c")  # a second press makes no second task
        await settle(app, pilot)
        assert len(_cross_sell_tasks(db, growing["company"])) == 1


async def test_the_portfolio_lists_gaps_opens_the_card_and_makes_a_task(db, growing, make_user):
    other = make_user("account", "km2")
    account_company(db, other, "ООО «Чужая стройка»", industry="Строительство", potential=100)
    app = app_on(db)
    async with app.run_test(size=(120, 36)) as pilot:
        await _sign_in(app, pilot, growing["km"])
        await pilot.press("w")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, PortfolioGaps)
        # Only her own client: the other manager's white spots are not hers to see
        assert [(g.company_name, g.category_name) for g in screen.rows] == [("ООО «Стройка»", "Химия")]
        assert "1" in str(screen.query_one("#gaps-summary").render())
        await pilot.press("c")
        await settle(app, pilot)
        assert len(_cross_sell_tasks(db, growing["company"])) == 1
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, AccountCardScreen) and app.screen.company_id == growing["company"]
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, PortfolioGaps)


async def test_the_focus_line_shows_the_managers_progress(db, growing):
    client_growth.save_focus_target(
        db,
        growing["boss"],
        TODAY - timedelta(days=20),
        TODAY + timedelta(days=10),
        growing["fasteners"],
        "amount",
        Decimal(10000),
        segment_kind="industry",
        segment="Строительство",
    )
    app = app_on(db)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await _sign_in(app, pilot, growing["km"])
        line = str(screen.query_one("#fu-focus").render())
        assert "Крепёж → Строительство" in line and "5,000/10,000" in line and "50%" in line
        # A target set while the list is open arrives without a key press
        client_growth.save_focus_target(db, growing["boss"], TODAY, TODAY, growing["chemistry"], "clients", Decimal(3))
        for _ in range(30):
            await pilot.pause(0.1)
            await settle(app, pilot)
            if "Химия" in str(screen.query_one("#fu-focus").render()):
                break
        assert "Химия 0/3" in str(screen.query_one("#fu-focus").render())


async def test_the_specialists_card_goes_when_the_task_closes(db, growing, make_user):
    tech = make_user("specialist", "tech", full_name="Никита Техников")
    first = specialists.bring_in(db, growing["km"], growing["company"], tech.id, "Подобрать химию", TODAY, today=TODAY)
    app = app_on(db)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await _sign_in(app, pilot, tech)
        assert isinstance(screen, AssignmentsScreen)
        assert [t.id for t in screen.tasks] == [first.id]
        await pilot.press("enter")
        await settle(app, pilot)
        card = app.screen
        assert isinstance(card, SpecialistCardScreen) and card.card.company.name == "ООО «Стройка»"
        # The account manager closes the task elsewhere: the card closes by itself
        specialists.close(db, growing["km"], first.id, "не нужно")
        for _ in range(30):
            await pilot.pause(0.1)
            with contextlib.suppress(WorkerCancelled):  # the card's own loads are cancelled as it closes
                await settle(app, pilot)
            if not isinstance(app.screen, SpecialistCardScreen):
                break
        await settle(app, pilot)
        assert isinstance(app.screen, AssignmentsScreen)
        assert app.screen.tasks == []
        # Brought in again; this time the specialist closes it with the result of the visit
        second = specialists.bring_in(db, growing["km"], growing["company"], tech.id, "Выезд", TODAY, today=TODAY)
        await pilot.press("f5")
        await settle(app, pilot)
        assert [t.id for t in app.screen.tasks] == [second.id]
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, SpecialistCardScreen)
        await pilot.press("d")
        await settle(app, pilot)
        await _type(pilot, "Химия подобрана")
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, AssignmentsScreen) and app.screen.tasks == []
    with pytest.raises(Exception) as refused:
        specialists.card(db, tech, growing["company"])
    assert type(refused.value).__name__ == "AccessDenied"


async def test_the_account_manager_closes_a_specialists_task_from_the_card(db, growing, make_user):
    tech = make_user("specialist", "tech", full_name="Никита Техников")
    task = specialists.bring_in(db, growing["km"], growing["company"], tech.id, "Выезд", TODAY, today=TODAY)
    app = app_on(db)
    async with app.run_test(size=(120, 36)) as pilot:
        await _sign_in(app, pilot, growing["km"])
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, AccountCardScreen)
        assert any(t.kind == "specialist" for t in app.screen.card.tasks)
        await pilot.press("z")
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, AccountCardScreen)
        assert not any(t.kind == "specialist" for t in app.screen.card.tasks)
    with db.read() as session:
        assert session.get(FollowUpTask, task.id).done_at is not None
    assert specialists.my_assignments(db, tech) == []


async def test_the_specialists_card_shows_every_phone_whole_at_80_columns(db, growing, make_user):
    """A contact person with a long name, a long position and three numbers (one with an extension), read on
    the specialist's card at 80x24 in Russian: each number is on the screen whole, on one line."""
    from kbase_tui.i18n import set_language
    from kbase_tui.phones import readable
    from kbase_tui.services import clients

    tech = make_user("specialist", "tech", full_name="Никита Техников")
    specialists.bring_in(db, growing["km"], growing["company"], tech.id, "Выезд на объект", TODAY, today=TODAY)
    contact = clients.add_contact(
        db,
        growing["km"],
        growing["company"],
        clients.ContactForm(
            full_name="Константинопольская Александра Владимировна",
            position="Заместитель генерального директора по закупкам",
            is_decision_maker=True,
            phones=["+7 495 123-45-67", "8 (912) 765-43-21", "+7 343 511-44-96 доб. 1234"],
            email="a.konstantinopolskaya@stroyka-snab.example.ru",
        ),
    )
    numbers = [readable(n) for n in contact.phones]
    assert len(numbers) == 3
    set_language("ru")
    try:
        app = app_on(db)
        async with app.run_test(size=(80, 24)) as pilot:
            await _sign_in(app, pilot, tech)
            await pilot.press("enter")
            await settle(app, pilot)
            assert isinstance(app.screen, SpecialistCardScreen)
            lines = [strip.text for strip in app.screen._compositor.render_strips()]
    finally:
        set_language("en")
    shown = "\n".join(lines)
    for number in numbers:
        assert any(number in line for line in lines), f"{number!r} is not whole on the screen:\n{shown}"


async def test_a_key_typed_after_enter_in_a_saving_dialog_reaches_the_list(db, growing, make_user):
    # "Готово⏎d": the d, typed while the task was being closed, went into the closing dialog's field and left with
    # it.  It waits for the save, and then opens the next task's dialog on the list.
    from kbase_tui.protocol import specialists as specialist_ops
    from kbase_tui.ui.specialist.assignments import CloseTaskDialog

    from .test_dialog_input_rule import burst
    from .test_home_keys_wait import slow, until

    tech = make_user("specialist", "tech", full_name="Никита Техников")
    other = account_company(db, growing["km"], "ООО «Второй»", industry="Строительство", potential=50)
    first = specialists.bring_in(db, growing["km"], growing["company"], tech.id, "Выезд", TODAY, today=TODAY)
    second = specialists.bring_in(db, growing["km"], other, tech.id, "Замер", TODAY, today=TODAY)
    app = app_on(db)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _sign_in(app, pilot, tech)
        assert isinstance(screen, AssignmentsScreen)
        assert {t.id for t in screen.tasks} == {first.id, second.id}
        slow(app, specialist_ops.close, 0.5)
        burst(app, ["d", *"Готово", "enter", "d"])
        assert await until(pilot, lambda: isinstance(app.screen, CloseTaskDialog) and len(screen.tasks) == 1, 10.0)
        await settle(app, pilot)
        dialog = app.screen
        assert isinstance(dialog, CloseTaskDialog) and dialog.assignment.id == screen.tasks[0].id
        assert dialog.value("#close-result") == ""
