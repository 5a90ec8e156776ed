"""`kbase serve`: the server, the only process that opens the database and reads the keys.

On a shared machine it runs as its own account under systemd (docs/deploy-ssh.md); the
operators' apps reach it through its Unix socket.  `--private` is how an app starts one for
a person's own database (kbase_tui.private_server).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kbase_tui.cli.argtypes import existing_dir, existing_file, hours, new_file, positive_int
from kbase_tui.i18n import _


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("serve", help=_("run the kbase server (the only process that opens the database)"))
    parser.add_argument(
        "--socket",
        metavar="PATH",
        type=new_file,
        help=_("the Unix socket to listen on (default: {path})").format(path="/run/kbase/kbase.sock"),
    )
    parser.add_argument(
        "--socket-group",
        metavar="GROUP",
        help=_("the group whose members may connect (socket 0660); without it only this account"),
    )
    parser.add_argument("--tcp", metavar="HOST:PORT", help=_("also listen on TCP, with TLS (front-end hosts)"))
    parser.add_argument("--tls-cert", metavar="FILE", type=existing_file)
    parser.add_argument("--tls-key", metavar="FILE", type=existing_file)
    parser.add_argument(
        "--tls-client-ca",
        metavar="FILE",
        type=existing_file,
        help=_("accept only front-end hosts whose certificate this CA signed"),
    )
    parser.add_argument(
        "--exports", metavar="DIR", type=existing_dir, help=_("where exports and rejects files are written")
    )
    parser.add_argument("--inbox", metavar="DIR", type=existing_dir, help=_("where files to import are picked up"))
    parser.add_argument(
        "--backup-every",
        metavar="HOURS",
        type=hours,
        default=24.0,
        help=_(
            "take an encrypted backup of a SQLite database every HOURS, the first at start (default 24; 0 turns it off)"
        ),
    )
    parser.add_argument(
        "--backups", metavar="DIR", type=existing_dir, help=_("the backup folder (default: the data folder's backups/)")
    )
    parser.add_argument("--keep", type=positive_int, default=14, help=_("keep the newest N backups (default 14)"))
    parser.add_argument("--private", action="store_true", help=argparse.SUPPRESS)
    parser.set_defaults(func=run)


def _tcp(value: str) -> tuple[str, int]:
    host, _sep, port = value.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise SystemExit(_("--tcp takes HOST:PORT, for example 0.0.0.0:8443, not {value!r}.").format(value=value))
    return host.strip("[]"), int(port)


def run(args: argparse.Namespace) -> int:
    import gc

    # The start is mostly imports (SQLAlchemy, SQLModel, the models, uvicorn): they allocate hundreds of
    # thousands of objects that all live, so the cyclic collector's passes over them find nothing and cost
    # about an eighth of the time until a private server answers.  It is off until the server answers, then
    # what the start built is frozen out of its way (gc.freeze) and it runs as always.
    gc.disable()
    try:
        return _run(args)
    finally:
        gc.enable()


def _run(args: argparse.Namespace) -> int:
    import asyncio

    from kbase_tui import paths
    from kbase_tui.server.runner import Listen, RunningServer, ServerStartError, default_settings, setup_logging
    from kbase_tui.server.state import ServerState
    from kbase_tui.services.setup import open_existing_database

    setup_logging()
    settings = default_settings(private=args.private)
    if args.exports:
        settings.exports_dir = Path(args.exports)
    if args.inbox:
        settings.inbox_dir = Path(args.inbox)
    if not args.private and args.backup_every > 0:  # a person's own database: their own `kbase backup`
        settings.backup_every_hours = args.backup_every
        settings.backup_dir = Path(args.backups) if args.backups else None
        settings.backup_keep = args.keep
    host, port = _tcp(args.tcp) if args.tcp else (None, 0)
    listen = Listen(
        socket_path=Path(args.socket) if args.socket else paths.SHARED_SOCKET,
        socket_group=None if args.private else args.socket_group,
        tcp_host=host,
        tcp_port=port,
        tls_cert=Path(args.tls_cert) if args.tls_cert else None,
        tls_key=Path(args.tls_key) if args.tls_key else None,
        tls_client_ca=Path(args.tls_client_ca) if args.tls_client_ca else None,
    )
    database = open_existing_database(args.db)
    running = RunningServer(ServerState(database=database, settings=settings), listen)
    try:
        running.bind()
    except ServerStartError as error:
        print(_("kbase serve: {message}").format(message=error), file=sys.stderr)
        return 1
    print(_("kbase server on {socket} ({db})").format(socket=listen.socket_path, db=database.name), file=sys.stderr)
    try:
        asyncio.run(_serve_then_collect(running))
    except KeyboardInterrupt:
        pass
    finally:
        database.dispose()
    return 0


async def _serve_then_collect(running) -> None:
    """Serve; once the server answers, freeze what the start built and turn the collector back on."""
    import asyncio
    import gc

    serving = asyncio.ensure_future(running.serve())
    while not running.started and not serving.done():
        await asyncio.sleep(0.01)
    gc.freeze()
    gc.enable()
    await serving
