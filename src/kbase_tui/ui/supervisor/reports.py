"""Reports with charts: pick a report by number, change the period, read the table and the chart.

The figures come from the server (`reports.run`, aggregated in SQL); the chart is drawn in the
terminal with plotext (textual-plotext) as `chart_plan.plan` lays it out for the plot's size.  The same
reports print as tables with `kbase report NAME`.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import DataTable, Header, Input, Label, Select, Static

from kbase_tui.formatting import format_cell
from kbase_tui.formatting import today as business_today
from kbase_tui.i18n import _
from kbase_tui.protocol import reports
from kbase_tui.protocol.reports import Report, default_period, report_titles

from ..base import KbaseScreen
from ..widgets.footer import KeyFooter
from ..widgets.form_dialog import DialogBody, ErrorLine, FormDialog
from ..widgets.formats import parse_date, show_date
from ..widgets.table import ListTable
from .chart_plan import ChartPlan, plan


def format_value(value: object) -> str:
    return format_cell(value)


def _paint(plt, layout: ChartPlan, title_suffix: str) -> None:
    """Draw *layout* on a plotext figure: positions, limits and ticks all given, none left to plotext."""
    plt.title(layout.title + title_suffix)
    positions = list(range(1, len(layout.values) + 1))
    if layout.kind == "line":
        plt.plot(positions, list(layout.values), marker="braille")
        plt.xticks([p for p, _label in layout.x_ticks], [label for _p, label in layout.x_ticks])
        plt.xlim(1, max(2, len(positions)))
    else:
        plt.bar(positions, list(layout.values), reset_ticks=False)
        plt.xticks(positions, list(layout.bar_names))
        plt.xlim(0.5, len(positions) + 0.5)
    plt.ylim(0, layout.y_top)
    plt.yticks(list(layout.y_ticks), list(layout.y_tick_labels))
    if layout.x_label:
        plt.xlabel(layout.x_label)
    if layout.y_label:
        plt.ylabel(layout.y_label)


class PeriodDialog(FormDialog):
    COMPACT = True
    BINDINGS = [Binding("enter", "save", _("Apply"), show=False, id="supervisor.period.enter")]

    def __init__(self, date_from: date, date_to: date) -> None:
        super().__init__()
        self.date_from, self.date_to = date_from, date_to

    def compose(self) -> ComposeResult:
        with DialogBody():
            yield Static(Text(_("Period of the report")), classes="dialog-title")
            yield Label(_("From (dd.mm.yyyy)"))
            yield Input(show_date(self.date_from), id="period-from")
            yield Label(_("To (dd.mm.yyyy)"))
            yield Input(show_date(self.date_to), id="period-to")
            yield ErrorLine()

    def on_mount(self) -> None:
        self.query_one("#period-from", Input).focus()

    def on_input_submitted(self, _event) -> None:
        self.action_save()

    def action_save(self) -> None:
        try:
            first = parse_date(self.query_one("#period-from", Input).value)
            last = parse_date(self.query_one("#period-to", Input).value)
        except ValueError as error:
            self.show_error(str(error))
            return
        if first is None or last is None or last < first:
            self.show_error(_("The period needs a first and a last day, in order."))
            return
        self.dismiss((first, last))


class ReportsScreen(KbaseScreen):
    CSS_PATH = "supervisor.tcss"
    # A taller chart where the screen has the rows for it.
    VERTICAL_BREAKPOINTS = [(0, "-short"), (36, "-tall")]
    HELP = _(
        "Keys 1 to 7 choose the report (r opens the list). [ and ] move the period back and forward by its own "
        "length; w is this week, m this month, f any period. c switches between a report's charts."
    )
    BINDINGS = [
        # Each number key says its report in F1 (and the command palette), not its action.
        *(
            Binding(str(n + 1), f"choose({n})", title, show=False, id=f"supervisor.reports.r{n + 1}")
            for n, (_name, title) in enumerate(report_titles())
        ),
        Binding("left_square_bracket", "shift(-1)", _("Earlier"), id="supervisor.reports.earlier"),
        Binding("right_square_bracket", "shift(1)", _("Later"), id="supervisor.reports.later"),
        Binding("w", "this_week", _("This week"), id="supervisor.reports.week"),
        Binding("m", "this_month", _("This month"), id="supervisor.reports.month"),
        Binding("f", "period", _("Period"), id="supervisor.reports.period"),
        Binding("c", "next_chart", _("Next chart"), id="supervisor.reports.chart"),
        Binding("r", "open_menu", _("Report"), id="supervisor.reports.menu"),
        Binding("f5", "reload", _("Refresh"), show=False, id="supervisor.reports.refresh"),
        Binding("escape", "back", _("Back"), id="supervisor.reports.back"),
        Binding("f1", "app.help", _("Keys"), id="supervisor.reports.help"),
    ]

    def __init__(self, *, today: date | None = None) -> None:
        super().__init__()
        self.today = today
        self.titles = report_titles()
        self.current = 0
        self.date_from, self.date_to = default_period(today)
        self.report: Report | None = None
        self.chart_index = 0
        self.plan: ChartPlan | None = None  # what the chart shows now (tests read it)

    def compose(self) -> ComposeResult:
        from textual_plotext import PlotextPlot
        from textual_plotext.plot import Plot

        class ReportChart(PlotextPlot):
            """The plot, laid out again for its own size whenever that changes (labels, ticks, legend), and drawn
            on a new plotext figure each time: a reused figure kept traces of earlier sizes (names a cell off)."""

            title_suffix = ""

            def on_resize(self, _event) -> None:
                screen = self.screen
                if isinstance(screen, ReportsScreen) and screen.report is not None:
                    screen._draw()

            def render(self):
                self._plot = Plot()
                layout = getattr(self.screen, "plan", None)
                if layout is not None and layout.kind != "empty":
                    _paint(self._plot, layout, self.title_suffix)
                return super().render()

        yield Header()
        # The menu is one line (a list that opens on Enter or r) so that the figures keep the screen at 80x24.
        with Horizontal(id="reports-bar"):
            yield Select(
                [(Text(f"{n + 1}  {title}"), n) for n, (_name, title) in enumerate(self.titles)],
                value=0,
                allow_blank=False,
                compact=True,
                id="reports-menu",
            )
            yield Static("", id="reports-filters")
        with VerticalScroll(id="reports-body"):
            yield ListTable(id="reports-table", cursor_type="row", zebra_stripes=True)
            yield Static("", id="reports-empty")
            yield ReportChart(id="reports-chart")
            yield Static("", id="reports-legend")
            yield Static("", id="reports-notes")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.title = _("Reports")
        self.query_one("#reports-menu", Select).focus()
        self.action_reload()

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "reports-menu" and event.value != self.current and isinstance(event.value, int):
            self.current = event.value
            self.action_reload()

    def action_choose(self, index: int) -> None:
        self.query_one("#reports-menu", Select).value = index

    def action_open_menu(self) -> None:
        menu = self.query_one("#reports-menu", Select)
        menu.focus()
        menu.expanded = True

    def action_reload(self) -> None:
        name = self.titles[self.current][0]
        self.query_one("#reports-filters", Static).update(
            Text(f"{show_date(self.date_from)} – {show_date(self.date_to)}")
        )
        self.call(reports.run, name, self.date_from, self.date_to, done=self._show, group="reports", exclusive=True)

    def _show(self, report: Report) -> None:
        self.report = report
        self.chart_index = 0
        table = self.query_one("#reports-table", DataTable)
        table.clear(columns=True)
        table.add_columns(*report.columns)
        for row in report.rows:
            table.add_row(
                *(
                    Text(format_value(v), justify="right" if isinstance(v, (int, float, Decimal)) else "left")
                    for v in row
                )
            )
        # A report wider than the screen wraps its long headings rather than lose the last at the edge.
        body = self.query_one("#reports-body")
        table.wrap_headings(body.scrollable_content_region.width or self.size.width)
        self.query_one("#reports-notes", Static).update(Text("\n".join(report.notes)))
        self._draw()

    def on_resize(self) -> None:
        if self.report is not None:  # headings wrapped for the old width may now fit, or no longer
            body = self.query_one("#reports-body")
            self.query_one("#reports-table", ListTable).wrap_headings(
                body.scrollable_content_region.width or self.size.width
            )

    def _draw(self) -> None:
        from textual_plotext import PlotextPlot

        plot = self.query_one("#reports-chart", PlotextPlot)
        empty = self.query_one("#reports-empty", Static)
        legend = self.query_one("#reports-legend", Static)
        report = self.report
        if report is None or not report.charts:
            self.plan = None
            plot.display = legend.display = empty.display = False
            return
        chart = report.charts[self.chart_index % len(report.charts)]
        # Before its first layout the plot has no size: the body's width, and the chart's height from the CSS.
        width = plot.size.width or self.query_one("#reports-body").scrollable_content_region.width or self.size.width
        self.plan = layout = plan(chart, width, plot.size.height or 14)
        count = len(report.charts)
        more = (
            " (" + _("{n}/{count}, c: next chart").format(n=self.chart_index % count + 1, count=count) + ")"
            if count > 1
            else ""
        )
        if layout.kind == "empty":
            # A sentence instead of an empty frame: the reader learns there is nothing, and why.
            plot.display = legend.display = False
            empty.display = True
            empty.update(Text(f"{layout.title}{more}: {layout.message}"))
            return
        empty.display = False
        plot.display = True
        plot.title_suffix = more
        legend.display = bool(layout.legend)
        legend.update(Text("\n".join(layout.legend)))
        plot.refresh()

    def action_next_chart(self) -> None:
        if self.report and len(self.report.charts) > 1:
            self.chart_index += 1
            self._draw()

    def action_shift(self, direction: int) -> None:
        length = (self.date_to - self.date_from).days + 1
        self.date_from += timedelta(days=length * direction)
        self.date_to += timedelta(days=length * direction)
        self.action_reload()

    def action_this_week(self) -> None:
        self.date_from, self.date_to = default_period(self.today)
        self.action_reload()

    def action_this_month(self) -> None:
        today = self.today or business_today()
        first = today.replace(day=1)
        nxt = (first + timedelta(days=32)).replace(day=1)
        self.date_from, self.date_to = first, nxt - timedelta(days=1)
        self.action_reload()

    def action_period(self) -> None:
        self.app.push_screen(PeriodDialog(self.date_from, self.date_to), self._period_chosen)

    def _period_chosen(self, period) -> None:
        if period:
            self.date_from, self.date_to = period
            self.action_reload()

    def action_back(self) -> None:
        self.app.pop_screen()
