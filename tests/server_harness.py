"""A kbase server in a thread of the test process, on its own Unix socket.

The app under test talks to it through the socket and the same client as in production:
only the process boundary is missing (tests/system/ has the two-process and two-account
tests).  `app_on(db)` starts one for the test's database on first use; `stop_all()` (run
after every test by the autouse fixture in tests/conftest.py) stops them.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from kbase_tui.server.runner import ServerThread
from kbase_tui.server.state import ServerSettings

_running: dict[int, ServerThread] = {}


def settings_for(folder: Path) -> ServerSettings:
    return ServerSettings(
        exports_dir=folder / "exports",
        inbox_dir=folder / "inbox",
        sign_in_floor=0.0,  # tests sign in hundreds of times; the floor is tested on its own
        watch_interval=0.1,
    )


def server_for(db) -> ServerThread:
    """The server of *db* in this test, started on first use."""
    server = _running.get(id(db))
    if server is None:
        # A short folder: a socket path must stay under 108 bytes, pytest's tmp_path may not.
        folder = Path(tempfile.mkdtemp(prefix="kbs-"))
        server = ServerThread(db, folder / "kbase.sock", settings_for(folder)).start()
        server.folder = folder  # type: ignore[attr-defined]
        _running[id(db)] = server
    return server


def restart_server(db) -> ServerThread:
    """Stop the server of *db* and start a new one on the same socket and database, as a restart of
    `kbase serve` does: the sessions are forgotten.  It blocks: from a test's event loop run it in a thread."""
    old = _running.pop(id(db))
    old.stop()
    folder = old.folder  # type: ignore[attr-defined]
    server = ServerThread(db, old.running.listen.socket_path, settings_for(folder)).start()
    server.folder = folder  # type: ignore[attr-defined]
    _running[id(db)] = server
    return server


def app_on(db, **options):
    """A KbaseApp that reaches *db* through a server, as every app does."""
    from kbase_tui.ui.app import KbaseApp

    return KbaseApp(server_for(db).address, **options)


def stop_all() -> None:
    while _running:
        _key, server = _running.popitem()
        server.stop()
        shutil.rmtree(getattr(server, "folder", ""), ignore_errors=True)
