"""What the split between app and server costs the people at the keyboard.

    .venv/bin/python benchmarks/bench_server.py --db PATH|URL [--operators 1,64] [--calls N] [--think S]

Two figures, each printed as JSON lines beside a baseline measured in the same run:

- `outcome_to_next_lead_<N>op`: a caller presses an outcome key and waits for the next lead:
  `queue.record_and_next` through a real `kbase serve` process, over its Unix socket, by N
  simulated operators with think time (uniform 0…2×think seconds between calls), spread over a
  few client processes of asyncio tasks.  Baseline: the same service call made in-process by N
  threads of one process with the same think time (what the server does minus the boundary).
  Targets: p99 < 50 ms and < 2 × the in-process p99.
- `client_rss_signed_in`: the resident memory of a real `kbase --server` app in a pseudo-terminal,
  signed in as a caller with a lead on the screen.  Baseline: a bare Textual app painting one
  label, measured the same way.  Target: ≤ 2 × baseline.

Every latency: p50, p99, p99.9 and max.  The database must exist (benchmarks/generate.py builds
the SQLite one; for PostgreSQL, copy it with `kbase db copy`).  Bench users `benchop01`… are added
if missing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))

PASSWORD = "Bench-2026!"
OUTCOME = "no_answer"


def emit(name, value, unit, target, baseline, **extra) -> None:
    print(json.dumps({"name": name, "value": value, "unit": unit, "target": target, "baseline": baseline, **extra},
                     ensure_ascii=False), flush=True)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def summary(values: list[float]) -> dict[str, float]:
    return {"p50": round(pct(values, 0.5), 2), "p99": round(pct(values, 0.99), 2),
            "p99_9": round(pct(values, 0.999), 2), "max": round(max(values), 2), "n": len(values)}


def operator_names(count: int) -> list[str]:
    return [f"benchop{n:02d}" for n in range(1, count + 1)]


def prepare(db: str, operators: int) -> None:
    """Bench callers (one password hash for all) and no anti-scraping limit: they call far faster than people."""
    from sqlalchemy import select

    from kbase_tui.models import SecurityAlarm, User
    from kbase_tui.services import passwords, reference, users
    from kbase_tui.services.setup import open_existing_database

    database = open_existing_database(db if "://" in db else f"sqlite:///{Path(db).resolve()}")
    with database.write() as session:
        existing = set(session.execute(select(User.username)).scalars())
        password_hash = None
        for name in operator_names(operators):
            if name not in existing:
                password_hash = password_hash or passwords.hash_password(PASSWORD)
                users.add_user(session, "local:bench", name, "caller", PASSWORD, full_name=f"Оператор {name[-2:]}",
                               must_change_password=False, password_hash=password_hash)
        reference.set_setting(session, "security.leads_per_minute", 0)
        reference.set_setting(session, "security.card_views_per_hour", 0)
        # The calling window open at any hour: the figures must not depend on when the benchmark runs.
        reference.set_setting(session, "queue.calling_days", [1, 2, 3, 4, 5, 6, 7])
        reference.set_setting(session, "queue.calling_hours", [["00:00", "24:00"]])
        reference.set_setting(session, "queue.holidays_country", "")
        session.query(SecurityAlarm).delete()
    database.dispose()


# --- through the server -------------------------------------------------------------------------

def _client_worker(address: str, names: list[str], calls: int, think: float, seed: int, out) -> None:
    try:
        out.put(asyncio.run(_operators(address, names, calls, think, seed)))
    except BaseException as error:  # noqa: BLE001 - the parent reports it
        out.put(f"{type(error).__name__}: {error}")


async def _operators(address: str, names: list[str], calls: int, think: float, seed: int) -> list[float]:
    from kbase_tui.client import KbaseClient
    from kbase_tui.protocol import queue

    async def one(name: str, rng: random.Random) -> list[float]:
        client = KbaseClient.for_address(address)
        await client.sign_in(name, PASSWORD)
        _outcomes, view = await client.call(queue.open_queue)
        times = []
        await asyncio.sleep(rng.uniform(0, 2 * think))  # operators do not start in step
        for _ in range(calls):
            if view.lead is None:
                break
            started = time.perf_counter()
            _result, view = await client.call(queue.record_and_next, view.lead.company_id, OUTCOME)
            times.append((time.perf_counter() - started) * 1000)
            await asyncio.sleep(rng.uniform(0, 2 * think))
        await client.sign_out()
        await client.aclose()
        return times

    results = await asyncio.gather(*(one(name, random.Random(seed + i)) for i, name in enumerate(names)))
    return [t for times in results for t in times]


def start_server(db: str, folder: Path) -> tuple[subprocess.Popen, str]:
    socket_path = folder / "kbase.sock"
    env = dict(os.environ, KBASE_EXPORTS_DIR=str(folder / "exports"), KBASE_INBOX_DIR=str(folder / "inbox"))
    proc = subprocess.Popen([sys.executable, "-m", "kbase_tui.cli.main", "serve", "--db", db, "--socket",
                             str(socket_path)], env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while not socket_path.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"kbase serve did not start: {proc.stderr.read().decode()[-500:]}")
        time.sleep(0.05)
    return proc, f"unix:{socket_path}"


def through_server(address: str, operators: int, calls: int, think: float) -> list[float]:
    processes = min(operators, 8)
    names = operator_names(operators)
    ctx = multiprocessing.get_context("spawn")  # fresh clients: no database layer in them
    out = ctx.Queue()
    workers = [ctx.Process(target=_client_worker, args=(address, names[i::processes], calls, think, 100 * i, out))
               for i in range(processes)]
    for worker in workers:
        worker.start()
    times: list[float] = []
    for _ in workers:
        got = out.get(timeout=3600)
        if isinstance(got, str):
            raise RuntimeError(got)
        times.extend(got)
    for worker in workers:
        worker.join()
    return times


# --- in-process baseline -----------------------------------------------------------------------

def in_process(db: str, operators: int, calls: int, think: float) -> list[float]:
    from kbase_tui.services import queue, users
    from kbase_tui.services.setup import open_existing_database

    database = open_existing_database(db if "://" in db else f"sqlite:///{Path(db).resolve()}")
    times: list[float] = []
    lock = threading.Lock()
    errors: list[BaseException] = []

    def operator(name: str, seed: int) -> None:
        try:
            rng = random.Random(seed)
            actor = users.login(database, name, PASSWORD)
            view = queue.take_next(database, actor)
            mine = []
            time.sleep(rng.uniform(0, 2 * think))
            for _ in range(calls):
                if view.lead is None:
                    break
                started = time.perf_counter()
                _result, view = queue.record_and_next(database, actor, view.lead.company_id, OUTCOME)
                mine.append((time.perf_counter() - started) * 1000)
                time.sleep(rng.uniform(0, 2 * think))
            queue.release_lead(database, actor)
            with lock:
                times.extend(mine)
        except BaseException as error:  # noqa: BLE001
            errors.append(error)

    threads = [threading.Thread(target=operator, args=(name, i)) for i, name in enumerate(operator_names(operators))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    database.dispose()
    if errors:
        raise errors[0]
    return times


def bench_outcomes(db: str, operators_list: list[int], calls: int, think: float, label: str) -> None:
    prepare(db, max(operators_list))
    folder = Path(tempfile.mkdtemp(prefix="kbs-bench-"))
    server, address = start_server(db, folder)
    try:
        for operators in operators_list:
            wait = think if operators > 1 else think / 10
            base = summary(in_process(db, operators, calls, wait))
            got = summary(through_server(address, operators, calls, wait))
            emit(f"outcome_to_next_lead_{operators}op", got["p99"], "ms", "p99 < 50 ms and < 2 × baseline p99",
                 base["p99"], met=got["p99"] < 50 and got["p99"] < 2 * base["p99"], database=label,
                 server=got, in_process=base, think_mean_ms=round(wait * 1000),
                 note=f"queue.record_and_next through kbase serve over its socket, {operators} operator(s) with "
                      "think time, vs the same call in-process from as many threads")
    finally:
        server.terminate()
        server.wait(timeout=30)


# --- memory of a signed-in app -------------------------------------------------------------------

BARE_APP = """
from textual.app import App
from textual.widgets import Label
class Bare(App):
    def compose(self):
        yield Label("BARE-APP-PAINTED")
