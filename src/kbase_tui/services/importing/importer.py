"""The import itself: rows parsed, matched against the base and the file, written in batches; the parsing
process for large files."""

from __future__ import annotations

import csv
import gc
import json
import multiprocessing
import os
import queue
import time
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterator
from pathlib import Path

from sqlalchemy import bindparam, func, select, text, update
from sqlalchemy.orm import Session

from kbase_tui.formatting import quoted
from kbase_tui.i18n import _
from kbase_tui.inn import clean_inn
from kbase_tui.labels import field_label
from kbase_tui.models import (
    Company,
    Contact,
    ImportChange,
    ImportRun,
    Interaction,
    InteractionKind,
    Phone,
    utcnow,
)
from kbase_tui.paths import exports_dir
from kbase_tui.phones import normalise_with_extension, readable
from kbase_tui.protocol.importer import (
    NOTE_KINDS,
    ImportNote,
    ImportReport,
    Reject,
)
from kbase_tui.textnorm import clean_input, clean_line, fold, key_of_folded
from kbase_tui.timezones import zone_for_company

from .. import audit, queue_membership
from ..common import cold_company_columns
from ..db import Database
from ..dto import Actor
from ..errors import ValidationFailed
from ..exporter import safe_cell
from ..history_labels import kept_from_a_line, params_json, words_of
from ..policy import Capability, require, require_active_user
from .sources import BrokenRow, SourceInfo, open_source, read_header
from .values import split_emails, split_phones

BATCH_SIZE = 2000
MAX_NAME = 300
# A row longer than this (all its cells together) is rejected on its own: the rest of the file goes on.
MAX_ROW_CHARS = 100_000
ProgressCallback = Callable[[int, int], None]


# --- the import -------------------------------------------------------------------------


class _Row:
    """One parsed line of the file."""

    __slots__ = (
        "comment",
        "contact",
        "contact_phones",
        "extra",
        "fields",
        "folded",
        "found",
        "inn",
        "key",
        "line",
        "name",
        "nkey",
        "phones",
        "position",
        "possible",
        "verdict",
    )

    def __init__(
        self,
        key,
        nkey,
        line,
        name,
        folded,
        inn,
        phones,
        contact,
        position,
        contact_phones,
        fields,
        comment,
        extra,
        found=None,
        possible=None,
        verdict=None,
    ):
        self.key = key  # name and city, for duplicates
        self.nkey = nkey  # the name alone: a shared phone is the same company only when the names agree
        self.line = line
        self.name = name
        self.folded = folded  # fold(name)
        self.inn = inn
        self.phones = phones
        self.contact = contact
        self.position = position
        self.contact_phones = contact_phones
        self.fields = fields  # values in FIELD_ORDER
        self.comment = comment
        # None, or what few rows have: {"exts": {number: extension}, "emails": [more e-mails],
        # "contact_email": str}
        self.extra = extra
        # Set when the parsing process matched the row (_MatchingParser): what match() would have returned and
        # left in Importer.possible, and the key lookups the merge makes (see _MatchingParser.close_batch).
        self.found = found
        self.possible = possible
        self.verdict = verdict

    def as_tuple(self) -> tuple:
        """The slots in __init__'s order (sent from the parsing process: a tuple pickles in half the time)."""
        return (
            self.key,
            self.nkey,
            self.line,
            self.name,
            self.folded,
            self.inn,
            self.phones,
            self.contact,
            self.position,
            self.contact_phones,
            self.fields,
            self.comment,
            self.extra,
        )


def _extra(row: _Row, name: str, default):
    return row.extra.get(name, default) if row.extra else default


class _Pending:
    """A new company of the current batch: its first row and what later rows of the batch added."""

    __slots__ = (
        "contacts",
        "emails",
        "exts",
        "fields",
        "inn",
        "kept",
        "merged_lines",
        "phones",
        "possible",
        "row",
    )

    def __init__(self, row: _Row) -> None:
        self.row = row
        self.inn = row.inn
        self.fields = row.fields
        self.phones = row.phones
        # The rarely filled ones stay None (or an empty tuple) until needed: a million rows make a million of these.
        extra = row.extra
        self.exts: dict[str, str] | None = extra.get("exts") if extra else None
        self.emails: list[str] | None = extra.get("emails") if extra else None
        self.contacts: list[tuple[str, str, list[str], str]] = []  # (name, position, phones, e-mail)
        if row.contact:
            self.contacts.append(
                (row.contact, row.position, row.contact_phones, extra.get("contact_email", "") if extra else "")
            )
        elif row.contact_phones:
            self.phones = row.phones + [p for p in row.contact_phones if p not in row.phones]
        self.merged_lines: list[tuple[int, list]] = []  # later rows of the batch: (line, what it added, as facts)
        # What later rows had that differs, kept as the first row had it: [line, field, value].
        self.kept: list[list] | tuple = ()
        self.possible: list[tuple[int, str]] | tuple = ()  # (another company's id, the phone both have)


class _KeyMap:
    """Duplicate key -> company id: the keys of the base in two sorted arrays (16 bytes a key, looked up by
    bisection), the keys this run adds in a dict.  A dict of a million int keys costs about 100 MB; the base of
    a million companies has four million keys."""

    __slots__ = ("added", "ids", "keys")

    def __init__(self) -> None:
        self.added: dict[int, int] = {}
        self.keys = array("q")
        self.ids = array("q")

    def load(self, keys: array, ids: array) -> None:
        """The base's keys and their company ids, in the same order; for a key given twice, the first id stays
        (the sort is stable)."""
        order = sorted(range(len(keys)), key=keys.__getitem__)
        self.keys = array("q", map(keys.__getitem__, order))
        self.ids = array("q", map(ids.__getitem__, order))

    def get(self, key: int, default: int | None = None) -> int | None:
        found = self.added.get(key)
        if found is not None:
            return found
        keys = self.keys
        if keys:
            index = bisect_left(keys, key)
            if index < len(keys) and keys[index] == key:
                return self.ids[index]
        return default

    def in_base(self, key: int) -> int | None:
        """The base's company for *key* (None: the base has no such key); what this run added is not asked."""
        keys = self.keys
        index = bisect_left(keys, key)
        if index < len(keys) and keys[index] == key:
            return self.ids[index]
        return None

    def __contains__(self, key: int) -> bool:
        return self.get(key) is not None

    def __getitem__(self, key: int) -> int:
        return self.added[key]  # only keys this run added are read back this way (to point them at real ids)

    def __setitem__(self, key: int, company_id: int) -> None:
        self.added[key] = company_id


class _IdSet:
    """A set of company ids: a byte an id for the real ones (a base of a million companies with INNs costs 1 MB,
    not the 60 MB of a set of ints), a set for the batch's temporary negative ones."""

    __slots__ = ("flags", "temps")

    def __init__(self) -> None:
        self.flags = bytearray()
        self.temps: set[int] = set()

    def __contains__(self, company_id: int) -> bool:
        if company_id < 0:
            return company_id in self.temps
        return company_id < len(self.flags) and self.flags[company_id] == 1

    def add(self, company_id: int) -> None:
        if company_id < 0:
            self.temps.add(company_id)
            return
        if company_id >= len(self.flags):
            self.flags.extend(bytes(company_id + 1 - len(self.flags) + 65536))
        self.flags[company_id] = 1

    def discard(self, company_id: int) -> None:
        if company_id < 0:
            self.temps.discard(company_id)
        elif company_id < len(self.flags):
            self.flags[company_id] = 0


def _inn_key(inn: str) -> int:
    return int("1" + inn)


def _phone_key(e164: str) -> int:
    return int(e164[1:])


FIELD_ORDER = ("city", "industry", "channel", "email", "website", "address", "size")
FILL_FIELDS = ("inn", *FIELD_ORDER)
FIELD_LIMITS = {"city": 120, "industry": 120, "channel": 60, "email": 200, "website": 200, "address": 300, "size": 20}
_CITY = 0
_EMAIL = FIELD_ORDER.index("email")


def _literal(value: object, percent: bool) -> str | None:
    """An SQL literal for a constant of plain type (None: keep it a bound parameter)."""
    kind = type(value)
    if kind is bool:
        return "TRUE" if value else "FALSE"
    if kind is int or kind is float:
        return repr(value)
    if kind is str and "\x00" not in value:
        text = "'" + value.replace("'", "''") + "'"
        return text.replace("%", "%%") if percent else text
    return None


def _bind_processor(column_type, dialect):
    """The function SQLAlchemy runs on a value of *column_type* before the driver gets it (None: none), through
    public API only: the type's implementation for this dialect (cached by the dialect), then its processor.
    Asked once per column and batch, not per row."""
    return column_type.dialect_impl(dialect).bind_processor(dialect)


