"""Take-next-lead latency on 1,000,000 companies: the service beside the bare SQL statement.

    .venv/bin/python benchmarks/queue_claim.py [--companies N] [--claims N] [--rebuild]

Builds (once; cached as benchmarks/out/queue-claim-<N>.sqlite3) a SQLite database with the
schema from services.setup.open_database and N companies written by raw sqlite3 executemany
(indexes dropped during the load and re-created from their own SQL afterwards), 20 callers
and 3 closers.  Then, in one process and interleaved round by round so both see the same
database state:

- bare: BEGIN IMMEDIATE; the single claim UPDATE ... RETURNING id (the service's statement: one
  seek into the queue index per (time zone, sales channel) open now); COMMIT, on a raw sqlite3 connection;
- service: queue.claim_next_lead(db, actor): access check, the caller's held lead and due
  callbacks, the shared claim, the audit event, commit;
- take_next (informative): claim plus the lead card and today's counters, what the screen
  waits for after an outcome.

After each claim the "call" ends (untimed): the lead is released with last_tried_at = now,
so the next claim walks the index as it does in a working day.  Prints JSON lines
{"name", "value", "unit", "target", "baseline"}.  Target: p99 < 5 ms and < 3 x the bare p99.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

os.environ.setdefault("KBASE_FAST_HASH", "1")
os.environ.setdefault("KBASE_KEYSTORE", "file")
HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
os.environ.setdefault("KBASE_DATA_DIR", str(OUT / "home" / "data"))
os.environ.setdefault("KBASE_CONFIG_DIR", str(OUT / "home" / "config"))
os.environ.setdefault("KBASE_LOG_DIR", str(OUT / "home" / "log"))
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))

from common import emit, pct  # noqa: E402

CALLERS = 20
UTC = UTC


def ts(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


AFTER_CALL = (
    "UPDATE company SET held_by_id = NULL, held_until = NULL, last_tried_at = ?, attempts = attempts + 1 WHERE id = ?"
)


def raw(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(str(path), isolation_level=None, timeout=30)
    conn.execute("PRAGMA busy_timeout = 30000")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    return conn


def build(path: Path, companies: int) -> None:
    from kbase_tui.models import Company
    from kbase_tui.services import users
    from kbase_tui.services.setup import open_database

    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    started = time.perf_counter()
    database = open_database(path)
    with database.write() as session:
        for n in range(1, CALLERS + 1):
            users.add_user(
                session,
                "local:bench",
                f"caller{n:02d}",
                "caller",
                "Bench-Password-2026",
                full_name=f"Оператор {n}",
                must_change_password=False,
            )
        for n in range(1, 4):
            users.add_user(
                session,
                "local:bench",
                f"closer{n}",
                "closer",
                "Bench-Password-2026",
                full_name=f"Менеджер {n}",
                must_change_password=False,
            )
    database.dispose()

    columns = [c.name for c in Company.__table__.columns]
    conn = raw(path)
    indexes = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'company' AND sql IS NOT NULL"
    ).fetchall()
    for name, _sql in indexes:
        conn.execute(f'DROP INDEX "{name}"')
    rng = random.Random(1)
    now = datetime.now(UTC)
    epoch = "1970-01-01 00:00:00.000000"
    cities = ["Москва", "Санкт-Петербург", "Тула", "Казань", "Екатеринбург", "Новосибирск"]
    zones = ["Europe/Moscow"] * 4 + ["Asia/Yekaterinburg", "Asia/Novosibirsk"]
    industries = ["Металлургия", "Машиностроение", "Розница", "Строительство", ""]
    channels = ["Интернет-магазины", "Розница", "Дилеры", "Конечные B2B", ""]
    created = ts(now - timedelta(days=90))
    placeholders = ", ".join("?" for _ in columns)
    insert = f"INSERT INTO company ({', '.join(columns)}) VALUES ({placeholders})"

    def rows(start: int, stop: int):
        for n in range(start, stop):
            roll = rng.random()
            stage, category, in_queue = "cold", "potential", 1
            if roll < 0.05:
                stage, in_queue = "pipeline", 0
            elif roll < 0.08:
                category, in_queue = "refused", 0
            elif roll < 0.09:
                category, in_queue = "do_not_call", 0
            priority = rng.choice((50, 100, 100, 100, 150))
            rank = 10 if rng.random() < 0.001 else priority
            tried = epoch if rng.random() < 0.7 else ts(now - timedelta(minutes=rng.randrange(1, 43200)))
            not_before = ts(now + timedelta(minutes=rng.randrange(1, 2880))) if rng.random() < 0.1 else None
            name = f"ООО «Компания №{n}»"
            city = cities[n % 6]
            values = {
                "id": n,
                "name": name,
                "name_search": name.casefold(),
                "inn": None,
                "city": city,
                "city_search": city.casefold(),
                "time_zone": zones[n % 6],
                "industry": industries[n % 5],
                "channel": channels[n % 5],
                "size": "",
                "source": "bench",
                "website": "",
                "email": "",
                "address": "",
                "abcde_class": "ABCDE"[n % 5],
                "is_key_client": 0,
                "potential_score": 0,
                "category": category,
                "stage": stage,
                "owner_id": None,
                "shelved_until": None,
                "requirements": "",
                "in_queue": in_queue,
                "queue_rank": rank,
                "priority": priority,
                "last_tried_at": tried,
                "not_before": not_before,
                "attempts": 0 if tried == epoch else rng.randrange(1, 4),
                "last_outcome": "",
                "held_by_id": None,
                "held_until": None,
                "callback_user_id": None,
                "callback_at": None,
                "special_offer": "Скидка 10%" if rank == 10 else "",
                "special_offer_user_id": None,
                "unreachable": 0,
                "needs_data_fix": 0,
                "merged_into_id": None,
                "import_run_id": None,
                "orders_count": 0,
                "revenue_total": 0,
                "margin_total": None,
                "first_order_at": None,
                "last_order_at": None,
                "next_purchase_at": None,
                "next_purchase_is_stated": 0,
                "next_follow_up_at": None,
                "created_at": created,
                "updated_at": created,
                "version": 1,
            }
            yield tuple(values[c] for c in columns)

    batch = 50_000
    for start in range(1, companies + 1, batch):
        conn.execute("BEGIN")
        conn.executemany(insert, rows(start, min(start + batch, companies + 1)))
        conn.execute("COMMIT")
    # A few personal callbacks and phones so the card has something to load.
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO phone (company_id, contact_id, number, label) VALUES (?, NULL, ?, '')",
        [(n, f"+7495{n % 10_000_000:07d}") for n in range(1, companies + 1, 7)],
    )
    conn.execute("COMMIT")
    for _name, sql in indexes:
        conn.execute(sql)
    conn.execute("ANALYZE")
    conn.close()
    print(
        json.dumps(
            {"note": f"built {companies} companies in {time.perf_counter() - started:.1f} s", "path": str(path)}
        ),
        flush=True,
    )


def measure(path: Path, claims: int, profile: bool) -> None:
    from kbase_tui.services import queue
    from kbase_tui.services.db import CHECKPOINT_PAGES, connect
    from kbase_tui.services.dto import Actor

    database = connect(path, migrate=True)  # a cached database follows later migrations
    conn = raw(path)
    # Bare claims, service claims and the untimed "calls" share this connection: it checkpoints
    # the log when kbase's own connections would, so neither side's figure is spared the work.
    conn.execute(f"PRAGMA wal_autocheckpoint = {CHECKPOINT_PAGES}")
    conn.execute("UPDATE company SET held_by_id = NULL, held_until = NULL WHERE held_by_id IS NOT NULL")
    # The bench claims flat out; a limit no one reaches keeps the alarm check's cost in the
    # figure (it counts every claim in the caller's rate_counter row) without slowing it down.
    conn.execute(
        "INSERT INTO setting (key, value, updated_at) VALUES ('security.leads_per_minute', '1000000000', "
        "'2026-01-01 00:00:00') ON CONFLICT(key) DO UPDATE SET value = excluded.value"
    )
    # Each lead taken is a card seen (services/alarms.py): the same kind of unreachable limit.
    conn.execute(
        "INSERT INTO setting (key, value, updated_at) VALUES ('security.card_views_per_hour', "
        "'{\"caller\": 1000000000}', '2026-01-01 00:00:00') ON CONFLICT(key) DO UPDATE SET value = excluded.value"
    )
    # The calling window open at any hour, so the figures do not depend on the hour and day of the run:
    # every zone of the base is open, the claim's most branches.
    for key, value in (
        ("queue.calling_days", "[1, 2, 3, 4, 5, 6, 7]"),
        ("queue.calling_hours", '[["00:00", "24:00"]]'),
        ("queue.holidays_country", '""'),
    ):
        conn.execute(
            "INSERT INTO setting (key, value, updated_at) VALUES (?, ?, '2026-01-01 00:00:00') "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )
    # Two sales channels with windows of their own (open at any hour too): the claim reads which
    # window each (zone, channel) pair keeps, and every pair is open, the claim's most branches.
    conn.execute(
        "INSERT INTO setting (key, value, updated_at) VALUES ('queue.channel_windows', ?, '2026-01-01 00:00:00') "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (
            json.dumps(
                {
                    "Розница": {"days": [1, 2, 3, 4, 5, 6, 7], "hours": [["00:00", "24:00"]]},
                    "Дилеры": {"days": [1, 2, 3, 4, 5, 6, 7], "hours": [["00:00", "12:00"], ["12:00", "24:00"]]},
                }
            ),
        ),
    )
    pairs = [tuple(row) for row in conn.execute(queue._statements(True)["pairs"])]
    # The bare claim: the service's own statement (one seek per open zone and channel) on a raw connection.
    bare_claim = queue._claim_statement(True, len(pairs))
    actors = [
        Actor(id=n, username=f"caller{n:02d}", role="caller", full_name=f"Оператор {n}") for n in range(1, CALLERS + 1)
    ]

    def after_call(company_id: int) -> None:
        conn.execute(AFTER_CALL, (ts(datetime.now(UTC)), company_id))

    def bare(user_id: int) -> int:
        now = datetime.now(UTC)
        conn.execute("BEGIN IMMEDIATE")
        params = {
            "me": user_id,
            "now": ts(now),
            "until": ts(now + timedelta(minutes=20)),
            "grace_cut": ts(now - timedelta(minutes=30)),
            **{f"z{n}": z for n, (z, _c) in enumerate(pairs)},
            **{f"c{n}": c for n, (_z, c) in enumerate(pairs)},
        }
        got = conn.execute(bare_claim, params).fetchone()
        conn.execute("COMMIT")
        return got[0]

    # Warm up: connections open, statements compiled, pages cached.
    for actor in actors[:3]:
        after_call(bare(actor.id))
        after_call(queue.claim_next_lead(database, actor).company_id)
    bare_ms: list[float] = []
    service_ms: list[float] = []
    profiler = None
    if profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0001)
    for n in range(claims):
        actor = actors[n % CALLERS]
        started = time.perf_counter()
        got = bare(actor.id)
        bare_ms.append((time.perf_counter() - started) * 1000)
        after_call(got)
        if profiler:
            profiler.start()
        started = time.perf_counter()
        got = queue.claim_next_lead(database, actor).company_id
        service_ms.append((time.perf_counter() - started) * 1000)
        if profiler:
            profiler.stop()
        after_call(got)
    take_ms: list[float] = []
    for n in range(max(50, claims // 10)):
        actor = actors[n % CALLERS]
        started = time.perf_counter()
        view = queue.take_next(database, actor)
        take_ms.append((time.perf_counter() - started) * 1000)
        after_call(view.lead.company_id)
    conn.close()
    database.dispose()
    size = f"{companies_in(path):,} companies, {len(pairs)} open (zone, channel) pairs, {claims} claims, 1 process"
    b50, b99, s50, s99 = pct(bare_ms, 0.5), pct(bare_ms, 0.99), pct(service_ms, 0.5), pct(service_ms, 0.99)
    emit(
        "queue_claim_bare_p50",
        round(b50, 3),
        "ms",
        None,
        None,
        note="bare claim statement in BEGIN IMMEDIATE/COMMIT; " + size,
    )
    emit("queue_claim_bare_p99", round(b99, 3), "ms", None, None, note="bare claim statement; " + size)
    emit(
        "queue_claim_p50",
        round(s50, 3),
        "ms",
        "< 3 x baseline",
        round(b50, 3),
        met=s50 < 3 * b50,
        ratio=round(s50 / b50, 2),
        note="queue.claim_next_lead; " + size,
    )
    emit(
        "queue_claim_p99",
        round(s99, 3),
        "ms",
        "< 5 ms and < 3 x baseline",
        round(b99, 3),
        met=s99 < 5 and s99 < 3 * b99,
        ratio=round(s99 / b99, 2),
        p999=round(pct(service_ms, 0.999), 3),
        max=round(max(service_ms), 3),
        mean=round(statistics.fmean(service_ms), 3),
        bare_p999=round(pct(bare_ms, 0.999), 3),
        bare_max=round(max(bare_ms), 3),
        note="queue.claim_next_lead; " + size,
    )
    emit(
        "queue_take_next_p50",
        round(pct(take_ms, 0.5), 3),
        "ms",
        None,
        round(b50, 3),
        note="claim + lead card + counters (what the screen waits for); " + size,
    )
    emit(
        "queue_take_next_p99",
        round(pct(take_ms, 0.99), 3),
        "ms",
        None,
        round(b99, 3),
        note="claim + lead card + counters; " + size,
    )
    if profiler:
        profiler.print(show_all=False)


def companies_in(path: Path) -> int:
    conn = sqlite3.connect(str(path))
    try:
        return conn.execute("SELECT max(id) FROM company").fetchone()[0] or 0
    finally:
        conn.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--companies", type=int, default=1_000_000)
    parser.add_argument("--claims", type=int, default=2000)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--profile", action="store_true", help="pyinstrument profile of the service claims")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"queue-claim-{args.companies}.sqlite3"
    if args.rebuild or not path.exists() or companies_in(path) != args.companies:
        build(path, args.companies)
    measure(path, args.claims, args.profile)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
