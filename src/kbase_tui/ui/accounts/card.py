"""The account card: the client's figures, orders, contact persons, open tasks, requirements, history.

Tabs 1 Orders · 2 Contacts · 3 History · 4 Tasks & requirements · 5 Growth (the digit keys switch).
o records an order, f a follow-up call by the segment's script, k the open quality check,
n a note/call/meeting, r the requirements, p the potential, x marks the client lost,
c turns the highlighted white spot of tab 5 into a cross-sell task, s brings a specialist in, z closes a
specialist's task.
Contacts and the history are the shared client-card widgets (ui/widgets), as on the deal card.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Header, Static, TabbedContent, TabPane

from kbase_tui.i18n import _, pgettext
from kbase_tui.labels import category_label
from kbase_tui.protocol import accounts, growth
from kbase_tui.protocol.accounts import follow_up_results
from kbase_tui.protocol.errors import AccessDenied
from kbase_tui.timezones import in_reader_zone

from ..base import KbaseScreen
from ..growth.card_panel import GrowthPanel
from ..messages import ServerPush
from ..widgets.contacts import ContactsPanel
from ..widgets.footer import KeyFooter
from ..widgets.formats import entries_in_lines, show_amount, show_date
from ..widgets.history import HistoryTimeline
from ..widgets.table import ListTable
from .follow_up_list import short_date
from .tasks import task_text

ORDERS_PAGE = 100
TABS = ("orders", "contacts", "history", "tasks", "growth")


class AccountCardScreen(KbaseScreen):
    CSS_PATH = "accounts.tcss"
    HELP = _(
        "The account card. 1 orders, 2 contact persons (a adds, Enter or e edits), 3 the whole history, "
        "4 open tasks and requirements. o new order, f follow-up call, k quality check, n note, "
        "r requirements, p potential, x lost. 5 growth: the segment's standard, the white spots (categories the "
        "client does not buy, or buys too rarely) and the figures against the year before; c turns the highlighted "
        "white spot into a cross-sell task, s brings a specialist (project or technical) into the client, z closes a "
        "specialist's task there (their access ends with it). Esc goes back."
    )
    BINDINGS = [
        Binding("o", "order", _("Order"), id="accounts.card.order"),
        Binding("f", "follow_up", _("Follow-up call"), id="accounts.card.follow_up"),
        Binding("k", "quality", _("Quality check"), id="accounts.card.quality"),
        Binding("n", "note", _("Note"), id="accounts.card.note"),
        Binding("r", "requirements", _("Requirements"), id="accounts.card.requirements"),
        Binding("p", "potential", _("Potential"), show=False, id="accounts.card.potential"),
        Binding("x", "lost", pgettext("client", "Lost"), show=False, id="accounts.card.lost"),
        Binding("1", "tab('orders')", _("Orders"), show=False, id="accounts.card.tab_orders"),
        Binding("2", "tab('contacts')", _("Contacts"), show=False, id="accounts.card.tab_contacts"),
        Binding("3", "tab('history')", _("History"), show=False, id="accounts.card.tab_history"),
        Binding("4", "tab('tasks')", _("Tasks"), show=False, id="accounts.card.tab_tasks"),
        Binding("5", "tab('growth')", _("Growth"), show=False, id="accounts.card.tab_growth"),
        Binding("c", "cross_sell", _("Cross-sell"), show=False, id="accounts.card.cross_sell"),
        Binding("s", "specialist", _("Specialist"), show=False, id="accounts.card.specialist"),
        Binding("z", "specialist_tasks", _("Specialists' tasks"), show=False, id="accounts.card.specialist_tasks"),
        Binding("escape", "back", _("Back"), id="accounts.card.back"),
        Binding("f1", "app.help", _("Keys"), id="accounts.card.help"),
    ]

    def __init__(self, company_id: int) -> None:
        super().__init__()
        self.company_id = company_id
        self.card = None
        self.orders: list = []
        self._orders_complete = False
        self._orders_loading = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="acard-top")
        with TabbedContent(id="acard-tabs"):
            with TabPane(_("1 Orders"), id="orders"):
                yield ListTable(id="acard-orders", cursor_type="row", zebra_stripes=True)
            with TabPane(_("2 Contacts"), id="contacts"):
                yield ContactsPanel(id="acard-contacts")
            with TabPane(_("3 History"), id="history"):
                yield HistoryTimeline(loader=accounts.account_history, id="acard-history")
            with TabPane(_("4 Tasks & requirements"), id="tasks"):
                yield Static("", id="acard-tasks")
            with TabPane(_("5 Growth"), id="growth"):
                yield GrowthPanel(id="acard-growth")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.title = _("Account")
        table = self.query_one("#acard-orders", DataTable)
        table.add_column(_("Date"), key="date", width=10)
        table.add_column(_("Amount"), key="amount", width=13)
        # A margin as wide as an amount: "1 010 000,25" was cut to "1 010 000,…".
        table.add_column(_("Margin"), key="margin", width=13)
        # What was ordered takes what the figures leave, again on every resize (a long text ran off an
        # 80-column screen); what does not fit ends in "…".
        table.add_column(_("Items"), key="items")
        table.fit_columns(lambda width: {"items": max(16, width - 2 - 8 - 36)})  # scrollbar, padding, figures
        self.load()

    # --- loading --------------------------------------------------------------------
    def load(self) -> None:
        self.call(accounts.account_card, self.company_id, done=self._show, failed=self._load_failed)
        self._load_orders(reset=True)

    def on_server_push(self, message: ServerPush) -> None:
        event = message.event
        if event.type == "changed" and event.what == "accounts" and event.company_id == self.company_id:
            # The client may have been given to someone else: the card closes if it may no longer be seen.
            self._reload_card()

    def _reload_card(self) -> None:
        """The card again, after a change made here or elsewhere.  Every reload is for the same thing, so
        the newest supersedes the others (ui/base.py): each closes the card if the client was given away."""
        self.call(accounts.account_card, self.company_id, done=self._show, failed=self._given_away)

    def _given_away(self, error) -> None:
        if isinstance(error, AccessDenied):
            self.app.notify(_("This client was given to another account manager."), timeout=6)
            self.action_back()
        else:
            self._load_failed(error)

    def _load_failed(self, error) -> None:
        self.app.notify(str(error), severity="error", timeout=6)
        self.action_back()

    def _show(self, card) -> None:
        self.card = card
        self.title = card.company.name
        self._show_top()
        contacts = self.query_one(ContactsPanel)
        contacts.company_id = card.company.id
        contacts.show(card.contacts)
        self._show_tasks()
        history = self.query_one(HistoryTimeline)
        history.set_outcome_labels(follow_up_results())
        history.reload(card.company.id)
        self.query_one(GrowthPanel).load(card.company.id)
        if self.focused is None:
            self.query_one("#acard-orders", DataTable).focus()

    def _show_top(self) -> None:
        company, f = self.card.company, self.card.figures
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(f.abcde_class or "·", style="bold reverse green" if f.abcde_class in ("A", "B") else "bold reverse")
        if f.is_key_client:
            text.append("*", style="bold yellow")
        text.append(" ")
        text.append(company.name, style="bold")
        text.append("  ")
        text.append(category_label(f.category), style="bold magenta" if f.category == "lost" else "dim")
        if f.is_key_client:
            text.append("  " + _("key client"), style="yellow")

        def entry(label: str, value: str = "", style: str = "") -> Text:
            item = Text(label, style="dim")
            if value:
                item.append(" ")
                item.append(value, style=style)
            return item

        orders = [entry(_("Orders"), str(f.orders_count)), entry(_("LTV"), show_amount(f.revenue_total), "bold")]
        if f.average_order is not None:
            orders.append(entry(_("avg"), show_amount(f.average_order.quantize(1))))
        orders.append(entry(_("last"), short_date(f.last_order_at) or "—"))
        if f.usual_interval_days:
            orders.append(entry(_("every ~{n} d.").format(n=f.usual_interval_days)))
        if f.margin_total is not None:
            orders.append(entry(_("margin"), show_amount(f.margin_total.quantize(1))))
        if f.next_purchase_at:
            stated = short_date(f.next_purchase_at)
            purchase = entry(_("Next purchase"), stated if f.next_purchase_is_stated else "~" + stated, "bold")
        else:
            purchase = entry(_("Next purchase"), "—")
        follow = in_reader_zone(f.next_follow_up_at).date() if f.next_follow_up_at else None
        plans = [
            purchase,
            entry(_("follow-up"), short_date(follow) or "—"),
            entry(_("potential"), str(f.potential_score)),
        ]
        if f.owner_name and f.owner_name not in (self.actor.full_name, self.actor.username):
            plans.append(entry(_("manager"), f.owner_name))  # another's client (the head of sales reads it)
        details = [Text(x, style="dim") for x in (company.city, company.channel, company.industry) if x]
        # A line breaks only between two entries ("каждые ~51" never parted from "дн."), from the panel's own
        # width and again on a resize; when the three groups take more than three lines under the name, they run
        # on one after another, so the list below keeps its room (the panel grows to whatever that takes).
        top = self.query_one("#acard-top", Static)
        width = max(20, self.size.width - 2)  # the panel spans the screen, less its padding
        separator = Text(" · ", style="dim")
        groups = [entries_in_lines(group, separator, width) for group in (orders, plans, details) if group]
        if sum(len(g.plain.split("\n")) for g in groups) > 3:
            groups = [entries_in_lines([*orders, *plans, *details], separator, width)]
        for group in groups:
            text.append("\n")
            text.append_text(group)
        top.update(text)

    def on_resize(self) -> None:
        if getattr(self, "card", None) is not None:
            self._show_top()

    def _show_tasks(self) -> None:
        text = Text()
        tasks = self.card.tasks
        text.append(_("Open tasks"), style="bold underline")
        if not tasks:
            text.append("\n" + _("none"), style="dim")
        for task in tasks:
            text.append("\n")
            text.append_text(task_text(task))
        text.append("\n\n")
        text.append(_("Requirements (r edits)"), style="bold underline")
        text.append("\n")
        text.append(
            self.card.figures.requirements or _("not written yet"),
            style="" if self.card.figures.requirements else "dim",
        )
        self.query_one("#acard-tasks", Static).update(text)

    def _load_orders(self, *, reset: bool = False) -> None:
        if reset:
            self.orders = []
            self._orders_complete = False
            self.query_one("#acard-orders", DataTable).clear()
        if self._orders_complete or self._orders_loading:
            return
        self._orders_loading = True
        before = self.orders[-1].id if self.orders and not reset else None
        self.call(
            accounts.orders,
            self.company_id,
            limit=ORDERS_PAGE,
            before_id=before,
            done=self._orders_loaded,
            failed=self._orders_failed,
            group="acard-orders",
        )

    def _orders_failed(self, error) -> None:
        self._orders_loading = False
        self.app.notify(str(error), severity="error", timeout=6)

    def _orders_loaded(self, orders) -> None:
        self._orders_loading = False
        table = self.query_one("#acard-orders", DataTable)
        known = {o.id for o in self.orders}
        for order in orders:
            if order.id in known:
                continue
            table.add_row(
                Text(show_date(order.ordered_at)),
                Text(show_amount(order.amount), justify="right"),
                Text(show_amount(order.margin) if order.margin is not None else "", justify="right"),
                Text(order.items.replace("\n", " ")),
                key=str(order.id),
            )
            self.orders.append(order)
        if len(orders) < ORDERS_PAGE:
            self._orders_complete = True

    @on(DataTable.RowHighlighted, "#acard-orders")
    def _order_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.cursor_row >= len(self.orders) - 5:
            self._load_orders()

    # --- actions ------------------------------------------------------------------------
    def action_tab(self, name: str) -> None:
        tabs = self.query_one(TabbedContent)
        tabs.active = name
        target = {
            "orders": "#acard-orders",
            "contacts": "#acard-contacts",
            "history": "#acard-history",
            "growth": "#growth-spots",
        }.get(name)
        if target:
            self.query_one(target).focus()

    @property
    def name_(self) -> str:
        return self.card.company.name if self.card else ""

    def action_order(self) -> None:
        if self.card is None:
            return
        from .dialogs import OrderDialog

        self.app.push_screen(OrderDialog(self.company_id, self.name_), self._ordered)

    def _ordered(self, result) -> None:
        if result is None:
            return
        message = _("Order saved; a quality check is planned.")
        if result.returned_from_lost:
            message += " " + _("The client is active again.")
        self.app.notify(message, timeout=5)
        self.load()

    def action_follow_up(self) -> None:
        if self.card is None:
            return
        from .dialogs import FollowUpDialog

        self.app.push_screen(FollowUpDialog(self.company_id, self.name_), self._changed)

    def _changed(self, result) -> None:
        if result is not None:
            self._reload_card()

    def action_quality(self) -> None:
        if self.card is None:
            return
        task = next((t for t in self.card.tasks if t.kind == "quality_check"), None)
        if task is None:
            self.app.notify(_("No quality check is waiting for this client."), timeout=4)
            return
        from .dialogs import QualityDialog

        self.app.push_screen(QualityDialog(task), self._changed)

    def action_note(self) -> None:
        if self.card is None:
            return
        from ..widgets.note_dialog import AddNoteDialog

        self.app.push_screen(
            AddNoteDialog(self.company_id, title=self.name_),
            lambda entry: self.query_one(HistoryTimeline).reload() if entry else None,
        )

    def action_requirements(self) -> None:
        if self.card is None:
            return
        from .dialogs import RequirementsDialog

        self.app.push_screen(
            RequirementsDialog(self.company_id, self.name_, self.card.figures.requirements), self._changed
        )

    def action_potential(self) -> None:
        if self.card is None:
            return
        from .dialogs import PotentialDialog

        self.app.push_screen(
            PotentialDialog(self.company_id, self.name_, self.card.figures.potential_score), self._changed
        )

    def action_lost(self) -> None:
        if self.card is None or self.card.figures.category == "lost":
            return
        from .dialogs import LostDialog

        self.app.push_screen(LostDialog(self.company_id, self.name_), self._changed)

    def action_cross_sell(self) -> None:
        if self.card is None:
            return
        panel = self.query_one(GrowthPanel)
        if self.query_one(TabbedContent).active != "growth":
            self.action_tab("growth")
            return
        spot = panel.selected_spot
        if spot is None:
            self.app.notify(_("No white spot is highlighted."), timeout=4)
            return
        self.call(growth.cross_sell, self.company_id, spot.category_id, done=self._cross_sold)

    def _cross_sold(self, task) -> None:
        self.app.notify(_("Cross-sell task: {text}").format(text=task.text), timeout=8, markup=False)
        self._reload_card()

    def action_specialist(self) -> None:
        if self.card is None:
            return
        from ..growth.dialogs import BringInDialog

        self.app.push_screen(BringInDialog(self.company_id, self.name_), self._brought_in)

    def action_specialist_tasks(self) -> None:
        if self.card is None:
            return
        from ..growth.dialogs import SpecialistTasksDialog

        self.app.push_screen(SpecialistTasksDialog(self.company_id, self.name_), self._specialist_closed)

    def _specialist_closed(self, task) -> None:
        if task is not None:
            self.app.notify(_("The specialist's task is closed: they no longer see this client."), timeout=6)
            self._reload_card()

    def _brought_in(self, task) -> None:
        if task is not None:
            self.app.notify(_("The specialist sees this client's card until the task is closed."), timeout=6)
            self._reload_card()

    @on(ContactsPanel.Changed)
    def _contacts_changed(self) -> None:
        self.query_one(HistoryTimeline).reload()

    def action_back(self) -> None:
        if self.app.screen is self and len(self.app.screen_stack) > 2:
            self.app.pop_screen()
