"""The refusal list (лист отказов): every undecided refusal and the supervisor's decisions.

It opens on all refusals waiting for a decision, newest first, so this week's come first and
older ones follow, marked.  Rows come from the database a page (200) at a time and more load as
the cursor nears the end, so the list opens at once with 100,000 refusals.  The pane below shows
the caller's comment and the company's last calls for the row under the cursor; Enter opens the
company's whole card.  Space selects; a decision applies to the selected rows, or to the row
under the cursor when none is selected.  Columns have fixed widths and long names end in an
ellipsis, so one long name never pushes the reason, caller and decision off screen.
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
from kbase_tui.formatting import zone_city
from kbase_tui.i18n import _
from kbase_tui.labels import refusal_decision_label as decision_label
from kbase_tui.protocol import clients, refusals
from kbase_tui.protocol.refusals import RefusalDetail, RefusalFilter, RefusalPage, RefusalRow

from ..base import KbaseScreen, ignore_refusals
from ..widgets.confirm import ConfirmDialog
from ..widgets.footer import KeyFooter
from ..widgets.formats import show_date, show_datetime
from ..widgets.table import ListTable
from .base_search import clip
from .dialogs import OfferDialog, RefusalFilterDialog, ShelveDialog

PAGE = 200
LOAD_MORE_AT = 30  # rows before the end
DETAIL_DELAY = 0.25  # seconds the cursor rests on a row before its calls are fetched
# Fixed column widths: the widest value is cut with an ellipsis instead of widening its column.
COLUMN_WIDTHS = {
    "at": 18,  # "! " and the date and time of a refusal older than a week
    "company": 31,
    "reason": 20,
    "caller": 16,
    "decision": 16,
    "city": 14,
    "industry": 16,
    "channel": 12,
}
OVERDUE_MARK = "! "


class RefusalReview(KbaseScreen):
    CSS_PATH = "supervisor.tcss"
    HELP = _(
        "Every refusal waiting for a decision, newest first: this week's come first; red rows marked ! are "
        "older than a week and still undecided. The pane below shows the caller's comment and the last calls; "
        "Enter opens the company's card. Space selects rows; o, s and d decide for the selected rows, or for "
        "the row under the cursor. w shows this week only, u switches undecided/decided/all. z corrects the "
        "client's time zone (the queue calls a client only inside the calling window of its own clock)."
    )
    BINDINGS = [
        Binding("space", "toggle", _("Select"), id="supervisor.review.select"),
        Binding("enter", "open_card", _("Card"), id="supervisor.review.card"),
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
        # All undecided, whatever their week: the older ones are the ones most at risk of being forgotten.
        self.filter = RefusalFilter(status="undecided")
        self.today = today
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
        yield Static("", id="review-detail")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.title = _("Refusal review")
        table = self.query_one(DataTable)
        table.add_column("✓", key="sel", width=1)
        for key, label in (
            ("at", _("Refused")),
            ("company", _("Company")),
            ("reason", _("Reason")),
            ("caller", _("Caller")),
            ("decision", _("Decision")),
            ("city", _("City")),
            ("industry", _("Industry")),
            ("channel", _("Channel")),
        ):
            table.add_column(label, key=key, width=COLUMN_WIDTHS[key])
        self.detail_timer = None
        self.detail_generation = 0
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
        self.call(
            refusals.list_refusals,
            self.filter,
            limit=PAGE,
            done=lambda page: self._page(page, generation),
            failed=self._failed,
        )
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
        self.call(
            refusals.list_refusals,
            self.filter,
            after=self.next_cursor,
            limit=PAGE,
            done=lambda page: self._page(page, generation),
            failed=self._failed,
        )

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
            w = COLUMN_WIDTHS
            at = (OVERDUE_MARK if row.overdue else "") + show_datetime(row.refused_at)
            new.append(
                (
                    (
                        Text(" "),
                        Text(clip(at, w["at"]), style=style),
                        Text(clip(row.company_name, w["company"]), style=style),
                        Text(clip(row.reason_label, w["reason"])),
                        Text(clip(row.caller_name, w["caller"])),
                        Text(clip(self._decision_text(row), w["decision"])),
                        Text(clip(row.city, w["city"])),
                        Text(clip(row.industry, w["industry"])),
                        Text(clip(row.channel, w["channel"])),
                    ),
                    str(row.id),
                )
            )
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
        if f.date_from is None and f.date_to is None:
            period = _("any date, this week's first")
        else:
            period = _("From {start} to {end}").format(
                start=show_date(f.date_from) or "…", end=show_date(f.date_to) or "…"
            )
        parts = [
            period,
            {"undecided": _("waiting for a decision"), "decided": _("decided"), "all": _("all")}.get(
                f.status, f.status
            ),
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
            loaded=loaded, total=self.total, selected=len(self.selected)
        )
        self.query_one("#review-status", Static).update(Text(text))

    @on(DataTable.RowHighlighted, "#review-table")
    def _near_end(self, event: DataTable.RowHighlighted) -> None:
        table = self.query_one(DataTable)
        if event.cursor_row >= table.row_count - LOAD_MORE_AT:
            self._load_more()
        self._schedule_detail()

    # --- the detail pane: comment and last calls of the row under the cursor -----------------
    def _schedule_detail(self) -> None:
        # Only once the cursor rests: paging through a list must not fetch (and audit) every row passed.
        if self.detail_timer is not None:
            self.detail_timer.stop()
        self.detail_generation += 1
        refusal_id = self._cursor_id()
        row = self.rows.get(refusal_id) if refusal_id is not None else None
        pane = self.query_one("#review-detail", Static)
        if row is None:
            pane.update("")
            return
        pane.update(self._detail_text(row, None))
        generation = self.detail_generation
        self.detail_timer = self.set_timer(DETAIL_DELAY, lambda: self._fetch_detail(row.id, generation))

    def _fetch_detail(self, refusal_id: int, generation: int) -> None:
        if generation != self.detail_generation:
            return
        self.call(
            refusals.detail,
            refusal_id,
            group="review-detail",
            exclusive=True,
            done=lambda detail: self._show_detail(detail, generation),
            failed=ignore_refusals,
        )

    def _show_detail(self, detail: RefusalDetail, generation: int) -> None:
        row = self.rows.get(detail.refusal_id)
        if generation != self.detail_generation or row is None:
            return
        self.query_one("#review-detail", Static).update(self._detail_text(row, detail))

    @staticmethod
    def _detail_text(row: RefusalRow, detail: RefusalDetail | None) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(row.company_name, style="bold")
        if detail is not None and detail.phones:
            text.append("  " + ", ".join(readable(p) for p in detail.phones))
        text.append("\n")
        text.append(_("Comment: "), style="dim")
        comment = " ".join(row.comment.split())
        text.append(comment or _("(none)"), style="" if comment else "dim")
        text.append("\n")
        if detail is None:
            text.append(_("Last calls: loading…"), style="dim")
            return text
        if not detail.calls:
            text.append(_("No calls recorded."), style="dim")
        for n, call in enumerate(detail.calls):
            if n:
                text.append("\n")
            text.append(show_datetime(call.at), style="bold")
            text.append(f"  {call.outcome}", style="italic")
            if call.caller_name:
                text.append(f"  · {call.caller_name}")
            note = " ".join(call.text.split())
            if note:
                text.append(f"  {note}")
        return text

    @on(DataTable.RowSelected, "#review-table")
    def _row_selected(self, _event: DataTable.RowSelected) -> None:
        self.action_open_card()  # the table takes Enter itself

    def action_open_card(self) -> None:
        refusal_id = self._cursor_id()
        row = self.rows.get(refusal_id) if refusal_id is not None else None
        if row is None:
            return
        from .company_card import SupervisorCardScreen

        self.app.push_screen(SupervisorCardScreen(row.company_id), lambda changed: changed and self.action_reload())

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
        self.call(
            refusals.active_callers,
            done=lambda callers: self.app.push_screen(
                OfferDialog(len(targets), callers), lambda result: self._offer_chosen(targets, result)
            ),
            holds_keys=True,
        )

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
        self.app.push_screen(
            ShelveDialog(len(targets), suggestion),
            lambda day: day and self._decide(targets, "shelve", shelve_until=day),
        )

    def action_time_zone(self) -> None:
        """Correct the client's zone: the queue calls it only inside the calling window of that clock."""
        from ..widgets.zone_dialog import ZoneDialog

        current = self._cursor_id()
        row = self.rows.get(current) if current is not None else None
        if row is None:
            return

        def done(info) -> None:
            self.notify(
                _("{company}: time zone {zone}.").format(
                    company=info.name, zone=zone_city(info.time_zone) or _("not known, the call centre's")
                )
            )

        def chosen(name: str | None) -> None:
            if name is not None:
                self.call(clients.set_time_zone, row.company_id, name, done=done)

        self.app.push_screen(
            ZoneDialog(
                _("Time zone of {company}").format(company=row.company_name),
                _("Guess again from the phones and the city"),
            ),
            chosen,
        )

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
        self.call(
            refusals.filter_choices,
            done=lambda choices: self.app.push_screen(RefusalFilterDialog(self.filter, choices), self._filtered),
            holds_keys=True,  # what is typed after f goes into the dialog it opens
        )

    def _filtered(self, new_filter) -> None:
        if new_filter is not None:
            self.filter = new_filter
            self.action_reload()

    def action_this_week(self) -> None:
        self.filter = RefusalFilter.this_week(self.today)
        self.action_reload()

    def action_cycle_status(self) -> None:
        from dataclasses import replace

        order = ["undecided", "decided", "all"]
        self.filter = replace(self.filter, status=order[(order.index(self.filter.status) + 1) % 3])
        self.action_reload()

    def action_back(self) -> None:
        self.app.pop_screen()


def readable(e164: str) -> str:
    """'+74951234567' → '+7 495 123-45-67'; phonenumbers is imported on first use, not with the screen."""
    from kbase_tui.phones import readable as _readable

    return _readable(e164)
