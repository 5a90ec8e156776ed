"""Import potential clients from CSV or XLSX into the cold-call queue.

- CSV in UTF-8, UTF-8 with BOM or Windows-1251 (detected), separated by
  comma, semicolon or tab (detected from the header line), quoted fields
  with separators and line breaks inside; XLSX read row by row (openpyxl
  read-only mode).  Column headers in Russian or English (docs/import-format.md).
- Phones normalised to E.164 (region RU); INN checked (length and checksum).
- Duplicates, against the base and within the file, found by INN, by any
  normalised phone, and by the normalised name with the city: merged, never
  doubled (empty fields filled, new phones and contact persons added, a note
  in the company's history).  A row that brings nothing new changes nothing,
  so running the same file again adds nothing.
- Streaming: the duplicate keys of the base are loaded once into memory as
  integers; rows are read, checked and written in batches (2,000 by
  default), each batch committed on its own, so memory stays flat and a
  killed import keeps every complete batch.
- Rejected rows are written to `<input>.rejects.csv` with their line number
  and reason.
- A large file (4 MiB and more) on two cores is read and parsed in a second
  process (`_ParseProcess`) while this one detects duplicates and writes; the
  result is the same as in one process (tests/services/test_import_parallel.py).
"""

from __future__ import annotations

import codecs
import csv
import gc
import io
import multiprocessing
import os
import queue
import re
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from kbase_tui.i18n import _
from kbase_tui.models import Company, Contact, Interaction, InteractionKind, Phone, Stage, Category, EPOCH, utcnow
from kbase_tui.textnorm import _LEGAL_FORMS

from . import audit
from .db import Database
from .dto import Actor
from .errors import ValidationFailed
from .exporter import safe_cell
from .phones import normalise as normalise_phone
from .policy import Capability, require, require_active_user
from .text import clean_input, fold
from kbase_tui.protocol.importer import Reject, ImportReport  # noqa: F401 (the data this module hands out)

BATCH_SIZE = 2000


def _clean(text: str, max_length: int | None = None) -> str:
    """clean_input with a quick path: printable text only needs stripping (isprintable() is False for
    every control, format and bidi character clean_input removes)."""
    if text.isprintable():
        text = text.strip()
        return text[:max_length] if max_length is not None and len(text) > max_length else text
    return clean_input(text, max_length)
MAX_NAME = 300
ProgressCallback = Callable[[int, int], None]


# --- headers ------------------------------------------------------------------------

FIELDS = ("name", "inn", "phone", "contact", "position", "contact_phone", "city", "industry", "channel",
          "email", "website", "address", "size", "comment")

HEADER_NAMES: dict[str, tuple[str, ...]] = {
    "name": ("company", "company name", "name", "organization", "organisation", "client", "customer",
             "наименование", "название", "компания", "организация", "наименование компании", "название компании",
             "наименование организации", "название организации", "клиент", "контрагент", "фирма"),
    "inn": ("inn", "tax id", "taxpayer id", "инн", "инн организации", "инн компании"),
    "phone": ("phone", "phones", "telephone", "tel", "phone number", "mobile", "work phone",
              "телефон", "телефоны", "тел", "номер телефона", "мобильный", "рабочий телефон", "доп телефон",
              "дополнительный телефон", "телефон компании"),
    "contact": ("contact", "contact person", "contact name", "person", "decision maker",
                "контактное лицо", "контакт", "фио", "фио контакта", "лпр", "фио контактного лица"),
    "position": ("position", "title", "job title", "role", "должность", "должность контакта"),
    "contact_phone": ("contact phone", "contact mobile", "person phone", "телефон контакта",
                      "телефон контактного лица", "мобильный контакта", "телефон лпр"),
    "city": ("city", "town", "location", "город", "населенный пункт", "нас пункт"),
    "industry": ("industry", "sector", "branch", "отрасль", "сфера", "сфера деятельности", "вид деятельности",
                 "отрасль деятельности"),
    "channel": ("channel", "sales channel", "segment", "канал", "канал продаж", "канал сбыта", "сегмент"),
    "email": ("email", "e mail", "mail", "email address", "электронная почта", "почта", "эл почта",
              "адрес электронной почты", "емейл", "имейл"),
    "website": ("website", "site", "web", "web site", "url", "сайт", "веб сайт"),
    "address": ("address", "адрес", "юридический адрес", "фактический адрес"),
    "size": ("size", "company size", "размер", "размер компании"),
    "comment": ("comment", "comments", "note", "notes", "remark", "комментарий", "комментарии", "примечание",
                "заметка"),
}
_HEADER_LOOKUP = {alias: name for name, aliases in HEADER_NAMES.items() for alias in aliases}
_NON_WORD = re.compile(r"[^\w]+")
_TRAILING_NUMBER = re.compile(r"\s*\d+$")


def _header_key(text: str) -> str:
    return _NON_WORD.sub(" ", fold(clean_input(str(text or "")))).strip()


def map_headers(headers: list[str]) -> dict[str, list[int]]:
    """Field name -> column indexes (phones may come in several columns)."""
    mapping: dict[str, list[int]] = {}
    for index, header in enumerate(headers):
        key = _header_key(header)
        field_name = _HEADER_LOOKUP.get(key) or _HEADER_LOOKUP.get(_TRAILING_NUMBER.sub("", key))
        if field_name is None and key:
            if key.startswith(("телефон", "phone", "tel ", "тел ")):
                field_name = "phone"
        if field_name is None:
            continue
        if field_name in ("phone", "contact_phone") or field_name not in mapping:
            mapping.setdefault(field_name, []).append(index)
    return mapping


