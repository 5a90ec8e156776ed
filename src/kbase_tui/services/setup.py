"""Bringing a database to a working state: schema at head and shipped defaults."""

from __future__ import annotations

import os
from pathlib import Path

from kbase_tui.i18n import _

from . import audit, reference
from .db import Database, connect
from .errors import KbaseError


def open_database(db: str | os.PathLike[str] | None = None) -> Database:
    """Connect, migrate to head and load defaults: what `kbase init` and app start do."""
    database = connect(db, migrate=True)
    with database.write() as session:
        reference.ensure_defaults(session)
        # A new database begins its audit chain now, so the genesis is tied to its creation; the
        # seed is kept on the object for `kbase init` to show once, and never stored.
        database.audit_seed = audit.begin_sealing(session)
        centre = reference.get_setting(session, "centre.time_zone")
    # The process's fallback reader (the CLI's output, a server job outside a request): the call
    # centre's zone of this base, never the computer's TZ.
    from kbase_tui import timezones

    timezones.set_centre_zone(str(centre or ""))
    return database


class DatabaseMissing(KbaseError):
    """There is no database where one was named: nothing is created by accident."""


def open_existing_database(url: str) -> Database:
    """Open a database that exists (SQLite: the file is there), migrated and with defaults; never create one.

    Only `kbase init` and `kbase demo` create databases: a mistyped path must say so, not start an
    empty base and report that all is well.
    """
    from sqlalchemy.engine import make_url

    sa_url = make_url(url)
    if sa_url.get_backend_name() == "sqlite" and sa_url.database and sa_url.database != ":memory:":
        path = Path(sa_url.database)
        if not path.is_file():
            raise DatabaseMissing(_("There is no kbase database at {path}: create it with `kbase init --db {path}` "
                                    "or try `kbase demo`.").format(path=path))
    return open_database(url)
