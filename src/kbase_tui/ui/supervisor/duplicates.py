"""Possible duplicates: pairs of companies that may be one client, for the head of sales to settle.

Each row is a pair with its reason (a shared phone, the same name).  1 or Enter opens the first
company's card, 2 the second's (the base search's card: everything about it, and its own keys);
m merges the second into the first (undoable from the card, u); n marks the pair "not a
duplicate" (remembered: no scan or import offers it again); s scans the whole base for new pairs.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Header, Static

from kbase_tui.formatting import quoted
from kbase_tui.i18n import _
from kbase_tui.protocol import companies, duplicates
from kbase_tui.protocol.duplicates import DuplicatePage, DuplicateRow, DuplicateScan

from ..base import KbaseScreen
from ..widgets.confirm import ConfirmDialog
from ..widgets.footer import KeyFooter
from ..widgets.table import ListTable
from .base_search import clip

PAGE = 100
LOAD_MORE_AT = 20
REASON_WIDTH = 19
CITY_WIDTH = 10
# Both names share what the reason and the cities leave (DataTable's two cells of padding per column,
# and the scroll bar).
FIXED = REASON_WIDTH + 2 * CITY_WIDTH + 2 * 5 + 2


def reason_text(row: DuplicateRow) -> str:
    if row.reason == "phone":
        from kbase_tui.phones import readable  # phonenumbers' tables: loaded when a pair is shown

        return readable(row.detail)
    return _("same name")


class DuplicatesScreen(KbaseScreen):
    CSS_PATH = "base_search.tcss"
    HELP = _(
        "Pairs of companies that may be one client: they share a phone, or have the same name once case, "
        "ё, quotes and the legal form are set aside. 1 or Enter opens the first company's card, 2 the "
        "second's; m merges the second into the first (undo it from the card with u); n marks the pair "
        "not a duplicate, and it is not offered again; s looks through the whole base for new pairs."
    )
    BINDINGS = [
        Binding("1", "open_card(0)", _("First card"), id="supervisor.duplicates.first"),
        Binding("2", "open_card(1)", _("Second card"), id="supervisor.duplicates.second"),
        Binding("m", "merge", _("Merge"), id="supervisor.duplicates.merge"),
        Binding("n", "not_duplicate", _("Not a duplicate"), id="supervisor.duplicates.dismiss"),
        Binding("s", "scan", _("Scan the base"), id="supervisor.duplicates.scan"),
        Binding("f5", "reload", _("Refresh"), show=False, id="supervisor.duplicates.refresh"),
        Binding("escape", "back", _("Back"), id="supervisor.duplicates.back"),
        Binding("f1", "app.help", _("Keys"), id="supervisor.duplicates.help"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[int, DuplicateRow] = {}
        self.next_after: int | None = None
        self.total = 0
        self.page_loading = False
        self.scanning = False
        self._keep_cursor: int | None = None
        self.name_width = 20

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="base-filters")
        yield ListTable(id="dup-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="base-status")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.title = _("Possible duplicates")
        self.name_width = max(12, (self.app.size.width - FIXED) // 2)
        table = self.query_one(ListTable)
        table.add_column(_("Shared"), key="reason", width=REASON_WIDTH)
        table.add_column(_("Company"), key="first", width=self.name_width)
        table.add_column(_("City"), key="first_city", width=CITY_WIDTH)
        table.add_column(_("Other company"), key="second", width=self.name_width)
        table.add_column(_("City"), key="second_city", width=CITY_WIDTH)
        table.focus()
        self.action_reload()

    # --- loading -------------------------------------------------------------------------
    def action_reload(self) -> None:
        self.rows.clear()
        self.next_after = None
        self.query_one(ListTable).clear()
        self.page_loading = True
        self._show_status()
        self.call(duplicates.pairs, limit=PAGE, done=self._page, failed=self._failed, group="dup-page", exclusive=True)

    def _load_more(self) -> None:
        if self.page_loading or self.next_after is None:
            return
        self.page_loading = True
        self.call(
            duplicates.pairs,
            after=self.next_after,
            limit=PAGE,
            done=self._page,
            failed=self._failed,
            group="dup-page",
            exclusive=True,
        )

    def _failed(self, error) -> None:
        self.page_loading = False
        self._show_status()
        self.notify(str(error), severity="error", markup=False)

    def _page(self, page: DuplicatePage) -> None:
        self.page_loading = False
        self.total = page.total
        new = []
        for row in page.rows:
            if row.id in self.rows:
                continue
            self.rows[row.id] = row
            cells = (
                Text(clip(reason_text(row), REASON_WIDTH)),
                Text(clip(row.first.name, self.name_width)),
                Text(clip(row.first.city, CITY_WIDTH)),
                Text(clip(row.second.name, self.name_width)),
                Text(clip(row.second.city, CITY_WIDTH)),
            )
            new.append((cells, str(row.id)))
        table = self.query_one(ListTable)
        table.append_rows(new)
        if self._keep_cursor is not None:
            table.move_cursor(row=min(self._keep_cursor, max(table.row_count - 1, 0)))
            self._keep_cursor = None
        self.next_after = page.next_after
        self._show_status()

    def _show_status(self) -> None:
        loaded = len(self.rows)
        if self.scanning:
            text = _("Looking through the whole base…")
        elif self.page_loading and not loaded:
            text = _("Loading…")
        elif not loaded:
            text = _("No possible duplicates. s looks through the whole base.")
        else:
            text = _("Pairs: {n} of {total}").format(n=loaded, total=self.total)
        self.query_one("#base-status", Static).update(Text(text))
        self.query_one("#base-filters", Static).update(
            Text(_("1/Enter, 2: the cards · m: merge · n: not a duplicate · s: scan the base"))
        )

    @on(DataTable.RowHighlighted, "#dup-table")
    def _near_end(self, event: DataTable.RowHighlighted) -> None:
        if event.cursor_row >= self.query_one(ListTable).row_count - LOAD_MORE_AT:
            self._load_more()

    # --- the pair under the cursor -----------------------------------------------------------
    def _current(self) -> DuplicateRow | None:
        table = self.query_one(ListTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value
        return self.rows.get(int(key)) if key is not None else None

    def _keep_place(self) -> None:
        self._keep_cursor = self.query_one(ListTable).cursor_row

    @on(DataTable.RowSelected, "#dup-table")
    def _selected(self, _event: DataTable.RowSelected) -> None:
        self.action_open_card(0)

    def action_open_card(self, which: int) -> None:
        row = self._current()
        if row is None:
            return
        from .company_card import SupervisorCardScreen

        side = row.first if which == 0 else row.second
        self.app.push_screen(SupervisorCardScreen(side.id), self._card_closed)

    def _card_closed(self, changed: bool | None) -> None:
        # A merge or a fix made on the card shows here at once; the cursor stays put.
        if changed:
            self._keep_place()
            self.action_reload()

    def action_merge(self) -> None:
        row = self._current()
        if row is None:
            return
        question = _(
            "Merge {second} (#{second_id}) into {first} (#{first_id})? {first} is kept with the contacts, "
            "phones and history of both; the merge can be undone from its card (u)."
        ).format(
            first=quoted(clip(row.first.name, 60)),
            first_id=row.first.id,
            second=quoted(clip(row.second.name, 60)),
            second_id=row.second.id,
        )
        self.app.push_screen(ConfirmDialog(question), lambda yes: yes and self._merge(row))

    def _merge(self, row: DuplicateRow) -> None:
        def merged(_card) -> None:
            self.notify(
                _("{second} merged into {first}.").format(first=quoted(row.first.name), second=quoted(row.second.name)),
                markup=False,
            )
            self._keep_place()
            self.action_reload()

        self.call(companies.merge, row.first.id, row.first.version, row.second.id, done=merged)

    def action_not_duplicate(self) -> None:
        row = self._current()
        if row is None:
            return
        question = _("{first} and {second} are two different clients? The pair is not offered again.").format(
            first=quoted(clip(row.first.name, 60)), second=quoted(clip(row.second.name, 60))
        )
        self.app.push_screen(ConfirmDialog(question), lambda yes: yes and self._dismiss(row))

    def _dismiss(self, row: DuplicateRow) -> None:
        def dismissed(_result) -> None:
            self._keep_place()
            self.action_reload()

        self.call(duplicates.dismiss, row.id, done=dismissed)

    def action_scan(self) -> None:
        if self.scanning:
            return
        self.scanning = True
        self._show_status()

        def scanned(found: DuplicateScan) -> None:
            self.scanning = False
            self.notify(
                _("Shared phones: {phone} pairs, same names: {name}; new in the list: {new}.").format(
                    phone=found.phone, name=found.name, new=found.new
                ),
                markup=False,
            )
            self.action_reload()

        def failed(error) -> None:
            self.scanning = False
            self._failed(error)

        self.call(duplicates.scan, done=scanned, failed=failed, group="dup-scan", exclusive=True)

    def action_back(self) -> None:
        self.app.pop_screen()
