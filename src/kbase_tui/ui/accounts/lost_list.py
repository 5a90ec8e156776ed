"""The supervisor's lost list: clients who stopped buying, why, and how their return is going.

Columns: company, manager, reason (no orders for too long, or the reason the manager chose), the
date it was lost, last order, lifetime value, the return task (open since / done), follow-up calls
since and the last call's result.  m cycles the manager filter, Enter opens the card, r reassigns
the client to another account manager for the return, n / p page (100 a page).
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Header, Static

from kbase_tui.i18n import _, pgettext
from kbase_tui.protocol import accounts
from kbase_tui.timezones import in_reader_zone

from ..base import KbaseScreen
from ..widgets.footer import KeyFooter
from ..widgets.formats import show_amount
from ..widgets.paging import PAGE, PagedList
from ..widgets.table import ListTable, cell_len_of
from .follow_up_list import short_date


def _day(value) -> str:
    return short_date(in_reader_zone(value).date()) if value else ""


class LostList(PagedList, KbaseScreen):
    CSS_PATH = "accounts.tcss"
    HELP = _(
        "Lost clients: no order for longer than their usual interval allows, or marked lost by the account "
        "manager with a reason. Each has a return task; the columns show calls made since and the last result. "
        "m cycles the manager filter, Enter opens the card, r reassigns, n / p page."
    )
    BINDINGS = [
        Binding("enter", "open_card", _("Card"), id="accounts.lost.open"),
        Binding("r", "reassign", _("Reassign"), id="accounts.lost.reassign"),
        Binding("m", "cycle_manager", _("Manager filter"), id="accounts.lost.manager"),
        Binding("n", "page(1)", _("Next page"), show=False, id="accounts.lost.next"),
        Binding("p", "page(-1)", _("Previous page"), show=False, id="accounts.lost.prev"),
        Binding("f5", "refresh", _("Refresh"), id="accounts.lost.refresh"),
        Binding("escape", "back", _("Back"), id="accounts.lost.back"),
        Binding("f1", "app.help", _("Keys"), id="accounts.lost.help"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.managers: list = []
        self.manager_index = -1
        self.page_offset = 0
        self.page = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="lost-summary")
        yield ListTable(id="lost-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="lost-detail")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.title = _("Lost clients")
        table = self.query_one(ListTable)
        # The return's state and the calls as wide as their headings and words in the language shown; the
        # company takes what is left once the manager and the reason have a share (cut with "…", the
        # detail line below says the reason whole).
        fixed = {
            "lost": 8,
            "ltv": 11,
            "return": cell_len_of(_("Return"), _("done"), _("open")),
            "calls": cell_len_of(_("Calls"), "999"),
        }

        def widths(width: int) -> dict[str, int]:
            room = width - 2 - 2 * 7 - sum(fixed.values())  # the scrollbar, each column's padding
            manager = max(8, min(18, room // 4))
            reason = max(8, min(22, room // 4))
            return {"name": max(14, min(40, room - manager - reason)), "manager": manager, "reason": reason, **fixed}

        table.add_column(_("Company"), key="name")
        table.add_column(_("Manager"), key="manager")
        table.add_column(_("Reason"), key="reason")
        table.add_column(pgettext("client", "Lost"), key="lost")
        table.add_column(_("LTV"), key="ltv")
        table.add_column(_("Return"), key="return")
        table.add_column(_("Calls"), key="calls")
        table.fit_columns(widths)
        self.call(accounts.managers, done=self._managers)
        self.reload()

    def resumed(self) -> None:
        if self.page is not None:
            self.reload()

    def _managers(self, managers) -> None:
        self.managers = list(managers)
        self._show_summary()

    def reload(self) -> None:
        manager_id = self.managers[self.manager_index].id if self.manager_index >= 0 and self.managers else None
        self.call(
            accounts.lost_accounts,
            manager_id=manager_id,
            offset=self.page_offset,
            limit=PAGE,
            done=self._show,
            group="lost-list",
            exclusive=True,
        )

    def action_refresh(self) -> None:
        self.reload()

    def _show_summary(self) -> None:
        text = Text()
        text.append(_("Manager: "), style="dim")
        text.append(
            self.managers[self.manager_index].name if self.manager_index >= 0 and self.managers else _("all"),
            style="bold",
        )
        if self.page is not None:
            last = min(self.page.offset + len(self.page.rows), self.page.total)
            text.append("   ")
            text.append(
                _("{first}–{last} of {total}").format(
                    first=self.page.offset + 1 if self.page.total else 0, last=last, total=self.page.total
                )
            )
            returning = sum(1 for r in self.page.rows if r.calls_since)
            text.append("   ")
            text.append(_("being called back on this page: {n}").format(n=returning), style="dim")
        self.query_one("#lost-summary", Static).update(text)

    def _show(self, page) -> None:
        self.page = page
        table = self.query_one(DataTable)
        index = table.cursor_row
        table.clear()
        for row in page.rows:
            progress = _("done") if row.return_task_done else _("open")
            table.add_row(
                Text(row.name, style="magenta"),
                Text(row.owner_name),
                Text((row.reason_label or row.reason_text).replace("\n", " ")),
                Text(_day(row.lost_at)),
                Text(show_amount(row.revenue_total), justify="right"),
                Text(progress, style="green" if row.return_task_done else "yellow"),
                Text(str(row.calls_since), justify="right", style="bold" if row.calls_since else "dim"),
                key=str(row.company_id),
            )
        if page.rows:
            table.move_cursor(row=min(index, len(page.rows) - 1))
        table.focus()
        self._show_summary()
        self._show_detail()

    @property
    def selected(self):
        if self.page is None or not self.page.rows:
            return None
        index = self.query_one(DataTable).cursor_row
        return self.page.rows[index] if 0 <= index < len(self.page.rows) else None

    @on(DataTable.RowHighlighted)
    def _highlighted(self) -> None:
        self._show_detail()

    def _show_detail(self) -> None:
        row = self.selected
        text = Text()
        if row is None:
            text.append(_("No lost clients."), style="dim")
        else:
            # The company and its manager whole: at 80 columns the table cuts both ("Игорь Л…").
            text.append(row.name, style="magenta")
            text.append(" · ")
            text.append(_("Manager: "), style="dim")
            text.append(row.owner_name or "—")
            text.append("\n")
            # The reason, then what was written with it (an entry from before the history's params may
            # begin with the reason itself).
            said = row.reason_text.replace("\n", " · ")
            reason = row.reason_label if row.reason_label and not said.startswith(row.reason_label) else ""
            text.append(" · ".join(part for part in (reason, said) if part), style="dim")
            text.append("\n")
            text.append(
                _("Last order: {date} · orders: {n}").format(
                    date=short_date(row.last_order_at) or "—", n=row.orders_count
                )
            )
            if row.last_call_at:
                text.append("  ")
                text.append(
                    _("last call {date}: {result}").format(date=_day(row.last_call_at), result=row.last_call_result),
                    style="bold",
                )
        self.query_one("#lost-detail", Static).update(text)

    def action_cycle_manager(self) -> None:
        if not self.managers:
            return
        self.manager_index = self.manager_index + 1 if self.manager_index + 1 < len(self.managers) else -1
        self.page_offset = 0
        self._show_summary()
        self.reload()

    @on(DataTable.RowSelected)
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open_card()

    def action_open_card(self) -> None:
        row = self.selected
        if row is not None:
            from .card import AccountCardScreen

            self.app.push_screen(AccountCardScreen(row.company_id))

    def action_reassign(self) -> None:
        row = self.selected
        if row is not None:
            from .dialogs import ReassignDialog

            self.app.push_screen(
                ReassignDialog(row.company_id, row.name, row.owner_id), lambda result: self.reload() if result else None
            )

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()
