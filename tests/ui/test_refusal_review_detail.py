"""The refusal review: all undecided refusals (this week first, older marked), the comment and the last
calls of the row under the cursor, Enter opens the card, long names cut with an ellipsis."""

from __future__ import annotations

from sqlalchemy import select

from kbase_tui.models import AuditEvent
from kbase_tui.services.clients import write_history

from ..conftest import PASSWORD
from ..server_harness import app_on
from ..services.supervisor_data import days_ago, refused_company
from .helpers import settle, sign_in


async def _open_review(app, pilot):
    from kbase_tui.ui.supervisor.review import RefusalReview

    await pilot.press("r")
    await settle(app, pilot)
    assert isinstance(app.screen, RefusalReview)
    return app.screen


async def test_review_shows_older_undecided_marked_the_comment_and_last_calls_and_opens_the_card(db, make_user):
    make_user("supervisor", "boss")
    caller = make_user("caller", "anna", full_name="Анна Звонарёва")
    fresh = refused_company(db, caller.id, "Свежий отказ")
    refused_company(db, caller.id, "Старый отказ", at=days_ago(40))
    with db.write() as session:
        from kbase_tui.models import Refusal

        session.get(Refusal, fresh[1]).comment = "Грубо ответили, просили больше не звонить"
        write_history(
            session, caller, fresh[0], "call", outcome="refused", text="Сказали: не звоните", at=days_ago(0.01)
        )
        write_history(session, caller, fresh[0], "call", outcome="no_answer", text="", at=days_ago(2))
    app = app_on(db)
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(app, pilot, "boss", PASSWORD)
        review = await _open_review(app, pilot)
        table = review.query_one("#review-table")
        assert table.row_count == 2  # the 40-day-old one too, without changing the filter
        assert table.get_row_at(0)[2].plain == "Свежий отказ"
        assert table.get_row_at(1)[1].plain.startswith("! ")  # older than a week: marked
        await pilot.pause(0.4)
        await settle(app, pilot)
        detail = str(review.query_one("#review-detail").render())
        assert "Грубо ответили, просили больше не звонить" in detail
        assert "Сказали: не звоните" in detail and "Анна Звонарёва" in detail
        await pilot.press("enter")
        await settle(app, pilot)
        from kbase_tui.ui.supervisor.company_card import SupervisorCardScreen

        assert isinstance(app.screen, SupervisorCardScreen) and app.screen.company_id == fresh[0]
        await pilot.press("5")
        await settle(app, pilot)
        refusals = app.screen.query_one("#scard-refusals")
        assert refusals.row_count == 1
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen is review
    with db.read() as session:
        actions = session.execute(select(AuditEvent.action)).scalars().all()
    assert "refusal_viewed" in actions and "card_opened" in actions


async def test_a_300_character_name_never_pushes_the_other_columns_away(db, make_user):
    make_user("supervisor", "boss")
    caller = make_user("caller", "anna", full_name="Анна")
    refused_company(db, caller.id, "Ромашка " * 37)  # 296 characters
    app = app_on(db)
    async with app.run_test(size=(200, 30)) as pilot:
        await sign_in(app, pilot, "boss", PASSWORD)
        review = await _open_review(app, pilot)
        table = review.query_one("#review-table")
        name = table.get_row_at(0)[2].plain
        assert name.endswith("…")
        widths = [column.get_render_width(table) for column in table.ordered_columns]
        assert sum(widths) <= 200  # reason, caller and decision stay on screen
        assert table.get_row_at(0)[4].plain == "Анна"