# --- values ---------------------------------------------------------------------------

def _fast_ru_pattern() -> re.Pattern[str]:
    from phonenumbers import PhoneMetadata

    meta = PhoneMetadata.metadata_for_region("RU")
    patterns = []
    for kind in ("fixed_line", "mobile", "toll_free", "premium_rate", "shared_cost", "personal_number", "voip",
                 "pager", "uan", "voicemail"):
        desc = getattr(meta, kind, None)
        if desc is not None and desc.national_number_pattern and (not desc.possible_length or 10 in desc.possible_length):
            patterns.append(f"(?:{desc.national_number_pattern})")
    return re.compile("|".join(patterns))


_RU_NATIONAL = _fast_ru_pattern()
_DIGITS_ONLY = re.compile(r"[\s()\-.]+")
_PHONE_SPLIT = re.compile(r"[,;/\n]+")
# The usual punctuation of a written number, removed without a regex; anything else falls back to _DIGITS_ONLY.
_PHONE_PUNCTUATION = str.maketrans("", "", " ()-.\t\xa0")


def normalise_fast(raw: str) -> str | None:
    """E.164 of one number: a quick path for plain Russian numbers, phonenumbers for everything else.

    Gives exactly what services.phones.normalise gives (tests compare both)."""
    text = raw.strip()
    plus = text.startswith("+")
    body = text[1:] if plus else text
    digits = body.translate(_PHONE_PUNCTUATION)
    if not (digits.isascii() and digits.isdigit()):
        digits = _DIGITS_ONLY.sub("", body)
    if digits.isascii() and digits.isdigit():
        national = None
        if len(digits) == 11 and (digits[0] == "7" or (digits[0] == "8" and not plus)):
            national = digits[1:]
        elif len(digits) == 10 and not plus:
            national = digits
        if national is not None and _RU_NATIONAL.fullmatch(national):
            return "+7" + national
    return normalise_phone(text)


def split_phones(cell: str) -> list[str]:
    if "," in cell or ";" in cell or "/" in cell or "\n" in cell:
        return [p for p in (piece.strip() for piece in _PHONE_SPLIT.split(cell)) if p]
    cell = cell.strip()
    return [cell] if cell else []


_INN_10 = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN_12a = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN_12b = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)


def _check(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights)) % 11 % 10


def valid_inn(inn: str) -> bool:
    if not inn.isdigit():
        return False
    if len(inn) == 10:
        return _check(inn, _INN_10) == int(inn[9])
    if len(inn) == 12:
        return _check(inn, _INN_12a) == int(inn[10]) and _check(inn, _INN_12b) == int(inn[11])
    return False


_INN_NOISE = re.compile(r"[\s\-]")


def clean_inn(raw: str) -> str | None:
    """The INN as 10 or 12 digits ('' -> None); raises ValueError when it is not a valid INN.

    Excel drops leading zeros from numbers: 9 and 11 digits get their zero back."""
    if not raw:
        return None
    text = raw if raw.isdigit() else _INN_NOISE.sub("", raw)
    if text.endswith(".0"):
        text = text[:-2]
    if not text:
        return None
    if text.isdigit() and len(text) in (9, 11) and valid_inn("0" + text):
        return "0" + text
    if not valid_inn(text):
        raise ValueError(text)
    return text


# --- reading files ----------------------------------------------------------------------

@dataclass
class SourceInfo:
    encoding: str
    delimiter: str
    kind: str  # csv | xlsx
    total_estimate: int


def detect_encoding(path: Path) -> str:
    with open(path, "rb") as handle:
        head = handle.read(4)
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        handle.seek(0)
        size = os.fstat(handle.fileno()).st_size
        decoder = codecs.getincrementaldecoder("utf-8")()
        limit = size if size <= 64 * 1024 * 1024 else 8 * 1024 * 1024
        read = 0
        try:
            while read < limit:
                chunk = handle.read(min(1 << 20, limit - read))
                if not chunk:
                    break
                read += len(chunk)
                decoder.decode(chunk, final=False)
            if read >= size:
                decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1251"
    return "utf-8"


def detect_delimiter(sample: str) -> str:
    """The separator of the header line: ';' (Excel in Russia), ',' or tab."""
    first_line = sample.split("\n", 1)[0]
    try:
        return csv.Sniffer().sniff(first_line, delimiters=";,\t").delimiter
    except csv.Error:
        counts = {d: first_line.count(d) for d in (";", ",", "\t")}
        best = max(counts, key=counts.get)
        return best if counts[best] else ","


def _count_lines(path: Path) -> int:
    count = 0
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 22), b""):
            count += chunk.count(b"\n")
    return count + 1


def _csv_rows(path: Path, info: SourceInfo) -> Iterator[tuple[int, list[str]]]:
    with open(path, encoding=info.encoding, newline="", errors="strict") as handle:
        reader = csv.reader(handle, delimiter=info.delimiter)
        line = 1
        try:
            for row in reader:
                yield line, row
                line = reader.line_num + 1
        except (UnicodeDecodeError, csv.Error) as error:
            # Strict: a byte that is no character is never replaced silently; the file is not the CSV it seems.
            why = f"0x{error.object[error.start]:02x}" if isinstance(error, UnicodeDecodeError) else str(error)
            raise ValidationFailed(_(
                "{name} is not CSV text (line {line}: {why}): save it as CSV in UTF-8 or Windows-1251, or as XLSX."
            ).format(name=path.name, line=line, why=why)) from None


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _xlsx_rows(path: Path) -> tuple[Iterator[tuple[int, list[str]]], int]:
    import openpyxl

    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    sheet = workbook.worksheets[0]
    total = sheet.max_row or 0

    def rows() -> Iterator[tuple[int, list[str]]]:
        try:
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                yield number, [_cell(v) for v in values]
        finally:
            workbook.close()

    return rows(), total


