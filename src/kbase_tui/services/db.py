"""Engines, sessions and schema migration for SQLite and PostgreSQL.

SQLite is shared by many processes (one per SSH user): WAL lets readers work
while one writer writes, `busy_timeout` makes writers wait instead of failing,
and write transactions start with BEGIN IMMEDIATE so that two writers never
deadlock upgrading a read lock (the classic "database is locked" in WAL).
"""

from __future__ import annotations

import ast
import errno
import functools
import os
import random
import re
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar, TypeVar

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

from kbase_tui import paths

from . import notify, queue_membership  # noqa: F401 (queue_membership: its rule runs on every flush of every session)
from .errors import DatabaseBusy, StorageFull

UTC_NAIVE_FORMAT = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy stores a DateTime in SQLite (UTC)
# SQLite copies the log back into the database inside whichever commit takes the log past
# this many pages, fsyncing twice.  At SQLite's default (1,000 pages) that commit was the
# slowest 1 % of taking a lead (p99 5 ms on a million companies, 1.3 ms otherwise); at
# 10,000 (a log of up to 40 MB) it is one claim in several hundred.  A checkpoint thread
# was tried and was worse: its fsyncs stalled the commits running beside it.
CHECKPOINT_PAGES = 10_000

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
    cursor.execute(f"PRAGMA wal_autocheckpoint = {CHECKPOINT_PAGES}")
    cursor.close()


def _on_sqlite_begin(conn) -> None:
    mode = conn.get_execution_options().get("kbase_begin", "DEFERRED")
    if mode != "IMMEDIATE":
        conn.exec_driver_sql(f"BEGIN {mode}")
        return
    # Writers wait for each other in begin_immediate's short naps, not SQLite's coarse ones.
    raw = conn.connection.dbapi_connection
    raw.execute("PRAGMA busy_timeout = 0")
    try:
        begin_immediate(raw)
    except sqlite3.Error as error:
        raise DBAPIError.instance("BEGIN IMMEDIATE", None, error, sqlite3.Error) from error
    finally:
        raw.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")


