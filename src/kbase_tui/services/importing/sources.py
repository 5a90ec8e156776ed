"""Reading a file to import: its kind from the bytes, the encoding, the separator, the header row."""

from __future__ import annotations

import codecs
import csv
import itertools
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from kbase_tui.i18n import _
from kbase_tui.textnorm import clean_input

from ..errors import ValidationFailed
from .headers import HEADER_NAMES, _header_score, map_headers

# Rows looked at for the header (titles, dates and empty lines above it are skipped).
HEADER_SCAN = 30
# --- reading files ----------------------------------------------------------------------

# The encodings Russian offices save text in, besides UTF-8 (charset-normalizer chooses among these only).
LEGACY_ENCODINGS = ("cp1251", "koi8_r", "cp866", "utf_16", "utf_16_le", "utf_16_be")
_SAMPLE_BYTES = 256 * 1024
_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .xls, .doc


@dataclass
class SourceInfo:
    encoding: str
    delimiter: str
    kind: str  # csv | xlsx
    total_estimate: int


class BrokenRow:
    """What the CSV reader yields for a record it cannot read (a field over the size limit, a 5 MB line)."""

    __slots__ = ("reason",)

    def __init__(self, reason: str) -> None:
        self.reason = reason


def _not_a_table() -> ValidationFailed:
    return ValidationFailed(
        _(
            "This is not a spreadsheet or text file (it looks like binary data). Save the list from Excel as "
            '"CSV UTF-8" or XLSX and import that file.'
        )
    )


def _damaged_excel() -> ValidationFailed:
    return ValidationFailed(
        _(
            "The Excel file is damaged or incomplete (perhaps it was not fully copied). Open it in Excel, save it "
            "again and import the new file."
        )
    )


def detect_encoding(path: Path) -> str:
    """utf-8-sig / utf-16 by their BOM, utf-8 when the bytes are valid UTF-8, else what charset-normalizer
    finds among LEGACY_ENCODINGS; ValidationFailed when the bytes are no text at all."""
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
        is_utf8 = True
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
            is_utf8 = False
        handle.seek(0)
        sample = handle.read(_SAMPLE_BYTES)
    # Valid UTF-8 with many NUL bytes is UTF-16 without a BOM (its ASCII characters come with a NUL each); a stray
    # NUL in a UTF-8 file does not make it another encoding.
    if is_utf8 and sample.count(b"\x00") * 10 < len(sample):
        return "utf-8"
    from charset_normalizer import from_bytes

    best = from_bytes(sample, cp_isolation=list(LEGACY_ENCODINGS)).best()
    if best is None:
        raise _not_a_table()
    return best.encoding


def _looks_binary(text: str) -> bool:
    """Control characters (other than tab and line breaks) in more than 1 % of the sample: not a text file."""
    controls = sum(1 for ch in text if ch < " " and ch not in "\t\r\n")
    return controls > max(2, len(text) // 100)


def _split_line(line: str, delimiter: str) -> list[str]:
    try:
        return next(csv.reader([line], delimiter=delimiter), [])
    except csv.Error:
        return line.split(delimiter)


def detect_delimiter(sample: str) -> str:
    """The separator of the header row: of the first lines, the line and separator (tab, ';', ',') that map
    the most columns with a company name among them; without such a line, the most frequent one of the
    first non-empty line."""
    best, best_score = None, 0
    for line in sample.splitlines()[:HEADER_SCAN]:
        for delimiter in ("\t", ";", ","):
            if delimiter not in line:
                continue
            score = _header_score(map_headers(_split_line(line, delimiter)))
            if score > best_score:
                best, best_score = delimiter, score
    if best is not None:
        return best
    first_line = next((line for line in sample.splitlines() if line.strip()), "")
    counts = {d: first_line.count(d) for d in (";", ",", "\t")}
    found = max(counts, key=counts.get)
    return found if counts[found] else ","


def _count_lines(path: Path) -> int:
    count = 0
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 22), b""):
            count += chunk.count(b"\n")
    return count + 1


