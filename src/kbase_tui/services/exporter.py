"""Export companies to CSV or XLSX: supervisors and the local CLI only, every export audited.

The file is written with mode 0600 (it holds client data), streamed in
chunks so a million companies never sit in memory, and cells that a
spreadsheet would run as a formula are neutralised.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Callable, Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from kbase_tui.i18n import _
from kbase_tui.models import Company, Phone, User

from . import audit
from .db import Database
from .dto import Actor
from .errors import ValidationFailed
from .policy import Capability, require, require_active_user

CHUNK = 2000
FORMATS = ("csv", "xlsx")


@dataclass(frozen=True)
class ExportFilter:
    stage: str | None = None  # cold | pipeline | account
    category: str | None = None  # potential | active | lost | refused | do_not_call
    channel: str | None = None
    industry: str | None = None
    city: str | None = None
    owner_id: int | None = None
    abcde_class: str | None = None

    def describe(self) -> dict[str, object]:
        return {k: v for k, v in self.__dict__.items() if v not in (None, "")}


@dataclass(frozen=True)
class ExportReport:
    path: str
    format: str
    rows: int


def columns() -> list[tuple[str, str]]:
    return [
        ("id", _("Id")), ("name", _("Company")), ("inn", _("INN")), ("phones", _("Phones")), ("city", _("City")),
        ("industry", _("Industry")), ("channel", _("Channel")), ("category", _("Category")), ("stage", _("Stage")),
        ("owner", _("Owner")), ("abcde_class", _("ABCDE")), ("email", _("E-mail")), ("website", _("Website")),
        ("address", _("Address")), ("orders_count", _("Orders")), ("revenue_total", _("Revenue")),
        ("last_order_at", _("Last order")), ("created_at", _("Created")),
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
                company.id, company.name, company.inn or "", ", ".join(numbers.get(company.id, [])), company.city,
                company.industry, company.channel, company.category, company.stage, full or login or "",
                company.abcde_class, company.email, company.website, company.address, company.orders_count,
                company.revenue_total, company.last_order_at, company.created_at,
            ]
        last_id = ids[-1]
        session.expunge_all()


def safe_cell(value: object) -> object:
    """Neutralise text a spreadsheet would run as a formula (CSV/formula injection)."""
    if isinstance(value, str) and value:
        first = value[0]
        if first in "=@\t\r" or (first in "+-" and not value[1:2].isdigit()):
            return "'" + value
    return value


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone().strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _open_private(path: Path):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    return os.fdopen(fd, "w", encoding="utf-8-sig", newline="")


def export_companies(
    db: Database, actor: Actor, path: str | os.PathLike[str], *, fmt: str | None = None,
    flt: ExportFilter | None = None, progress: Callable[[int], None] | None = None,
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
            with _open_private(target) as handle:
                writer = csv.writer(handle, delimiter=";")
                writer.writerow(headers)
                for row in rows:
                    writer.writerow([safe_cell(_text(v)) for v in row])
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
                        value = value.astimezone().replace(tzinfo=None)
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
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as handle:
                book.save(handle)
    with db.write() as session:
        audit.record(session, actor, "export", "company", None, format=fmt, rows=count, file=target.name,
                     filter=flt.describe())
    if progress:
        progress(count)
    return ExportReport(path=str(target), format=fmt, rows=count)
