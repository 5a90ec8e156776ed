"""The one base of every form dialog: fields to fill, then save.

A form dialog derives from `FormDialog` and writes only its fields and what saving does::

    class PotentialDialog(FormDialog):
        def compose(self) -> ComposeResult:
            with DialogBody():                          # the frame (CSS class "dialog"), no Tab stop
                yield Static(Text(title), classes="dialog-title")
                yield Label(_("How much more could the client buy?"))
                yield Input(id="potential")
                yield from self.buttons()               # Save, Cancel and the error line beside them
                # or, without buttons: yield ErrorLine() and a Static(..., classes="dialog-hint")

        def action_save(self) -> None:
            self.save_with(accounts.set_potential, self.company_id, int(self.value("#potential")))

It gives every one of them the same keys and look:

- Ctrl+S runs `action_save`, the one submit action (binding id `dialog.save`); Esc runs `action_cancel`,
  which closes at once when nothing was typed and asks first otherwise (`close_unless_typed`, binding id
  `dialog.cancel`).  A dialog may add keys of its own (Enter on a field saving too), never another submit
  action.
- One error line (`ErrorLine`, class `dialog-error`), written by `show_error(text)` as plain text, never
  markup; `save_with` runs an operation once (a second Ctrl+S while it runs is ignored), shows "Saving…"
  there, and dismisses with the result or shows the error and keeps everything typed.
- A field given `validators=[ReadsAs(parse)]` and `validate_on=["blur"]` is checked as the person leaves it, by
  the parser its save uses: what is wrong goes on the error line and the field is marked, its text kept; the
  mark and those words go as soon as the field reads right.
- The frame, title, labels, hint line, error line, rows of fields side by side and buttons are styled by
  form_dialog.tcss (beside this file, read with every dialog: `KbaseModal`), by the class `FormDialog` and
  the frame's CSS class `dialog`.  `COMPACT = True` makes every field one line without a border (forms of
  many fields: the head of sales' filters, the administrator's users); on a terminal under 32 rows a compact
  dialog's fields drop their borders for good.  A dialog's own extra styles go in the .tcss beside its
  screen, with selectors more specific than the base's (`FollowUpDialog .dialog TextArea`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.validation import ValidationResult, Validator
from textual.widgets import Button, Input, Static

from kbase_tui.i18n import _
from kbase_tui.protocol.errors import KbaseError
from kbase_tui.protocol.operations import Operation

from ..base import KbaseModal

# A compact dialog's fields lose their borders on a terminal with fewer rows than this (80x24: a form of
# seven fields and its hint then fit).
SHORT_ROWS = 32


class ErrorLine(Static):
    """A dialog's line for what went wrong (or what is going on: "Saving…"); plain text, never markup."""

    def __init__(self, text: str = "", *, id: str | None = None, classes: str = "") -> None:
        super().__init__(Text(text), markup=False, id=id, classes=f"dialog-error {classes}".strip())
        self.says = text

    def show(self, text: str) -> None:
        self.says = text  # what it says now: a field's check takes back only its own words
        self.update(Text(text))


class ReadsAs(Validator):
    """A field checked as the person leaves it, by the very parsing its save uses (`parse_date`,
    `parse_amount`): Input(..., validators=[ReadsAs(parse_date)], validate_on=["blur"]).  The parser's
    ValueError is what the form says (FormDialog); the text stays as typed."""

    def __init__(self, parse: Callable[[str], object]) -> None:
        super().__init__()
        self.parse = parse

    def validate(self, value: str) -> ValidationResult:
        try:
            self.parse(value)
        except ValueError as error:
            return self.failure(str(error))
        return self.success()


class DialogBody(VerticalScroll, can_focus=False):
    """A dialog's frame (CSS class "dialog"): scrolls when the dialog is taller than the screen, but is no Tab
    stop of its own.  A focusable frame took the Tab after the last field: nothing looked focused and what
    was typed next went nowhere.  Focusing a field still scrolls the frame to it; the wheel scrolls it too."""

    DEFAULT_CLASSES = "dialog"


