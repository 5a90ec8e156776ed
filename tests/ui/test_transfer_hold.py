"""The last account manager leaves: the transfer dialog offers the head of sales to hold the portfolio,
and the desk's h hands it on to the new person, all by keys."""

from __future__ import annotations

from kbase_tui.models import Company, User

from ..conftest import PASSWORD
from ..server_harness import app_on
from ..services.supervisor_data import add_company
from .helpers import settle, sign_in


async def test_hold_the_last_managers_portfolio_and_hand_it_to_the_newcomer(db, make_user):
    boss = make_user("supervisor", "boss")
    last = make_user("account", "last", full_name="Последний")
    company_id = add_company(db, "Постоянный клиент", stage="account", category="active", owner_id=last.id)
    app = app_on(db)
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(app, pilot, "boss", PASSWORD)
        await pilot.press("t")
        await settle(app, pilot)
        dialog = app.screen
        dialog.query_one("#transfer-from").value = last.id
        await settle(app, pilot)
        assert dialog.query_one("#transfer-to").value == boss.id  # nobody else: held by the head of sales
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        await pilot.press("y")
        await settle(app, pilot)
    with db.read() as s:
        assert s.get(Company, company_id).owner_id == boss.id and s.get(User, last.id).disabled
    newcomer = make_user("account", "new", full_name="Новенькая")
    app = app_on(db)
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(app, pilot, "boss", PASSWORD)
        await pilot.press("h")
        await settle(app, pilot)
        dialog = app.screen
        assert "companies 1" in str(dialog.query_one("#held-counts").render())
        dialog.query_one("#held-to").value = newcomer.id
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "SupervisorDesk"
    with db.read() as s:
        assert s.get(Company, company_id).owner_id == newcomer.id
