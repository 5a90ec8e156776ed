"""The closer's board, deal card, won/lost dialogs and the supervisor's pipeline view, driven by Pilot."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from kbase_tui.models import ClientOrder, Company, Deal, Interaction
from kbase_tui.services import clients, pipeline
from kbase_tui.services.errors import AccessDenied, ValidationFailed
from kbase_tui.ui.pipeline.board import CloserBoard, StageList
from kbase_tui.ui.pipeline.card import DealCardScreen
from kbase_tui.ui.pipeline.supervisor_view import PipelineSupervisorView
from kbase_tui.ui.queue.dialogs import HandoverDialog
from kbase_tui.ui.queue.screen import CallerQueue

from ..conftest import PASSWORD
from ..server_harness import app_on, server_for
from ..services.pipeline_setup import company_of, hand_over
from ..services.queue_setup import add_company

TODAY = date(2026, 3, 10)


async def settle(app, pilot, rounds: int = 2):
    for _ in range(rounds):
        await app.workers.wait_for_complete()
        await pilot.pause()


async def sign_in(app, pilot, username: str):
    await settle(app, pilot)
    app.screen.query_one("#username").value = username
    app.screen.query_one("#password").value = PASSWORD
    app.screen.query_one("#password").focus()
    await pilot.press("enter")
    await settle(app, pilot, 3)


@pytest.fixture
def team(make_user):
    return {
        "caller": make_user("caller", "olga", full_name="Ольга Звонарёва"),
        "closer": make_user("closer", "petr", full_name="Пётр Сделкин"),
        "closer2": make_user("closer", "irina", full_name="Ирина Вторая"),
        "account": make_user("account", "anna", full_name="Анна Клиентова"),
        "boss": make_user("supervisor", "roman", full_name="Роман Руководов"),
    }


def stage_lists(app) -> dict[str, StageList]:
    return {w.code: w for w in app.screen.query(StageList)}


async def within(pilot, condition, seconds: float = 2.0) -> bool:
    """True as soon as *condition()* holds, polling while the app runs; False after *seconds*."""
    for _ in range(int(seconds / 0.1)):
        if condition():
            return True
        await pilot.pause(0.1)
    return bool(condition())


async def listening(db, pilot) -> None:
    """Wait until the app's stream of pushed events is open on the server."""
    sessions = server_for(db).state.sessions
    assert await within(pilot, lambda: any(s.streams for s in sessions.all()), 5.0), "no events stream"


