"""The head of sales' playbook: four tabs, one job each (keys 1-4 switch).

1 Contact standards: how often a client of each ABCDE class must be contacted (e changes the highlighted
  class), and per account manager how many of their clients are behind; Enter lists a manager's clients
  behind, key clients first.
2 Second persons: A/B and key clients with their second responsible person; a attaches one, x removes.
3 Lost TOP: lost clients ranked by what they bought in their last year, with the return plan's progress;
  p adds a step (who, what, by when), which the person gets as a task; the plan shows under the table.
4 Activation: potential clients to activate per month (e sets the highlighted month's plan) against the
  fact (first contracts and first orders), and who activated them.
"""

from __future__ import annotations

from datetime import date

from rich.cells import cell_len
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Header, Input, Label, Select, Static, TabbedContent, TabPane

from kbase_tui.formatting import today as business_today
from kbase_tui.i18n import _
from kbase_tui.labels import role_label
from kbase_tui.protocol import playbook
from kbase_tui.protocol.reports import metric_label

from ..base import KbaseScreen
from ..widgets.footer import KeyFooter
from ..widgets.form_dialog import DialogBody, ErrorLine, FormDialog
from ..widgets.formats import parse_date, show_amount, show_datetime
from ..widgets.table import ListTable
from .behind import BehindList, class_cell, cut

TABS = ("standards", "second", "lost", "activation")
MAIN_TABLE = {"standards": "#pb-standards", "second": "#pb-second", "lost": "#pb-lost", "activation": "#pb-activation"}


class NumberDialog(FormDialog):
    """One whole number, with what it means; Enter saves."""

    COMPACT = True
    BINDINGS = [Binding("enter", "save", _("Save"), show=False, id="playbook.number.enter")]

    def __init__(self, title: str, label: str, value: int | None, *, low: int = 0, high: int = 1_000_000) -> None:
        super().__init__()
        self.title_text, self.label, self.initial, self.low, self.high = title, label, value, low, high

    def compose(self) -> ComposeResult:
        with DialogBody():
            yield Static(Text(self.title_text), classes="dialog-title")
            yield Label(self.label)
            yield Input("" if self.initial is None else str(self.initial), id="number-value")
            yield ErrorLine()
            yield Static(Text(_("Enter saves, Esc cancels.")), classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, _event: Input.Submitted) -> None:
        self.action_save()

    def action_save(self) -> None:
        text = self.query_one(Input).value.strip().replace(" ", "")
        if not text.isdigit() or not self.low <= int(text) <= self.high:
            self.show_error(_("A whole number from {low} to {high}.").format(low=self.low, high=self.high))
            return
        self.dismiss(int(text))


