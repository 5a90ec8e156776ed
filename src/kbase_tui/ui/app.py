"""The kbase Textual application: sign-in, then each role's own screen.

Start-up paints the login screen first and opens the database in a worker,
because importing SQLAlchemy costs more than painting (FACTS.md).
"""

from __future__ import annotations

import gc
import threading
from typing import TYPE_CHECKING, Iterable

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from kbase_tui.i18n import _, current_language
from kbase_tui.labels import role_label

from .errors import log_unexpected
from .language import apply as apply_language, language_commands, palette_binding

if TYPE_CHECKING:
    from kbase_tui.services.db import Database
    from kbase_tui.services.dto import Actor


class KbaseApp(App[None]):
    TITLE = "kbase"
    CSS_PATH = "app.tcss"
    ENABLE_COMMAND_PALETTE = True
    BINDINGS = [
        Binding("f1", "help", _("Keys"), id="app.help"),
        Binding("ctrl+l", "logout", _("Log out"), show=False, id="app.logout"),
        Binding("ctrl+q", "quit", _("Quit"), show=False, id="app.quit", priority=True),
    ]

    def __init__(self, db_url: str | None = None, *, database: "Database | None" = None) -> None:
        super().__init__()
        self.db_url = db_url
        self._database = database
        self._database_lock = threading.Lock()
        self.actor: "Actor | None" = None
        # --lang / KBASE_LANG / locale; a user's own language applies from sign-in to log-out.
        self.default_language = current_language()
        palette_binding(self)

    _safe_filter = None
    # Idle lock (ui/lock_screen.py): the time of the last key, the limit, whether locked.
    last_key_at = 0.0
    idle_lock_seconds = 0.0
    idle_locked = False

    async def on_event(self, event) -> None:
        from textual import events

        if isinstance(event, events.Key):
            from time import monotonic

            self.last_key_at = monotonic()
        await super().on_event(event)

    def _check_idle(self) -> None:
        from .lock_screen import check_idle

        check_idle(self)

    def get_line_filters(self):
        # Every rendered line loses terminal control and bidi characters (ui/safe_display.py).
        if self._safe_filter is None:
            from .safe_display import ControlCharacterFilter

            self._safe_filter = ControlCharacterFilter()
        return [*super().get_line_filters(), self._safe_filter]

    # --- database -------------------------------------------------------------
    def database_ready(self) -> "Database":
        """The open database; opened (and migrated) on first use, in the calling worker."""
        with self._database_lock:
            if self._database is None:
                from kbase_tui.services.setup import open_database

                self._database = open_database(self.db_url)
            return self._database

    def on_mount(self) -> None:
        from .login.screen import LoginScreen

        self.push_screen(LoginScreen())
        self.set_interval(5, self._check_idle)  # the idle lock's clock (ui/lock_screen.py)
        # Warm the database layer while the user types their name.
        self.run_worker(self._warm_up, thread=True, group="startup", exit_on_error=False)

    def _warm_up(self) -> None:
        try:
            self.database_ready()
        except Exception as error:
            line = log_unexpected(error, "opening the database")
            self.call_from_thread(self.notify, line, severity="error", timeout=15)

    # --- session ----------------------------------------------------------------
    def signed_in(self, actor: "Actor") -> None:
        from .home import home_screen_for

        self.actor = actor
        apply_language(self, actor.language or self.default_language)
        self.sub_title = f"{actor.label} · {role_label(actor.role)}"
        screen = home_screen_for(actor.role)
        # The login screen stays at the bottom of the stack: log out pops back to it.
        self.push_screen(screen)
        self.call_after_refresh(self._freeze_heap)
        self.run_worker(lambda: self._offer_leftover_drafts(actor), thread=True, group="drafts", exit_on_error=False)
        from time import monotonic

        from .lock_screen import load_idle_limit

        self.last_key_at = monotonic()
        self.run_worker(lambda: load_idle_limit(self, actor), thread=True, group="idle", exit_on_error=False)

    # Young-generation threshold of the cyclic garbage collector while signed in (Python's default: 700).
    GC_THRESHOLDS = (10_000, 10, 10)
    _default_gc_thresholds: tuple[int, int, int] | None = None

    def _freeze_heap(self) -> None:
        """Keep the cyclic garbage collector's pauses off the screens of a signed-in session.

        Once the home screen is up the heap holds Textual, SQLAlchemy, the models, the services and
        the home screen: several hundred thousand objects that live as long as the session.  Left
        in the oldest generation, every full collection walked them all, a 100-130 ms pause on the
        event loop that landed in the middle of opening a screen; `gc.freeze` takes them out of the
        collector's sight (it only moves list heads, so it costs nothing here).  And a list screen
        allocates fast (Rich segments, styles and strips for every cell drawn): with the default
        threshold of 700 a young collection ran every few milliseconds, 360 collections and 200-350 ms
        over 30 page-downs of the refusal list; at 10,000 about 20, 60 ms (docs/performance.md).
        Logging out unfreezes (`action_logout`), so a signed-out session's screens can be collected.
        """
        if self._default_gc_thresholds is None:
            self._default_gc_thresholds = gc.get_threshold()
        gc.freeze()
        gc.set_threshold(*self.GC_THRESHOLDS)

    def on_unmount(self) -> None:
        # The app is gone: what it froze may be collected, with the usual thresholds (this matters
        # where apps come and go in one process, as in the tests).
        gc.unfreeze()
        if self._default_gc_thresholds is not None:
            gc.set_threshold(*self._default_gc_thresholds)

    def _offer_leftover_drafts(self, actor: "Actor") -> None:
        """Text typed before a dropped connection is offered back right after sign-in."""
        from kbase_tui.services import drafts

        try:
            leftovers = drafts.leftover_drafts(self.database_ready(), actor)
        except Exception as error:
            log_unexpected(error, "reading drafts")
            return
        if leftovers and self.actor == actor:
            from .drafts_dialog import LeftoverDraftsDialog

            self.call_from_thread(self.push_screen, LeftoverDraftsDialog(leftovers))

    def action_logout(self) -> None:
        if self.actor is None:
            return
        actor = self.actor
        cleanups = self.before_logout(actor)
        self.actor = None
        self.sub_title = ""
        from .login.screen import LoginScreen

        while len(self.screen_stack) > 2:
            self.pop_screen()
        if len(self.screen_stack) == 2:
            self.pop_screen()
        apply_language(self, self.default_language)
        gc.unfreeze()  # the next sign-in freezes its own session (_freeze_heap)
        if not isinstance(self.screen, LoginScreen):
            self.push_screen(LoginScreen())
        else:
            self.screen.query_one("#password").value = ""  # type: ignore[attr-defined]
            self.screen.show_error("")  # type: ignore[attr-defined]
            self.screen.query_one("#username").focus()
        self.run_worker(lambda: self._sign_out_in_worker(actor, cleanups), thread=True, exit_on_error=False)

    def before_logout(self, actor: "Actor") -> list:
        """Collect what screens must do before the user leaves (release a held lead ...).

        A screen may define `on_logout()` returning a function `(database) -> None`
        or None; the functions run in the logout worker, off the event loop.
        """
        cleanups = []
        for screen in self.screen_stack:
            hook = getattr(screen, "on_logout", None)
            if hook is None:
                continue
            try:
                cleanup = hook()
            except Exception as error:
                log_unexpected(error, "logout hook")
                continue
            if cleanup is not None:
                cleanups.append(cleanup)
        return cleanups

    def _sign_out_in_worker(self, actor: "Actor", cleanups: list) -> None:
        from kbase_tui.services import users

        database = self.database_ready()
        for cleanup in cleanups:
            self._safe(cleanup, database)
        self._safe(users.logout, database, actor)

    @staticmethod
    def _safe(function, *args) -> None:
        try:
            function(*args)
        except Exception as error:
            log_unexpected(error, getattr(function, "__qualname__", "call"))

    # --- unexpected errors ----------------------------------------------------------
    _error_line = ""

    def _handle_exception(self, error: Exception) -> None:
        # Log the whole traceback to the file; the user gets one line (issue: never a traceback on screen).
        self._error_line = log_unexpected(error, "unhandled exception in the app")
        super()._handle_exception(error)

    def _fatal_error(self) -> None:
        from rich.text import Text

        self.bell()
        self.panic(Text(self._error_line or _("Unexpected error; details are in the log file.")))

    # --- help and commands ---------------------------------------------------------
    def action_help(self) -> None:
        from .help_screen import HelpScreen

        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen(self.screen))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        # The current screen's own actions first, from its BINDINGS.
        seen: set[str] = set()
        for active in screen.active_bindings.values():
            binding = active.binding
            if not binding.description or binding.action in seen or not active.enabled:
                continue
            seen.add(binding.action)
            yield SystemCommand(
                _(binding.description),  # Textual's own descriptions are English (ui/textual_texts.py)
                _("Key: {key}").format(key=self.get_key_display(binding)),
                lambda action=binding.action, node=active.node: self.call_later(self.run_action, action, node),
            )
        yield SystemCommand(_("Keys"), _("Show the keys of this screen"), self.action_help)
        if self.actor is not None:
            yield SystemCommand(_("Log out"), _("Back to the sign-in screen"), self.action_logout)
            yield from language_commands(self)
        yield SystemCommand(_("Theme"), _("Change the colours"), self.action_change_theme)
        yield SystemCommand(_("Quit"), _("Close kbase"), self.action_quit)

    def action_command_palette(self) -> None:
        from textual.command import CommandPalette

        if self.use_command_palette and not CommandPalette.is_open(self):
            self.push_screen(CommandPalette(id="--command-palette", placeholder=_("Search for commands…")))

    async def action_quit(self) -> None:
        if self.actor is not None:
            actor = self.actor
            cleanups = self.before_logout(actor)
            self.actor = None
            # Even at quit, the database is touched from a worker, not the event loop.
            worker = self.run_worker(lambda: self._sign_out_in_worker(actor, cleanups), thread=True, exit_on_error=False)
            await worker.wait()
        self.exit()
