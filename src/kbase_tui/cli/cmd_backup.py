"""`kbase backup [DIR] [--keep N]`, `kbase backup --verify FILE`, `kbase restore FILE [--force]`."""

from __future__ import annotations

import argparse
import sys

from kbase_tui.cli.argtypes import existing_dir, existing_file, positive_int
from kbase_tui.i18n import _


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("backup", help=_("encrypted online backup of the SQLite database (or --verify FILE)"))
    parser.add_argument(
        "dir", nargs="?", type=existing_dir, help=_("folder for the backups (default: the data folder's backups/)")
    )
    parser.add_argument(
        "--keep", type=positive_int, default=14, help=_("keep the newest N backups in the folder (default 14)")
    )
    parser.add_argument(
        "--verify",
        metavar="FILE",
        type=existing_file,
        help=_("decrypt FILE and check its integrity; nothing is written"),
    )
    parser.set_defaults(func=run_backup)
    restore = sub.add_parser("restore", help=_("replace the database with a backup (refused while it is in use)"))
    restore.add_argument("file", type=existing_file)
    restore.add_argument("--force", action="store_true", help=_("restore even if other programs have it open"))
    restore.set_defaults(func=run_restore)


def _url(args) -> str:
    from kbase_tui.services.setup import check_database_url

    return check_database_url(args.db)


def _record(url: str, action: str, **detail) -> None:
    from kbase_tui.services import audit, users
    from kbase_tui.services.setup import open_existing_database

    database = open_existing_database(url)
    try:
        with database.write() as session:
            audit.record(session, users.local_actor(), action, **detail)
    finally:
        database.dispose()


def run_backup(args: argparse.Namespace) -> int:
    from kbase_tui.services import backup
    from kbase_tui.services.setup import open_existing_database

    if args.verify:
        info = backup.verify_backup(args.verify)
        print(
            _("{path}: decrypted and intact ({tables} tables, {rows} rows, made {created}).").format(
                path=info.path, tables=info.tables, rows=info.rows, created=info.created
            )
        )
        return 0
    url = _url(args)
    backup.sqlite_path_of(url)  # PostgreSQL: pg_dump, said before anything is opened
    open_existing_database(url).dispose()  # a SQLite file that is kbase's, not a typo
    info = backup.make_backup(url, args.dir, keep=args.keep)
    _record(url, "backup_made", file=info.path.name, rows=info.rows)
    print(
        _("Backup written: {path} ({size} bytes, {tables} tables, {rows} rows).").format(
            path=info.path, size=info.size, tables=info.tables, rows=info.rows
        )
    )
    for old in info.removed:
        print(_("Removed old backup {path}").format(path=old))
    location = backup.key_location()
    print(
        _(
            "Backup key: {kind} ({where}). Keep a copy of it away from this machine: without it the backups "
            "cannot be read."
        ).format(kind=location.kind, where=location.where)
    )
    return 0


def run_restore(args: argparse.Namespace) -> int:
    from pathlib import Path

    from kbase_tui.services import backup

    url = _url(args)
    try:
        info = backup.restore(Path(args.file), url, force=args.force)
    except backup.DatabaseInUse as error:
        print(_("Error: {message}").format(message=error), file=sys.stderr)
        return 3
    _record(url, "restored", file=Path(args.file).name, forced=bool(args.force))
    print(
        _("Restored {path} from {file} ({tables} tables, {rows} rows).").format(
            path=info.path, file=args.file, tables=info.tables, rows=info.rows
        )
    )
    return 0