def open_source(path: Path) -> tuple[SourceInfo, Iterator[tuple[int, list[str]]]]:
    if not path.is_file():
        raise ValidationFailed(_("File not found: {path}").format(path=str(path)))
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        rows, total = _xlsx_rows(path)
        return SourceInfo("xlsx", "", "xlsx", max(total - 1, 0)), rows
    if path.suffix.lower() == ".xls":
        raise ValidationFailed(_("Old .xls files are not supported: save the file as .xlsx or CSV."))
    encoding = detect_encoding(path)
    with open(path, encoding=encoding, errors="replace", newline="") as handle:
        sample = handle.read(64 * 1024)
    info = SourceInfo(encoding, detect_delimiter(sample), "csv", max(_count_lines(path) - 1, 0))
    return info, _csv_rows(path, info)


def read_header(source: Iterator[tuple[int, list[str]]]) -> tuple[dict[str, list[int]], list[str]]:
    """The column mapping and the cleaned header cells: the first non-blank row with a company name column
    among the first ten lines; ValidationFailed when there is none."""
    for line, raw in source:
        if not any(cell.strip() for cell in raw):
            continue
        columns = map_headers(raw)
        if "name" in columns:
            return columns, [clean_input(h) for h in raw]
        if line > 10:
            break
    accepted = ", ".join(HEADER_NAMES["name"][:3] + HEADER_NAMES["name"][6:9])
    raise ValidationFailed(
        _("No column with the company name in the first rows (accepted: {names} …).").format(names=accepted)
    )


# --- the import -------------------------------------------------------------------------

class _Row:
    """One parsed line of the file."""

    __slots__ = ("key", "line", "name", "folded", "inn", "phones", "contact", "position", "contact_phones", "fields",
                 "comment")

    def __init__(self, key, line, name, folded, inn, phones, contact, position, contact_phones, fields, comment):
        self.key = key  # name and city, for duplicates
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

    def as_tuple(self) -> tuple:
        """The slots in __init__'s order (sent from the parsing process: a tuple pickles in half the time)."""
        return (self.key, self.line, self.name, self.folded, self.inn, self.phones, self.contact, self.position,
                self.contact_phones, self.fields, self.comment)


class _Pending:
    """A new company of the current batch: its first row and what later rows of the batch added."""

    __slots__ = ("row", "inn", "fields", "phones", "contacts", "merged_lines")

    def __init__(self, row: _Row) -> None:
        self.row = row
        self.inn = row.inn
        self.fields = row.fields
        self.phones = row.phones
        self.contacts: list[tuple[str, str, list[str]]] = []  # (name, position, phones)
        if row.contact:
            self.contacts.append((row.contact, row.position, row.contact_phones))
        elif row.contact_phones:
            self.phones = row.phones + [p for p in row.contact_phones if p not in row.phones]
        self.merged_lines: list[int] = []


def _inn_key(inn: str) -> int:
    return int("1" + inn)


def _phone_key(e164: str) -> int:
    return int(e164[1:])


