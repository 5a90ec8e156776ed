"""What one running server holds: the database, the sessions, its folders and limits."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import anyio

from .jobs import Jobs
from .sessions import DETACHED_TTL, SessionStore

if TYPE_CHECKING:
    from kbase_tui.services.db import Database

log = logging.getLogger("kbase.server")


@dataclass
class ServerSettings:
    # Exports and rejects files go here, named by the server; nothing else is ever written for a user.
    exports_dir: Path
    # Files dropped here (over SFTP, by the head of sales) can be imported; nothing else is read for a user.
    inbox_dir: Path
    # The server's own scratch folder (copies of inbox files being imported); nobody else's.
    work_dir: Path | None = None
    # Every sign-in answer takes at least this long, so that the time tells nothing
    # (unknown user, wrong password, locked and disabled all look alike).
    sign_in_floor: float = 0.4
    # The largest file the app may upload into the inbox for an import.
    max_upload: int = 512 * 1024 * 1024
    # Service calls running at once (threads); more wait their turn.
    threads: int = 32
    # A private server (one person's `kbase --db` or `kbase demo`) stops this long after its last session.
    idle_exit: float | None = None
    # A session whose app has had no events stream and sent no request for this long is gone (killed, a dropped
    # SSH link) and is ended.  A private server's apps run on its own machine: a lost stream there is a dead app.
    detached_ttl: float = DETACHED_TTL
    # How often the server checks that signed-in users are still enabled and in the same role.
    watch_interval: float = 0.5
    # Encrypted backups of a SQLite base taken by the server itself (None: off), where, and how many kept.
    backup_every_hours: float | None = None
    backup_dir: Path | None = None
    backup_keep: int = 14


@dataclass
class ServerState:
    database: Database
    settings: ServerSettings
    sessions: SessionStore = field(default_factory=SessionStore)
    jobs: Jobs = field(default_factory=Jobs)
    limiter: anyio.CapacityLimiter | None = None
    # Set by the runner: stops the server (a private server with no sessions left).
    request_exit: Callable[[], None] | None = None

    def exports_dir(self) -> Path:
        return _private_dir(self.settings.exports_dir)

    def inbox_dir(self) -> Path:
        return _private_dir(self.settings.inbox_dir)

    def work_dir(self) -> Path:
        return _private_dir(self.settings.work_dir or self.settings.exports_dir.parent / "work")


def _private_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    if path.stat().st_mode & 0o077:
        os.chmod(path, 0o700)
    return path
