"""`kbase audit verify` and `kbase audit show`: the server owner's view of the audit chain."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime, timedelta

from kbase_tui.cli.argtypes import positive_int
from kbase_tui.i18n import _


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("audit", help=_("verify or print the tamper-evident audit log"))
    audit_sub = parser.add_subparsers(dest="audit_command", required=True)
    verify = audit_sub.add_parser(
        "verify",
        help=_(
            "check every event's signature, the links and the epochs' seals; exit 1 on any problem, "
            "2 when past epochs were not proven (no seed)"
        ),
    )
    verify.add_argument(
        "--seed",
        metavar="SEED",
        help=_(
            "the seed `kbase init` printed; '-' reads it from the terminal or standard input "
            "(not shown, not kept in the shell's history)"
        ),
    )
    verify.add_argument(
        "--expect-head",
        metavar="EVENT:HMAC",
        action="append",
        default=[],
        help=_(
            "a head kept outside the server (a backup, a weekly report, the system log): the "
            "log must still hold that event"
        ),
    )
    verify.set_defaults(func=run_verify)
    show = audit_sub.add_parser("show", help=_("print events, newest first"))
    show.add_argument("--user", help=_("only this user name"))
    show.add_argument("--client", help=_("only this company: its id, INN or part of its name"))
    show.add_argument("--since", help=_("from this date (dd.mm.yyyy) or this many days back (7d)"))
    show.add_argument("--action", help=_("only this action code (card_opened, login_failed ...)"))
    show.add_argument("--limit", type=positive_int, default=200, help=_("at most this many events (default 200)"))
    show.set_defaults(func=run_show)


def parse_since(text: str | None) -> datetime | None:
    if not text:
        return None
    raw = text.strip().lower()
    if raw.endswith("d") and raw[:-1].isdigit():
        return datetime.now(UTC) - timedelta(days=int(raw[:-1]))
    from kbase_tui.formatting import parse_date

    try:
        day = parse_date(raw)
    except ValueError as error:
        raise SystemExit(str(error)) from None
    from kbase_tui.timezones import centre_zone

    # The call centre's midnight (the default zone of the CLI's reader), never the shell's TZ.
    return datetime(day.year, day.month, day.day, tzinfo=centre_zone()).astimezone(UTC)


def _console():
    from rich.console import Console

    # Piped into a file or grep: wide lines rather than folded cells.
    return Console(highlight=False, width=None if sys.stdout.isatty() else 200)


def _read_seed(text: str) -> bytes:
    from kbase_tui.services import audit

    if text == "-":
        if sys.stdin.isatty():
            import getpass

            text = getpass.getpass(_("Audit seed: "))
        else:
            text = sys.stdin.readline()
    try:
        return audit.parse_seed(text)
    except ValueError as error:
        raise SystemExit(str(error)) from None


def run_verify(args: argparse.Namespace) -> int:
    from rich.text import Text

    from kbase_tui.services import audit
    from kbase_tui.services.db import database_url
    from kbase_tui.services.setup import DatabaseMissing, open_existing_database

    seed = _read_seed(args.seed) if args.seed else None
    try:
        expect = tuple(audit.parse_head_line(text) for text in args.expect_head)
    except ValueError as error:
        raise SystemExit(str(error)) from None
    try:  # a mistyped path is an error, never an empty log that "verifies"
        database = open_existing_database(database_url(args.db))
    except DatabaseMissing as error:
        raise SystemExit(str(error)) from None
    result = audit.verify(database, seed, expect_heads=expect)
    console = _console()
    console.print(Text(_("Audit key: {kind} ({where})").format(kind=result.key_kind, where=result.key_where or "—")))
    for note in result.notes:
        console.print(Text(note, style="yellow"))
    if not result.ok:
        console.print(
            Text(
                _("{n} events checked: {p} problem(s).").format(n=result.checked, p=len(result.problems)),
                style="bold red",
            )
        )
        for problem in result.problems:
            console.print(Text(_("event {id}: {problem}").format(id=problem.event_id, problem=problem.problem)))
        return 1
    if result.proven and not result.seed_used:
        console.print(
            Text(
                _(
                    "{n} events checked: the chain is intact; every event is of the current epoch, checked "
                    "with the key store's key. Last event {id}, HMAC {hmac}"
                ).format(n=result.checked, id=result.last_event_id, hmac=result.last_hmac[:16])
            )
        )
        return 0
    if result.proven:
        console.print(
            Text(
                _(
                    "{n} events in {e} epoch(s) checked with the seed: the chain is intact. Last event {id}, "
                    "HMAC {hmac}"
                ).format(n=result.checked, e=result.epochs, id=result.last_event_id, hmac=result.last_hmac[:16])
            )
        )
        return 0
    console.print(
        Text(
            _(
                "{n} events checked: links and seals hold, but {u} signature(s) of past epochs were not "
                "proven. Give the seed: kbase audit verify --seed -"
            ).format(n=result.checked, u=result.unproven),
            style="yellow",
        )
    )
    return 2


def show_new_seed(database, *, any_database: bool = False) -> None:
    """`kbase init`: print the audit seed once, when this run began the sealed chain.

    *any_database*: also move a chain from before sealing on to sealing (an upgraded database).
    """
    from kbase_tui.services import audit

    seed = database.audit_seed
    database.audit_seed = None  # shown once
    if seed is None and any_database:
        with database.write() as session:
            seed = audit.begin_sealing(session, any_database=True)
    if seed is None:
        return
    written = audit.format_seed(seed)
    print()
    print(
        _(
            "Audit seed. Write it down (or photograph the QR code) and keep it offline, away from this "
            "server: it is shown only this once, and it alone proves that nobody, not even this server's "
            "account, rewrote the audit log."
        )
    )
    print()
    print("    " + written)
    print()
    if sys.stdout.isatty():
        try:
            import segno

            segno.make(written.upper(), error="m").terminal(compact=True)
        except Exception:  # the text above is the seed; the picture is a convenience
            pass
    print(_("To check the log: kbase audit verify --seed -"))
    print()


def _company_id(database, actor, text: str) -> int:
    from kbase_tui.services import audit

    if text.strip().isdigit() and len(text.strip()) < 10:
        return int(text.strip())
    matches = audit.find_companies(database, actor, text, limit=20)
    if len(matches) == 1:
        return matches[0].id
    if not matches:
        raise SystemExit(_("No company matches {text}.").format(text=text))
    lines = [_("Several companies match; give the id:")]
    lines += [f"  {m.id:>8}  {m.name}  {m.city}" for m in matches]
    raise SystemExit("\n".join(lines))


def run_show(args: argparse.Namespace) -> int:
    from rich.table import Table
    from rich.text import Text

    from kbase_tui.formatting import format_datetime
    from kbase_tui.labels import client_address_label
    from kbase_tui.protocol.audit_details import detail_text
    from kbase_tui.services import audit, history_labels, users
    from kbase_tui.services.setup import open_existing_database

    database = open_existing_database(args.db)
    actor = users.local_actor()
    company_id = _company_id(database, actor, args.client) if args.client else None
    rows = audit.events(
        database,
        actor,
        user=args.user,
        company_id=company_id,
        since=parse_since(args.since),
        action=args.action,
        limit=args.limit,
    )
    labels = history_labels.outcome_labels(database, actor) if rows else {}
    table = Table(title=_("Audit log"), show_lines=False)
    for column in ("#", _("When"), _("User"), _("Address")):
        table.add_column(column, no_wrap=True)
    for column in (_("Action"), _("Client / record"), _("Details")):
        table.add_column(column, overflow="fold", ratio=1)
    for row in rows:
        target = row.company_name or audit.record_text(row.entity, row.entity_id)
        details = detail_text(row.action, row.detail, labels, row.text_keys)
        # Every value goes in as Text: names from the database are never read as markup.
        table.add_row(
            str(row.id),
            format_datetime(row.at),
            Text(row.actor),
            Text(client_address_label(row.client_address)),
            Text(audit.action_label(row.action)),
            Text(target),
            Text(details if len(details) <= 400 else details[:399] + "…"),
        )
    console = _console()
    console.print(table)
    console.print(Text(_("{n} events shown.").format(n=len(rows))))
    return 0