def notices(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def test_a_lead_handed_over_by_a_caller_appears_in_the_new_column(db, db_url, team):
    """The real hand-over: the caller signs in, takes the lead and presses i on the queue screen."""
    company_id = add_company(db, "ООО «Ромашка»", city="Казань")
    app = app_on(db)
    async with app.run_test(size=(120, 36)) as pilot:
        await sign_in(app, pilot, "olga")
        assert isinstance(app.screen, CallerQueue) and app.screen.lead.name == "ООО «Ромашка»"
        await pilot.press("i")  # interested: the hand-over dialog
        await settle(app, pilot)
        assert isinstance(app.screen, HandoverDialog)
        await pilot.press(*"20 т арматуры")
        names = [c.name for c in app.screen.closers]  # the least loaded first
        for _ in range(names.index("Пётр Сделкин")):
            await pilot.press("down")
        await pilot.press("enter")
        await settle(app, pilot, 3)
        assert isinstance(app.screen, CallerQueue)
        await pilot.press("ctrl+l")
        await settle(app, pilot, 3)
        await sign_in(app, pilot, "petr")
        assert isinstance(app.screen, CloserBoard)
        lists = stage_lists(app)
        assert [d.company_name for d in lists["new"].deals] == ["ООО «Ромашка»"]
        assert app.focused is lists["new"]
        deal = lists["new"].deals[0]
        assert deal.company_id == company_id
        await pilot.press("enter")
        await settle(app, pilot, 3)
        assert isinstance(app.screen, DealCardScreen)
        assert app.screen.card.deal.requirements == "20 т арматуры"
        assert app.screen.card.deal.handed_over_by_name == "Ольга Звонарёва"
    with db.read() as session:
        deal_row = session.get(Deal, deal.id)
        assert (deal_row.closer_id, deal_row.handed_over_by_id) == (team["closer"].id, team["caller"].id)
        calls = session.execute(
            select(Interaction.kind, Interaction.outcome).where(Interaction.company_id == company_id)
        ).all()
    assert ("call", "interested") in calls and ("handover", "to_closer") in calls


async def test_moving_through_the_stages_writes_history(db, db_url, team):
    deal_id = hand_over(db, team["caller"], team["closer"], "ООО «Ромашка»")
    app = app_on(db)
    async with app.run_test(size=(120, 36)) as pilot:
        await sign_in(app, pilot, "petr")
        await pilot.press("right_square_bracket")
        await settle(app, pilot, 3)
        await pilot.press("shift+right")
        await settle(app, pilot, 3)
        lists = stage_lists(app)
        assert [d.id for d in lists["meeting_held"].deals] == [deal_id]
        assert app.focused is lists["meeting_held"]  # the cursor follows the deal
        await pilot.press("left_square_bracket")
        await settle(app, pilot, 3)
        assert [d.id for d in stage_lists(app)["meeting_set"].deals] == [deal_id]
    with db.read() as session:
        moves = (
            session.execute(
                select(Interaction.outcome)
                .where(Interaction.deal_id == deal_id, Interaction.kind == "stage")
                .order_by(Interaction.id)
            )
            .scalars()
            .all()
        )
    assert moves == ["meeting_set", "meeting_held", "meeting_set"]


async def test_a_deal_closed_in_another_terminal_is_said_closed_and_leaves_the_stale_board(db, db_url, team):
    # The stale board said "You have no access to this record." of the closer's own deal.
    deal_id = hand_over(db, team["caller"], team["closer"], "ООО «Ромашка»")
    app = app_on(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(app, pilot, "petr")
        assert [d.id for d in stage_lists(app)["new"].deals] == [deal_id]
        pipeline.lose_deal(db, team["closer"], deal_id, "price", "дорого")  # the other terminal
        await pilot.press("right_square_bracket")
        await settle(app, pilot, 3)
        said = [n.message for n in app._notifications]
        assert any(m.startswith("The deal is already closed: lost on ") for m in said), said
        assert all(not w.deals for w in stage_lists(app).values())


async def test_winning_hands_the_client_on_and_the_closer_loses_access(db, db_url, team):
    deal_id = hand_over(db, team["caller"], team["closer"], "ООО «Ромашка»", amount="90000")
    company_id = company_of(db, deal_id)
    app = app_on(db)
    async with app.run_test(size=(120, 36)) as pilot:
        await sign_in(app, pilot, "petr")
        await pilot.press("enter")
        await settle(app, pilot, 3)
        assert isinstance(app.screen, DealCardScreen)
        await pilot.press("f6")
        await settle(app, pilot)
        app.screen.query_one("#won-date").value = "05.03.2026"
        app.screen.query_one("#won-amount").value = "120 000,50"
        await pilot.press("ctrl+s")
        await settle(app, pilot, 4)
        assert isinstance(app.screen, CloserBoard), app.screen.query_one(".dialog-error").render()
        assert all(not w.deals for w in stage_lists(app).values())
    with db.read() as session:
        company = session.get(Company, company_id)
        assert (company.stage, company.category, company.owner_id) == ("account", "active", team["account"].id)
        order = session.execute(select(ClientOrder).where(ClientOrder.company_id == company_id)).scalar_one()
        assert order.amount == Decimal("120000.50") and order.ordered_at == date(2026, 3, 5)
    for call in (
        lambda: pipeline.deal_card(db, team["closer"], deal_id),
        lambda: clients.open_card(db, team["closer"], company_id),
        lambda: clients.history(db, team["closer"], company_id),
    ):
        with pytest.raises(AccessDenied):
            call()
    # Working on the deal itself (a stale board elsewhere) is told it was won.
    for call in (
        lambda: pipeline.move_deal(db, team["closer"], deal_id, 1),
        lambda: pipeline.add_deal_note(db, team["closer"], deal_id, "note", "x"),
    ):
        with pytest.raises(ValidationFailed, match="already closed: won on "):
            call()


async def test_the_won_dialog_starts_at_the_date_and_refuses_a_date_typed_as_the_amount(db, db_url, team):
    deal_id = hand_over(db, team["caller"], team["closer"], "ООО «Ромашка»", amount="90000")
    company_id = company_of(db, deal_id)
    app = app_on(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(app, pilot, "petr")
        await pilot.press("enter")
        await settle(app, pilot, 3)
        await pilot.press("f6")
        await settle(app, pilot)
        dialog = app.screen
        assert app.focused.id == "won-date"  # filled in the order shown: the date first
        await pilot.press("tab")
        for key in "32.13.2026":
            await pilot.press(key)
        await pilot.press("ctrl+s")
        await settle(app, pilot, 3)
        assert app.screen is dialog and dialog.query_one("#won-amount").value == "32.13.2026"
        assert "32.13.2026" in str(dialog.query_one(".dialog-error").render())
    with db.read() as session:
        assert session.execute(select(ClientOrder).where(ClientOrder.company_id == company_id)).first() is None


async def test_the_card_keeps_a_sentence_typed_into_the_due_date_and_refuses_a_date_as_the_amount(db, db_url, team):
    deal_id = hand_over(db, team["caller"], team["closer"], "ООО «Ромашка»", amount="85000")
    app = app_on(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(app, pilot, "petr")
        await pilot.press("enter")
        await settle(app, pilot, 3)
        due = app.screen.query_one("#card-due")
        due.focus()
        await pilot.pause()
        for key in "Send the offer on rounds":
            await pilot.press("space" if key == " " else key)
        assert due.value == "Send the offer on rounds"  # not cut at ten characters
        await pilot.press("ctrl+s")
        await settle(app, pilot, 3)
        assert "dd.mm.yyyy" in str(app.screen.query_one("#card-message").render())
        assert due.value == "Send the offer on rounds"
        due.value = ""
        app.screen.query_one("#card-amount").value = "12.12.2026"
        await pilot.press("ctrl+s")
        await settle(app, pilot, 3)
        assert "12.12.2026" in str(app.screen.query_one("#card-message").render())
    assert pipeline.deal_card(db, team["closer"], deal_id).deal.expected_amount == Decimal("85000")


async def test_the_card_refuses_an_amount_that_reads_two_ways_and_keeps_it(db, db_url, team):
    # "1.250" was saved as 1,25 ₽ while "1.250.000" is a million.
    deal_id = hand_over(db, team["caller"], team["closer"], "ООО «Ромашка»", amount="85000")
    app = app_on(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(app, pilot, "petr")
        await pilot.press("enter")
        await settle(app, pilot, 3)
        amount = app.screen.query_one("#card-amount")
        amount.focus()
        amount.value = ""
        for key in "1.250":
            await pilot.press(key)
        await pilot.press("ctrl+s")
        await settle(app, pilot, 3)
        said = str(app.screen.query_one("#card-message").render())
        assert said == "Unclear amount «1.250»: write 1,250 or 1.25."
        assert amount.value == "1.250"
        amount.value = ""
        for key in "1 250 000,505":
            await pilot.press("space" if key == " " else key)
        await pilot.press("ctrl+s")
        await settle(app, pilot, 3)
        assert "two digits" in str(app.screen.query_one("#card-message").render())
        assert amount.value == "1 250 000,505"
    assert pipeline.deal_card(db, team["closer"], deal_id).deal.expected_amount == Decimal("85000")


async def test_the_card_saves_the_next_step_and_losing_asks_a_reason(db, db_url, team):
    deal_id = hand_over(db, team["caller"], team["closer"], "ООО «Ромашка»")
    app = app_on(db)
    async with app.run_test(size=(120, 36)) as pilot:
        await sign_in(app, pilot, "petr")
        await pilot.press("enter")
        await settle(app, pilot, 3)
        app.screen.query_one("#card-next-step").value = "Отправить КП"
        app.screen.query_one("#card-due").value = "12.03.2026"
        app.screen.query_one("#card-amount").value = "250 000"
        await pilot.press("ctrl+s")
        await settle(app, pilot, 3)
        await pilot.press("f2")
        await settle(app, pilot)
        for ch in "call":
            await pilot.press(ch)
        await pilot.press("ctrl+s")
        await settle(app, pilot, 3)
        await pilot.press("f7")
        await settle(app, pilot)
        await pilot.press("2")
        for ch in "expensive":
            await pilot.press(ch)
        await pilot.press("enter")
        await settle(app, pilot, 4)
        assert isinstance(app.screen, CloserBoard)
    with db.read() as session:
        deal = session.get(Deal, deal_id)
        assert (deal.next_step, deal.next_step_due, deal.expected_amount) == (
            "Отправить КП",
            date(2026, 3, 12),
            Decimal("250000"),
        )
        assert (deal.status, deal.lost_reason, deal.lost_comment) == ("lost", "competitor", "expensive")
    assert [x.deal_id for x in pipeline.lost_deals(db, team["boss"])] == [deal_id]


async def test_the_supervisor_reassigns_and_comments(db, db_url, team):
    a = hand_over(db, team["caller"], team["closer"], "ООО «Альфа»")
    hand_over(db, team["caller"], team["closer2"], "ООО «Бета»")
    app = app_on(db)
    async with app.run_test(size=(160, 40)) as pilot:
        await sign_in(app, pilot, "roman")
        await app.push_screen(PipelineSupervisorView(today=TODAY))
        await settle(app, pilot, 3)
        view = app.screen
        assert {d.company_name for d in view.page.deals} == {"ООО «Альфа»", "ООО «Бета»"}
        await pilot.press("c")  # closer filter: the first closer alphabetically (Ирина)
        await settle(app, pilot, 3)
        assert [d.company_name for d in view.page.deals] == ["ООО «Бета»"]
        await pilot.press("c")
        await settle(app, pilot, 3)
        assert [d.id for d in view.page.deals] == [a]
        await pilot.press("m")
        await settle(app, pilot)
        app.screen.query_one("#comment-text").value = "Позвони ЛПР"
        await pilot.press("enter")
        await settle(app, pilot, 3)
        await pilot.press("r")
        await settle(app, pilot)
        await pilot.press("enter")  # Ирина, the only other closer
        await pilot.press("enter")
        await settle(app, pilot, 3)
    card = pipeline.deal_card(db, team["closer2"], a)
    assert card.deal.supervisor_comment == "Позвони ЛПР"
    assert [e.outcome for e in pipeline.deal_history(db, team["closer2"], a)[:2]] == [
        "reassigned",
        "supervisor_comment",
    ]


async def test_a_long_column_shows_a_first_page_and_loads_more_as_the_cursor_goes_down(db, db_url, team):
    for n in range(45):
        hand_over(
            db,
            team["caller"],
            team["closer"],
            f"ООО «Компания {n:02d}»",
            amount="1000",
            next_step_due=TODAY + timedelta(days=n),
        )
    hand_over(db, team["caller"], team["closer"], "ООО «Вторая колонка»", stage_code="meeting_set")
    app = app_on(db)
    async with app.run_test(size=(120, 36)) as pilot:
        await sign_in(app, pilot, "petr")
        board = app.screen
        new = stage_lists(app)["new"]
        page = board.page_size()
        assert page < 45 and len(new.deals) == page and new.count == 45 and new.more
        assert "45" in str(new.border_title)  # the heading counts the whole column
        assert board.board.columns[0].total == Decimal("45000")
        await pilot.press("end")  # the last loaded card: the next page comes
        await settle(app, pilot, 3)
        assert len(new.deals) == min(45, 2 * page)
        for _ in range(3):
            await pilot.press("end")
            await settle(app, pilot, 3)
        assert [d.company_name for d in new.deals] == [f"ООО «Компания {n:02d}»" for n in range(45)]
        assert not new.more and board.selected_deal.company_name == "ООО «Компания 44»"
        await pilot.press("right")
        assert app.focused is stage_lists(app)["meeting_set"]
        await pilot.press("left", "right", "right", "right", "left")  # fast presses add up
        await settle(app, pilot)
        assert app.focused is stage_lists(app)["meeting_held"]
        await pilot.press("left", "left")
        assert app.focused is new and new.cursor == 44  # each column keeps its place
        await pilot.press("enter")
        await settle(app, pilot, 3)
        assert isinstance(app.screen, DealCardScreen) and app.screen.deal_id == new.deals[44].id


async def test_a_column_stays_in_view_while_its_next_page_comes(db, db_url, team, monkeypatch):
    import asyncio

    from kbase_tui.protocol import pipeline as pipeline_api

    for n in range(45):
        hand_over(
            db,
            team["caller"],
            team["closer"],
            f"ООО «Компания {n:02d}»",
            amount="1000",
            next_step_due=TODAY + timedelta(days=n),
        )
    arrived = asyncio.Event()
    app = app_on(db)
    server_call = app.client.call

    async def held_page(op, *args, **kwargs):  # the next page waits until the test has looked at the screen
        if op is pipeline_api.column_deals:
            await asyncio.wait_for(arrived.wait(), 10)
        return await server_call(op, *args, **kwargs)

    monkeypatch.setattr(app.client, "call", held_page)
    async with app.run_test(size=(120, 36)) as pilot:
        await sign_in(app, pilot, "petr")
        new = stage_lists(app)["new"]
        page = len(new.deals)
        await pilot.press("end")  # the last loaded card: the next page is asked for
        await pilot.pause()  # not settle(): it would wait for the held page
        await pilot.pause()
        last = new.deals[-1].company_name
        assert new.page_loading and not new.loading  # no LoadingIndicator over the column
        assert _plain_screen(app).count(last) == 1  # its cards are still drawn
        await pilot.press("up")  # and still usable
        assert new.cursor == page - 2
        arrived.set()
        await settle(app, pilot, 3)
        assert not new.page_loading and len(new.deals) == min(45, 2 * page)


def _plain_screen(app) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def test_a_new_hand_over_appears_on_the_open_board_without_a_key_press(db, db_url, team):
    import asyncio

    hand_over(db, team["caller"], team["closer"], "ООО «Первая»", next_step_due=TODAY)
    app = app_on(db)
    async with app.run_test(size=(120, 36)) as pilot:
        await sign_in(app, pilot, "petr")
        assert isinstance(app.screen, CloserBoard)
        assert [d.company_name for d in stage_lists(app)["new"].deals] == ["ООО «Первая»"]
        await listening(db, pilot)
        # A caller, in their own app, hands a lead to this closer: the service runs on the base.
        name = "ООО «Новая» [bold red]x[/]"
        await asyncio.to_thread(hand_over, db, team["caller"], team["closer"], name)
        new = stage_lists(app)["new"]
        assert await within(pilot, lambda: [d.company_name for d in new.deals] == ["ООО «Первая»", name])
        assert app.screen.selected_deal.company_name == "ООО «Первая»"  # the cursor stays where it was
        assert await within(pilot, lambda: f"New client from the caller: {name}" in notices(app)), notices(app)


async def test_a_deal_reassigned_meanwhile_leaves_the_old_closers_board(db, db_url, team):
    import asyncio

    keep = hand_over(db, team["caller"], team["closer"], "ООО «Остаётся»", next_step_due=TODAY)
    gone = hand_over(db, team["caller"], team["closer"], "ООО «Уходит»")
    app = app_on(db)
    async with app.run_test(size=(120, 36)) as pilot:
        await sign_in(app, pilot, "petr")
        new = stage_lists(app)["new"]
        await pilot.press("down")  # the cursor on the deal that is about to go
        assert [d.id for d in new.deals] == [keep, gone] and app.screen.selected_deal.id == gone
        await listening(db, pilot)
        await asyncio.to_thread(pipeline.reassign_deal, db, team["boss"], gone, team["closer2"].id)
        assert await within(pilot, lambda: [d.id for d in new.deals] == [keep])
        assert app.screen.selected_deal.id == keep
        assert not any("New " in text for text in notices(app))  # the old closer is given nothing


async def test_the_card_shows_the_other_persons_save_and_closes_when_the_deal_is_given_away(db, db_url, team):
    import asyncio

    deal_id = hand_over(db, team["caller"], team["closer"], "ООО «Ромашка»")
    app = app_on(db)
    async with app.run_test(size=(140, 40)) as pilot:
        await sign_in(app, pilot, "petr")
        await pilot.press("enter")
        await settle(app, pilot, 3)
        card = app.screen
        assert isinstance(card, DealCardScreen)
        # Someone saves the deal first: the card shows their version (StaleRecord's DealInfo) and keeps the input.
        loaded = card.card.deal
        theirs = pipeline.DealForm(requirements="их требования", next_step="Их шаг", expected_amount=Decimal("5"))
        pipeline.update_deal(db, team["closer"], deal_id, loaded.version, theirs)
        app.screen.query_one("#card-next-step").value = "Мой шаг"
        await pilot.press("ctrl+s")
        await settle(app, pilot, 3)
        message = str(app.screen.query_one("#card-message").render())
        assert "Их шаг" in message and app.screen.query_one("#card-next-step").value == "Мой шаг"
        # The supervisor gives the deal to another closer: the open card closes by itself.
        await listening(db, pilot)
        await asyncio.to_thread(pipeline.reassign_deal, db, team["boss"], deal_id, team["closer2"].id)
        assert await within(pilot, lambda: isinstance(app.screen, CloserBoard))
        assert await within(pilot, lambda: not stage_lists(app)["new"].deals)
