"""`kbase db copy --from FILE --to URL`: move a SQLite database into an empty PostgreSQL one.

Imported at every `kbase` start to register the sub-command: nothing heavy at
module level (the app must paint before SQLAlchemy is imported).
"""

from __future__ import annotations

import argparse
import sys

from kbase_tui.cli.argtypes import existing_file, positive_int
from kbase_tui.i18n import _


def register(sub: argparse._SubParsersAction) -> None:
    db = sub.add_parser("db", help=_("database maintenance: copy SQLite into PostgreSQL"))
    db_sub = db.add_subparsers(dest="db_command", required=True)
    copy = db_sub.add_parser(
        "copy",
        help=_("copy every table of a SQLite database into an empty PostgreSQL database"),
        description=_(
            "Copies every table of a SQLite kbase database into an empty PostgreSQL database, keeping the ids, "
            "then checks the row counts and resets the sequences. Stop the app on the SQLite file first."
        ),
    )
    copy.add_argument(
        "--from",
        dest="source",
        required=True,
        type=existing_file,
        metavar="SQLITE_FILE",
        help=_("the SQLite database file"),
    )
    copy.add_argument(
        "--to",
        dest="target",
        required=True,
        metavar="URL",
        help=_("the PostgreSQL database, e.g. postgresql+psycopg://kbase@127.0.0.1/kbase"),
    )
    copy.add_argument("--batch", type=positive_int, default=5000, help=_("rows per batch (default 5000)"))
    copy.add_argument("--quiet", "-q", action="store_true", help=_("print only the summary"))
    copy.set_defaults(func=cmd_db)


def cmd_db(args: argparse.Namespace) -> int:
    from kbase_tui.services import dbcopy
    from kbase_tui.services.setup import check_database_url, check_sqlite_file, connect_checked

    # Both ends checked first, each refused in one sentence: the source a kbase SQLite file, the target a
    # PostgreSQL database that answers (its tables are made by the copy when it has none).
    check_sqlite_file(args.source.resolve(), must_exist=True, option="--from")
    connect_checked(f"sqlite:///{args.source.resolve()}", must_exist=True).dispose()
    target = check_database_url(args.target)
    if not target.startswith("postgresql"):
        raise dbcopy.CopyRefused(_("The target must be a PostgreSQL URL (postgresql+psycopg://user@host/database)."))
    connect_checked(target, must_exist=False).dispose()

    last: dict[str, int] = {}

    def progress(table: str, done: int, total: int) -> None:
        if args.quiet or not sys.stderr.isatty():
            return
        if done == total or done - last.get(table, 0) >= 50_000:
            last[table] = done
            print(_("  {table}: {done:,} / {total:,}").format(table=table, done=done, total=total), file=sys.stderr)

    report = dbcopy.copy_sqlite_to_postgresql(str(args.source), target, batch_rows=args.batch, progress=progress)
    if not args.quiet:
        for table in report.tables:
            print(f"  {table.name:<20} {table.rows:>12,}")
        if report.replaced_defaults:
            print(
                _("Shipped defaults in the target replaced by the source's: {tables}").format(
                    tables=", ".join(report.replaced_defaults)
                )
            )
    print(
        _(
            "Copied {rows:,} rows in {tables} tables in {seconds:.1f} s; row counts match; sequences reset; "
            "tables analysed."
        ).format(rows=report.rows, tables=len(report.tables), seconds=report.seconds)
    )
    print(_("Now run kbase with --db {url}").format(url=report.target))
    return 0
