"""What a person waits for from a cold start: each run is a new `kbase` process in a pseudo-terminal.

    .venv/bin/python benchmarks/cold.py --db PATH|URL [--runs N] [--only start,signin]

- `start_to_login_usable`: `kbase --db DB` from spawn until the login form is painted AND the
  private server it starts (a `kbase serve` process, which opens the database before it listens)
  answers on its socket: the moment a sign-in could go through.  The private server is stopped
  after every run, so each run opens the database afresh.  Baseline: a bare Textual app painting
  one label.
- `start_with_server_to_login_usable`: `kbase --server ADDR` of a `kbase serve` that is already
  running (the shared server of docs/deploy-ssh.md, where operators' terminals connect to the
  always-running server), from spawn until the login form is painted AND the server has answered
  a call (GET /v1/health).  Same baseline, in the same interleaved runs.
- `signin_to_first_lead` (caller01), `signin_to_board` (closer01, 5,000 open deals),
  `signin_to_follow_up_list` (account01, 10,000 accounts): a new `kbase --server ADDR` process
  of a running `kbase serve`; the name and password are typed, then Enter is pressed, and the
  figure runs until a company name of the home screen's data shows on the terminal.  The home
  screen's modules load after Enter (they are imported on first use): that is in the figure.
  Baseline, in the same run: a bare Textual app that signs in through the same client to the
  same server (so the server's sign-in floor and the password hash are in it too) and then
  paints a table of 30 rows.

Every figure: p50, p99, p99.9, max over the runs, interleaved with its baseline's runs so that
the machine's noise hits both alike.  `met` compares the medians (value − baseline < 150 ms);
with a few runs the high percentiles are the slowest runs.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))

import common  # noqa: E402
from common import PASSWORD, PYTHON, Pty, Serve, bench_env, db_label, db_url, emit, latency  # noqa: E402

KBASE = [PYTHON, "-c", "import sys; from kbase_tui.cli.main import main; sys.exit(main())"]
SIZE = (120, 36)
# A company's name as the generator writes it: «Вектор 123».
COMPANY = re.compile(r"«[^»\n]{1,40} \d+»")

BARE_APP = """
from textual.app import App
from textual.widgets import Label
class Bare(App):
    def compose(self):
        yield Label("BARE-APP-PAINTED")
Bare().run()
"""

# The floor of "sign in, then see your data": the same client, the same server, the same sign-in
# (floor and password hash included), then one screen with a 30-row table.
BARE_SIGNIN = """
import sys
from textual.app import App
from textual.screen import Screen
from textual.widgets import DataTable, Input, Label
from kbase_tui.client import KbaseClient

class Table(Screen):
    def compose(self):
        yield DataTable()
    def on_mount(self):
        table = self.query_one(DataTable)
        table.add_columns("Company", "City", "Next step")
        for n in range(30):
            table.add_row(f"ООО «Основа {n + 1}»", "Москва", "Позвонить")

class Bare(App):
    def compose(self):
        yield Label("User name")
        yield Input(id="name")
        yield Input(id="password", password=True)
    def on_input_submitted(self, event):
        if event.input.id == "name":
            self.query_one("#password").focus()
        else:
            self.run_worker(self.sign_in())
    async def sign_in(self):
        client = KbaseClient.for_address(sys.argv[1])
        await client.sign_in(self.query_one("#name").value, self.query_one("#password").value)
        self.push_screen(Table())

Bare().run()
"""


def _private_server_pids(socket_path: Path) -> list[int]:
    """The private server this run's app started (found by its socket, which is unique to the run)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"serve" in cmdline and str(socket_path).encode() in cmdline:
            pids.append(int(entry.name))
    return pids


def _stop_private_server(socket_path: Path) -> None:
    import signal

    for pid in _private_server_pids(socket_path):
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            continue
        deadline = time.monotonic() + 30
        while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
            with contextlib.suppress(ChildProcessError):  # our own child's child: reap it if it became ours
                os.waitpid(pid, os.WNOHANG)
            time.sleep(0.02)


def health_answers(socket_path: Path) -> bool:
    """The server on *socket_path* answers a call (GET /v1/health with a 200), not only a connect."""
    import socket

    if not socket_path.exists():
        return False
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    probe.settimeout(10)
    try:
        probe.connect(str(socket_path))
        probe.sendall(b"GET /v1/health HTTP/1.1\r\nHost: kbase\r\nConnection: close\r\n\r\n")
        head = b""
        while b"\r\n" not in head:
            chunk = probe.recv(4096)
            if not chunk:
                return False
            head += chunk
        return head.split(b"\r\n", 1)[0].split()[1:2] == [b"200"]
    except OSError:
        return False
    finally:
        probe.close()


def start_once(argv: list[str], env: dict[str, str], socket_path: Path | None) -> tuple[float, float]:
    """(ms until the login is painted, ms until it is usable: painted and the server answering a call)."""
    answered: list[float] = []
    stop = threading.Event()

    def probe() -> None:
        assert socket_path is not None
        while not stop.is_set():
            if health_answers(socket_path):
                answered.append(time.perf_counter())
                return
            time.sleep(0.002)

    with Pty(argv, env, SIZE) as term:
        prober = threading.Thread(target=probe, daemon=True) if socket_path else None
        if prober:
            prober.start()
        painted = term.wait_for("User name" if socket_path else "BARE-APP-PAINTED")
        if prober:
            prober.join(120)
            stop.set()
            if not answered:
                raise RuntimeError("the server never answered")
        usable = max([painted, *answered])
        return (painted - term.started) * 1000, (usable - term.started) * 1000


