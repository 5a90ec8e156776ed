"""Bringing a database to a working state: schema at head and shipped defaults.

Only `kbase init` and `kbase demo` create a database (`create_database`); every other command
and the server open one that exists (`open_existing_database`), so a mistyped path or URL says
what is wrong and what to run instead of starting an empty base and reporting that all is well.
"""

from __future__ import annotations

import os
from pathlib import Path

from kbase_tui.i18n import _

from . import audit, reference
from .db import Database, connect, database_url
from .errors import KbaseError

SQLITE_MAGIC = b"SQLite format 3\x00"
POSTGRES_EXAMPLE = "postgresql+psycopg://USER@HOST/NAME"


def open_database(db: str | os.PathLike[str] | None = None) -> Database:
    """Connect, migrate to head and load defaults, creating a SQLite file if there is none.

    The building block of the two commands that may create (and of tests); commands that open
    a database someone named use `open_existing_database`."""
    database = connect(db, migrate=True)
    _load_defaults(database)
    return database


def _load_defaults(database: Database) -> None:
    """The shipped defaults into empty reference tables (idempotent), and a new database's audit chain begun."""
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


class DatabaseMissing(KbaseError):
    """There is no database where one was named: nothing is created by accident."""


class DatabaseUnusable(KbaseError):
    """The named database is not one kbase can use: a wrong URL, a file of another kind, a server that does not
    answer."""


def _where(db: str | os.PathLike[str] | None) -> str:
    return str(db) if db else (os.environ.get("KBASE_DB") or "")


def check_database_url(db: str | os.PathLike[str] | None) -> str:
    """The URL that `--db`/KBASE_DB names, refused in one sentence unless it is SQLite or PostgreSQL via psycopg."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    url = database_url(db)
    try:
        sa_url = make_url(url)
    except ArgumentError:
        raise DatabaseUnusable(
            _("{value} is neither a database file nor a database URL: give a file path or {example}.").format(
                value=_where(db) or url, example=POSTGRES_EXAMPLE
            )
        ) from None
    # From the URL's text: asking SQLAlchemy for the driver would try to load the dialect of any word.
    backend, _plus, driver = sa_url.drivername.partition("+")
    if backend == "postgresql":
        if driver != "psycopg":
            raise DatabaseUnusable(
                _("kbase reaches PostgreSQL through psycopg: write the URL as {example}, not {value}.").format(
                    example=POSTGRES_EXAMPLE, value=sa_url.render_as_string(hide_password=True)
                )
            )
        return url
    if backend != "sqlite":
        raise DatabaseUnusable(
            _(
                "kbase keeps its data in a SQLite file or in PostgreSQL, not in {kind}: give a file path or {example}."
            ).format(kind=backend, example=POSTGRES_EXAMPLE)
        )
    return url


def _sqlite_file(url: str) -> Path | None:
    from sqlalchemy.engine import make_url

    sa_url = make_url(url)
    if sa_url.get_backend_name() != "sqlite":
        return None
    name = sa_url.database
    return Path(name) if name and name != ":memory:" else None


def check_sqlite_file(path: Path, *, must_exist: bool, option: str = "--db") -> None:
    """A SQLite database file at *path*, or (creating) nothing there in an existing folder.

    *option*: where the path came from, named when it is some other kind of file."""
    if path.is_dir():
        raise DatabaseUnusable(
            _("{path} is a folder, not a database file: give the database file's path.").format(path=path)
        )
    if not path.exists():
        if must_exist:
            raise DatabaseMissing(
                _(
                    "There is no kbase database at {path}: create it with `kbase init --db {path}` or try `kbase demo`."
                ).format(path=path)
            )
        # Creating (init, demo): the folder is made too, 0700, as a private home for the base.
        for folder in (path.parent, *path.parent.parents):
            if folder.exists():
                if not folder.is_dir():
                    raise DatabaseUnusable(
                        _("{folder} is a file, so the database {path} cannot be made under it.").format(
                            folder=folder, path=path
                        )
                    )
                break
        return
    try:
        with open(path, "rb") as handle:
            head = handle.read(len(SQLITE_MAGIC))
    except OSError as error:
        raise DatabaseUnusable(
            _("Cannot read the database {path}: {why}.").format(path=path, why=error.strerror or error)
        ) from None
    if not head:
        if must_exist:
            raise DatabaseMissing(
                _(
                    "{path} is an empty file, not a kbase database: create the database with `kbase init --db {path}`."
                ).format(path=path)
            )
        return
    if head != SQLITE_MAGIC:
        raise DatabaseUnusable(
            _("{path} is not a SQLite database but some other kind of file: check {option}.").format(
                path=path, option=option if option != "--db" else "--db / KBASE_DB"
            )
        )


def _postgres_problem(url: str, error: BaseException) -> str:
    """One sentence for why PostgreSQL at *url* cannot be used, without the driver's raw text where it is known."""
    from sqlalchemy.engine import make_url

    sa_url = make_url(url)
    where = f"{sa_url.host or 'localhost'}:{sa_url.port or 5432}"
    text = str(getattr(error, "orig", None) or error)
    lowered = text.lower()
    if "does not exist" in lowered and "database" in lowered:
        return _(
            "There is no database {name} on the PostgreSQL server at {where}: create it (createdb {name}), then "
            "run `kbase init --db URL`."
        ).format(name=sa_url.database, where=where)
    if "password authentication failed" in lowered or "no password supplied" in lowered or "role" in lowered:
        return _(
            "The PostgreSQL server at {where} refused the user {user}: check the user name and password in the URL."
        ).format(where=where, user=sa_url.username or "?")
    if (
        "connection refused" in lowered
        or "could not connect" in lowered
        or "timeout" in lowered
        or "name or service not known" in lowered
        or "no such file" in lowered
    ):
        return _("No PostgreSQL server answers at {where}: start it, or check the host and port in the URL.").format(
            where=where
        )
    first = text.strip().splitlines()[0] if text.strip() else type(error).__name__
    return _("The PostgreSQL database at {where} cannot be used: {why}.").format(where=where, why=first[:200])


