"""The kbase Textual application: sign-in, then each role's own screen.

The app is a client of the kbase server (kbase_tui.client): it holds a session token and
the screens, nothing of the base.  Start-up paints the login screen at once; the first
request reaches the server while the person types their name.  After sign-in a stream of
events from the server keeps the screens current and signs the person out the moment they
may no longer work.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterable
from typing import TYPE_CHECKING

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from kbase_tui import timezones
from kbase_tui.i18n import _, current_language
from kbase_tui.labels import role_label

from .errors import log_unexpected
from .language import apply as apply_language
from .language import language_commands, palette_binding
from .messages import ServerPush

if TYPE_CHECKING:
    from kbase_tui.client import KbaseClient
    from kbase_tui.private_server import PrivateServer
    from kbase_tui.protocol.dto import Actor
    from kbase_tui.protocol.errors import SessionEnded
    from kbase_tui.protocol.session import SignedIn

# The events stream comes back after a dropped link or a server restart, trying this often.
RECONNECT_SECONDS = (0.5, 1, 2, 5, 10)


def waits_for_data(screen) -> bool:
    """Keys typed now wait: the screen's keys need data still on its way (`keys_wait`), or a call made to hold them
    (ServiceCalls.call(holds_keys=True); the fresh list a screen reloads on coming back from a dialog)."""
    return bool(getattr(screen, "keys_wait", False)) or bool(getattr(screen, "waits_for_a_call", False))


def _queued_at(node, message) -> bool:
    """*message* waits in *node*'s queue: in Textual's own Queue (`values`), or taken off it to be looked at
    beside the message before it (`_pending_message`, where messages that supersede each other are merged)."""
    if getattr(node, "_pending_message", None) is message:
        return True
    return any(queued is message for queued in getattr(node._message_queue, "values", ()))


class KbaseApp(App[None]):
    TITLE = "kbase"
    CSS_PATH = "app.tcss"
    ENABLE_COMMAND_PALETTE = True
    BINDINGS = [
        Binding("f1", "help", _("Keys"), id="app.help"),
        Binding("ctrl+l", "logout", _("Log out"), show=False, id="app.logout"),
        Binding("ctrl+q", "quit", _("Quit"), show=False, id="app.quit", priority=True),
    ]

    def __init__(
        self, server: str | None = None, *, client: KbaseClient | None = None, private: PrivateServer | None = None
    ) -> None:
        """*server*: the server's address (unix:/path or https://host:port); or a ready *client*.

        *private*: the private server started for this app (`kbase --db`), which may still be opening
        the database when the person signs in.
        """
        super().__init__()
        from .keyboard_layout import keep_escape_before_signs
        from .widgets.field_limits import say_when_a_field_is_full

        keep_escape_before_signs()  # before the terminal is read
        say_when_a_field_is_full()
        self.server_address = server
        self._client = client
        self.private_server = private
        self.actor: Actor | None = None
        self.signed: SignedIn | None = None
        self._events_task: asyncio.Task | None = None
        self.held_toasts = []
        # --lang / KBASE_LANG / locale; a user's own language applies from sign-in to log-out.
        self.default_language = current_language()
        palette_binding(self)
        # Escape strings dropped and typing bounded before sign-in, in front of Textual's parser.
        from . import input_guard

        input_guard.install()
        input_guard.signed_in(False)

    _safe_filter = None
    # Idle lock (ui/lock_screen.py): the time of the last key, the limit, whether locked.
    last_key_at = 0.0
    idle_lock_seconds = 0.0
    idle_locked = False
    held_toasts: list[tuple[str, dict]]  # toasts that came while locked, shown once the password is typed

    @property
    def client(self) -> KbaseClient:
        if self._client is None:
            from kbase_tui.client import KbaseClient

            if not self.server_address:
                raise RuntimeError("KbaseApp needs a server address or a client")
            self._client = KbaseClient.for_address(self.server_address)
        return self._client

    # Textual's own app actions that write files, inject keys, suspend the terminal, open screens by name
    # or put words on the screen.  kbase binds none of them; refused here, no text in the base can reach
    # them even if it were ever read as markup (`[@click=app.screenshot(...)]` in a company's name).
    REFUSED_ACTIONS = frozenset(
        {
            "screenshot",
            "deliver_screenshot",
            "simulate_key",
            "suspend_process",
            "switch_screen",
            "push_screen",
            "switch_mode",
            "add_class",
            "remove_class",
            "toggle_class",
            "notify",
            "bell",
        }
    )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in self.REFUSED_ACTIONS:
            return False
        return super().check_action(action, parameters)

    def notify(self, message: str, *, markup: bool = False, **options) -> None:  # type: ignore[override]
        # Messages carry company names, full names and file text: never read as markup, so that text
        # in the base can neither break a toast nor become a clickable action.  Always: Textual's
        # Widget.notify passes markup=True on its own, and every screen's `self.notify` goes through it.
        if self.idle_locked:
            # Not over the lock screen, for whoever passes by: it waits for the password (ui/lock_screen.py).
            self.held_toasts.append((message, options))
            return
        super().notify(message, markup=False, **options)

    # --- keys: one at a time, in order ----------------------------------------------------------
    # Textual hands each key to the widget that has focus when the key arrives.  Keys that come in
    # one burst (a paste, a laggy SSH link, a fast typist) would reach the old screen while the
    # dialog the first key opens is still being built, or the old field while a dialog moves the
    # focus: "c06.12.2026 15:30⏎" lost the date.  So a key waits while the app is unsettled: the
    # previous key not yet handled, a focus change requested but not made, the screen not yet
    # mounted, or the screen waiting for data its keys need (`keys_wait`).  Never longer than
    # KEY_WAIT_LIMIT (KEY_DATA_WAIT_LIMIT for `keys_wait`): a key is then dispatched as it is
    # rather than held for ever.  Five seconds, not less: on a server with every core busy, a dialog took
    # more than two to settle and keys let go at two went into the wrong field.
    KEY_WAIT_LIMIT = 5.0
    KEY_DATA_WAIT_LIMIT = 10.0
    _held_keys = None  # deque of keys waiting, oldest first
    _key_in_flight = None
    _key_in_flight_since = 0.0
    _pending_calls = 0
    _gate_timer = None
    _gate_armed_at = 0.0
    GATE_TIMER_DEAD_AFTER = 1.0

    def call_later(self, callback, *args, **kwargs) -> bool:
        # Counted, so that the key gate knows a focus change (Widget.focus goes through here) is pending.
        from textual._callback import invoke

        async def counted() -> None:
            try:
                await invoke(callback, *args, **kwargs)
            finally:
                self._pending_calls -= 1

        self._pending_calls += 1
        if not super().call_later(counted):
            self._pending_calls -= 1
            return False
        return True

    def _keys_unsettled(self, since: float, *, data_wait: bool = True) -> bool:
        """The app is not ready for the next key.  *data_wait*=False: the screen's wait for its data does not
        count (a key the screen lets past it, `keys_past_the_gate`)."""
        from time import monotonic

        waited = monotonic() - since
        if waited > self.KEY_WAIT_LIMIT:
            if not data_wait:
                return False
            # Longer only for a list on its way from a busy server: typed keys are worth the wait.  A screen
            # whose keys must never reach it meanwhile (the login while the password is checked: they would land
            # in the password field) holds them until its answer, which ends with the call's own timeout.
            try:
                screen = self.screen
            except Exception:
                return False
            if getattr(screen, "keys_held_until_answer", False):
                return True
            if waited > self.KEY_DATA_WAIT_LIMIT:
                return False
            return waits_for_data(screen)
        key = self._key_in_flight
        # Stopped by a widget (a letter an Input took), a key is done.  But a key that bubbles up to the app is
        # stopped as it is queued there (Textual stops a message at the parent that sent it), *before* the app
        # runs its binding: Enter looked done while its Submitted was not even posted, and the "Ё" typed after
        # it stayed in the phones field instead of opening the e-mail.
        if (
            key is not None
            and not getattr(key, "kbase_done", False)
            and (not key._stop_propagation or _queued_at(self, key))
        ):
            return True
        if self._pending_calls > 0:
            return True
        # What the last key set off is still on its way up from the focused widget (Enter's
        # Submitted, a list's OptionSelected): its handler may move the focus, so the next key waits
        # for it.  ("12 500⏎⏎Бумага" put the paper into the amount.)
        node = self.focused
        while node is not None and node is not self:
            if node._message_queue.qsize():
                return True
            node = node._parent
        try:
            screen = self.screen
        except Exception:
            return False
        return not screen.is_mounted or (
            data_wait and (waits_for_data(screen) or bool(getattr(screen, "keys_held_until_answer", False)))
        )

    async def on_event(self, event) -> None:
        from textual import events

        if isinstance(event, (events.Key, events.Paste)) and not event.is_forwarded:
            from collections import deque
            from time import monotonic

            from .input_guard import NOT_UTF8

            self.last_key_at = monotonic()
            if isinstance(event, events.Key) and event.character == NOT_UTF8:
                self._say_not_utf8()
                return
            if self._held_keys is None:
                self._held_keys = deque()
            if self._must_wait(event, monotonic()):
                self._held_keys.append((event, monotonic()))
                self._arm_key_gate()
                return
            await self._dispatch_key(event, monotonic())
            return
        await super().on_event(event)

    # Keys that end the screen or the app: nothing typed behind them is for it, so they never wait their turn.
    KEYS_THAT_END_THE_SCREEN = ("ctrl+q", "ctrl+l")

    def _must_wait(self, event, since: float) -> bool:
        """*event* waits in the gate: behind keys already waiting, or until the app is settled.

        A key the screen lets past its wait for data (`keys_past_the_gate`: help, or another search while one is
        on its way) still waits its turn behind keys typed before it and for the key before it to be handled:
        "luxoft" typed in a burst into the search line read "lxfuot" when f and x jumped the queue.  Only the
        keys that end the screen or the app go at once."""
        passing = self._passes_the_gate(event)
        if passing and event.key in self.KEYS_THAT_END_THE_SCREEN:
            return False
        return bool(self._held_keys) or self._keys_unsettled(since, data_wait=not passing)

    _said_not_utf8_at = float("-inf")

    def _say_not_utf8(self) -> None:
        from time import monotonic

        if monotonic() - self._said_not_utf8_at < 5:
            return
        self._said_not_utf8_at = monotonic()
        self.notify(
            _(
                "The terminal sent characters that are not UTF-8 (its character set is probably Windows-1251 or "
                "KOI8-R): they were not taken. Set the terminal's character set to UTF-8 and type them again."
            ),
            severity="warning",
            timeout=10,
        )

    def _passes_the_gate(self, event) -> bool:
        """A key the screen never holds for its data (Ctrl+Q at the login while the password is checked)."""
        from textual import events

        try:
            passing = getattr(self.screen, "keys_past_the_gate", ())
        except Exception:
            return False
        return isinstance(event, events.Key) and event.key in passing

    async def _dispatch_key(self, event, typed_at: float) -> None:
        """*event*, typed at *typed_at* (it may have waited in the gate since), to the screen on top now."""
        from time import monotonic

        from textual import events

        if isinstance(event, events.Paste):
            pieces = self._paste_as_typed(event)
            if len(pieces) > 1 and self._held_keys is not None:
                # The rest waits behind the first piece like keys of a burst.
                for piece in reversed(pieces[1:]):
                    self._held_keys.appendleft((piece, monotonic()))
                self._arm_key_gate()
            event = pieces[0]
        if (
            isinstance(event, events.Key)
            and getattr(event, "kbase_came_with_escape", False)
            and getattr(self.screen, "is_a_question", False)
        ):
            # The Esc it came with asked a question ("throw away what you typed?") instead of closing: the letter
            # was typed for the screen under the dialog, not as the answer (Н, the Russian Y, would throw a typed
            # note away).  Not taken, and said so.
            self.notify(
                _("“{key}” came together with Esc and was not taken as the answer: answer the question.").format(
                    key=event.character or event.key
                ),
                severity="warning",
            )
            return
        # When the key was read from the terminal (a Message's `time`), not when the app came to it: keys of one
        # burst reach the app while the question their first key raised is being put up.
        typed_at = min(typed_at, getattr(event, "time", typed_at))
        if isinstance(event, events.Key) and typed_at < getattr(self.screen, "asked_at", float("-inf")):
            # Typed before the question was on the screen, so not its answer: "вон" typed on the caller's screen
            # opened "never call again?" with в and answered yes with н, for good.  Not taken, and said once.
            if not getattr(self.screen, "said_typed_ahead", False):
                self.screen.said_typed_ahead = True
                self.notify(
                    _("Keys typed before the question appeared were not taken as its answer: answer it now."),
                    severity="warning",
                )
            return
        if isinstance(event, events.Key):
            # Once, before any binding is looked up: hot keys by physical key on the Russian layout.
            from .keyboard_layout import escape_then_key, physical_key

            event = physical_key(self, event) or event
            # Esc and a letter bunched into one Alt+letter that nothing has: Esc now, the letter behind it, for
            # whatever screen is on top once Esc has acted.
            split = escape_then_key(self, event)
            if split is not None and self._held_keys is not None:
                event, letter = split
                letter.set_sender(self)
                event.set_sender(self)
                letter.kbase_came_with_escape = True
                self._held_keys.appendleft((letter, monotonic()))
                self._arm_key_gate()
        self._key_in_flight, self._key_in_flight_since = event, monotonic()
        await super().on_event(event)
        if not event.is_forwarded:  # a priority binding took it
            event.kbase_done = True

    def _paste_as_typed(self, event) -> list:
        """A paste into a one-line field, as if typed: Tab moves to the next field, in order.

        Textual puts the first line of a paste into an Input and drops the rest, Tabs and all: a
        user name and a password pasted Tab-separated went, in clear, into the user name.  Here a
        Tab in the paste moves the focus like the Tab key, a line break inside becomes a space (the
        text stays whole and nothing is submitted half-way), a line break at the end is dropped
        (a spreadsheet cell copied ends with one): a paste never presses Enter.  A multi-line text
        box takes the paste whole, as Textual does.
        """
        import re

        from textual import events
        from textual.widgets import Input

        text = event.text
        if not isinstance(self.focused, Input) or not re.search("[\t\r\n]", text):
            return [event]
        pieces: list = []
        for n, cell in enumerate(text.rstrip("\r\n").split("\t")):
            if n:
                pieces.append(events.Key("tab", None))
            line = " ".join(re.split("\r\n|\r|\n", cell))
            if line:
                pieces.append(events.Paste(line))
        for piece in pieces:
            piece.set_sender(self)
        return pieces or [events.Paste("")]

    async def _on_paste(self, event) -> None:
        event.kbase_done = True  # bubbled up with nobody taking it: the next key may go

    async def _on_key(self, event) -> None:
        # The key bubbled up to the app: its bindings run here; after that it is done.  (Textual calls
        # each class's handler in turn: prevent_default keeps App._on_key from running it twice.)
        try:
            await super()._on_key(event)
        finally:
            event.prevent_default()
            event.kbase_done = True

    def drop_held_keys(self) -> int:
        """Forget the keys waiting in the gate (they were typed for a screen that will not come); how many."""
        count = len(self._held_keys or ())
        if self._held_keys:
            self._held_keys.clear()
        return count

    def _arm_key_gate(self) -> None:
        from time import monotonic

        # A release due in 3 ms that has not run within a second never will (its task ended without calling
        # it): arm another, or every key from now on would wait behind it and the app would take no key at all.
        if self._gate_timer is not None and monotonic() - self._gate_armed_at > self.GATE_TIMER_DEAD_AFTER:
            self._gate_timer = None
        if self._gate_timer is None:
            self._gate_armed_at = monotonic()
            self._gate_timer = self.set_timer(0.003, self._release_keys)

    async def _release_keys(self) -> None:
        self._gate_timer = None
        while self._held_keys:
            event, since = self._held_keys[0]
            since = max(since, self._key_in_flight_since)
            passing = self._passes_the_gate(event)
            if not passing and self._data_wait_over(since):
                self._drop_keys_of_a_silent_server()
                return
            if self._keys_unsettled(since, data_wait=not passing):
                self._arm_key_gate()
                return
            typed_at = self._held_keys.popleft()[1]
            await self._dispatch_key(event, typed_at)

    def _data_wait_over(self, since: float) -> bool:
        """The screen still waits for its data (`keys_wait`) a whole KEY_DATA_WAIT_LIMIT after the key came."""
        from time import monotonic

        if monotonic() - since <= self.KEY_DATA_WAIT_LIMIT:
            return False
        try:
            screen = self.screen
        except Exception:
            return False
        return waits_for_data(screen) and not getattr(screen, "keys_held_until_answer", False)

    def _drop_keys_of_a_silent_server(self) -> None:
        # Let go one at a time, the keys acted while the screen still waited (an outcome key refused as "still
        # saving") and the rest, each after another wait, on the next lead once it came: the "т" of a comment
        # recorded "no answer" on a lead nobody called.  Every key typed meanwhile goes, and the person is told.
        from kbase_tui.i18n import ngettext

        count = self.drop_held_keys()
        self.notify(
            ngettext(
                "The server did not answer for {s} seconds: the key typed meanwhile was not taken. Type it again.",
                "The server did not answer for {s} seconds: the {n} keys typed meanwhile were not taken. "
                "Type them again.",
                count,
            ).format(s=int(self.KEY_DATA_WAIT_LIMIT), n=count),
            severity="warning",
            timeout=8,
        )

    def _check_idle(self) -> None:
        from .lock_screen import check_idle

        check_idle(self)

    def get_line_filters(self):
        # Every rendered line loses terminal control and bidi characters (ui/safe_display.py).
        if self._safe_filter is None:
            from .safe_display import ControlCharacterFilter

            self._safe_filter = ControlCharacterFilter()
        return [*super().get_line_filters(), self._safe_filter]

    def on_mount(self) -> None:
        from .login.screen import LoginScreen

        self.push_screen(LoginScreen())
        self.set_interval(5, self._check_idle)  # the idle lock's clock (ui/lock_screen.py)
        # The installation's keymap (ui/keymap.py), checked against every screen's bindings off the event loop,
        # once the login is painted: checking a keymap imports every screen, which would hold up the paint.
        self.call_after_refresh(self._start_keymap)

    def _start_keymap(self) -> None:
        gc.enable()  # off while the app started (cli/main.py run_app): the login is painted now
        self.run_worker(self._load_keymap, thread=True, group="keymap", exit_on_error=False)

    keymap_file: str = ""  # the keymap file in use, for F1

    def _load_keymap(self) -> None:
        from .keymap import KeymapError, load

        try:
            keymap = load()
        except KeymapError as error:
            self.call_from_thread(self.notify, str(error), severity="error", timeout=30, markup=False)
            return
        if keymap.keys:
            self.call_from_thread(self._apply_keymap, str(keymap.path), keymap.keys)

    def _apply_keymap(self, path: str, keys: dict[str, str]) -> None:
        self.keymap_file = path
        self.set_keymap(keys)

    # --- session ----------------------------------------------------------------
    def signed_in(self, signed: SignedIn) -> None:
        from . import input_guard
        from .home import home_screen_for

        actor = signed.actor
        self.signed = signed
        self.actor = actor
        input_guard.signed_in(True)
        # Every time on screen in this person's zone, "today" by the call centre's (not this computer's).
        timezones.set_reader_zone(actor.time_zone, signed.centre_time_zone)
        apply_language(self, actor.language or self.default_language)
        self.sub_title = f"{actor.label} · {role_label(actor.role)}"
        screen = home_screen_for(actor.role)
        # The login screen stays at the bottom of the stack: log out pops back to it.
        self.push_screen(screen)
        self.call_after_refresh(self._freeze_heap)
        self._listen()
        from time import monotonic

        self.last_key_at = monotonic()
        self.idle_lock_seconds = max(0.0, signed.idle_lock_minutes * 60.0)
        self._offer_leftover_drafts()

    def resumed(self, signed: SignedIn) -> None:
        """Signed in again on the lock screen after the server forgot the session: carry on as before."""
        self.signed = signed
        self.actor = signed.actor
        timezones.set_reader_zone(signed.actor.time_zone, signed.centre_time_zone)
        self._listen()

    def _listen(self) -> None:
        if self._events_task is not None:
            self._events_task.cancel()
        # A task, not a worker: it lives as long as the session, and tests wait for workers.
        self._events_task = asyncio.create_task(self._events(self.client.token), name="kbase-events")

    async def _events(self, token: str) -> None:
        from kbase_tui.protocol.errors import ServerUnavailable, SessionEnded

        failures = 0
        while self.actor is not None and self.client.token == token:
            try:
                async for event in self.client.events():
                    failures = 0
                    self._pushed(event)
            except asyncio.CancelledError:
                raise
            except SessionEnded as error:
                self.session_ended(error)
                return
            except ServerUnavailable:
                pass
            except Exception as error:
                log_unexpected(error, "events stream")
            if self.actor is None or self.client.token != token:
                return
            await asyncio.sleep(RECONNECT_SECONDS[min(failures, len(RECONNECT_SECONDS) - 1)])
            failures += 1

    def _pushed(self, event) -> None:
        from kbase_tui.protocol.errors import SessionEnded

        if event.type == "ping":
            return
        if event.type == "signed_out":
            self.session_ended(SessionEnded(event.message or None, reason=event.reason or "signed_out"))
            return
        for screen in self.screen_stack:
            screen.post_message(ServerPush(event))

    def session_ended(self, error: SessionEnded) -> None:
        """The server ended this session: back to the sign-in screen, saying why.

        A server restart (`expired` with no other reason) asks for the password again on the
        lock screen, so the person carries on where they were; anything else clears the screen.
        """
        if self.actor is None:
            return
        if error.reason == "expired" and not self.idle_locked:
            from .lock_screen import lock

            lock(self, message=str(error))
            return
        if error.reason == "expired":
            return  # already at the lock screen, asking for the password
        self._leave(str(error), sign_out=False)

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

    def _offer_leftover_drafts(self) -> None:
        """Text typed before a dropped connection is offered back right after sign-in."""
        from kbase_tui.protocol import drafts

        async def offer() -> None:
            try:
                leftovers = await self.client.call(drafts.leftover_drafts)
            except Exception as error:
                log_unexpected(error, "reading drafts")
                return
            if leftovers and self.actor is not None:
                from .drafts_dialog import LeftoverDraftsDialog

                self.push_screen(LeftoverDraftsDialog(leftovers))

        self.run_worker(offer(), group="drafts", exit_on_error=False)

    def action_logout(self) -> None:
        if self.actor is None:
            return
        self._leave("", sign_out=True)

    def _leave(self, message: str, *, sign_out: bool) -> None:
        """Clear every screen of the session and show the sign-in screen (with *message*)."""
        from . import input_guard
        from .lock_screen import thaw
        from .login.screen import LoginScreen

        if self.idle_locked:
            thaw(self, toasts=False)
        self.actor = None
        input_guard.signed_in(False)
        self.signed = None
        self.sub_title = ""
        if self._events_task is not None:
            self._events_task.cancel()
            self._events_task = None
        # A toast of this session (a company's name, a client's news) is not for the next person at the terminal.
        self.clear_notifications()
        while len(self.screen_stack) > 2:
            self.pop_screen()
        if len(self.screen_stack) == 2:
            self.pop_screen()
        apply_language(self, self.default_language)
        gc.unfreeze()  # the next sign-in freezes its own session (_freeze_heap)
        if not isinstance(self.screen, LoginScreen):
            self.push_screen(LoginScreen(message))
        else:
            self.screen.reset(message)  # type: ignore[attr-defined]
        if sign_out:
            # The server releases the held lead and records the sign-out.
            self.run_worker(self.client.sign_out(), group="sign-out", exit_on_error=False)

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

    def search_themes(self) -> None:
        # Textual's own, in the reader's language (ui/palette.py).
        from textual.theme import ThemeProvider

        from .palette import Palette

        self.push_screen(Palette(providers=[ThemeProvider], placeholder=_("Search for themes…")))

    def action_command_palette(self) -> None:
        from .palette import Palette

        if self.use_command_palette and not Palette.is_open(self):
            self.push_screen(Palette(id="--command-palette", placeholder=_("Search for commands…")))

    async def action_quit(self) -> None:
        if self.actor is not None:
            self.actor = None
            if self._events_task is not None:
                self._events_task.cancel()
            try:
                await asyncio.wait_for(self.client.sign_out(), 5)
            except Exception as error:
                log_unexpected(error, "signing out at quit")
        self.exit()
