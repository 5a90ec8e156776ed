"""`kbase` command line: the app, the demo, and the server owner's administration.

Every administrative action is audited as `local:<OS user>`: whoever can open
the database file already owns the server, and the audit says who it was.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable
from pathlib import Path

from kbase_tui.cli.argtypes import QuietParser
from kbase_tui.i18n import _, set_language


def _read_password(args: argparse.Namespace, prompt: str | None = None) -> str:
    if getattr(args, "password_stdin", False):
        line = sys.stdin.readline()
        if not line:
            raise SystemExit(_("No password on standard input."))
        return line.rstrip("\r\n")
    if not sys.stdin.isatty():
        raise SystemExit(_("No terminal to ask for a password: use --password-stdin."))
    first = getpass.getpass(prompt or _("Password: "))
    second = getpass.getpass(_("Password again: "))
    if first != second:
        raise SystemExit(_("The passwords do not match."))
    return first


def _open(args: argparse.Namespace):
    from kbase_tui.services.setup import open_existing_database

    return open_existing_database(args.db)


def run_app(db: str | None, server: str | None = None) -> int:
    """The terminal app, a client of the server at *server*, or of a private server for *db*.

    Which server: `--server`/KBASE_SERVER; else a private one for `--db`/KBASE_DB; else the shared
    server's socket if this machine has one; else a private one for the default database if it
    exists.  Nothing here opens a database: the app never holds the base.
    """
    import gc

    from kbase_tui import paths

    # Until the login is painted the app does little but import (Textual, its own screens): objects that all
    # live, which the cyclic collector would walk again and again for nothing.  KbaseApp turns it back on
    # after the first paint.
    gc.disable()
    server = server or os.environ.get("KBASE_SERVER") or None
    db = db or os.environ.get("KBASE_DB") or None
    private = None
    if server:
        from kbase_tui.client import ServerAddress

        try:
            address = ServerAddress.parse(server).text
        except ValueError as error:
            print(error, file=sys.stderr)
            return 2
    elif db or not paths.SHARED_SOCKET.exists():
        if db and "://" not in db and not Path(db).expanduser().is_file():
            # The private server would refuse it too, but only into its log: say it here, where it was typed.
            print(
                _(
                    "There is no kbase database at {path}: create it with `kbase init --db {path}` or try `kbase demo`."
                ).format(path=db),
                file=sys.stderr,
            )
            return 1
        if not db and not paths.default_database_path().exists():
            print(
                _(
                    "No kbase server at {socket} and no database at {path}. Start with `kbase demo`, or create a "
                    "database with `kbase init`."
                ).format(socket=paths.SHARED_SOCKET, path=paths.default_database_path()),
                file=sys.stderr,
            )
            return 1
        from kbase_tui.private_server import PrivateServer

        # First, before the app's own imports: the server's start is the longer of the two.
        private = PrivateServer(db or str(paths.default_database_path())).start()
        address = private.address
    else:
        address = f"unix:{paths.SHARED_SOCKET}"
    _no_core_dumps()  # after the server's spawn (which it does not concern): no token is held before sign-in
    from kbase_tui.ui.app import KbaseApp

    app = KbaseApp(address, private=private)
    app.run()
    # An app that ended on an error (Textual has printed it) is not a clean exit: say so to the shell and the wrapper.
    return app.return_code or 0


def _no_core_dumps() -> None:
    """Nobody else running as this account may read this process's memory (its session token).

    An escape into a shell of the operators' account could otherwise attach a debugger to a
    signed-in app or read /proc/PID/mem; a non-dumpable process refuses both (Linux).
    """
    try:
        import ctypes

        PR_SET_DUMPABLE = 4
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def cmd_init(args: argparse.Namespace) -> int:
    from kbase_tui.cli.cmd_audit import show_new_seed
    from kbase_tui.models import Role
    from kbase_tui.services import users
    from kbase_tui.services.setup import create_database

    database = create_database(args.db)  # one of the two commands that may create a database
    print(_("Database ready: {url}").format(url=database.url))
    show_new_seed(database, any_database=True)
    if args.admin:
        password = _read_password(args, _("Password for {name}: ").format(name=args.admin))
        info = users.create_user(
            database,
            users.local_actor(),
            args.admin,
            Role.ADMIN,
            password,
            full_name=args.full_name or "",
            must_change_password=False,
        )
        print(_("Administrator {name} created.").format(name=info.username))
    return 0


def cmd_user(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table

    from kbase_tui.formatting import format_datetime
    from kbase_tui.labels import role_label
    from kbase_tui.services import users

    database = _open(args)
    actor = users.local_actor()
    if args.user_command == "add":
        password = _read_password(args, _("Password for {name}: ").format(name=args.name))
        info = users.create_user(
            database,
            actor,
            args.name,
            args.role,
            password,
            full_name=args.full_name or "",
            must_change_password=not args.no_change,
        )
        print(_("User {name} ({role}) created.").format(name=info.username, role=role_label(info.role)))
    elif args.user_command == "disable":
        users.disable_user(database, actor, args.name)
        print(_("User {name} disabled.").format(name=args.name))
    elif args.user_command == "enable":
        users.enable_user(database, actor, args.name)
        print(_("User {name} enabled.").format(name=args.name))
    elif args.user_command == "reset-password":
        password = _read_password(args, _("New password for {name}: ").format(name=args.name))
        users.reset_password(database, actor, args.name, password)
        print(_("Password of {name} set; it must be changed at the next sign-in.").format(name=args.name))
    elif args.user_command == "zone":
        info = users.set_time_zone(database, actor, args.name, args.zone)
        print(
            _("{name} sees times in {zone} from the next sign-in.").format(
                name=info.username, zone=info.time_zone or _("the call centre's zone")
            )
        )
    elif args.user_command == "list":
        table = Table(title=_("Users"))
        for column in (_("User"), _("Full name"), _("Role"), _("State"), _("Time zone"), _("Last sign-in")):
            table.add_column(column)
        for info in users.list_users(database, actor):
            state = _("disabled") if info.disabled else (_("locked") if info.locked else _("active"))
            if info.must_change_password and not info.disabled:
                state += " · " + _("must change password")
            last = format_datetime(info.last_login_at) if info.last_login_at else "—"
            table.add_row(
                _escape(info.username),
                _escape(info.full_name),
                role_label(info.role),
                state,
                info.time_zone or _("call centre's"),
                last,
            )
        Console().print(table)
    return 0


def _escape(text: str):
    from rich.text import Text

    return Text(text)


def cmd_demo(args: argparse.Namespace) -> int:
    from kbase_tui import paths
    from kbase_tui.services import demo

    path = args.db or os.environ.get("KBASE_DB") or str(paths.demo_database_path())
    database, credentials, created = demo.ensure_demo_database(path)
    where = database.sqlite_path or database.name
    if created:
        print(_("Demo database created: {where}").format(where=where))
    else:
        # Two people on one account share the default demo file: say so, and how to get one's own.
        print(
            _(
                "Demo database reused: {where} already holds the demo (with whatever was done in it since). "
                "For a fresh one: kbase demo --db ANOTHER_FILE"
            ).format(where=where)
        )
    print(_("Demo users (user name / password / role):"))
    from kbase_tui.labels import role_label

    for cred in credentials:
        print(f"  {cred.username:<12} {cred.password:<18} {role_label(cred.role)}")
    if args.no_open:
        return 0
    if sys.stdin.isatty() and not args.yes:
        try:
            input(_("Press Enter to open kbase…"))
        except EOFError:
            return 0
    database.dispose()
    # The app starts afresh, as a client that never loaded the database layer.
    argv = [sys.executable, "-m", "kbase_tui.cli.main", "--db", path]
    if getattr(args, "lang", None):
        argv += ["--lang", args.lang]
    sys.stdout.flush()
    os.execv(sys.executable, argv)
    return 0  # not reached


def build_parser() -> argparse.ArgumentParser:
    from kbase_tui.protocol.users import ROLES

    parser = QuietParser(prog="kbase", description=_("kbase: the sales conveyor in a terminal."))
    parser.add_argument("--db", help=_("SQLite file or SQLAlchemy URL (default: KBASE_DB or the user data folder)"))
    parser.add_argument(
        "--server",
        help=_(
            "the kbase server: unix:/path/to/socket or https://host:port "
            "(default: KBASE_SERVER, or a private server for --db)"
        ),
    )
    parser.add_argument("--lang", choices=["ru", "en"], help=_("language of the interface"))
    # --db and --lang are accepted after the sub-command too: `kbase demo --db x`.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    common.add_argument("--lang", choices=["ru", "en"], default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", parser_class=_sub_parser_class(common))

    demo = sub.add_parser("demo", help=_("create a demo database and open the app on it"))
    demo.add_argument("--no-open", action="store_true", help=_("create the database and print the users only"))
    demo.add_argument("--yes", "-y", action="store_true", help=_("open the app without waiting for Enter"))
    demo.set_defaults(func=cmd_demo)

    init = sub.add_parser("init", help=_("create or upgrade the database; optionally add the first administrator"))
    init.add_argument("--admin", metavar="NAME")
    init.add_argument("--full-name")
    init.add_argument("--password-stdin", action="store_true")
    init.set_defaults(func=cmd_init)

    user = sub.add_parser("user", help=_("manage users"))
    user_sub = user.add_subparsers(dest="user_command", required=True)
    add = user_sub.add_parser("add", help=_("add a user"))
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=list(ROLES))
    add.add_argument("--full-name")
    add.add_argument("--password-stdin", action="store_true")
    add.add_argument("--no-change", action="store_true", help=_("do not force a password change at first sign-in"))
    for name, help_text in (("disable", _("disable a user")), ("enable", _("enable a user and clear a lock"))):
        p = user_sub.add_parser(name, help=help_text)
        p.add_argument("name")
    reset = user_sub.add_parser("reset-password", help=_("set a new password (changed at next sign-in)"))
    reset.add_argument("name")
    reset.add_argument("--password-stdin", action="store_true")
    user_sub.add_parser("list", help=_("list users"))
    zone = user_sub.add_parser("zone", help=_("set the time zone the user reads and types times in"))
    zone.add_argument("name")
    zone.add_argument("zone", help=_("e.g. Asia/Vladivostok; '' for the call centre's"))
    user.set_defaults(func=cmd_user)

    for register in EXTRA_COMMANDS:
        register(sub)
    return parser


def _sub_parser_class(common: argparse.ArgumentParser):
    class SubParser(QuietParser):
        def __init__(self, *args, **kwargs):
            kwargs.setdefault("parents", [common])
            super().__init__(*args, **kwargs)

    return SubParser


# Other modules add sub-commands here (import, export, report, audit, backup ...).
EXTRA_COMMANDS: list[Callable[[argparse._SubParsersAction], None]] = []


def _load_extra_commands(only: str | None = None) -> None:
    """Register the sub-commands of every `cmd_*.py` (*only*: of that module alone)."""
    import importlib
    import pkgutil

    import kbase_tui.cli as package

    for module in pkgutil.iter_modules(package.__path__):
        if module.name.startswith("cmd_") and only in (None, module.name):
            mod = importlib.import_module(f"kbase_tui.cli.{module.name}")
            if mod.register not in EXTRA_COMMANDS:  # main() may run more than once in a process (tests)
                EXTRA_COMMANDS.append(mod.register)


# The options of the app itself (`kbase [--db X] [--server X] [--lang ru|en]`), and what each accepts.
APP_OPTIONS: dict[str, tuple[str, ...] | None] = {"--db": None, "--server": None, "--lang": ("ru", "en")}


def _app_options(argv: list[str]) -> dict[str, str] | None:
    """The app's own options when *argv* holds nothing else, each as the full parser reads it; else None.

    The app starts without registering every sub-command and building their parser (the login paints
    sooner, and a private server starts sooner); anything else (a sub-command, --help, an abbreviation,
    a value the full parser might refuse) goes to the full parser, which decides as it always did.
    """
    found: dict[str, str] = {}
    index = 0
    while index < len(argv):
        name, equals, value = argv[index].partition("=")
        if name not in APP_OPTIONS:
            return None
        if not equals:
            index += 1
            if index == len(argv):
                return None
            value = argv[index]
        choices = APP_OPTIONS[name]
        if value.startswith("-") or (choices is not None and value not in choices):
            return None
        found[name] = value  # argparse too keeps the last of an option given twice
        index += 1
    return found


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # The language must be known before any help text is built.
    lang = None
    if "--lang" in argv:
        index = argv.index("--lang")
        lang = argv[index + 1] if index + 1 < len(argv) else None
    set_language(lang)
    app = _app_options(argv)
    if app is not None:
        return run_app(app.get("--db"), app.get("--server"))
    # Every `kbase --db` starts a private `kbase serve`, which needs no other sub-command (cmd_serve.py has
    # that one alone); anything else registers them all.
    _load_extra_commands("cmd_serve" if argv[:1] == ["serve"] else None)
    args = build_parser().parse_args(argv)
    if args.command is None:
        return run_app(args.db, args.server)
    from kbase_tui import shipped
    from kbase_tui.services.errors import KbaseError

    try:
        shipped.check()  # a broken install says so at once, before any check runs without its data
        return args.func(args)
    except shipped.ShippedDataMissing as error:
        print(_("Error: {message}").format(message=error), file=sys.stderr)
        return 1
    except KbaseError as error:
        print(_("Error: {message}").format(message=error), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`kbase user list | head -1`): nothing is wrong, and nowhere is left to say
        # anything; stdout goes to /dev/null so that Python's own flush at exit does not complain either.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except Exception as error:  # never a traceback for the user: log it, say one line
        from kbase_tui.ui.errors import log_unexpected

        print(log_unexpected(error, f"kbase {args.command}"), file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