def _fold(text: str) -> str:
    """textnorm.fold without a regex (str.split() splits on exactly the characters \\s matches; tests compare)."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().replace("ё", "е").split())


def _key_of_folded(folded: str) -> str:
    """name_key(name) from fold(name): the words, less the legal forms (tests check they agree).

    `\\b(ооо|…)\\b` matches exactly a whole run of word characters, so it is tested on each word (on the
    short ones only: no legal form is longer than _LEGAL_LONGEST)."""
    legal = _LEGAL_FORMS.fullmatch
    return " ".join([word for word in _WORDS(folded) if len(word) > _LEGAL_LONGEST or not legal(word)])


def _longest_legal_form() -> int:
    match = re.fullmatch(r"\\b\(([\w|]+)\)\\b", _LEGAL_FORMS.pattern)
    return max(map(len, match.group(1).split("|"))) if match else 10_000


_WORDS = re.compile(r"\w+").findall
_LEGAL_LONGEST = _longest_legal_form()


def _name_city_key(name: str, city: str) -> int | None:
    """The duplicate key of a name in a city (as parse() and load_keys() compute it)."""
    key = _key_of_folded(_fold(name))
    if not key:
        return None
    return hash(key + "\x1f" + _fold(city))


FIELD_ORDER = ("city", "industry", "channel", "email", "website", "address", "size")
FILL_FIELDS = ("inn",) + FIELD_ORDER
FIELD_LIMITS = {"city": 120, "industry": 120, "channel": 60, "email": 200, "website": 200, "address": 300, "size": 20}
_CITY = 0


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


def _insert_rows(session: Session, table, varying: tuple[str, ...], rows: list[tuple],
                 constants: dict[str, object] | None = None) -> None:
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
        rows = [tuple(p(v) if p is not None and v is not None else v for p, v in zip(processors, row)) for row in rows]
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
        table=quote(table.name), columns=", ".join(quote(n) for n in names), values=", ".join(values),
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
        table=quote(table.name), columns=", ".join(quote(n) for n in names))
    tail_tuple = tuple(tail)
    with connection.connection.driver_connection.cursor() as cursor:
        with cursor.copy(sql) as copy:
            write = copy.write_row
            for row in rows:
                write(row + tail_tuple)


_COMPANY_VARYING = ("id", "name", "name_search", "inn", *FIELD_ORDER[:1], "city_search", *FIELD_ORDER[1:])
_CONTACT_VARYING = ("id", "company_id", "full_name", "position")
_PHONE_VARYING = ("company_id", "contact_id", "number")
_HISTORY_VARYING = ("company_id", "text")


def _company_constants(now) -> dict[str, object]:
    return {
        "source": "import", "abcde_class": "", "is_key_client": False, "potential_score": 0,
        "category": Category.POTENTIAL.value, "stage": Stage.COLD.value, "owner_id": None, "shelved_until": None,
        "requirements": "", "in_queue": True, "queue_rank": 100, "priority": 100, "last_tried_at": EPOCH,
        "not_before": None, "attempts": 0, "last_outcome": "", "held_by_id": None, "held_until": None,
        "callback_user_id": None, "callback_at": None, "special_offer": "", "special_offer_user_id": None,
        "unreachable": False, "needs_data_fix": False, "orders_count": 0, "revenue_total": 0, "margin_total": None,
        "first_order_at": None, "last_order_at": None, "next_purchase_at": None, "next_purchase_is_stated": False,
        "next_follow_up_at": None, "created_at": now, "updated_at": now, "version": 1,
    }


def _contact_constants(now) -> dict[str, object]:
    return {"is_decision_maker": False, "email": "", "birthday": None, "created_at": now, "updated_at": now,
            "version": 1}


class Importer:
    """One run of an import.  Use `run_import`, which wraps it."""

    def __init__(self, db: Database, actor: Actor, path: Path, *, batch_size: int = BATCH_SIZE,
                 progress: ProgressCallback | None = None, should_stop: Callable[[], bool] | None = None,
                 rejects_path: Path | None = None, parallel: bool | None = None) -> None:
        self.db, self.actor, self.path = db, actor, path
        self.batch_size = batch_size
        self.parallel = parallel
        # parse() gives the name + city key as hash(text), the form the in-memory maps use.  The parsing process
        # leaves it as text: str hashes differ between processes (PYTHONHASHSEED), so this process hashes it.
        self.hash_keys = True
        self.progress = progress
        self.should_stop = should_stop or (lambda: False)
        self.rejects_path = rejects_path or path.with_name(path.name + ".rejects.csv")
        self.inn_map: dict[int, int] = {}
        self.phone_map: dict[int, int] = {}
        self.name_map: dict[int, int] = {}
        self.with_inn: set[int] = set()
        # Keys remembered in this batch for its new companies (negative temporary ids), one list per map,
        # pointed at the real ids once the batch is committed.
        self._temp_inn_keys: list[int] = []
        self._temp_phone_keys: list[int] = []
        self._temp_name_keys: list[int] = []
        self._temp_inn: list[int] = []
        self._city_folds: dict[str, str] = {}
        self.imported = self.merged = self.unchanged = self.rows = 0
        self.rejects: list[Reject] = []
        self.rejected = 0
        self._reject_writer = None
        self._reject_handle = None
        self.headers: list[str] = []

    # keys of the base, loaded once
    def load_keys(self) -> None:
        with self.db.read() as session:
            for cid, inn in session.execute(select(Company.id, Company.inn).where(Company.inn.is_not(None))):
                if inn:
                    self.inn_map[_inn_key(inn)] = cid
                    self.with_inn.add(cid)
            for cid, number in session.execute(select(Phone.company_id, Phone.number)):
                if number and number[1:].isdigit():
                    self.phone_map.setdefault(_phone_key(number), cid)
            name_map, fold_city = self.name_map, self._fold_city
            for cid, name, city in session.execute(select(Company.id, Company.name, Company.city)).yield_per(20000):
                key = _key_of_folded(_fold(name or ""))
                if key:
                    name_map.setdefault(hash(key + "\x1f" + fold_city(city or "")), cid)

    # rejects
    def reject(self, line: int, reason: str, raw: list[str]) -> None:
        self.rejected += 1
        if len(self.rejects) < 1000:
            self.rejects.append(Reject(line, reason))
        if self._reject_writer is None:
            # 0600: the rejected rows are client data; opened in Excel, so no cell may run as a formula.
            fd = os.open(self.rejects_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            self._reject_handle = os.fdopen(fd, "w", encoding="utf-8-sig", newline="")
            self._reject_writer = csv.writer(self._reject_handle, delimiter=";")
            self._reject_writer.writerow([_("line"), _("reason"), *(safe_cell(h) for h in self.headers)])
        self._reject_writer.writerow([line, reason, *(safe_cell(cell) for cell in raw)])

    def close(self) -> None:
        if self._reject_handle is not None:
            self._reject_handle.close()

    def _fold_city(self, city: str) -> str:
        folded = self._city_folds.get(city)
        if folded is None:
            if len(self._city_folds) > 50_000:
                self._city_folds.clear()
            folded = self._city_folds[city] = _fold(city)
        return folded

    # parsing one row
    def prepare(self, columns: dict[str, list[int]]) -> None:
        """Column positions of the mapped headers, looked up once for the whole file."""
        def first(name: str) -> int | None:
            return columns[name][0] if columns.get(name) else None

        self._i_name = columns["name"][0]
        self._i_inn = first("inn")
        self._i_contact = first("contact")
        self._i_position = first("position")
        self._i_comment = first("comment")
        self._i_phones = tuple(columns.get("phone", ()))
        self._i_contact_phones = tuple(columns.get("contact_phone", ()))
        self._field_columns = tuple(
            (position, columns[name][0], FIELD_LIMITS[name], name == "email")
            for position, name in enumerate(FIELD_ORDER) if columns.get(name)
        )
        self._width = 1 + max(index for indexes in columns.values() for index in indexes)

    def _phones_of(self, raw: list[str], indexes: tuple[int, ...], bad: list[str]) -> list[str]:
        numbers: list[str] = []
        for index in indexes:
            cell = raw[index]
            if not cell or cell.isspace():
                continue
            if "," in cell or ";" in cell or "/" in cell or "\n" in cell:
                pieces = split_phones(cell)
            else:
                pieces = (cell,)
            for piece in pieces:
                number = normalise_fast(piece)
                if number is None:
                    bad.append(_clean(piece, 40))
                elif number not in numbers:
                    numbers.append(number)
        return numbers

    def parse(self, line: int, raw: list[str]) -> _Row | str:
        if len(raw) < self._width:
            raw = raw + [""] * (self._width - len(raw))
        cell = raw[self._i_name]
        # The quick path of _clean inline: printable text only needs stripping (and cutting to the column).
        if cell.isprintable():
            name = cell.strip()
            if len(name) > MAX_NAME:
                name = name[:MAX_NAME]
        else:
            name = _clean(cell.replace("\n", " "), MAX_NAME)
        if not name:
            return _("the company name is empty")
        inn = None
        if self._i_inn is not None:
            cell = raw[self._i_inn]
            if cell:
                try:
                    inn = clean_inn(_clean(cell))
                except ValueError:
                    return _("the INN is not valid: {inn}").format(inn=_clean(cell)[:20])
        bad: list[str] = []
        phones = self._phones_of(raw, self._i_phones, bad) if self._i_phones else []
        contact_phones = self._phones_of(raw, self._i_contact_phones, bad) if self._i_contact_phones else []
        if bad and not phones and not contact_phones:
            return _("the phone number is not valid: {phone}").format(phone=bad[0])
        fields = ["", "", "", "", "", "", ""]
        for position, index, limit, is_email in self._field_columns:
            cell = raw[index]
            if cell:
                if cell.isprintable():
                    value = cell.strip()
                    if len(value) > limit:
                        value = value[:limit]
                else:
                    value = _clean(cell.replace("\n", " "), limit)
                if is_email and value and ("@" not in value or " " in value):
                    value = ""
                fields[position] = value
        contact = position_ = comment = ""
        if self._i_contact is not None and (cell := raw[self._i_contact]):
            contact = cell.strip()[:200] if cell.isprintable() else _clean(cell.replace("\n", " "), 200)
        if self._i_position is not None and (cell := raw[self._i_position]):
            position_ = cell.strip()[:200] if cell.isprintable() else _clean(cell.replace("\n", " "), 200)
        if self._i_comment is not None and (cell := raw[self._i_comment]):
            comment = _clean(cell, 2000)
        folded = _fold(name)
        key_text = _key_of_folded(folded)
        key = None
        if key_text:
            key = key_text + "\x1f" + self._fold_city(fields[_CITY])
            if self.hash_keys:
                key = hash(key)
        return _Row(key, line, name, folded, inn, phones, contact, position_, contact_phones, fields, comment)

    def match(self, row: _Row) -> int | None:
        """The id of the company this row is (negative: new in this batch), or None."""
        inn = row.inn
        if inn:
            found = self.inn_map.get(int("1" + inn))
            if found is not None:
                return found
        phone_map = self.phone_map
        for numbers in (row.phones, row.contact_phones):
            for number in numbers:
                found = phone_map.get(int(number[1:]))
                # With its own INN, a row is not the company of another INN (a shared switchboard, a namesake).
                if found is not None and not (inn and found in self.with_inn):
                    return found
        if row.key is not None:
            found = self.name_map.get(row.key)
            if found is not None and not (inn and found in self.with_inn):
                return found
        return None

    def remember(self, company_id: int, row: _Row) -> None:
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

    # the main loop
    def run(self) -> ImportReport:
        started = time.perf_counter()
        reader = _ParseProcess(self.path) if self._use_process() else None
        try:
            if reader is not None:
                info, columns, self.headers = reader.start()
            else:
                info, source = open_source(self.path)
                columns, self.headers = read_header(source)
            self.prepare(columns)
            self.load_keys()
            items = reader.items() if reader is not None else self.parse_all(source)
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
        try:
            cores = len(os.sched_getaffinity(0))
        except AttributeError:  # not Linux
            cores = os.cpu_count() or 1
        try:
            size = self.path.stat().st_size
        except OSError:
            return False  # open_source gives the clear message
        return cores >= 2 and size >= PARALLEL_MIN_BYTES

    def parse_all(self, source: Iterator[tuple[int, list[str]]]) -> Iterator[_Row | tuple[int, str, list[str]]]:
        """Every non-blank row of *source* parsed: a _Row, or (line, reason, cells) for a rejected one."""
        parse = self.parse
        for line, raw in source:
            if not "".join(raw).strip():
                continue
            parsed = parse(line, raw)
            yield parsed if parsed.__class__ is _Row else (line, parsed, raw)

    def _run(self, started: float, info: SourceInfo, columns: dict[str, list[int]],
             items: Iterator[_Row | tuple[int, str, list[str]]]) -> ImportReport:
        total = info.total_estimate
        new: dict[int, _Pending] = {}  # negative temporary id -> pending company
        merges: dict[int, list[_Row]] = {}  # existing company id -> rows to merge
        next_temp = -1
        in_batch = 0
        rows = 0
        batch_size = self.batch_size
        match, remember = self.match, self.remember
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
                else:
                    found = match(parsed)
                    if found is None:
                        remember(next_temp, parsed)
                        new[next_temp] = _Pending(parsed)
                        next_temp -= 1
                    elif found < 0:
                        self._merge_pending(new[found], parsed)
                        remember(found, parsed)
                    else:
                        merges.setdefault(found, []).append(parsed)
                        remember(found, parsed)
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
                _("The file mixes encodings near byte {pos}; complete batches before it were saved.").format(pos=error.start)
            ) from error
        finally:
            if collect:
                gc.enable()
            self.rows = rows
            self.close()
        if self.progress:
            self.progress(self.rows, self.rows if not stopped else max(total, self.rows))
        seconds = time.perf_counter() - started
        report = ImportReport(
            path=str(self.path), kind=info.kind, encoding=info.encoding, delimiter=info.delimiter, rows=self.rows,
            imported=self.imported, merged=self.merged, unchanged=self.unchanged, rejected=self.rejected,
            rejects=tuple(self.rejects), rejects_path=str(self.rejects_path) if self.rejected else None,
            seconds=seconds, stopped=stopped, columns=tuple(sorted(columns)),
        )
        with self.db.write() as session:
            audit.record(session, self.actor, "import_finished", "company", None, file=self.path.name, rows=self.rows,
                         imported=self.imported, merged=self.merged, unchanged=self.unchanged,
                         rejected=self.rejected, stopped=stopped)
        return report

    def _merge_pending(self, pending: _Pending, row: _Row) -> None:
        changed = False
        if row.inn and not pending.inn:
            pending.inn = row.inn
            changed = True
        fields = pending.fields
        for position, value in enumerate(row.fields):
            if value and not fields[position]:
                fields[position] = value
                changed = True
        known = set(pending.phones) | {p for c in pending.contacts for p in c[2]}
        if pending.phones is pending.row.phones:
            pending.phones = list(pending.phones)
        for number in row.phones:
            if number not in known and not self._phone_taken(number, pending):
                pending.phones.append(number)
                known.add(number)
                changed = True
        if row.contact and fold(row.contact) not in {fold(c[0]) for c in pending.contacts}:
            pending.contacts.append((row.contact, row.position, [p for p in row.contact_phones if p not in known]))
            changed = True
        if changed:
            pending.merged_lines.append(row.line)
        else:
            self.unchanged += 1

    def _phone_taken(self, number: str, pending: _Pending) -> bool:
        owner = self.phone_map.get(_phone_key(number))
        return owner is not None and owner >= 0

    # writing
    def _write_batch(self, new: dict[int, _Pending], merges: dict[int, list[_Row]]) -> None:
        now = utcnow()
        source_name = self.path.name[:200]
        with self.db.write() as session:
            require_active_user(session, self.actor)
            require(self.actor, Capability.IMPORT)
            temp_to_real = self._insert_new(session, new, now, source_name)
            merged_count, unchanged_count = self._apply_merges(session, merges, now, source_name)
            audit.record(session, self.actor, "import_batch", "company", None, file=self.path.name,
                         imported=len(new), merged=merged_count + sum(1 for p in new.values() if p.merged_lines))
        # Only now that the batch is committed do the keys point at real ids.
        for mapping, keys in ((self.inn_map, self._temp_inn_keys), (self.phone_map, self._temp_phone_keys),
                              (self.name_map, self._temp_name_keys)):
            for key in keys:  # remember() set each of these keys once, to a temporary id, in this batch
                mapping[key] = temp_to_real[mapping[key]]
            keys.clear()
        for temp in self._temp_inn:
            self.with_inn.discard(temp)
            self.with_inn.add(temp_to_real[temp])
        self._temp_inn.clear()
        self.imported += len(new)
        self.merged += merged_count + sum(len(p.merged_lines) for p in new.values())
        self.unchanged += unchanged_count

    def _insert_new(self, session: Session, new: dict[int, _Pending], now, source_name: str) -> dict[int, int]:
        if not new:
            return {}
        temps = list(new)
        pendings = list(new.values())
        ids = self._allocate_ids(session, Company.__table__, len(pendings))
        fold_city = self._fold_city
        company_rows = []
        phone_rows: list[tuple] = []
        contact_rows: list[tuple] = []
        contact_phones: list[list[str]] = []
        history_rows: list[tuple] = []
        imported_text = str(_("Imported from {file}, line {line}."))
        merged_text = str(_("Merged from {file}, lines {lines}."))
        for company_id, pending in zip(ids, pendings):
            row = pending.row
            f = pending.fields
            city = f[0]
            company_rows.append((company_id, row.name, row.folded, pending.inn, city, fold_city(city),
                                 f[1], f[2], f[3], f[4], f[5], f[6]))
            for number in pending.phones:
                phone_rows.append((company_id, None, number))
            for name, position, numbers in pending.contacts:
                contact_rows.append((company_id, name, position))
                contact_phones.append(numbers)
            text = imported_text.format(file=source_name, line=row.line)
            if pending.merged_lines:
                text += " " + merged_text.format(file=source_name, lines=", ".join(map(str, pending.merged_lines)))
            if row.comment:
                text += "\n" + row.comment
            history_rows.append((company_id, text))
        _insert_rows(session, Company.__table__, _COMPANY_VARYING, company_rows, _company_constants(now))
        self._insert_contacts(session, contact_rows, contact_phones, phone_rows, now)
        _insert_rows(session, Phone.__table__, _PHONE_VARYING, phone_rows, {"label": ""})
        self._insert_history(session, history_rows, "import", now)
        return dict(zip(temps, ids))

    def _insert_contacts(self, session: Session, contact_rows: list[tuple], contact_phones: list[list[str]],
                         phone_rows: list[tuple], now) -> None:
        """Contacts (company_id, full_name, position) with their phones, which go to *phone_rows*."""
        if not contact_rows:
            return
        contact_ids = self._allocate_ids(session, Contact.__table__, len(contact_rows))
        _insert_rows(session, Contact.__table__, _CONTACT_VARYING,
                     [(contact_id, *row) for contact_id, row in zip(contact_ids, contact_rows)], _contact_constants(now))
        for contact_id, row, numbers in zip(contact_ids, contact_rows, contact_phones):
            for number in numbers:
                phone_rows.append((row[0], contact_id, number))

    def _insert_history(self, session: Session, rows: list[tuple], outcome: str, now) -> None:
        _insert_rows(session, Interaction.__table__, _HISTORY_VARYING, rows, {
            "user_id": self.actor.id, "deal_id": None, "at": now, "kind": InteractionKind.SYSTEM.value,
            "outcome": outcome,
        })

    def _allocate_ids(self, session: Session, table, count: int) -> list[int]:
        """Ids for an executemany without RETURNING (SQLite allows 999 parameters a statement, so
        RETURNING over 50 columns means 19 rows a statement).  SQLite: this write transaction holds
        the only write lock, so max(id)+1… is ours; PostgreSQL: taken from the table's sequence."""
        if self.db.is_postgresql:
            return list(session.execute(
                text("SELECT array_agg(nextval(pg_get_serial_sequence(:table, 'id'))) FROM generate_series(1, :n)"),
                {"table": table.name, "n": count},
            ).scalar_one())
        start = session.connection().execute(select(func.max(table.c.id))).scalar() or 0
        return list(range(start + 1, start + count + 1))

    def _apply_merges(self, session: Session, merges: dict[int, list[_Row]], now, source_name: str) -> tuple[int, int]:
        if not merges:
            return 0, 0
        ids = list(merges)
        merged = unchanged = 0
        # Core statements on the session's connection: the ORM's result processing cost more than the queries.
        connection = session.connection()
        companies, phones, contacts = Company.__table__.c, Phone.__table__.c, Contact.__table__.c
        current = {
            row.id: row for row in connection.execute(
                select(companies.id, companies.inn, companies.city, companies.industry, companies.channel,
                       companies.email, companies.website, companies.address, companies.size)
                .where(companies.id.in_(ids))
            )
        }
        existing_phones: dict[int, set[str]] = {}
        for cid, number in connection.execute(select(phones.company_id, phones.number).where(phones.company_id.in_(ids))):
            existing_phones.setdefault(cid, set()).add(number)
        existing_contacts: dict[int, set[str]] = {}
        for cid, name in connection.execute(
                select(contacts.company_id, contacts.full_name).where(contacts.company_id.in_(ids))):
            existing_contacts.setdefault(cid, set()).add(fold(name))
        phone_rows: list[tuple] = []
        contact_rows: list[tuple] = []
        contact_numbers: list[list[str]] = []
        history_rows: list[tuple] = []
        updates: list[tuple[int, dict]] = []
        for cid in ids:
            base = current.get(cid)
            if base is None:
                unchanged += len(merges[cid])
                continue
            fills: dict[str, str] = {}
            phones_here = existing_phones.setdefault(cid, set())
            contacts_here = existing_contacts.setdefault(cid, set())
            for row in merges[cid]:
                notes: list[str] = []
                for name, value in zip(FILL_FIELDS, (row.inn, *row.fields)):
                    if value and not getattr(base, name) and name not in fills:
                        if name == "inn" and self.inn_map.get(_inn_key(value)) not in (None, cid):
                            continue
                        fills[name] = value
                        notes.append(_("{field}: {value}").format(field=name, value=value))
                for number in row.phones:
                    if number not in phones_here and self.phone_map.get(_phone_key(number)) in (None, cid):
                        phones_here.add(number)
                        phone_rows.append((cid, None, number))
                        notes.append(_("phone {number}").format(number=number))
                if row.contact and fold(row.contact) not in contacts_here:
                    contacts_here.add(fold(row.contact))
                    contact_rows.append((cid, row.contact, row.position))
                    numbers = []
                    for number in row.contact_phones:
                        if number not in phones_here and self.phone_map.get(_phone_key(number)) in (None, cid):
                            phones_here.add(number)
                            numbers.append(number)
                    contact_numbers.append(numbers)
                    notes.append(_("contact {name}").format(name=row.contact))
                if notes:
                    merged += 1
                    history_rows.append((cid, _("Merged from {file}, line {line}: added {what}.").format(
                        file=source_name, line=row.line, what=", ".join(notes))))
                else:
                    unchanged += 1
            if fills:
                values = dict(fills)
                if "city" in values:
                    values["city_search"] = fold(values["city"])
                updates.append((cid, values))
                if "inn" in fills:
                    self.with_inn.add(cid)
        self._insert_contacts(session, contact_rows, contact_numbers, phone_rows, now)
        _insert_rows(session, Phone.__table__, _PHONE_VARYING, phone_rows, {"label": ""})
        if history_rows:
            self._insert_history(session, history_rows, "import_merge", now)
        table = Company.__table__
        for cid, values in updates:
            values["updated_at"] = now
            values["version"] = table.c.version + 1
            session.execute(update(table).where(table.c.id == cid).values(**values))
        return merged, unchanged


