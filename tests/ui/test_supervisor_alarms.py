"""An exfiltration alarm shows on the supervisor's desk when the desk opens, and while it is open."""

from __future__ import annotations

import asyncio
import time

from kbase_tui.services import pipeline, queue, reference
from kbase_tui.services.alarms import SlowDown

from ..conftest import PASSWORD
from ..server_harness import app_on, server_for
from ..services.pipeline_setup import hand_over
from ..services.queue_setup import add_company
from .helpers import settle, sign_in


async def _until(condition, seconds: float) -> bool:
    """True as soon as *condition()* holds, False after *seconds* (the app keeps running meanwhile)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.02)
    return True


async def test_a_closer_reading_too_many_cards_shows_on_the_desk(db, make_user):
    caller = make_user("caller", "olga")
    closer = make_user("closer", "petr", full_name="Пётр Листающий")
    make_user("supervisor", "roman")
    deal_id = hand_over(db, caller, closer, "ООО «Ромашка»")
    with db.write() as session:
        reference.set_setting(session, "security.card_views_per_hour", {"closer": 2})
    for _ in range(3):  # the third view is over the limit: an alarm opens
        pipeline.deal_card(db, closer, deal_id)
    try:
        pipeline.deal_card(db, closer, deal_id)
        raise AssertionError("the closer should have been slowed down")
    except SlowDown:
        pass

    app = app_on(db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        app.screen.query_one("#username").value = "roman"
        app.screen.query_one("#password").value = PASSWORD
        app.screen.query_one("#password").focus()
        await pilot.press("enter")
        await settle(app, pilot)
        title = str(app.screen.query_one("#alarms-panel-title").render())
        assert "Security alarms: 1" in title
        table = app.screen.query_one("#alarms-table")
        assert "Пётр Листающий" in str(table.get_row_at(0)[0])


async def test_a_caller_taking_leads_too_fast_appears_on_the_open_desk_without_a_key(db, make_user):
    from kbase_tui.ui.supervisor.desk import SupervisorDesk

    make_user("supervisor", "roman")
    anna = make_user("caller", "anna", full_name="Анна Торопливая")
    add_company(db, "ООО Ромашка")
    with db.write() as session:
        reference.set_setting(session, "security.leads_per_minute", 2)
    server = server_for(db)
    app = app_on(db)
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(app, pilot, "roman", PASSWORD)
        desk = app.screen
        assert isinstance(desk, SupervisorDesk)

        def title() -> str:
            return str(desk.query_one("#alarms-panel-title").render())

        assert "No security alarms" in title()
        # The desk listens for the server's events from sign-in on.
        assert await _until(
            lambda: any(s.attached for s in server.state.sessions.all() if s.actor.username == "roman"), 2
        )
        # Elsewhere, Anna takes three leads within a minute, giving each back at once (the lean path).
        for _ in range(3):
            queue.claim_next_lead(db, anna)
            queue.release_lead(db, anna)
        started = time.monotonic()
        assert await _until(lambda: "Security alarms: 1" in title(), 2), title()
        assert time.monotonic() - started < 2
        assert desk.query_one("#alarms-table").get_row_at(0)[0].plain == "Анна Торопливая"
        assert app.screen is desk  # nothing was pressed, nothing else opened
