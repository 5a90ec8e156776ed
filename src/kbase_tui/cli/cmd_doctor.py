"""`kbase doctor`: permissions, schema, integrity, key store, audit chain, backups, the server's socket and
folders, and what an operators' account can reach; exit 1 on any fail."""

from __future__ import annotations

import argparse
import sys

from kbase_tui.cli.argtypes import existing_dir
from kbase_tui.i18n import _


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("doctor", help=_("check permissions, schema, integrity, keys and the audit chain"))
    parser.add_argument(
        "--backups", metavar="DIR", type=existing_dir, help=_("the backup folder to check (default: data folder)")
    )
    parser.add_argument(
        "--socket", metavar="PATH", help=_("the server's socket (default: {path})").format(path="/run/kbase/kbase.sock")
    )
    parser.add_argument(
        "--exports", metavar="DIR", type=existing_dir, help=_("the exports folder (default: KBASE_EXPORTS_DIR)")
    )
    parser.add_argument(
        "--inbox", metavar="DIR", type=existing_dir, help=_("the inbox folder (default: KBASE_INBOX_DIR)")
    )
    parser.add_argument(
        "--client-user",
        metavar="NAME",
        help=_("the operators' OS account: check that it can reach the socket and read none of the server's files"),
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from kbase_tui.services import doctor
    from kbase_tui.services.setup import check_database_url

    def path(value: str | None) -> Path | None:
        return Path(value) if value else None

    checks = doctor.run(
        check_database_url(args.db),
        backup_dir=path(args.backups),
        socket=path(args.socket),
        exports=path(args.exports),
        inbox=path(args.inbox),
        client_user=args.client_user,
    )
    styles = {doctor.PASS: "green", doctor.WARN: "yellow", doctor.FAIL: "bold red"}
    words = {doctor.PASS: _("PASS"), doctor.WARN: _("WARN"), doctor.FAIL: _("FAIL")}
    table = Table(title=_("kbase doctor"))
    table.add_column(_("Check"), no_wrap=True)
    table.add_column(_("Result"), no_wrap=True)
    table.add_column(_("Details"), overflow="fold", ratio=2)
    table.add_column(_("What to do"), overflow="fold", ratio=1)
    for check in checks:
        table.add_row(
            Text(check.name),
            Text(words[check.status], style=styles[check.status]),
            Text(check.detail),
            Text(check.advice),
        )
    Console(highlight=False, width=None if sys.stdout.isatty() else 160).print(table)
    failed = [c for c in checks if c.status == doctor.FAIL]
    print(_("{n} check(s) failed.").format(n=len(failed)) if failed else _("All checks passed."))
    return 1 if failed else 0
