"""Copy a SQLite kbase database into an empty PostgreSQL one (`kbase db copy`).

The move a growing company makes once: every table, every row, the same ids.

- Both databases are brought to the schema head first (the app does the same
  on every start), so the two have the same tables and columns.
- The target must be empty: no rows in any table, except the reference tables
  that `kbase init` fills with the shipped defaults (outcomes, reasons, pipeline
  stages, call scripts, settings) while nobody has used the database yet — those
  are replaced by the source's own, which may have been edited.
- Rows are read with the sqlite3 module from one snapshot (a read transaction)
  and streamed in batches into PostgreSQL with COPY, in the order of the foreign
  keys, all inside ONE PostgreSQL transaction: a failure leaves the target empty.
- SQLite stores timestamps as naive UTC text and booleans as 0/1; the PostgreSQL
  session runs in UTC for the copy, so the text means the same instant there.
- Row counts are compared per table before the commit; the sequences behind
  every integer `id` are set past the highest id, so new rows get fresh ids.
- The audit chain's HMAC key belongs to a database: the source's key is stored
  for the target, so `verify_chain` holds on the copy.  The target's own chain, a genesis
  alone when `kbase init` made it, is replaced by the source's.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from kbase_tui.i18n import _

from .errors import KbaseError

BATCH_ROWS = 5_000

# Filled by reference.ensure_defaults on a fresh database; may be replaced.
REFERENCE_TABLES = frozenset({"call_outcome", "reason", "pipeline_stage", "call_script", "setting"})
SKIP_TABLES = frozenset({"alembic_version"})


class CopyRefused(KbaseError):
    def default_message(self) -> str:
        return _("The copy was refused.")


@dataclass(frozen=True)
class TableCopy:
    name: str
    rows: int


@dataclass(frozen=True)
class CopyReport:
    source: str
    target: str
    tables: tuple[TableCopy, ...]
    seconds: float
    replaced_defaults: tuple[str, ...] = field(default_factory=tuple)

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables)


ProgressFn = Callable[[str, int, int], None]  # table, rows copied so far, rows in the table


def _source_path(source: str) -> Path:
    if "://" in source:
        from sqlalchemy.engine import make_url

        url = make_url(source)
        if url.get_backend_name() != "sqlite" or not url.database:
            raise CopyRefused(_("The source must be a SQLite database file."))
        source = url.database
    path = Path(source).expanduser().resolve()
    if not path.is_file():
        raise CopyRefused(_("No SQLite database at {path}.").format(path=path))
    return path


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sqlite_columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in conn.execute(f"PRAGMA table_info({_quote(table)})")]


def _converter(pg_type: str) -> Callable[[object], object] | None:
    """How a raw SQLite value becomes a COPY value for a PostgreSQL column type."""
    if pg_type == "boolean":
        return lambda v: None if v is None else bool(v)
    if pg_type == "numeric":
        # SQLite keeps NUMERIC as REAL or INTEGER; repr() of a float is exact enough for (16, 2).
        return lambda v: None if v is None else Decimal(repr(v)) if isinstance(v, float) else v
    return None


def copy_sqlite_to_postgresql(
    source: str,
    target: str,
    *,
    batch_rows: int = BATCH_ROWS,
    progress: ProgressFn | None = None,
) -> CopyReport:
    """Copy every table of the SQLite database *source* into the PostgreSQL database *target*."""
    from sqlalchemy import MetaData
    from sqlalchemy.engine import make_url

    from . import keystore
    from .db import connect, translate_errors

    if make_url(target).get_backend_name() != "postgresql":
        raise CopyRefused(_("The target must be a PostgreSQL URL (postgresql+psycopg://user@host/database)."))
    source_path = _source_path(source)
    started = time.perf_counter()

    # Both at head: the same tables and columns on both sides.
    source_db = connect(source_path, migrate=True)
    target_db = connect(target, migrate=True)
    try:
        source_url = source_db.engine.url.render_as_string(hide_password=True)
        target_url = target_db.engine.url.render_as_string(hide_password=True)
        metadata = MetaData()
        with target_db.engine.connect() as conn:
            metadata.reflect(bind=conn)
        tables = [t for t in metadata.sorted_tables if t.name not in SKIP_TABLES]
        source_db.dispose()

        src = sqlite3.connect(str(source_path), isolation_level=None)
        try:
            src.execute("BEGIN")  # one snapshot for every table
            source_tables = (
                {row[0] for row in src.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
                - SKIP_TABLES
                - {"sqlite_sequence"}
            )
            missing = source_tables - {t.name for t in tables}
            if missing:
                raise CopyRefused(
                    _("The target has no table for {tables}: is it the same kbase version?").format(
                        tables=", ".join(sorted(missing))
                    )
                )
            raw = target_db.engine.raw_connection()
            try:
                pg = raw.driver_connection
                with translate_errors():
                    counts, replaced_defaults = _copy_all(src, pg, tables, batch_rows, progress)
                # Only after the commit: the audit key follows the data.
                _carry_audit_key(keystore, source_url, target_url, src)
                # COPY leaves the tables without planner statistics, and autovacuum gets to them only
                # later: until then a lead took 29 ms instead of 1.5 (50,000 companies).
                with pg.cursor() as cur:
                    cur.execute("ANALYZE " + ", ".join(_quote(t.name) for t in metadata.sorted_tables))
                pg.commit()
            finally:
                raw.close()
        finally:
            src.close()
    finally:
        target_db.dispose()
    return CopyReport(
        source=str(source_path),
        target=target_url,
        tables=tuple(TableCopy(name, rows) for name, rows in counts),
        seconds=time.perf_counter() - started,
        replaced_defaults=tuple(replaced_defaults),
    )


def _copy_all(src, pg, tables, batch_rows: int, progress: ProgressFn | None):
    """One PostgreSQL transaction: check empty, copy, verify, reset sequences, commit."""
    counts: list[tuple[str, int]] = []
    replaced: list[str] = []
    cur = pg.cursor()
    try:
        cur.execute("SET LOCAL TIME ZONE 'UTC'")
        # Empty? Rows anywhere but in untouched reference tables refuse the copy.
        filled = {}
        for table in tables:
            cur.execute(f"SELECT count(*) FROM {_quote(table.name)}")
            n = cur.fetchone()[0]
            if n:
                filled[table.name] = n
        busy = {name: n for name, n in filled.items() if name not in REFERENCE_TABLES}
        if busy.get("audit_event") == 1 and busy.get("audit_head") == 1:
            # A database made by `kbase init` begins its own audit chain: a genesis alone is
            # replaced by the source's chain, like the shipped defaults.
            cur.execute("SELECT action FROM audit_event")
            if cur.fetchone()[0] == "audit_genesis":
                del busy["audit_event"], busy["audit_head"]
        if busy:
            listing = ", ".join(f"{name} ({n})" for name, n in sorted(busy.items()))
            raise CopyRefused(
                _("The target database is not empty: {tables}. Copy only into an empty database.").format(
                    tables=listing
                )
            )
        for table in reversed(tables):
            if table.name in filled:
                cur.execute(f"DELETE FROM {_quote(table.name)}")
                replaced.append(table.name)

        for table in tables:
            names = _sqlite_columns(src, table.name)
            if not names:
                counts.append((table.name, 0))
                continue
            target_columns = {c.name: c for c in table.columns}
            extra = [n for n in names if n not in target_columns]
            if extra:
                raise CopyRefused(
                    _("Columns {columns} of {table} do not exist in the target.").format(
                        columns=", ".join(extra), table=table.name
                    )
                )
            cur.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND table_name = %s",
                (table.name,),
            )
            pg_types = dict(cur.fetchall())
            converters = [_converter(pg_types.get(n, "")) for n in names]
            convert = any(converters)
            total = src.execute(f"SELECT count(*) FROM {_quote(table.name)}").fetchone()[0]
            column_list = ", ".join(_quote(n) for n in names)
            order = " ORDER BY id" if "id" in names else ""
            rows_in = src.execute(f"SELECT {column_list} FROM {_quote(table.name)}{order}")
            done = 0
            with cur.copy(f"COPY {_quote(table.name)} ({column_list}) FROM STDIN") as copy:
                while True:
                    batch = rows_in.fetchmany(batch_rows)
                    if not batch:
                        break
                    for row in batch:
                        if convert:
                            row = [f(v) if f else v for f, v in zip(converters, row, strict=False)]
                        copy.write_row(row)
                    done += len(batch)
                    if progress:
                        progress(table.name, done, total)
            cur.execute(f"SELECT count(*) FROM {_quote(table.name)}")
            copied = cur.fetchone()[0]
            if copied != total:
                raise CopyRefused(
                    _(
                        "Table {table}: {source} rows in the source but {target} in the target; nothing was copied."
                    ).format(table=table.name, source=total, target=copied)
                )
            counts.append((table.name, copied))
            pk = [c.name for c in table.primary_key.columns]
            if pk == ["id"]:
                cur.execute("SELECT pg_get_serial_sequence(%s, 'id')", (_quote(table.name),))
                sequence = cur.fetchone()[0]
                if sequence:
                    cur.execute(
                        f"SELECT setval(%s, COALESCE((SELECT max(id) FROM {_quote(table.name)}), 0) + 1, false)",
                        (sequence,),
                    )
        pg.commit()
    except BaseException:
        pg.rollback()
        raise
    finally:
        cur.close()
    return counts, replaced


def _carry_audit_key(keystore, source_url: str, target_url: str, src) -> None:
    """Give the target the source's audit key, so the copied chain still verifies."""
    has_events = src.execute("SELECT 1 FROM audit_event LIMIT 1").fetchone() is not None
    head = src.execute("SELECT chain_id FROM audit_head WHERE id = 1").fetchone()
    if head is not None and head[0]:
        return  # the key is named by the chain id, which the copy carries with its data
    try:
        key, _location = keystore.get_key("audit", source_url, create=False)
    except FileNotFoundError:
        if has_events:
            raise CopyRefused(
                _(
                    "The data was copied, but the audit key of the source was not found: the audit chain of the copy "
                    "will not verify."
                )
            ) from None
        return
    keystore.store_key("audit", target_url, key)
