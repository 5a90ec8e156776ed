"""Which screen each role lands on after signing in.

Screens are imported only when needed, so the login screen paints before
the database layer and the big screens are loaded.
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Callable

from textual.screen import Screen

# role -> "module:Class"; each module lives in its own ui/ package.
HOME_SCREENS: dict[str, str] = {
    "caller": "kbase_tui.ui.queue.screen:CallerQueue",
    "closer": "kbase_tui.ui.pipeline.board:CloserBoard",
    "account": "kbase_tui.ui.accounts.follow_up_list:FollowUpList",
    "supervisor": "kbase_tui.ui.supervisor.desk:SupervisorDesk",
    "admin": "kbase_tui.ui.admin.users:UsersScreen",
    "specialist": "kbase_tui.ui.specialist.assignments:AssignmentsScreen",
}


def preload_home_screens(after: Callable[[], object] | None = None) -> None:
    """Import every role's home screen (and its protocol modules) ahead of sign-in.

    Run in a thread once the login screen is painted: a person takes seconds to type a name and
    password, and the imports took 100-450 ms of the wait after Enter.  A module that fails to
    import here fails again, with its error shown, when it is really needed.  The client's HTTP
    library first: the sign-in needs it before any home screen (the login paints without it).
    *after*: what to wait for first (a private server still starting: these imports are CPU work
    that would slow its start, and no sign-in can go through before it answers).
    """
    from kbase_tui.client import warm_up

    if after is not None:
        with contextlib.suppress(Exception):
            after()
    with contextlib.suppress(Exception):
        warm_up()
    for target in HOME_SCREENS.values():
        with contextlib.suppress(Exception):
            importlib.import_module(target.partition(":")[0])


def home_screen_for(role: str) -> Screen:
    module_name, _, class_name = HOME_SCREENS[role].partition(":")
    screen_class = getattr(importlib.import_module(module_name), class_name)
    return screen_class()
