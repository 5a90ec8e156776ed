"""What the split between app and server costs the people at the keyboard.

    .venv/bin/python benchmarks/bench_server.py --db PATH|URL [--operators 1,16,64] [--calls N] [--rate R]

- `outcome_to_next_lead_<N>op` (the shift cycle): a caller presses an outcome key and waits for
  the next lead: `queue.record_and_next` (the outcome, then the next lead with its card and the
  day's counters) through a real `kbase serve` process over its Unix socket, by N simulated
  operators, each its own client process, with think time (uniform 0…2×think s between calls;
  think = operators / rate, so every figure offers the same load: --rate 20 outcomes a second,
  some twenty times what 64 people at the phones press).
  Baseline in the same run: the same service call made in-process by N processes (what the
  server does minus the boundary: kbase as it was before the split).  Targets: p99 < 50 ms and
  < 2 × the in-process p99.
- `client_rss_signed_in`: the resident memory of a real `kbase --server` app in a
  pseudo-terminal, signed in as a caller with a lead on the screen.  Baseline: a bare Textual
  app painting one label, measured the same way.  Target: ≤ 2 × baseline.

Every latency: p50, p99, p99.9 and max.  The database must exist (benchmarks/generate.py builds
the SQLite one; run.py copies it into PostgreSQL).  Bench users `benchop01`… are added if missing.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import random
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))

from common import (  # noqa: E402 (after the path to src is set)
    PASSWORD,
    PYTHON,
    Pty,
    Serve,
    as_the_app_does,
    as_the_app_does_async,
    bench_env,
    db_label,
    db_url,
    emit,
    latency,
    operator_names,
    prepare,
)

OUTCOME = "no_answer"


# --- one operator, either way -----------------------------------------------------------------------


async def _through_server(
    address: str, name: str, calls: int, think: float, barrier, gate, retries: list[str]
) -> list[float]:
    from kbase_tui.client import KbaseClient
    from kbase_tui.protocol import queue
    from kbase_tui.protocol.errors import DatabaseBusy

    rng = random.Random(name)
    client = KbaseClient.for_address(address)
    # Sign-ins are not what is measured: four at a time (a password check is ~0.5 s of CPU here; 64 at
    # once on two cores outlast the client's timeout).  A sign-in whose write waits past the busy timeout
    # is tried again, as the app does after "busy, retrying" (counted: sign_in_busy_retries).
    await asyncio.get_running_loop().run_in_executor(None, gate.acquire)
    try:
        for attempt in range(5):
            try:
                await client.sign_in(name, PASSWORD)
                break
            except DatabaseBusy:
                if attempt == 4:
                    raise
                retries.append(name)
                await asyncio.sleep(0.5)
    finally:
        gate.release()
    _outcomes, view = await client.call(queue.open_queue)
    if barrier is not None:
        await asyncio.get_running_loop().run_in_executor(None, barrier.wait)
    await asyncio.sleep(rng.uniform(0, 2 * think))  # operators do not start in step
    times = []
    for _ in range(calls):
        if view.lead is None:
            raise RuntimeError("the queue ran empty")
        started = time.perf_counter()
        lead_id = view.lead.company_id
        _result, view = await as_the_app_does_async(client.call, queue.record_and_next, lead_id, OUTCOME)
        while view.lead is None and view.wait_seconds:  # saved, the next lead not given yet: the screen waits
            await asyncio.sleep(view.wait_seconds)
            view = await as_the_app_does_async(client.call, queue.take_next)
        times.append((time.perf_counter() - started) * 1000)
        await asyncio.sleep(rng.uniform(0, 2 * think))
    await client.sign_out()
    await client.aclose()
    return times


def _in_process(db: str, name: str, me: int, calls: int, think: float, barrier) -> list[float]:
    from kbase_tui.services import queue
    from kbase_tui.services.db import connect
    from kbase_tui.services.dto import Actor

    rng = random.Random(name)
    # The parent brought the schema to head (common.prepare): 64 processes checking it at once
    # would queue for the write lock, which is not what is measured.
    database = connect(db_url(db), migrate=False)
    # Signed in already, as the server's session would be (64 password hashes at once are not the figure).
    actor = Actor(id=me, username=name, role="caller", full_name=f"Оператор {name[-2:]}")
    view = as_the_app_does(lambda: queue.take_next(database, actor))
    if barrier is not None:
        barrier.wait()
    time.sleep(rng.uniform(0, 2 * think))
    times = []
    for _ in range(calls):
        if view.lead is None:
            raise RuntimeError("the queue ran empty")
        started = time.perf_counter()
        lead_id = view.lead.company_id
        _result, view = as_the_app_does(queue.record_and_next, database, actor, lead_id, OUTCOME)
        while view.lead is None and view.wait_seconds:  # as the screen does after "the next lead comes in …"
            time.sleep(view.wait_seconds)
            view = as_the_app_does(lambda: queue.take_next(database, actor))
        times.append((time.perf_counter() - started) * 1000)
        time.sleep(rng.uniform(0, 2 * think))
    as_the_app_does(lambda: queue.release_lead(database, actor))
    database.dispose()
    return times


def _operator(kind: str, target: str, name: str, me: int, calls: int, think: float, barrier, gate, out) -> None:
    try:
        if kind == "server":
            retries: list[str] = []
            times = asyncio.run(_through_server(target, name, calls, think, barrier, gate, retries))
            out.put((times, len(retries)))
        else:
            out.put((_in_process(target, name, me, calls, think, barrier), 0))
    except BaseException as error:
        if barrier is not None:
            barrier.abort()
        import traceback

        frames = [
            f"{f.name}:{f.lineno}"
            for f in traceback.extract_tb(error.__traceback__)[::-1]
            if "sqlalchemy" not in f.filename
        ][:6]
        out.put(f"{type(error).__name__}: {error} (at {' < '.join(frames)})")


def operators(
    kind: str, target: str, ids: dict[str, int], count: int, calls: int, think: float
) -> tuple[list[float], int]:
    """*count* operator processes (forked: nothing shared but the code), all timings together."""
    # Loaded once here, before the fork: 64 processes each importing them would fight for the two cores
    # while one of them holds the write lock.
    import kbase_tui.client
    import kbase_tui.protocol.queue
    import kbase_tui.services.db
    import kbase_tui.services.dto
    import kbase_tui.services.queue  # noqa: F401

    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()
    barrier = ctx.Barrier(count) if count > 1 else None
    gate = ctx.Semaphore(4)
    workers = [
        ctx.Process(target=_operator, args=(kind, target, name, ids[name], calls, think, barrier, gate, out))
        for name in operator_names(count)
    ]
    for worker in workers:
        worker.start()
    times: list[float] = []
    errors: list[str] = []
    retries = 0
    for _ in workers:
        got = out.get(timeout=3600)
        if isinstance(got, str):
            errors.append(got)
        else:
            times.extend(got[0])
            retries += got[1]
    for worker in workers:
        worker.join()
    if errors:  # the first cause, not the other workers' broken barrier
        errors.sort(key=lambda e: e.startswith("BrokenBarrierError"))
        raise RuntimeError(errors[0])
    return times, retries


def bench_outcomes(db: str, counts: list[int], calls_total: int, rate: float) -> None:
    ids = prepare(db, max(counts))
    with Serve(db) as server:
        for count in counts:
            think = count / rate
            calls = max(2, calls_total // count)
            base = latency(operators("in_process", db, ids, count, calls, think)[0])
            got_times, retries = operators("server", server.address, ids, count, calls, think)
            got = latency(got_times)
            emit(
                f"outcome_to_next_lead_{count}op",
                got["p99"],
                "ms",
                "p99 < 50 ms and < 2 × baseline p99",
                base["p99"],
                met=got["p99"] < 50 and got["p99"] < 2 * base["p99"],
                database=db_label(db),
                operators=count,
                think_mean_ms=round(think * 1000),
                offered_per_second=rate,
                server=got,
                in_process=base,
                sign_in_busy_retries=retries,
                note=f"queue.record_and_next (outcome, next lead, card, counters) through kbase serve over its "
                f"socket, {count} operator process(es) with think time uniform 0–{2 * think * 1000:.0f} ms, "
                "vs the same call in-process from as many processes",
            )


# --- memory of a signed-in app -------------------------------------------------------------------

BARE_APP = """
from textual.app import App
from textual.widgets import Label
class Bare(App):
    def compose(self):
        yield Label("BARE-APP-PAINTED")
