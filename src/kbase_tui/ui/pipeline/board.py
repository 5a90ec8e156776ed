"""The closer's board: one column per open stage, the closer's deals as cards.

Each column shows its count and expected sum; cards are sorted by next-step date and an overdue
next step stands out.  Keys move the highlighted deal a stage forward or back (written to the
history and the audit), open its card, or close it as won or lost.  At 80 columns two stage
columns fit; the summary line above always lists every stage, and the view scrolls sideways as
the cursor moves.

The board keeps itself current: when the server pushes a hand-over to this closer (or a change
to their deals made elsewhere, such as a reassignment), it reloads with the cursor on the same
deal and names a new client in a short notice.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import date
from functools import lru_cache

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import HorizontalScroll
from textual.events import Click, ScreenSuspend
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Header, Static

from kbase_tui.i18n import _
from kbase_tui.protocol import pipeline
from kbase_tui.protocol.session import CHANGED, HANDOVER

from ..base import KbaseScreen
from ..messages import ServerPush
from ..widgets.footer import KeyFooter
from ..widgets.formats import entries_in_lines, show_amount, show_amount_short, show_date
from ..widgets.my_targets import MyTargetsLine

MIN_COLUMN = 30
LOAD_AHEAD = 5  # load the next page when the cursor comes this close to the last loaded card

_CONTROL = {c: " " for c in (*range(0, 32), *range(127, 160))}


def _plain(value: str) -> str:
    """User text on one line: control characters (escape sequences included) become spaces."""
    return value.translate(_CONTROL)


def card_lines(deal) -> list[list[tuple[str, str]]]:
    """A deal as the lines of a card on the board: (text, style) pieces per line, no wrapping.

    Company and city; next-step date (overdue in red), amount, stale; the next step; the
    supervisor's comment.  A card is 2 to 4 lines, so its height is known without measuring text.
    """
    first = [(_plain(deal.company_name), "bold red" if deal.overdue else "bold")]
    if deal.city:
        first.append((" · " + _plain(deal.city), "dim"))
    second: list[tuple[str, str]] = []
    if deal.next_step_due:
        second.append((show_date(deal.next_step_due), "reverse red" if deal.overdue else ""))
        if deal.overdue:
            second.append((" " + _("overdue"), "red"))
    else:
        second.append((_("no next step date"), "dim italic"))
    if deal.expected_amount:
        second.append(("  " + show_amount(deal.expected_amount), "green"))
    if deal.stale:
        second.append(("  " + _("stale"), "yellow"))
    lines = [first, second]
    if deal.next_step:
        lines.append([("→ ", ""), (_plain(deal.next_step), "italic")])
    if deal.supervisor_comment:
        lines.append([("! ", "bold yellow"), (_plain(deal.supervisor_comment), "yellow")])
    return lines


def deal_text(deal) -> Text:
    """A card as rich Text (the same lines as on the board)."""
    text = Text(no_wrap=True, overflow="ellipsis")
    for number, line in enumerate(card_lines(deal)):
        if number:
            text.append("\n")
        for piece, style in line:
            text.append(piece, style=style)
    return text


_STRIPS: dict = {}  # rendered card lines by (pieces, style, width): repaints and reloads reuse them


@lru_cache(maxsize=64)
def _style(name: str) -> Style:
    return Style.parse(name) if name else Style()


class StageList(ScrollView, can_focus=True):
    """The cards of one stage column, drawn line by line: only the lines on screen are rendered.

    `deals` are the cards loaded so far (the first page from `pipeline.board`); `count` is the
    whole column.  When the cursor comes near the last loaded card, or the "more" line scrolls into
    view, the list posts `NeedMore` and the screen appends the next page (`append_deals`).
    """

    COMPONENT_CLASSES = {"stage-list--cursor", "stage-list--rule"}
    DEFAULT_CSS = """
    StageList { overflow-x: hidden; overflow-y: hidden; }
    StageList > .stage-list--cursor {
        color: $block-cursor-foreground; background: $block-cursor-background; text-style: $block-cursor-text-style;
    }
    StageList > .stage-list--rule { color: $foreground 20%; }
    """
    BINDINGS = [
        Binding("left", "screen.column(-1)", _("Previous stage"), show=False, id="board.left"),
        Binding("right", "screen.column(1)", _("Next stage"), show=False, id="board.right"),
        Binding("up", "cursor(-1)", _("Previous card"), show=False, id="board.up"),
        Binding("down", "cursor(1)", _("Next card"), show=False, id="board.down"),
        Binding("pageup", "page(-1)", _("Page up"), show=False, id="board.pageup"),
        Binding("pagedown", "page(1)", _("Page down"), show=False, id="board.pagedown"),
        Binding("home", "first", _("First card"), show=False, id="board.first"),
        Binding("end", "last", _("Last loaded card"), show=False, id="board.last"),
    ]

    class NeedMore(Message):
        """The list wants its next page of deals."""

        def __init__(self, stage_list: StageList) -> None:
            super().__init__()
            self.stage_list = stage_list

    class Selected(Message):
        """A card was double-clicked."""

        def __init__(self, stage_list: StageList) -> None:
            super().__init__()
            self.stage_list = stage_list

    def __init__(self, code: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.code = code
        self.deals: list = []
        self.count = 0  # every deal of the column, loaded or not
        self.cursor: int | None = None
        self.generation = 0  # bumps when the deals are replaced: late pages are dropped
        # True while the next page is on its way.  A plain attribute, not Textual's `loading`, which
        # would cover the whole column with a LoadingIndicator (and paint it twice) while the cards
        # already loaded stay usable; the "more" line at the bottom says there is more to come.
        self.page_loading = False
        self._starts: list[int] = []  # first line of each card
        self._lines_total = 0
        self._cards_end = 0
        self._cards: dict[int, list] = {}

    # --- data ---------------------------------------------------------------------------
    @property
    def more(self) -> bool:
        return len(self.deals) < self.count

    @property
    def highlighted(self) -> int | None:
        return self.cursor

    @highlighted.setter
    def highlighted(self, value: int | None) -> None:
        self.move_cursor(value)

    def set_deals(self, deals, count: int, *, keep: int | None = None) -> None:
        """Replace the cards; the cursor stays on deal `keep` (or on the same row) when possible."""
        old = self.cursor
        self.generation += 1
        self.page_loading = False
        self.deals = list(deals)
        self.count = max(count, len(self.deals))
        self._cards.clear()
        self._layout()
        row = None
        if keep is not None:
            row = next((i for i, d in enumerate(self.deals) if d.id == keep), None)
        if row is None and old is not None and self.deals:
            row = min(old, len(self.deals) - 1)
        self.cursor = None
        self.move_cursor(row if row is not None else (0 if self.deals else None), scroll=False)

    def append_deals(self, generation: int, deals) -> None:
        """The next page arrived (ignored if the column was reloaded meanwhile)."""
        if generation != self.generation:
            return
        self.page_loading = False
        known = {d.id for d in self.deals}
        fresh = [d for d in deals if d.id not in known]
        if not fresh:
            self.count = len(self.deals)  # the column shrank meanwhile: stop asking
        self.deals.extend(fresh)
        self.count = max(self.count, len(self.deals))
        self._layout()
        self._check_more()

    def set_heading(self, label: str, total, overdue: int) -> None:
        """Column heading in the top border (name and count), sum and overdue in the bottom one."""
        self._label = label
        self._figures = (total, overdue)
        self._show_heading()

    def _show_heading(self) -> None:
        title = Text(_plain(getattr(self, "_label", self.code)), style="bold")
        title.append(f" {self.count}")
        self.border_title = title  # a long stage name is cut with "…", the count stays readable
        total, overdue = getattr(self, "_figures", (0, 0))
        room = (self.outer_size.width or MIN_COLUMN) - 6
        for amount in (show_amount(total), show_amount_short(total)):  # the full sum if it fits
            bottom = Text()
            if self.cursor is not None and self.count > 1:
                bottom.append(f"{self.cursor + 1}/{self.count}", style="dim")
            if overdue:
                bottom.append("  " if bottom else "")
                bottom.append(_("overdue: {n}").format(n=overdue), style="red")
            if total:
                bottom.append("  " if bottom else "")
                bottom.append(amount, style="green")
            if bottom.cell_len <= room:
                break
        self.border_subtitle = bottom

    def _layout(self) -> None:
        starts = []
        line = 0
        for deal in self.deals:
            starts.append(line)
            line += 2 + bool(deal.next_step) + bool(deal.supervisor_comment) + 1  # + the rule under it
        self._starts = starts
        self._cards_end = line
        self._lines_total = line + (1 if self.more or not self.deals else 0)
        self.virtual_size = Size(self.scrollable_content_region.width, self._lines_total)
        self.refresh()

    def _check_more(self) -> None:
        near_end = self.cursor is not None and self.cursor >= len(self.deals) - LOAD_AHEAD
        if self.more and not self.page_loading and near_end:
            self.page_loading = True
            self.post_message(self.NeedMore(self))

    # --- cursor -------------------------------------------------------------------------
    def move_cursor(self, row: int | None, *, scroll: bool = True) -> None:
        if row is not None:
            row = None if not self.deals else max(0, min(len(self.deals) - 1, row))
        if row != self.cursor:
            self.cursor = row
            self._show_heading()
            self.refresh()
        if row is not None:
            if scroll:
                self.scroll_to_card(row)
            self._check_more()

    def scroll_to_card(self, row: int) -> None:
        top = self._starts[row]
        bottom = self._starts[row + 1] if row + 1 < len(self._starts) else self._lines_total
        height = self.scrollable_content_region.height or 1
        y = self.scroll_y
        if top < y:
            y = top
        elif bottom > y + height:
            y = min(top, bottom - height)
        if y != self.scroll_y:
            self.scroll_to(y=y, animate=False, immediate=True)

    def action_cursor(self, delta: int) -> None:
        if self.deals:
            self.move_cursor((self.cursor if self.cursor is not None else -delta) + delta)

    def action_page(self, direction: int) -> None:
        if not self.deals:
            return
        row = self.cursor or 0
        height = self.scrollable_content_region.height or 1
        target_line = self._starts[row] + direction * height
        row = bisect_right(self._starts, max(0, target_line)) - 1
        if direction > 0 and row == self.cursor:
            row += 1
        self.move_cursor(row)

    def action_first(self) -> None:
        self.move_cursor(0)

    def action_last(self) -> None:
        self.move_cursor(len(self.deals) - 1)

    def on_click(self, event: Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or not self.deals:
            return
        line = offset.y + int(self.scroll_y)
        row = bisect_right(self._starts, line) - 1
        if 0 <= row < len(self.deals):
            self.move_cursor(row)
            if event.chain >= 2:
                self.post_message(self.Selected(self))

    @property
    def allow_vertical_scroll(self) -> bool:
        # no scrollbar (the border shows the place: "12/1000"), but the mouse wheel scrolls
        return not self._check_disabled() and self.virtual_size.height > self.scrollable_content_region.height

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    def on_resize(self) -> None:
        self.virtual_size = Size(self.scrollable_content_region.width, self._lines_total)
        self._show_heading()

    # --- drawing ----------------------------------------------------------------------------
    def render_lines(self, crop):
        # styles looked up once per paint, not once per line
        base = self.rich_style
        self._paint_styles = (
            base,
            # the cursor shows only in the focused column: one highlighted card on the board
            base + self.get_component_rich_style("stage-list--cursor") if self.has_focus else base,
            base + self.get_component_rich_style("stage-list--rule"),
        )
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        styles = getattr(self, "_paint_styles", None)
        if styles is None:
            base = self.rich_style
            styles = (base, base, base)
        base, cursor_style, rule_style = styles
        line = y + int(self.scroll_y)
        if line >= self._lines_total:
            return Strip.blank(width, base)
        if line >= self._cards_end:  # the line under the last card: "more" or "no deals"
            if self.more:
                self.call_later(self._more_line_shown)
                label = _("… {n} more: move down to load").format(n=self.count - len(self.deals))
            else:
                label = _("no deals")
            return self._strip([(label, "dim italic")], base, width)
        row = bisect_right(self._starts, line) - 1
        deal = self.deals[row]
        lines = self._cards.get(deal.id)
        if lines is None:
            lines = self._cards[deal.id] = card_lines(deal)
        offset = line - self._starts[row]
        if offset >= len(lines):  # the rule between cards
            return Strip([Segment("─" * width, rule_style)], width)
        return self._strip(lines[offset], cursor_style if row == self.cursor else base, width)

    @staticmethod
    def _strip(pieces, base: Style, width: int) -> Strip:
        """One line: a space, the pieces, cut with "…" at the width, padded; one Strip, cached."""
        key = (tuple(pieces), base, width)
        strip = _STRIPS.get(key)
        if strip is not None:
            return strip
        segments = [Segment(" ", base)]
        room = width - 1
        last = max((i for i, (text, _style_name) in enumerate(pieces) if text), default=-1)
        for index, (text, style) in enumerate(pieces):
            if not text:
                continue
            if room <= 0:
                break
            size = cell_len(text)
            if size > room or (size == room and index < last):
                text = set_cell_size(text, max(0, room - 1)) + "…"
                size = room
            segments.append(Segment(text, base + _style(style)))
            room -= size
        if room > 0:
            segments.append(Segment(" " * room, base))
        strip = Strip(segments, width)
        if len(_STRIPS) > 4000:
            _STRIPS.clear()
        _STRIPS[key] = strip
        return strip

    def _more_line_shown(self) -> None:
        if self.more and not self.page_loading:
            self.page_loading = True
            self.post_message(self.NeedMore(self))


class CloserBoard(KbaseScreen):
    CSS_PATH = "pipeline.tcss"
    HELP = _(
        "Your deals by stage. Arrows move between cards and columns; ] or shift+→ moves the deal to the "
        "next stage, [ or shift+← back. Enter opens the card; w closes it as won, x as lost. "
        "Red dates are overdue next steps. / (or ctrl+f) finds one of your clients by name, INN or phone. "
        "k lists the key clients you back up as their second responsible person. The line under the "
        "stages shows your own targets."
    )
    BINDINGS = [
        Binding("enter", "open_card", _("Open card"), id="board.open"),
        Binding("slash,ctrl+f", "find", _("Find"), id="board.find"),
        Binding("right_square_bracket,shift+right", "move(1)", _("Stage →"), id="board.forward"),
        Binding("left_square_bracket,shift+left", "move(-1)", _("← Stage"), id="board.back"),
        Binding("w", "won", _("Won"), id="board.won"),
        Binding("x", "lost", _("Lost"), id="board.lost"),
        Binding("n", "note", _("Note"), id="board.note"),
        Binding("k", "backed_up", _("Clients I back up"), show=False, id="board.backed_up"),
        Binding("f5,r", "refresh", _("Refresh"), id="board.refresh"),
        Binding("f1", "app.help", _("Keys"), id="board.help"),
        Binding("ctrl+l", "app.logout", _("Log out"), id="board.logout"),
    ]

    # Keys typed before the first board is here (the sign-in and the first keys in one burst) wait for
    # it: with nothing on the screen they would act on nothing, silently.  A failed first load lets them go;
    # help, log-out and quit are never held.
    keys_wait = True
    keys_past_the_gate = ("f1", "ctrl+l", "ctrl+q")

    def __init__(self, *, today: date | None = None) -> None:
        super().__init__()
        self.today = today  # fixed only in tests; None means the real date
        self.board = None
        self._follow: int | None = None  # deal id to keep the cursor on after a reload
        self._busy = False
        # Companies handed over to this closer and not yet named in a notice: company id -> `what`
        # of the pushed event ("" from the caller's queue; otherwise the supervisor's doing).
        self._announce: dict[int, str] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="board-summary")
        yield MyTargetsLine(id="board-targets")
        columns = HorizontalScroll(id="board-columns")
        columns.can_focus = False  # the focus goes straight to a column's cards
        yield columns
        yield KeyFooter()

    def on_mount(self) -> None:
        self.title = _("Pipeline")
        self.sub_title = self.actor.label
        self.reload()

    @on(ScreenSuspend)
    def _suspended(self) -> None:
        self._left = True

    def resumed(self) -> None:
        # back from a card or a dialog: refresh; not on the first showing (on_mount loads)
        if getattr(self, "_left", False):
            self._left = False
            self.reload()

    # --- loading -----------------------------------------------------------------
    def page_size(self) -> int:
        """Cards to load per column: more than fit on the screen (a card is at least 3 lines)."""
        return max(10, self.size.height // 3 + 10)

    def reload(self, follow: int | None = None) -> None:
        if follow is None and self.selected_deal is not None:
            follow = self.selected_deal.id
        self._follow = follow
        page = self.page_size()
        # as deep as the cursor went in each column, so a refresh keeps the place
        limits = {w.code: max(page, (w.cursor or 0) + LOAD_AHEAD + 1) for w in self.lists}
        asked = tuple(self._announce)[:100]  # the operation's limit; the rest wait for the next reload
        self.query_one(MyTargetsLine).refresh_targets()
        # _show mounts widgets (it awaits): it runs as a callback of the screen, not inside the call.
        self.call(
            pipeline.board,
            today=self.today,
            limit=page,
            limits=limits,
            follow=follow,
            include_companies=list(asked) or None,
            done=lambda board: self.call_next(self._show, board, asked),
            failed=self._load_failed,
            group="board",
            exclusive=True,
        )

    def on_server_push(self, message: ServerPush) -> None:
        """A client handed over to this closer, or their deals changed elsewhere: show the board as it is now."""
        event = message.event
        if event.type == HANDOVER:
            if event.company_id is not None:
                self._announce[event.company_id] = event.what
            self.reload()
        elif event.type == CHANGED and event.what == "board":
            self.reload()

    def _name_new_deals(self, board, asked: tuple[int, ...]) -> None:
        """A notice for each hand-over this board was loaded for; the name comes from the board, not the event."""
        if not asked:
            return
        deals = {deal.company_id: deal for column in board.columns for deal in column.deals}
        for company_id in asked:
            what = self._announce.pop(company_id, None)
            deal = deals.get(company_id)
            if what is None or deal is None:
                continue  # announced already, or no longer this closer's open deal
            text = _("New deal from the supervisor: {name}") if what else _("New client from the caller: {name}")
            self.app.notify(text.format(name=_plain(deal.company_name)), timeout=8)

    def action_refresh(self) -> None:
        self.reload()

    @on(StageList.NeedMore)
    def _need_more(self, event: StageList.NeedMore) -> None:
        stage_list = event.stage_list
        generation = stage_list.generation
        self.call(
            pipeline.column_deals,
            stage_list.code,
            offset=len(stage_list.deals),
            limit=self.page_size(),
            today=self.today,
            done=lambda deals: stage_list.append_deals(generation, deals),
            failed=lambda error: self._more_failed(stage_list, error),
            group=f"board-more-{stage_list.code}",
        )

    def _load_failed(self, error) -> None:
        self.keys_wait = False
        self.notify(str(error), severity="error", timeout=6)

    def _more_failed(self, stage_list: StageList, error) -> None:
        stage_list.page_loading = False
        self.notify(str(error), severity="warning", timeout=5)

    async def _show(self, board, asked: tuple[int, ...] = ()) -> None:
        if not self.is_attached or self._closing:
            return  # the board arrived after its screen went (signed out, the app closing): nothing to show it on
        self.board = board
        self._show_summary()
        self._name_new_deals(board, asked)

        container = self.query_one("#board-columns", HorizontalScroll)
        existing = {w.code: w for w in container.query(StageList)}
        fresh: list[StageList] = []
        if list(existing) != [c.code for c in board.columns]:
            await container.remove_children()
            width = self._column_width(len(board.columns))
            fresh = [StageList(column.code, classes="stage-list") for column in board.columns]
            for stage_list, column in zip(fresh, board.columns, strict=True):
                stage_list.styles.width = width
                # The cards go in before the columns are mounted, so the columns' first paint shows
                # them: filled after mounting, the board was laid out and painted twice.
                stage_list.set_deals(column.deals, column.count, keep=self._follow)
                stage_list.set_heading(column.label, column.total, column.overdue)
            await container.mount_all(fresh)
            existing = {w.code: w for w in fresh}
        target: StageList | None = None
        for column in board.columns:
            widget = existing[column.code]
            if not fresh:
                widget.set_deals(column.deals, column.count, keep=self._follow)
                widget.set_heading(column.label, column.total, column.overdue)
            if self._follow is not None and any(d.id == self._follow for d in column.deals):
                target = widget
        if target is not None:
            target.focus()
            self.call_after_refresh(self._scroll_to, target)
            self.call_after_refresh(target.scroll_to_card, target.cursor or 0)
        elif not isinstance(self.focused, StageList):
            first = next((w for w in existing.values() if w.deals), next(iter(existing.values()), None))
            if first is not None:
                first.focus()
        self.keys_wait = False

    def _show_summary(self) -> None:
        board = self.board
        if board is None:
            return
        # Every stage with its count (and sum when wide).  Lines break only between stages,
        # never inside one, so at 80 columns it is two short lines.
        wide = self.size.width >= 120
        entries: list[Text] = []
        for column in board.columns:
            entry = Text(_plain(column.label), style="bold")
            entry.append(f" {column.count}")
            if column.total and wide:
                entry.append(f" · {show_amount(column.total)}", style="green")
            entries.append(entry)
        if board.overdue:
            entries.append(Text(_("overdue: {n}").format(n=board.overdue), style="bold red"))
        separator = Text("  │  " if wide else " │ ", style="dim")
        summary = entries_in_lines(entries, separator, max(20, self.size.width - 2))
        self.query_one("#board-summary", Static).update(summary)

    def on_resize(self) -> None:
        self._size_columns()
        self._show_summary()

    def _column_width(self, columns: int) -> int:
        visible = max(1, min(columns, self.size.width // MIN_COLUMN))
        return max(MIN_COLUMN, self.size.width // visible)

    def _size_columns(self) -> None:
        """All columns side by side when they fit; otherwise as many as fit, scrolling sideways."""
        lists = self.lists
        if not lists:
            return
        width = self._column_width(len(lists))
        for stage_list in lists:
            stage_list.styles.width = width

    # --- selection -------------------------------------------------------------------
    @property
    def lists(self) -> list[StageList]:
        return list(self.query(StageList))

    @property
    def selected_deal(self):
        focused = self.focused
        if isinstance(focused, StageList) and focused.cursor is not None and focused.cursor < len(focused.deals):
            return focused.deals[focused.cursor]
        return None

    def action_column(self, delta: int) -> None:
        """Focus the previous/next column; each column keeps its own cursor."""
        lists = self.lists
        if not lists:
            return
        current = self.focused if self.focused in lists else lists[0]
        target = lists[max(0, min(len(lists) - 1, lists.index(current) + delta))]
        # at once, not on the next tick (as widget.focus() does): fast key presses add up
        self.set_focus(target, scroll_visible=False)
        if target.cursor is None and target.deals:
            target.move_cursor(0)
        self.call_after_refresh(self._scroll_to, target)

    def _scroll_to(self, stage_list: StageList) -> None:
        """Scroll sideways by whole columns so the focused one is fully visible."""
        container = self.query_one("#board-columns", HorizontalScroll)
        lists = self.lists
        if stage_list not in lists or not container.size.width:
            return
        width = max(1, stage_list.outer_size.width or MIN_COLUMN)
        visible = max(1, container.size.width // width)
        index = lists.index(stage_list)
        first = round(container.scroll_x / width)
        if index < first:
            first = index
        elif index >= first + visible:
            first = index - visible + 1
        container.scroll_to(x=first * width, animate=False)

    @on(StageList.Selected)
    def _selected(self, event: StageList.Selected) -> None:
        event.stop()
        self.action_open_card()

    # --- actions -------------------------------------------------------------------------
    def action_open_card(self) -> None:
        deal = self.selected_deal
        if deal is None:
            return
        from .card import DealCardScreen

        self.app.push_screen(DealCardScreen(deal.id, today=self.today))

    def action_find(self) -> None:
        from ..widgets.find_dialog import FindClientDialog

        self.app.push_screen(FindClientDialog(), self._found)

    def _found(self, match) -> None:
        if match is None:
            return
        if match.deal_id is None:
            self.notify(_("{name} has no open deal of yours.").format(name=match.name), timeout=4)
            return
        from .card import DealCardScreen

        self.app.push_screen(DealCardScreen(match.deal_id, today=self.today))

    def action_move(self, step: int) -> None:
        deal = self.selected_deal
        if deal is None:
            return
        if self._busy:
            # Keys typed during a move wait for the board it leaves behind; the palette and a click on the footer do not.
            self.notify(
                _("The last move is still on its way to the server: press the key again in a moment."),
                severity="warning",
                timeout=5,
            )
            return
        self._busy = True
        # "]]" moves the deal two stages: the second ] waits for the board with the cursor on the moved deal
        # (it went on the old board's selection, or nowhere while the first was still on its way).
        self.keys_wait = True
        self.call(
            pipeline.move_deal,
            deal.id,
            step,
            expected_stage=deal.stage_code,
            today=self.today,
            done=self._moved,
            failed=self._move_failed,
        )

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

        self.app.push_screen(
            WonDialog(deal.id, deal.company_name, deal.expected_amount, today=self.today), self._deal_closed
        )

    def action_lost(self) -> None:
        deal = self.selected_deal
        if deal is None:
            return
        from .dialogs import LostDialog

        self.app.push_screen(LostDialog(deal.id, deal.company_name), self._deal_closed)

    def _deal_closed(self, result) -> None:
        if result is not None:
            self.reload()

    def action_backed_up(self) -> None:
        from ..playbook.second import SecondClients

        self.app.push_screen(SecondClients())

    def action_note(self) -> None:
        deal = self.selected_deal
        if deal is None:
            return
        from ..widgets.note_dialog import AddNoteDialog

        self.app.push_screen(
            AddNoteDialog(deal.id, saver=pipeline.add_deal_note, title=deal.company_name),
            lambda entry: self.reload() if entry is not None else None,
        )
