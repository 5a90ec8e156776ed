"""What every kbase screen shares: the signed-in user and calls to the server.

A screen never touches the base: it names an operation of kbase_tui.protocol and its
arguments (`self.call(queue.take_next, done=...)`), the app's client sends it to the server,
and the result comes back to *done* on the event loop.  The call runs in an async worker, so
the screen keeps painting while the server works.  A busy database is retried with a message;
an expected failure (access denied, invalid input, stale record) is shown as one line;
anything else is logged to a file and shown as one line too, never as a traceback.

A newer call supersedes an older one still on its way: the older worker is cancelled and a result
of it that still arrives is dropped, so a list switched twice quickly always shows the newest page
under the newest heading.  That is the default for every operation declared `reads=True` (it only
fetches what the screen shows): each such operation is its own group on the screen that calls it.
A screen that fetches one operation for several things at once (a board's columns) names a group
per thing; calls in any other `exclusive` group supersede each other the same way.  A choice that
needs no call (an emptied search field) supersedes the older call with `forget_calls`.  Writes are
never superseded: each one's result and each one's error reach the person.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import on
from textual.binding import Binding
from textual.events import ScreenResume
from textual.screen import ModalScreen, Screen
from textual.worker import Worker

from kbase_tui.i18n import _
from kbase_tui.protocol.dto import Actor
from kbase_tui.protocol.errors import DatabaseBusy, KbaseError, SessionEnded
from kbase_tui.protocol.operations import Operation

from .errors import log_unexpected

if TYPE_CHECKING:
    from .app import KbaseApp

BUSY_RETRIES = 8

SIGNED_OUT = Actor(id=None, username="", role="signed_out")

# The look every dialog shares (the title, hint and error lines; the form dialogs' frame and fields), read with
# the first dialog whatever app shows it; a dialog's own .tcss comes after it.
DIALOG_STYLESHEET = Path(__file__).resolve().parent / "widgets" / "form_dialog.tcss"


class ServiceCalls:
    """Mixin for screens and widgets: run an operation on the server, off the event loop."""

    @property
    def kbase(self) -> KbaseApp:
        return self.app  # type: ignore[attr-defined,return-value]

    @property
    def actor(self) -> Actor:
        # After sign-out, screens still on the stack may wake up (ScreenResume) while
        # the stack unwinds; they get a signed-out actor and their calls are skipped.
        return self.kbase.actor or SIGNED_OUT

    _generations: dict[str, int]

    def call(
        self,
        op: Operation[Any],
        *args: Any,
        done: Callable[[Any], None] | None = None,
        failed: Callable[[KbaseError], None] | None = None,
        group: str | None = None,
        exclusive: bool | None = None,
        holds_keys: bool = False,
        **kwargs: Any,
    ) -> Worker | None:
        """Run *op* with these arguments on the server; hand the result to *done* on the event loop.

        *holds_keys*: keys typed until the call has ended wait for what it brings (a dialog that opens with its
        answer: "fмосква" typed the city into the list under the filter dialog and lost "м" while the dialog's
        choices were on their way).  Until its worker has finished, however it ends (`waits_for_a_call`).
        """
        app = self.kbase
        if app.actor is None:
            return None  # signed out: nothing may be read or written on a user's behalf any more
        if group is None:
            group = f"reads:{op.name}" if op.reads else "service"
            if exclusive is None:
                exclusive = op.reads
        exclusive = bool(exclusive)
        generations = self.__dict__.setdefault("_generations", {})
        generation = generations[group] = generations.get(group, 0) + 1

        def current() -> bool:
            return not exclusive or generations.get(group) == generation

        async def work() -> None:
            for attempt in range(BUSY_RETRIES):
                try:
                    result = await app.client.call(op, *args, **kwargs)
                except DatabaseBusy:
                    if attempt == BUSY_RETRIES - 1:
                        if not current():
                            return
                        gave_up = DatabaseBusy(_("The database stayed busy; nothing was saved. Try again in a moment."))
                        self._service_failed(gave_up, failed)
                        return
                    app.notify(_("The database is busy, retrying…"), timeout=2)
                    await asyncio.sleep(0.25 * (attempt + 1))
                    continue
                except SessionEnded as error:
                    app.session_ended(error)
                    return
                except KbaseError as error:
                    if current():
                        self._service_failed(error, failed)
                    return
                except asyncio.CancelledError:
                    raise
                except Exception as error:  # never a traceback on screen
                    said = log_unexpected(error, op.name)
                    if failed is not None and current():
                        # The screen's own failure path, which also ends what the call had started (a queue
                        # saving an outcome stays busy, and holds every key, until its call ends one way or another).
                        failed(KbaseError(said))
                    if failed in (None, ignore_refusals) or not current():
                        app.notify(said, severity="error", timeout=10, markup=False)
                    return
                if done is not None and current():
                    try:
                        done(result)
                    except Exception as error:  # the screen's own handler: said, not lost inside the worker
                        app.notify(log_unexpected(error, op.name), severity="error", timeout=10, markup=False)
                return

        # The coroutine function, not a coroutine: a call superseded before it started leaves
        # no coroutine behind that was never awaited.
        worker = self.run_worker(work, group=group, exclusive=exclusive, exit_on_error=False)  # type: ignore[attr-defined]
        if holds_keys or self.__dict__.get("_calls_hold_keys"):
            self.__dict__.setdefault("_workers_holding_keys", set()).add(worker)
        return worker

    @property
    def waits_for_a_call(self) -> bool:
        """A call that holds the keys typed meanwhile (`holds_keys`, or made in KbaseScreen.resumed) has not
        finished yet: the app's key gate holds them.  Only those still on their way are kept (a screen open all day
        keeps no finished ones)."""
        workers = self.__dict__.get("_workers_holding_keys")
        if not workers:
            return False
        workers.difference_update([w for w in workers if w.is_finished])
        return bool(workers)

    def forget_calls(self, op: Operation[Any] | None = None, *, group: str | None = None) -> None:
        """Supersede what is on its way for *op* (its own group) or *group* without a newer call.

        For a choice that needs no call (an emptied search field, no segment, nobody chosen): the
        older call's answer must not arrive after it and show what is no longer asked for.  Only
        exclusive groups are superseded, as by a newer call.
        """
        if group is None:
            assert op is not None, "an operation or a group"
            group = f"reads:{op.name}"
        generations = self.__dict__.setdefault("_generations", {})
        generations[group] = generations.get(group, 0) + 1
        self.workers.cancel_group(self, group)  # type: ignore[attr-defined]

    def _service_failed(self, error: KbaseError, failed: Callable[[KbaseError], None] | None) -> None:
        if failed is not None:
            failed(error)
        else:
            self.kbase.notify(str(error), severity="error", timeout=6, markup=False)


def ignore_refusals(_error: KbaseError) -> None:
    """`failed=` of a call whose answer only adds to the screen (a list of earlier imports, a progress line): a
    refusal is left unsaid.  An unexpected error is still said (ServiceCalls.call)."""


# Textual sends each key to the widget that has focus when the key arrives, into that widget's own
# queue.  Keys that come in one burst (a paste, a laggy SSH link) would all be queued to the field
# that had focus before the Tab was handled: "anna<Tab>secret" put the password, in clear, into the
# user name.  As priority bindings, Tab and Shift+Tab move the focus the moment they arrive, so the
# keys after them go to the next field.
FOCUS_BINDINGS = [
    Binding("tab", "app.focus_next", show=False, priority=True, id="focus.next"),
    Binding("shift+tab", "app.focus_previous", show=False, priority=True, id="focus.previous"),
]


class TypedText:
    """What the person typed is theirs: never selected to be typed over, never dropped unasked.

    An Input selects its text when it gets the focus (Textual's default), so the next key replaces
    it: right for a value the dialog proposes (today's date), wrong for text the person typed and
    comes back to with Shift+Tab.  Here a field selects its text on focus only while it still holds
    the value it had when it first got the focus.
    """

    def set_focus(self, widget, scroll_visible: bool = True, from_app_focus: bool = False) -> None:
        from textual.widgets import Input

        if isinstance(widget, Input):
            given = self._given_values().setdefault(widget, widget.value)
            widget.select_on_focus = widget.value == given
        super().set_focus(widget, scroll_visible, from_app_focus)  # type: ignore[misc]

    def _given_values(self) -> dict:
        return self.__dict__.setdefault("_kbase_given", {})

    def on_mount(self) -> None:
        # The values the screen starts with: anything else in a field later was typed (or restored
        # from the person's own draft).
        from textual.widgets import Input

        given = self._given_values()
        for field in self.query(Input):  # type: ignore[attr-defined]
            given.setdefault(field, field.value)
        for area in self._text_areas():
            given.setdefault(area, area.text)

    def _text_areas(self) -> list:
        # Textual's TextArea is a large import that the login screen has no use for: while nothing
        # imported it, no screen can hold one.
        module = sys.modules.get("textual.widgets._text_area")
        if module is None:
            return []
        return list(self.query(module.TextArea))  # type: ignore[attr-defined]

    def typed_text(self) -> bool:
        """True when a text field holds something other than what the screen put there."""
        from textual.widgets import Input

        given = self._given_values()
        for field in self.query(Input):  # type: ignore[attr-defined]
            if field.value.strip() and field.value != given.get(field, ""):
                return True
        return any(area.text.strip() and area.text != given.get(area, "") for area in self._text_areas())

    def close_unless_typed(self, close: Callable[[], None] | None = None) -> None:
        """Esc: close at once when nothing was typed; otherwise ask first (N or Esc: back to the text)."""
        close = close or (lambda: self.dismiss(None))  # type: ignore[attr-defined]
        if not self.typed_text():
            close()
            return
        from .widgets.confirm import DiscardDialog

        self.app.push_screen(DiscardDialog(), lambda discard: discard and close())  # type: ignore[attr-defined]


class KbaseScreen(TypedText, ServiceCalls, Screen):
    """A full screen of the app for one job."""

    BINDINGS = FOCUS_BINDINGS

    # Shown in F1 help above the keys.
    HELP = ""

    def resumed(self) -> None:
        """Back on top (a dialog or a card above it closed; also its first showing): a list screen reloads here.

        The calls made here hold the keys typed meanwhile until they have answered (`waits_for_a_call`, the app's
        key gate).  On the old list they acted on a row that was no longer there: "Готово⏎d" closed a task and the
        d opened the closed task again."""

    @on(ScreenResume)
    def _reload_on_resume(self) -> None:
        self._calls_hold_keys = True
        try:
            self.resumed()
        finally:
            self._calls_hold_keys = False


class KbaseModal(TypedText, ServiceCalls, ModalScreen):
    """A dialog over a screen.  Esc goes through `close_unless_typed`: typed text is never dropped unasked."""

    BINDINGS = FOCUS_BINDINGS

    _list_on_its_way = False
    _saving = False  # a form dialog's save on its way (FormDialog.save_with)

    @property
    def keys_wait(self) -> bool:
        """Keys typed meanwhile wait (KbaseApp's key gate) while the list the dialog's keys choose from is on
        its way ("l3 too dear" in one burst), and while the dialog saves: "text⏎в" closed the specialist's task,
        and the в, typed into the closing dialog's field, went with it.  Saved, the dialog closes and they reach
        the screen under it; refused, they reach the dialog, which says why."""
        return self._list_on_its_way or self._saving

    def __init__(self, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.css_path = [DIALOG_STYLESHEET, *(path for path in self.css_path if path != DIALOG_STYLESHEET)]

    def action_cancel(self) -> None:
        self.close_unless_typed()

    def load(
        self,
        op: Operation[Any],
        *args: Any,
        done: Callable[[Any], None],
        failed: Callable[[KbaseError], None] | None = None,
        **kwargs: Any,
    ) -> None:
        """Fetch what the dialog's keys choose from; keys typed meanwhile wait for it.

        A failure goes to *failed*, else to `load_failed` (a toast; a form dialog's error line)."""
        self._list_on_its_way = True

        def loaded(result: Any) -> None:
            self._list_on_its_way = False
            done(result)

        def refused(error: KbaseError) -> None:
            self._list_on_its_way = False
            (failed or self.load_failed)(error)

        self.call(op, *args, done=loaded, failed=refused, **kwargs)

    def load_failed(self, error: KbaseError) -> None:
        self.kbase.notify(str(error), severity="error", timeout=6, markup=False)
