"""Search the whole base: by name (case, ё and the legal form do not matter), INN, phone, and filters.

Type in the search line and press Enter; the list shows the first page in the order of the name
and loads more as the cursor nears its end.  Enter on a row opens the company's full card.
Every search is audited on the server.
"""

from __future__ import annotations

from dataclasses import replace

from rich.cells import cell_len
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Header, Input, Label, Select, Static

from kbase_tui.i18n import _
from kbase_tui.labels import base_flag_labels as flag_labels
from kbase_tui.labels import category_label, role_label, stage_label
from kbase_tui.protocol import companies
from kbase_tui.protocol.companies import BasePage, BaseQuery, BaseRow, SearchChoices

from ..base import KbaseScreen
from ..widgets.footer import KeyFooter
from ..widgets.form_dialog import DialogBody, ErrorLine, FormDialog
from ..widgets.table import ListTable

PAGE = 100
LOAD_MORE_AT = 20
NAME_WIDTH = 28
# Widths of the columns after the name, with DataTable's two cells of padding each.
COLUMN_WIDTHS = {"city": 14, "stage": 15, "marks": 14, "owner": 16, "category": 19, "inn": 12, "phone": 16}
OTHER_COLUMNS = sum(COLUMN_WIDTHS.values()) + 2 * (len(COLUMN_WIDTHS) + 1) + 2


def _readable(e164: str) -> str:
    """'+74951234567' -> '+7 495 123-45-67'; phonenumbers' tables load with the first page, not with the screen."""
    from kbase_tui.phones import readable

    return readable(e164)


def clip(text: str, width: int) -> str:
    """*text* cut to *width* terminal cells with an ellipsis, so one long value never pushes columns away."""
    text = " ".join(text.split())  # a line break in a name would make the row two lines high
    if cell_len(text) <= width:
        return text
    out, used = [], 0
    for char in text:
        size = cell_len(char)
        if used + size > width - 1:
            break
        out.append(char)
        used += size
    return "".join(out) + "…"


def row_marks(row: BaseRow) -> str:
    marks = []
    if row.needs_data_fix:
        marks.append(_("fix"))
    if row.unreachable:
        marks.append(_("unreachable"))
    if row.in_queue:
        marks.append(_("queue"))
    return ", ".join(marks)


