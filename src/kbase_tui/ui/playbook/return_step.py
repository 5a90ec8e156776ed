"""Marking a step of a lost client's return plan done, from the account manager's task list: what came of it."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.widgets import Input, Label, Static

from kbase_tui.i18n import _
from kbase_tui.protocol import playbook

from ..widgets.form_dialog import DialogBody, FormDialog
from ..widgets.formats import show_datetime


class ReturnStepDoneDialog(FormDialog):
    """What came of the step; Enter (or Ctrl+S) marks it done."""

    def __init__(self, task) -> None:
        super().__init__()
        self.step = task

    def compose(self) -> ComposeResult:
        with DialogBody():
            yield Static(Text(_("Return plan: {name}").format(name=self.step.company_name)), classes="dialog-title")
            yield Static(Text(f"{show_datetime(self.step.due_at)[:10]}  {self.step.text}"))
            yield Label(_("What came of it, then Enter"))
            yield Input(id="step-result", max_length=500)
            yield from self.buttons()

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted, "#step-result")
    def action_save(self) -> None:
        result = self.value("#step-result").strip()
        if not result:
            self.show_error(_("Say what came of it."))
            return
        self.save_with(playbook.finish_return_step, self.step.id, result)
