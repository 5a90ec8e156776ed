"""The specialist's home: the tasks and visits account managers brought them into, and each client's card.

A specialist sees a client's card only while a task of theirs there is open.  d closes the task with
its result; the card goes with it.  When an account manager closes the task, the open card closes by
itself (the server's push).
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Header, Input, Label, Static

from kbase_tui.i18n import _
from kbase_tui.protocol import specialists

from ..base import KbaseScreen
from ..messages import ServerPush
from ..widgets.footer import KeyFooter
from ..widgets.form_dialog import ErrorLine, FormDialog
from ..widgets.formats import show_datetime
from ..widgets.read_only_card import ReadOnlyClientCard
from ..widgets.table import ListTable


class CloseTaskDialog(FormDialog):
    """The result of the specialist's task; Enter (or Ctrl+S) closes it, Esc cancels."""

    def __init__(self, task) -> None:
        super().__init__()
        self.assignment = task

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(
                Text(_("Close the task at {name}").format(name=self.assignment.company_name)), classes="dialog-title"
            )
            yield Label(_("Result (Enter closes the task; the client's card closes with it)"))
            yield Input(id="close-result", max_length=2000)
            yield ErrorLine()

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        self.save_with(specialists.close, self.assignment.id, self.value("#close-result"))


class AssignmentsScreen(KbaseScreen):
    CSS_PATH = "specialist.tcss"
    HELP = _(
        "Your open tasks and visits at clients, soonest first. Enter opens the client's card (you see it while "
        "the task is open), d closes the highlighted task with its result."
    )
    BINDINGS = [
        Binding("enter", "open", _("Card"), id="specialist.list.open"),
        Binding("d", "close_task", _("Done"), id="specialist.list.done"),
        Binding("f5,r", "reload", _("Refresh"), id="specialist.list.refresh"),
        Binding("f1", "app.help", _("Keys"), id="specialist.list.help"),
        Binding("ctrl+l", "app.logout", _("Log out"), id="specialist.list.logout"),
    ]

    # Keys typed before the first list of tasks is here (the sign-in and the first keys in one burst) wait for
    # it: with nothing on the screen they would act on nothing, silently.  A failed first load lets them go;
    # help, log-out and quit are never held.
    keys_wait = True
    keys_past_the_gate = ("f1", "ctrl+l", "ctrl+q")

    def __init__(self) -> None:
        super().__init__()
        self.tasks: list = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="assign-summary")
        yield ListTable(id="assign-table", cursor_type="row", zebra_stripes=True)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.title = _("My assignments")
        self.sub_title = self.actor.label
        table = self.query_one(ListTable)
        table.add_column(_("Due"), width=16, key="due")
        table.add_column(_("Client"), width=24, key="client")
        table.add_column(_("Task"), width=16, key="task")
        # The task takes what the others leave, never more: the table stays as wide as the screen; it wraps.
        table.fit_columns(lambda width: {"task": max(16, width - 48)})
        table.focus()
        self.action_reload()

    def resumed(self) -> None:
        # Back from a dialog or the card: the list may be out of date (the task just closed is still on it); keys
        # typed meanwhile wait for the fresh one (KbaseScreen.resumed).
        self.action_reload()

    def on_server_push(self, message: ServerPush) -> None:
        if message.event.type == "changed" and message.event.what == "assignments":
            self.action_reload()

    def action_reload(self) -> None:
        self.call(
            specialists.my_assignments, done=self._show, failed=self._load_failed, group="assignments", exclusive=True
        )

    def _load_failed(self, error) -> None:
        self.keys_wait = False
        self.notify(str(error), severity="error", timeout=6)

    def _show(self, tasks) -> None:
        self.keys_wait = False
        self.tasks = list(tasks)
        table = self.query_one(ListTable)
        table.clear()
        for task in self.tasks:
            # The task wraps onto more lines rather than being cut: at 80 columns it has 32.
            table.add_row(
                Text(show_datetime(task.due_at), no_wrap=True),
                Text(task.company_name),
                Text(task.text.replace("\n", " ")),
                key=str(task.id),
                height=None,
            )
        summary = (
            _("Open tasks: {n}").format(n=len(self.tasks))
            if self.tasks
            else _("No open tasks: an account manager brings you into a client when they need you.")
        )
        self.query_one("#assign-summary", Static).update(Text(summary))

    @property
    def selected(self):
        index = self.query_one(DataTable).cursor_row
        return self.tasks[index] if 0 <= index < len(self.tasks) else None

    @on(DataTable.RowSelected)
    def _row_selected(self) -> None:
        self.action_open()

    def action_open(self) -> None:
        task = self.selected
        if task is not None:
            self.app.push_screen(SpecialistCardScreen(task.company_id))

    def action_close_task(self) -> None:
        task = self.selected
        if task is not None:
            self.app.push_screen(CloseTaskDialog(task), lambda done: self.action_reload() if done else None)


class SpecialistCardScreen(ReadOnlyClientCard):
    CSS_PATH = "specialist.tcss"
    HELP = _(
        "The client's card while your task there is open: what you are asked to do, the contact persons and the "
        "whole history. d closes your task with its result; the card closes with it. Esc goes back."
    )
    BINDINGS = [
        Binding("d", "close_task", _("Done"), id="specialist.card.done"),
        Binding("escape", "back", _("Back"), id="specialist.card.back"),
        Binding("f1", "app.help", _("Keys"), id="specialist.card.help"),
    ]

    card_operation = specialists.card
    history_operation = specialists.history
    widget_ids = ("scard-top", "scard-contacts", "scard-history")

    @property
    def no_longer_yours(self) -> str:
        return _("The task at this client was closed: its card is no longer yours to see.")

    def on_mount(self) -> None:
        self.title = _("Client")
        self.load()

    def on_server_push(self, message: ServerPush) -> None:
        event = message.event
        if event.type == "changed" and event.what == "assignments" and event.company_id == self.company_id:
            self.load()  # the task may have been closed: the card goes if it may no longer be seen

    def leave(self) -> None:
        """Close the card; a dialog still above it (the one that closed the task) goes first."""
        if self.app.screen is self:
            self.app.pop_screen()
        elif self in self.app.screen_stack:
            self.set_timer(0.05, self.leave)

    def summary(self, card) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(card.company.name, style="bold")
        details = [x for x in (card.company.city, card.company.channel, card.company.industry) if x]
        if details:
            text.append("  " + " · ".join(details), style="dim")
        if card.account_manager:
            text.append("\n" + _("Account manager: "), style="dim")
            text.append(card.account_manager)
        for task in card.tasks:
            text.append("\n")
            text.append(show_datetime(task.due_at) + "  ", style="bold")
            text.append(task.text.splitlines()[0] if task.text else "")
        return text

    def action_close_task(self) -> None:
        if self.card is None or not self.card.tasks:
            return
        self.app.push_screen(CloseTaskDialog(self.card.tasks[0]), lambda done: self.load() if done else None)

    def action_back(self) -> None:
        if self.app.screen is self and len(self.app.screen_stack) > 2:
            self.app.pop_screen()
