"""What opening and paging the list screens no longer does (timings are in benchmarks/, not here):
no loading overlay over the refusal review and the session's
heap out of the collector's sight while signed in."""

from __future__ import annotations

import gc

from textual.widgets import LoadingIndicator

from kbase_tui.ui.app import KbaseApp

from ..conftest import PASSWORD
from ..server_harness import app_on
from ..services.supervisor_data import refused_company
from .helpers import settle, sign_in


async def test_the_review_pages_down_through_more_than_one_page_without_covering_the_rows(db, make_user):
    from kbase_tui.ui.supervisor import review as review_module

    make_user("supervisor", "boss")
    caller = make_user("caller", "anna")
    for n in range(review_module.PAGE + 40):
        refused_company(db, caller.id, f"Компания {n}")
    app = app_on(db)
    async with app.run_test(size=(120, 36)) as pilot:
        await sign_in(app, pilot, "boss", PASSWORD)
        await pilot.press("r")
        await settle(app, pilot)
        review = app.screen
        assert isinstance(review, review_module.RefusalReview)
        table = review.query_one("#review-table")
        assert (table.row_count, review.total) == (review_module.PAGE, review_module.PAGE + 40)
        # Fetching the next page puts no loading overlay over the rows (nor repaints the
        # whole screen for it).
        for _ in range(12):  # 28 rows a page: the cursor comes near the end of the first page
            await pilot.press("pagedown")
            assert not app.screen.query(LoadingIndicator)
        await settle(app, pilot)
        assert table.row_count == review_module.PAGE + 40
        assert not review.page_loading
        assert f"{review_module.PAGE + 40} of {review_module.PAGE + 40} shown" in str(
            review.query_one("#review-status").render()
        )


async def test_signing_in_freezes_the_heap_and_logging_out_unfreezes_it(db, make_user):
    make_user("supervisor", "boss")
    defaults = gc.get_threshold()
    app = app_on(db)
    try:
        async with app.run_test(size=(120, 36)) as pilot:
            assert gc.get_freeze_count() == 0
            await sign_in(app, pilot, "boss", PASSWORD)
            assert gc.get_freeze_count() > 0
            assert gc.get_threshold() == KbaseApp.GC_THRESHOLDS
            await pilot.press("ctrl+l")
            await settle(app, pilot)
            assert app.actor is None
            assert gc.get_freeze_count() == 0
        assert gc.get_threshold() == defaults  # the app gone, the process's own settings are back
    finally:
        gc.unfreeze()
        gc.set_threshold(*defaults)
