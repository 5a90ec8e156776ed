"""Dialogs of the users screen: a new user, a new password, a yes/no question."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Input, Label, Select, Static

from kbase_tui.i18n import _
from kbase_tui.labels import role_label
from kbase_tui.protocol.users import ROLES

from ..widgets.form_dialog import DialogBody, ErrorLine, FormDialog


def _enter_moves_on(dialog: FormDialog, event: Input.Submitted) -> None:
    """Enter moves to the next field; on the last one it saves."""
    if event.input is list(dialog.query(Input))[-1]:
        dialog.action_save()
    else:
        dialog.focus_next()


@dataclass(frozen=True)
class NewUser:
    username: str
    full_name: str
    role: str
    password: str


class AddUserDialog(FormDialog):
    COMPACT = True

    def compose(self) -> ComposeResult:
        with DialogBody():
            yield Static(Text(_("New user")), classes="dialog-title")
            yield Label(_("User name (one word)"))
            yield Input(id="new-username", max_length=64)
            yield Label(_("Full name"))
            yield Input(id="new-full-name", max_length=200)
            yield Label(_("Role"))
            yield Select([(role_label(r), r) for r in ROLES], value="caller", allow_blank=False, id="new-role")
            yield Label(_("First password (the user changes it at the first sign-in)"))
            yield Input(id="new-password", password=True)
            yield Label(_("The password again"))
            yield Input(id="new-password2", password=True)
            yield ErrorLine()
            yield Static(Text(_("Ctrl+S saves, Esc cancels.")), classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#new-username", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        _enter_moves_on(self, event)

    def action_save(self) -> None:
        username = self.query_one("#new-username", Input).value.strip()
        password = self.query_one("#new-password", Input).value
        if not username:
            self.show_error(_("Give the user a name."))
            return
        if password != self.query_one("#new-password2", Input).value:
            self.show_error(_("The passwords do not match."))
            return
        self.dismiss(
            NewUser(
                username=username,
                full_name=self.query_one("#new-full-name", Input).value.strip(),
                role=str(self.query_one("#new-role", Select).value),
                password=password,
            )
        )


class PasswordDialog(FormDialog):
    COMPACT = True

    def __init__(self, username: str) -> None:
        super().__init__()
        self.username = username

    def compose(self) -> ComposeResult:
        with DialogBody():
            yield Static(Text(_("New password for {name}").format(name=self.username)), classes="dialog-title")
            yield Label(_("New password (changed by the user at the next sign-in)"))
            yield Input(id="reset-password", password=True)
            yield Label(_("The password again"))
            yield Input(id="reset-password2", password=True)
            yield ErrorLine()
            yield Static(Text(_("Ctrl+S saves, Esc cancels.")), classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#reset-password", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        _enter_moves_on(self, event)

    def action_save(self) -> None:
        password = self.query_one("#reset-password", Input).value
        if password != self.query_one("#reset-password2", Input).value:
            self.show_error(_("The passwords do not match."))
            return
        if not password:
            self.show_error(_("Type the new password."))
            return
        self.dismiss(password)