@dataclass
class Database:
    """One database: an engine and the two kinds of transaction the services use."""

    url: str
    engine: Engine
    writer: Engine
    _lean: _LeanSqlite | None = field(default=None, repr=False)
    # The audit chain's seed when opening this database began the chain (services/setup.py): shown
    # once by `kbase init`, never stored.
    audit_seed: bytes | None = field(default=None, repr=False)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @property
    def is_postgresql(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @functools.cached_property
    def name(self) -> str:
        """The URL without its password: names this database in caches and old audit-key entries."""
        return self.engine.url.render_as_string(hide_password=True)

    @functools.cached_property
    def sqlite_path(self) -> Path | None:
        if not self.is_sqlite:
            return None
        name = make_url(self.url).database
        return Path(name) if name and name != ":memory:" else None

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only transaction (deferred: readers never block writers in WAL)."""
        with translate_errors(), Session(self.engine, expire_on_commit=False) as session, session.begin():
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A write transaction: committed on success, rolled back on any error."""
        with translate_errors(), Session(self.writer, expire_on_commit=False) as session, session.begin():
            yield session

    @contextmanager
    def lean_write(self) -> Iterator[LeanTx]:
        """A write transaction on the bare driver connection, for the hot paths only (taking a lead).

        On a claim the Session and Core's statement machinery cost several times the SQL itself;
        here each statement is one driver call.  Committed on success, rolled back on any error;
        driver errors become the same service errors as in `write()`.
        """
        dbapi = self.engine.dialect.loaded_dbapi
        with translate_errors():
            try:
                with self._lean_connection() as connection:
                    if self.is_sqlite:
                        begin_immediate(connection)
                    tx = LeanTx(connection, self.is_sqlite, self.name)
                    try:
                        yield tx
                        connection.commit()
                    except BaseException:
                        # Also when COMMIT itself fails (a deferred constraint, a busy reader in
                        # rollback-journal mode): SQLite's connection is kept for the next claim and
                        # must not stay inside the transaction, holding the database's write lock.
                        if not self.is_sqlite or connection.in_transaction:
                            connection.rollback()
                        raise
                    notify.lean_committed(tx)
            except dbapi.Error as error:
                raise DBAPIError.instance(None, None, error, dbapi.Error) from error

    @contextmanager
    def _lean_connection(self):
        path = self.sqlite_path
        if path is None:  # PostgreSQL (pre-ping, reconnects) or an in-memory SQLite: the pool's
            pooled = self.writer.raw_connection()
            try:
                yield pooled.dbapi_connection
            finally:
                pooled.close()
            return
        with self._lean as connection:
            yield connection

    def __post_init__(self) -> None:
        # Made here, not on first use: two worker threads claiming at once must share one.
        if self.sqlite_path is not None:
            self._lean = _LeanSqlite(self.sqlite_path)

    def dispose(self) -> None:
        if self._lean is not None:
            self._lean.close()
        self.engine.dispose()


class _LeanSqlite:
    """This process's connection for lean writes to one SQLite file, its busy handler off.

    `begin_immediate` does the waiting, in finer steps than SQLite's handler; one connection
    kept open also saves the pool's check-out on every claim.  A lock lets one thread use it at
    a time (SQLite lets one writer in at a time anyway); a forked child opens its own.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._connection: sqlite3.Connection | None = None
        _ALL_LEAN.add(self)

    def _after_fork_in_child(self) -> None:
        # The parent's lock may have been held by one of its threads at the fork; and the
        # inherited connection must not be closed here (SQLite: never close a handle opened in
        # another process), only left alone, so it is kept referenced and never used again.
        self._lock = threading.Lock()
        if self._connection is not None:
            _INHERITED.append(self._connection)
        self._connection = None

    def __enter__(self) -> sqlite3.Connection:
        self._lock.acquire()
        try:
            if self._connection is None:
                connection = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False)
                _on_sqlite_connect(connection, None)
                connection.execute("PRAGMA busy_timeout = 0")
                self._connection = connection
            return self._connection
        except BaseException:
            self._lock.release()
            raise

    def __exit__(self, *exc) -> None:
        self._lock.release()

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
            self._connection = None


_ALL_LEAN: weakref.WeakSet[_LeanSqlite] = weakref.WeakSet()
_INHERITED: list[sqlite3.Connection] = []


def _lean_after_fork_in_child() -> None:
    for lean in list(_ALL_LEAN):
        lean._after_fork_in_child()


os.register_at_fork(after_in_child=_lean_after_fork_in_child)


_NAMED_PARAMETER = re.compile(r"(?<![:\w]):(\w+)")


class LeanTx:
    """Statements as SQL text with `:name` parameters, run straight on the driver's cursor.

    Aware datetimes are bound the way SQLAlchemy stores them (SQLite: UTC text; PostgreSQL:
    timestamptz), so rows written here read back through the models like any other.
    """

    _postgres_sql: ClassVar[dict[str, str]] = {}  # shared by every LeanTx: the statements as PostgreSQL spells them

    def __init__(self, connection, is_sqlite: bool, database_name: str) -> None:
        self.is_sqlite = is_sqlite
        # The URL without its password: names the database in the settings cache and old audit keys.
        self.database_name = database_name
        self.cursor = connection.cursor()
        self._texts: dict[datetime, str] = {}  # a claim binds the same few times several times
        # notify.after_commit: notices go with the ORM session this runs in, else they wait for the commit.
        self.session: Session | None = None
        self.notices: list = []

    def _text(self, value: datetime) -> str:
        text = self._texts.get(value)
        if text is None:
            text = self._texts[value] = sqlite_datetime(value)
        return text

    @classmethod
    def in_session(cls, session: Session) -> LeanTx:
        """Statements run on an ORM session's connection, inside its transaction (flush first)."""
        bind = session.get_bind()
        tx = cls(
            session.connection().connection.dbapi_connection,
            bind.dialect.name == "sqlite",
            bind.url.render_as_string(hide_password=True),
        )
        tx.session = session
        return tx

    def _sql(self, sql: str) -> str:
        if self.is_sqlite:
            return sql
        converted = self._postgres_sql.get(sql)
        if converted is None:  # psycopg's paramstyle, converted once per statement
            converted = self._postgres_sql[sql] = _NAMED_PARAMETER.sub(r"%(\1)s", sql)
        return converted

    def execute(self, sql: str, params: dict | None = None):
        if params and self.is_sqlite:
            params = {k: self._text(v) if isinstance(v, datetime) else v for k, v in params.items()}
        return self.cursor.execute(self._sql(sql), params or {})

    def one(self, sql: str, params: dict | None = None) -> tuple | None:
        return self.execute(sql, params).fetchone()

    def scalar(self, sql: str, params: dict | None = None):
        row = self.execute(sql, params).fetchone()
        return None if row is None else row[0]

    @staticmethod
    def as_datetime(value) -> datetime | None:
        """A timestamp column as read back by the driver, made an aware UTC datetime."""
        if value is None or isinstance(value, datetime):
            return value if value is None or value.tzinfo else value.replace(tzinfo=UTC)
        return datetime.fromisoformat(value).replace(tzinfo=UTC)


def sqlite_datetime(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("timestamps must carry a time zone")
    # isoformat is twice as fast as strftime; the first 26 characters are UTC_NAIVE_FORMAT's.
    return value.astimezone(UTC).isoformat(" ", "microseconds")[:26]


def begin_immediate(connection, timeout_ms: int | None = None) -> None:
    """BEGIN IMMEDIATE on a raw sqlite3 connection whose busy handler is off, waiting in short naps.

    SQLite's own busy handler sleeps 1, 2, 5, 10, 15 ... ms between tries: with many processes
    writing transactions of a tenth of a millisecond, a writer unlucky three times waits 8 ms
    for a lock that was free after 0.3.  Here the naps start at 20 µs and double up to 250 µs,
    with jitter so that waiting writers do not try in step: a claim holds the lock for about
    0.2 ms, so a longer nap mostly sleeps past a free lock (16 processes: p99 3.7–4.4 ms with
    these naps, 10–17 ms with naps growing to 2 ms).  After 5 ms of waiting the holder is
    something long (an import batch, a transfer, a checkpoint) and the naps grow to 2 ms:
    at 250 µs every waiting process would spend a tenth of a core asking.
    """
    started = time.monotonic()
    limit = started + (BUSY_TIMEOUT_MS if timeout_ms is None else timeout_ms) / 1000
    nap = 0.00002
    while True:
        try:
            connection.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) and "busy" not in str(error):
                raise
            if time.monotonic() >= limit:
                raise
        time.sleep(nap * random.uniform(0.5, 1.5))
        nap = min(nap * 2, 0.00025 if time.monotonic() - started < 0.005 else 0.002)


def connect(db: str | os.PathLike[str] | None = None, *, migrate: bool = True) -> Database:
    url = database_url(db)
    sa_url = make_url(url)
    if sa_url.get_backend_name() == "sqlite":
        if sa_url.database and sa_url.database != ":memory:":
            _prepare_sqlite_file(Path(sa_url.database))
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False})
        event.listen(engine, "connect", _on_sqlite_connect)
        event.listen(engine, "begin", _on_sqlite_begin)
        writer: Engine = engine.execution_options(kbase_begin="IMMEDIATE")
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
    return any(
        s in text for s in ("database or disk is full", "no space left", "could not extend file", "disk i/o error")
    )


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
    # Every start opens a database already at the head: importing Alembic (and Mako, Pygments) to learn that cost
    # about half a second of the server's start, before anyone could sign in.  Only a head read for certain may
    # skip it: a new database (no revision stored) against a head that could not be read is None == None.
    head = shipped_head() if revision == "head" else None
    if head is not None and _stored_revision(database) == head:
        return
    import gc

    from alembic import command

    # `kbase serve` starts with the cyclic collector off (its start is imports whose objects all live); a migration
    # may rewrite millions of rows, and never runs without it.  Its garbage is collected before the start goes on,
    # so that the server's gc.freeze does not keep it for the server's life.
    collecting = gc.isenabled()
    gc.enable()
    try:
        config = alembic_config(database)
        with database.writer.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    finally:
        if not collecting:
            gc.collect()
            gc.disable()


