"""`kbase classify`: the lost check over all accounts, then ABCDE classes per channel and key clients.

Run it nightly (cron) or after an import; orders recorded in the app keep the classes current
on their own.  Audited as the server's owner (`local:<OS user>`).
"""

from __future__ import annotations

import argparse

from kbase_tui.cli.argtypes import day
from kbase_tui.i18n import _


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "classify",
        help=_("move silent clients to lost, recompute ABCDE classes and key clients"),
        description=_(
            "Moves every active client with no order for accounts.lost_interval_multiple times its usual interval "
            "to lost (with a return task), then recomputes the ABCDE class of every account per channel and the "
            "key clients (the top clients making 80% of revenue)."
        ),
    )
    parser.add_argument(
        "--today", type=day, default=None, metavar="YYYY-MM-DD", help=_("the date to check against (default: today)")
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from kbase_tui.services import users
    from kbase_tui.services.accounts.supervisor import classify_all
    from kbase_tui.services.setup import open_existing_database

    database = open_existing_database(args.db)
    report = classify_all(database, users.local_actor(), today=args.today)
    counts = report.counts
    print(_("Moved to lost: {n}").format(n=report.moved_to_lost))
    print(
        _("Accounts classified: {n} in {channels} channel(s); classes changed: {changed}").format(
            n=counts.companies, channels=counts.channels, changed=counts.classes_changed
        )
    )
    print(_("Key clients: {n} (flags changed: {changed})").format(n=counts.key_clients, changed=counts.keys_changed))
    return 0
