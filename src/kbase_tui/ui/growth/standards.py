"""The standards of client development: the ideal client of each segment (a channel or an industry) — the
categories such a client buys, how often, and the average order.  The head of sales sets them; the white
spots of every card and portfolio are measured against them.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Header, Input, Label, Select, SelectionList, Static, TextArea

from kbase_tui.i18n import _
from kbase_tui.protocol import catalog, growth

from ..base import KbaseScreen
from ..widgets.confirm import ConfirmDialog
from ..widgets.footer import KeyFooter
from ..widgets.form_dialog import DialogBody, ErrorLine, FormDialog
from ..widgets.formats import parse_amount, show_amount
from ..widgets.table import ListTable
from .labels import money, segment_kind_label


class StandardDialog(FormDialog):
    CSS_PATH = "growth.tcss"
    COMPACT = True

    def __init__(self, standard=None) -> None:
        super().__init__()
        self.standard = standard

    def compose(self) -> ComposeResult:
        s = self.standard
        with DialogBody():
            yield Static(Text(_("The ideal client of a segment")), classes="dialog-title")
            yield Label(_("Segment: a channel or an industry"))
            yield Select(
                [(segment_kind_label(k), k) for k in ("channel", "industry")],
                value=s.segment_kind if s else "channel",
                allow_blank=False,
                id="standard-kind",
            )
            yield Select([], prompt=_("Choose the segment"), id="standard-segment")
            yield Label(_("Categories such a client buys (Space marks)"))
            yield SelectionList(id="standard-categories")
            yield Label(_("An order every … days"))
            yield Input(str(s.interval_days) if s else "30", id="standard-interval", type="integer", max_length=4)
            yield Label(_("Average order"))
            yield Input(show_amount(s.average_order) if s else "", id="standard-average", max_length=20)
            yield Label(_("Note (how to offer, what matters to such a client)"))
            yield TextArea(s.note if s else "", id="standard-note")
            yield ErrorLine()
            yield Static(Text(_("Ctrl+S saves, Esc cancels.")), classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#standard-kind", Select).focus()
        self.query_one("#standard-note", TextArea).styles.height = 3
        self.call(catalog.categories, done=self._categories)
        self._segments(self.query_one("#standard-kind", Select).value)

    def _categories(self, found) -> None:
        chosen = set(self.standard.category_ids) if self.standard else set()
        options = self.query_one(SelectionList)
        for c in found:
            options.add_option((c.name, c.id, c.id in chosen))

    @on(Select.Changed, "#standard-kind")
    def _kind(self, event: Select.Changed) -> None:
        self._segments(event.value)

    def _segments(self, kind) -> None:
        def show(found) -> None:
            values = list(found)
            current = self.standard.segment if self.standard and self.standard.segment_kind == kind else None
            if current and current not in values:
                values.insert(0, current)
            select = self.query_one("#standard-segment", Select)
            select.set_options([(Text(v), v) for v in values])
            if current:
                select.value = current

        self.call(growth.segments, kind, done=show, group="segments", exclusive=True)

    def action_save(self) -> None:
        segment = self.query_one("#standard-segment", Select).value
        if not isinstance(segment, str):
            self.show_error(_("Choose the segment."))
            return
        try:
            interval = int(self.query_one("#standard-interval", Input).value or 0)
            average = parse_amount(self.query_one("#standard-average", Input).value)
        except ValueError as error:
            self.show_error(str(error))
            return
        self.save_with(
            growth.save_standard,
            self.query_one("#standard-kind", Select).value,
            segment,
            interval,
            average,
            list(self.query_one(SelectionList).selected),
            note=self.query_one("#standard-note", TextArea).text,
            standard_id=self.standard.id if self.standard else None,
        )


class StandardsScreen(KbaseScreen):
    CSS_PATH = "growth.tcss"
    HELP = _(
        "The ideal client of each segment: the categories it buys, an order every so many days, the average order. "
        "A client follows its industry's standard, else its channel's. n adds one, e (or Enter) changes the "
        "highlighted one, x deletes it. Esc goes back."
    )
    BINDINGS = [
        Binding("n", "new", _("New standard"), id="growth.standards.new"),
        Binding("e", "edit", _("Change"), id="growth.standards.edit"),
        Binding("x", "delete", _("Delete"), id="growth.standards.delete"),
        Binding("escape", "back", _("Back"), id="growth.standards.back"),
        Binding("f1", "app.help", _("Keys"), id="growth.standards.help"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield ListTable(id="standards-table", cursor_type="row", zebra_stripes=True)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.title = _("Standards of client development")
        table = self.query_one(ListTable)
        table.add_column(_("Segment"), width=28, key="segment")
        table.add_column(_("Every"), width=6, key="interval")
        table.add_column(_("Avg order"), width=10, key="average")
        table.add_column(_("Categories"), width=16, key="categories")
        # The categories take what the others leave, never more (the table stays as wide as the screen), and
        # wrap onto more lines rather than being cut.
        table.fit_columns(lambda width: {"categories": max(16, width - 54)})
        table.focus()
        self.reload()

    def reload(self) -> None:
        self.call(growth.standards, done=self._show, group="standards", exclusive=True)

    def _show(self, found) -> None:
        self.rows = list(found)
        table = self.query_one(ListTable)
        table.clear()
        for s in self.rows:
            table.add_row(
                Text(f"{segment_kind_label(s.segment_kind)}: {s.segment}"),
                Text(_("{n} d.").format(n=s.interval_days), justify="right", no_wrap=True),
                Text(money(s.average_order), justify="right", no_wrap=True),
                Text(", ".join(s.category_names)),
                key=str(s.id),
                height=None,  # as tall as its wrapped categories (or segment)
            )

    @property
    def selected(self):
        index = self.query_one(DataTable).cursor_row
        return self.rows[index] if 0 <= index < len(self.rows) else None

    def _saved(self, result) -> None:
        if result is not None:
            self.reload()

    def action_new(self) -> None:
        self.app.push_screen(StandardDialog(), self._saved)

    @on(DataTable.RowSelected)
    def action_edit(self) -> None:
        if self.selected is not None:
            self.app.push_screen(StandardDialog(self.selected), self._saved)

    def action_delete(self) -> None:
        s = self.selected
        if s is None:
            return
        self.app.push_screen(
            ConfirmDialog(_("Delete the standard of {segment}?").format(segment=s.segment)),
            lambda yes: yes and self.call(growth.delete_standard, s.id, done=lambda _r: self.reload()),
        )

    def action_back(self) -> None:
        self.app.pop_screen()
