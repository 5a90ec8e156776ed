"""The account manager's home: their own clients in the order of what is due.

Follow-ups due today and overdue first (red: overdue, yellow: today), then by the next purchase
date (the date the client named; "~" marks a date predicted from the interval between orders).
Loaded 100 rows at a time from the database: moving near the end of what is loaded fetches the
next page, so 10,000 clients open as fast as ten.  ★ marks a contact person's birthday within a
week, ♦ a holiday (23 February, 8 March, New Year); the line under the table says which.
A client given to the account manager elsewhere (a won deal, a reassignment) appears without a key
press: the server's push reloads the list, the cursor stays on the client it was on.
"""

from __future__ import annotations

from datetime import date

from rich.cells import cell_len
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Header, Static
from textual.widgets.data_table import ColumnKey

from kbase_tui.i18n import _, pgettext
from kbase_tui.protocol import accounts, growth, playbook

from ..base import KbaseScreen, ignore_refusals
from ..messages import ServerPush
from ..widgets.footer import KeyFooter
from ..widgets.formats import entries_in_lines, show_amount, show_datetime
from ..widgets.my_targets import MyTargetsLine
from ..widgets.table import ListTable

PAGE = 100
PREFETCH = 10  # fetch the next page when the cursor is this close to the end
RELOAD_MAX = 500  # a reload fetches as many rows as were loaded, up to the service's largest page
CHANNEL_WIDTH = 24  # "Конечные потребители" whole, where there is room
PUSH_DELAY = 0.2  # seconds: pushes arriving together (a portfolio moved at once) cause one reload


def short_date(value: date | None) -> str:
    return value.strftime("%d.%m.%y") if value else ""


LTV_WIDTH = 11  # "999 999,99": wider amounts widen the column (`ltv_width`)


def name_and_channel(width: int, ltv: int = LTV_WIDTH) -> dict[str, int]:
    """The widths of the name and channel columns for a list *width* wide: the name takes what the others
    leave; the channel has 8 at 80 columns and more once the name has 24.  Both are shortened with "…" by
    the table, so a resize needs no new rows.  The LTV column is *ltv* wide: an amount is never cut."""
    room = width - 55 - (ltv - LTV_WIDTH)  # the other columns and every column's padding take 55
    channel = 8 if room < 36 else min(CHANNEL_WIDTH, max(12, room - 40))
    return {"name": max(14, min(40, room - channel)), "channel": channel, "ltv": ltv}


def ltv_width(rows) -> int:
    """The LTV column as wide as the widest amount of *rows* (a cut amount reads as another number)."""
    return max([LTV_WIDTH, *(cell_len(show_amount(row.revenue_total)) for row in rows)])


def next_purchase_text(row) -> Text:
    if row.next_purchase_at is None:
        return Text("")
    text = short_date(row.next_purchase_at)
    return Text(text if row.next_purchase_is_stated else "~" + text, style="" if row.next_purchase_is_stated else "dim")


def class_text(row) -> Text:
    style = {"A": "bold green", "B": "green", "C": "cyan", "D": "", "E": "red"}.get(row.abcde_class, "")
    text = Text(row.abcde_class or "·", style=style)
    if row.is_key_client:
        text.append("*", style="bold yellow")
    return text


def name_text(row, width: int | None = None) -> Text:
    """The client's name, shortened with "…" to *width* (None: by the table, to its column's width)."""
    style = ""
    if row.category == "lost":
        style = "magenta"
    if row.follow_up_overdue:
        style = "bold red"
    elif row.follow_up_due:
        style = "bold yellow"
    if width is None:
        return Text(row.name, style=style, no_wrap=True, overflow="ellipsis")
    name = row.name if len(row.name) <= width else row.name[: width - 1] + "…"
    return Text(name, style=style)


MARKS = {"birthday": ("★", "bold magenta"), "holiday": ("♦", "bold cyan")}


def mark_text(row) -> Text:
    symbol, style = MARKS.get(row.mark, ("", ""))
    return Text(symbol, style=style)


