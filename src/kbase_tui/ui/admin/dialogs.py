"""Dialogs of the users screen: a new user, a new password, a yes/no question."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Input, Label, Select, Static

from kbase_tui.i18n import _
from kbase_tui.labels import role_label
from kbase_tui.protocol.users import ROLES

from ..base import KbaseModal


class AdminModal(KbaseModal):
    """A dialog with a title, an error line, Ctrl+S to save and Esc to cancel."""

    CSS_PATH = "admin.tcss"
    BINDINGS = [
        Binding("ctrl+s", "accept", _("Save"), id="admin.dialog.save", priority=True),
        Binding("escape", "cancel", _("Cancel"), id="admin.dialog.cancel"),
    ]

    def error(self, message: str) -> None:
        self.query_one(".dialog-error", Static).update(Text(message))

    def action_cancel(self) -> None:
        self.close_unless_typed()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        # Enter moves to the next field; on the last one it saves.
        inputs = list(self.query(Input))
        if event.input is inputs[-1]:
            self.action_accept()
        else:
            self.focus_next()

    def action_accept(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError


@dataclass(frozen=True)
class NewUser:
    username: str
    full_name: str
    role: str
    password: str


class AddUserDialog(AdminModal):
    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog"):
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
            yield Static("", classes="dialog-error")
            yield Static(Text(_("Ctrl+S saves, Esc cancels.")), classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#new-username", Input).focus()

    def action_accept(self) -> None:
        username = self.query_one("#new-username", Input).value.strip()
        password = self.query_one("#new-password", Input).value
        if not username:
            self.error(_("Give the user a name."))
            return
        if password != self.query_one("#new-password2", Input).value:
            self.error(_("The passwords do not match."))
            return
        self.dismiss(
            NewUser(
                username=username,
                full_name=self.query_one("#new-full-name", Input).value.strip(),
                role=str(self.query_one("#new-role", Select).value),
                password=password,
            )
        )


class PasswordDialog(AdminModal):
    def __init__(self, username: str) -> None:
        super().__init__()
        self.username = username

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog"):
            yield Static(Text(_("New password for {name}").format(name=self.username)), classes="dialog-title")
            yield Label(_("New password (changed by the user at the next sign-in)"))
            yield Input(id="reset-password", password=True)
            yield Label(_("The password again"))
            yield Input(id="reset-password2", password=True)
            yield Static("", classes="dialog-error")
            yield Static(Text(_("Ctrl+S saves, Esc cancels.")), classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#reset-password", Input).focus()

    def action_accept(self) -> None:
        password = self.query_one("#reset-password", Input).value
        if password != self.query_one("#reset-password2", Input).value:
            self.error(_("The passwords do not match."))
            return
        if not password:
            self.error(_("Type the new password."))
            return
        self.dismiss(password)
