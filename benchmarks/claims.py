"""Take-next-lead: the service's claim beside the bare claim statement, 1, 16 and 64 processes.

    .venv/bin/python benchmarks/claims.py --db PATH|URL [--processes 1,16,64] [--claims N] [--rate R]

Each process is one caller (`benchop01`…, added by common.prepare) claiming leads one after the
other with think time between them (uniform 0…2×think s); after each claim the "call" ends with
no answer and the lead goes back to the queue (untimed), so the next claim walks the index as
in a working day.  Timed: the claim alone.  The think time grows with the number of processes
(think = processes / rate) so that every figure offers the same load, --rate claims a second
(200): about a hundred times what 64 people at the phones ask for, and less than the machine
can serve, so that the figure shows the waits between callers, not a queue of work that can
never drain.

- service: `queue.claim_next_lead` on kbase's own connection (services/db.py): the rules, the
  rate counter, the claim, the audit event, commit.
- bare (the fair baseline): the service's own claim statement (built by services/queue.py, one
  branch per zone and channel of the queue), alone, in its own transaction, on a connection set up as kbase sets up its own.  SQLite: the same pragmas
  (WAL, synchronous NORMAL, wal_autocheckpoint 10,000 pages, foreign keys) and the same lock
  wait (services/db.py begin_immediate, SQLite's busy handler off while it runs).  PostgreSQL:
  psycopg, READ COMMITTED, `FOR UPDATE SKIP LOCKED` as the service's claim.

Prints `take_next_lead_<N>p` with p50, p99, p99.9 and max of both.  Target: p99 < 5 ms and
< 3 × the bare p99.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import re
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))

from common import (  # noqa: E402
    as_the_app_does,
    bench_env,
    db_label,
    db_url,
    emit,
    is_postgresql,
    latency,
    operator_names,
    prepare,
)

UTC = UTC


def _ts(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def service_claim(sqlite: bool, fetch_pairs) -> tuple[str, dict]:
    """The service's own claim statement (services/queue.py), alone, and its zone and channel parameters.

    Built by the service's own code, so the baseline cannot drift from the claim it measures: one
    branch per (zone, channel) pair of the queue, read once with the service's own statement.  The
    benchmark opens the calling window at every hour of every day (common.prepare), so every pair is
    open, as the service finds them.
    """
    from kbase_tui.services import queue

    pairs = fetch_pairs(queue._statements(sqlite)["pairs"])
    params: dict = {}
    for n, (zone_name, channel) in enumerate(pairs):
        params[f"z{n}"], params[f"c{n}"] = zone_name, channel
    return queue._claim_statement(sqlite, len(pairs)), params


class SqliteSide:
    """A raw sqlite3 connection set up as services/db.py sets up kbase's own."""

    def __init__(self, path: str) -> None:
        import sqlite3

        from kbase_tui.services.db import BUSY_TIMEOUT_MS, CHECKPOINT_PAGES, begin_immediate

        self.begin_immediate = begin_immediate
        self.busy_ms = BUSY_TIMEOUT_MS
        self.conn = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
        for pragma in (
            f"busy_timeout = {BUSY_TIMEOUT_MS}",
            "journal_mode = WAL",
            "synchronous = NORMAL",
            "foreign_keys = ON",
            f"wal_autocheckpoint = {CHECKPOINT_PAGES}",
        ):
            self.conn.execute(f"PRAGMA {pragma}")
        self.sql, self.pairs = service_claim(True, lambda sql: self.conn.execute(sql).fetchall())

    def _write(self, sql: str, args) -> list:
        self.conn.execute("PRAGMA busy_timeout = 0")  # as services/db.py: the short naps wait, not SQLite
        try:
            self.begin_immediate(self.conn)
        finally:
            self.conn.execute(f"PRAGMA busy_timeout = {self.busy_ms}")
        try:
            rows = self.conn.execute(sql, args).fetchall()
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        return rows

    def claim(self, me: int) -> int:
        now = datetime.now(UTC)
        args = {
            "me": me,
            "now": _ts(now),
            "until": _ts(now + timedelta(minutes=20)),
            "grace_cut": _ts(now - timedelta(minutes=30)),
            **self.pairs,
        }
        return self._write(self.sql, args)[0][0]

    def after_call(self, company_id: int) -> None:
        self._write(
            "UPDATE company SET held_by_id = NULL, held_until = NULL, last_tried_at = ?, "
            "attempts = attempts + 1 WHERE id = ?",
            (_ts(datetime.now(UTC)), company_id),
        )

    def close(self) -> None:
        self.conn.close()


class PostgresSide:
    """A psycopg connection, READ COMMITTED (PostgreSQL's default, as kbase's engine)."""

    def __init__(self, url: str) -> None:
        import psycopg

        self.conn = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://", 1))
        sql, self.pairs = service_claim(False, lambda sql: self.conn.execute(sql).fetchall())
        self.sql = re.sub(r"(?<!:):([a-z_][a-z0-9_]*)", r"%(\1)s", sql)  # SQLAlchemy's :name as psycopg's

    def claim(self, me: int) -> int:
        now = datetime.now(UTC)
        with self.conn.transaction():
            row = self.conn.execute(
                self.sql,
                {
                    "me": me,
                    "now": now,
                    "until": now + timedelta(minutes=20),
                    "grace_cut": now - timedelta(minutes=30),
                    **self.pairs,
                },
            ).fetchone()
        return row[0]

    def after_call(self, company_id: int) -> None:
        with self.conn.transaction():
            self.conn.execute(
                "UPDATE company SET held_by_id = NULL, held_until = NULL, last_tried_at = %s, "
                "attempts = attempts + 1 WHERE id = %s",
                (datetime.now(UTC), company_id),
            )

    def close(self) -> None:
        self.conn.close()