class BaseFilterDialog(FormDialog):
    """City, channel, stage, category, owner and one mark: every field optional."""

    COMPACT = True

    def __init__(self, current: BaseQuery, choices: SearchChoices) -> None:
        super().__init__()
        self.current = current
        self.choices = choices

    def compose(self) -> ComposeResult:
        c = self.current
        with DialogBody():
            yield Static(Text(_("Filter the base")), classes="dialog-title")
            yield Label(_("City (part of the name)"))
            yield Input(c.city, id="bflt-city")
            yield Label(_("Channel"))
            yield Select(
                [(Text(v), v) for v in self.choices.channels],
                prompt=_("Any channel"),
                value=c.channel or Select.NULL,
                id="bflt-channel",
            )
            yield Label(_("Stage"))
            yield Select(
                [(stage_label(s), s) for s in ("cold", "pipeline", "account")],
                prompt=_("Any stage"),
                value=c.stage or Select.NULL,
                id="bflt-stage",
            )
            yield Label(_("Category"))
            yield Select(
                [(category_label(k), k) for k in ("potential", "active", "lost", "refused", "do_not_call")],
                prompt=_("Any category"),
                value=c.category or Select.NULL,
                id="bflt-category",
            )
            yield Label(_("Owner"))
            yield Select(
                [(Text(f"{p.name} · {role_label(p.role)}"), p.id) for p in self.choices.owners],
                prompt=_("Anyone"),
                value=c.owner_id if c.owner_id is not None else Select.NULL,
                id="bflt-owner",
            )
            yield Label(_("Mark"))
            yield Select(
                [(label, code) for code, label in flag_labels().items()],
                prompt=_("Any"),
                value=c.flag or Select.NULL,
                id="bflt-flag",
            )
            yield ErrorLine()
            yield Static(Text(_("Ctrl+S applies, Esc cancels.")), classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#bflt-city", Input).focus()

    def on_input_submitted(self, _event: Input.Submitted) -> None:
        self.action_save()

    def action_save(self) -> None:
        def value(selector: str):
            v = self.query_one(selector, Select).value
            return None if v is Select.NULL else v

        self.dismiss(
            replace(
                self.current,
                city=self.query_one("#bflt-city", Input).value.strip(),
                channel=value("#bflt-channel") or "",
                stage=value("#bflt-stage") or "",
                category=value("#bflt-category") or "",
                owner_id=value("#bflt-owner"),
                flag=value("#bflt-flag") or "",
            )
        )


class BaseSearchScreen(KbaseScreen):
    CSS_PATH = "base_search.tcss"
    HELP = _(
        "The whole base. Type part of the name (case, ё and ООО/ИП do not matter), an INN or phone digits "
        "and press Enter. f filters by city, channel, stage, category, owner or mark; Enter on a row opens "
        "the company's card; / goes back to the search line. Every search is written to the audit log."
    )
    BINDINGS = [
        Binding("slash", "focus_search", _("Search"), id="supervisor.base.search"),
        Binding("f", "filter", _("Filter"), id="supervisor.base.filter"),
        Binding("x", "clear_filters", _("Clear filters"), show=False, id="supervisor.base.clear"),
        Binding("f5", "reload", _("Refresh"), show=False, id="supervisor.base.refresh"),
        Binding("escape", "back", _("Back"), id="supervisor.base.back"),
        Binding("f1", "app.help", _("Keys"), id="supervisor.base.help"),
    ]

    page_loading: bool = False
    # Never held behind a search: help and quit, and the keys that start another one (the search line, the filter,
    # clearing it, a refresh): a person may change their mind while a search is on its way.  Their Russian-layout
    # letters (а, ч) wait: they are as likely the next word, typed into the search line when nothing is found.
    keys_past_the_gate = ("f1", "ctrl+q", "slash", "f", "x", "f5")

    @property
    def keys_wait(self) -> bool:
        """Keys typed on the list while its first page is on its way wait for it: "сталь⏎↓⏎" opens the second
        hit instead of the arrow and Enter acting on an empty list.  When nothing is found the focus goes back
        to the search line, and they are typed there.  Keys typed in the search line never wait."""
        try:
            focused = self.app.focused
        except Exception:
            return False
        return self.page_loading and not self.rows and isinstance(focused, ListTable)

    def __init__(self, query: BaseQuery | None = None) -> None:
        super().__init__()
        self.query_data = query or BaseQuery()
        self.rows: dict[int, BaseRow] = {}
        self.next_cursor: tuple[str, int] | None = None
        self.generation = 0
        self.page_loading = False
        self._keep_cursor: int | None = None
        self.name_width = NAME_WIDTH

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(self.query_data.text, placeholder=_("Name, INN or phone — Enter searches"), id="base-query")
        yield Static("", id="base-filters")
        yield ListTable(id="base-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="base-status")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.title = _("Search the base")
        table = self.query_one(ListTable)
        # The name takes what the other columns leave (at least NAME_WIDTH); the rest keep their width.
        self.name_width = max(NAME_WIDTH, min(60, self.app.size.width - OTHER_COLUMNS))
        table.add_column(_("Company"), key="name", width=self.name_width)
        for key, label, width in self.columns():
            table.add_column(label, key=key, width=width)
        self.query_one("#base-query", Input).focus()
        self.action_reload()

    @staticmethod
    def columns() -> list[tuple[str, str, int]]:
        labels = {
            "city": _("City"),
            "stage": _("Stage"),
            "marks": _("Marks"),
            "owner": _("Owner"),
            "category": _("Category"),
            "inn": _("INN"),
            "phone": _("Phone"),
        }
        return [(key, labels[key], width) for key, width in COLUMN_WIDTHS.items()]

    # --- searching ----------------------------------------------------------------------
    @on(Input.Submitted, "#base-query")
    def _submitted(self, event: Input.Submitted) -> None:
        self.query_data = replace(self.query_data, text=event.value.strip())
        self.action_reload()
        self.query_one(ListTable).focus()

    def action_reload(self) -> None:
        self.generation += 1
        self.rows.clear()
        self.next_cursor = None
        self.query_one(ListTable).clear()
        self._show_filters()
        self.page_loading = True
        self._show_status()
        generation = self.generation
        self.call(
            companies.search,
            self.query_data,
            limit=PAGE,
            done=lambda page: self._page(page, generation),
            failed=self._failed,
            group="base-search",
            exclusive=True,
        )

    def _failed(self, error) -> None:
        self.page_loading = False
        self._show_status()
        self._back_to_the_search_line()
        self.notify(str(error), severity="error", markup=False)

    def _load_more(self) -> None:
        if self.page_loading or self.next_cursor is None:
            return
        self.page_loading = True
        generation = self.generation
        self.call(
            companies.search,
            self.query_data,
            after=self.next_cursor,
            limit=PAGE,
            done=lambda page: self._page(page, generation),
            failed=self._failed,
            group="base-search",
            exclusive=True,
        )

    def _page(self, page: BasePage, generation: int) -> None:
        if generation != self.generation:
            return
        self.page_loading = False
        new = []
        for row in page.rows:
            if row.id in self.rows:
                continue
            self.rows[row.id] = row
            marks = row_marks(row)
            cells = {
                "city": Text(row.city),
                "stage": Text(stage_label(row.stage)),
                "marks": Text(marks, style="bold red" if row.needs_data_fix else ""),
                "owner": Text(row.owner_name),
                "category": Text(category_label(row.category)),
                "inn": Text(row.inn or ""),
                "phone": Text(_readable(row.phone) if row.phone else ""),  # as the card writes it
            }
            for key, width in COLUMN_WIDTHS.items():
                cells[key].plain = clip(cells[key].plain, width)
            new.append(((Text(clip(row.name, self.name_width)), *cells.values()), str(row.id)))
        table = self.query_one(ListTable)
        table.append_rows(new)
        if self._keep_cursor is not None:
            table.move_cursor(row=min(self._keep_cursor, max(table.row_count - 1, 0)))
            self._keep_cursor = None
        self.next_cursor = page.next_cursor
        self._show_status()
        if not self.rows:
            self._back_to_the_search_line()

    def _back_to_the_search_line(self) -> None:
        # Enter sends the focus to the list; when the answer leaves it empty, the letters typed next are the next
        # word, not the list's keys ("сталь" lost "ст" and its "а", the f key, opened the filter).  Keys typed on
        # the list meanwhile waited for the answer (`keys_wait`): they are typed there now.
        table = self.query_one(ListTable)
        if self.app.focused is table and table.row_count == 0:
            self.query_one("#base-query", Input).focus()

    def _show_filters(self) -> None:
        q = self.query_data
        parts = []
        if q.city:
            parts.append(_("city: {v}").format(v=q.city))
        if q.channel:
            parts.append(_("channel: {v}").format(v=q.channel))
        if q.stage:
            parts.append(_("stage: {v}").format(v=stage_label(q.stage)))
        if q.category:
            parts.append(_("category: {v}").format(v=category_label(q.category)))
        if q.owner_id is not None:
            parts.append(_("one owner"))
        if q.flag:
            parts.append(flag_labels().get(q.flag, q.flag))
        text = " · ".join(parts) if parts else _("No filters (f sets them)")
        self.query_one("#base-filters", Static).update(Text(text))

    def _show_status(self) -> None:
        loaded = len(self.rows)
        if self.page_loading and not loaded:
            text = _("Searching…")
        elif not loaded:
            text = _("No company matches.")
        elif self.next_cursor is not None:
            text = _("{n} shown, more below (they load as you scroll)").format(n=loaded)
        else:
            text = _("{n} found").format(n=loaded)
        self.query_one("#base-status", Static).update(Text(text))

    @on(DataTable.RowHighlighted, "#base-table")
    def _near_end(self, event: DataTable.RowHighlighted) -> None:
        table = self.query_one(ListTable)
        if event.cursor_row >= table.row_count - LOAD_MORE_AT:
            self._load_more()

    @on(DataTable.RowSelected, "#base-table")
    def _open(self, event: DataTable.RowSelected) -> None:
        if event.row_key is None or event.row_key.value is None:
            return
        from .company_card import SupervisorCardScreen

        self.app.push_screen(SupervisorCardScreen(int(event.row_key.value)), self._card_closed)

    def _card_closed(self, changed: bool | None) -> None:
        # What the card changed (name, stage, marks) shows in the list at once; the cursor stays put.
        if changed:
            self._keep_cursor = self.query_one(ListTable).cursor_row
            self.action_reload()

    # --- keys -------------------------------------------------------------------------------
    def action_focus_search(self) -> None:
        # / starts another search: the last one's words are selected, so what is typed replaces them (an arrow or
        # End keeps them).  Left unselected, "/спецлитьё⏎" searched for the old words and the new glued together.
        box = self.query_one("#base-query", Input)
        box.select_all()  # now, not after a refresh: a key typed right behind the / would be selected and lost
        box.focus()

    def action_filter(self) -> None:
        self.call(
            companies.choices,
            done=lambda choices: self.app.push_screen(BaseFilterDialog(self.query_data, choices), self._filtered),
            holds_keys=True,  # what is typed after f goes into the dialog it opens
        )

    def _filtered(self, query: BaseQuery | None) -> None:
        if query is not None:
            self.query_data = replace(query, text=self.query_one("#base-query", Input).value.strip())
            self.action_reload()
            self.query_one(ListTable).focus()

    def action_clear_filters(self) -> None:
        self.query_data = BaseQuery(text=self.query_data.text)
        self.action_reload()

    def action_back(self) -> None:
        self.app.pop_screen()


class BadDataScreen(BaseSearchScreen):
    """The base search opened on the companies callers marked "bad data": fix each from its card (e, then q)."""

    def __init__(self) -> None:
        super().__init__(BaseQuery(flag="needs_fix"))