def connect_checked(url: str, *, must_exist: bool) -> Database:
    """Connect without migrating; refuse a server that does not answer and (*must_exist*) a base without kbase's
    tables."""
    from sqlalchemy import inspect
    from sqlalchemy.exc import DBAPIError

    database = connect(url, migrate=False)
    try:
        with database.engine.connect() as connection:
            has_schema = inspect(connection).has_table("alembic_version")
    except DBAPIError as error:
        database.dispose()
        if database.is_sqlite:
            path = database.sqlite_path
            raise DatabaseUnusable(
                _("{path} cannot be opened as a database: {why}.").format(
                    path=path, why=str(getattr(error, "orig", error))
                )
            ) from None
        raise DatabaseUnusable(_postgres_problem(url, error)) from None
    if must_exist and not has_schema:
        database.dispose()
        shown = database.sqlite_path or database.name
        raise DatabaseMissing(
            _("{where} holds no kbase tables: create them with `kbase init --db {where}`.").format(where=shown)
        )
    return database


def _ready(database: Database) -> Database:
    from .db import upgrade_schema

    try:
        upgrade_schema(database)
        _load_defaults(database)
    except BaseException:
        database.dispose()
        raise
    return database


def open_existing_database(db: str | os.PathLike[str] | None = None) -> Database:
    """Open a kbase database that exists, migrated and with defaults; never create one.

    *db* is `--db` (a path or URL; None: KBASE_DB, else the default file).  DatabaseMissing or
    DatabaseUnusable say in one sentence what is wrong and what to run.
    """
    url = check_database_url(db)
    path = _sqlite_file(url)
    if path is not None:
        check_sqlite_file(path, must_exist=True)
    return _ready(connect_checked(url, must_exist=True))


def create_database(db: str | os.PathLike[str] | None = None) -> Database:
    """`kbase init` and `kbase demo`: open the named database, creating it (SQLite: the file and its folder, both
    private) and its tables if needed."""
    url = check_database_url(db)
    path = _sqlite_file(url)
    if path is not None:
        check_sqlite_file(path, must_exist=False)
    connect_checked(url, must_exist=False).dispose()
    return open_database(url)