def _insert_rows(
    session: Session, table, varying: tuple[str, ...], rows: list[tuple], constants: dict[str, object] | None = None
) -> None:
    """executemany at the driver level.  *rows* hold the *varying* columns; *constants*, the values shared by
    every row, go through their column's bind processor once and into the statement as literals (the same values
    SQLAlchemy would bind, without compiling and binding every parameter of every row in Python); a NULL constant
    of a column without a server default is left out."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    processors = [_bind_processor(table.c[name].type, dialect) for name in varying]
    if any(processors):
        rows = [
            tuple(p(v) if p is not None and v is not None else v for p, v in zip(processors, row, strict=True))
            for row in rows
        ]
    if dialect.name == "postgresql":
        _copy_rows(connection, table, varying, rows, constants or {})
        return
    marker = "?" if dialect.paramstyle == "qmark" else "%s"
    names = list(varying)
    values = [marker] * len(varying)
    tail = []
    for name, value in (constants or {}).items():
        column = table.c[name]
        if value is None:
            if column.server_default is None:
                continue
            names.append(name)
            values.append("NULL")
            continue
        processor = _bind_processor(column.type, dialect)
        if processor is not None:
            value = processor(value)
        literal = _literal(value, marker == "%s")
        names.append(name)
        if literal is None:
            values.append(marker)
            tail.append(value)
        else:
            values.append(literal)
    quote = dialect.identifier_preparer.quote
    sql = "INSERT INTO {table} ({columns}) VALUES ({values})".format(
        table=quote(table.name),
        columns=", ".join(quote(n) for n in names),
        values=", ".join(values),
    )
    if tail:
        tail_tuple = tuple(tail)
        rows = [row + tail_tuple for row in rows]
    connection.exec_driver_sql(sql, rows)


def _copy_rows(connection, table, varying: tuple[str, ...], rows: list[tuple], constants: dict[str, object]) -> None:
    """PostgreSQL: COPY … FROM STDIN in the session's transaction (psycopg adapts the values as it would bind
    them), several times faster than an executemany of INSERTs."""
    dialect = connection.dialect
    names = list(varying)
    tail = []
    for name, value in constants.items():
        column = table.c[name]
        if value is None and column.server_default is None:
            continue
        processor = _bind_processor(column.type, dialect)
        names.append(name)
        tail.append(processor(value) if processor is not None and value is not None else value)
    quote = dialect.identifier_preparer.quote
    sql = "COPY {table} ({columns}) FROM STDIN".format(
        table=quote(table.name), columns=", ".join(quote(n) for n in names)
    )
    tail_tuple = tuple(tail)
    with connection.connection.driver_connection.cursor() as cursor, cursor.copy(sql) as copy:
        write = copy.write_row
        for row in rows:
            write(row + tail_tuple)


_COMPANY_VARYING = ("id", "name", "name_search", "inn", *FIELD_ORDER[:1], "city_search", *FIELD_ORDER[1:], "time_zone")
_CONTACT_VARYING = ("id", "company_id", "full_name", "position", "email")
_PHONE_VARYING = ("company_id", "contact_id", "number", "label")
_HISTORY_VARYING = ("company_id", "text")
_HISTORY_WITH_PARAMS = ("company_id", "text", "params")  # entries whose facts the reader's language puts in words
PREVIEW_ROWS = 100_000  # rows a preview counts (matched against the base, nothing written)
# The base's keys a preview loaded, per (database, person, file): the dialog previews again on each change of
# the column mapping, and loading a million companies' keys takes seconds.  Kept while the base is unchanged
# (the same newest company, phone, edit and import) and at most this long; a few at a time (tens of MB each).
PREVIEW_KEYS_SECONDS = 600.0
PREVIEW_KEYS_KEPT = 2
_preview_keys: dict[tuple, tuple] = {}
PREVIEW_SHOWN = 12  # rows a preview shows as they will be stored


def _company_constants(now, run_id: int | None) -> dict[str, object]:
    return queue_membership.stamp({"import_run_id": run_id, "source": "import", **cold_company_columns(now)})


def _contact_constants(now, run_id: int | None) -> dict[str, object]:
    return {
        "import_run_id": run_id,
        "is_decision_maker": False,
        "birthday": None,
        "created_at": now,
        "updated_at": now,
        "version": 1,
    }


def _label(ext: str) -> str:
    return str(_("ext. {n}").format(n=ext)) if ext else ""


def _same(a: str, b: str) -> bool:
    return fold(a) == fold(b)


class Importer:
    """One run of an import.  Use `run_import` or `preview`, which wrap it."""

    def __init__(
        self,
        db: Database,
        actor: Actor,
        path: Path,
        *,
        batch_size: int = BATCH_SIZE,
        progress: ProgressCallback | None = None,
        should_stop: Callable[[], bool] | None = None,
        report_path: Path | None = None,
        parallel: bool | None = None,
        dry_run: bool = False,
        columns: dict[str, list[int]] | None = None,
        name: str | None = None,
    ) -> None:
        self.db, self.actor, self.path = db, actor, path
        # The file's name as people know it (the server reads a private copy of an inbox file under another name).
        self.name = clean_line(name or path.name, 200)
        self.batch_size = batch_size
        self.parallel = parallel
        self.dry_run = dry_run
        self.forced_columns = columns  # the person's own mapping, instead of the headers'
        # parse() gives the name keys as hash(text), the form the in-memory maps use.  The parsing process
        # leaves them as text: str hashes differ between processes (PYTHONHASHSEED), so this process hashes them.
        self.hash_keys = True
        self.progress = progress
        self.should_stop = should_stop or (lambda: False)
        self.report_path = report_path
        self.inn_map = _KeyMap()
        self.phone_map = _KeyMap()
        self.name_map = _KeyMap()
        self.with_inn = _IdSet()
        # The name key (hash) of every company by id: a shared phone is taken for the same company only when the
        # names agree.  An array of 8 bytes an id, not a dict, so a base of a million costs 8 MB.
        self.name_of = array("q")
        self._temp_names: dict[int, int] = {}
        # Keys remembered in this batch for its new companies (negative temporary ids), one list per map,
        # pointed at the real ids once the batch is committed.
        self._temp_inn_keys: list[int] = []
        self._temp_phone_keys: list[int] = []
        self._temp_name_keys: list[int] = []
        self._temp_inn: list[int] = []
        self._city_folds: dict[str, str] = {}
        self.possible: tuple[int, str] | None = None  # set by match(): a shared phone with another name
        # Set by match() when it finds no company: the row's phone keys and whether its name key no company has.
        self.absent_phones: list[int] = []
        self.absent_name = False
        self.imported = self.merged = self.unchanged = self.rows = 0
        self.possible_count = self.conflicts = self.needs_research = 0
        # The batch's possible duplicates as pairs for the head of sales' list (services.duplicates).
        self.duplicate_pairs: list[tuple[int, int, str, str]] = []
        self.rejects: list[Reject] = []
        self.notes: list[ImportNote] = []
        self.rejected = 0
        self._report_writer = None
        self._report_handle = None
        self.headers: list[str] = []
        self.shown: list[tuple] = []  # preview: the first rows, parsed, with what became of them
        self.run_id: int | None = None  # the ImportRun of this import (None in a dry run)
        # Set when the parsing process matches the rows: the highest company id of the base as it loaded it.
        # Companies new in this run are known there by ids above it, in the order they were made (_MatchingParser),
        # and here by _real_of[its id - matched_top - 1], filled as each batch is written.
        self.matched_top: int | None = None
        self._real_of = array("q")

    # keys of the base, loaded once
    def load_keys(self) -> None:
        if self.dry_run:
            self._load_keys_for_preview()
            return
        self._load_base_keys()

    def _load_keys_for_preview(self) -> None:
        """A preview's keys: those an earlier preview of the same file by the same person loaded, while the base
        has not changed since (its fingerprint); a changed column mapping then costs the file, not the base."""
        from kbase_tui.models import ImportRun

        with self.db.read() as session:
            fingerprint = tuple(
                session.execute(
                    select(
                        select(func.max(Company.id)).scalar_subquery(),
                        select(func.max(Phone.id)).scalar_subquery(),
                        select(func.max(Company.updated_at)).scalar_subquery(),
                        select(func.max(ImportRun.id)).scalar_subquery(),
                    )
                ).one()
            )
        key = (self.db.name, self.actor.id, str(self.path))
        moment = time.monotonic()
        hit = _preview_keys.get(key)
        if hit is not None and hit[0] == fingerprint and moment - hit[1] < PREVIEW_KEYS_SECONDS:
            snapshot = hit[2]
        else:
            self._load_base_keys()
            snapshot = (
                (self.inn_map.keys, self.inn_map.ids),
                (self.phone_map.keys, self.phone_map.ids),
                (self.name_map.keys, self.name_map.ids),
                bytes(self.with_inn.flags),
                self.name_of.tobytes(),
            )
            for stale in [k for k, v in _preview_keys.items() if moment - v[1] >= PREVIEW_KEYS_SECONDS]:
                _preview_keys.pop(stale, None)
            while len(_preview_keys) >= PREVIEW_KEYS_KEPT:
                _preview_keys.pop(next(iter(_preview_keys)), None)
            _preview_keys[key] = (fingerprint, moment, snapshot)
        # The sorted arrays are only read; what a run changes (its own keys, the INN flags, the name keys) is
        # its own copy, so no preview sees another's rows.
        for target, (keys, ids) in zip((self.inn_map, self.phone_map, self.name_map), snapshot[:3], strict=True):
            target.keys, target.ids, target.added = keys, ids, {}
        self.with_inn = _IdSet()
        self.with_inn.flags = bytearray(snapshot[3])
        self.name_of = array("q")
        self.name_of.frombytes(snapshot[4])

    def _load_base_keys(self, names: bool = True, numbers: bool = True) -> None:
        """The duplicate keys of every company, read in one pass per table into arrays, then sorted.  SQLite is
        read through the bare driver cursor (SQLAlchemy's row handling cost more than the reading), PostgreSQL
        through Core, streamed 20,000 rows at a time.  *names*: the name keys, *numbers*: the INNs' and phones'
        (with a parsing process on SQLite, this process reads the latter for it while it folds the names)."""
        companies = Company.__table__.c
        with self.db.read() as session:
            connection = session.connection()

            def stream(sql: str) -> Iterator[tuple]:
                return _stream(connection, sql)

            if numbers:
                self._number_keys_from(stream)
            if names:
                top = connection.execute(select(func.max(companies.id))).scalar() or 0
                self._name_keys_from(top, stream)

    def _number_keys_from(self, stream: Callable[[str], Iterator[tuple]]) -> None:
        """The INN and phone keys from the rows of *stream*(sql)."""
        with_inn = self.with_inn
        keys, ids = array("q"), array("q")
        add_key, add_id = keys.append, ids.append
        for cid, inn in stream("SELECT id, inn FROM company WHERE inn IS NOT NULL"):
            if inn and inn.isdigit():
                with_inn.add(cid)
                add_key(int("1" + inn))  # _inn_key
                add_id(cid)
        self.inn_map.load(keys, ids)
        keys, ids = array("q"), array("q")
        add_key, add_id = keys.append, ids.append
        for cid, number in stream("SELECT company_id, number FROM phone"):
            if number and number[1:].isdigit():
                add_key(int(number[1:]))  # _phone_key
                add_id(cid)
        self.phone_map.load(keys, ids)

    def number_keys(self) -> tuple:
        """The INN and phone keys as _MatchingParser.start_matching takes them (arrays pickle as their bytes)."""
        inn, phone = self.inn_map, self.phone_map
        return inn.keys, inn.ids, phone.keys, phone.ids, bytes(self.with_inn.flags)

    def _name_keys_from(self, top: int, stream: Callable[[str], Iterator[tuple]]) -> None:
        """The name keys from the rows of *stream*(sql); *top*: the highest company id."""
        self.name_of = array("q", bytes(8 * (top + 1)))
        keys, ids = self._name_keys_into(_name_keys(stream("SELECT id, name, city FROM company"), self._fold_city))
        self.name_map.load(keys, ids)

    def _name_keys_into(self, names: Iterator[tuple[bytes, list[str], list[str]]]) -> tuple[array, array]:
        """The name keys as _name_keys() gives them hashed into self.name_of, and the keys of name and city with
        their company ids (for name_map.load)."""
        keys, ids = array("q"), array("q")
        name_of = self.name_of
        for chunk_ids, name_keys, city_keys in names:
            part = array("q")
            part.frombytes(chunk_ids)
            top = max(part, default=0)
            if top >= len(name_of):  # a company added since the top id was read
                name_of.frombytes(bytes(8 * (top + 1 - len(name_of))))
            for cid, nkey in zip(part, map(hash, name_keys), strict=True):
                name_of[cid] = nkey
            keys.extend(map(hash, city_keys))
            ids.extend(part)
        return keys, ids

    def _name_of(self, company_id: int) -> int:
        if company_id < 0:
            return self._temp_names.get(company_id, 0)
        return self.name_of[company_id] if company_id < len(self.name_of) else 0

    # the report file: rejected rows with their cells, and what a person should look at
    def note(self, line: int, kind: str, text: str, raw: list[str] | None = None) -> None:
        if kind == "rejected":
            self.rejected += 1
            if len(self.rejects) < 1000:
                self.rejects.append(Reject(line, text, self.name_in(raw) if raw else ""))
        elif len(self.notes) < 1000:
            self.notes.append(ImportNote(line, kind, text))
        if self.dry_run:
            return
        if self._report_writer is None:
            if self.report_path is None:
                self.report_path = default_report_path(self.actor, self.path)
            # 0600: the rows are client data; opened in Excel, so no cell may run as a formula.
            fd = os.open(self.report_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            self._report_handle = os.fdopen(fd, "w", encoding="utf-8-sig", newline="")
            self._report_writer = csv.writer(self._report_handle, delimiter=";")
            self._report_writer.writerow([_("line"), _("result"), _("detail"), *(safe_cell(h) for h in self.headers)])
        cells = [safe_cell(cell[:1000]) for cell in raw] if raw else []
        self._report_writer.writerow([line, str(NOTE_KINDS[kind]), safe_cell(text), *cells])

    def reject(self, line: int, reason: str, raw: list[str] | BrokenRow) -> None:
        self.note(line, "rejected", reason, raw if raw.__class__ is list else None)

    def name_in(self, raw: list[str] | BrokenRow) -> str:
        """The company's name in a row's cells (the first filled of the name columns), "" when none: a rejected
        row is named by it in the report and the preview."""
        if raw.__class__ is not list:
            return ""
        for index in getattr(self, "_i_names", ()):
            if index < len(raw):
                name = clean_line(raw[index], MAX_NAME)
                if name:
                    return name
        return ""

    def close(self) -> None:
        if self._report_handle is not None:
            self._report_handle.close()

    def _fold_city(self, city: str) -> str:
        folded = self._city_folds.get(city)
        if folded is None:
            if len(self._city_folds) > 50_000:
                self._city_folds.clear()
            folded = self._city_folds[city] = fold(city)
        return folded

    # parsing one row
    def prepare(self, columns: dict[str, list[int]]) -> None:
        """Column positions of the mapped headers, looked up once for the whole file."""

        def first(name: str) -> int | None:
            return columns[name][0] if columns.get(name) else None

        self._i_names = tuple(columns["name"])
        self._i_inn = first("inn")
        self._i_contact = first("contact")
        self._i_contact_parts = tuple(
            first(name) for name in ("contact_last", "contact_first", "contact_middle") if first(name) is not None
        )
        self._i_position = first("position")
        self._i_comment = first("comment")
        self._i_phones = tuple(columns.get("phone", ()))
        self._i_contact_phones = tuple(columns.get("contact_phone", ()))
        self._i_emails = tuple(columns.get("email", ()))
        self._i_contact_emails = tuple(columns.get("contact_email", ()))
        self._field_columns = tuple(
            (position, columns[name][0], FIELD_LIMITS[name])
            for position, name in enumerate(FIELD_ORDER)
            if columns.get(name) and name != "email"
        )
        self._width = 1 + max(index for indexes in columns.values() for index in indexes)

    def _phones_of(self, raw: list[str], indexes: tuple[int, ...], bad: list[str], exts: dict[str, str]) -> list[str]:
        numbers: list[str] = []
        for index in indexes:
            cell = raw[index]
            if not cell or cell.isspace():
                continue
            pieces = split_phones(cell) if "," in cell or ";" in cell or "/" in cell or "\n" in cell else (cell,)
            for piece in pieces:
                number, ext = normalise_with_extension(piece)
                if number is None:
                    bad.append(clean_line(piece, 40))
                elif number not in numbers:
                    numbers.append(number)
                    if ext:
                        exts[number] = ext
        return numbers

    def _emails_of(self, raw: list[str], indexes: tuple[int, ...]) -> list[str]:
        found: list[str] = []
        for index in indexes:
            cell = raw[index]
            if cell and "@" in cell:
                for address in split_emails(clean_line(cell)):
                    if address not in found:
                        found.append(address)
        return found

    def parse(self, line: int, raw: list[str] | BrokenRow) -> _Row | str:
        if raw.__class__ is BrokenRow:
            return raw.reason
        if len(raw) < self._width:
            raw = raw + [""] * (self._width - len(raw))
        size = sum(map(len, raw))
        if size > MAX_ROW_CHARS:
            return _("the row is too long ({n} characters); the longest accepted is {limit}").format(
                n=size, limit=MAX_ROW_CHARS
            )
        cell = ""
        for index in self._i_names:  # the first filled of the name columns (1C: short name, then full name)
            cell = raw[index]
            if cell and not cell.isspace():
                break
        # clean_line's quick path inline: printable text has no whitespace but the ASCII space.
        if cell.isprintable():
            name = cell.strip()
            if "  " in name:
                name = " ".join(name.split())
            if len(name) > MAX_NAME:
                name = name[:MAX_NAME]
        else:
            name = clean_line(cell, MAX_NAME)
        if not name:
            return _("the company name is empty")
        inn = None
        if self._i_inn is not None:
            cell = raw[self._i_inn]
            if cell:
                try:
                    inn = clean_inn(clean_line(cell))
                except ValueError:
                    return _("the INN is not valid: {inn}").format(inn=clean_line(cell)[:20])
        bad: list[str] = []
        exts: dict[str, str] = {}
        phones = self._phones_of(raw, self._i_phones, bad, exts) if self._i_phones else []
        contact_phones = self._phones_of(raw, self._i_contact_phones, bad, exts) if self._i_contact_phones else []
        if bad and not phones and not contact_phones:
            return _("the phone number is not valid: {phone}").format(phone=bad[0])
        fields = ["", "", "", "", "", "", ""]
        for position, index, limit in self._field_columns:
            cell = raw[index]
            if cell:
                if cell.isprintable():
                    value = cell.strip()
                    if "  " in value:
                        value = " ".join(value.split())
                    fields[position] = value[:limit] if len(value) > limit else value
                else:
                    fields[position] = clean_line(cell, limit)
        extra = None
        if exts:
            extra = {"exts": exts}
        if self._i_emails:
            emails = self._emails_of(raw, self._i_emails)
            if emails:
                fields[_EMAIL] = emails[0]
                if len(emails) > 1:
                    extra = extra or {}
                    extra["emails"] = emails[1:]
        contact = position_ = comment = ""
        if self._i_contact is not None and (cell := raw[self._i_contact]):
            contact = cell.strip()[:200] if cell.isprintable() and "  " not in cell else clean_line(cell, 200)
        elif self._i_contact_parts:
            contact = clean_line(" ".join(raw[index] for index in self._i_contact_parts), 200)
        if self._i_position is not None and (cell := raw[self._i_position]):
            position_ = cell.strip()[:200] if cell.isprintable() and "  " not in cell else clean_line(cell, 200)
        if self._i_contact_emails:
            emails = self._emails_of(raw, self._i_contact_emails)
            if emails:
                extra = extra or {}
                if contact:
                    extra["contact_email"] = emails[0]
                    emails = emails[1:]
                if emails:  # no contact to hold them: the company's
                    if not fields[_EMAIL]:
                        fields[_EMAIL] = emails.pop(0)
                    if emails:
                        extra["emails"] = extra.get("emails", []) + emails
        if self._i_comment is not None and (cell := raw[self._i_comment]):
            comment = clean_input(cell, 2000)
        folded = fold(name)
        key_text = key_of_folded(folded)
        key = nkey = None
        if key_text:
            key = key_text + "\x1f" + self._fold_city(fields[_CITY])
            nkey = key_text
            if self.hash_keys:
                key, nkey = hash(key), hash(nkey)
        return _Row(
            key, nkey, line, name, folded, inn, phones, contact, position_, contact_phones, fields, comment, extra
        )

    def match(self, row: _Row) -> int | None:
        """The id of the company this row is (negative: new in this batch), or None.

        The same INN is the same company; another INN never is.  A shared phone is the same company only
        when the names agree too: a toll-free number or an office switchboard alone makes a possible
        duplicate (left in self.possible), never a merge.  When it finds none, every key of the row has been
        looked up, and those that no company has are left in self.absent_* for remember_new()."""
        self.possible = None
        inn = row.inn
        if inn:
            inn_map = self.inn_map
            key = int("1" + inn)  # _inn_key
            found = inn_map.added.get(key)
            if found is None and inn_map.keys:
                found = inn_map.in_base(key)
            if found is not None:
                return found
        phone_map = self.phone_map
        added = phone_map.added
        in_base = phone_map.in_base if phone_map.keys else None
        absent: list[int] = []
        for numbers in (row.phones, row.contact_phones):
            for number in numbers:
                key = int(number[1:])  # _phone_key
                found = added.get(key)
                if found is None and in_base is not None:
                    found = in_base(key)
                if found is None:
                    absent.append(key)
                    continue
                if inn and found in self.with_inn:
                    continue
                if row.nkey is not None and self._name_of(found) == row.nkey:
                    return found
                if self.possible is None:
                    self.possible = (found, number)
        name_absent = False
        if row.key is not None:
            found = self.name_map.get(row.key)
            if found is None:
                name_absent = True
            elif not (inn and found in self.with_inn):
                return found
        self.absent_phones, self.absent_name = absent, name_absent
        return None

    def remember(self, company_id: int, row: _Row) -> None:
        """Point the keys of a row merged into *company_id* (negative: new in this batch) that no company has yet
        at it.  Its name key stays that of its first row: the company keeps that name ("name kept"), and a shared
        phone is compared with the name it has, whichever batch the rows fall in."""
        temp = company_id < 0
        if row.inn:
            key = int("1" + row.inn)
            if key not in self.inn_map:
                self.inn_map[key] = company_id
                if temp:
                    self._temp_inn_keys.append(key)
            if company_id not in self.with_inn:
                self.with_inn.add(company_id)
                if temp:
                    self._temp_inn.append(company_id)
        phone_map = self.phone_map
        for numbers in (row.phones, row.contact_phones):
            for number in numbers:
                key = int(number[1:])
                if key not in phone_map:
                    phone_map[key] = company_id
                    if temp:
                        self._temp_phone_keys.append(key)
        key = row.key
        if key is not None and key not in self.name_map:
            self.name_map[key] = company_id
            if temp:
                self._temp_name_keys.append(key)

    def remember_new(self, temp: int, row: _Row) -> None:
        """remember() for a row match() just found no company for: the keys it looked up and found nobody for
        (self.absent_*) are pointed at the new company *temp* without being looked up again."""
        if row.nkey is not None:
            self._temp_names[temp] = row.nkey
        if row.inn:  # match() looked it up and found nobody
            key = int("1" + row.inn)
            self.inn_map.added[key] = temp
            self._temp_inn_keys.append(key)
            self.with_inn.temps.add(temp)
            self._temp_inn.append(temp)
        if self.absent_phones:
            added = self.phone_map.added
            for key in self.absent_phones:
                if key not in added:  # a number both in the company's and a contact's phones
                    added[key] = temp
                    self._temp_phone_keys.append(key)
        if self.absent_name:
            self.name_map.added[row.key] = temp
            self._temp_name_keys.append(row.key)

    # the main loop
    def run(self) -> ImportReport:
        started = time.perf_counter()
        reader = _ParseProcess(self.path, self.forced_columns) if self._use_process() else None
        try:
            if reader is not None:
                info, columns, self.headers = reader.start()
                # On SQLite the parsing process also folds the base's names, takes the INN and phone keys this
                # one reads meanwhile, and matches the rows (not in a preview, whose single batch is only counted).
                reader.ask_for_keys(None if self.dry_run else self.db.sqlite_path, self.batch_size)
                items = reader.items()
            else:
                info, source = open_source(self.path)
                columns, self.headers, source = read_header(source)
                columns = self.forced_columns or columns
                self.prepare(columns)
                items = self.parse_all(source)
            self.prepare(columns)
            if reader is not None and reader.asked_keys:
                self._load_base_keys(names=False)
                reader.send_number_keys(self.number_keys())
                self.matched_top = reader.keys_loaded()
                if self.matched_top is None:  # the parsing process could not read the base: matched here
                    self._load_base_keys(numbers=False)
                else:  # kept there, not here
                    self.inn_map, self.phone_map, self.with_inn = _KeyMap(), _KeyMap(), _IdSet()
            else:
                self.load_keys()
            if not self.dry_run:
                with self.db.write() as session:
                    require_active_user(session, self.actor)
                    require(self.actor, Capability.IMPORT)
                    record = ImportRun(user_id=self.actor.id, actor=self.actor.username[:80], file=self.name[:200])
                    session.add(record)
                    session.flush()
                    self.run_id = record.id
            return self._run(started, info, columns, items)
        finally:
            if reader is not None:
                reader.close()

    def _use_process(self) -> bool:
        """Read and parse in a second process when it pays: a large file and a second core.  Starting the
        process costs about a second of CPU (a new interpreter importing this module), so small files stay in
        this one."""
        if self.parallel is not None:
            return self.parallel
        if self.dry_run:
            return False
        try:
            cores = len(os.sched_getaffinity(0))
        except AttributeError:  # not Linux
            cores = os.cpu_count() or 1
        try:
            size = self.path.stat().st_size
        except OSError:
            return False  # open_source gives the clear message
        return cores >= 2 and size >= PARALLEL_MIN_BYTES

    def parse_all(
        self, source: Iterator[tuple[int, list[str] | BrokenRow]]
    ) -> Iterator[_Row | tuple[int, str, list[str] | BrokenRow]]:
        """Every non-blank row of *source* parsed: a _Row, or (line, reason, cells) for a rejected one."""
        parse = self.parse
        for line, raw in source:
            if raw.__class__ is list and not "".join(raw).strip():
                continue
            parsed = parse(line, raw)
            yield parsed if parsed.__class__ is _Row else (line, parsed, raw)

    def _run(
        self,
        started: float,
        info: SourceInfo,
        columns: dict[str, list[int]],
        items: Iterator[_Row | tuple[int, str, list[str]]],
    ) -> ImportReport:
        total = info.total_estimate
        new: dict[int, _Pending] = {}  # negative temporary id -> pending company
        merges: dict[int, list[_Row]] = {}  # existing company id -> rows to merge
        next_temp = -1
        in_batch = 0
        rows = 0
        batch_size = self.batch_size
        match, remember, remember_new = self.match, self.remember, self.remember_new
        shown = self.shown if self.dry_run else None
        matched_top = self.matched_top
        real_of = self._real_of
        stopped = False
        # The cyclic garbage collector would rescan the batch's young objects every 700 allocations (about 15% of
        # the run): it is paused while the rows stream and run on the youngest generation after each batch.
        collect = gc.isenabled()
        gc.disable()
        try:
            for parsed in items:
                rows += 1
                in_batch += 1
                if parsed.__class__ is not _Row:
                    self.reject(*parsed)
                    if shown is not None and len(shown) < PREVIEW_SHOWN:
                        shown.append((parsed[0], None, "rejected", (parsed[1], self.name_in(parsed[2]))))
                else:
                    if matched_top is None:
                        found = match(parsed)
                    else:  # matched by the parsing process, its ids for companies of earlier batches made real
                        found = parsed.found
                        if found is not None and found > matched_top:
                            found = real_of[found - matched_top - 1]
                        possible = parsed.possible
                        if possible is not None and possible[0] > matched_top:
                            possible = (real_of[possible[0] - matched_top - 1], possible[1])
                        self.possible = possible
                    if found is None:
                        if matched_top is None:
                            remember_new(next_temp, parsed)
                        pending = new[next_temp] = _Pending(parsed)
                        if self.possible is not None:
                            pending.possible = [self.possible]
                        if shown is not None and len(shown) < PREVIEW_SHOWN:
                            shown.append((parsed.line, parsed, "new", self.possible))
                        next_temp -= 1
                    elif found < 0:
                        self._merge_pending(new[found], parsed)
                        if matched_top is None:
                            remember(found, parsed)
                        if shown is not None and len(shown) < PREVIEW_SHOWN:
                            shown.append((parsed.line, parsed, "merged_line", new[found].row.line))
                    else:
                        merges.setdefault(found, []).append(parsed)
                        if matched_top is None:
                            remember(found, parsed)
                        if shown is not None and len(shown) < PREVIEW_SHOWN:
                            shown.append((parsed.line, parsed, "merged", found))
                if in_batch >= batch_size:
                    self.rows = rows
                    self._write_batch(new, merges)
                    new, merges, in_batch = {}, {}, 0
                    if collect:
                        gc.collect(0)
                    if self.progress:
                        self.progress(rows, max(total, rows))
                    if self.should_stop():
                        stopped = True
                        break
            self.rows = rows
            if not stopped and (new or merges):
                self._write_batch(new, merges)
        except UnicodeDecodeError as error:
            raise ValidationFailed(
                _(
                    'The file mixes encodings near byte {pos}: save it again as "CSV UTF-8" and import it again; '
                    "complete batches before it were saved."
                ).format(pos=error.start)
            ) from error
        finally:
            if collect:
                gc.enable()
            self.rows = rows
            self.close()
        if self.progress:
            self.progress(self.rows, self.rows if not stopped else max(total, self.rows))
        seconds = time.perf_counter() - started
        written = self.report_path is not None and self._report_writer is not None
        report = ImportReport(
            path=str(self.path),
            kind=info.kind,
            encoding=info.encoding,
            delimiter=info.delimiter,
            rows=self.rows,
            imported=self.imported,
            merged=self.merged,
            unchanged=self.unchanged,
            rejected=self.rejected,
            rejects=tuple(self.rejects),
            report_path=str(self.report_path) if written else None,
            seconds=seconds,
            stopped=stopped,
            columns=tuple(sorted(columns)),
            possible_duplicates=self.possible_count,
            conflicts=self.conflicts,
            needs_research=self.needs_research,
            notes=tuple(self.notes),
            dry_run=self.dry_run,
            run_id=self.run_id,
        )
        if not self.dry_run:
            with self.db.write() as session:
                run = session.get(ImportRun, self.run_id)
                run.finished_at, run.rows, run.imported, run.merged = utcnow(), self.rows, self.imported, self.merged
                audit.record(
                    session,
                    self.actor,
                    "import_finished",
                    "company",
                    None,
                    file=self.name,
                    rows=self.rows,
                    imported=self.imported,
                    merged=self.merged,
                    unchanged=self.unchanged,
                    rejected=self.rejected,
                    possible_duplicates=self.possible_count,
                    conflicts=self.conflicts,
                    needs_research=self.needs_research,
                    stopped=stopped,
                )
            from ..queue import forget_queue_zones

            forget_queue_zones()  # clients in a zone the queue did not hold yet are offered at once
        return report

    def _merge_pending(self, pending: _Pending, row: _Row) -> None:
        """A later row of the batch for a company new in this batch: fills what is empty, adds phones and
        contacts, and notes what it had that differs (kept as the first row had it)."""
        items: list[list] = []  # what this row brings, as facts for the company's history
        kept: list[list] = []
        if row.inn and not pending.inn:
            pending.inn = row.inn
            items.append(["field", "inn", row.inn])
        if row.nkey != pending.row.nkey and not _same(row.name, pending.row.name):
            kept.append([row.line, "name", row.name])
        if pending.fields is pending.row.fields:
            pending.fields = list(pending.fields)
        fields = pending.fields
        for position, value in enumerate(row.fields):
            if not value:
                continue
            if not fields[position]:
                fields[position] = value
                items.append(["field", FIELD_ORDER[position], value])
            elif value != fields[position] and not _same(value, fields[position]):
                if position == _EMAIL and value not in (pending.emails or ()):
                    pending.emails = (pending.emails or []) + [value]  # a second address is kept, not dropped
                    items.append(["emails", value])
                    continue
                kept.append([row.line, FIELD_ORDER[position], value])
        for address in _extra(row, "emails", ()):
            if address != fields[_EMAIL] and address not in (pending.emails or ()):
                pending.emails = (pending.emails or []) + [address]
                items.append(["emails", address])
        known = set(pending.phones) | {p for c in pending.contacts for p in c[2]}
        if pending.phones is pending.row.phones:
            pending.phones = list(pending.phones)
        exts = _extra(row, "exts", {})
        taken = row.verdict  # the parsing process's _phone_taken of each of row.phones, when it matched the row
        for index, number in enumerate(row.phones):
            if number not in known and not (taken[index] if taken is not None else self._phone_taken(number)):
                pending.phones.append(number)
                known.add(number)
                if number in exts:
                    pending.exts = {**(pending.exts or {}), number: exts[number]}
                items.append(["phone", number])
        if row.contact and fold(row.contact) not in {fold(c[0]) for c in pending.contacts}:
            numbers = [p for p in row.contact_phones if p not in known]
            for number in numbers:
                if number in exts:
                    pending.exts = {**(pending.exts or {}), number: exts[number]}
            pending.contacts.append((row.contact, row.position, numbers, _extra(row, "contact_email", "")))
            items.append(["contact", row.contact])
        if kept:
            pending.kept = [*pending.kept, *kept]
        if items:
            pending.merged_lines.append((row.line, items))
        else:
            self.unchanged += 1

    def _phone_taken(self, number: str) -> bool:
        """A company of the base or of an earlier batch has *number* (one of this batch's may share it)."""
        owner = self.phone_map.get(_phone_key(number))
        return owner is not None and owner >= 0

    # writing
    def _write_batch(self, new: dict[int, _Pending], merges: dict[int, list[_Row]]) -> None:
        now = utcnow()
        source_name = self.name[:200]
        if self.dry_run:
            # A preview is one batch of up to PREVIEW_ROWS: read in pieces of BATCH_SIZE companies, as an import
            # does (SQLite takes at most 32,766 values in one statement).
            merged_count = unchanged_count = 0
            with self.db.read() as session:
                ids = list(merges)
                for start in range(0, len(ids), BATCH_SIZE):
                    part = {cid: merges[cid] for cid in ids[start : start + BATCH_SIZE]}
                    merged_part, unchanged_part = self._apply_merges(session, part, now, source_name)
                    merged_count += merged_part
                    unchanged_count += unchanged_part
                self._note_new(session, new, {temp: temp for temp in new}, source_name)
            self.imported += len(new)
            self.merged += merged_count + sum(len(p.merged_lines) for p in new.values())
            self.unchanged += unchanged_count
            return
        with self.db.write() as session:
            require_active_user(session, self.actor)
            require(self.actor, Capability.IMPORT)
            temp_to_real = self._insert_new(session, new, now, source_name)
            merged_count, unchanged_count = self._apply_merges(session, merges, now, source_name)
            audit.record(
                session,
                self.actor,
                "import_batch",
                "company",
                None,
                file=self.name,
                imported=len(new),
                merged=merged_count + sum(1 for p in new.values() if p.merged_lines),
            )
        # Only now that the batch is committed do the keys point at real ids.
        if self.matched_top is None:
            self._point_keys_at(temp_to_real)
        else:  # the parsing process gave the batch's companies the next ids above matched_top, in this order
            self._real_of.extend(temp_to_real.values())
        self.imported += len(new)
        self.merged += merged_count + sum(len(p.merged_lines) for p in new.values())
        self.unchanged += unchanged_count

    def _point_keys_at(self, temp_to_real: dict[int, int]) -> None:
        """The keys remembered for the batch's new companies (temporary ids) pointed at their ids."""
        for mapping, keys in (
            (self.inn_map, self._temp_inn_keys),
            (self.phone_map, self._temp_phone_keys),
            (self.name_map, self._temp_name_keys),
        ):
            added = mapping.added
            for key in keys:  # remember() set each of these keys once, to a temporary id, in this batch
                added[key] = temp_to_real[added[key]]
            keys.clear()
        with_inn = self.with_inn
        for temp in self._temp_inn:
            with_inn.discard(temp)
            with_inn.add(temp_to_real[temp])
        self._temp_inn.clear()
        name_of = self.name_of
        top = max(temp_to_real.values(), default=0)
        if top >= len(name_of):
            name_of.frombytes(bytes(8 * (top + 1 - len(name_of) + 4096)))
        for temp, nkey in self._temp_names.items():
            name_of[temp_to_real[temp]] = nkey
        self._temp_names.clear()

    def _note_new(
        self, session: Session, new: dict[int, _Pending], ids: dict[int, int], source_name: str
    ) -> list[tuple]:
        """Notes of the batch's new companies (needs research, possible duplicates, kept values) for the report;
        the history rows of the possible duplicates, for both companies."""
        history: list[tuple] = []
        others = {other for pending in new.values() for other, _number in pending.possible if other > 0}
        names: dict[int, str] = {}
        if others:
            table = Company.__table__.c
            wanted = list(others)
            for start in range(0, len(wanted), BATCH_SIZE):
                names.update(
                    session.connection()
                    .execute(select(table.id, table.name).where(table.id.in_(wanted[start : start + BATCH_SIZE])))
                    .all()
                )
        for temp, pending in new.items():
            row = pending.row
            company_id = ids[temp]
            if not pending.phones and not any(c[2] for c in pending.contacts):
                self.needs_research += 1
                self.note(
                    row.line,
                    "needs_research",
                    _("{name} has no phone: it waits in the list for research, not in the queue.").format(
                        name=quoted(row.name)
                    ),
                )
            for other, number in pending.possible:
                self.possible_count += 1
                other_name = names.get(other) or (new[other].row.name if other in new else "")
                other_id = ids.get(other, other)
                if other_id > 0:
                    self.duplicate_pairs.append((company_id, other_id, "phone", number))
                where = (
                    _("#{id}").format(id=other_id)
                    if other_id > 0
                    else _("line {line}").format(line=new[other].row.line)
                    if other in new
                    else ""
                )
                self.note(
                    row.line,
                    "possible_duplicate",
                    _(
                        "{name} has the phone {phone} of {other} ({where}): imported as a separate company; "
                        "merge them by hand if they are one."
                    ).format(name=quoted(row.name), phone=readable(number), other=quoted(other_name), where=where),
                )
                # On both companies, each naming the other.
                for at, side, name, named in (
                    (company_id, "new", other_name, other_id),
                    (other_id, "old", row.name, company_id),
                ):
                    facts = {
                        "t": "possible_duplicate",
                        "side": side,
                        "name": name,
                        "id": named,
                        "phone": number,
                        "file": source_name,
                        "line": row.line,
                    }
                    history.append((at, words_of(facts), params_json(**facts)))
            for line, field, value in pending.kept:
                self.conflicts += 1
                conflict = kept_from_a_line(field, value, line)
                self.note(row.line, "conflict", _("{name}: {what}").format(name=quoted(row.name), what=conflict))
        return history

    def _insert_new(self, session: Session, new: dict[int, _Pending], now, source_name: str) -> dict[int, int]:
        if not new:
            return {}
        temps = list(new)
        pendings = list(new.values())
        ids = self._allocate_ids(session, Company.__table__, len(pendings))
        temp_to_real = dict(zip(temps, ids, strict=True))
        fold_city = self._fold_city
        company_rows = []
        phone_rows: list[tuple] = []
        contact_rows: list[tuple] = []
        contact_phones: list[list[tuple[str, str]]] = []
        history_rows: list[tuple] = []
        research: list[int] = []
        imported_text = str(_("Imported from {file}, line {line}."))
        # Most new companies' facts are only the file and the line: their JSON is written here as params_json
        # writes it (json.dumps' separators), which was a tenth of the importing process's time.
        plain_facts = '{"t": "imported", "file": ' + json.dumps(source_name, ensure_ascii=False) + ', "line": '
        for company_id, pending in zip(ids, pendings, strict=True):
            row = pending.row
            f = pending.fields
            city = f[0]
            # The client's zone from its phones (the company's, then its contacts'), else its city or address.
            numbers = (
                [*pending.phones, *(n for contact in pending.contacts for n in contact[2])]
                if pending.contacts
                else pending.phones
            )
            zone = zone_for_company(numbers, city, f[5]) or ""
            company_rows.append(
                (
                    company_id,
                    row.name,
                    row.folded,
                    pending.inn,
                    city,
                    fold_city(city),
                    f[1],
                    f[2],
                    f[3],
                    f[4],
                    f[5],
                    f[6],
                    zone,
                )
            )
            exts = pending.exts
            for number in pending.phones:
                phone_rows.append((company_id, None, number, _label(exts.get(number, "")) if exts else ""))
            for name, position, numbers, email in pending.contacts:
                contact_rows.append((company_id, name, position, email))
                contact_phones.append([(number, _label(exts.get(number, "")) if exts else "") for number in numbers])
            # The facts, for the reader's language (history_labels._imported); the text, the same words in the
            # importer's language, for readers that do not render facts.
            facts: dict[str, object] = {"t": "imported", "file": source_name, "line": row.line}
            if pending.merged_lines:
                facts["merged"] = [[line, items] for line, items in pending.merged_lines]
            if not pending.phones and not any(c[2] for c in pending.contacts):
                research.append(company_id)
                facts["no_phone"] = True
            if pending.emails:
                facts["emails"] = list(pending.emails)
            if pending.kept:
                facts["kept"] = list(pending.kept)
            if row.comment:
                facts["comment"] = row.comment
            if len(facts) == 3:  # most of them: only the file and the line
                history_rows.append(
                    (company_id, imported_text.format(file=source_name, line=row.line), plain_facts + f"{row.line}}}")
                )
            else:
                history_rows.append((company_id, words_of(facts), params_json(**facts)))
        _insert_rows(session, Company.__table__, _COMPANY_VARYING, company_rows, _company_constants(now, self.run_id))
        if research:
            # Rows without a usable phone wait for research (the supervisor's list), not in the callers' queue.
            table = Company.__table__
            session.execute(update(table).where(table.c.id.in_(research)).values(needs_data_fix=True))
            queue_membership.refresh(session, table.c.id.in_(research))
        self._insert_contacts(session, contact_rows, contact_phones, phone_rows, now)
        _insert_rows(session, Phone.__table__, _PHONE_VARYING, phone_rows, {"import_run_id": self.run_id})
        self._insert_history(session, history_rows, "import", now, _HISTORY_WITH_PARAMS)
        duplicates = self._note_new(session, new, temp_to_real, source_name)
        if duplicates:
            self._insert_history(session, duplicates, "import_possible_duplicate", now, _HISTORY_WITH_PARAMS)
        if self.duplicate_pairs:
            from ..duplicates import record

            record(session, self.duplicate_pairs, now)
            self.duplicate_pairs.clear()
        return temp_to_real

    def _insert_contacts(
        self,
        session: Session,
        contact_rows: list[tuple],
        contact_phones: list[list[tuple]],
        phone_rows: list[tuple],
        now,
    ) -> None:
        """Contacts (company_id, full_name, position, email) with their phones ((number, label) pairs), which
        go to *phone_rows*."""
        if not contact_rows:
            return
        contact_ids = self._allocate_ids(session, Contact.__table__, len(contact_rows))
        _insert_rows(
            session,
            Contact.__table__,
            _CONTACT_VARYING,
            [(contact_id, *row) for contact_id, row in zip(contact_ids, contact_rows, strict=True)],
            _contact_constants(now, self.run_id),
        )
        for contact_id, row, numbers in zip(contact_ids, contact_rows, contact_phones, strict=True):
            for number, label in numbers:
                phone_rows.append((row[0], contact_id, number, label))

    def _insert_history(
        self, session: Session, rows: list[tuple], outcome: str, now, varying: tuple[str, ...] = _HISTORY_VARYING
    ) -> None:
        _insert_rows(
            session,
            Interaction.__table__,
            varying,
            rows,
            {
                "user_id": self.actor.id,
                "deal_id": None,
                "at": now,
                "kind": InteractionKind.SYSTEM.value,
                "outcome": outcome,
            },
        )

    def _allocate_ids(self, session: Session, table, count: int) -> list[int]:
        """Ids for an executemany without RETURNING (SQLite allows 999 parameters a statement, so
        RETURNING over 50 columns means 19 rows a statement).  SQLite: this write transaction holds
        the only write lock, so max(id)+1… is ours; PostgreSQL: taken from the table's sequence."""
        if self.db.is_postgresql:
            return list(
                session.execute(
                    text("SELECT array_agg(nextval(pg_get_serial_sequence(:table, 'id'))) FROM generate_series(1, :n)"),
                    {"table": table.name, "n": count},
                ).scalar_one()
            )
        start = session.connection().execute(select(func.max(table.c.id))).scalar() or 0
        return list(range(start + 1, start + count + 1))

    def _apply_merges(self, session: Session, merges: dict[int, list[_Row]], now, source_name: str) -> tuple[int, int]:
        """Rows of the file that are companies of the base: empty fields filled, new phones and contacts added;
        a filled field is never overwritten: what the file had is written in the company's history and the
        report.  In a dry run, only counted."""
        if not merges:
            return 0, 0
        ids = list(merges)
        merged = unchanged = 0
        # The companies, their phones and their contacts' names, read through the driver: a statement with the
        # batch's ids in an IN list cost SQLAlchemy more to build than the database to answer.
        connection = session.connection()
        current = {row[0]: row for row in _rows_with_ids(connection, Company.__table__, _MERGE_COLUMNS, "id", ids)}
        existing_phones: dict[int, set[str]] = {}
        for cid, number in _rows_with_ids(connection, Phone.__table__, ("company_id", "number"), "company_id", ids):
            existing_phones.setdefault(cid, set()).add(number)
        existing_contacts: dict[int, set[str]] = {}
        for cid, name in _rows_with_ids(connection, Contact.__table__, ("company_id", "full_name"), "company_id", ids):
            existing_contacts.setdefault(cid, set()).add(fold(name))
        # The sentences, translated once a batch: a merge into a company of the base is one row in ten of a big
        # file, and history_labels.words_of (the same words from the facts) costs 10-35 µs a row against this.
        labels = {name: field_label(name) for name in FILL_FIELDS}
        name_kept = str(_("name kept, the file had {value}"))
        field_added = str(_("{field}: {value}"))
        field_kept = str(_("{field} kept, the file had {value}"))
        phone_added = str(_("phone {number}"))
        contact_added = str(_("contact {name}"))
        emails_added = str(_("other e-mails {emails}"))
        added_text = str(_("added {what}"))
        conflict_text = str(_("{name} (#{id}): {what}"))
        merged_text = str(_("Merged from {file}, line {line}: {what}."))
        inn_map, phone_map = self.inn_map, self.phone_map
        phone_rows: list[tuple] = []
        contact_rows: list[tuple] = []
        contact_numbers: list[list[tuple[str, str]]] = []
        history_rows: list[tuple] = []
        updates: list[tuple[int, dict]] = []
        for cid in ids:
            base = current.get(cid)
            if base is None:
                unchanged += len(merges[cid])
                continue
            base_name, base_email = base[1], base[6]
            fills: dict[str, str] = {}
            phones_here = existing_phones.setdefault(cid, set())
            contacts_here = existing_contacts.setdefault(cid, set())
            name_key = self._name_of(cid)
            for row in merges[cid]:
                notes: list[str] = []
                kept: list[str] = []
                items: list[list] = []  # `notes` and `kept` as facts, for the reader's language
                kept_items: list[list] = []
                # The parsing process's lookups when it matched the row (_MatchingParser.close_batch): whether
                # the name keys differ (None: the company has none), whether another company has the INN, and
                # whether each phone and contact phone is free for this company.
                verdict = row.verdict
                if verdict is None:
                    differs = row.nkey != name_key if name_key else None
                    inn_taken = bool(row.inn) and inn_map.get(_inn_key(row.inn)) not in (None, cid)
                    phones_free = [phone_map.get(_phone_key(number)) in (None, cid) for number in row.phones]
                else:
                    differs, inn_taken, phones_free, contact_free = verdict
                if (
                    differs
                    if differs is not None
                    else not _same(key_of_folded(row.folded), key_of_folded(fold(base_name)))
                ):
                    kept.append(name_kept.format(value=quoted(row.name)))
                    kept_items.append(["name", row.name])
                for position, (name, value) in enumerate(zip(FILL_FIELDS, (row.inn, *row.fields), strict=True)):
                    if not value:
                        continue
                    have = fills.get(name) or base[2 + position]
                    if not have:
                        if name == "inn" and inn_taken:
                            continue
                        fills[name] = value
                        notes.append(field_added.format(field=labels[name], value=value))
                        items.append(["field", name, value])
                    elif value != have and not _same(value, have):
                        kept.append(field_kept.format(field=labels[name], value=quoted(value)))
                        kept_items.append([name, value])
                exts = _extra(row, "exts", {})
                for index, number in enumerate(row.phones):
                    if number not in phones_here and phones_free[index]:
                        phones_here.add(number)
                        phone_rows.append((cid, None, number, _label(exts.get(number, ""))))
                        notes.append(phone_added.format(number=number))
                        items.append(["phone", number])
                if row.contact:
                    contact = fold(row.contact)
                    if contact not in contacts_here:
                        contacts_here.add(contact)
                        contact_rows.append((cid, row.contact, row.position, _extra(row, "contact_email", "")))
                        numbers = []
                        for index, number in enumerate(row.contact_phones):
                            if number not in phones_here and (
                                contact_free[index]
                                if verdict is not None
                                else phone_map.get(_phone_key(number)) in (None, cid)
                            ):
                                phones_here.add(number)
                                numbers.append((number, _label(exts.get(number, ""))))
                        contact_numbers.append(numbers)
                        notes.append(contact_added.format(name=row.contact))
                        items.append(["contact", row.contact])
                extra_emails = [a for a in _extra(row, "emails", ()) if a != base_email and a != fills.get("email")]
                if extra_emails:
                    notes.append(emails_added.format(emails=", ".join(extra_emails)))
                    items.append(["emails", ", ".join(extra_emails)])
                if notes or kept:
                    parts = []
                    if notes:
                        parts.append(added_text.format(what=", ".join(notes)))
                    if kept:
                        parts.append("; ".join(kept))
                        for text_kept in kept:
                            self.conflicts += 1
                            self.note(
                                row.line,
                                "conflict",
                                conflict_text.format(name=quoted(base_name), id=cid, what=text_kept),
                            )
                    history_rows.append(
                        (
                            cid,
                            merged_text.format(file=source_name, line=row.line, what="; ".join(parts)),
                            params_json(
                                t="import_merge", file=source_name, line=row.line, added=items, kept=kept_items
                            ),
                        )
                    )
                if notes:
                    merged += 1
                else:
                    unchanged += 1
            if fills:
                values = dict(fills)
                if "city" in values:
                    values["city_search"] = fold(values["city"])
                updates.append((cid, values))
                if "inn" in fills:
                    self.with_inn.add(cid)
        if self.dry_run:
            return merged, unchanged
        # What the run filled, so that an undo can empty it again.
        _insert_rows(
            session,
            ImportChange.__table__,
            ("company_id", "field", "value"),
            [(cid, name, value) for cid, values in updates for name, value in values.items() if name in FILL_FIELDS],
            {"run_id": self.run_id},
        )
        self._insert_contacts(session, contact_rows, contact_numbers, phone_rows, now)
        _insert_rows(session, Phone.__table__, _PHONE_VARYING, phone_rows, {"import_run_id": self.run_id})
        if history_rows:
            self._insert_history(session, history_rows, "import_merge", now, _HISTORY_WITH_PARAMS)
        # The filled fields: one executemany per set of fields (the version goes up by one, as on every change).
        table = Company.__table__
        by_fields: dict[tuple[str, ...], list[dict]] = {}
        for cid, values in updates:
            by_fields.setdefault(tuple(values), []).append({"v_id": cid, **{"v_" + k: v for k, v in values.items()}})
        for names, params in by_fields.items():
            statement = (
                update(table)
                .where(table.c.id == bindparam("v_id"))
                .values(
                    {
                        **{name: bindparam("v_" + name) for name in names},
                        "updated_at": now,
                        "version": table.c.version + 1,
                    }
                )
            )
            session.execute(statement, params)
        return merged, unchanged


# The columns of a company a merge reads: its id and name, then FILL_FIELDS in their order.
_MERGE_COLUMNS = ("id", "name", *FILL_FIELDS)


def _rows_with_ids(connection, table, columns: tuple[str, ...], key: str, ids: list[int]) -> Iterator[tuple]:
    """*columns* of *table*'s rows whose *key* is one of *ids*, through the driver, BATCH_SIZE ids a statement."""
    quote = connection.dialect.identifier_preparer.quote
    marker = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    head = "SELECT {columns} FROM {table} WHERE {key} IN ".format(
        columns=", ".join(quote(name) for name in columns), table=quote(table.name), key=quote(key)
    )
    for start in range(0, len(ids), BATCH_SIZE):
        part = ids[start : start + BATCH_SIZE]
        yield from connection.exec_driver_sql(head + "(" + ", ".join([marker] * len(part)) + ")", tuple(part)).all()


def _stream(connection, sql: str, size: int = 20000) -> Iterator[tuple]:
    """The rows of a plain SELECT, *size* at a time: through the bare driver cursor on SQLite, through Core
    (a server-side cursor) on PostgreSQL."""
    if connection.dialect.name == "sqlite":
        cursor = connection.connection.driver_connection.cursor()
        try:
            cursor.execute(sql)
            while rows := cursor.fetchmany(size):
                yield from rows
        finally:
            cursor.close()
        return
    result = connection.execution_options(yield_per=size).exec_driver_sql(sql)
    for rows in result.partitions():
        yield from rows


_NAME_CHUNK = 50_000  # companies of the base per message of their name keys


def _name_keys(rows, fold_city: Callable[[str], str]) -> Iterator[tuple[bytes, list[str], list[str]]]:
    """The name keys of (id, name, city) rows as text, in pieces: (ids as array bytes, the names' keys, the
    keys of name and city).  Companies whose name has no key are left out.  Text, not hash(): str hashes
    differ between processes, so the process that matches hashes them."""
    ids, name_keys, city_keys = array("q"), [], []
    for cid, name, city in rows:
        key = key_of_folded(fold(name or ""))
        if key:
            ids.append(cid)
            name_keys.append(key)
            city_keys.append(key + "\x1f" + fold_city(city or ""))
            if len(ids) >= _NAME_CHUNK:
                yield ids.tobytes(), name_keys, city_keys
                ids, name_keys, city_keys = array("q"), [], []
    if ids:
        yield ids.tobytes(), name_keys, city_keys


# --- the parsing process ---------------------------------------------------------------------

PARALLEL_MIN_BYTES = 4 * 1024 * 1024  # about 40,000 rows of a typical file; smaller files are parsed in-process
_CHUNK_ROWS = 1000  # rows per message from the parsing process
_QUEUE_CHUNKS = 8  # messages waiting at most: the parser runs ahead of the writer by at most 8,000 rows


class _MatchingParser(Importer):
    """The parsing process's importer when it has the base's keys: it matches each parsed row as the importing
    process would (match, remember, remember_new, batch by batch) and sends the answers with the row, so that
    the importing process looks up no key: receiving, matching and keeping the keys were about a fifth of its
    time, and the parsing process waits for it most of the run.

    The batches are the importing process's: every batch_size items, rejected rows counted.  A company new in
    the run has the same temporary id (-1, -2, ...) on both sides; once its batch is done, here it becomes the
    id above the base's highest (`matched_top`) by as much, which the importing process maps to the real id.  What the importing process asks the keys later, when it writes the batch, is answered at the
    batch's end as it would be then (`close_batch`)."""

    def start_matching(self, numbers: tuple) -> int:
        """After the name keys (_name_keys_from), the INN and phone keys as the importing process read them
        (`Importer.number_keys`); returns the highest company id, above which the run's new companies go."""
        inn_keys, inn_ids, phone_keys, phone_ids, flags = numbers
        self.inn_map.keys, self.inn_map.ids = inn_keys, inn_ids
        self.phone_map.keys, self.phone_map.ids = phone_keys, phone_ids
        self.with_inn.flags = bytearray(flags)
        self.hash_keys = True
        # Above every id the keys hold (the two processes read the base one after the other).
        self._top = max(len(self.name_of) - 1, max(inn_ids, default=0), max(phone_ids, default=0))
        self._batch: list = []
        self._merged: list[tuple[int, int, _Row]] = []  # (place in _batch, company, row) of merges into companies
        # Temporary ids run on across batches, as in Importer._run: the batch's first, and the next.
        self._first_temp = self._next_temp = -1
        return self._top

    def add(self, item: _Row | tuple) -> bool:
        """One parsed item matched and kept; True when it completes a batch."""
        batch = self._batch
        if item.__class__ is not _Row:
            batch.append(item)
            return len(batch) >= self.batch_size
        row: _Row = item  # type: ignore[assignment]
        found = self.match(row)
        if found is None:
            self.remember_new(self._next_temp, row)
            self._next_temp -= 1
            batch.append((*row.as_tuple(), None, self.possible, None))
        elif found < 0:
            # _merge_pending asks _phone_taken of each of the row's phones before remember()
            taken = tuple(self._phone_taken(number) for number in row.phones)
            self.remember(found, row)
            batch.append((*row.as_tuple(), found, None, taken))
        else:
            self.remember(found, row)
            self._merged.append((len(batch), found, row))
            batch.append(None)  # answered in close_batch()
        return len(batch) >= self.batch_size

    def close_batch(self) -> list:
        """The batch's items as sent; its merges into stored companies answered as _apply_merges asks, with the
        keys as they are once the whole batch is matched; its new companies given their ids."""
        batch = self._batch
        inn_map, phone_map = self.inn_map, self.phone_map
        for place, cid, row in self._merged:
            name_key = self._name_of(cid)
            verdict = (
                row.nkey != name_key if name_key else None,
                bool(row.inn) and inn_map.get(_inn_key(row.inn)) not in (None, cid),
                tuple(phone_map.get(_phone_key(number)) in (None, cid) for number in row.phones),
                tuple(phone_map.get(_phone_key(number)) in (None, cid) for number in row.contact_phones),
            )
            batch[place] = (*row.as_tuple(), cid, None, verdict)
        top = self._top
        self._point_keys_at({temp: top - temp for temp in range(self._first_temp, self._next_temp, -1)})
        self._batch, self._merged, self._first_temp = [], [], self._next_temp
        return batch


# --- the parsing process ---------------------------------------------------------------------

PARALLEL_MIN_BYTES = 4 * 1024 * 1024  # about 40,000 rows of a typical file; smaller files are parsed in-process
_CHUNK_ROWS = 1000  # rows per message from the parsing process (when it does not match: else a batch a message)
_QUEUE_CHUNKS = 8  # messages waiting at most: the parser runs ahead of the writer by at most 8 of them


class _ParseProcess:
    """Reads and parses the file in a second process while this one writes.

    Parsing (CSV decoding, cleaning, phone and INN checks, name folding) is about a third of an import's CPU
    and needs nothing from the database, so on two cores it runs beside the writing.  On SQLite it also folds
    the base's names into their keys through its own connection (most of loading the keys) while this process
    reads the INN and phone keys and hands them over, then matches every row (_MatchingParser), sending the
    answers with the rows; where it cannot (PostgreSQL, a base it cannot open) this process loads the keys and
    matches.  The child runs the very same code (`open_source`, `read_header`, `Importer.parse_all`,
    `Importer.match`) and sends its results in file order, so the import is the same as in one process; every
    write stays here.

    "spawn", not fork: the import often runs in a worker thread of the app, and forking a process with threads
    can copy a lock held by another thread."""

    def __init__(self, path: Path, columns: dict[str, list[int]] | None = None) -> None:
        from kbase_tui.i18n import current_language

        context = multiprocessing.get_context("spawn")
        self.queue = context.Queue(maxsize=_QUEUE_CHUNKS)
        # What the child does after its "start": load a SQLite base's keys and match, or only parse.
        self.requests = context.SimpleQueue()
        self.asked_keys = False
        self.process = context.Process(
            target=_parse_worker,
            args=(str(path), current_language(), self.queue, os.getpid(), columns, self.requests),
            name="kbase-import-parser",
            daemon=True,
        )
        self.process.start()

    def _get(self) -> tuple:
        while True:
            try:
                return self.queue.get(timeout=1.0)
            except queue.Empty:
                if self.process.is_alive():
                    continue
            try:  # the child has ended: what it sent last may still be in the pipe
                return self.queue.get(timeout=1.0)
            except queue.Empty:
                raise ValidationFailed(
                    _(
                        "Reading the file stopped unexpectedly (exit code {code}); complete batches before it were saved."
                    ).format(code=self.process.exitcode)
                ) from None

    def start(self) -> tuple[SourceInfo, dict[str, list[int]], list[str]]:
        kind, payload = self._get()
        if kind != "start":
            raise payload
        return payload

    def ask_for_keys(self, database: Path | None, batch_size: int) -> None:
        """After start(): the child loads the keys of *database* (a SQLite file) and matches the rows in
        batches of *batch_size*; None: it only parses."""
        self.asked_keys = database is not None
        self.requests.put((str(database or ""), batch_size))

    def send_number_keys(self, numbers: tuple) -> None:
        """After ask_for_keys() with a database: the INN and phone keys (Importer.number_keys), which the child
        waits for once it has folded the names."""
        self.requests.put(numbers)

    def keys_loaded(self) -> int | None:
        """After ask_for_keys(): the base's highest company id as the child loaded its keys (the rows come
        matched), or None (they come unmatched: this process loads the keys)."""
        if not self.asked_keys:
            return None
        kind, payload = self._get()
        if kind == "keys":
            return payload
        if kind == "keys_failed":
            return None
        raise payload

    def items(self) -> Iterator[_Row | tuple[int, str, list[str]]]:
        while True:
            kind, payload = self._get()
            if kind == "rows":
                for item in payload:
                    if len(item) == 3:  # (line, reason, cells) of a rejected row
                        yield item
                    elif len(item) == 16:  # a matched row's slots and answers (its name keys hashed there)
                        yield _Row(*item)
                    else:  # a _Row's slots, the name keys still as text: hashed here, as load_keys() does
                        key, nkey = item[0], item[1]
                        yield _Row(
                            hash(key) if key is not None else None, hash(nkey) if nkey is not None else None, *item[2:]
                        )
            elif kind == "end":
                return
            else:
                raise payload  # what the file reading raised, in the same place of the stream

    def close(self) -> None:
        if self.process.is_alive():
            self.process.kill()  # stopped or failed before the end: the rest of the file is not wanted
        self.process.join()
        self.queue.close()
        self.requests.close()


def _parse_worker(
    path: str, language: str, out, parent_pid: int, forced: dict[str, list[int]] | None = None, requests=None
) -> None:
    """The parsing process: ("start", (info, columns, headers)); then, when the parent asks for a database's
    keys (on *requests*, after the start), ("keys", highest company id) or ("keys_failed", None); then
    ("rows", [...]) in file order, then ("end", None); any exception is sent as ("error", exception) after the
    messages before it."""
    import pickle
    import signal

    from kbase_tui.i18n import set_language
    from kbase_tui.lifeline import die_with_parent

    # `kill -9` of the import: no close() runs, and a parser blocked on a full queue would wait forever.
    die_with_parent(parent_pid)

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole process group: the parent decides
    set_language(language)  # reasons of rejected rows in the user's language
    gc.disable()  # as in the writer: no cycles here, and young-generation scans of every chunk cost time
    try:
        info, source = open_source(Path(path))
        columns, headers, source = read_header(source)
        columns = forced or columns
        out.put(("start", (info, columns, headers)))
        database, batch_size = requests.get() if requests is not None else ("", BATCH_SIZE)
        parser = _MatchingParser(None, None, Path(path), batch_size=batch_size)  # type: ignore[arg-type]
        matching = False
        if database:
            top = _load_names(parser, database)
            numbers = requests.get()  # the parent's INN and phone keys, read while the names were folded here
            if top is not None:
                top = parser.start_matching(numbers)
            matching = top is not None
            out.put(("keys", top) if matching else ("keys_failed", None))
        parser.prepare(columns)
        parser.hash_keys = matching  # unmatched rows go with their name keys as text, hashed by the parent
        chunk: list = []
        try:
            for item in parser.parse_all(source):
                if item.__class__ is not _Row:  # an i18n Msg does not pickle; its text does
                    item = (item[0], str(item[1]), item[2] if item[2].__class__ is list else BrokenRow(""))
                if matching:
                    if parser.add(item):
                        out.put(("rows", parser.close_batch()))
                    continue
                chunk.append(item.as_tuple() if item.__class__ is _Row else item)
                if len(chunk) >= _CHUNK_ROWS:
                    out.put(("rows", chunk))
                    chunk = []
        finally:
            if matching and parser._batch:
                chunk = parser.close_batch()
            if chunk:
                out.put(("rows", chunk))
        out.put(("end", None))
    except BaseException as error:
        try:
            pickle.dumps(error)
        except Exception:
            error = RuntimeError(f"{type(error).__name__}: {error}")
        out.put(("error", error))


def _load_names(parser: _MatchingParser, database: str) -> int | None:
    """The parsing process folds the base's names into their keys, read through its own read-only connection;
    returns the highest company id, or None when it cannot (the importing process then loads them)."""
    import sqlite3

    try:
        connection = sqlite3.connect(database, isolation_level=None)
        try:
            connection.execute("PRAGMA query_only = 1")
            connection.execute("PRAGMA busy_timeout = 5000")
            connection.execute("BEGIN")  # the highest id and the names of one moment

            def stream(sql: str) -> Iterator[tuple]:
                cursor = connection.execute(sql)
                while rows := cursor.fetchmany(20000):
                    yield from rows

            top = connection.execute("SELECT max(id) FROM company").fetchone()[0] or 0
            parser._name_keys_from(top, stream)
            return top
        finally:
            connection.close()
    except sqlite3.Error:
        return None


def default_report_path(actor: Actor, source: Path) -> Path:
    """A new file in the exports folder for the report of importing *source*: never beside the input, which
    may be a folder of someone else's or read-only."""
    folder = exports_dir()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    stamp = utcnow().strftime("%Y%m%d-%H%M%S")
    who = "".join(ch for ch in actor.username if ch.isalnum() or ch in "-_")[:32] or "user"
    stem = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in source.stem)[:60].strip("_")
    target = folder / f"import-report-{stamp}-{who}-{stem}.csv"
    n = 1
    while target.exists():
        n += 1
        target = folder / f"import-report-{stamp}-{who}-{stem}-{n}.csv"
    return target


# History a company created by an import may have and still count as untouched.
