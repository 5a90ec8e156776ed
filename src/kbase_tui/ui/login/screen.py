"""Sign-in: user name, password, Enter.  Nothing else is reachable from here."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Button, Input, Label, Static

from kbase_tui.i18n import _

from ..base import KbaseModal, KbaseScreen
from ..widgets.footer import KeyFooter


class LoginScreen(KbaseScreen):
    ANONYMOUS_SERVICES = True
    CSS_PATH = "login.tcss"
    AUTO_FOCUS = "#username"
    BINDINGS = [
        Binding("ctrl+q", "app.quit", _("Quit"), id="login.quit"),
        Binding("f1", "app.help", _("Keys"), id="login.help"),
    ]

    def __init__(self, message: str = "") -> None:
        super().__init__()
        self.message = message
        self.title = _("Sign in")

    def compose(self) -> ComposeResult:
        with Vertical(id="login-box"):
            yield Static("kbase", id="login-title")
            yield Label(_("User name"))
            yield Input(id="username", max_length=64)
            yield Label(_("Password"))
            yield Input(id="password", password=True, max_length=256)
            yield Static(Text(self.message), id="login-error")
            yield Button(_("Sign in"), id="login-button", variant="primary")
        yield KeyFooter()

    @on(Input.Submitted, "#username")
    def _to_password(self) -> None:
        self.query_one("#password", Input).focus()

    @on(Input.Submitted, "#password")
    @on(Button.Pressed, "#login-button")
    def submit(self) -> None:
        username = self.query_one("#username", Input).value.strip()
        password = self.query_one("#password", Input).value
        if not username:
            self.show_error(_("Enter your user name."))
            self.query_one("#username", Input).focus()
            return
        if not password:
            self.show_error(_("Enter your password."))
            self.query_one("#password", Input).focus()
            return
        self.show_error(_("Signing in…"), error=False)
        self.query_one("#login-button", Button).disabled = True
        from kbase_tui.services import users

        self.call_service(users.login, username, password, done=self._signed_in, failed=self._failed, exclusive=True)

    def _signed_in(self, actor) -> None:
        self.kbase.signed_in(actor)

    def _failed(self, error) -> None:
        from kbase_tui.services.errors import PasswordChangeRequired

        self.query_one("#login-button", Button).disabled = False
        password = self.query_one("#password", Input)
        password.value = ""
        if isinstance(error, PasswordChangeRequired):
            actor = error.actor  # type: ignore[attr-defined]
            self.show_error(str(error))
            self.app.push_screen(ChangePasswordScreen(actor, forced=True), self._password_changed)
            return
        self.show_error(str(error))
        password.focus()

    def _password_changed(self, actor) -> None:
        if actor is not None:
            self.kbase.signed_in(actor)
        else:
            self.show_error(_("Sign in again when you are ready to set a new password."))

    def show_error(self, message: str, *, error: bool = True) -> None:
        widget = self.query_one("#login-error", Static)
        widget.update(Text(message))
        widget.set_class(error, "error")


class ChangePasswordScreen(KbaseModal):
    """Set a new password (forced after an admin set one, or by choice)."""

    ANONYMOUS_SERVICES = True  # the forced change happens before sign-in completes

    CSS_PATH = "login.tcss"
    BINDINGS = [Binding("escape", "cancel", _("Cancel"), id="password.cancel")]

    def __init__(self, actor, *, forced: bool = False) -> None:
        super().__init__()
        self.target_actor = actor
        self.forced = forced

    def compose(self) -> ComposeResult:
        with Vertical(id="password-box"):
            yield Static(_("Set a new password") if self.forced else _("Change password"), id="password-title")
            yield Static(_("At least 10 characters, not a common password."), classes="hint")
            yield Label(_("Current password"))
            yield Input(id="old-password", password=True)
            yield Label(_("New password"))
            yield Input(id="new-password", password=True)
            yield Label(_("New password again"))
            yield Input(id="new-password-2", password=True)
            yield Static("", id="password-error")
            yield Button(_("Save"), id="password-save", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#old-password", Input).focus()

    @on(Input.Submitted)
    def _next(self, event: Input.Submitted) -> None:
        order = ["old-password", "new-password", "new-password-2"]
        index = order.index(event.input.id)
        if index < len(order) - 1:
            self.query_one(f"#{order[index + 1]}", Input).focus()
        else:
            self.save()

    @on(Button.Pressed, "#password-save")
    def save(self) -> None:
        old = self.query_one("#old-password", Input).value
        new = self.query_one("#new-password", Input).value
        again = self.query_one("#new-password-2", Input).value
        if new != again:
            self.query_one("#password-error", Static).update(Text(_("The new passwords do not match.")))
            return
        from kbase_tui.services import users

        self.call_service(
            users.change_password, self.target_actor, old, new,
            done=lambda _result: self.dismiss(self.target_actor),
            failed=lambda error: self.query_one("#password-error", Static).update(Text(str(error))),
        )

    def action_cancel(self) -> None:
        self.dismiss(None)
