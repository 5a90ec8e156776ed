"""The idle lock: after `security.idle_lock_minutes` without a key press the app hides
everything behind a lock screen that asks for the password again.  The same screen asks for
it when the server no longer knows the session (it was restarted): the right password signs
in again and the person carries on where they were.

While locked the screens underneath are frozen (their timers paused): nothing runs on the
user's behalf, so a held lead is not renewed and stays held only until its lease ends.
The right password brings the user back where they were; five wrong ones lock the account
as at sign-in, and the app logs out.  Ctrl+L logs out from the lock screen.
"""

from __future__ import annotations

from time import monotonic
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Static

from kbase_tui.i18n import _, current_language

from .base import KbaseScreen

if TYPE_CHECKING:
    from .app import KbaseApp

CHECK_SECONDS = 5


def check_idle(app: KbaseApp) -> None:
    """The app's timer: lock when the signed-in user has pressed no key for the limit."""
    if app.actor is None or app.idle_locked or app.idle_lock_seconds <= 0:
        return
    now = monotonic()
    if now - app.last_key_at < app.idle_lock_seconds:
        return
    for screen in app.screen_stack:  # a caller's call in progress (ui/queue/screen.py)
        deferred = getattr(screen, "idle_lock_deferred_until", None)
        until = deferred() if deferred is not None else None
        if until is not None and now < until:
            return
    lock(app)


def _freeze(app: KbaseApp) -> list:
    paused = []
    for screen in app.screen_stack:
        for node in screen.walk_children(with_self=True):
            for timer in list(getattr(node, "_timers", ())):
                active = getattr(timer, "_active", None)
                if active is not None and not active.is_set():
                    continue  # paused by its screen: leave it as it is
                timer.pause()
                paused.append(timer)
    return paused


def lock(app: KbaseApp, message: str = "") -> None:
    """Hide the session behind the lock screen; *message* says why when it is not idleness."""
    app.idle_locked = True
    app.paused_timers = _freeze(app)
    app.clear_notifications()  # a toast of the session would show it to whoever passes by
    app.push_screen(LockScreen(message))


def thaw(app: KbaseApp, *, toasts: bool = True) -> None:
    """Take the lock away; the toasts that came meanwhile show now (*toasts*), or are dropped (a log out)."""
    for timer in getattr(app, "paused_timers", []):
        timer.resume()
    app.paused_timers = []
    app.idle_locked = False
    app.last_key_at = monotonic()
    held, app.held_toasts = app.held_toasts, []
    for message, options in held if toasts else ():
        app.notify(message, **options)


class LockScreen(KbaseScreen):
    DEFAULT_CSS = """
    LockScreen { align: center middle; }
    LockScreen > Vertical { width: 60; max-width: 95%; height: auto; border: thick $primary; padding: 1 2; }
    LockScreen #lock-error { color: $error; height: auto; }
    LockScreen #lock-hint { color: $text-muted; padding-top: 1; }
    """
    HELP = _(
        "kbase locked itself after a while without key presses. Type your password and press Enter to go "
        "back to where you were; Ctrl+L logs out."
    )
    BINDINGS = [
        Binding("ctrl+l", "logout", _("Log out"), id="lock.logout"),
    ]

    def __init__(self, message: str = "") -> None:
        super().__init__()
        # Set when the server forgot the session (a restart): the password signs in anew.
        self.message = message

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(_("Locked")), id="lock-title")
            text = self.message or _("{user}: kbase was idle and locked itself. Your password, please.").format(
                user=self.actor.label
            )
            yield Static(Text(text), id="lock-text")
            yield Input(password=True, id="lock-password", select_on_focus=False)
            yield Static("", id="lock-error")
            yield Static(Text(_("Type your password, then Enter · Ctrl+L logs out")), id="lock-hint")

    # The password box takes every key from the start: a person who comes back and types the
    # password straight away must not lose its first letter (that would be a failed sign-in the server
    # counts).  A key pressed as the lock came shows as a dot in the box, where it can be rubbed out.
    # Keys that come before the focus is in the box are put into it in order.
    AUTO_FOCUS = "#lock-password"

    def on_mount(self) -> None:
        self.title = _("Locked")

    def on_key(self, event) -> None:
        box = self.query_one("#lock-password", Input)
        if self.focused is box or event.key in ("ctrl+l", "ctrl+q", "tab", "shift+tab"):
            return
        event.stop()
        event.prevent_default()
        box.focus()
        if event.key == "enter":
            box.post_message(Input.Submitted(box, box.value))
        elif event.is_printable and event.character:
            box.insert_text_at_cursor(event.character)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        password = event.value
        event.input.value = ""
        if not password:
            return
        self.run_worker(self._unlock(password), group="unlock", exclusive=True, exit_on_error=False)

    async def _unlock(self, password: str) -> None:
        from kbase_tui.protocol.errors import KbaseError, SessionEnded

        client = self.kbase.client
        try:
            if self.message or not client.token:
                signed = await client.sign_in(self.actor.username, password, language=current_language())
                self.kbase.resumed(signed)
            else:
                await client.unlock(password)
        except SessionEnded as error:
            if error.reason != "expired":
                self.kbase.session_ended(error)
                return
            self.message = str(error)  # the server restarted meanwhile: the password signs in anew
            self.query_one("#lock-text", Static).update(Text(self.message))
            self.query_one("#lock-error", Static).update(Text(_("Type the password again.")))
            return
        except KbaseError as error:
            self.query_one("#lock-error", Static).update(Text(str(error)))
            return
        thaw(self.kbase)
        self.dismiss()

    def action_logout(self) -> None:
        # Unlock first and let the screen below come back while the user is still known
        # (a screen may refresh itself when it resumes), then log out.
        app = self.kbase
        thaw(app, toasts=False)  # what came for this session is not for the next person
        self.dismiss()
        app.call_after_refresh(app.action_logout)

    def on_unmount(self) -> None:
        if self.kbase.idle_locked:  # logged out from the lock screen
            thaw(self.kbase, toasts=False)