class EngineSide:
    """The untimed "call" through the service's own engine: on PostgreSQL one connection a process, not two
    (64 processes with two each would pass the server's max_connections of 100)."""

    def __init__(self, database) -> None:
        self.database = database

    def after_call(self, company_id: int) -> None:
        with self.database.engine.begin() as conn:
            conn.exec_driver_sql(
                "UPDATE company SET held_by_id = NULL, held_until = NULL, last_tried_at = %(now)s, "
                "attempts = attempts + 1 WHERE id = %(id)s",
                {"now": datetime.now(UTC), "id": company_id},
            )

    def close(self) -> None:
        self.database.dispose()


def raw_side(db: str):
    return PostgresSide(db) if is_postgresql(db) else SqliteSide(str(Path(db).resolve()))


def _worker(kind: str, db: str, me: int, name: str, n: int, think: float, barrier, out) -> None:
    try:
        out.put(_claims(kind, db, me, name, n, think, barrier))
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


def _claims(kind: str, db: str, me: int, name: str, n: int, think: float, barrier) -> list[float]:
    rng = random.Random(me)
    side = raw_side(db) if kind == "bare" or not is_postgresql(db) else None  # the untimed "call"
    if kind == "service":
        from kbase_tui.services import queue
        from kbase_tui.services.db import connect
        from kbase_tui.services.dto import Actor

        # The parent brought the schema to head (common.prepare): 64 processes checking it at once
        # would queue for the write lock, which is not what is measured.
        database = connect(db_url(db), migrate=False)
        side = side or EngineSide(database)
        actor = Actor(id=me, username=name, role="caller")
        as_the_app_does(lambda: queue.release_lead(database, actor))  # a lead left held by an earlier run
        warm = as_the_app_does(lambda: queue.claim_next_lead(database, actor).company_id)
        as_the_app_does(lambda: side.after_call(warm))

        def claim() -> int:
            # A claim the database refused as busy is asked again, as the app does (ui/base.py): the operator's
            # wait includes it, and the figure does too.
            return as_the_app_does(lambda: queue.claim_next_lead(database, actor).company_id)
    else:
        first = as_the_app_does(lambda: side.claim(me))
        as_the_app_does(lambda: side.after_call(first))

        def claim() -> int:
            # The bare claim waits as kbase's does: the same naps, and asked again when still busy.
            return as_the_app_does(lambda: side.claim(me))

    times = []
    if barrier is not None:
        barrier.wait()
    time.sleep(rng.uniform(0, 2 * think))  # the operators do not start in step
    for _ in range(n):
        started = time.perf_counter()
        company_id = claim()
        times.append((time.perf_counter() - started) * 1000)
        as_the_app_does(side.after_call, company_id)  # untimed, but a busy answer must not end the run
        time.sleep(rng.uniform(0, 2 * think))
    side.close()
    return times


def run_claims(kind: str, db: str, ids: list[tuple[str, int]], n: int, think: float) -> list[float]:
    # Loaded once here, before the fork: 64 processes each importing them would fight for the two cores
    # while one of them holds the write lock.
    import kbase_tui.services.db
    import kbase_tui.services.dto
    import kbase_tui.services.queue  # noqa: F401

    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()
    barrier = ctx.Barrier(len(ids)) if len(ids) > 1 else None
    workers = [ctx.Process(target=_worker, args=(kind, db, me, name, n, think, barrier, out)) for name, me in ids]
    for worker in workers:
        worker.start()
    times: list[float] = []
    errors: list[str] = []
    for _ in workers:
        got = out.get(timeout=1800)
        (errors.append if isinstance(got, str) else times.extend)(got)
    for worker in workers:
        worker.join()
    if errors:  # the first cause, not the other workers' broken barrier
        errors.sort(key=lambda e: e.startswith("BrokenBarrierError"))
        raise RuntimeError(errors[0])
    return times


def bench_claims(db: str, processes_list: list[int], claims_total: int, rate: float) -> None:
    ids = prepare(db, max(processes_list))
    for processes in processes_list:
        think = processes / rate
        names = operator_names(processes)
        chosen = [(name, ids[name]) for name in names]
        n = max(2, claims_total // processes)
        bare = latency(run_claims("bare", db, chosen, n, think), 3)
        got = latency(run_claims("service", db, chosen, n, think), 3)
        emit(
            f"take_next_lead_{processes}p",
            got["p99"],
            "ms",
            "p99 < 5 ms and < 3 × baseline p99",
            bare["p99"],
            met=got["p99"] < 5 and got["p99"] < 3 * bare["p99"],
            database=db_label(db),
            processes=processes,
            think_mean_ms=round(think * 1000),
            offered_per_second=rate,
            service=got,
            bare=bare,
            note=f"queue.claim_next_lead vs the bare claim statement (same pragmas and lock waits); {processes} "
            f"process(es), each one caller, think time uniform 0–{2 * think * 1000:.0f} ms between claims",
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--processes", default="1,16,64")
    parser.add_argument("--claims", type=int, default=2000, help="claims per figure, spread over the processes")
    parser.add_argument("--rate", type=float, default=200.0, help="claims a second offered by all processes together")
    args = parser.parse_args()
    os.environ.update({k: v for k, v in bench_env().items() if k.startswith("KBASE_")})
    bench_claims(args.db, [int(n) for n in args.processes.split(",")], args.claims, args.rate)
    return 0


if __name__ == "__main__":
    sys.exit(main())