Bare().run()
"""


def rss_after(argv: list[str], steps: list[tuple[str, str]], env: dict[str, str]) -> float:
    """Resident MiB of the program once every (wait for text, then type) step is done, in a pty."""
    with Pty(argv, env) as term:
        for wanted, keys in steps:
            term.wait_for(wanted)
            if keys:
                term.drain(0.2)
                term.type(keys)
        term.drain(1.0)  # settled
        return term.rss_mib()


def bench_client_rss(db: str) -> None:
    prepare(db, 1)
    env = bench_env()
    with Serve(db, env) as server:
        base = rss_after([PYTHON, "-c", BARE_APP], [("BARE-APP-PAINTED", "")], env)
        app = rss_after(
            [PYTHON, "-m", "kbase_tui.cli.main", "--server", server.address],
            [("User name", "benchop01\r"), ("Password", f"{PASSWORD}\r"), ("Cold-call queue", "")],
            env,
        )
        emit(
            "client_rss_signed_in",
            round(app, 1),
            "MiB",
            "<= 2 × baseline",
            round(base, 1),
            met=app <= 2 * base,
            ratio=round(app / base, 2),
            database=db_label(db),
            note="VmRSS of `kbase --server` signed in as a caller with a lead on screen, vs a bare Textual app "
            "painting one label (80x24 pty)",
        )


def main() -> int:
    parser = argparse.ArgumentParser(description="kbase: the cost of the app/server split")
    parser.add_argument("--db", required=True, help="SQLite file or SQLAlchemy URL of an existing database")
    parser.add_argument("--operators", default="1,16,64")
    parser.add_argument("--calls", type=int, default=600, help="outcomes per figure, spread over the operators")
    parser.add_argument("--rate", type=float, default=20.0, help="outcomes a second offered by all operators")
    parser.add_argument("--only", default="outcomes,rss")
    args = parser.parse_args()
    os.environ.update({k: v for k, v in bench_env().items() if k.startswith("KBASE_")})
    only = args.only.split(",")
    if "outcomes" in only:
        bench_outcomes(args.db, [int(n) for n in args.operators.split(",")], args.calls, args.rate)
    if "rss" in only:
        bench_client_rss(args.db)
    return 0


if __name__ == "__main__":
    sys.exit(main())