def _csv_rows(path: Path, info: SourceInfo) -> Iterator[tuple[int, list[str] | BrokenRow]]:
    with open(path, encoding=info.encoding, newline="", errors="strict") as handle:
        reader = csv.reader(handle, delimiter=info.delimiter)
        line = 1
        while True:
            try:
                for row in reader:
                    yield line, row
                    line = reader.line_num + 1
                return
            except csv.Error as error:
                # The reader drops the record it could not read and goes on with the next line.
                text = str(error)
                if "field larger than field limit" in text:
                    reason = _("the row is too long (a cell over {n} characters); check its quotes").format(
                        n=csv.field_size_limit()
                    )
                else:
                    reason = _("the row cannot be read: {error}").format(error=text[:80])
                yield line, BrokenRow(reason)
                line = reader.line_num + 1
            except UnicodeDecodeError as error:
                # Strict: a byte that is no character is never replaced silently; the file is not the CSV it seems.
                why = f"0x{error.object[error.start]:02x}"
                raise ValidationFailed(
                    _(
                        "{name} is not CSV text (line {line}: {why}): save it as CSV in UTF-8 or Windows-1251, or as XLSX."
                    ).format(name=path.name, line=line, why=why)
                ) from None


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _xlsx_rows(path: Path) -> tuple[Iterator[tuple[int, list[str]]], int]:
    import zipfile

    import openpyxl

    # A file object, not the path: openpyxl judges a path by its suffix, and an XLSX saved as .csv is still one.
    handle = open(path, "rb")  # noqa: SIM115 (closed by the generator below, when the rows are read)
    try:
        workbook = openpyxl.load_workbook(handle, read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        total = sheet.max_row or 0
    except zipfile.BadZipFile:
        handle.close()
        raise _damaged_excel() from None
    except Exception as error:
        handle.close()
        if isinstance(error, KeyError) or "InvalidFileException" in type(error).__name__:
            raise ValidationFailed(
                _(
                    "This file is not an Excel workbook (perhaps a Word or other document). Save the list from Excel "
                    'as XLSX or "CSV UTF-8" and import that file.'
                )
            ) from None
        raise _damaged_excel() from None

    def rows() -> Iterator[tuple[int, list[str]]]:
        number = 0
        try:
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                yield number, [_cell(v) for v in values]
        except (zipfile.BadZipFile, EOFError, OSError, ValueError, KeyError) as error:
            raise ValidationFailed(
                _(
                    "The Excel file is damaged after row {row}: the rows before it were read. Open it in Excel, save "
                    "it again and import the new file (rows already imported are recognised)."
                ).format(row=number)
            ) from error
        except Exception as error:
            if type(error).__module__.split(".")[0] in ("zlib", "xml", "lxml", "openpyxl") or type(error).__name__ in (
                "error",
                "ParseError",
                "XMLSyntaxError",
            ):
                raise ValidationFailed(
                    _(
                        "The Excel file is damaged after row {row}: the rows before it were read. Open it in Excel, "
                        "save it again and import the new file (rows already imported are recognised)."
                    ).format(row=number)
                ) from error
            raise
        finally:
            workbook.close()
            handle.close()

    return rows(), total


def open_source(path: Path) -> tuple[SourceInfo, Iterator[tuple[int, list[str] | BrokenRow]]]:
    """The file's format and its rows; ValidationFailed with a sentence a person can act on when it cannot be
    read as a table.  The kind is taken from the bytes, not the name (an XLSX saved as .csv is still read)."""
    if not path.is_file():
        raise ValidationFailed(_("File not found: {path}").format(path=str(path)))
    with open(path, "rb") as handle:
        head = handle.read(8)
    if not head:
        raise ValidationFailed(_("The file is empty."))
    if head.startswith(_ZIP) or path.suffix.lower() in (".xlsx", ".xlsm"):
        if not head.startswith(_ZIP):
            raise _damaged_excel()
        rows, total = _xlsx_rows(path)
        return SourceInfo("xlsx", "", "xlsx", max(total - 1, 0)), rows
    if head.startswith(_OLE) or path.suffix.lower() == ".xls":
        raise ValidationFailed(_("Old .xls files are not supported: save the file as .xlsx or CSV."))
    encoding = detect_encoding(path)
    with open(path, encoding=encoding, errors="replace", newline="") as handle:
        sample = handle.read(64 * 1024)
    if _looks_binary(sample):
        raise _not_a_table()
    info = SourceInfo(encoding, detect_delimiter(sample), "csv", max(_count_lines(path) - 1, 0))
    return info, _csv_rows(path, info)


def read_header(
    source: Iterator[tuple[int, list[str] | BrokenRow]],
) -> tuple[dict[str, list[int]], list[str], Iterator[tuple[int, list[str] | BrokenRow]]]:
    """The column mapping, the cleaned header cells and the rows after the header.

    The header is the row among the first HEADER_SCAN non-blank ones that maps the most columns with a company
    name among them: titles («Справочник "Контрагенты"»), dates and empty lines above it are skipped.
    ValidationFailed when there is none."""
    seen: list[tuple[int, list[str] | BrokenRow]] = []
    best, best_score = -1, 0
    for item in source:
        seen.append(item)
        raw = item[1]
        if raw.__class__ is BrokenRow or not any(cell.strip() for cell in raw):
            continue
        score = _header_score(map_headers(raw))
        if score > best_score:
            best, best_score = len(seen) - 1, score
        if len([r for _line, r in seen if not isinstance(r, BrokenRow) and any(c.strip() for c in r)]) >= HEADER_SCAN:
            break
    if best < 0:
        accepted = ", ".join(HEADER_NAMES["name"][:3] + HEADER_NAMES["name"][9:12])
        raise ValidationFailed(
            _("No column with the company name in the first {n} rows (accepted: {names} …).").format(
                n=HEADER_SCAN, names=accepted
            )
        )
    raw = seen[best][1]
    return map_headers(raw), [clean_input(h) for h in raw], itertools.chain(seen[best + 1 :], source)