# --- the parsing process ---------------------------------------------------------------------

PARALLEL_MIN_BYTES = 4 * 1024 * 1024  # about 40,000 rows of a typical file; smaller files are parsed in-process
_CHUNK_ROWS = 1000  # rows per message from the parsing process
_QUEUE_CHUNKS = 8  # messages waiting at most: the parser runs ahead of the writer by at most 8,000 rows


class _ParseProcess:
    """Reads and parses the file in a second process while this one matches duplicates and writes.

    Parsing (CSV decoding, cleaning, phone and INN checks, name folding) is about a third of an import's CPU
    and needs nothing from the database, so on two cores it runs beside the writing.  The child runs the very
    same code (`open_source`, `read_header`, `Importer.parse_all`) and sends its results in file order,
    so the import is the same as in one process; duplicate detection and every write stay here.

    "spawn", not fork: the import often runs in a worker thread of the app, and forking a process with threads
    can copy a lock held by another thread."""

    def __init__(self, path: Path) -> None:
        from kbase_tui.i18n import current_language

        context = multiprocessing.get_context("spawn")
        self.queue = context.Queue(maxsize=_QUEUE_CHUNKS)
        self.process = context.Process(target=_parse_worker, args=(str(path), current_language(), self.queue,
                                                                   os.getpid()),
                                       name="kbase-import-parser", daemon=True)
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
                raise ValidationFailed(_(
                    "Reading the file stopped unexpectedly (exit code {code}); complete batches before it were saved."
                ).format(code=self.process.exitcode)) from None

    def start(self) -> tuple[SourceInfo, dict[str, list[int]], list[str]]:
        kind, payload = self._get()
        if kind != "start":
            raise payload
        return payload

    def items(self) -> Iterator[_Row | tuple[int, str, list[str]]]:
        while True:
            kind, payload = self._get()
            if kind == "rows":
                for item in payload:
                    if len(item) == 3:  # (line, reason, cells) of a rejected row
                        yield item
                    else:  # a _Row's slots, the name + city key still as text: hashed here, as load_keys() does
                        key = item[0]
                        yield _Row(hash(key) if key is not None else None, *item[1:])
            elif kind == "end":
                return
            else:
                raise payload  # what the file reading raised, in the same place of the stream

    def close(self) -> None:
        if self.process.is_alive():
            self.process.kill()  # stopped or failed before the end: the rest of the file is not wanted
        self.process.join()
        self.queue.close()


