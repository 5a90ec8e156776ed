"""The key clients a closer or account manager backs up as the second responsible person, read only.

The head of sales attaches a second person to an A/B or key client, so that the client is never one
person's alone.  The list shows those clients and their manager; Enter opens a read-only card:
the client, its contact persons and its whole history.  Nothing can be changed here, and nothing
else of the manager's clients is shown.  Every card opened is audited as a second person's view.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Header, Static

from kbase_tui.i18n import _
from kbase_tui.labels import category_label
from kbase_tui.protocol import playbook

from ..base import KbaseScreen
from ..widgets.footer import KeyFooter
from ..widgets.formats import show_amount, show_date
from ..widgets.read_only_card import ReadOnlyClientCard
from ..widgets.table import ListTable
from .behind import class_cell, cut


class SecondClients(KbaseScreen):
    CSS_PATH = "playbook.tcss"
    HELP = _(
        "Key clients you back up as their second responsible person (the head of sales chose you). "
        "You may read their card and history; their manager works them. Enter opens the card."
    )
    BINDINGS = [
        Binding("enter", "open_card", _("Card"), id="playbook.second.open"),
        Binding("f5,r", "refresh", _("Refresh"), id="playbook.second.refresh"),
        Binding("escape", "app.pop_screen", _("Back"), id="playbook.second.back"),
        Binding("f1", "app.help", _("Keys"), id="playbook.second.help"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._loaded = False
        self.rows: list = []
        self.name_width = 30

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="second-summary", classes="pb-summary")
        yield ListTable(id="second-table", classes="pb-table", cursor_type="row", zebra_stripes=True)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.title = _("Clients I back up")
        self.sub_title = self.actor.label
        self.name_width = max(16, min(50, self.app.size.width - 30))
        table = self.query_one(DataTable)
        table.add_column(_("Company"), width=self.name_width, key="name")
        table.add_column(_("Cl"), width=2, key="class")
        table.add_column(_("Manager"), width=20, key="owner")
        self.action_refresh()

    def resumed(self) -> None:
        if self._loaded:  # the first showing is loaded by on_mount
            self.action_refresh()

    def action_refresh(self) -> None:
        self.call(playbook.my_second_clients, done=self._show, group="second", exclusive=True)

    def _show(self, rows) -> None:
        self._loaded = True
        self.rows = list(rows)
        table = self.query_one(ListTable)
        table.clear()
        table.append_rows(
            ((Text(cut(r.name, self.name_width)), class_cell(r), Text(cut(r.owner_name, 20))), str(r.company_id))
            for r in self.rows
        )
        self.query_one("#second-summary", Static).update(
            Text(_("Clients you back up: {n}").format(n=len(self.rows)), style="bold")
            if self.rows
            else Text(_("You back up no client."), style="dim")
        )
        table.focus()

    @property
    def selected(self):
        index = self.query_one(DataTable).cursor_row
        return self.rows[index] if self.rows and 0 <= index < len(self.rows) else None

    @on(DataTable.RowSelected)
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open_card()

    def action_open_card(self) -> None:
        row = self.selected
        if row is not None:
            self.app.push_screen(SecondCardScreen(row.company_id))


class SecondCardScreen(ReadOnlyClientCard):
    CSS_PATH = "playbook.tcss"
    HELP = _("A client you back up, read only: the card, the contact persons and the whole history.")
    BINDINGS = [
        Binding("escape", "app.pop_screen", _("Back"), id="playbook.second_card.back"),
        Binding("f1", "app.help", _("Keys"), id="playbook.second_card.help"),
    ]
    card_operation = playbook.second_card
    history_operation = playbook.second_history
    widget_ids = ("second-top", "second-contacts", "second-history")

    @property
    def no_longer_yours(self) -> str:
        return _("You no longer back up this client.")

    def on_mount(self) -> None:
        self.title = _("Client (read only)")
        self.load()

    def summary(self, card) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(card.abcde_class or "·", style="bold reverse green")
        if card.is_key_client:
            text.append("*", style="bold yellow")
        text.append(" ")
        text.append(card.company.name, style="bold")
        text.append("  " + category_label(card.company.category), style="dim")
        text.append("\n")
        text.append(_("Manager: "), style="dim")
        text.append(card.owner_name)
        text.append("   ")
        text.append(
            _("Orders: {n}, {amount}; last {date}").format(
                n=card.orders_count, amount=show_amount(card.revenue_total), date=show_date(card.last_order_at) or "—"
            )
        )
        text.append("\n")
        text.append(_("Read only: you are this client's second responsible person."), style="italic dim")
        return text
