"""The closer's board: one column per open stage, the closer's deals as cards.

Each column shows its count and expected sum; cards are sorted by next-step date and an overdue
next step stands out.  Keys move the highlighted deal a stage forward or back (written to the
history and the audit), open its card, or close it as won or lost.  At 80 columns two stage
columns fit; the summary line above always lists every stage, and the view scrolls sideways as
the cursor moves.
"""

from __future__ import annotations

from datetime import date

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import HorizontalScroll, Vertical
from textual.events import ScreenResume
from textual.widgets import Footer, Header, OptionList, Static
from textual.widgets.option_list import Option

from kbase_tui.i18n import _

from ..base import KbaseScreen
from ..widgets.formats import show_amount, show_date


MIN_COLUMN = 30


def deal_text(deal, *, width_hint: int = 0) -> Text:
    """A deal as a card on the board: company, due date and amount, next step, supervisor's comment."""
    text = Text(no_wrap=False)
    style = "bold red" if deal.overdue else "bold"
    text.append(deal.company_name, style=style)
    if deal.city:
        text.append(f" · {deal.city}", style="dim")
    text.append("\n")
    if deal.next_step_due:
        text.append(show_date(deal.next_step_due), style="reverse red" if deal.overdue else "")
        if deal.overdue:
            text.append(" " + _("overdue"), style="red")
    else:
        text.append(_("no next step date"), style="dim italic")
    if deal.expected_amount:
        text.append(f"  {show_amount(deal.expected_amount)}", style="green")
    if deal.stale:
        text.append("  " + _("stale"), style="yellow")
    if deal.next_step:
        text.append("\n→ ")
        text.append(deal.next_step, style="italic")
    if deal.supervisor_comment:
        text.append("\n! ", style="bold yellow")
        text.append(deal.supervisor_comment, style="yellow")
    return text


class StageList(OptionList):
    """The cards of one stage column."""

    BINDINGS = [
        Binding("left", "screen.column(-1)", _("Previous stage"), show=False, id="board.left"),
        Binding("right", "screen.column(1)", _("Next stage"), show=False, id="board.right"),
    ]

    def __init__(self, code: str, **kwargs) -> None:
        super().__init__(markup=False, **kwargs)
        self.code = code
        self.deals: tuple = ()


