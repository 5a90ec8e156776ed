"""A yes/no question over the current screen: dismisses with True or False.

Usage::

    from kbase_tui.ui.widgets.confirm import ConfirmDialog

    self.app.push_screen(ConfirmDialog(_("Delete this target?")), lambda yes: yes and self._delete())

Y or Enter: yes; N or Esc: no.  The question is shown as text, never as markup.
"""

from __future__ import annotations

from time import monotonic

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from kbase_tui.i18n import _


class _Question:
    """What makes a dialog a question (a mixin: form dialogs are the one base dialogs derive from)."""

    # A letter that came bunched with the Esc that raised this question is not its answer, nor is any key typed
    # before the question was on the screen (`asked_at`; the key gate in ui/app.py): nobody has read it yet.
    is_a_question = True
    asked_at = float("inf")  # until it is on the screen

    def on_mount(self) -> None:
        self.asked_at = monotonic()


class ConfirmDialog(_Question, ModalScreen[bool]):
    BINDINGS = [
        Binding("y,enter", "answer(True)", _("Yes"), id="confirm.yes"),
        Binding("n,escape", "answer(False)", _("No"), id="confirm.no"),
    ]
    DEFAULT_CSS = """
    ConfirmDialog { align: center middle; }
    ConfirmDialog > VerticalScroll { width: 90%; max-width: 80; height: auto; max-height: 90%;
        border: thick $warning; background: $surface; padding: 0 1; }
    ConfirmDialog .confirm-question { text-style: bold; padding-bottom: 1; }
    ConfirmDialog .confirm-hint { color: $text-muted; }
    """

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(Text(self.question), classes="confirm-question")
            yield Static(Text(_("Y or Enter: yes · N or Esc: no")), classes="confirm-hint")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class DiscardDialog(_Question, ModalScreen[bool]):
    """Esc on a dialog with typed text: throw the text away (Y), or go back to it (N, Esc or Enter).

    Enter goes back: a key meant for the dialog never throws away what was typed.
    """

    BINDINGS = [
        Binding("y", "answer(True)", _("Discard"), id="discard.yes"),
        Binding("n,escape,enter", "answer(False)", _("Back to the text"), id="discard.no"),
    ]
    DEFAULT_CSS = """
    DiscardDialog { align: center middle; }
    DiscardDialog > VerticalScroll { width: 90%; max-width: 60; height: auto; max-height: 90%;
        border: thick $warning; background: $surface; padding: 0 1; }
    DiscardDialog .confirm-question { text-style: bold; padding-bottom: 1; }
    DiscardDialog .confirm-hint { color: $text-muted; }
    """

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(Text(_("Close and throw away what you typed?")), classes="confirm-question")
            yield Static(Text(_("Y: throw it away · N, Esc or Enter: back to the text")), classes="confirm-hint")

    def action_answer(self, discard: bool) -> None:
        self.dismiss(discard)
