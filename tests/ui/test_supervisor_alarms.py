"""An exfiltration alarm shows on the supervisor's desk as soon as the desk opens."""

from __future__ import annotations

from kbase_tui.services import pipeline, reference
from kbase_tui.services.alarms import SlowDown
from kbase_tui.ui.app import KbaseApp

from ..server_harness import app_on

from ..conftest import PASSWORD
from ..services.pipeline_setup import hand_over
from .helpers import settle


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
