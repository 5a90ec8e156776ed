"""The account manager's open tasks: quality checks after orders, returns of lost clients.

Soonest due first (at most 200).  Enter opens the client's card; k records a quality check
straight from here; d marks a step of a lost client's return plan done.  Esc goes back.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from kbase_tui.i18n import _
from kbase_tui.protocol import accounts

from ..base import KbaseModal
from ..widgets.formats import show_amount, show_date, show_datetime


def task_kind_label(kind: str) -> str:
    return {
        "quality_check": _("quality check"),
        "return": _("return"),
        "follow_up": _("follow-up"),
        "next_step": _("next step"),
        "other": _("task"),
        "cross_sell": _("cross-sell"),
        "specialist": _("specialist"),
    }.get(kind, kind)


def task_text(task) -> Text:
    text = Text()
    text.append(show_datetime(task.due_at)[:10], style="bold")
    text.append("  ")
    text.append(task_kind_label(task.kind), style="green" if task.kind == "quality_check" else "magenta")
    text.append("  ")
    text.append(task.company_name, style="bold")
    if task.order_id:
        # On a line of its own, as the other tasks' text: a wrapped line would break the amount in two.
        text.append(
            "\n  "
            + _("order of {date}: {amount}").format(
                date=show_date(task.order_date), amount=show_amount(task.order_amount)
            ),
            style="dim",
        )
    elif task.text:
        text.append("\n  ")
        text.append(task.text.splitlines()[0], style="dim")
    return text


class TasksScreen(KbaseModal):
    BINDINGS = [
        Binding("enter", "open", _("Card"), id="accounts.tasks.open", priority=True),
        Binding("k", "quality", _("Quality check"), id="accounts.tasks.quality"),
        Binding("d", "return_done", _("Return step done"), id="accounts.tasks.return_done"),
        Binding("escape", "close", _("Back"), id="accounts.tasks.back"),
        Binding("f1", "app.help", _("Keys"), id="accounts.tasks.help"),
    ]
    DEFAULT_CSS = """
    TasksScreen { align: center middle; }
    TasksScreen > Vertical { width: 100; max-width: 100%; height: 80%; border: thick $primary; background: $surface; }
    TasksScreen .title { text-style: bold; padding: 0 1; }
    TasksScreen OptionList { height: 1fr; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.tasks: tuple = ()

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(
                _("Your tasks: Enter opens the card, k records a quality check, d a return step done, Esc back"),
                classes="title",
            )
            yield OptionList(id="tasks-list")

    def on_mount(self) -> None:
        self.reload()

    def reload(self) -> None:
        self.call(accounts.my_tasks, done=self._show)

    def _show(self, tasks) -> None:
        option_list = self.query_one(OptionList)
        # After a check the list comes back where the person was: on the task that took the place of
        # the one done (or the one before it at the end), not at the top.
        was = option_list.highlighted
        was_id = self.tasks[was].id if was is not None and 0 <= was < len(self.tasks) else None
        self.tasks = tuple(tasks)
        option_list.clear_options()
        for task in self.tasks:
            option_list.add_option(Option(task_text(task), id=str(task.id)))
        if not self.tasks:
            option_list.add_option(Option(Text(_("No open tasks."), style="dim"), disabled=True))
        else:
            ids = [task.id for task in self.tasks]
            if was_id in ids:
                option_list.highlighted = ids.index(was_id)
            else:
                option_list.highlighted = min(was or 0, len(self.tasks) - 1)
        option_list.focus()

    @property
    def selected(self):
        option_list = self.query_one(OptionList)
        index = option_list.highlighted
        return self.tasks[index] if index is not None and 0 <= index < len(self.tasks) else None

    def action_open(self) -> None:
        task = self.selected
        if task is not None:
            self.dismiss(task.company_id)

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_open()

    def action_quality(self) -> None:
        task = self.selected
        if task is not None and task.kind == "quality_check":
            from .dialogs import QualityDialog

            self.app.push_screen(QualityDialog(task), lambda result: self.reload() if result else None)

    def action_return_done(self) -> None:
        task = self.selected
        if task is not None and task.kind == "return":
            from ..playbook.return_step import ReturnStepDoneDialog

            self.app.push_screen(ReturnStepDoneDialog(task), lambda result: self.reload() if result else None)

    def action_close(self) -> None:
        self.dismiss(None)
