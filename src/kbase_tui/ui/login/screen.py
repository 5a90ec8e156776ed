"""Sign-in: user name, password, Enter.  Nothing else is reachable from here."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Button, Input, Label, Static

from kbase_tui.i18n import _

from ..base import KbaseScreen
from ..widgets.footer import KeyFooter
from ..widgets.form_dialog import FormDialog


class LoginScreen(KbaseScreen):
    CSS_PATH = "login.tcss"
    AUTO_FOCUS = "#username"
    BINDINGS = [
        Binding("ctrl+q", "app.quit", _("Quit"), id="login.quit"),
        Binding("f1", "app.help", _("Keys"), id="login.help"),
        # Enter in the name field moves on the moment it arrives, so that a password typed right
        # behind it (keys in one burst) lands in the password field (see ui/base.py FOCUS_BINDINGS).
        Binding("enter", "to_password", show=False, priority=True, id="login.next"),
    ]

    # True from Enter on the password until the home screen is up (or the sign-in failed): keys typed behind the
    # password (one burst from a paste or a laggy link: "…⏎/Рога") wait in the app's key gate for the home screen,
    # however long the server takes, instead of landing in the password field that is then cleared.  Ctrl+Q is
    # never held: quitting does not wait for a sign-in.
    keys_held_until_answer = False
    keys_past_the_gate = ("ctrl+q",)

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

    def on_mount(self) -> None:
        self.call_after_refresh(self._preload_home_screens)

    def _preload_home_screens(self) -> None:
        from ..home import preload_home_screens

        private = self.kbase.private_server
        after = private.wait_answering if private is not None else None
        # A thread: the imports are CPU work that would otherwise hold up the keys being typed.
        self.run_worker(lambda: preload_home_screens(after), thread=True, group="preload", exit_on_error=False)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "to_password":
            focused = self.focused
            return focused is not None and focused.id == "username"
        return True

    def action_to_password(self) -> None:
        # set_focus, not Widget.focus(): the latter waits its turn behind the keys already queued.
        self.set_focus(self.query_one("#password", Input))

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
        self.keys_held_until_answer = True
        self.run_worker(self._sign_in(username, password), group="sign-in", exclusive=True, exit_on_error=False)

    async def _sign_in(self, username: str, password: str) -> None:
        from kbase_tui.i18n import current_language
        from kbase_tui.protocol.errors import KbaseError, ServerUnavailable

        client = self.kbase.client
        try:
            await self._wait_for_server()
            signed = await client.sign_in(username, password, language=current_language())
        except ServerUnavailable as error:
            self._failed(error)
            return
        except KbaseError as error:
            self._failed(error)
            return
        except Exception as error:
            from ..errors import log_unexpected

            self._failed(KbaseError(log_unexpected(error, "sign-in")))
            return
        self.query_one("#login-button", Button).disabled = False
        self.query_one("#password", Input).value = ""
        if signed.must_change_password:
            # Keys typed behind the password were meant for the home screen, not the new password's fields.
            self._drop_keys_typed_ahead(_("set your new password first"))
            self.show_error(_("You must set a new password before you continue."))
            self.app.push_screen(
                ChangePasswordScreen(forced=True), lambda changed: self._password_changed(signed, changed)
            )
            return
        try:
            self.kbase.signed_in(signed)
        except Exception as error:  # the home screen could not be opened: say so, never wait on with held keys
            from ..errors import log_unexpected

            self._failed(KbaseError(log_unexpected(error, "sign-in")))

    async def _wait_for_server(self) -> None:
        """A private server started for this app may still be opening the database."""
        private = self.kbase.private_server
        if private is not None:
            self.show_error(_("Starting the kbase server…"), error=False)
            await private.ready()
            self.show_error(_("Signing in…"), error=False)

    def _drop_keys_typed_ahead(self, why: str) -> None:
        self.keys_held_until_answer = False
        dropped = self.kbase.drop_held_keys()
        if dropped:
            self.notify(
                _("Keys typed after the password were not used ({n}): {why}.").format(n=dropped, why=why),
                severity="warning",
                timeout=8,
            )

    def _failed(self, error) -> None:
        # Keys typed behind a refused password must not become the next password: they are dropped, and said so.
        self._drop_keys_typed_ahead(_("sign-in did not open your screen"))
        self.query_one("#login-button", Button).disabled = False
        password = self.query_one("#password", Input)
        password.value = ""
        self.show_error(str(error))
        password.focus()

    def _password_changed(self, signed, actor) -> None:
        from msgspec.structs import replace

        if actor is not None:
            self.kbase.signed_in(replace(signed, actor=actor, must_change_password=False))
        else:
            self.run_worker(self.kbase.client.sign_out(), group="sign-out", exit_on_error=False)
            self.show_error(_("Sign in again when you are ready to set a new password."))

    def show_error(self, message: str, *, error: bool = True) -> None:
        widget = self.query_one("#login-error", Static)
        widget.update(Text(message))
        widget.set_class(error, "error")

    def reset(self, message: str = "") -> None:
        """Back at sign-in after a log-out: the password gone, *message* shown, the name field focused."""
        self.keys_held_until_answer = False
        self.query_one("#password", Input).value = ""
        self.query_one("#login-button", Button).disabled = False
        self.show_error(message)
        self.query_one("#username", Input).focus()


class ChangePasswordScreen(FormDialog):
    """Set a new password (forced after an admin set one, or by choice).

    Before the new password is set there is no session to call operations in: the change goes to the
    client's own sign-in exchange, not through `save_with`.
    """

    def __init__(self, *, forced: bool = False) -> None:
        super().__init__()
        self.forced = forced

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(_("Set a new password") if self.forced else _("Change password"), classes="dialog-title")
            yield Static(_("At least 10 characters, not a common password."), classes="dialog-hint")
            yield Label(_("Current password"))
            yield Input(id="old-password", password=True)
            yield Label(_("New password"))
            yield Input(id="new-password", password=True)
            yield Label(_("New password again"))
            yield Input(id="new-password-2", password=True)
            yield from self.buttons()

    def on_mount(self) -> None:
        self.query_one("#old-password", Input).focus()

    @on(Input.Submitted)
    def _next(self, event: Input.Submitted) -> None:
        order = ["old-password", "new-password", "new-password-2"]
        index = order.index(event.input.id)
        if index < len(order) - 1:
            self.query_one(f"#{order[index + 1]}", Input).focus()
        else:
            self.action_save()

    def action_save(self) -> None:
        old = self.value("#old-password")
        new = self.value("#new-password")
        if new != self.value("#new-password-2"):
            self.show_error(_("The new passwords do not match."))
            return
        self.run_worker(self._change(old, new), group="password", exclusive=True, exit_on_error=False)

    async def _change(self, old: str, new: str) -> None:
        from kbase_tui.protocol.errors import KbaseError

        try:
            actor = await self.kbase.client.change_password(old, new)
        except KbaseError as error:
            self.show_error(str(error))
            return
        self.dismiss(actor)