class CloserBoard(KbaseScreen):
    CSS_PATH = "pipeline.tcss"
    HELP = _(
        "Your deals by stage. Arrows move between cards and columns; ] or shift+→ moves the deal to the "
        "next stage, [ or shift+← back. Enter opens the card; w closes it as won, x as lost. "
        "Red dates are overdue next steps."
    )
    BINDINGS = [
        Binding("enter", "open_card", _("Open card"), id="board.open"),
        Binding("right_square_bracket,shift+right", "move(1)", _("Stage →"), id="board.forward"),
        Binding("left_square_bracket,shift+left", "move(-1)", _("← Stage"), id="board.back"),
        Binding("w", "won", _("Won"), id="board.won"),
        Binding("x", "lost", _("Lost"), id="board.lost"),
        Binding("n", "note", _("Note"), id="board.note"),
        Binding("f5,r", "refresh", _("Refresh"), id="board.refresh"),
        Binding("f1", "app.help", _("Keys"), id="board.help"),
        Binding("ctrl+l", "app.logout", _("Log out"), id="board.logout"),
    ]

    def __init__(self, *, today: date | None = None) -> None:
        super().__init__()
        self.today = today  # fixed only in tests; None means the real date
        self.board = None
        self._follow: int | None = None  # deal id to keep the cursor on after a reload
        self._busy = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="board-summary")
        yield HorizontalScroll(id="board-columns")
        yield Footer()

    def on_mount(self) -> None:
        self.title = _("Pipeline")
        self.sub_title = self.actor.label
        self.reload()

    @on(ScreenResume)
    def _resumed(self) -> None:
        if self.board is not None:
            self.reload()

    # --- loading -----------------------------------------------------------------
    def reload(self, follow: int | None = None) -> None:
        from kbase_tui.services import pipeline

        if follow is None and self.selected_deal is not None:
            follow = self.selected_deal.id
        self._follow = follow
        self.call_service(pipeline.board, self.actor, today=self.today, done=self._show, group="board", exclusive=True)

    def action_refresh(self) -> None:
        self.reload()

    async def _show(self, board) -> None:
        self.board = board
        summary = Text()
        for index, column in enumerate(board.columns):
            if index:
                summary.append("  │  ", style="dim")
            summary.append(column.label, style="bold")
            summary.append(f" {column.count}")
            if column.total:
                summary.append(f" · {show_amount(column.total)}", style="green")
        overdue = sum(1 for c in board.columns for d in c.deals if d.overdue)
        if overdue:
            summary.append("  │  ", style="dim")
            summary.append(_("overdue: {n}").format(n=overdue), style="bold red")
        self.query_one("#board-summary", Static).update(summary)

        container = self.query_one("#board-columns", HorizontalScroll)
        existing = {w.code: w for w in container.query(StageList)}
        if list(existing) != [c.code for c in board.columns]:
            await container.remove_children()
            existing = {}
            for column in board.columns:
                box = Vertical(classes="stage-column")
                await container.mount(box)
                await box.mount(Static("", classes="stage-title"), StageList(column.code, classes="stage-list"))
            existing = {w.code: w for w in container.query(StageList)}
            self._size_columns()
        target: tuple[StageList, int] | None = None
        for column in board.columns:
            widget = existing[column.code]
            title = widget.parent.query_one(".stage-title", Static)
            heading = Text(column.label, style="bold")
            heading.append(f"  {column.count}")
            if column.total:
                heading.append(f" · {show_amount(column.total)}", style="green")
            title.update(heading)
            highlighted = widget.highlighted
            widget.deals = column.deals
            widget.clear_options()
            items: list = []
            for deal in column.deals:
                if items:
                    items.append(None)  # a separator line between cards
                items.append(Option(deal_text(deal), id=str(deal.id)))
            widget.add_options(items)
            if not column.deals:
                widget.add_option(Option(Text(_("no deals"), style="dim"), disabled=True))
            elif highlighted is not None:
                widget.highlighted = min(highlighted, len(column.deals) - 1)
            for row, deal in enumerate(column.deals):
                if deal.id == self._follow:
                    target = (widget, row)
        if target is not None:
            widget, row = target
            widget.highlighted = row
            widget.focus()
            self.call_after_refresh(self._scroll_to, widget)
        elif not isinstance(self.focused, StageList):
            first = next((w for w in existing.values() if w.deals), next(iter(existing.values()), None))
            if first is not None:
                first.focus()
                if first.deals:
                    first.highlighted = 0

    def on_resize(self) -> None:
        self._size_columns()

    def _size_columns(self) -> None:
        """All columns side by side when they fit; otherwise as many as fit, scrolling sideways."""
        boxes = list(self.query(".stage-column"))
        if not boxes:
            return
        visible = max(1, min(len(boxes), self.size.width // MIN_COLUMN))
        width = max(MIN_COLUMN, self.size.width // visible)
        for box in boxes:
            box.styles.width = width

    # --- selection -------------------------------------------------------------------
    @property
    def lists(self) -> list[StageList]:
        return list(self.query(StageList))

    @property
    def selected_deal(self):
        focused = self.focused
        if isinstance(focused, StageList) and focused.deals and focused.highlighted is not None:
            if focused.highlighted < len(focused.deals):
                return focused.deals[focused.highlighted]
        return None

    def action_column(self, delta: int) -> None:
        lists = self.lists
        if not lists:
            return
        current = self.focused if isinstance(self.focused, StageList) else lists[0]
        index = max(0, min(len(lists) - 1, lists.index(current) + delta))
        target = lists[index]
        row = current.highlighted or 0
        target.focus()
        if target.deals:
            target.highlighted = min(row, len(target.deals) - 1)
        self.call_after_refresh(self._scroll_to, target)

    def _scroll_to(self, stage_list: StageList) -> None:
        """Scroll sideways by whole columns so the focused one is fully visible."""
        container = self.query_one("#board-columns", HorizontalScroll)
        boxes = list(container.query(".stage-column"))
        box = stage_list.parent
        if box not in boxes or not container.size.width:
            return
        width = max(1, int(box.styles.width.value) if box.styles.width else MIN_COLUMN)
        visible = max(1, container.size.width // width)
        index = boxes.index(box)
        first = int(round(container.scroll_x / width))
        if index < first:
            first = index
        elif index >= first + visible:
            first = index - visible + 1
        container.scroll_to(x=first * width, animate=False)

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_open_card()

    # --- actions -------------------------------------------------------------------------
    def action_open_card(self) -> None:
        deal = self.selected_deal
        if deal is None:
            return
        from .card import DealCardScreen

        self.app.push_screen(DealCardScreen(deal.id, today=self.today))

    def action_move(self, step: int) -> None:
        deal = self.selected_deal
        if deal is None or self._busy:
            return
        from kbase_tui.services import pipeline

        self._busy = True
        self.call_service(pipeline.move_deal, self.actor, deal.id, step, expected_stage=deal.stage_code,
                          today=self.today, done=self._moved, failed=self._move_failed)

    def _moved(self, summary) -> None:
        self._busy = False
        self.notify(_("{company}: {stage}").format(company=summary.company_name, stage=summary.stage_label), timeout=3)
        self.reload(follow=summary.id)

    def _move_failed(self, error) -> None:
        self._busy = False
        self.notify(str(error), severity="warning", timeout=5)
        self.reload()

    def action_won(self) -> None:
        deal = self.selected_deal
        if deal is None:
            return
        from .dialogs import WonDialog

        self.app.push_screen(WonDialog(deal.id, deal.company_name, deal.expected_amount, today=self.today),
                             self._deal_closed)

    def action_lost(self) -> None:
        deal = self.selected_deal
        if deal is None:
            return
        from .dialogs import LostDialog

        self.app.push_screen(LostDialog(deal.id, deal.company_name), self._deal_closed)

    def _deal_closed(self, result) -> None:
        if result is not None:
            self.reload()

    def action_note(self) -> None:
        deal = self.selected_deal
        if deal is None:
            return
        from kbase_tui.services import pipeline

        from ..widgets.note_dialog import AddNoteDialog

        self.app.push_screen(
            AddNoteDialog(deal.id, saver=pipeline.add_deal_note, title=deal.company_name),
            lambda entry: self.reload() if entry is not None else None,
        )
