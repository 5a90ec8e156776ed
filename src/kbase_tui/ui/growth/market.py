"""The market and the growth of the base, for the head of sales, in three tabs:

1 Capacity: per channel or industry (t switches), active and potential clients × the average check of
  the segment's orders in the year = the capacity; covered: active × the average check; the share covered.
2 Census: potential clients nobody has touched for a year (the yearly census of the potential base).
3 Growth: each account's orders a year, average order and categories bought against the year before,
  and its white spots.
Enter on a census or growth line opens the company's card.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Header, Static, TabbedContent, TabPane

from kbase_tui.i18n import _
from kbase_tui.protocol import growth

from ..base import KbaseScreen
from ..widgets.footer import KeyFooter
from ..widgets.formats import show_date, show_datetime
from ..widgets.table import ListTable
from .labels import money, segment_kind_label, trend

PAGE = 200


class MarketScreen(KbaseScreen):
    CSS_PATH = "growth.tcss"
    HELP = _(
        "1 market capacity per segment (t: channels or industries): (active + potential clients) × the average "
        "check of the year's orders, covered = active × the average check. 2 the census: potential clients "
        "untouched for a year. 3 growth of each account: orders a year, average order and categories bought, "
        "↑↓ against the year before, and its white spots. Enter opens a company's card. Esc goes back."
    )
    BINDINGS = [
        Binding("1", "tab('capacity')", _("Capacity"), id="growth.market.capacity"),
        Binding("2", "tab('census')", _("Census"), id="growth.market.census"),
        Binding("3", "tab('growth')", _("Growth"), id="growth.market.growth"),
        Binding("t", "switch_kind", _("Channels/industries"), id="growth.market.kind"),
        Binding("escape", "back", _("Back"), id="growth.market.back"),
        Binding("f1", "app.help", _("Keys"), id="growth.market.help"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.kind = "channel"
        self.census_rows: list = []
        self.growth_rows: list = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="market-summary")
        with TabbedContent(id="market-tabs"):
            with TabPane(_("1 Capacity"), id="capacity"):
                yield ListTable(id="market-table", cursor_type="row", zebra_stripes=True)
            with TabPane(_("2 Census"), id="census"):
                yield ListTable(id="census-table", cursor_type="row", zebra_stripes=True)
            with TabPane(_("3 Growth"), id="growth"):
                yield ListTable(id="greport-table", cursor_type="row", zebra_stripes=True)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.title = _("Market and growth")
        # The names take what the figures leave (a capacity of billions has 13 characters): every table stays
        # as wide as the screen.
        market = self.query_one("#market-table", ListTable)
        for label, column in (
            (_("Segment"), 12),
            (_("Act."), 5),
            (_("Pot."), 6),
            (_("Avg check"), 10),
            (_("Capacity"), 13),
            (_("Covered"), 13),
            ("%", 4),
        ):
            market.add_column(label, width=column, key=None if market.columns else "name")
        market.fit_columns(lambda width: {"name": max(12, width - 67)})
        census = self.query_one("#census-table", ListTable)
        for label, column in (
            (_("Company"), 20),
            (_("City"), 12),
            (_("Channel"), 12),
            (_("Last touched"), 17),
        ):
            census.add_column(label, width=column, key=("name", "city", "channel", "touched")[len(census.columns)])

        def census_widths(width: int) -> dict[str, int]:
            # The company and the channel share what the city and the date leave ("Конечные потребители B2B"
            # whole from about 115 columns; cut with "…" below that).
            room = width - 2 - 2 * 4 - 12 - 17  # the scrollbar, each column's padding, the city, the date
            channel = max(12, min(24, room // 3))
            return {"name": max(20, room - channel), "channel": channel}

        census.fit_columns(census_widths)
        report = self.query_one("#greport-table", ListTable)
        for label, column in (
            (_("Client"), 16),
            (_("Orders"), 7),
            (_("Avg order"), 12),
            (_("Categ."), 7),
            (_("Spots"), 5),
            (_("Manager"), 14),
        ):
            report.add_column(label, width=column, key=None if report.columns else "name")
        report.fit_columns(lambda width: {"name": max(16, width - 59)})
        market.focus()
        self.load_capacity()
        self.call(growth.census, limit=PAGE, done=self._census, group="census", exclusive=True)
        self.call(growth.growth_report, limit=PAGE, done=self._growth, group="greport", exclusive=True)

    def load_capacity(self) -> None:
        self.call(growth.capacity, self.kind, done=self._capacity, group="capacity", exclusive=True)

    def _capacity(self, rows) -> None:
        table = self.query_one("#market-table", ListTable)
        table.clear()
        total = sum((r.capacity for r in rows if r.capacity is not None), start=0)
        covered = sum((r.covered for r in rows if r.covered is not None), start=0)
        table.append_rows(
            (
                (
                    Text(r.segment or _("(none)"), style="" if r.segment else "dim"),
                    Text(str(r.active), justify="right"),
                    Text(str(r.potential), justify="right"),
                    Text(money(r.average_check), justify="right"),
                    Text(money(r.capacity), justify="right", style="bold"),
                    Text(money(r.covered), justify="right"),
                    Text(f"{r.share:.0%}" if r.share is not None else "—", justify="right"),
                ),
                str(n),
            )
            for n, r in enumerate(rows)
        )
        text = Text()
        text.append(_("Capacity by {kind}: ").format(kind=segment_kind_label(self.kind)), style="bold")
        text.append(money(total) if total else "—")
        text.append(_(" · covered {amount}").format(amount=money(covered) if covered else "—"), style="dim")
        self.query_one("#market-summary", Static).update(text)

    def _census(self, page) -> None:
        self.census_rows = list(page.rows)
        table = self.query_one("#census-table", ListTable)
        table.clear()
        table.append_rows(
            (
                (
                    Text(r.name),
                    Text(r.city),
                    Text(r.channel),
                    Text(show_datetime(r.last_touch_at)[:10] if r.last_touch_at else _("never"), style="dim"),
                ),
                str(r.company_id),
            )
            for r in self.census_rows
        )
        self.query_one(TabbedContent).get_tab("census").label = _("2 Census: {n} untouched since {date}").format(
            n=page.total, date=show_date(page.since)
        )

    def _growth(self, page) -> None:
        self.growth_rows = list(page.rows)
        table = self.query_one("#greport-table", ListTable)
        table.clear()
        rows = []
        for r in self.growth_rows:
            f = r.figures
            orders = Text(f"{f.orders_now} ", justify="right")
            orders.append_text(trend(f.orders_now, f.orders_before))
            average = Text(money(f.average_now) + " ", justify="right")
            average.append_text(trend(f.average_now, f.average_before))
            breadth = Text(f"{f.breadth_now} ", justify="right")
            breadth.append_text(trend(f.breadth_now, f.breadth_before))
            white = Text(str(r.white_spots), justify="right", style="bold red" if r.white_spots else "dim")
            rows.append(((Text(r.name), orders, average, breadth, white, Text(r.owner_name)), str(r.company_id)))
        table.append_rows(rows)

    def action_tab(self, name: str) -> None:
        self.query_one(TabbedContent).active = name
        target = {"capacity": "#market-table", "census": "#census-table", "growth": "#greport-table"}[name]
        self.query_one(target, DataTable).focus()

    def action_switch_kind(self) -> None:
        self.kind = "industry" if self.kind == "channel" else "channel"
        self.load_capacity()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id not in ("census-table", "greport-table") or event.row_key.value is None:
            return
        from ..supervisor.company_card import SupervisorCardScreen

        self.app.push_screen(SupervisorCardScreen(int(event.row_key.value)))

    def action_back(self) -> None:
        self.app.pop_screen()
