"""Reports with charts: pick a report by number, change the period, read the table and the chart.

The figures come from the server (`reports.run`, aggregated in SQL); the chart is drawn in the
terminal with plotext (textual-plotext).  The same reports print as tables with `kbase report NAME`.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import DataTable, Header, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from kbase_tui.formatting import today as business_today
from kbase_tui.i18n import _
from kbase_tui.protocol import reports
from kbase_tui.protocol.reports import Report, default_period, report_titles

from ..base import KbaseScreen
from ..widgets.footer import KeyFooter
from ..widgets.formats import parse_date, show_amount, show_date
from .dialogs import SupervisorModal


def format_value(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, Decimal):
        return show_amount(value)
    if isinstance(value, float):
        return f"{value:.1f}"
    if isinstance(value, date):
        return show_date(value)
    return str(value)


class PeriodDialog(SupervisorModal):
    BINDINGS = [Binding("enter", "accept", _("Apply"), show=False, id="supervisor.period.enter")]

    def __init__(self, date_from: date, date_to: date) -> None:
        super().__init__()
        self.date_from, self.date_to = date_from, date_to

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog"):
            yield Static(Text(_("Period of the report")), classes="dialog-title")
            yield Label(_("From (dd.mm.yyyy)"))
            yield Input(show_date(self.date_from), id="period-from")
            yield Label(_("To (dd.mm.yyyy)"))
            yield Input(show_date(self.date_to), id="period-to")
            yield Static("", classes="dialog-error")

    def on_mount(self) -> None:
        self.query_one("#period-from", Input).focus()

    def on_input_submitted(self, _event) -> None:
        self.action_accept()

    def action_accept(self) -> None:
        try:
            first = parse_date(self.query_one("#period-from", Input).value)
            last = parse_date(self.query_one("#period-to", Input).value)
        except ValueError as error:
            self.error(str(error))
            return
        if first is None or last is None or last < first:
            self.error(_("The period needs a first and a last day, in order."))
            return
        self.dismiss((first, last))


class ReportsScreen(KbaseScreen):
    CSS_PATH = "supervisor.tcss"
    HELP = _(
        "Keys 1 to 7 choose the report. [ and ] move the period back and forward by its own length; "
        "w is this week, m this month, f any period. c switches between a report's charts."
    )
    BINDINGS = [
        *(Binding(str(n), f"choose({n - 1})", show=False, id=f"supervisor.reports.r{n}") for n in range(1, 8)),
        Binding("left_square_bracket", "shift(-1)", _("Earlier"), id="supervisor.reports.earlier"),
        Binding("right_square_bracket", "shift(1)", _("Later"), id="supervisor.reports.later"),
        Binding("w", "this_week", _("This week"), id="supervisor.reports.week"),
        Binding("m", "this_month", _("This month"), id="supervisor.reports.month"),
        Binding("f", "period", _("Period"), id="supervisor.reports.period"),
        Binding("c", "next_chart", _("Next chart"), id="supervisor.reports.chart"),
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

    def compose(self) -> ComposeResult:
        from textual_plotext import PlotextPlot

        yield Header()
        yield Static("", id="reports-filters")
        with Horizontal(id="reports-body"):
            yield OptionList(
                *(Option(Text(f"{n + 1}  {title}"), id=name) for n, (name, title) in enumerate(self.titles)),
                id="reports-menu",
            )
            with Vertical():
                yield DataTable(id="reports-table", cursor_type="row", zebra_stripes=True)
                yield Static("", id="reports-notes")
                yield PlotextPlot(id="reports-chart")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.title = _("Reports")
        menu = self.query_one("#reports-menu", OptionList)
        menu.styles.width = 34
        menu.highlighted = 0
        menu.focus()
        self.action_reload()

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option_list.id == "reports-menu" and event.option_index != self.current:
            self.current = event.option_index
            self.action_reload()

    def action_choose(self, index: int) -> None:
        self.query_one("#reports-menu", OptionList).highlighted = index

    def action_reload(self) -> None:
        name = self.titles[self.current][0]
        self.query_one("#reports-filters", Static).update(
            Text(f"{self.titles[self.current][1]} · {show_date(self.date_from)} – {show_date(self.date_to)}")
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
        self.query_one("#reports-notes", Static).update(Text("\n".join(report.notes)))
        self._draw()

    def _draw(self) -> None:
        from textual_plotext import PlotextPlot

        plot = self.query_one("#reports-chart", PlotextPlot)
        plt = plot.plt
        plt.clear_figure()
        report = self.report
        if report is None or not report.charts:
            plot.refresh()
            return
        chart = report.charts[self.chart_index % len(report.charts)]
        plt.title(chart.title)
        if chart.labels:
            labels = [label[:18] for label in chart.labels]
            if chart.kind == "line":
                plt.plot(list(range(1, len(labels) + 1)), list(chart.values), marker="braille")
                plt.xticks(list(range(1, len(labels) + 1)), labels)
            else:
                plt.bar(labels, list(chart.values))
        if chart.x_label:
            plt.xlabel(chart.x_label)
        if chart.y_label:
            plt.ylabel(chart.y_label)
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