class FormDialog(KbaseModal):
    """A form over a screen: Ctrl+S saves (`action_save`), Esc cancels, one error line (`show_error`)."""

    BINDINGS = [
        Binding("ctrl+s", "save", _("Save"), id="dialog.save", priority=True),
        Binding("escape", "cancel", _("Cancel"), id="dialog.cancel"),
    ]

    # One line a field without a border, for forms of many fields (see the module's docstring).
    COMPACT: ClassVar[bool] = False

    def __init__(self) -> None:
        super().__init__(classes="-compact" if self.COMPACT else None)
        self._saving = False

    def on_mount(self) -> None:
        if self.COMPACT and self.app.size.height < SHORT_ROWS:
            self.add_class("-short")
            for field in self.query("Input, Select"):
                field.compact = True

    # --- what every form has ---------------------------------------------------------------------------

    def buttons(self, save_label: str | None = None) -> ComposeResult:
        """Save and Cancel, and the error line beside them (not a line of its own, empty most of the time)."""
        with Horizontal(classes="dialog-buttons"):
            yield Button(save_label or _("Save (ctrl+s)"), id="dialog-save", variant="primary")
            yield Button(_("Cancel (Esc)"), id="dialog-cancel")
            yield ErrorLine()

    def on_key(self, event) -> None:
        # A character typed while a button has the focus (one Tab too many) did nothing, without a word.
        if (
            isinstance(self.focused, Button)
            and event.is_printable
            and event.character not in (None, " ")
            and event.key not in self.active_bindings
        ):
            event.stop()
            self.app.bell()
            self.show_error(_("Buttons take no text: Shift+Tab goes back to the field."))

    def text_typed_on_a_list(self, event, field: str, hint: str) -> bool:
        """A character typed on a list of choices (which takes numbers and arrows only) goes into the text *field*
        of the dialog, and *hint* says the choice is still to make: "кдорого" (the reason's number forgotten) put
        nothing anywhere and said nothing.  True when it was taken so."""
        from textual.widgets import OptionList

        character = event.character
        if not isinstance(self.focused, OptionList) or not event.is_printable or not character or character.isdigit():
            return False
        box = self.query_one(field, Input)
        box.value += character
        box.cursor_position = len(box.value)
        self.show_error(hint)
        event.stop()
        event.prevent_default()
        return True

    def show_error(self, text: str) -> None:
        """Say what went wrong on the error line (plain text); "" clears it."""
        self.query_one(ErrorLine).show(text)

    # --- fields checked as they are left (ReadsAs) -----------------------------------------------------------

    @on(Input.Blurred)
    def _field_left(self, event: Input.Blurred) -> None:
        result = event.validation_result
        if result is None or self._saving:
            return
        said = self._checks_said()
        if result.is_valid:
            self._take_back(event.input, said)
        else:
            said[event.input] = result.failure_descriptions[0]
            self.show_error(said[event.input])

    @on(Input.Changed)
    def _field_corrected(self, event: Input.Changed) -> None:
        # A marked field loses its mark as soon as it reads right; a new mark waits until it is left (half a
        # date, "12.", is no mistake yet).
        said = self._checks_said()
        if event.input in said:
            result = event.input.validate(event.value)
            if result is None or result.is_valid:
                self._take_back(event.input, said)

    def _checks_said(self) -> dict[Input, str]:
        return self.__dict__.setdefault("_kbase_checks_said", {})

    def _take_back(self, field: Input, said: dict[Input, str]) -> None:
        # Only the check's own words leave the error line (never what the save said), for the next wrong field's.
        if said.pop(field, None) == self.query_one(ErrorLine).says:
            self.show_error(next(iter(said.values()), ""))

    def load_failed(self, error: KbaseError) -> None:
        # What the dialog's keys choose from could not be fetched: said where the form says what is wrong.
        self.show_error(str(error))

    def value(self, selector: str) -> str:
        """The text of the one-line field *selector*."""
        return self.query_one(selector, Input).value

    # --- saving -----------------------------------------------------------------------------------------

    def action_save(self) -> None:  # pragma: no cover - every form dialog has its own
        raise NotImplementedError

    def save_with(
        self,
        op: Operation[Any],
        *args: Any,
        done: Callable[[Any], None] | None = None,
        failed: Callable[[KbaseError], None] | None = None,
        busy: str | None = None,
        **kwargs: Any,
    ) -> None:
        """Run *op* on the server once; dismiss with its result (or hand it to *done*), or show its error.

        The error line says *busy* ("Saving…") meanwhile.  A second Ctrl+S (or Enter) while the first is on
        its way sends nothing: one save, one record.
        """
        if self._saving:
            return
        self._saving = True
        self.query_one(ErrorLine).show(busy or _("Saving…"))

        def saved(result: Any) -> None:
            self._saving = False
            (done or self.dismiss)(result)

        def refused(error: KbaseError) -> None:
            self._saving = False  # nothing was saved: the person may correct and save again
            if failed is not None:
                failed(error)
            else:
                self.show_error(str(error))

        self.call(op, *args, done=saved, failed=refused, **kwargs)

    # --- the buttons --------------------------------------------------------------------------------------

    @on(Button.Pressed, "#dialog-save")
    def _save_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_save()

    @on(Button.Pressed, "#dialog-cancel")
    def _cancel_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_cancel()
