"""A private server for one person's own database (`kbase --db PATH`, `kbase demo`).

On a shared server the administrator runs `kbase serve` as its own account and operators'
apps connect to its socket.  A person with a database of their own needs nothing of that:
the app starts `kbase serve --private` for that database on a socket in their runtime folder
(mode 0600), or uses the one already running for it (a second terminal of the same person),
and talks to it exactly as to a shared server.  A private server stops by itself ten minutes
after its last session; the session of an app that was killed ends a minute after its events
stream dropped, so a private server never outlives its apps by more than about eleven minutes.
An app whose private server stopped meanwhile (it sat at the sign-in screen) starts it again.

The app starts that server before it imports anything else it needs (the client, Textual): the
server's own start is most of what a person waits for before they can sign in, so every
millisecond it begins sooner is one the login waits less.  Hence this module sits outside the
client package (whose __init__ loads msgspec and the protocol) and imports asyncio and the
message catalog only when it waits (tests/benchmarks/test_entry_point_imports.py).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

from kbase_tui import paths

START_TIMEOUT = 60.0  # opening a database may migrate it first


def database_url(db: str) -> str:
    """The URL a `--db` value names (the server resolves it the same way)."""
    if "://" in db:
        return db
    return f"sqlite:///{Path(db).expanduser().resolve()}"


def socket_for(url: str) -> Path:
    """The private server's socket for the database at *url*: one per database and person."""
    digest = hashlib.sha256(url.encode()).hexdigest()[:16]
    return paths.runtime_dir() / f"private-{digest}.sock"


def answers(socket_path: Path) -> bool:
    """A server accepts connections on *socket_path* (`kbase serve` binds after opening the database)."""
    import socket

    if not socket_path.exists():
        return False
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.connect(str(socket_path))
        return True
    except OSError:
        return False
    finally:
        probe.close()


class PrivateServer:
    """Finds or starts the private server of one database; `ready` waits until it answers."""

    def __init__(self, db: str) -> None:
        self.url = database_url(db)
        self.socket_path = socket_for(self.url)
        self.process: subprocess.Popen[bytes] | None = None
        self.reused = False

    @property
    def address(self) -> str:
        return f"unix:{self.socket_path}"

    def start(self) -> PrivateServer:
        if answers(self.socket_path):
            self.reused = True
            return self
        log = paths.log_dir() / "kbase-server.log"
        with open(log, "ab") as err:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "kbase_tui.cli.main",
                    "serve",
                    "--private",
                    "--db",
                    self.url,
                    "--socket",
                    str(self.socket_path),
                ],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=err,
                start_new_session=True,  # it outlives this terminal for a second one of the same person
                close_fds=True,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
        return self

    def wait_answering(self) -> None:
        """Block (a thread, never the event loop) until the server answers, stopped, or START_TIMEOUT passed."""
        import time

        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline and not answers(self.socket_path):
            if self.process is None or self.process.poll() is not None:
                return  # not ours, or it stopped: `ready` says why when the person signs in
            time.sleep(0.02)

    async def ready(self) -> None:
        """Wait until the server answers; raise ServerUnavailable with its last words if it stopped."""
        import asyncio

        from kbase_tui.i18n import _
        from kbase_tui.protocol.errors import ServerUnavailable

        if not answers(self.socket_path) and (self.process is None or self.process.poll() == 0):
            # Stopped by itself, idle (or it was another app's): this app still wants one.
            self.process, self.reused = None, False
            self.start()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + START_TIMEOUT
        while loop.time() < deadline:
            if answers(self.socket_path):
                return
            if self.process is not None and self.process.poll() is not None:
                raise ServerUnavailable(
                    _("The kbase server for {db} stopped: {why}").format(
                        db=self.url, why=last_log_line() or _("see the log")
                    )
                )
            await asyncio.sleep(0.05)
        raise ServerUnavailable(
            _("The kbase server for {db} did not start in {n} s.").format(db=self.url, n=int(START_TIMEOUT))
        )


def last_log_line() -> str:
    log = paths.log_dir() / "kbase-server.log"
    try:
        lines = [line for line in log.read_text(encoding="utf-8", errors="replace").splitlines() if line.strip()]
    except OSError:
        return ""
    return lines[-1][-300:] if lines else ""
