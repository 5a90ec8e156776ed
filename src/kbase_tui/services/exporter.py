"""Export companies to CSV or XLSX: supervisors and the local CLI only, every export audited.

The file is written with mode 0600 (it holds client data), streamed in
chunks so a million companies never sit in memory, and cells that a
spreadsheet would run as a formula are neutralised.
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from kbase_tui.i18n import _
from kbase_tui.models import Company, Phone, User, utcnow
from kbase_tui.protocol.exporter import ExportFilter, ExportReport
from kbase_tui.timezones import in_reader_zone

from . import audit
from .db import Database
from .dto import Actor
from .errors import ValidationFailed
from .policy import Capability, require, require_active_user

CHUNK = 2000
FORMATS = ("csv", "xlsx")


def columns() -> list[tuple[str, str]]:
    return [
        ("id", _("Id")),
        ("name", _("Company")),
        ("inn", _("INN")),
        ("phones", _("Phones")),
        ("city", _("City")),
        ("industry", _("Industry")),
        ("channel", _("Channel")),
        ("category", _("Category")),
        ("stage", _("Stage")),
        ("owner", _("Owner")),
        ("abcde_class", _("ABCDE")),
        ("email", _("E-mail")),
        ("website", _("Website")),
        ("address", _("Address")),
        ("orders_count", _("Orders")),
        ("revenue_total", _("Revenue")),
        ("last_order_at", _("Last order")),
        ("created_at", _("Created")),
    ]


def _conditions(flt: ExportFilter) -> list:
    result = []
    for name in ("stage", "category", "channel", "industry", "city", "owner_id", "abcde_class"):
        value = getattr(flt, name)
        if value not in (None, ""):
            result.append(getattr(Company, name) == value)
    return result


def _rows(session: Session, flt: ExportFilter) -> Iterator[list[object]]:
    owner = aliased(User)
    last_id = 0
    while True:
        chunk = session.execute(
            select(Company, owner.full_name, owner.username)
            .outerjoin(owner, owner.id == Company.owner_id)
            .where(Company.id > last_id, *_conditions(flt))
            .order_by(Company.id)
            .limit(CHUNK)
        ).all()
        if not chunk:
            return
        ids = [c.id for c, _f, _u in chunk]
        numbers: dict[int, list[str]] = {}
        for cid, number in session.execute(
            select(Phone.company_id, Phone.number).where(Phone.company_id.in_(ids)).order_by(Phone.id)
        ):
            numbers.setdefault(cid, []).append(number)
        for company, full, login in chunk:
            yield [
                company.id,
                company.name,
                company.inn or "",
                ", ".join(numbers.get(company.id, [])),
                company.city,
                company.industry,
                company.channel,
                company.category,
                company.stage,
                full or login or "",
                company.abcde_class,
                company.email,
                company.website,
                company.address,
                company.orders_count,
                company.revenue_total,
                company.last_order_at,
                company.created_at,
            ]
        last_id = ids[-1]
        session.expunge_all()


# Phones are written from stored E.164 numbers only ("+74951234567"), never from free text, so
# they keep their "+" (a spreadsheet reads them as text in this format anyway).
PHONES_COLUMN = 3


def safe_cell(value: object) -> object:
    """Neutralise text a spreadsheet would run as a formula (OWASP's CSV-injection rule).

    Any text that begins with = + - @, a tab or a carriage return gets a leading apostrophe:
    "-2+3+cmd|' /C calc'!A0" is a formula to Excel and LibreOffice although it starts with a digit
    after the sign, so no exception is made for signs followed by digits.
    """
    if isinstance(value, str) and value and value[0] in "=+-@\t\r":
        return "'" + value
    return value


def _csv_cell(index: int, value: object) -> str:
    if index == PHONES_COLUMN or not isinstance(value, str):
        return _text(value)  # numbers, dates and stored phone numbers: written by kbase, not typed text
    return str(safe_cell(value))


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return in_reader_zone(value).strftime("%Y-%m-%d %H:%M")  # the exporting person's clock
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


@contextmanager
def private_file(target: Path, mode: str = "w", **options) -> Iterator:
    """Write *target* atomically with mode 0600, even over an existing file of another mode.

    The text goes to a new 0600 file beside the target, which replaces the target only once it
    is complete: a reader never sees half a file, a failed export leaves the old file alone, and
    a file that was 0644 does not stay readable by others after it is overwritten.
    """
    fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, mode, **options) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def export_to_folder(
    db: Database,
    actor: Actor,
    folder: Path,
    *,
    fmt: str = "csv",
    flt: ExportFilter | None = None,
) -> ExportReport:
    """An export named by the server (what, when, who) in *folder*: the app never names a path.

    The report's `path` is the file's name in that folder, which is what the head of sales
    collects (docs/deploy-ssh.md).
    """
    fmt = (fmt or "csv").lower()
    if fmt not in FORMATS:
        raise ValidationFailed(_("Export to CSV or XLSX."))
    stamp = utcnow().strftime("%Y%m%d-%H%M%S")
    who = "".join(ch for ch in actor.username if ch.isalnum() or ch in "-_")[:32] or "user"
    target = folder / f"companies-{stamp}-{who}.{fmt}"
    report = export_companies(db, actor, target, fmt=fmt, flt=flt)
    return ExportReport(path=target.name, format=report.format, rows=report.rows)


def export_companies(
    db: Database,
    actor: Actor,
    path: str | os.PathLike[str],
    *,
    fmt: str | None = None,
    flt: ExportFilter | None = None,
    progress: Callable[[int], None] | None = None,
) -> ExportReport:
    """Write the companies matching *flt* to *path* (CSV with ';' for Excel in Russia, or XLSX)."""
    flt = flt or ExportFilter()
    target = Path(path).expanduser()
    fmt = (fmt or target.suffix.lstrip(".") or "csv").lower()
    if fmt not in FORMATS:
        raise ValidationFailed(_("Export to CSV or XLSX."))
    if not target.parent.is_dir():
        raise ValidationFailed(_("The folder does not exist: {path}").format(path=str(target.parent)))
    with db.read() as session:
        require_active_user(session, actor)
        require(actor, Capability.EXPORT)
    headers = [label for _key, label in columns()]
    count = 0
    with db.read() as session:
        rows = _rows(session, flt)
        if fmt == "csv":
            with private_file(target, "w", encoding="utf-8-sig", newline="") as handle:
                writer = csv.writer(handle, delimiter=";")
                writer.writerow(headers)
                for row in rows:
                    writer.writerow([_csv_cell(index, v) for index, v in enumerate(row)])
                    count += 1
                    if progress and count % CHUNK == 0:
                        progress(count)
        else:
            import openpyxl
            from openpyxl.cell import WriteOnlyCell

            book = openpyxl.Workbook(write_only=True)
            sheet = book.create_sheet(_("Companies"))
            sheet.append(headers)
            for row in rows:
                cells = []
                for value in row:
                    if isinstance(value, datetime):
                        value = in_reader_zone(value).replace(tzinfo=None)
                    elif isinstance(value, Decimal):
                        value = float(value)
                    elif value is not None and not isinstance(value, (int, float, date)):
                        value = str(value)
                    cell = WriteOnlyCell(sheet, value=value)
                    if isinstance(value, str):
                        cell.data_type = "s"  # never a formula, whatever the text begins with
                    cells.append(cell)
                sheet.append(cells)
                count += 1
                if progress and count % CHUNK == 0:
                    progress(count)
            with private_file(target, "wb") as handle:
                book.save(handle)
    with db.write() as session:
        audit.record(
            session, actor, "export", "company", None, format=fmt, rows=count, file=target.name, filter=flt.describe()
        )
    if progress:
        progress(count)
    return ExportReport(path=str(target), format=fmt, rows=count)
