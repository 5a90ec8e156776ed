"""Right after sign-in: text left unsaved last time (a dropped connection, a killed
terminal) is offered back, one draft at a time: save it as a note, or discard it."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Static

from kbase_tui.i18n import _
from kbase_tui.protocol import drafts

from .base import KbaseModal
from .widgets.footer import KeyFooter
from .widgets.form_dialog import ErrorLine
from .widgets.formats import show_datetime


class LeftoverDraftsDialog(KbaseModal):
    BINDINGS = [
        Binding("s", "save", _("Save as note"), id="drafts.save"),
        Binding("d", "discard", _("Discard"), id="drafts.discard"),
        Binding("escape", "later", _("Later"), id="drafts.later"),
    ]
    DEFAULT_CSS = """
    LeftoverDraftsDialog { align: center middle; }
    LeftoverDraftsDialog > Vertical { width: 80; max-width: 100%; height: auto; max-height: 90%;
        border: thick $warning; background: $surface; padding: 0 1; }
    LeftoverDraftsDialog #draft-where { color: $text-muted; }
    LeftoverDraftsDialog VerticalScroll { height: auto; max-height: 12; border: round $panel; }
    """

    def __init__(self, leftovers: list[drafts.LeftoverDraft]) -> None:
        super().__init__()
        self.leftovers = list(leftovers)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(_("Unsaved text from your last session"), classes="dialog-title")
            yield Static("", id="draft-where")
            with VerticalScroll():
                yield Static("", id="draft-text")
            yield ErrorLine(id="draft-error")
            yield KeyFooter()

    def on_mount(self) -> None:
        self._show()

    def _show(self) -> None:
        if not self.leftovers:
            self.dismiss(None)
            return
        draft = self.leftovers[0]
        where = draft.company_name or _("a company you no longer have access to")
        header = _("{n} left · {where} · {when}").format(
            n=len(self.leftovers), where=where, when=show_datetime(draft.updated_at)
        )
        self.query_one("#draft-where", Static).update(Text(header))
        self.query_one("#draft-text", Static).update(Text(draft.text))
        self.query_one(ErrorLine).show("")

    def action_save(self) -> None:
        draft = self.leftovers[0]
        if draft.company_name is None:
            self.query_one(ErrorLine).show(
                _("You no longer have access to this company: the text cannot be saved there. Press d to discard.")
            )
            return
        self.call(drafts.save_leftover_as_note, draft.context, done=self._next, failed=self._failed)

    def action_discard(self) -> None:
        self.call(drafts.discard_draft, self.leftovers[0].context, done=self._next)

    def action_later(self) -> None:
        self.dismiss(None)

    def _next(self, _result=None) -> None:
        self.leftovers.pop(0)
        self._show()

    def _failed(self, error) -> None:
        self.query_one(ErrorLine).show(str(error))
