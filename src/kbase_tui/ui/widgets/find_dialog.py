"""Type-to-find among one's own clients: a client calls in, the closer or account manager types a
piece of the name (any case, ё or е), the INN or the phone digits, and Enter opens the card.

The list is the server's answer to `clients.find_own`, which returns only the reader's own
clients: the screen never filters anything itself.  Each key asks again (the newer question
supersedes the older one), so the list follows the typing.

    self.app.push_screen(FindClientDialog(), self._found)  # dismissed with a ClientMatch or None
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from kbase_tui.i18n import _
from kbase_tui.protocol import clients

from ..base import KbaseModal

FIND_DELAY = 0.15  # seconds after the last key before the server is asked


class FindClientDialog(KbaseModal):
    BINDINGS = [
        Binding("escape", "cancel", _("Cancel"), id="find.cancel"),
        Binding("up", "move(-1)", _("Previous match"), show=False, id="find.up", priority=True),
        Binding("down", "move(1)", _("Next match"), show=False, id="find.down", priority=True),
    ]
    DEFAULT_CSS = """
    FindClientDialog { align: center middle; }
    FindClientDialog > Vertical { width: 76; max-width: 100%; height: auto; max-height: 100%;
        border: thick $primary; background: $surface; padding: 0 1; }
    FindClientDialog Label { color: $text-muted; width: 100%; }
    FindClientDialog OptionList { height: auto; max-height: 12; }
    FindClientDialog #find-status { color: $text-muted; height: auto; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.matches: list = []
        self._timer = None

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(_("Find your client")), classes="dialog-title")
            yield Label(_("Name, INN or phone; Enter opens the card"))
            yield Input(id="find-text", max_length=200)
            yield OptionList(id="find-matches", markup=False)
            yield Static("", id="find-status")

    def on_mount(self) -> None:
        self.query_one("#find-matches", OptionList).can_focus = False  # the typing keeps the focus
        self.query_one("#find-text", Input).focus()

    @on(Input.Changed, "#find-text")
    def _typed(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(FIND_DELAY, self._ask)

    def _ask(self) -> None:
        self._timer = None
        text = self.query_one("#find-text", Input).value
        if not text.strip():
            self.forget_calls(group="find")  # the matches of what was typed before must not come back
            self._show([])
            return
        self.call(clients.find_own, text, done=self._show, group="find", exclusive=True)

    def _show(self, matches) -> None:
        self.matches = list(matches)
        box = self.query_one("#find-matches", OptionList)
        box.clear_options()
        for match in self.matches:
            line = Text(match.name, style="bold")
            if match.city:
                line.append("  " + match.city)
            if match.inn:
                line.append("  " + _("INN {inn}").format(inn=match.inn), style="dim")
            box.add_option(Option(line, id=str(match.company_id)))
        box.highlighted = 0 if self.matches else None
        text = self.query_one("#find-text", Input).value.strip()
        status = "" if self.matches or not text else _("None of your clients matches.")
        self.query_one("#find-status", Static).update(Text(status))

    def action_move(self, step: int) -> None:
        box = self.query_one("#find-matches", OptionList)
        if self.matches:
            box.highlighted = max(0, min(len(self.matches) - 1, (box.highlighted or 0) + step))

    @on(Input.Submitted, "#find-text")
    def _chosen(self) -> None:
        if self._timer is not None:  # Enter before the list caught up: ask now, then choose
            self._timer.stop()
            self._timer = None
            text = self.query_one("#find-text", Input).value
            if text.strip():
                self.call(clients.find_own, text, done=self._show_and_choose, group="find", exclusive=True)
            else:
                self._ask()
            return
        index = self.query_one("#find-matches", OptionList).highlighted
        if self.matches and index is not None:
            self.dismiss(self.matches[index])

    def _show_and_choose(self, matches) -> None:
        self._show(matches)
        if self.matches:
            self.dismiss(self.matches[0])

    def action_cancel(self) -> None:
        self.close_unless_typed()
