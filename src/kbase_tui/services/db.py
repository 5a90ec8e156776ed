"""Engines, sessions and schema migration for SQLite and PostgreSQL.

SQLite is shared by many processes (one per SSH user): WAL lets readers work
while one writer writes, `busy_timeout` makes writers wait instead of failing,
and write transactions start with BEGIN IMMEDIATE so that two writers never
deadlock upgrading a read lock (the classic "database is locked" in WAL).
"""

from __future__ import annotations

import errno
import os
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, TypeVar

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy import create_engine

from kbase_tui import paths

from .errors import DatabaseBusy, StorageFull

# How long a writer waits for another before DatabaseBusy (KBASE_BUSY_TIMEOUT_MS for tests).
BUSY_TIMEOUT_MS = int(os.environ.get("KBASE_BUSY_TIMEOUT_MS", "5000"))
T = TypeVar("T")


def database_url(db: str | os.PathLike[str] | None) -> str:
    """Turn `--db`/`KBASE_DB` (a path or a SQLAlchemy URL) into a URL."""
    value = str(db) if db else os.environ.get("KBASE_DB", "")
    if not value:
        value = str(paths.default_database_path())
    if "://" in value:
        return value
    return f"sqlite:///{Path(value).expanduser().resolve()}"


def _prepare_sqlite_file(path: Path) -> None:
    """Create the file 0600 inside a 0700 directory before SQLite opens it."""
    if not path.parent.exists():
        paths.ensure_private_dir(path.parent)
    if not path.exists():
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, paths.PRIVATE_FILE_MODE)
        os.close(fd)
    # WAL side files inherit the process umask; keep them private too.
    os.umask(0o077)


def _on_sqlite_connect(dbapi_connection, _record) -> None:
    # Take transaction control from pysqlite so that our BEGIN is the BEGIN.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()


def _on_sqlite_begin(conn) -> None:
    mode = conn.get_execution_options().get("kbase_begin", "DEFERRED")
    conn.exec_driver_sql(f"BEGIN {mode}")


@dataclass
class Database:
    """One database: an engine and the two kinds of transaction the services use."""

    url: str
    engine: Engine
    writer: Engine

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @property
    def is_postgresql(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @property
    def sqlite_path(self) -> Path | None:
        if not self.is_sqlite:
            return None
        name = make_url(self.url).database
        return Path(name) if name and name != ":memory:" else None

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only transaction (deferred: readers never block writers in WAL)."""
        with translate_errors(), Session(self.engine, expire_on_commit=False) as session:
            with session.begin():
                yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A write transaction: committed on success, rolled back on any error."""
        with translate_errors(), Session(self.writer, expire_on_commit=False) as session:
            with session.begin():
                yield session

    def dispose(self) -> None:
        self.engine.dispose()


def connect(db: str | os.PathLike[str] | None = None, *, migrate: bool = True) -> Database:
    url = database_url(db)
    sa_url = make_url(url)
    if sa_url.get_backend_name() == "sqlite":
        if sa_url.database and sa_url.database != ":memory:":
            _prepare_sqlite_file(Path(sa_url.database))
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False})
        event.listen(engine, "connect", _on_sqlite_connect)
        event.listen(engine, "begin", _on_sqlite_begin)
        writer = engine.execution_options(kbase_begin="IMMEDIATE")
    else:
        engine = create_engine(url, pool_pre_ping=True)
        writer = engine
    database = Database(url=url, engine=engine, writer=writer)
    if migrate:
        upgrade_schema(database)
    return database


def _is_busy(error: OperationalError) -> bool:
    text = str(error.orig).lower() if error.orig else str(error).lower()
    return "database is locked" in text or "database is busy" in text or "deadlock detected" in text


def _is_full(error: BaseException) -> bool:
    text = str(getattr(error, "orig", error)).lower()
    if isinstance(getattr(error, "orig", None), OSError) and error.orig.errno in (errno.ENOSPC, errno.EFBIG):
        return True
    # A file size limit or a failing disk reaches SQLite as EFBIG/EIO: "disk I/O error".
    return any(s in text for s in ("database or disk is full", "no space left", "could not extend file", "disk i/o error"))


@contextmanager
def translate_errors() -> Iterator[None]:
    """Turn driver errors a user can meet into the services' own exceptions."""
    try:
        yield
    except OperationalError as error:
        if _is_busy(error):
            raise DatabaseBusy() from error
        if _is_full(error):
            raise StorageFull() from error
        raise
    except OSError as error:
        if error.errno in (errno.ENOSPC, errno.EFBIG):
            raise StorageFull() from error
        raise


def retry_busy(action: Callable[[], T], *, attempts: int = 5, pause: float = 0.2) -> T:
    """Run *action* again while the database stays busy past its timeout."""
    for attempt in range(attempts):
        try:
            return action()
        except DatabaseBusy:
            if attempt == attempts - 1:
                raise
            time.sleep(pause * (attempt + 1))
    raise AssertionError("unreachable")


# --- migrations ---------------------------------------------------------------

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(database: Database):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", database.url.replace("%", "%%"))
    return config


def upgrade_schema(database: Database, revision: str = "head") -> None:
    from alembic import command

    config = alembic_config(database)
    with database.writer.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def schema_revision(database: Database) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with database.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str:
    from alembic.script import ScriptDirectory
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return ScriptDirectory.from_config(config).get_current_head()
