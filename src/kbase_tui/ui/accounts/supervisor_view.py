"""The supervisor's accounts: every account manager with their figures and quality scores, and
all accounts by manager (pages of 100).

m cycles the manager filter, r reassigns the highlighted account (the whole history and the open
tasks go with it), Enter opens the account card, l opens the lost list, n / p page.
The managers' table shows this month's quality checks (count, average score, scores 1-2, waiting).
"""

from __future__ import annotations

from datetime import date

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Header, Static

from kbase_tui.formatting import today as business_today
from kbase_tui.i18n import _, pgettext
from kbase_tui.protocol import accounts

from ..base import KbaseScreen
from ..widgets.footer import KeyFooter
from ..widgets.formats import show_amount
from ..widgets.paging import PAGE, PagedList
from ..widgets.table import ListTable
from .follow_up_list import class_text, name_text, next_purchase_text, short_date


def month_bounds(today: date) -> tuple[date, date]:
    start = today.replace(day=1)
    end = date(start.year + (start.month == 12), start.month % 12 + 1, 1)
    return start, end


class AccountsSupervisorView(PagedList, KbaseScreen):
    CSS_PATH = "accounts.tcss"
    HELP = _(
        "All accounts by account manager. Above: each manager's clients, active and lost, revenue, follow-ups "
        "due, and this month's quality checks. m cycles the manager filter, r reassigns the account (history "
        "and tasks go with it), Enter opens the card, l the lost list, n / p next and previous page."
    )
    BINDINGS = [
        Binding("enter", "open_card", _("Card"), id="accounts.sv.open"),
        Binding("r", "reassign", _("Reassign"), id="accounts.sv.reassign"),
        Binding("m", "cycle_manager", _("Manager filter"), id="accounts.sv.manager"),
        Binding("l", "lost", _("Lost list"), id="accounts.sv.lost"),
        Binding("n", "page(1)", _("Next page"), show=False, id="accounts.sv.next"),
        Binding("p", "page(-1)", _("Previous page"), show=False, id="accounts.sv.prev"),
        Binding("f5", "refresh", _("Refresh"), id="accounts.sv.refresh"),
        Binding("escape", "back", _("Back"), id="accounts.sv.back"),
        Binding("f1", "app.help", _("Keys"), id="accounts.sv.help"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.managers: list = []
        self.manager_index = -1  # -1: all
        self.page_offset = 0
        self.page = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield ListTable(id="sv-managers", cursor_type="none", zebra_stripes=True)
        yield Static("", id="sv-summary")
        yield ListTable(id="sv-accounts", cursor_type="row", zebra_stripes=True)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.title = _("Accounts by manager")
        managers = self.query_one("#sv-managers", DataTable)
        for label in (
            _("Manager"),
            _("Clients"),
            pgettext("clients", "Active"),
            pgettext("client", "Lost"),
            _("Revenue"),
            _("Due"),
            _("Checks"),
            _("Avg"),
            _("1-2"),
            _("Waiting"),
        ):
            managers.add_column(label)
        table = self.query_one("#sv-accounts", DataTable)
        table.add_column(_("Company"), key="name")
        table.add_column(_("Manager"), key="manager")
        table.add_column(_("Cl"), width=2)
        table.add_column(_("Buys"), width=4)
        table.add_column(_("Last"), width=8)
        table.add_column(_("LTV"), width=11)
        table.add_column(_("Next"), width=9)

        def widths(width: int) -> dict[str, int]:
            # The company and the manager share what the figures leave (cut with "…", not by a slice).
            room = width - 2 - 2 * 7 - (2 + 4 + 8 + 11 + 9)  # the scrollbar, each column's padding, the figures
            manager = max(10, min(18, room // 3))
            return {"name": max(12, min(40, room - manager)), "manager": manager}

        table.fit_columns(widths)
        self.refresh_all()

    def resumed(self) -> None:
        if self.page is not None:
            self.refresh_all()

    def refresh_all(self) -> None:
        self.call(accounts.managers, done=self._managers)
        start, end = month_bounds(business_today())
        self.call(accounts.quality_summary, start, end, done=self._quality)
        self.reload()

    def action_refresh(self) -> None:
        self.refresh_all()

    def reload(self) -> None:
        manager_id = self.managers[self.manager_index].id if self.manager_index >= 0 and self.managers else None
        self.call(
            accounts.all_accounts,
            manager_id=manager_id,
            offset=self.page_offset,
            limit=PAGE,
            done=self._show,
            failed=self._load_failed,
            group="sv-accounts",
            exclusive=True,
        )

    def _managers(self, managers) -> None:
        self.managers = list(managers)
        self._quality_by = getattr(self, "_quality_by", {})
        self._fill_managers()
        self._show_summary()

    def _quality(self, summary) -> None:
        self._quality_by = {s.manager_id: s for s in summary}
        self._fill_managers()

    def _fill_managers(self) -> None:
        table = self.query_one("#sv-managers", DataTable)
        table.clear()
        quality = getattr(self, "_quality_by", {})
        for m in self.managers:
            q = quality.get(m.id)
            table.add_row(
                Text(m.name),
                Text(str(m.accounts), justify="right"),
                Text(str(m.active), justify="right"),
                Text(str(m.lost), justify="right", style="magenta" if m.lost else ""),
                Text(show_amount(m.revenue), justify="right"),
                Text(str(m.due), justify="right", style="yellow" if m.due else ""),
                Text(str(q.checks) if q else "", justify="right"),
                Text(f"{q.average:.2f}" if q and q.average is not None else "—", justify="right"),
                Text(str(q.low_scores) if q else "", justify="right", style="red" if q and q.low_scores else ""),
                Text(str(q.waiting) if q else "", justify="right"),
                key=str(m.id),
            )

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
            text.append("   ")
            text.append(_("due today: {n}").format(n=self.page.due), style="yellow" if self.page.due else "dim")
        self.query_one("#sv-summary", Static).update(text)

    # Keys typed before the first page is here (the desk's key, then this list's, in one burst) wait
    # for it: with no row they would do nothing, and the text meant for a dialog would act as keys.
    keys_wait = True

    def _load_failed(self, error) -> None:
        self.keys_wait = False
        self.notify(str(error), severity="error", timeout=6, markup=False)

    def _show(self, page) -> None:
        self.keys_wait = False
        self.page = page
        table = self.query_one("#sv-accounts", DataTable)
        row_index = table.cursor_row
        table.clear()
        for row in page.rows:
            table.add_row(
                name_text(row),
                Text(row.owner_name),
                class_text(row),
                Text(str(row.orders_count), justify="right"),
                Text(short_date(row.last_order_at)),
                Text(show_amount(row.revenue_total), justify="right"),
                next_purchase_text(row),
                key=str(row.company_id),
            )
        if page.rows:
            table.move_cursor(row=min(row_index, len(page.rows) - 1))
        table.focus()
        self._show_summary()

    @property
    def selected(self):
        if self.page is None or not self.page.rows:
            return None
        index = self.query_one("#sv-accounts", DataTable).cursor_row
        return self.page.rows[index] if 0 <= index < len(self.page.rows) else None

    def action_cycle_manager(self) -> None:
        if not self.managers:
            return
        self.manager_index = self.manager_index + 1 if self.manager_index + 1 < len(self.managers) else -1
        self.page_offset = 0
        self._show_summary()
        self.reload()

    @on(DataTable.RowSelected, "#sv-accounts")
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

            self.app.push_screen(ReassignDialog(row.company_id, row.name, row.owner_id), self._reassigned)

    def _reassigned(self, result) -> None:
        if result is not None:
            self.app.notify(
                _("{name}: {old} → {new}").format(
                    name=self.selected.name if self.selected else "",
                    old=result.old_owner_name,
                    new=result.new_owner_name,
                )
            )
            self.refresh_all()

    def action_lost(self) -> None:
        from .lost_list import LostList

        self.app.push_screen(LostList())

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()
