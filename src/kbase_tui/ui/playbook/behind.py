"""An account manager's clients behind the contact standard of their ABCDE class.

Key clients first, then the most days behind.  Each line: the client, its class (* key client), the
standard ("every 7 d."), the last contact and how many days behind.  Enter opens the client's card;
Esc goes back to the follow-up list.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Header, Static

from kbase_tui.i18n import _
from kbase_tui.protocol import playbook

from ..base import KbaseScreen
from ..widgets.footer import KeyFooter
from ..widgets.formats import show_date, show_datetime
from ..widgets.table import ListTable


def class_cell(row) -> Text:
    text = Text(row.abcde_class or "·", style="bold green" if row.abcde_class in ("A", "B") else "")
    if row.is_key_client:
        text.append("*", style="bold yellow")
    return text


def cut(value: str, width: int) -> str:
    return value if len(value) <= width else value[: width - 1] + "…"


def behind_cells(row, name_width: int, *, with_owner: bool = False, owner_width: int = 14) -> tuple[Text, ...]:
    cells = [
        Text(cut(row.name, name_width), style="bold" if row.is_key_client else ""),
        class_cell(row),
        Text(_("{n} d.").format(n=row.standard_days), justify="right"),
        Text(show_datetime(row.last_contact_at)[:10] if row.last_contact_at else _("none"), style="dim"),
        Text(str(row.days_behind), style="bold red", justify="right"),
    ]
    if with_owner:
        cells.append(Text(cut(row.owner_name, owner_width)))
    return tuple(cells)


class BehindList(KbaseScreen):
    CSS_PATH = "playbook.tcss"
    HELP = _(
        "Your clients behind the contact standard of their class (how often an A, B, C, D, E client must "
        "be contacted, set by the head of sales): key clients first, then the most days behind. A contact "
        "is an answered call, a meeting, an order or a quality check. Enter opens the card."
    )
    BINDINGS = [
        Binding("enter", "open_card", _("Card"), id="playbook.behind.open"),
        Binding("f5,r", "refresh", _("Refresh"), id="playbook.behind.refresh"),
        Binding("escape", "app.pop_screen", _("Back"), id="playbook.behind.back"),
        Binding("f1", "app.help", _("Keys"), id="playbook.behind.help"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._loaded = False
        self.rows: tuple = ()
        self.name_width = 30

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="behind-summary", classes="pb-summary")
        yield ListTable(id="behind-table", classes="pb-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="behind-detail", classes="pb-detail")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.title = _("Behind the contact standard")
        self.sub_title = self.whose()
        # A heading is never cut: a longer one (another language) takes its room from the company's name.
        columns = [
            (label, max(width, cell_len(label)), key)
            for label, width, key in (
                (_("Cl"), 2, "class"),
                (_("Every"), 6, "standard"),
                (_("Last contact"), 12, "last"),
                (_("Days late"), 9, "behind"),
            )
        ]
        self.name_width = max(16, min(50, self.app.size.width - 13 - sum(width for _l, width, _k in columns)))
        table = self.query_one(DataTable)
        table.add_column(_("Company"), width=self.name_width, key="name")
        for label, width, key in columns:
            table.add_column(label, width=width, key=key)
        self.action_refresh()

    def whose(self) -> str:
        return self.actor.label

    def resumed(self) -> None:
        if self._loaded:  # the first showing is loaded by on_mount
            self.action_refresh()

    def action_refresh(self) -> None:
        self.call(playbook.behind_standard, done=self._show, group="behind", exclusive=True)

    def _show(self, page) -> None:
        self._loaded = True
        self.rows = page.rows
        table = self.query_one(ListTable)
        cursor = table.cursor_row
        table.clear()
        table.append_rows((behind_cells(row, self.name_width), str(row.company_id)) for row in self.rows)
        if self.rows:
            table.move_cursor(row=min(cursor, len(self.rows) - 1))
        summary = Text()
        summary.append(_("Behind the standard: {n}").format(n=page.total), style="bold red" if page.total else "bold")
        keys = sum(1 for r in page.rows if r.is_key_client)
        if keys:
            summary.append("  ")
            summary.append(_("key clients among them: {n}").format(n=keys), style="bold yellow")
        if page.total > len(page.rows):
            summary.append("  " + _("(the first {n} shown)").format(n=len(page.rows)), style="dim")
        self.query_one("#behind-summary", Static).update(summary)
        table.focus()
        self._detail()

    @property
    def selected(self):
        table = self.query_one(DataTable)
        index = table.cursor_row
        return self.rows[index] if self.rows and 0 <= index < len(self.rows) else None

    @on(DataTable.RowHighlighted)
    def _highlighted(self, _event) -> None:
        self._detail()

    def _detail(self) -> None:
        row = self.selected
        if row is None:
            self.query_one("#behind-detail", Static).update(
                Text(_("Every client is within the contact standard."), style="dim")
            )
            return
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(row.name, style="bold")
        text.append("\n")
        text.append(
            _("Class {cls}: a contact every {n} days; due {date}, {late} days late.").format(
                cls=row.abcde_class, n=row.standard_days, date=show_date(row.due_on), late=row.days_behind
            ),
            style="dim",
        )
        self.query_one("#behind-detail", Static).update(text)

    @on(DataTable.RowSelected)
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open_card()

    def action_open_card(self) -> None:
        row = self.selected
        if row is not None:
            from ..accounts.card import AccountCardScreen

            self.app.push_screen(AccountCardScreen(row.company_id))
