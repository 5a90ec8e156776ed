"""Running an import or its preview for a person, and the report's file."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable
from pathlib import Path

from kbase_tui.i18n import _
from kbase_tui.phones import readable
from kbase_tui.protocol.importer import (
    ColumnMapping,
    ImportPreview,
    ImportReport,
    PreviewRow,
)
from kbase_tui.textnorm import clean_line

from ..db import Database
from ..dto import Actor
from ..errors import ValidationFailed
from ..policy import Capability, require, require_active_user
from .headers import FIELDS, MULTI_COLUMN
from .importer import _CITY, _EMAIL, BATCH_SIZE, PREVIEW_ROWS, Importer, ProgressCallback, _extra, _label
from .sources import open_source, read_header


def run_import(
    db: Database,
    actor: Actor,
    path: str | os.PathLike[str],
    *,
    batch_size: int = BATCH_SIZE,
    progress: ProgressCallback | None = None,
    should_stop: Callable[[], bool] | None = None,
    parallel: bool | None = None,
    report_path: Path | None = None,
    columns: dict[str, list[int]] | None = None,
    name: str | None = None,
) -> ImportReport:
    """Import *path* (CSV or XLSX) into the cold queue; see the module's docstring.

    *report_path*: where the report of rejected rows, possible duplicates, kept values and rows for research
    goes (default: a new file in the exports folder, never beside the input).  *columns*: the person's own
    mapping (field -> column indexes) instead of the one read from the headers.  *name*: the file's name for the
    history and the report (default: the path's).  *parallel*: read and parse the
    file in a second process (None: when the file is large and there are two cores; the result is the same
    either way)."""
    require_importer(db, actor)
    importer = Importer(
        db,
        actor,
        Path(path),
        batch_size=batch_size,
        progress=progress,
        should_stop=should_stop,
        parallel=parallel,
        report_path=report_path,
        columns=_checked_columns(columns),
        name=name,
    )
    return importer.run()


def preview(
    db: Database, actor: Actor, path: str | os.PathLike[str], *, columns: dict[str, list[int]] | None = None
) -> ImportPreview:
    """What importing *path* would do, with nothing written: the detected format, the column mapping, the first
    rows as they would be stored and the counts (of the first PREVIEW_ROWS rows)."""
    require_importer(db, actor)
    path = Path(path)
    info, source = open_source(path)
    found, headers, _rest = read_header(source)
    close = getattr(source, "close", None)
    if close is not None:
        close()
    columns = _checked_columns(columns) or found
    importer = Importer(
        db,
        actor,
        path,
        batch_size=PREVIEW_ROWS,
        dry_run=True,
        columns=columns,
        should_stop=lambda: True,
        parallel=False,
    )
    report = importer.run()
    by_index = {index: name for name, indexes in columns.items() for index in indexes}
    mapping = tuple(
        ColumnMapping(index=i, header=clean_line(h, 80), field=by_index.get(i, "")) for i, h in enumerate(headers)
    )
    return ImportPreview(
        file=path.name,
        kind=info.kind,
        encoding=info.encoding,
        delimiter=info.delimiter,
        columns=mapping,
        rows=tuple(_shown(importer, item) for item in importer.shown),
        report=report,
        partial=report.rows >= PREVIEW_ROWS,
        fields=FIELDS,
    )


def _shown(importer: Importer, item: tuple) -> PreviewRow:
    line, row, outcome, other = item
    if row is None:
        reason, name = other  # a rejected row: why, and the company's name when the row had one
        return PreviewRow(
            line=line,
            name=name,
            inn="",
            phones=(),
            contact="",
            email="",
            city="",
            outcome=_("rejected: {reason}").format(reason=reason),
        )
    exts = _extra(row, "exts", {})
    phones = tuple(readable(n) + (" " + _label(exts[n]) if n in exts else "") for n in row.phones + row.contact_phones)
    if outcome == "merged":
        text = _("merged into #{id}").format(id=other)
    elif outcome == "merged_line":
        text = _("merged into line {line}").format(line=other)
    elif other is not None:
        text = _("new; possible duplicate (phone {phone})").format(phone=readable(other[1]))
    elif not row.phones and not row.contact_phones:
        text = _("new; no phone: for research, not the queue")
    else:
        text = _("new")
    return PreviewRow(
        line=line,
        name=row.name,
        inn=row.inn or "",
        phones=phones,
        contact=row.contact,
        email=row.fields[_EMAIL],
        city=row.fields[_CITY],
        outcome=text,
    )


def _checked_columns(columns: dict[str, list[int]] | None) -> dict[str, list[int]] | None:
    """A mapping a person chose: known fields, column numbers in range, the company name among them."""
    if not columns:
        return None
    clean: dict[str, list[int]] = {}
    for name, indexes in columns.items():
        if name not in FIELDS:
            raise ValidationFailed(_("Unknown field: {name}").format(name=str(name)[:40]))
        wanted = [i for i in indexes if isinstance(i, int) and 0 <= i < 10_000]
        if wanted:
            clean[name] = wanted if name in MULTI_COLUMN else wanted[:1]
    if "name" not in clean:
        raise ValidationFailed(_("Choose the column with the company name."))
    return clean


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
