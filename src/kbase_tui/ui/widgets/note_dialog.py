"""Dialog to write a note, a call or a meeting with its result into a company's history.

Usage::

    from kbase_tui.ui.widgets.note_dialog import AddNoteDialog

    self.app.push_screen(AddNoteDialog(company_id), self._note_saved)
    # with your own operation, e.g. one that also touches your deal/account record:
    self.app.push_screen(AddNoteDialog(deal_id, saver=pipeline.add_deal_note), self._note_saved)

`saver` is an operation taking `(target_id, kind, text)`; the default is `clients.add_note`.  The dialog dismisses with the saved HistoryEntry, or None on Esc.
Kinds: note / call / meeting (Alt+1, Alt+2, Alt+3 anywhere, as their labels say; 1, 2, 3 or the arrows on the radio
buttons; `kinds=` narrows or reorders them).
What is typed is saved as a draft a second after typing stops (`draft_context`, by default
"note:company:<id>", or "note:deal:<id>" for the pipeline's saver), so a dropped connection
loses nothing: the dialog reopens with it, and the next sign-in offers it back.
"What happened" is the text; "Result" is appended to it on its own line.  Keys: ctrl+s save, Esc cancel.
"""

from __future__ import annotations

from time import monotonic
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Label, RadioButton, RadioSet, Static, TextArea

from kbase_tui.i18n import _
from kbase_tui.labels import history_kind_label

from .form_dialog import FormDialog

if TYPE_CHECKING:
    from kbase_tui.protocol.operations import Operation

DEFAULT_KINDS = ("note", "call", "meeting")


class AddNoteDialog(FormDialog):
    CSS_PATH = "note_dialog.tcss"
    BINDINGS = [
        # Priority: the text box has the focus and would take Alt+1 as the character 1.  (A Mac's
        # Option+1/2/3 sends ¡ ™ £; the app's key dispatch reads those as Alt+1/2/3 here, see
        # ui/keyboard_layout.py.)
        Binding("alt+1", "kind(0)", _("Note"), show=False, id="note.kind1", priority=True),
        Binding("alt+2", "kind(1)", _("Call"), show=False, id="note.kind2", priority=True),
        Binding("alt+3", "kind(2)", _("Meeting"), show=False, id="note.kind3", priority=True),
    ]

    DRAFT_DELAY = 1.0  # seconds of no typing before the draft is written
    DRAFT_MAX_WAIT = 5.0  # ... or this long since the last write, even while typing

    def __init__(
        self,
        target_id: int,
        *,
        saver: Operation[Any] | None = None,
        kinds: tuple[str, ...] = DEFAULT_KINDS,
        title: str | None = None,
        draft_context: str | None = None,
    ) -> None:
        super().__init__()
        self.target_id = target_id
        self.saver = saver
        self.kinds = kinds
        self.heading = title or _("Add to the history")
        if draft_context is None:
            owner = "company" if saver is None else saver.name.split(".", 1)[0]
            draft_context = f"note:{'deal' if owner == 'pipeline' else owner}:{target_id}"
        self.draft_context = draft_context
        self._draft_timer = None
        self._last_draft = ""
        self._draft_written_at = monotonic()

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text(self.heading), classes="dialog-title")
            with RadioSet(id="note-kind"):
                for index, kind in enumerate(self.kinds):
                    # The label names the real key: a plain digit typed in the text is text.
                    label = _("Alt+{n} {kind}").format(n=index + 1, kind=history_kind_label(kind))
                    yield RadioButton(Text(label), value=index == 0)
            yield Label(_("What happened"))
            yield TextArea(id="note-text", soft_wrap=True, show_line_numbers=False)
            yield Label(_("Result"))
            yield Input(id="note-result", max_length=300)
            yield from self.buttons()

    def on_mount(self) -> None:
        self.query_one("#note-text", TextArea).focus()
        from kbase_tui.protocol import drafts

        self.call(drafts.drafts_of, done=self._restore_draft, group="draft")

    def _restore_draft(self, found) -> None:
        area = self.query_one("#note-text", TextArea)
        for draft in found:
            if draft.context == self.draft_context and not area.text.strip():
                area.text = draft.text
                self._last_draft = draft.text
                area.move_cursor(area.document.end)

    @on(TextArea.Changed, "#note-text")
    @on(Input.Changed, "#note-result")
    def _typing(self) -> None:
        # Written a second after typing pauses, and at least every few seconds of
        # steady typing, so a connection dropped mid-sentence loses at most that.
        if self._draft_timer is not None:
            self._draft_timer.stop()
        if monotonic() - self._draft_written_at >= self.DRAFT_MAX_WAIT:
            self._write_draft()
        else:
            self._draft_timer = self.set_timer(self.DRAFT_DELAY, self._write_draft)

    def _draft_text(self) -> str:
        text = self.query_one("#note-text", TextArea).text.strip()
        result = self.query_one("#note-result", Input).value.strip()
        if result:
            line = _("Result: {result}").format(result=result)
            text = f"{text}\n{line}" if text else line
        return text

    def _write_draft(self) -> None:
        self._draft_written_at = monotonic()
        text = self._draft_text()
        if text == self._last_draft or self._saving:
            return
        self._last_draft = text
        from kbase_tui.protocol import drafts

        self.call(drafts.save_draft, self.draft_context, text, group="draft")

    def _drop_draft(self) -> None:
        """Forget the draft in an app-level worker: this dialog is about to close."""
        if self._draft_timer is not None:
            self._draft_timer.stop()
        from kbase_tui.protocol import drafts

        app, context = self.kbase, self.draft_context

        async def forget() -> None:
            try:
                await app.client.call(drafts.discard_draft, context)
            except Exception as error:
                from ..errors import log_unexpected

                log_unexpected(error, "discarding a draft")

        app.run_worker(forget(), group="draft", exit_on_error=False)

    @property
    def kind(self) -> str:
        index = self.query_one("#note-kind", RadioSet).pressed_index
        return self.kinds[index if index >= 0 else 0]

    def on_key(self, event) -> None:
        # On the kinds themselves a plain digit chooses too (it would otherwise do nothing there, without a word).
        character = event.character
        if isinstance(self.focused, RadioSet) and character and character in "123456789":
            event.stop()
            index = int(character) - 1
            if index < len(self.kinds):
                self.action_kind(index)
            else:
                self.app.bell()

    def action_kind(self, index: int) -> None:
        if index < len(self.kinds):
            buttons = list(self.query_one("#note-kind", RadioSet).query(RadioButton))
            buttons[index].value = True

    @on(Input.Submitted, "#note-result")
    def action_save(self) -> None:
        if self._saving:
            return
        text = self.query_one("#note-text", TextArea).text.strip()
        result = self.query_one("#note-result", Input).value.strip()
        if result:
            text = (
                f"{text}\n{_('Result: {result}').format(result=result)}"
                if text
                else _("Result: {result}").format(result=result)
            )
        if not text:
            self.show_error(_("Write what happened."))
            return
        saver = self.saver
        if saver is None:
            from kbase_tui.protocol import clients

            saver = clients.add_note
        if self._draft_timer is not None:
            self._draft_timer.stop()
        self.save_with(saver, self.target_id, self.kind, text, done=self._saved)

    def _saved(self, entry) -> None:
        # The note is safe: only now is its draft forgotten.
        self._drop_draft()
        self.dismiss(entry)

    def action_cancel(self) -> None:
        # Typed text is dropped only when the person says so; its draft goes with it.  (An
        # interrupted dialog keeps its draft.)
        def close() -> None:
            self._drop_draft()
            self.dismiss(None)

        self.close_unless_typed(close)
