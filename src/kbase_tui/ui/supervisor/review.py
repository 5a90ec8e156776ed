"""The refusal list (лист отказов): the week's refusals and the supervisor's decisions.

Rows come from the database a page (200) at a time and more load as the cursor nears the
end, so the list opens at once with 100,000 refusals.  Space selects; a decision applies to
the selected rows, or to the row under the cursor when none is selected.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Header, Static

from kbase_tui import timezones
from kbase_tui.formatting import today as business_today
from kbase_tui.i18n import _
from kbase_tui.protocol import clients, refusals
from kbase_tui.protocol.refusals import RefusalFilter, RefusalPage, RefusalRow

from ..base import KbaseScreen
from ..widgets.footer import KeyFooter
from ..widgets.formats import show_date, show_datetime
from ..widgets.table import ListTable
from ..widgets.confirm import ConfirmDialog
from .dialogs import OfferDialog, RefusalFilterDialog, ShelveDialog

PAGE = 200
LOAD_MORE_AT = 30  # rows before the end


def decision_label(decision: str | None) -> str:
    return {
        "special_offer": _("special offer"),
        "shelve": _("shelved"),
        "do_not_call": _("do not call"),
    }.get(decision or "", "")


class RefusalReview(KbaseScreen):
    CSS_PATH = "supervisor.tcss"
    HELP = _(
        "Refusals of the current week (Monday to Sunday) waiting for a decision; red rows are "
        "older than a week and still undecided. Space selects rows; o, s and d decide for the "
        "selected rows, or for the row under the cursor. z corrects the client's time zone (the queue "
        "calls a client only inside the calling window of its own clock)."
    )
    BINDINGS = [
        Binding("space", "toggle", _("Select"), id="supervisor.review.select"),
        Binding("a", "select_all", _("Select all loaded"), show=False, id="supervisor.review.select_all"),
        Binding("o", "offer", _("Special offer"), id="supervisor.review.offer"),
        Binding("s", "shelve", _("Shelve"), id="supervisor.review.shelve"),
        Binding("d", "do_not_call", _("Do not call"), id="supervisor.review.dnc"),
        Binding("z", "time_zone", _("Client's time zone"), show=False, id="supervisor.review.time_zone"),
        Binding("f", "filter", _("Filter"), id="supervisor.review.filter"),
        Binding("w", "this_week", _("This week"), show=False, id="supervisor.review.week"),
        Binding("u", "cycle_status", _("Undecided/decided/all"), show=False, id="supervisor.review.status"),
        Binding("f5", "reload", _("Refresh"), show=False, id="supervisor.review.refresh"),
        Binding("escape", "back", _("Back"), id="supervisor.review.back"),
        Binding("f1", "app.help", _("Keys"), id="supervisor.review.help"),
    ]

    # True while a page is on its way (tests and benchmarks/screens.py wait on it).  A plain
    # attribute, not Textual's `loading`, which would cover the whole screen with a
    # LoadingIndicator and repaint it twice for every page fetched while the supervisor pages
    # down, hiding rows that stay usable meanwhile; the status line says how many are loaded.
    page_loading: bool = False

    def __init__(self, *, today: date | None = None) -> None:
        super().__init__()
        self.filter = RefusalFilter.this_week(today)
        self.rows: dict[int, RefusalRow] = {}
        self.selected: set[int] = set()
        self.next_cursor: tuple[datetime, int] | None = None
        self.page_loading = False
        self.total = 0
        self.generation = 0

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="review-filters")
        yield ListTable(id="review-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="review-status")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.title = _("Refusal review")
        table = self.query_one(DataTable)
        table.add_column("✓", key="sel", width=1)
        for key, label in (("at", _("Refused")), ("company", _("Company")), ("reason", _("Reason")),
                           ("caller", _("Caller")), ("decision", _("Decision")), ("city", _("City")),
                           ("industry", _("Industry")), ("channel", _("Channel"))):
            table.add_column(label, key=key)
        table.focus()
        self.action_reload()

    # --- loading ------------------------------------------------------------------
    def action_reload(self) -> None:
        self.generation += 1
        self.rows.clear()
        self.selected.clear()
        self.next_cursor = None
        self.query_one(DataTable).clear()
        self._show_filters()
        self.page_loading = True
        generation = self.generation
        self.call(refusals.list_refusals, self.filter, limit=PAGE,
                  done=lambda page: self._page(page, generation), failed=self._failed)
        self.call(refusals.count_refusals, self.filter, done=lambda n: self._count(n, generation))

    def _failed(self, error) -> None:
        self.page_loading = False
        self.notify(str(error), severity="error", markup=False)

    def _count(self, total: int, generation: int) -> None:
        if generation == self.generation:
            self.total = total
            self._show_status()

    def _load_more(self) -> None:
        if self.page_loading or self.next_cursor is None:
            return
        self.page_loading = True
        generation = self.generation
        self.call(refusals.list_refusals, self.filter, after=self.next_cursor, limit=PAGE,
                  done=lambda page: self._page(page, generation), failed=self._failed)

    def _page(self, page: RefusalPage, generation: int) -> None:
        if generation != self.generation:
            return
        self.page_loading = False
        new = []
        for row in page.rows:
            if row.id in self.rows:
                continue
            self.rows[row.id] = row
            style = "bold red" if row.overdue else ""
            new.append(((
                Text(" "), Text(show_datetime(row.refused_at), style=style), Text(row.company_name, style=style),
                Text(row.reason_label), Text(row.caller_name), Text(self._decision_text(row)),
                Text(row.city), Text(row.industry), Text(row.channel),
            ), str(row.id)))
        # One append for the page: the rows on screen are not drawn again (ListTable.append_rows).
        self.query_one(ListTable).append_rows(new)
        self.next_cursor = page.next_cursor
        self._show_status()

    @staticmethod
    def _decision_text(row: RefusalRow) -> str:
        if not row.decision:
            return ""
        text = decision_label(row.decision)
        if row.decision == "shelve" and row.shelved_until:
            # The date the supervisor chose: the call centre's, whoever reads it.
            text += " " + show_date(row.shelved_until.astimezone(timezones.centre_zone()).date())
        return text

    def _show_filters(self) -> None:
        f = self.filter
        parts = [
            _("From {start} to {end}").format(start=show_date(f.date_from) or "…", end=show_date(f.date_to) or "…"),
            {"undecided": _("waiting for a decision"), "decided": _("decided"), "all": _("all")}.get(f.status, f.status),
        ]
        for label, value in ((_("reason"), f.reason_code), (_("channel"), f.channel), (_("industry"), f.industry)):
            if value:
                parts.append(f"{label}: {value}")
        if f.caller_id is not None:
            parts.append(_("one caller"))
        self.query_one("#review-filters", Static).update(Text(" · ".join(parts)))

    def _show_status(self) -> None:
        loaded = len(self.rows)
        text = _("{loaded} of {total} shown · {selected} selected").format(
            loaded=loaded, total=self.total, selected=len(self.selected))
        self.query_one("#review-status", Static).update(Text(text))

    @on(DataTable.RowHighlighted, "#review-table")
    def _near_end(self, event: DataTable.RowHighlighted) -> None:
        table = self.query_one(DataTable)
        if event.cursor_row >= table.row_count - LOAD_MORE_AT:
            self._load_more()

    # --- selection ------------------------------------------------------------------
    def _cursor_id(self) -> int | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        return int(key.value) if key and key.value else None

    def action_toggle(self) -> None:
        refusal_id = self._cursor_id()
        if refusal_id is None:
            return
        table = self.query_one(DataTable)
        if refusal_id in self.selected:
            self.selected.discard(refusal_id)
            table.update_cell(str(refusal_id), "sel", Text(" "))
        else:
            self.selected.add(refusal_id)
            table.update_cell(str(refusal_id), "sel", Text("✓", style="bold"))
        if table.cursor_row < table.row_count - 1:
            table.move_cursor(row=table.cursor_row + 1)
        self._show_status()

    def action_select_all(self) -> None:
        table = self.query_one(DataTable)
        everything = set(self.rows)
        clear = self.selected == everything
        self.selected = set() if clear else everything
        for refusal_id in self.rows:
            table.update_cell(str(refusal_id), "sel", Text(" " if clear else "✓", style="bold"))
        self._show_status()

    def _targets(self) -> list[int]:
        if self.selected:
            return sorted(self.selected)
        current = self._cursor_id()
        return [current] if current is not None else []

    # --- decisions ----------------------------------------------------------------
    def action_offer(self) -> None:
        targets = self._targets()
        if not targets:
            return
        self.call(refusals.active_callers, done=lambda callers: self.app.push_screen(
            OfferDialog(len(targets), callers), lambda result: self._offer_chosen(targets, result)))

    def _offer_chosen(self, targets: list[int], result) -> None:
        if not result:
            return
        text, caller_id = result
        self._decide(targets, "special_offer", offer_text=text, offer_user_id=caller_id)

    def action_shelve(self) -> None:
        targets = self._targets()
        if not targets:
            return
        suggestion = business_today() + timedelta(days=90)
        self.app.push_screen(ShelveDialog(len(targets), suggestion),
                             lambda day: day and self._decide(targets, "shelve", shelve_until=day))

    def action_time_zone(self) -> None:
        """Correct the client's zone: the queue calls it only inside the calling window of that clock."""
        from ..widgets.zone_dialog import ZoneDialog

        current = self._cursor_id()
        row = self.rows.get(current) if current is not None else None
        if row is None:
            return

        def done(info) -> None:
            self.notify(_("{company}: time zone {zone}.").format(
                company=info.name, zone=info.time_zone or _("not known, the call centre's")))

        def chosen(name: str | None) -> None:
            if name is not None:
                self.call(clients.set_time_zone, row.company_id, name, done=done)

        self.app.push_screen(ZoneDialog(_("Time zone of {company}").format(company=row.company_name),
                                        _("Guess again from the phones and the city")), chosen)

    def action_do_not_call(self) -> None:
        targets = self._targets()
        if not targets:
            return
        question = _("Never call these {n} companies again?").format(n=len(targets))
        self.app.push_screen(ConfirmDialog(question), lambda yes: yes and self._decide(targets, "do_not_call"))

    def _decide(self, targets: list[int], decision: str, **options) -> None:
        self.call(refusals.decide, targets, decision, **options, done=self._decided)

    def _decided(self, result) -> None:
        message = _("Decided: {n}").format(n=result.decided)
        if result.skipped:
            message += " · " + _("skipped: {n} (moved on to another stage)").format(n=len(result.skipped))
        self.notify(message, markup=False)
        self.action_reload()

    # --- filters ---------------------------------------------------------------------
    def action_filter(self) -> None:
        self.call(refusals.filter_choices, done=lambda choices: self.app.push_screen(
            RefusalFilterDialog(self.filter, choices), self._filtered))

    def _filtered(self, new_filter) -> None:
        if new_filter is not None:
            self.filter = new_filter
            self.action_reload()

    def action_this_week(self) -> None:
        self.filter = RefusalFilter.this_week()
        self.action_reload()

    def action_cycle_status(self) -> None:
        from dataclasses import replace

        order = ["undecided", "decided", "all"]
        self.filter = replace(self.filter, status=order[(order.index(self.filter.status) + 1) % 3])
        self.action_reload()

    def action_back(self) -> None:
        self.app.pop_screen()
