"""The supervisor's alarm panel: a burst shows up; Del dismisses, Ctrl+K locks the user (each after a yes)."""

from __future__ import annotations

from kbase_tui.models import Company
from kbase_tui.services import alarms, clients, reference, users

from ..conftest import PASSWORD
from ..server_harness import app_on
from .helpers import settle, sign_in


def _one_alarm(db, make_user) -> None:
    """The head of sales "boss", and "Быстрый Читатель", who opened three cards against a limit of two an hour."""
    make_user("supervisor", "boss")
    fast = make_user("supervisor", "fast", full_name="Быстрый Читатель")
    with db.write() as session:
        reference.set_setting(session, "security.card_views_per_hour", {"supervisor": 2})
        rows = [Company(name=f"ООО {i}", city="Тверь") for i in range(3)]
        session.add_all(rows)
        session.flush()
        ids = [r.id for r in rows]
    for company_id in ids:
        clients.open_card(db, fast, company_id)


async def test_alarm_panel_shows_a_burst_and_locks_the_user(db, make_user):
    from kbase_tui.ui.audit.alarms import AlarmsScreen

    _one_alarm(db, make_user)
    app = app_on(db)
    async with app.run_test(size=(120, 36)) as pilot:
        await sign_in(app, pilot, "boss", PASSWORD)
        app.push_screen(AlarmsScreen())
        await settle(app, pilot)
        table = app.screen.query_one("#alarms-table")
        assert table.row_count == 1
        assert table.get_row_at(0)[0].plain == "Быстрый Читатель"
        assert "3 (limit 2)" in table.get_row_at(0)[3].plain
        assert table.virtual_size.width <= table.scrollable_content_region.width  # every column on screen
        await pilot.press("ctrl+k")
        await settle(app, pilot)
        await pilot.press("y")
        await settle(app, pilot)
        # supervisors cannot be locked from here: the alarm stays, the message says why
        assert table.row_count == 1
        await pilot.press("delete")
        await settle(app, pilot)
        assert table.row_count == 1  # asked first
        await pilot.press("y")
        await settle(app, pilot)
        assert table.row_count == 0
    assert alarms.open_alarms(db, users.local_actor()) == []


async def test_lock_from_the_panel_disables_an_operator(db, make_user):
    from kbase_tui.ui.audit.alarms import AlarmsScreen

    from ..services.pipeline_setup import company_of, hand_over

    make_user("supervisor", "boss")
    caller = make_user("caller", "anna")
    closer = make_user("closer", "petr")
    with db.write() as session:
        reference.set_setting(session, "security.card_views_per_hour", {"closer": 1})
    for name in ("ООО А", "ООО Б"):
        clients.open_card(db, closer, company_of(db, hand_over(db, caller, closer, name)))
    app = app_on(db)
    async with app.run_test(size=(120, 36)) as pilot:
        await sign_in(app, pilot, "boss", PASSWORD)
        app.push_screen(AlarmsScreen())
        await settle(app, pilot)
        await pilot.press("ctrl+k")
        await settle(app, pilot)
        await pilot.press("y")
        await settle(app, pilot)
        assert app.screen.query_one("#alarms-table").row_count == 0
    assert {u.username: u for u in users.list_users(db, users.local_actor())}["petr"].disabled


async def test_at_80_columns_the_alarm_and_its_start_stay_on_screen(db, make_user):
    """Six columns took 112: at 80 the alarm's start ran off the right edge.  There the role and the last
    time are left out."""
    from kbase_tui.ui.audit.alarms import AlarmsScreen

    _one_alarm(db, make_user)
    app = app_on(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(app, pilot, "boss", PASSWORD)
        app.push_screen(AlarmsScreen())
        await settle(app, pilot)
        table = app.screen.query_one("#alarms-table")
        assert [str(column.label) for column in table.ordered_columns] == ["User", "What", "Seen", "Since"]
        assert "3 (limit 2)" in table.get_row_at(0)[2].plain
        assert table.virtual_size.width <= table.scrollable_content_region.width
        await pilot.resize_terminal(140, 30)  # widened: the role and the last time come back
        await settle(app, pilot)
        assert len(table.ordered_columns) == 6 and table.row_count == 1
        assert table.virtual_size.width <= table.scrollable_content_region.width
        await pilot.resize_terminal(80, 24)
        await settle(app, pilot)
        assert len(table.ordered_columns) == 4 and table.virtual_size.width <= table.scrollable_content_region.width


async def test_on_the_desk_each_key_means_one_thing_and_a_dismissal_is_asked_first(db, make_user):
    """The desk's letters open screens (x the duplicates, k the catalog); the alarm under the list's cursor is
    dismissed with Del and its user locked with Ctrl+K, from the menu or the list, each after a yes; the hint
    and F1 say those keys."""
    from kbase_tui.ui.supervisor.desk import SupervisorDesk
    from kbase_tui.ui.widgets.confirm import ConfirmDialog

    _one_alarm(db, make_user)
    app = app_on(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(app, pilot, "boss", PASSWORD)
        desk = app.screen
        assert isinstance(desk, SupervisorDesk)
        await settle(app, pilot)
        title = str(desk.query_one("#alarms-panel-title").render())
        assert "Del dismiss" in title and "Ctrl+K lock" in title and "x " not in title
        table = desk.query_one("#alarms-table")
        await pilot.press("delete")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmDialog)
        assert "Быстрый Читатель" in app.screen.question
        await pilot.press("n")
        await settle(app, pilot)
        assert app.screen is desk and table.row_count == 1
        await pilot.press("tab")  # in the list the same keys
        await pilot.press("x")  # the duplicates, as from the menu
        await settle(app, pilot)
        assert app.screen.__class__.__name__ == "DuplicatesScreen"
        await pilot.press("escape")
        await settle(app, pilot)
        await pilot.press("k")  # the catalog, not a lock
        await settle(app, pilot)
        assert app.screen.__class__.__name__ == "CatalogScreen"
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen is desk
        await pilot.press("f1")
        await settle(app, pilot)
        help_table = app.screen.query_one("DataTable")
        keys = "\n".join(
            " ".join(str(cell) for cell in help_table.get_row_at(row)) for row in range(help_table.row_count)
        )
        await pilot.press("escape")
        await settle(app, pilot)
        await pilot.press("delete")
        await settle(app, pilot)
        await pilot.press("y")
        await settle(app, pilot)
        assert app.screen is desk and table.row_count == 0
    assert alarms.open_alarms(db, users.local_actor()) == []
    assert "del Dismiss alarm" in keys and "^k Lock the user" in keys
