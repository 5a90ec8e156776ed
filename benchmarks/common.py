"""What every benchmark script shares: the JSON line, percentiles, the children's environment,
a real `kbase serve` process, a program in a pseudo-terminal, and the bench users.

Every latency is reported as p50, p99, p99.9 and max (`latency()`), with the number of samples:
with few samples the high percentiles are the slowest samples, and the line says how many there were.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import select
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from kbase_tui.private_server import answers

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = Path(os.environ.get("KBASE_BENCH_OUT") or HERE / "out")
PYTHON = sys.executable
PASSWORD = "Bench-2026!"
ANSI = re.compile(
    r"\x1b(\[[0-9;?<>=!]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[PX^_][^\x1b]*\x1b\\|[()][A-Za-z0-9]"
    r"|[=>78cDEHMZ])"
)


def emit(name, value, unit, target, baseline, **extra) -> None:
    """One figure as a JSON line; `load` is the machine's 1-minute load average as it was printed (the
    figures of a shared machine move with what else runs on it)."""
    print(
        json.dumps(
            {
                "name": name,
                "value": value,
                "unit": unit,
                "target": target,
                "baseline": baseline,
                **extra,
                "load": round(os.getloadavg()[0], 1),
            },
            ensure_ascii=False,
        ),
        flush=True,
    )


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def latency(values: list[float], digits: int = 2) -> dict[str, float]:
    """p50, p99, p99.9, max and the number of samples (ms)."""
    if not values:
        raise ValueError("no samples: the measurement did not run")
    return {
        "p50": round(pct(values, 0.5), digits),
        "p99": round(pct(values, 0.99), digits),
        "p99_9": round(pct(values, 0.999), digits),
        "max": round(max(values), digits),
        "n": len(values),
    }


# The app's answer to "the database is busy" (ui/base.py BUSY_RETRIES): ask again after 0.25, 0.5, … s. 64 processes
# starting at one moment on a loaded machine queue for SQLite's one writer longer than its busy timeout; the app
# retries rather than failing the operator, so the benchmarks' simulated operators do too (and a timed call's wait
# includes its retries).
BUSY_RETRIES = 8


def _busy(error: BaseException) -> bool:
    import sqlite3

    from kbase_tui.protocol.errors import DatabaseBusy

    if isinstance(error, DatabaseBusy):
        return True
    # A raw sqlite3 connection (the bare baselines) says it in its own words.
    return isinstance(error, sqlite3.OperationalError) and ("locked" in str(error) or "busy" in str(error))


def as_the_app_does(call, *args):
    """*call*(*args*), asked again while the database answers busy, with the app's pauses."""
    for attempt in range(BUSY_RETRIES):
        try:
            return call(*args)
        except Exception as error:
            if not _busy(error) or attempt == BUSY_RETRIES - 1:
                raise
            time.sleep(0.25 * (attempt + 1))


async def as_the_app_does_async(call, *args):
    """The same for a coroutine function *call* (an operation through the server)."""
    import asyncio

    for attempt in range(BUSY_RETRIES):
        try:
            return await call(*args)
        except Exception as error:
            if not _busy(error) or attempt == BUSY_RETRIES - 1:
                raise
            await asyncio.sleep(0.25 * (attempt + 1))


def is_postgresql(db: str) -> bool:
    return db.startswith("postgresql")


def db_url(db: str) -> str:
    """A SQLAlchemy URL for a SQLite file path or an URL."""
    return db if "://" in db else f"sqlite:///{Path(db).resolve()}"


def db_label(db: str) -> str:
    return "postgresql" if is_postgresql(db) else "sqlite"


def bench_env() -> dict[str, str]:
    """The children's environment: private folders under benchmarks/out, English, file keystore."""
    home = OUT / "home"
    env = dict(os.environ)
    env.update(
        KBASE_DATA_DIR=str(home / "data"),
        KBASE_CONFIG_DIR=str(home / "config"),
        KBASE_LOG_DIR=str(home / "log"),
        KBASE_KEYSTORE="file",
        KBASE_LANG="en",
        XDG_RUNTIME_DIR=str(short_dir("kbr-")),
        PYTHONPATH=str(ROOT / "src") + os.pathsep + env.get("PYTHONPATH", ""),
    )
    env.pop("KBASE_FAST_HASH", None)  # the real password hash: sign-in costs what it costs
    # As installed: pip compiles every module of a wheel when it installs it, so an installed kbase never
    # compiles its own source at start.  With this set (some machines set it for everything), each new
    # process compiled all 160 modules of kbase again while Textual's came compiled: 0.5-1 s of every
    # cold start that no user has.  run.py compiles the source tree once before measuring.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("KBASE_SERVER", None)
    env.pop("KBASE_DB", None)
    for folder in ("data", "config", "log"):
        (home / folder).mkdir(parents=True, exist_ok=True, mode=0o700)
    return env


_SHORT: dict[str, Path] = {}


def short_dir(prefix: str) -> Path:
    """A short private folder under /tmp, one per prefix and run (a socket path must stay under 108 bytes)."""
    if prefix not in _SHORT:
        _SHORT[prefix] = Path(tempfile.mkdtemp(prefix=prefix))
        os.chmod(_SHORT[prefix], 0o700)
    return _SHORT[prefix]


# --- a real server ------------------------------------------------------------------------------


