"""Running the server: its sockets, their permissions, and a server in a thread for tests.

The Unix socket is the normal way in.  It is created with its final mode before anyone can
connect (0660 and the operators' group on a shared server, 0600 for a private one), so the
only people who can talk to the server are those the administrator put in that group.  An
optional TCP listener always speaks TLS (and can ask for a client certificate), for SSH
front-end hosts that share one server.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import fcntl
import grp
import logging
import os
import socket
import ssl
import stat
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import uvicorn

from kbase_tui import paths

from .app import create_app
from .state import ServerSettings, ServerState

log = logging.getLogger("kbase.server")

# sun_path holds 108 bytes with its terminating NUL on Linux.
MAX_SOCKET_PATH = 107


class ServerStartError(Exception):
    """The server cannot start; the message says why and what to do."""


@dataclass
class Listen:
    socket_path: Path
    socket_group: str | None = None  # None: only this account may connect (0600)
    tcp_host: str | None = None
    tcp_port: int = 0
    tls_cert: Path | None = None
    tls_key: Path | None = None
    tls_client_ca: Path | None = None  # set: front-end hosts must show a certificate signed by it


def setup_logging() -> None:
    logger = logging.getLogger("kbase.server")
    if logger.handlers:
        return
    logger.setLevel(logging.INFO)
    try:
        handler: logging.Handler = logging.FileHandler(paths.log_dir() / "kbase-server.log", encoding="utf-8")
    except OSError:
        handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(process)d %(levelname)s %(message)s"))
    logger.addHandler(handler)


@contextlib.contextmanager
def _start_lock(path: Path) -> Iterator[None]:
    """One server starting per socket at a time (two apps may each try to start a private one)."""
    lock_path = path.with_name(path.name + ".lock")
    fd = os.open(lock_path, os.O_CREAT | os.O_RDWR, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _in_use(path: Path) -> bool:
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.connect(str(path))
        return True
    except OSError:
        return False
    finally:
        probe.close()


def bind_unix(path: Path, group: str | None) -> socket.socket:
    """The listening Unix socket at *path*, mode 0660 with *group* (or 0600), before anyone can connect."""
    if len(str(path).encode()) > MAX_SOCKET_PATH:
        raise ServerStartError(f"The socket path is too long for a Unix socket ({len(str(path))} bytes): {path}")
    folder = path.parent
    if not folder.is_dir():
        raise ServerStartError(f"The socket's folder does not exist: {folder}")
    gid = None
    if group is not None:
        try:
            gid = grp.getgrnam(group).gr_gid
        except KeyError:
            raise ServerStartError(f"There is no group {group!r} for the socket: create it (groupadd) first.") from None
    if path.exists() or path.is_symlink():
        if not stat.S_ISSOCK(path.lstat().st_mode):
            raise ServerStartError(f"{path} exists and is not a socket; remove it or choose another path.")
        if _in_use(path):
            raise ServerStartError(f"A kbase server already listens on {path}.")
        path.unlink()  # left by a server that stopped without cleaning up
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old_umask = os.umask(0o177 if gid is None else 0o117)  # the socket is born 0600 or 0660
    try:
        listener.bind(str(path))
    finally:
        os.umask(old_umask)
    if gid is not None:
        os.chown(path, -1, gid)
        os.chmod(path, 0o660)
    listener.listen(256)
    listener.setblocking(False)
    return listener


def bind_tcp(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((host, port))
    except OSError as error:
        listener.close()
        if error.errno == errno.EADDRINUSE:
            raise ServerStartError(f"Port {port} on {host} is taken by another program.") from None
        raise ServerStartError(f"Cannot listen on {host}:{port}: {error.strerror}.") from None
    listener.listen(256)
    listener.setblocking(False)
    return listener


def _uvicorn(app, *, lifespan: str, tls: Listen | None = None) -> uvicorn.Server:
    options: dict = {}
    if tls is not None:
        options = {"ssl_certfile": str(tls.tls_cert), "ssl_keyfile": str(tls.tls_key)}
        if tls.tls_client_ca is not None:
            options.update(ssl_ca_certs=str(tls.tls_client_ca), ssl_cert_reqs=ssl.CERT_REQUIRED)
    config = uvicorn.Config(
        app,
        lifespan=lifespan,
        log_config=None,
        access_log=False,
        server_header=False,
        date_header=False,
        timeout_graceful_shutdown=3,
        **options,
    )
    return uvicorn.Server(config)


class RunningServer:
    """One server: the app, its sockets and the uvicorn instances serving them."""

    def __init__(self, state: ServerState, listen: Listen) -> None:
        self.state = state
        self.listen = listen
        self.app = create_app(state)
        self._servers: list[uvicorn.Server] = []
        self._sockets: list[socket.socket] = []
        state.request_exit = self.stop

    def bind(self) -> None:
        if self.listen.tcp_host and not (self.listen.tls_cert and self.listen.tls_key):
            raise ServerStartError(
                "A TCP listener needs --tls-cert and --tls-key: client data never crosses a network unencrypted."
            )
        with _start_lock(self.listen.socket_path):
            self._sockets.append(bind_unix(self.listen.socket_path, self.listen.socket_group))
        self._servers.append(_uvicorn(self.app, lifespan="on"))
        if self.listen.tcp_host:
            self._sockets.append(bind_tcp(self.listen.tcp_host, self.listen.tcp_port))
            self._servers.append(_uvicorn(self.app, lifespan="off", tls=self.listen))

    async def serve(self) -> None:
        try:
            await asyncio.gather(
                *(server.serve(sockets=[sock]) for server, sock in zip(self._servers, self._sockets, strict=False))
            )
        finally:
            self.close()

    def stop(self) -> None:
        for server in self._servers:
            server.should_exit = True

    def close(self) -> None:
        for sock in self._sockets:
            with contextlib.suppress(OSError):
                sock.close()
        self._sockets.clear()
        with contextlib.suppress(FileNotFoundError):
            if self.listen.socket_path.is_socket():
                self.listen.socket_path.unlink()

    @property
    def tcp_port(self) -> int:
        for sock in self._sockets:
            if sock.family in (socket.AF_INET, socket.AF_INET6):
                return sock.getsockname()[1]
        return 0

    @property
    def started(self) -> bool:
        return bool(self._servers) and all(server.started for server in self._servers)


def default_settings(*, private: bool) -> ServerSettings:
    return ServerSettings(
        exports_dir=paths.exports_dir(),
        inbox_dir=paths.inbox_dir(),
        work_dir=paths.work_dir(),
        # KBASE_PRIVATE_IDLE_SECONDS: how long a private server outlives its last session (tests: short).
        idle_exit=float(os.environ.get("KBASE_PRIVATE_IDLE_SECONDS") or 600) if private else None,
        # KBASE_PRIVATE_DETACHED_SECONDS: how soon a private server ends the session of an app that vanished.
        **({"detached_ttl": float(os.environ.get("KBASE_PRIVATE_DETACHED_SECONDS") or 60)} if private else {}),
    )


class ServerThread:
    """A server in a thread of this process, on its own socket: for tests and benchmarks.

    The app still talks to it through the socket and the same client as everywhere.
    """

    def __init__(self, database, socket_path: Path, settings: ServerSettings | None = None) -> None:
        settings = settings or default_settings(private=False)
        self.state = ServerState(database=database, settings=settings)
        self.running = RunningServer(self.state, Listen(socket_path=socket_path))
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    @property
    def address(self) -> str:
        return f"unix:{self.running.listen.socket_path}"

    def start(self, timeout: float = 10.0) -> ServerThread:
        self.running.bind()
        ready = threading.Event()

        def run() -> None:
            try:
                asyncio.run(self._serve(ready))
            except BaseException as error:
                self._error = error
                ready.set()

        self._thread = threading.Thread(target=run, name="kbase-server", daemon=True)
        self._thread.start()
        if not ready.wait(timeout) or self._error is not None:
            raise RuntimeError(f"the server did not start: {self._error!r}")
        return self

    async def _serve(self, ready: threading.Event) -> None:
        task = asyncio.create_task(self.running.serve())
        while not self.running.started:
            if task.done():
                await task
                return
            await asyncio.sleep(0.005)
        ready.set()
        await task

    def stop(self) -> None:
        self.running.stop()
        if self._thread is not None:
            self._thread.join(10)
        self.running.close()

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