def row_detail(row, late=None) -> Text:
    """The line under the table for the highlighted client (*late*: its row behind the contact standard)."""
    from kbase_tui.labels import category_label

    text = Text()
    text.append(row.name, style="bold")
    if row.city:
        text.append(f" · {row.city}", style="dim")
    text.append(" · " + category_label(row.category), style="magenta" if row.category == "lost" else "dim")
    if late is not None:
        text.append(" · ")
        text.append(
            _("contact {n} d. late (every {every} d.)").format(n=late.days_behind, every=late.standard_days),
            style="bold red",
        )
    text.append("\n")
    if row.next_follow_up_at:
        text.append(_("Follow-up: "), style="dim")
        text.append(
            show_datetime(row.next_follow_up_at)[:10],
            style="bold red" if row.follow_up_overdue else ("bold yellow" if row.follow_up_due else ""),
        )
    if row.next_purchase_at:
        text.append("   ")
        text.append(_("Next purchase: "), style="dim")
        text.append(short_date(row.next_purchase_at))
        text.append(" " + (_("(client's word)") if row.next_purchase_is_stated else _("(predicted)")), style="dim")
    if row.mark_text:
        text.append("   ")
        text.append(row.mark_text, style=MARKS.get(row.mark, ("", ""))[1])
    return text


