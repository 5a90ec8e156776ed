"""Bringing a database to a working state: schema at head and shipped defaults."""

from __future__ import annotations

import os

from . import reference
from .db import Database, connect


def open_database(db: str | os.PathLike[str] | None = None) -> Database:
    """Connect, migrate to head and load defaults: what `kbase init` and app start do."""
    database = connect(db, migrate=True)
    with database.write() as session:
        reference.ensure_defaults(session)
    return database
