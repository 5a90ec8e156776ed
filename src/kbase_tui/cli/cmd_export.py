"""`kbase export FILE`: companies of a stage or filter to CSV or XLSX (audited)."""

from __future__ import annotations

import argparse

from kbase_tui.cli.argtypes import new_file
from kbase_tui.i18n import _


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("export", help=_("export companies to CSV or XLSX (audited)"))
    parser.add_argument("file", type=new_file, help=_("output file: .csv or .xlsx"))
    parser.add_argument("--format", choices=["csv", "xlsx"], help=_("default: from the file name"))
    parser.add_argument("--stage", choices=["cold", "pipeline", "account"])
    parser.add_argument("--category", choices=["potential", "active", "lost", "refused", "do_not_call"])
    parser.add_argument("--channel")
    parser.add_argument("--industry")
    parser.add_argument("--city")
    parser.add_argument("--abcde", choices=list("ABCDE"))
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from kbase_tui.services import exporter, users
    from kbase_tui.services.setup import open_existing_database

    database = open_existing_database(args.db)
    flt = exporter.ExportFilter(
        stage=args.stage,
        category=args.category,
        channel=args.channel,
        industry=args.industry,
        city=args.city,
        abcde_class=args.abcde,
    )
    report = exporter.export_companies(database, users.local_actor(), args.file, fmt=args.format, flt=flt)
    print(_("{rows} companies written to {path}").format(rows=report.rows, path=report.path))
    return 0