class FollowUpList(KbaseScreen):
    CSS_PATH = "accounts.tcss"
    HELP = _(
        "Your clients: due follow-ups first (red overdue, yellow today), then by the next purchase date "
        "(~ predicted from the interval between orders). ★ a contact's birthday within a week, ♦ a holiday. "
        "Class: ABCDE, * key client. Enter opens the card; o records an order, f a follow-up call; "
        "t lists your quality checks and return tasks. / (or ctrl+f) finds one of your clients by name, INN "
        "or phone. b lists the clients behind the contact standard of their class; k the key clients you "
        "back up as their second responsible person; w the white spots of your clients, the largest gaps first. "
        "The lines under the summary show your own targets and your progress on the head of sales' focus targets."
    )
    BINDINGS = [
        Binding("enter", "open_card", _("Card"), id="accounts.list.open"),
        Binding("o", "order", _("Order"), id="accounts.list.order"),
        Binding("f", "follow_up", _("Follow-up call"), id="accounts.list.follow_up"),
        Binding("t", "tasks", _("Tasks"), id="accounts.list.tasks"),
        Binding("w", "white_spots", _("White spots"), id="accounts.list.white_spots"),
        Binding("slash,ctrl+f", "find", _("Find"), id="accounts.list.find"),
        Binding("b", "behind", _("Behind standard"), id="accounts.list.behind"),
        Binding("k", "backed_up", _("Clients I back up"), show=False, id="accounts.list.backed_up"),
        Binding("f5,r", "refresh", _("Refresh"), id="accounts.list.refresh"),
        Binding("f1", "app.help", _("Keys"), id="accounts.list.help"),
        Binding("ctrl+l", "app.logout", _("Log out"), id="accounts.list.logout"),
    ]

    # Keys typed before the first page of the list is here (the sign-in and the first keys in one burst) wait for
    # it: with nothing on the screen they would act on nothing, silently.  A failed first load lets them go;
    # help, log-out and quit are never held.
    keys_wait = True
    keys_past_the_gate = ("f1", "ctrl+l", "ctrl+q")

    def __init__(self) -> None:
        super().__init__()
        self.rows: list = []
        self.total = 0
        self.page = None
        self._loading = False
        self._generation = 0
        self._follow: int | None = None
        self._follow_index = 0
        self._arrived: set[int] = set()  # clients handed to this manager, to name once the list shows them
        self._push_timer = None
        self.behind = 0  # clients behind the contact standard of their class
        self.behind_rows: dict[int, object] = {}  # company id -> its BehindRow (the worst 500)

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="fu-summary")
        yield MyTargetsLine(id="fu-targets")
        yield Static("", id="fu-focus")
        yield ListTable(id="fu-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="fu-detail")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.title = _("Follow-ups")
        self.sub_title = self.actor.label
        table = self.query_one(ListTable)
        table.add_column(_("Company"), width=14, key="name")
        # The heading is the short word: the long one ("sales channel") was cut at 80 columns.
        table.add_column(pgettext("column", "Channel"), width=8, key="channel")
        table.add_column(_("Cl"), width=2, key="class")
        table.add_column(_("Buys"), width=4, key="count")
        table.add_column(_("Last"), width=8, key="last")
        table.add_column(_("LTV"), width=LTV_WIDTH, key="ltv")
        table.add_column(_("Next"), width=9, key="next")
        table.add_column("!", width=1, key="mark")
        table.fit_columns(name_and_channel)
        self.reload()

    def resumed(self) -> None:
        if self.page is not None:
            self.reload()

    def on_server_push(self, message: ServerPush) -> None:
        event = message.event
        if event.type == "handover":
            if event.company_id is not None:
                self._arrived.add(event.company_id)
        elif event.type == "changed" and event.what == "focus":
            self.load_focus()
            return
        elif not (event.type == "changed" and event.what == "accounts"):
            return
        if self._push_timer is None:
            self._push_timer = self.set_timer(PUSH_DELAY, self._reload_after_push)

    def _reload_after_push(self) -> None:
        self._push_timer = None
        self.reload()

    # --- loading ------------------------------------------------------------------
    def reload(self) -> None:
        selected = self.selected_row
        self._follow = selected.company_id if selected else None
        self._follow_index = self.query_one(DataTable).cursor_row if selected else 0
        self._generation += 1
        generation = self._generation
        self._loading = True
        self.load_focus()
        # As many rows as were loaded, so that a cursor far down the list can stay where it was.
        limit = min(RELOAD_MAX, max(PAGE, len(self.rows)))
        self.query_one(MyTargetsLine).refresh_targets()
        self.call(playbook.behind_standard, limit=500, done=self._behind_count)
        self.call(
            accounts.follow_up_list,
            offset=0,
            limit=limit,
            done=lambda page: self._first_page(generation, page),
            failed=lambda error: self._failed(generation, error),
            group="fu-list",
        )

    def action_refresh(self) -> None:
        self.reload()

    def load_focus(self) -> None:
        self.call(growth.focus_progress, done=self._show_focus, failed=ignore_refusals)

    def _show_focus(self, progress) -> None:
        from ..growth.focus import focus_line

        widget = self.query_one("#fu-focus", Static)
        widget.display = bool(progress)
        widget.update(focus_line(progress))

    def action_white_spots(self) -> None:
        from ..growth.portfolio import PortfolioGaps

        self.app.push_screen(PortfolioGaps())

    def _behind_count(self, page) -> None:
        self.behind = page.total
        self.behind_rows = {row.company_id: row for row in page.rows}
        self._show_summary()
        self._show_detail()

    def _failed(self, generation: int, error) -> None:
        self.keys_wait = False
        if generation == self._generation:
            self._loading = False
        self.app.notify(str(error), severity="error", timeout=6)

    def _first_page(self, generation: int, page) -> None:
        if generation != self._generation:
            return
        self._loading = False
        self.keys_wait = False
        self.page = page
        self.rows = []
        self.total = page.total
        table = self.query_one(DataTable)
        table.clear()
        self._append(page.rows)
        self._show_summary()
        if page.moved_to_lost:
            self.app.notify(
                _("{n} client(s) with no orders for too long moved to lost: return tasks created.").format(
                    n=page.moved_to_lost
                ),
                severity="warning",
                timeout=8,
            )
        if self._follow is not None and self.rows:
            # The same client if it is still listed, else the same line (the client was given away).
            index = next(
                (i for i, row in enumerate(self.rows) if row.company_id == self._follow),
                min(self._follow_index, len(self.rows) - 1),
            )
            table.move_cursor(row=index)
        table.focus()
        self._name_arrivals()
        self._show_detail()

    def _append(self, rows) -> None:
        table = self.query_one(ListTable)
        ltv = ltv_width([*self.rows, *rows])
        if ltv != table.columns[ColumnKey("ltv")].width:
            table.fit_columns(lambda width: name_and_channel(width, ltv))
        table.append_rows(
            (
                (
                    name_text(row),
                    Text(row.channel, no_wrap=True, overflow="ellipsis"),
                    class_text(row),
                    Text(str(row.orders_count), justify="right"),
                    Text(short_date(row.last_order_at)),
                    Text(show_amount(row.revenue_total), justify="right"),
                    next_purchase_text(row),
                    mark_text(row),
                ),
                str(row.company_id),
            )
            for row in rows
        )
        self.rows.extend(rows)

    def _name_arrivals(self) -> None:
        if not self._arrived:
            return
        names = [row.name for row in self.rows if row.company_id in self._arrived]
        count = len(self._arrived)
        self._arrived.clear()
        if count == 1 and names:
            message = _("A new client is yours: {name}").format(name=names[0])
        else:
            message = _("New clients are yours: {n}").format(n=count)
        self.app.notify(message, timeout=6)  # markup off: the name is the client's own text

    def _more(self) -> None:
        if self._loading or len(self.rows) >= self.total:
            return
        self._loading = True
        generation = self._generation
        self.call(
            accounts.follow_up_list,
            offset=len(self.rows),
            limit=PAGE,
            done=lambda page: self._next_page(generation, page),
            failed=lambda error: self._failed(generation, error),
            group="fu-list",
        )

    def _next_page(self, generation: int, page) -> None:
        if generation != self._generation:
            return
        self._loading = False
        known = {r.company_id for r in self.rows}
        self._append([r for r in page.rows if r.company_id not in known])
        self.total = page.total
        self._show_summary()

    def _show_summary(self) -> None:
        page = self.page
        if page is None:
            return
        first = Text()
        first.append(_("{n} clients").format(n=page.total), style="bold")
        first.append(_(" · loaded {n}").format(n=len(self.rows)), style="dim")
        entries = [first, Text(_("due today: {n}").format(n=page.due), style="bold yellow" if page.due else "dim")]
        if self.behind:
            entries.append(Text(_("behind standard: {n} (b)").format(n=self.behind), style="bold red"))
        if page.open_quality_checks:
            entries.append(Text(_("quality checks: {n}").format(n=page.open_quality_checks), style="green"))
        if page.open_returns:
            entries.append(Text(_("returns: {n}").format(n=page.open_returns), style="magenta"))
        if page.holiday:
            holiday = Text("♦ ", style="bold cyan")
            holiday.append(page.holiday, style="cyan")
            entries.append(holiday)
        text = entries_in_lines(entries, Text("  "), max(20, self.size.width - 2))
        self.query_one("#fu-summary", Static).update(text)

    # --- cursor ---------------------------------------------------------------------------
    @property
    def selected_row(self):
        if not self.rows:
            return None
        try:
            index = self.query_one(DataTable).cursor_row
        except Exception:
            return None
        return self.rows[index] if 0 <= index < len(self.rows) else None

    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail()
        if event.cursor_row >= len(self.rows) - PREFETCH:
            self._more()

    def _show_detail(self) -> None:
        row = self.selected_row
        if row is None:
            self.query_one("#fu-detail", Static).update(Text(_("No clients yet."), style="dim"))
            return
        self.query_one("#fu-detail", Static).update(row_detail(row, self.behind_rows.get(row.company_id)))

    # --- actions ------------------------------------------------------------------------------
    @on(DataTable.RowSelected)
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open_card()

    def action_open_card(self) -> None:
        row = self.selected_row
        if row is not None:
            self.open_card(row.company_id)

    def action_find(self) -> None:
        from ..widgets.find_dialog import FindClientDialog

        self.app.push_screen(FindClientDialog(), lambda found: self.open_card(found.company_id) if found else None)

    def open_card(self, company_id: int) -> None:
        from .card import AccountCardScreen

        self.app.push_screen(AccountCardScreen(company_id))

    def action_order(self) -> None:
        row = self.selected_row
        if row is not None:
            from .dialogs import OrderDialog

            self.app.push_screen(OrderDialog(row.company_id, row.name), self._ordered)

    def _ordered(self, result) -> None:
        if result is None:
            return
        self.app.notify(_("Order saved; a quality check is planned."), timeout=4)
        self.reload()

    def action_follow_up(self) -> None:
        row = self.selected_row
        if row is not None:
            from .dialogs import FollowUpDialog

            self.app.push_screen(FollowUpDialog(row.company_id, row.name), self._changed)

    def _changed(self, result) -> None:
        if result is not None:
            self.reload()

    def action_behind(self) -> None:
        from ..playbook.behind import BehindList

        self.app.push_screen(BehindList())

    def action_backed_up(self) -> None:
        from ..playbook.second import SecondClients

        self.app.push_screen(SecondClients())

    def action_tasks(self) -> None:
        from .tasks import TasksScreen

        self.app.push_screen(TasksScreen(), self._task_chosen)

    def _task_chosen(self, company_id) -> None:
        if company_id is not None:
            self.open_card(company_id)
        else:
            self.reload()
