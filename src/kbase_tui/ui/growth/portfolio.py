"""White spots across a portfolio: the largest gaps first (the account manager's own clients; the head of
sales sees every manager's, with the manager's name).

Enter opens the client's card, c turns the highlighted white spot into a cross-sell task.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Header, Static

from kbase_tui.i18n import _
from kbase_tui.protocol import growth
from kbase_tui.protocol.growth import PortfolioPage

from ..base import KbaseScreen
from ..widgets.footer import KeyFooter
from ..widgets.table import ListTable, cell_len_of
from .labels import money, status_label

PAGE = 200


class PortfolioGaps(KbaseScreen):
    CSS_PATH = "growth.tcss"
    HELP = _(
        "White spots of the portfolio, the largest gap first: categories of the segment's standard a client does "
        "not buy (or buys less often than the standard), worth the missing purchases weighted by the client's "
        "potential. Enter opens the card, c makes a cross-sell task with a script line. Esc goes back."
    )
    BINDINGS = [
        Binding("enter", "open", _("Card"), id="growth.portfolio.open"),
        Binding("c", "cross_sell", _("Cross-sell"), id="growth.portfolio.cross_sell"),
        Binding("f5,r", "reload", _("Refresh"), id="growth.portfolio.refresh"),
        Binding("escape", "back", _("Back"), id="growth.portfolio.back"),
        Binding("f1", "app.help", _("Keys"), id="growth.portfolio.help"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list = []

    @property
    def everyone(self) -> bool:
        return self.actor.role == "supervisor"

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="gaps-summary")
        yield ListTable(id="gaps-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="gaps-detail")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.title = _("White spots")
        table = self.query_one(ListTable)
        # The client, the category and the manager share what the status, the count and the gap leave (at 80
        # columns 12 each, cut with "…": the line below the list names the client whole); the status is as
        # wide as its words in the language shown.
        status = cell_len_of(_("Status"), status_label("missing"), status_label("rare"))
        gap = 10 if self.everyone else 12
        table.add_column(_("Client"), key="client")
        table.add_column(_("Category"), key="category")
        table.add_column(_("Status"), width=status, key="status")
        table.add_column(_("Bought"), width=7, key="bought")
        table.add_column(_("Gap"), width=gap, key="gap")
        if self.everyone:
            table.add_column(_("Manager"), key="manager")
        columns = 6 if self.everyone else 5

        def widths(width: int) -> dict[str, int]:
            room = width - 2 - 2 * columns - status - 7 - gap  # the scrollbar, each column's padding
            manager = max(12, min(20, room // 5)) if self.everyone else 0
            category = max(12 if self.everyone else 15, min(28, (room - manager) // 3))
            client = max(12, min(48, room - manager - category))
            return (
                {"client": client, "category": category, "manager": manager}
                if self.everyone
                else {
                    "client": client,
                    "category": category,
                }
            )

        table.fit_columns(widths)
        table.focus()
        self.action_reload()

    def resumed(self) -> None:
        self.action_reload()

    def action_reload(self) -> None:
        self.call(growth.portfolio_gaps, limit=PAGE, done=self._show, group="gaps", exclusive=True)

    def _show(self, page: PortfolioPage) -> None:
        self.rows = list(page.rows)
        table = self.query_one(ListTable)
        cursor = table.cursor_row
        table.clear()
        rows = []
        for gap in self.rows:
            cells = [
                Text(gap.company_name),
                Text(gap.category_name),
                Text(status_label(gap.status), style="bold red" if gap.status == "missing" else "yellow"),
                Text(f"{gap.bought}/{gap.expected}", justify="right"),
                Text(money(gap.gap), justify="right"),
            ]
            if self.everyone:
                cells.append(Text(gap.owner_name))
            rows.append((cells, f"{gap.company_id}:{gap.category_id}"))
        table.append_rows(rows)
        if self.rows:
            table.move_cursor(row=min(cursor, len(self.rows) - 1))
        summary = Text()
        summary.append(_("White spots: {n}").format(n=page.total), style="bold")
        summary.append(_(" · worth {amount}").format(amount=money(page.total_gap)), style="dim")
        if page.total > len(self.rows):
            summary.append(" " + _("(the largest {n} shown)").format(n=len(self.rows)), style="dim")
        if not page.total:
            summary.append("  " + _("none: no standard fits these clients, or they buy all of it"), style="dim")
        self.query_one("#gaps-summary", Static).update(summary)

    @property
    def selected(self):
        index = self.query_one(DataTable).cursor_row
        return self.rows[index] if 0 <= index < len(self.rows) else None

    @on(DataTable.RowHighlighted)
    def _highlighted(self) -> None:
        gap = self.selected
        if gap is None:
            return
        # Two lines: the client and the category whole (the table cuts them at 80 columns), then the figures.
        text = Text(overflow="ellipsis")
        text.append(gap.company_name, style="bold")
        text.append(" · ")
        text.append(gap.category_name, style="bold")
        text.append("\n")
        text.append(
            _("{segment} · potential {p} · bought {b} of {e} expected this year").format(
                segment=gap.segment, p=gap.potential, b=gap.bought, e=gap.expected
            ),
            style="dim",
        )
        self.query_one("#gaps-detail", Static).update(text)

    @on(DataTable.RowSelected)
    def _row_selected(self) -> None:
        self.action_open()

    def action_open(self) -> None:
        gap = self.selected
        if gap is None:
            return
        from ..accounts.card import AccountCardScreen

        self.app.push_screen(AccountCardScreen(gap.company_id))

    def action_cross_sell(self) -> None:
        gap = self.selected
        if gap is not None:
            self.call(growth.cross_sell, gap.company_id, gap.category_id, done=self._done)

    def _done(self, task) -> None:
        self.app.notify(_("Cross-sell task: {text}").format(text=task.text), timeout=8, markup=False)

    def action_back(self) -> None:
        self.app.pop_screen()
