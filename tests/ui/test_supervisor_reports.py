"""The reports screen (table and chart) and the targets editor, driven by keys."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from kbase_tui.models import Target
from kbase_tui.timezones import business_today

from ..conftest import PASSWORD
from ..server_harness import app_on
from ..services.supervisor_data import refused_company
from .helpers import settle, sign_in


async def test_reports_screen_shows_refusal_reasons_with_a_chart(db, make_user):
    from kbase_tui.ui.supervisor.reports import ReportsScreen

    make_user("supervisor", "boss")
    caller = make_user("caller")
    for reason in ("no_need", "no_need", "has_supplier"):
        refused_company(db, caller.id, f"Фирма {reason}", reason=reason)
    app = app_on(db)
    async with app.run_test(size=(120, 36)) as pilot:
        await sign_in(app, pilot, "boss", PASSWORD)
        await pilot.press("p")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, ReportsScreen)
        await pilot.press("3")
        await settle(app, pilot)
        table = screen.query_one("#reports-table")
        rows = [[cell.plain for cell in table.get_row_at(r)] for r in range(table.row_count)]
        assert rows == [["No need", "2", "66.7"], ["Has a supplier", "1", "33.3"]]
        assert screen.report.charts[0].values == (2.0, 1.0)
        # A week earlier there was nothing.
        await pilot.press("left_square_bracket")
        await settle(app, pilot)
        assert screen.query_one("#reports-table").row_count == 0
        await pilot.press("w")
        await settle(app, pilot)
        await pilot.press("1")
        await settle(app, pilot)
        assert screen.report.name == "funnel"


async def test_targets_editor_sets_a_target(db, make_user):
    make_user("supervisor", "boss")
    anna = make_user("caller", "anna", full_name="Анна")
    app = app_on(db)
    async with app.run_test(size=(120, 36)) as pilot:
        await sign_in(app, pilot, "boss", PASSWORD)
        await pilot.press("g")
        await settle(app, pilot)
        editor = app.screen
        await pilot.press("n")
        await settle(app, pilot)
        dialog = app.screen
        dialog.query_one("#target-user").value = anna.id
        dialog.query_one("#target-value").value = "120"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is editor
        table = editor.query_one("#targets-table")
        assert table.row_count == 1 and table.get_row_at(0)[0].plain == "Анна"
    with db.read() as s:
        target = s.execute(select(Target)).scalar_one()
    monday = business_today() - timedelta(days=business_today().weekday())
    assert (target.user_id, target.metric, target.period, target.starts_on, target.value) == (
        anna.id,
        "calls",
        "week",
        monday,
        120,
    )


def test_report_figures_and_chart_labels_read_in_the_screens_language():
    """A share of 51.5 % reads 51,5 on a Russian screen (tables, chart ticks and value lines), 51.5 on an English one."""
    from kbase_tui.i18n import set_language
    from kbase_tui.ui.supervisor.chart_plan import _axis, _value_text
    from kbase_tui.ui.supervisor.reports import format_value

    try:
        set_language("ru")
        assert format_value(51.5) == "51,5"
        assert _value_text(51.5, "percent") == "51,5 %"
        assert _axis("percent", (37.5,), 20)[2][:3] == ("0 %", "25 %", "50 %")
        set_language("en")
        assert format_value(51.5) == "51.5" and _value_text(12.5, "percent") == "12.5 %"
    finally:
        set_language("en")


async def test_every_column_of_the_targets_editor_shows_whole_at_80_columns_in_russian(db, make_user):
    from kbase_tui.i18n import set_language
    from kbase_tui.services import targets
    from kbase_tui.services.dto import Actor

    boss = make_user("supervisor", "boss")
    maria = make_user("account", "maria", full_name="Мария Соколова")
    actor = Actor(id=boss.id, username="boss", role="supervisor")
    targets.set_target(db, actor, maria.id, "revenue", "month", business_today(), 2_000_000)
    targets.set_target(db, actor, maria.id, "deals_won", "week", business_today(), 4)
    set_language("ru")
    try:
        app = app_on(db)
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_in(app, pilot, "boss", PASSWORD)
            await pilot.press("g")
            await settle(app, pilot)
            # Amounts are grouped with a no-break space: read as plain spaces here.
            lines = [strip.text.replace("\u00a0", " ") for strip in app.screen._compositor.render_strips()]
    finally:
        set_language("en")
    shown = "\n".join(lines)
    header = next(line for line in lines if "Пользователь" in line)
    assert header.rstrip().endswith("%"), f"the last column is cut:\n{shown}"
    assert any("2 000 000" in line and "Мария Соколова" in line for line in lines), shown
    assert any("первые договоры" in line for line in lines), shown


async def test_f1_names_each_report_by_its_number_key(db, make_user):
    """F1 listed the number keys as `choose(0)` … `choose(6)`: each says its report."""
    from kbase_tui.protocol.reports import report_titles
    from kbase_tui.ui.help_screen import HelpScreen

    make_user("supervisor", "boss")
    app = app_on(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(app, pilot, "boss", PASSWORD)
        await pilot.press("p")
        await settle(app, pilot)
        await pilot.press("f1")
        await settle(app, pilot)
        assert isinstance(app.screen, HelpScreen)
        table = app.screen.query_one("DataTable")
        rows = [[str(cell) for cell in table.get_row_at(r)] for r in range(table.row_count)]
    assert not [row for row in rows if "choose(" in row[1]], rows
    for n, (_name, title) in enumerate(report_titles(), start=1):
        assert [str(n), title, f"supervisor.reports.r{n}"] in rows, rows
