"""The audit log for supervisors and administrators: who had access to a client, and when.

Type part of a company's name (or its INN) and press Enter: every view, change and
hand-over of that client is listed newest first with the user, the time and the SSH
address, and a line above names every user who touched it.  With several matches a
short list asks which one.  Events come from the database a page at a time; their details read as
words in the reader's language (protocol/audit_details.py, shared with `kbase audit show`).
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import DataTable, Header, Input, OptionList, Static
from textual.widgets.option_list import Option

from kbase_tui.i18n import _
from kbase_tui.labels import client_address_label
from kbase_tui.protocol import audit, history_labels
from kbase_tui.protocol.audit import AccessRow, AuditEntry, CompanyMatch, action_label, record_text
from kbase_tui.protocol.audit_details import detail_text

from ..base import KbaseScreen
from ..widgets.footer import KeyFooter
from ..widgets.formats import entries_in_lines, show_datetime
from ..widgets.table import ListTable

PAGE = 100
DETAILS_SHOWN = 160  # characters of an event's details in its row (the CLI prints them whole)


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


class AuditScreen(KbaseScreen):
    CSS_PATH = "audit.tcss"
    HELP = _(
        "Who had access to a client, and when. Type part of the company's name or its INN and press "
        "Enter: every view, change and hand-over of that client is listed with the user, time and "
        "address. The second field narrows the list to one user. Empty fields list every event."
    )
    BINDINGS = [
        Binding("ctrl+f", "search", _("Find a client"), id="audit.search"),
        Binding("ctrl+n", "older", _("Older events"), id="audit.older"),
        Binding("ctrl+b", "newer", _("Newer events"), id="audit.newer"),
        Binding("f5", "reload", _("Refresh"), show=False, id="audit.refresh"),
        Binding("escape", "back", _("Back"), id="audit.back"),
        Binding("f1", "app.help", _("Keys"), id="audit.help"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.company_id: int | None = None
        self.company_name = ""
        self.user = ""
        self.pages: list[int | None] = [None]  # before_id of each page shown so far
        self.last_rows = 0
        # The words of the codes the administrator configures (call results, reasons, stages).
        self.code_labels: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="audit-filters"):
            yield Input(placeholder=_("Client: part of the name or INN, Enter"), id="audit-client", max_length=200)
            yield Input(placeholder=_("User name (optional)"), id="audit-user", max_length=64)
        yield OptionList(id="audit-matches")
        yield Static("", id="audit-summary")
        table: DataTable = ListTable(id="audit-table", cursor_type="row", zebra_stripes=True)
        yield table
        # The highlighted event whole: at 80 columns its details are past the table's right edge.
        yield Static("", id="audit-event")
        yield Static("", id="audit-status")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.title = _("Audit log")
        table = self.query_one(DataTable)
        table.add_column(_("When"), key="at")
        table.add_column(_("User"), key="user")
        table.add_column(_("Address"), key="address")
        table.add_column(_("Action"), key="action")
        table.add_column(_("Client / record"), key="target")
        table.add_column(_("Details"), key="details")
        self.query_one("#audit-matches").display = False
        self.query_one("#audit-client", Input).focus()
        self._load_labels()
        self._load()

    def _load_labels(self, attempt: int = 1) -> None:
        self.call(
            history_labels.outcome_labels,
            done=self._labels_loaded,
            failed=lambda error: self._labels_failed(error, attempt),
            group="audit-labels",
        )

    def _labels_failed(self, error, attempt: int) -> None:
        """Without them the details show the administrator's codes ("interested"): asked again after the wait
        the server asks for, a few times; then the screen says so."""
        if attempt < 4:
            self.set_timer(float(getattr(error, "seconds", 0) or attempt), lambda: self._load_labels(attempt + 1))
        else:
            self.notify(
                _("The words of call results and reasons could not be loaded: the details show their codes."),
                severity="warning",
                timeout=8,
            )

    def _labels_loaded(self, labels: dict[str, str]) -> None:
        self.code_labels = dict(labels)
        # Only the details change: the rows, and the cursor of someone already reading, stay where they are.
        table = self.query_one(DataTable)
        for row in getattr(self, "_rows", None) or []:
            details = Text(_clip(detail_text(row.action, row.detail, self.code_labels, row.text_keys), DETAILS_SHOWN))
            table.update_cell(str(row.id), "details", details)
        self._show_event(table.cursor_row if table.row_count else None)

    @on(DataTable.RowHighlighted, "#audit-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        # By the row's key: a highlight sent before a page change must not name an event of the new page.
        shown = {str(row.id): n for n, row in enumerate(getattr(self, "_rows", None) or [])}
        index = shown.get(str(event.row_key.value))
        if index is not None:
            self._show_event(index)

    def _show_event(self, index: int | None) -> None:
        rows = getattr(self, "_rows", None) or []
        text = Text(no_wrap=False, overflow="fold")
        if index is not None and 0 <= index < len(rows):
            row = rows[index]
            text.append(action_label(row.action), style="bold")
            target = row.company_name or record_text(row.entity, row.entity_id)
            if target:
                text.append(" · ")
                text.append(target)
            details = detail_text(row.action, row.detail, self.code_labels, row.text_keys)
            if details:
                text.append("\n")
                text.append(details, style="dim")
        self.query_one("#audit-event", Static).update(text)

    # --- searching ----------------------------------------------------------------
    def action_search(self) -> None:
        self.query_one("#audit-client", Input).focus()

    @on(Input.Submitted)
    def _submitted(self, _event: Input.Submitted) -> None:
        text = self.query_one("#audit-client", Input).value.strip()
        self.user = self.query_one("#audit-user", Input).value.strip()
        if not text:
            self.forget_calls(group="audit-find")  # every client: a company still being found must not be chosen
            self._choose(None, "")
            return
        self.call(audit.find_companies, text, done=self._matches, group="audit-find", exclusive=True)

    def _matches(self, matches: list[CompanyMatch]) -> None:
        options = self.query_one("#audit-matches", OptionList)
        options.clear_options()
        if not matches:
            options.display = False
            self._status_entries = None  # a resize must not bring the page's line back over this answer
            self.query_one("#audit-status", Static).update(Text(_("No company matches.")))
            return
        if len(matches) == 1:
            options.display = False
            self._choose(matches[0].id, matches[0].name)
            return
        for match in matches:
            label = Text(match.name)
            label.append(f"  {match.city}", style="dim")
            if match.inn:
                label.append(f"  {match.inn}", style="dim")
            options.add_option(Option(label, id=str(match.id)))
        options.display = True
        options.highlighted = 0
        options.focus()
        self._status_entries = None
        self.query_one("#audit-status", Static).update(
            Text(_("{n} companies match: pick one with Enter.").format(n=len(matches)))
        )
        self._names = {str(m.id): m.name for m in matches}

    @on(OptionList.OptionSelected, "#audit-matches")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        option_id = event.option.id or ""
        event.option_list.display = False
        self._choose(int(option_id), getattr(self, "_names", {}).get(option_id, ""))

    def _choose(self, company_id: int | None, name: str) -> None:
        self.company_id, self.company_name = company_id, name
        self.pages = [None]
        self._load()
        self.query_one(DataTable).focus()

    # --- loading ------------------------------------------------------------------
    def action_reload(self) -> None:
        self._load()

    def _load(self) -> None:
        before_id = self.pages[-1]
        self.call(
            audit.events,
            user=self.user or None,
            company_id=self.company_id,
            before_id=before_id,
            limit=PAGE,
            done=self._show,
            group="audit-load",
            exclusive=True,
        )
        summary = self.query_one("#audit-summary", Static)
        if self.company_id is not None:
            self.call(audit.access_summary, self.company_id, done=self._summary, group="audit-summary", exclusive=True)
        else:
            self.forget_calls(group="audit-summary")
            summary.update("")

    def _summary(self, rows: list[AccessRow]) -> None:
        text = Text()
        text.append(_("Had access to this client:"), style="bold")
        text.append(" ")
        text.append(self.company_name)
        text.append(" — ")
        if not rows:
            text.append(_("nobody yet"))
        for index, (user, full_name, count, first, last) in enumerate(rows):
            if index:
                text.append("; ")
            text.append(full_name or user)
            text.append(" ")
            text.append(
                _("{n} events, {first} – {last}").format(n=count, first=show_datetime(first), last=show_datetime(last)),
                style="dim",
            )
        self.query_one("#audit-summary", Static).update(text)

    def _show(self, rows: list[AuditEntry]) -> None:
        table = self.query_one(DataTable)
        table.clear()
        for row in rows:
            who = Text(row.actor)
            if row.actor_name and row.actor_name != row.actor:
                who.append(f" ({row.actor_name})", style="dim")
            target = row.company_name or record_text(row.entity, row.entity_id)
            table.add_row(
                Text(show_datetime(row.at)),
                who,
                Text(client_address_label(row.client_address)),
                Text(action_label(row.action)),
                Text(target[:80]),
                Text(_clip(detail_text(row.action, row.detail, self.code_labels, row.text_keys), DETAILS_SHOWN)),
                key=str(row.id),
            )
        self.last_rows = len(rows)
        self._rows = rows
        self._show_event(table.cursor_row if rows else None)
        page = len(self.pages)
        scope = self.company_name or _("all clients and users")
        # The keys before the scope, and a new line only between the parts: at 80 columns the line was cut
        # inside "Ctrl+B newer" (the footer has no room for that key there).
        entries = [
            Text(_("Page {page}: {n} events").format(page=page, n=len(rows))),
            Text(_("Ctrl+N older, Ctrl+B newer")),
            Text(scope[:60]),
        ]
        self._status_entries = entries
        self._show_status()

    def _show_status(self) -> None:
        entries = getattr(self, "_status_entries", None)
        if entries:
            # The screen's width less the line's padding: the line's own width is stale during a resize.
            self.query_one("#audit-status", Static).update(
                entries_in_lines(entries, Text(" · "), max(20, self.size.width - 2))
            )

    def on_resize(self) -> None:
        self._show_status()

    def action_older(self) -> None:
        if self.last_rows < PAGE or not getattr(self, "_rows", None):
            self.notify(_("No older events."))
            return
        self.pages.append(self._rows[-1].id)
        self._load()

    def action_newer(self) -> None:
        if len(self.pages) <= 1:
            self.notify(_("This is the newest page."))
            return
        self.pages.pop()
        self._load()

    def action_back(self) -> None:
        matches = self.query_one("#audit-matches", OptionList)
        if matches.display:
            matches.display = False
            self.query_one("#audit-client", Input).focus()
            return
        self.app.pop_screen()
