"""`kbase report NAME [--from DATE --to DATE]`: a report as Rich tables, for mail or cron."""

from __future__ import annotations

import argparse
from datetime import date

from kbase_tui.cli.argtypes import day
from kbase_tui.formatting import format_cell
from kbase_tui.i18n import _

NAMES = ["funnel", "operators", "refusals", "clients", "abcde", "targets", "lost"]


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("report", help=_("print a report (default period: the current week)"))
    parser.add_argument("name", choices=NAMES)
    parser.add_argument("--from", dest="date_from", type=day, help=_("first day (default: this Monday)"))
    parser.add_argument("--to", dest="date_to", type=day, help=_("last day (default: this Sunday)"))
    parser.add_argument(
        "--csv",
        action="store_true",
        help=_("print the rows as CSV (a header line, then one line a row) for a spreadsheet"),
    )
    parser.set_defaults(func=run)


def format_value(value: object) -> str:
    """A cell in the reader's language (ru "51,5", "1 234,50"), as the report screen shows it."""
    return format_cell(value)


def csv_value(value: object) -> str:
    """A cell for a spreadsheet to read back: no thousands separator, a dot before decimals, ISO dates,
    in either language (a program reading the CSV should not have to know the sender's language)."""
    from decimal import Decimal

    if value is None:
        return ""
    if isinstance(value, Decimal):
        return str(value.quantize(Decimal("0.01")))
    if isinstance(value, float):
        return f"{value:.1f}"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def run(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from kbase_tui.services import reports, users
    from kbase_tui.services.setup import open_existing_database

    if args.date_from and args.date_to and args.date_from > args.date_to:
        raise SystemExit(
            _("kbase report: --from {start} is after --to {end}.").format(
                start=f"{args.date_from:%d.%m.%Y}", end=f"{args.date_to:%d.%m.%Y}"
            )
        )
    database = open_existing_database(args.db)
    report = reports.run(database, users.local_actor(), args.name, args.date_from, args.date_to)
    if getattr(args, "csv", False):
        import csv
        import sys

        writer = csv.writer(sys.stdout)
        writer.writerow(report.columns)
        writer.writerows([csv_value(v) for v in row] for row in report.rows)
        return 0
    title = f"{report.title}: {report.date_from:%d.%m.%Y} – {report.date_to:%d.%m.%Y}"
    table = Table(title=Text(title))
    for index, column in enumerate(report.columns):
        numeric = any(
            (isinstance(row[index], (int, float)) and not isinstance(row[index], bool))
            or type(row[index]).__name__ == "Decimal"
            for row in report.rows
        )
        table.add_column(column, justify="right" if numeric else "left")
    for row in report.rows:
        table.add_row(*(Text(format_value(v)) for v in row))
    # Into a pipe or a file the table keeps its natural width: Rich would otherwise cut it at 80 columns.
    console = Console() if Console().is_terminal else Console(width=10_000)
    console.print(table)
    for note in report.notes:
        console.print(Text(note))
    return 0