Bare().run()
"""


def rss_after(argv: list[str], steps: list[tuple[str, str]], env: dict[str, str], timeout: float = 60) -> float:
    """Resident MiB of the process once every (wait-for text, then type) step is done, in a pty."""
    import fcntl
    import pty
    import re
    import select
    import signal
    import struct
    import termios

    ansi = re.compile(r"\x1b(\[[0-9;?<>=!]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[()][A-Za-z0-9]|[=>78])")
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, start_new_session=True, close_fds=True,
                            env=dict(env, TERM="xterm-256color"))
    os.close(slave)
    seen = ""
    try:
        for wanted, keys in steps:
            deadline = time.monotonic() + timeout
            while wanted not in ansi.sub("", seen[-40000:]):
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{wanted!r} never appeared: {ansi.sub('', seen)[-300:]!r}")
                ready, _w, _x = select.select([master], [], [], 0.2)
                if ready:
                    seen += os.read(master, 65536).decode("utf-8", "replace")
            if keys:
                time.sleep(0.2)
                os.write(master, keys.encode())  # in one write, as a paste or a laggy link sends it
        time.sleep(1.0)  # settled
        status = Path(f"/proc/{proc.pid}/status").read_text()
        return int(next(line for line in status.splitlines() if line.startswith("VmRSS")).split()[1]) / 1024
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()
        os.close(master)


def bench_client_rss(db: str) -> None:
    prepare(db, 1)
    folder = Path(tempfile.mkdtemp(prefix="kbs-bench-"))
    server, address = start_server(db, folder)
    env = dict(os.environ)
    try:
        base = rss_after([sys.executable, "-c", BARE_APP], [("BARE-APP-PAINTED", "")], env)
        app = rss_after([sys.executable, "-m", "kbase_tui.cli.main", "--server", address],
                        [("User name", f"benchop01\t{PASSWORD}\r"), ("Cold-call queue", "")], env)
        emit("client_rss_signed_in", round(app, 1), "MiB", "<= 2 × baseline", round(base, 1), met=app <= 2 * base,
             ratio=round(app / base, 2),
             note="VmRSS of `kbase --server` signed in as a caller with a lead on screen, vs a bare Textual app "
                  "painting one label (80x24 pty)")
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> int:
    parser = argparse.ArgumentParser(description="kbase: the cost of the app/server split")
    parser.add_argument("--db", required=True, help="SQLite file or SQLAlchemy URL of an existing database")
    parser.add_argument("--operators", default="1,64")
    parser.add_argument("--calls", type=int, default=100, help="outcomes per operator")
    parser.add_argument("--think", type=float, default=0.5, help="mean think time in seconds (64 operators)")
    parser.add_argument("--label", default="", help="sqlite or postgresql (default: from --db)")
    parser.add_argument("--only", default="outcomes,rss")
    args = parser.parse_args()
    label = args.label or ("postgresql" if args.db.startswith("postgresql") else "sqlite")
    only = args.only.split(",")
    if "outcomes" in only:
        bench_outcomes(args.db, [int(n) for n in args.operators.split(",")], args.calls, args.think, label)
    if "rss" in only:
        bench_client_rss(args.db)
    return 0


if __name__ == "__main__":
    sys.exit(main())