def _stored_revision(database: Database) -> str | None:
    """The revision recorded in the database, read with plain SQL; None when there is no single one."""
    try:
        with database.engine.connect() as connection:
            rows = connection.exec_driver_sql("SELECT version_num FROM alembic_version").all()
    except DBAPIError:
        return None  # no table yet: a new database, for Alembic to build
    return rows[0][0] if len(rows) == 1 else None


# A migration file's own `revision = "0019"` / `down_revision: str | None = "0018"` lines (at the line's start:
# module level).  Read by pattern, not by parsing each file with `ast` (13 ms of every server's start).
_REVISION_LINE = re.compile(r"^(revision|down_revision)[ \t]*(?::[^=\n]*)?=[ \t]*(.*?)[ \t]*$", re.MULTILINE)


@functools.cache
def shipped_head() -> str | None:
    """The newest migration shipped, read from the files' `revision`/`down_revision` without Alembic.

    None when the files do not form one line, or a value is not a plain literal, or a name is given twice in
    a file, or a migration file has no `revision` line of that shape (`revision, down_revision = …` would hide
    the newest migration): Alembic then decides, as it does for any other case.
    """
    down_of: dict[str, str | None] = {}
    for path in sorted((MIGRATIONS_DIR / "versions").glob("*.py")):
        if path.name.startswith("_"):
            continue  # __init__.py: not a migration
        values: dict[str, object] = {}
        for name, text in _REVISION_LINE.findall(path.read_text(encoding="utf-8")):
            try:
                value = ast.literal_eval(text)
            except (ValueError, SyntaxError):
                return None
            if name in values and values[name] != value:
                return None
            values[name] = value
        if "revision" not in values:
            return None  # a migration whose revision this pattern cannot read: leave it to Alembic
        down = values.get("down_revision")
        if not isinstance(values["revision"], str) or not (down is None or isinstance(down, str)):
            return None  # a merge point: leave it to Alembic
        down_of[values["revision"]] = down
    heads = set(down_of) - {down for down in down_of.values() if down}
    return heads.pop() if len(heads) == 1 else None


def schema_revision(database: Database) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with database.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return ScriptDirectory.from_config(config).get_current_head()
