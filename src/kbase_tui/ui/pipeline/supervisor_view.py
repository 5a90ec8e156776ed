"""The supervisor's view of the pipeline: every closer's open deals, stalest first.

Filter by closer (c) and stage (g), show only stale deals (s: no activity for `pipeline.stale_days`),
reassign a deal (r), leave a comment the closer sees (m), open the card (Enter).  Pages of 100
rows: PgDn/PgUp at the ends of the table, or n / p.
"""

from __future__ import annotations

from datetime import date

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.events import ScreenSuspend
from textual.widgets import DataTable, Header, Static

from kbase_tui.i18n import _
from kbase_tui.protocol import pipeline

from ..base import KbaseScreen
from ..widgets.footer import KeyFooter
from ..widgets.formats import show_amount, show_date, show_datetime
from ..widgets.paging import PAGE, PagedList
from ..widgets.table import ListTable

AMOUNT_WIDTH = 14  # "99 999 999,99": up to a hundred million with kopecks


def names_width(width: int) -> dict[str, int]:
    """The company, closer and stage columns for a list *width* wide: at 80 columns narrower (cut with "…"), so
    that the stage ends at the screen's edge rather than being cut by it; whole from 100 columns on."""
    extra = max(0, width - 80)
    company, closer = 20 + min(8, extra // 2), 12 + min(4, extra // 4)
    stage = max(10, min(18, width - 66 - (company - 20) - (closer - 12)))
    return {"company": company, "closer": closer, "stage": stage}


class PipelineSupervisorView(PagedList, KbaseScreen):
    CSS_PATH = "pipeline.tcss"
    HELP = _(
        "All open deals of all first-sale managers, the longest without activity first. "
        "c cycles the closer filter, g the stage filter, s shows only stale deals."
    )
    BINDINGS = [
        Binding("enter", "open_card", _("Open card"), id="pipeview.open"),
        Binding("r", "reassign", _("Reassign"), id="pipeview.reassign"),
        Binding("m", "comment", _("Comment"), id="pipeview.comment"),
        Binding("c", "cycle_closer", _("Closer filter"), id="pipeview.closer"),
        Binding("g", "cycle_stage", _("Stage filter"), id="pipeview.stage"),
        Binding("s", "toggle_stale", _("Stale only"), id="pipeview.stale"),
        Binding("n", "page(1)", _("Next page"), show=False, id="pipeview.next"),
        Binding("p", "page(-1)", _("Previous page"), show=False, id="pipeview.prev"),
        Binding("f5", "refresh", _("Refresh"), id="pipeview.refresh"),
        Binding("escape", "back", _("Back"), id="pipeview.back"),
        Binding("f1", "app.help", _("Keys"), id="pipeview.help"),
    ]

    def __init__(self, *, today: date | None = None) -> None:
        super().__init__()
        self.today = today
        self.closers: list = []
        self.stages: list = []
        self.closer_index = -1  # -1: all
        self.stage_index = -1
        self.stale_only = False
        self.page_offset = 0
        self.page = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="pipeview-filters")
        yield ListTable(id="pipeview-table", cursor_type="row", zebra_stripes=True)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.title = _("Pipeline of all closers")
        table = self.query_one(DataTable)
        # Fixed widths: no measuring of every cell per page (speed), and the same layout
        # whenever the rows arrive (a snapshot once caught columns as wide as their headings).
        # The amount and the due date come right after the company: further right, the screen's edge at 80
        # columns cut "1 250 000,50" to "1 250 000", a smaller number; a name cut at the edge is still a name.
        for label, width, key in (
            (_("Company"), 28, "company"),
            (_("Amount"), AMOUNT_WIDTH, "amount"),
            (_("Due"), 10, "due"),
            (_("Closer"), 16, "closer"),
            (_("Stage"), 18, "stage"),
            (_("Next step"), 22, "next"),
            (_("Last activity"), 16, "last"),
            (_("Comment"), 18, "comment"),
        ):
            table.add_column(label, width=width, key=key)
        table.fit_columns(names_width)
        self.call(pipeline.closers, done=self._closers)
        self.reload()

    def _closers(self, closers) -> None:
        self.closers = list(closers)
        self._show_filters()

    @on(ScreenSuspend)
    def _suspended(self) -> None:
        self._left = True

    def resumed(self) -> None:
        # back from a card or a dialog: refresh; not on the first showing (on_mount loads)
        if getattr(self, "_left", False):
            self._left = False
            self.reload()

    def reload(self) -> None:
        closer_id = self.closers[self.closer_index].id if self.closer_index >= 0 and self.closers else None
        stage = self.stages[self.stage_index].code if self.stage_index >= 0 and self.stages else None
        self.call(
            pipeline.all_deals,
            closer_id=closer_id,
            stage_code=stage,
            stale_only=self.stale_only,
            limit=PAGE,
            offset=self.page_offset,
            today=self.today,
            done=self._show,
            failed=self._load_failed,
            group="pipeview",
            exclusive=True,
        )

    def action_refresh(self) -> None:
        self.reload()

    def _show_filters(self) -> None:
        text = Text()
        text.append(_("Closer: "), style="dim")
        text.append(
            self.closers[self.closer_index].name if self.closer_index >= 0 and self.closers else _("all"), style="bold"
        )
        text.append("   ")
        text.append(_("Stage: "), style="dim")
        text.append(
            self.stages[self.stage_index].label if self.stage_index >= 0 and self.stages else _("all"), style="bold"
        )
        text.append("   ")
        if self.stale_only:
            text.append(_("only stale"), style="bold yellow")
        if self.page is not None:
            text.append("   ")
            last = min(self.page.offset + len(self.page.deals), self.page.total)
            text.append(
                _("{first}–{last} of {total}").format(
                    first=self.page.offset + 1 if self.page.total else 0, last=last, total=self.page.total
                )
            )
            text.append("   ")
            text.append(_("stale: no activity for {days} days").format(days=self.page.stale_days), style="yellow")
        self.query_one("#pipeview-filters", Static).update(text)

    # Keys typed before the first page is here (the desk's key, then this list's, in one burst) wait
    # for it: with no row they would do nothing, and the text meant for a dialog would act as keys.
    keys_wait = True

    def _load_failed(self, error) -> None:
        self.keys_wait = False
        self.notify(str(error), severity="error", timeout=6, markup=False)

    def _show(self, page) -> None:
        self.keys_wait = False
        self.page = page
        if not self.stages:
            self.stages = list(page.stages)
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear()
        for deal in page.deals:
            name = Text(deal.company_name, style="bold yellow" if deal.stale else "")
            if deal.stale:
                name.append(" ⏸", style="yellow")
            due = Text(show_date(deal.next_step_due), style="red" if deal.overdue else "")
            table.add_row(
                name,
                Text(show_amount(deal.expected_amount), justify="right"),
                due,
                Text(deal.closer_name),
                Text(deal.stage_label),
                Text(deal.next_step),
                Text(show_datetime(deal.last_activity_at)),
                Text(deal.supervisor_comment),
                key=str(deal.id),
            )
        if page.deals:
            table.move_cursor(row=min(row, len(page.deals) - 1))
        table.focus()
        self._show_filters()

    @property
    def selected_deal(self):
        if self.page is None or not self.page.deals:
            return None
        row = self.query_one(DataTable).cursor_row
        return self.page.deals[row] if 0 <= row < len(self.page.deals) else None

    # --- filters and pages -----------------------------------------------------------------
    def action_cycle_closer(self) -> None:
        if not self.closers:
            return
        self.closer_index = self.closer_index + 1 if self.closer_index + 1 < len(self.closers) else -1
        self.page_offset = 0
        self._show_filters()
        self.reload()

    def action_cycle_stage(self) -> None:
        if not self.stages:
            return
        self.stage_index = self.stage_index + 1 if self.stage_index + 1 < len(self.stages) else -1
        self.page_offset = 0
        self._show_filters()
        self.reload()

    def action_toggle_stale(self) -> None:
        self.stale_only = not self.stale_only
        self.page_offset = 0
        self.reload()

    # --- actions ------------------------------------------------------------------------------
    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open_card()

    def action_open_card(self) -> None:
        deal = self.selected_deal
        if deal is not None:
            from .card import DealCardScreen

            self.app.push_screen(DealCardScreen(deal.id, today=self.today))

    def action_reassign(self) -> None:
        deal = self.selected_deal
        if deal is not None:
            from .dialogs import ReassignDialog

            self.app.push_screen(ReassignDialog(deal.id, deal.company_name, deal.closer_id), self._changed)

    def action_comment(self) -> None:
        deal = self.selected_deal
        if deal is not None:
            from .dialogs import CommentDialog

            self.app.push_screen(CommentDialog(deal.id, deal.company_name, deal.supervisor_comment), self._changed)

    def _changed(self, result) -> None:
        if result is not None:
            self.reload()

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()