def _parse_worker(path: str, language: str, out, parent_pid: int) -> None:
    """The parsing process: ("start", (info, columns, headers)), then ("rows", [...]) in file order, then
    ("end", None); any exception is sent as ("error", exception) after the rows before it."""
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
        columns, headers = read_header(source)
        out.put(("start", (info, columns, headers)))
        parser = Importer(None, None, Path(path))  # type: ignore[arg-type]  # only parse() is used
        parser.prepare(columns)
        parser.hash_keys = False
        chunk: list = []
        try:
            for item in parser.parse_all(source):
                if item.__class__ is _Row:
                    item = item.as_tuple()
                else:
                    item = (item[0], str(item[1]), item[2])  # an i18n Msg does not pickle; its text does
                chunk.append(item)
                if len(chunk) >= _CHUNK_ROWS:
                    out.put(("rows", chunk))
                    chunk = []
        finally:
            if chunk:
                out.put(("rows", chunk))
        out.put(("end", None))
    except BaseException as error:  # noqa: BLE001 - every failure is the parent's to report
        try:
            pickle.dumps(error)
        except Exception:  # noqa: BLE001
            error = RuntimeError(f"{type(error).__name__}: {error}")
        out.put(("error", error))


def run_import(
    db: Database, actor: Actor, path: str | os.PathLike[str], *, batch_size: int = BATCH_SIZE,
    progress: ProgressCallback | None = None, should_stop: Callable[[], bool] | None = None,
    parallel: bool | None = None, rejects_path: Path | None = None,
) -> ImportReport:
    """Import *path* (CSV or XLSX) into the cold queue; see the module's docstring.

    *parallel*: read and parse the file in a second process (None: when the file is large and there are two
    cores; the result is the same either way)."""
    with db.read() as session:
        require_active_user(session, actor)
        require(actor, Capability.IMPORT)
    importer = Importer(db, actor, Path(path), batch_size=batch_size, progress=progress, should_stop=should_stop,
                        parallel=parallel, rejects_path=rejects_path)
    return importer.run()


def require_importer(db: Database, actor: Actor) -> None:
    """Refuse anyone who may not import (the server checks this before it lists or reads its inbox)."""
    with db.read() as session:
        require_active_user(session, actor)
        require(actor, Capability.IMPORT)


def write_csv(text_rows: list[list[str]], delimiter: str = ";") -> str:
    """A CSV text (used by tests and the export preview)."""
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter).writerows(text_rows)
    return out.getvalue()