class PersonDialog(FormDialog):
    """Choose one person (the second responsible person)."""

    COMPACT = True

    def __init__(self, title: str, people) -> None:
        super().__init__()
        self.title_text = title
        self.people = list(people)

    def compose(self) -> ComposeResult:
        with DialogBody():
            yield Static(Text(self.title_text), classes="dialog-title")
            yield Label(_("Who"))
            yield Select(
                [(Text(f"{p.name} · {role_label(p.role)}"), p.id) for p in self.people],
                prompt=_("Choose a person"),
                id="person-who",
            )
            yield ErrorLine()
            yield Static(Text(_("Ctrl+S saves, Esc cancels.")), classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one(Select).focus()

    def action_save(self) -> None:
        who = self.query_one(Select).value
        if not isinstance(who, int):
            self.show_error(_("Choose a person."))
            return
        self.dismiss(who)


class ReturnStepDialog(FormDialog):
    """A step of a lost client's return plan: who, what, by when."""

    COMPACT = True

    def __init__(self, company_name: str, people, owner_id: int | None) -> None:
        super().__init__()
        self.company_name = company_name
        self.people = list(people)
        self.owner_id = owner_id

    def compose(self) -> ComposeResult:
        with DialogBody():
            yield Static(Text(_("Return plan: {name}").format(name=self.company_name)), classes="dialog-title")
            yield Label(_("Who (another manager becomes the client's manager)"))
            ids = [p.id for p in self.people]
            yield Select(
                [(Text(p.name), p.id) for p in self.people],
                value=self.owner_id if self.owner_id in ids else Select.NULL,
                prompt=_("Choose a person"),
                id="step-who",
            )
            yield Label(_("What is to be done"))
            yield Input(id="step-what", max_length=500)  # the service's limit: a full field says so
            yield Label(_("By when (dd.mm.yyyy)"))
            yield Input(id="step-when")
            yield ErrorLine()
            yield Static(Text(_("Ctrl+S saves, Esc cancels.")), classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#step-what", Input).focus()

    def action_save(self) -> None:
        who = self.query_one("#step-who", Select).value
        what = self.query_one("#step-what", Input).value.strip()
        if not isinstance(who, int):
            self.show_error(_("Choose a person."))
            return
        if not what:
            self.show_error(_("Say what is to be done."))
            return
        try:
            when = parse_date(self.query_one("#step-when", Input).value)
        except ValueError as error:
            self.show_error(str(error))
            return
        if when is None or when < business_today():
            self.show_error(_("The date is in the past."))
            return
        self.dismiss((who, what, when))


class TeamBehindList(BehindList):
    """One manager's clients behind the standard, for the supervisor."""

    def __init__(self, manager_id: int, manager_name: str) -> None:
        super().__init__()
        self.manager_id = manager_id
        self.manager_name = manager_name

    def whose(self) -> str:
        return self.manager_name

    def action_refresh(self) -> None:
        self.call(playbook.team_behind, manager_id=self.manager_id, done=self._show, group="behind", exclusive=True)

    def action_open_card(self) -> None:
        row = self.selected
        if row is not None:
            from ..supervisor.company_card import SupervisorCardScreen

            self.app.push_screen(SupervisorCardScreen(row.company_id))


def _pct(fact: int, plan: int | None) -> str:
    return f"{round(100 * fact / plan)}%" if plan else "—"


class PlaybookScreen(KbaseScreen):
    CSS_PATH = "playbook.tcss"
    HELP = _(
        "The playbook. 1 contact standards per ABCDE class (e changes a class's days; Enter on a manager "
        "lists their clients behind). 2 second responsible persons of A/B and key clients (a attaches, x "
        "removes). 3 the TOP of lost clients by last year's purchases, with return plans (p adds a step). "
        "4 the plan for activating potential clients per month against the fact (e sets a month's plan)."
    )
    BINDINGS = [
        Binding("1", "tab('standards')", _("Standards"), id="playbook.tab.standards"),
        Binding("2", "tab('second')", _("Second persons"), id="playbook.tab.second"),
        Binding("3", "tab('lost')", _("Lost TOP"), id="playbook.tab.lost"),
        Binding("4", "tab('activation')", _("Activation"), id="playbook.tab.activation"),
        Binding("e", "edit", _("Change"), id="playbook.edit"),
        Binding("a", "assign", _("Attach"), show=False, id="playbook.assign"),
        Binding("x", "remove", _("Remove"), show=False, id="playbook.remove"),
        Binding("p", "plan_step", _("Plan step"), show=False, id="playbook.plan_step"),
        Binding("f5,r", "refresh", _("Refresh"), id="playbook.refresh"),
        Binding("escape", "app.pop_screen", _("Back"), id="playbook.back"),
        Binding("f1", "app.help", _("Keys"), id="playbook.help"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.standards: list = []
        self.managers: list = []
        self.key_clients: list = []
        self.lost: list = []
        self.activation = None
        self.people: list = []

    def compose(self) -> ComposeResult:
        yield Header()
        with TabbedContent(id="pb-tabs", initial="standards"):
            with TabPane(_("1 Contact standards"), id="standards"):
                yield ListTable(id="pb-standards", cursor_type="row")
                yield Static("", id="pb-managers-title", classes="pb-summary")
                yield ListTable(id="pb-managers", classes="pb-table", cursor_type="row", zebra_stripes=True)
            with TabPane(_("2 Second persons"), id="second"):
                yield ListTable(id="pb-second", classes="pb-table", cursor_type="row", zebra_stripes=True)
            with TabPane(_("3 Lost TOP"), id="lost"):
                yield ListTable(id="pb-lost", classes="pb-table", cursor_type="row", zebra_stripes=True)
                yield Static("", id="pb-plan", classes="pb-detail")
            with TabPane(_("4 Activation"), id="activation"):
                yield ListTable(id="pb-activation", classes="pb-table", cursor_type="row", zebra_stripes=True)
                yield Static("", id="pb-activators", classes="pb-detail")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.title = _("Playbook")
        self.name_width = max(14, min(40, self.app.size.width - 50))
        standards = self.query_one("#pb-standards", DataTable)
        standards.add_column(_("Class"), width=6, key="class")
        standards.add_column(_("Contact every"), width=14, key="days")
        standards.styles.height = 6
        managers = self.query_one("#pb-managers", DataTable)
        managers.add_column(_("Manager"), width=max(14, self.name_width - 6), key="name")
        for label, key in (
            (_("Measured"), "with"),
            (_("Behind"), "behind"),
            (_("Key clients"), "key"),
            (_("Worst"), "worst"),
        ):
            managers.add_column(label, width=max(9, cell_len(label)), key=key)  # a heading is never cut
        second = self.query_one("#pb-second", DataTable)
        second.add_column(_("Company"), width=self.name_width, key="name")
        second.add_column(_("Cl"), width=2, key="class")
        second.add_column(_("Manager"), width=16, key="owner")
        second.add_column(_("Second person"), width=16, key="second")
        lost = self.query_one("#pb-lost", DataTable)
        lost.add_column("#", width=3, key="rank")
        lost.add_column(_("Company"), width=max(12, self.name_width - 8), key="name")
        lost.add_column(_("Last year"), width=12, key="revenue")
        lost.add_column(_("Plan"), width=5, key="plan")
        lost.add_column(_("Step due"), width=10, key="next")  # the next step's date
        lost.add_column(_("Manager"), width=14, key="owner")
        activation = self.query_one("#pb-activation", DataTable)
        for label, key, width in (
            (_("Month"), "month", 10),
            (_("Plan"), "plan", 8),
            (_("Fact"), "fact", 8),
            ("%", "pct", 6),
        ):
            activation.add_column(label, width=width, key=key)
        self.action_refresh()
        self.call(playbook.second_candidates, done=self._people)

    def resumed(self) -> None:
        if self.standards:  # back from a dialog or a list: the first showing is loaded by on_mount
            self.action_refresh()

    def _people(self, people) -> None:
        self.people = list(people)

    def _focus(self, table, tab: str) -> None:
        # Focusing a table of another tab would switch to that tab (a load answering late must not).
        if self.tab == tab:
            table.focus()

    @property
    def tab(self) -> str:
        return self.query_one(TabbedContent).active or "standards"

    def action_tab(self, name: str) -> None:
        # The focus goes with the tab: a table left focused in the tab before would bring that tab back.
        self.query_one(TabbedContent).active = name  # TabActivated loads it
        self.query_one(MAIN_TABLE[name], DataTable).focus()

    @on(TabbedContent.TabActivated)
    def _tab_changed(self, _event) -> None:
        self.query_one(MAIN_TABLE[self.tab], DataTable).focus()  # a tab chosen by mouse too
        self.action_refresh()

    def action_refresh(self) -> None:
        tab = self.tab
        if tab == "standards":
            self.call(playbook.contact_standards, done=self._show_standards)
            self.call(playbook.behind_by_manager, done=self._show_managers)
        elif tab == "second":
            self.call(playbook.key_clients, done=self._show_second)
        elif tab == "lost":
            self.call(playbook.lost_top, done=self._show_lost)
        elif tab == "activation":
            self.call(playbook.activation, done=self._show_activation)

    # --- 1 standards --------------------------------------------------------------------------
    def _show_standards(self, rows) -> None:
        self.standards = list(rows)
        table = self.query_one("#pb-standards", ListTable)
        cursor = table.cursor_row
        table.clear()
        table.append_rows(
            (
                (
                    Text(r.abcde_class, style="bold"),
                    Text(_("{n} days").format(n=r.days) if r.days else _("no standard"), style="" if r.days else "dim"),
                ),
                r.abcde_class,
            )
            for r in self.standards
        )
        table.move_cursor(row=min(cursor, len(self.standards) - 1))
        self._focus(table, "standards")

    def _show_managers(self, rows) -> None:
        self.managers = list(rows)
        table = self.query_one("#pb-managers", ListTable)
        table.clear()
        table.append_rows(
            (
                (
                    Text(cut(m.name, max(14, self.name_width - 6))),
                    Text(str(m.with_standard), justify="right"),
                    Text(str(m.behind), justify="right", style="bold red" if m.behind else ""),
                    Text(str(m.behind_key), justify="right", style="bold yellow" if m.behind_key else ""),
                    Text(_("{n} d.").format(n=m.worst_days) if m.worst_days else "", justify="right"),
                ),
                str(m.user_id),
            )
            for m in self.managers
        )
        total = sum(m.behind for m in self.managers)
        self.query_one("#pb-managers-title", Static).update(
            Text(_("Clients behind the standard, per manager: {n} in all (Enter lists them)").format(n=total))
        )

    @on(DataTable.RowSelected, "#pb-managers")
    def _manager_chosen(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if 0 <= event.cursor_row < len(self.managers):
            manager = self.managers[event.cursor_row]
            self.app.push_screen(TeamBehindList(manager.user_id, manager.name))

    # --- 2 second persons ---------------------------------------------------------------------
    def _show_second(self, rows) -> None:
        self.key_clients = list(rows)
        table = self.query_one("#pb-second", ListTable)
        cursor = table.cursor_row
        table.clear()
        table.append_rows(
            (
                (
                    Text(cut(r.name, self.name_width)),
                    class_cell(r),
                    Text(cut(r.owner_name, 16)),
                    Text(cut(r.second_name, 16)) if r.second_id else Text(_("none"), style="bold red"),
                ),
                str(r.company_id),
            )
            for r in self.key_clients
        )
        if self.key_clients:
            table.move_cursor(row=min(cursor, len(self.key_clients) - 1))
        self._focus(table, "second")

    def _selected(self, table_id: str, rows: list):
        index = self.query_one(table_id, DataTable).cursor_row
        return rows[index] if rows and 0 <= index < len(rows) else None

    def action_assign(self) -> None:
        if self.tab != "second":
            return
        row = self._selected("#pb-second", self.key_clients)
        if row is None:
            return
        people = [p for p in self.people if p.id != row.owner_id]

        def chosen(user_id) -> None:
            if user_id is not None:
                self.call(playbook.assign_second, row.company_id, user_id, done=lambda _r: self.action_refresh())

        self.app.push_screen(PersonDialog(_("Second responsible person: {name}").format(name=row.name), people), chosen)

    def action_remove(self) -> None:
        if self.tab != "second":
            return
        row = self._selected("#pb-second", self.key_clients)
        if row is not None and row.second_id is not None:
            self.call(playbook.remove_second, row.company_id, done=lambda _r: self.action_refresh())

    # --- 3 lost TOP ---------------------------------------------------------------------------
    def _show_lost(self, rows) -> None:
        self.lost = list(rows)
        table = self.query_one("#pb-lost", ListTable)
        cursor = table.cursor_row
        table.clear()
        table.append_rows(
            (
                (
                    Text(str(r.rank), justify="right"),
                    Text(cut(r.name, max(12, self.name_width - 8))),
                    Text(show_amount(r.year_revenue), justify="right"),
                    Text(f"{r.steps_done}/{r.steps}", style="green" if r.steps and r.steps == r.steps_done else ""),
                    Text(
                        show_datetime(r.next_due_at)[:10] if r.next_due_at else "—",
                        style="bold red" if r.overdue else "",
                    ),
                    Text(cut(r.owner_name, 14)),
                ),
                str(r.company_id),
            )
            for r in self.lost
        )
        if self.lost:
            table.move_cursor(row=min(cursor, len(self.lost) - 1))
        else:
            self.query_one("#pb-plan", Static).update(Text(_("No lost clients."), style="dim"))
        self._focus(table, "lost")
        self._show_plan()

    @on(DataTable.RowHighlighted, "#pb-lost")
    def _lost_highlighted(self, _event) -> None:
        self._show_plan()

    def _show_plan(self) -> None:
        row = self._selected("#pb-lost", self.lost)
        if row is None:
            return
        self.call(
            playbook.return_plan,
            row.company_id,
            done=lambda steps: self._plan_shown(row.company_id, steps),
            group="pb-plan",
        )

    def _plan_shown(self, company_id: int, steps) -> None:
        # Answers may come back out of order as the cursor moves: only the highlighted client's plan is shown.
        row = self._selected("#pb-lost", self.lost)
        if row is None or row.company_id != company_id:
            return
        text = Text(no_wrap=True, overflow="ellipsis")
        if not steps:
            text.append(_("No return plan yet: p adds a step."), style="dim")
        for n, step in enumerate(steps[-3:]):
            if n:
                text.append("\n")
            text.append("✓ " if step.done_at else "· ", style="green" if step.done_at else "bold")
            text.append(show_datetime(step.due_at)[:10] + " ", style="dim")
            text.append(step.assignee_name + ": ", style="bold")
            text.append(step.text.splitlines()[0] if step.text else "")
            if step.result:
                text.append(" → " + step.result, style="green")
        self.query_one("#pb-plan", Static).update(text)

    def action_plan_step(self) -> None:
        if self.tab != "lost":
            return
        row = self._selected("#pb-lost", self.lost)
        if row is None:
            return
        people = [p for p in self.people if p.role == "account"]

        def chosen(result) -> None:
            if result is not None:
                who, what, when = result
                self.call(
                    playbook.add_return_step, row.company_id, who, what, when, done=lambda _s: self.action_refresh()
                )

        self.app.push_screen(ReturnStepDialog(row.name, people, row.owner_id), chosen)

    # --- 4 activation -------------------------------------------------------------------------
    def _show_activation(self, report) -> None:
        self.activation = report
        table = self.query_one("#pb-activation", ListTable)
        table.clear()
        rows = list(reversed(report.rows))  # the current month first
        table.append_rows(
            (
                (
                    Text(r.starts_on.strftime("%m.%Y")),
                    Text("—" if r.plan is None else str(r.plan), justify="right"),
                    Text(str(r.fact), justify="right", style="bold"),
                    Text(_pct(r.fact, r.plan), justify="right", style="green" if r.plan and r.fact >= r.plan else ""),
                ),
                r.starts_on.isoformat(),
            )
            for r in rows
        )
        text = Text(no_wrap=True, overflow="ellipsis")
        if rows:
            text.append(_("Potential clients in the base now: {n}").format(n=rows[0].potential_left), style="bold")
            text.append("\n")
        text.append(_("Activated by closers ({metric}): ").format(metric=metric_label("deals_won")), style="dim")
        text.append(", ".join(f"{a.name} {a.activated}" for a in report.by_closer) or "—")
        self.query_one("#pb-activators", Static).update(text)
        self._focus(table, "activation")

    def _activation_month(self) -> date | None:
        if self.activation is None:
            return None
        rows = list(reversed(self.activation.rows))
        row = self._selected("#pb-activation", rows)
        return row.starts_on if row else None

    # --- e: change the highlighted standard or month's plan -------------------------------------
    def action_edit(self) -> None:
        if self.tab == "standards":
            row = self._selected("#pb-standards", self.standards)
            if row is None:
                return

            def saved(days) -> None:
                if days is not None:
                    self.call(
                        playbook.set_contact_standard, row.abcde_class, days, done=lambda _r: self.action_refresh()
                    )

            self.app.push_screen(
                NumberDialog(
                    _("Contact standard, class {cls}").format(cls=row.abcde_class),
                    _("Days between contacts (0: no standard)"),
                    row.days,
                    high=3650,
                ),
                saved,
            )
        elif self.tab == "activation":
            month = self._activation_month()
            if month is None:
                return
            current = next((r.plan for r in self.activation.rows if r.starts_on == month), None)

            def saved_plan(value) -> None:
                if value is not None:
                    self.call(playbook.set_activation_plan, month, value, done=lambda _r: self.action_refresh())

            self.app.push_screen(
                NumberDialog(
                    _("Activation plan, {month}").format(month=month.strftime("%m.%Y")),
                    _("Potential clients to activate (first contract or order)"),
                    current,
                ),
                saved_plan,
            )
