"""`kbase import FILE`: load potential clients from CSV or XLSX into the cold queue."""

from __future__ import annotations

import argparse
from pathlib import Path

from kbase_tui.cli.argtypes import existing_file, positive_int
from kbase_tui.i18n import _


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("import", help=_("import companies from CSV or XLSX into the cold-call queue"))
    parser.add_argument("file", type=existing_file, help=_("CSV (UTF-8 or Windows-1251, ; or ,) or XLSX file"))
    parser.add_argument("--batch", type=positive_int, default=2000, help=_("rows per committed batch (default 2000)"))
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
    from rich.table import Table
    from rich.text import Text

    from kbase_tui.services import importer, users
    from kbase_tui.services.setup import open_existing_database

    database = open_existing_database(args.db)
    console = Console(stderr=True)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=console, transient=True) as progress:
        task = progress.add_task(_("Importing"), total=None)

        def on_progress(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        report = importer.run_import(database, users.local_actor(), args.file, batch_size=args.batch,
                                     progress=on_progress)
    out = Console()
    table = Table(title=Text(_("Import of {file}").format(file=Path(report.path).name)), show_header=False)
    table.add_row(_("Format"), Text(f"{report.kind} {report.encoding} {report.delimiter!r}" if report.kind == "csv" else report.kind))
    table.add_row(_("Rows read"), f"{report.rows:,}".replace(",", " "))
    table.add_row(_("New companies"), str(report.imported))
    table.add_row(_("Merged into existing"), str(report.merged))
    table.add_row(_("Already in the base"), str(report.unchanged))
    table.add_row(_("Rejected"), str(report.rejected))
    table.add_row(_("Time"), f"{report.seconds:.1f} s ({report.rows_per_second:,.0f} rows/s)")
    out.print(table)
    if report.rejected:
        rejects = Table(title=_("Rejected rows (first 20)"))
        rejects.add_column(_("Line"), justify="right")
        rejects.add_column(_("Reason"))
        for item in report.rejects[:20]:
            rejects.add_row(str(item.line), Text(item.reason))
        out.print(rejects)
        out.print(Text(_("All rejected rows: {path}").format(path=report.rejects_path)))
    return 0 if report.rows or not report.rejected else 1