class Serve:
    """`kbase serve` in its own process on a Unix socket, as on a shared server.

    Scheduled backups are off (`--backup-every 0`): one would start with the server and copy the
    whole base while the figures run.  Everything else is the production server.
    """

    def __init__(self, db: str, env: dict[str, str] | None = None) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="kbs-bench-"))
        self.socket_path = self.folder / "kbase.sock"
        # The server uses these folders but never makes them (a mistyped path must not become a new folder).
        for folder in ("exports", "inbox"):
            (self.folder / folder).mkdir(mode=0o700)
        self.env = dict(env or bench_env())
        # Its stderr goes to a file: a pipe nobody reads would stop the server once 64 KiB are written.
        self.stderr_path = self.folder / "serve.err"
        self._stderr = open(self.stderr_path, "wb")  # noqa: SIM115 (the server's stderr while it runs)
        self.proc = subprocess.Popen(
            [
                PYTHON,
                "-m",
                "kbase_tui.cli.main",
                "serve",
                "--db",
                db,
                "--socket",
                str(self.socket_path),
                "--exports",
                str(self.folder / "exports"),
                "--inbox",
                str(self.folder / "inbox"),
                "--backup-every",
                "0",
            ],
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=self._stderr,
        )
        deadline = time.monotonic() + 300
        while not answers(self.socket_path):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"kbase serve did not start: {self.last_words()}")
            time.sleep(0.05)

    @property
    def address(self) -> str:
        return f"unix:{self.socket_path}"

    def last_words(self) -> str:
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")[-500:]

    @property
    def pid(self) -> int:
        return self.proc.pid

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._stderr.close()

    def __enter__(self) -> Serve:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


# --- a program in a pseudo-terminal ---------------------------------------------------------------


class Pty:
    """A program in an 80x24 (or given) pseudo-terminal: what a person's terminal shows, and their keys."""

    def __init__(self, argv: list[str], env: dict[str, str], size: tuple[int, int] = (80, 24)) -> None:
        import fcntl
        import pty
        import struct
        import termios

        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", size[1], size[0], 0, 0))
        env = dict(env, TERM="xterm-256color", COLUMNS=str(size[0]), LINES=str(size[1]))
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            argv, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True, close_fds=True
        )
        os.close(slave)
        self.seen = ""
        self.mark = 0  # wait_for looks only at what came after the last mark

    def text(self) -> str:
        return ANSI.sub("", self.seen[self.mark :])

    def wait_for(self, pattern: str | re.Pattern, timeout: float = 60.0) -> float:
        """perf_counter() when *pattern* (text or regex) first shows after the mark."""
        deadline = time.perf_counter() + timeout
        while True:
            visible = self.text()[-40000:]
            if pattern.search(visible) if isinstance(pattern, re.Pattern) else pattern in visible:
                return time.perf_counter()
            left = deadline - time.perf_counter()
            if left <= 0:
                raise TimeoutError(f"{pattern!r} never showed: {visible[-300:]!r}")
            ready, _w, _x = select.select([self.master], [], [], left)
            if not ready:
                continue
            try:
                chunk = os.read(self.master, 65536)
            except OSError:
                raise RuntimeError(f"the program exited: {visible[-300:]!r}") from None
            self.seen += chunk.decode("utf-8", "replace")

    def drain(self, quiet: float = 0.3) -> None:
        """Read until the terminal has been quiet for *quiet* seconds."""
        while True:
            ready, _w, _x = select.select([self.master], [], [], quiet)
            if not ready:
                return
            try:
                self.seen += os.read(self.master, 65536).decode("utf-8", "replace")
            except OSError:
                return

    def type(self, keys: str) -> float:
        """Send *keys* in one write (as a paste or a laggy link sends them); perf_counter() of the write."""
        self.mark = len(self.seen)
        at = time.perf_counter()
        os.write(self.master, keys.encode())
        return at

    def rss_mib(self) -> float:
        status = Path(f"/proc/{self.proc.pid}/status").read_text()
        return int(next(line for line in status.splitlines() if line.startswith("VmRSS")).split()[1]) / 1024

    def close(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        os.close(self.master)

    def __enter__(self) -> Pty:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


# --- bench users --------------------------------------------------------------------------------


def operator_names(count: int) -> list[str]:
    return [f"benchop{n:02d}" for n in range(1, count + 1)]


def prepare(db: str, operators: int) -> dict[str, int]:
    """Bench callers `benchop01`… (one password hash for all) and no anti-scraping limits: they work far
    faster than people (the checks still run).  Returns their ids by name."""
    from sqlalchemy import select

    from kbase_tui.models import SecurityAlarm, User
    from kbase_tui.services import passwords, reference, users
    from kbase_tui.services.setup import open_existing_database

    database = open_existing_database(db_url(db))
    try:
        with database.write() as session:
            existing = set(session.execute(select(User.username)).scalars())
            password_hash = None
            for name in operator_names(operators):
                if name not in existing:
                    password_hash = password_hash or passwords.hash_password(PASSWORD)
                    users.add_user(
                        session,
                        "local:bench",
                        name,
                        "caller",
                        PASSWORD,
                        full_name=f"Оператор {name[-2:]}",
                        must_change_password=False,
                        password_hash=password_hash,
                    )
            reference.set_setting(session, "security.leads_per_minute", 0)
            reference.set_setting(session, "security.card_views_per_hour", 0)
            # The calling window open at any hour: the figures must not depend on when the benchmark runs.
            reference.set_setting(session, "queue.calling_days", [1, 2, 3, 4, 5, 6, 7])
            reference.set_setting(session, "queue.calling_hours", [["00:00", "24:00"]])
            reference.set_setting(session, "queue.holidays_country", "")
            session.query(SecurityAlarm).delete()
        with database.read() as session:
            return dict(
                session.execute(
                    select(User.username, User.id).where(User.username.in_(operator_names(operators)))
                ).all()
            )
    finally:
        database.dispose()