def bench_start(db: str, runs: int) -> None:
    """Both starts, interleaved run by run with the bare app: a private server's and a running server's."""
    from kbase_tui.private_server import socket_for

    env = bench_env()
    os.environ["XDG_RUNTIME_DIR"] = env["XDG_RUNTIME_DIR"]  # socket_for() looks where the app will
    os.environ.pop("KBASE_RUNTIME_DIR", None)
    env.pop("KBASE_RUNTIME_DIR", None)
    socket_path = socket_for(db_url(db))
    private = [*KBASE, "--db", db]
    bare = [PYTHON, "-c", BARE_APP]
    _stop_private_server(socket_path)
    with Serve(db, env) as server:
        shared = [*KBASE, "--server", server.address]
        start_once(bare, env, None)  # the file cache warm for all, as on a machine in use
        start_once(private, env, socket_path)
        _stop_private_server(socket_path)
        start_once(shared, env, server.socket_path)
        bare_ms: list[float] = []
        painted_ms: dict[str, list[float]] = {"private": [], "shared": []}
        usable_ms: dict[str, list[float]] = {"private": [], "shared": []}
        for _ in range(runs):
            bare_ms.append(start_once(bare, env, None)[0])
            painted, usable = start_once(private, env, socket_path)
            _stop_private_server(socket_path)
            painted_ms["private"].append(painted)
            usable_ms["private"].append(usable)
            painted, usable = start_once(shared, env, server.socket_path)
            painted_ms["shared"].append(painted)
            usable_ms["shared"].append(usable)
    base = latency(bare_ms, 1)
    for name, kind, what in (
        (
            "start_to_login_usable",
            "private",
            "`kbase --db DB`, new process in a 120x36 pseudo-terminal, from spawn until the login form is "
            "painted and the private server it starts answers a call (database opened); the server is stopped "
            "after each run",
        ),
        (
            "start_with_server_to_login_usable",
            "shared",
            "`kbase --server ADDR` of a `kbase serve` already running (docs/deploy-ssh.md), new process in a "
            "120x36 pseudo-terminal, from spawn until the login form is painted and the server has answered "
            "GET /v1/health",
        ),
    ):
        got = latency(usable_ms[kind], 1)
        emit(
            name,
            got["p50"],
            "ms",
            "value − baseline < 150 ms (medians)",
            base["p50"],
            met=got["p50"] - base["p50"] < 150,
            database=db_label(db),
            beyond_baseline_p50=round(got["p50"] - base["p50"], 1),
            **got,
            baseline_stats=base,
            login_painted=latency(painted_ms[kind], 1),
            note=f"{what}; baseline, in the same interleaved runs: a bare Textual app painting one label",
        )


ROLES = (
    ("signin_to_first_lead", "caller01", "the caller's first lead (company, phones)"),
    ("signin_to_board", "closer01", "the closer's board (closer01: 5,000 open deals at the full and quick sizes)"),
    (
        "signin_to_follow_up_list",
        "account01",
        "the account manager's follow-up list (account01: 10,000 accounts at the full and quick sizes)",
    ),
)


def signin_once(argv: list[str], env: dict[str, str], username: str) -> float:
    """ms from Enter on the password to a company name painted; a new process each time."""
    with Pty(argv, env, SIZE) as term:
        term.wait_for("User name")
        term.drain(0.3)  # a person takes longer than this to type: the app is idle by then
        term.type(f"{username}\r")  # Enter in the name field moves to the password
        term.drain(0.3)
        term.type(PASSWORD)
        term.drain(0.3)
        entered = term.type("\r")
        shown = term.wait_for(COMPANY)
        return (shown - entered) * 1000


def bench_signin(db: str, runs: int) -> None:
    common.prepare(db, 1)  # the calling window open at any hour, so caller01 has a lead whenever this runs
    env = bench_env()
    with Serve(db, env) as server:
        kbase = [*KBASE, "--server", server.address]
        bare = [PYTHON, "-c", BARE_SIGNIN, server.address]
        signin_once(bare, env, "caller01")  # warm: file cache, the server's first requests
        for name, username, what in ROLES:
            signin_once(kbase, env, username)
            bare_ms, kbase_ms = [], []
            for _ in range(runs):
                bare_ms.append(signin_once(bare, env, username))
                kbase_ms.append(signin_once(kbase, env, username))
            got, base = latency(kbase_ms, 1), latency(bare_ms, 1)
            emit(
                name,
                got["p50"],
                "ms",
                "value − baseline < 150 ms (medians)",
                base["p50"],
                met=got["p50"] - base["p50"] < 150,
                database=db_label(db),
                beyond_baseline_p50=round(got["p50"] - base["p50"], 1),
                **got,
                baseline_stats=base,
                note=f"Enter on the password → {what} painted; a new `kbase --server` process each run "
                "(120x36 pty) against a running `kbase serve` process; includes the server's sign-in floor "
                "and the password hash; baseline: a bare Textual app signing in through the same client "
                "and painting a 30-row table",
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--only", default="start,signin")
    args = parser.parse_args()
    only = args.only.split(",")
    if "start" in only:
        bench_start(args.db, args.runs)
    if "signin" in only:
        bench_signin(args.db, args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
