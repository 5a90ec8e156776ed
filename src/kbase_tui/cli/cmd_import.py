"""`kbase import FILE`: load potential clients from CSV or XLSX into the cold queue (`--dry-run`: only show what
it would do)."""

from __future__ import annotations

import argparse
from pathlib import Path

from kbase_tui.cli.argtypes import existing_file, positive_int
from kbase_tui.i18n import _


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("import", help=_("import companies from CSV or XLSX into the cold-call queue"))
    parser.add_argument(
        "file",
        nargs="?",
        type=existing_file,
        help=_("CSV or text (UTF-8, UTF-16, Windows-1251, KOI8-R, cp866; tab, ; or ,) or XLSX"),
    )
    parser.add_argument("--batch", type=positive_int, default=2000, help=_("rows per committed batch (default 2000)"))
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help=_("show the format, the columns, the first rows and the counts; write nothing"),
    )
    parser.add_argument("--runs", action="store_true", help=_("list the latest imports (to undo one)"))
    parser.add_argument(
        "--undo",
        type=positive_int,
        metavar="RUN",
        help=_("undo import RUN: its untouched companies are deleted, its additions removed"),
    )
    parser.set_defaults(func=run)


def _report_table(report, title: str):
    from rich.table import Table
    from rich.text import Text

    table = Table(title=Text(title), show_header=False)
    table.add_row(
        _("Format"),
        Text(f"{report.kind} {report.encoding} {report.delimiter!r}" if report.kind == "csv" else report.kind),
    )
    table.add_row(_("Rows read"), f"{report.rows:,}".replace(",", " "))
    table.add_row(_("New companies"), str(report.imported))
    table.add_row(_("Merged into existing"), str(report.merged))
    table.add_row(_("Already in the base"), str(report.unchanged))
    table.add_row(_("Possible duplicates"), str(report.possible_duplicates))
    table.add_row(_("Values kept (the file differs)"), str(report.conflicts))
    table.add_row(_("Without a phone (for research)"), str(report.needs_research))
    table.add_row(_("Rejected"), str(report.rejected))
    return table


def run(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
    from rich.table import Table
    from rich.text import Text

    from kbase_tui.protocol.importer import run_headings
    from kbase_tui.services import importing, users
    from kbase_tui.services.setup import open_existing_database

    database = open_existing_database(args.db)
    out = Console()
    if args.runs:
        runs = Table(title=_("Latest imports"))
        for heading in (_("Run"), *run_headings()):
            runs.add_column(heading)
        for item in importing.recent_runs(database, users.local_actor()):
            runs.add_row(
                str(item.id),
                f"{item.started_at:%Y-%m-%d %H:%M}",
                Text(item.file),
                Text(item.actor),
                str(item.rows),
                str(item.imported),
                str(item.merged),
                f"{item.undone_at:%Y-%m-%d %H:%M}" if item.undone_at else "",
            )
        out.print(runs)
        return 0
    if args.undo is not None:
        undone = importing.undo_import(database, users.local_actor(), args.undo)
        out.print(
            Text(
                _(
                    "Import {run} undone: {removed} companies deleted, {kept} kept (worked on since), {fields} "
                    "fields emptied, {phones} phones and {contacts} contact persons removed from other "
                    "companies."
                ).format(
                    run=undone.run_id,
                    removed=undone.removed,
                    kept=undone.kept,
                    fields=undone.fields_cleared,
                    phones=undone.phones_removed,
                    contacts=undone.contacts_removed,
                )
            )
        )
        return 0
    if not args.file:
        from kbase_tui.services.errors import ValidationFailed

        raise ValidationFailed(_("Name the file to import (or use --runs or --undo RUN)."))
    if args.dry_run:
        preview = importing.preview(database, users.local_actor(), args.file)
        report = preview.report
        title = _("Preview of {file} (nothing written)").format(file=preview.file)
        if preview.partial:
            title += " " + _("— counts of the first {n} rows").format(n=report.rows)
        out.print(_report_table(report, title))
        columns = Table(title=_("Columns"))
        columns.add_column(_("Column"))
        columns.add_column(_("Imported as"))
        for column in preview.columns:
            columns.add_row(Text(column.header), Text(column.field or _("(not imported)")))
        out.print(columns)
        rows = Table(title=_("First rows as they will be stored"))
        for heading in (
            _("Line"),
            _("Company"),
            _("INN"),
            _("Phones"),
            _("Contact"),
            _("E-mail"),
            _("City"),
            _("Outcome"),
        ):
            rows.add_column(heading)
        for row in preview.rows:
            rows.add_row(
                str(row.line),
                Text(row.name),
                Text(row.inn),
                Text(", ".join(row.phones)),
                Text(row.contact),
                Text(row.email),
                Text(row.city),
                Text(row.outcome),
            )
        out.print(rows)
        _print_notes(out, report)
        return 0
    console = Console(stderr=True)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task(_("Importing"), total=None)

        def on_progress(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        report = importing.run_import(
            database, users.local_actor(), args.file, batch_size=args.batch, progress=on_progress
        )
    table = _report_table(report, _("Import of {file}").format(file=Path(report.path).name))
    table.add_row(_("Time"), f"{report.seconds:.1f} s ({report.rows_per_second:,.0f} rows/s)")
    out.print(table)
    _print_notes(out, report)
    if report.report_path:
        out.print(
            Text(
                _("The report (rejected rows, possible duplicates, kept values): {path}").format(
                    path=report.report_path
                )
            )
        )
    return 0 if report.rows or not report.rejected else 1


def _print_notes(out, report) -> None:
    from rich.table import Table
    from rich.text import Text

    from kbase_tui.protocol.importer import NOTE_KINDS, rejected_detail

    items = [(r.line, str(_(NOTE_KINDS["rejected"])), rejected_detail(r)) for r in report.rejects[:20]]
    items += [(n.line, str(_(NOTE_KINDS[n.kind])), n.text) for n in report.notes[:20]]
    if not items:
        return
    table = Table(title=_("To look at (first 20 of each)"))
    table.add_column(_("Line"), justify="right")
    table.add_column(_("What"))
    table.add_column(_("Detail"))
    for line, kind, text in sorted(items, key=lambda item: item[0]):
        table.add_row(str(line), Text(kind), Text(text))
    out.print(table)
