"""What every kbase screen shares: the signed-in user and database calls in workers.

The UI never queries the database itself: it calls a service function in a
thread worker (`call_service`) and gets plain data back on the event loop.
A busy database is retried with a message; an expected failure (access
denied, invalid input, stale record) is shown as one line; anything else is
logged to a file and shown as one line too, never as a traceback.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, Callable

from textual.screen import ModalScreen, Screen
from textual.worker import Worker

from kbase_tui.i18n import _
from kbase_tui.services.errors import DatabaseBusy, KbaseError

from .errors import log_unexpected

if TYPE_CHECKING:
    from kbase_tui.services.db import Database
    from kbase_tui.services.dto import Actor

    from .app import KbaseApp

BUSY_RETRIES = 8


def _signed_out_actor():
    from kbase_tui.services.dto import Actor

    return Actor(id=None, username="", role="signed_out")


SIGNED_OUT = _signed_out_actor()


class ServiceCalls:
    """Mixin for screens and widgets: run a service call off the event loop."""

    @property
    def kbase(self) -> "KbaseApp":
        return self.app  # type: ignore[attr-defined,return-value]

    @property
    def database(self) -> "Database":
        return self.kbase.database_ready()

    # Screens that call services before anyone is signed in (sign-in, forced password change).
    ANONYMOUS_SERVICES = False

    @property
    def actor(self) -> "Actor":
        # After sign-out, screens still on the stack may wake up (ScreenResume) while
        # the stack unwinds; they get a signed-out actor and their calls are skipped.
        return self.kbase.actor or SIGNED_OUT

    def call_service(
        self,
        function: Callable[..., Any],
        *args: Any,
        done: Callable[[Any], None] | None = None,
        failed: Callable[[KbaseError], None] | None = None,
        group: str = "service",
        exclusive: bool = False,
        **kwargs: Any,
    ) -> Worker | None:
        """Run `function(database, *args, **kwargs)` in a thread; deliver the result to *done*."""
        app = self.kbase
        if app.actor is None and not self.ANONYMOUS_SERVICES:
            return None  # signed out: nothing may be read or written on a user's behalf any more

        def work() -> None:
            for attempt in range(BUSY_RETRIES):
                try:
                    result = function(app.database_ready(), *args, **kwargs)
                except DatabaseBusy:
                    if attempt == BUSY_RETRIES - 1:
                        gave_up = DatabaseBusy(_("The database stayed busy; nothing was saved. Try again in a moment."))
                        app.call_from_thread(self._service_failed, gave_up, failed)
                        return
                    app.call_from_thread(app.notify, _("The database is busy, retrying…"), timeout=2)
                    time.sleep(0.25 * (attempt + 1))
                    continue
                except KbaseError as error:
                    app.call_from_thread(self._service_failed, error, failed)
                    return
                except Exception as error:  # never a traceback on screen
                    line = log_unexpected(error, f"{getattr(function, '__qualname__', function)}")
                    app.call_from_thread(app.notify, line, severity="error", timeout=10)
                    return
                if done is not None:
                    app.call_from_thread(done, result)
                return

        return self.run_worker(work, thread=True, group=group, exclusive=exclusive, exit_on_error=False)  # type: ignore[attr-defined]

    def _service_failed(self, error: KbaseError, failed: Callable[[KbaseError], None] | None) -> None:
        if failed is not None:
            failed(error)
        else:
            self.kbase.notify(str(error), severity="error", timeout=6)


class KbaseScreen(ServiceCalls, Screen):
    """A full screen of the app for one job."""

    # Shown in F1 help above the keys.
    HELP = ""


class KbaseModal(ServiceCalls, ModalScreen):
    """A dialog over a screen."""
