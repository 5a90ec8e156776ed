#!/usr/bin/env python3
"""Soak test: many processes of mixed work on one database, then proof that nothing was lost or doubled.

    .venv/bin/python scripts/soak.py --processes 32 --seconds 60 [--db PATH|URL] [--logs DIR]
    .venv/bin/python scripts/soak.py --check DIR --db PATH|URL     # re-check a finished run

Without --db a demo database is created in a temporary folder (services.demo.ensure_demo_database).
NEVER point it at a production database: it creates users, reassigns deals and accounts and imports
leads.  Setup (real services): soak users for each role (several per role, one per process),
`--leads` extra cold leads through the importer, the open deals shared among the soak closers and
the accounts among the soak account managers (pipeline.reassign_deal, accounts.reassign_account).

Each process works as one user through the real services until the time is up:

- callers (half the processes): queue.claim_next_lead, sometimes clients.add_note on the held lead,
  then queue.record_outcome with a mixed outcome (no answer, busy, callback in 5-30 s, refusal,
  hand-over to a soak closer, wrong number, do not call);
- closers (a quarter): pipeline.board, then pipeline.add_deal_note or pipeline.move_deal;
- account managers (a quarter): accounts.account_card, then accounts.record_order or clients.add_note.

DatabaseBusy is retried (as the UI's call_service does) and counted.  Every confirmed action is
logged with the id the service returned to the process's own file (`<logs>/p<N>-<role>.jsonl`).

Afterwards the script checks, and exits 1 if any check fails:

- no company was held by two callers at once: the claim audit events (`lead_claimed`) and the ends
  of the holds (`call_outcome`, `lead_released`), walked in commit order, never show a company
  claimed while another caller holds it; every logged claim is one claim event, and no soak caller
  still holds a lead;
- every confirmed action recorded exactly once: the history rows (notes, calls, stage moves, orders)
  and order rows written since the start match the logs one to one (same id, user, company, text or
  outcome), with nothing extra;
- the audit chain verifies (services.audit.verify_chain);
- `PRAGMA integrity_check` and `foreign_key_check` (SQLite).

It prints the counts per action, the throughput and the busy retries.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing
import os
import random
import sys
import tempfile
import time
import traceback
from collections import Counter
from datetime import timedelta
from pathlib import Path

CALLER_OUTCOMES = [
    ("no_answer", 30),
    ("busy", 10),
    ("callback", 10),
    ("refused", 15),
    ("interested", 15),
    ("wrong_number", 10),
    ("do_not_call", 10),
]
MAX_BUSY_RETRIES = 400
SOAK_PASSWORD = "Soak-Password-2026!"


# --- the work of one process ---------------------------------------------------------------------------


def worker(url: str, index: int, user: dict, plan: dict, log_path: str, ready, go, start_at) -> None:
    os.environ.setdefault("KBASE_LANG", "en")
    from kbase_tui.models import utcnow
    from kbase_tui.services import accounts, clients, clock, pipeline, queue
    from kbase_tui.services.db import connect
    from kbase_tui.services.dto import Actor
    from kbase_tui.services.errors import DatabaseBusy, QueueEmpty, ValidationFailed

    try:  # the exfiltration alarms' wait (setup turns the limits off; an existing --db may keep them)
        from kbase_tui.services.alarms import SlowDown
    except ImportError:  # pragma: no cover - a tree without alarms

        class SlowDown(Exception):  # type: ignore[no-redef]
            seconds = 1

    database = connect(url, migrate=False)
    actor = Actor(**user)
    rng = random.Random(plan["seed"] * 1000 + index)
    busy = 0
    busy_by: Counter = Counter()
    slowed = 0
    errors: list[str] = []
    log = open(log_path, "w", encoding="utf-8", buffering=1)  # noqa: SIM115 (open for the whole run)
    serial = 0

    def record(op: str, **fields) -> None:
        log.write(json.dumps({"op": op, "user": actor.id, **fields}, ensure_ascii=False, default=str) + "\n")

    def call(fn, *args, **kwargs):
        nonlocal busy, slowed
        for _attempt in range(MAX_BUSY_RETRIES):
            try:
                return fn(database, actor, *args, **kwargs)
            except SlowDown as error:  # told to wait, as a person would be
                slowed += 1
                time.sleep(min(float(error.seconds), max(0.0, deadline + 30 - time.time())))
            except DatabaseBusy:
                busy += 1
                busy_by[fn.__name__] += 1
                time.sleep(rng.uniform(0.005, 0.05))
        raise RuntimeError(f"{fn.__name__}: the database stayed busy through {MAX_BUSY_RETRIES} retries")

    def text(kind: str) -> str:
        nonlocal serial
        serial += 1
        return f"soak p{index} {kind} #{serial}: клиент просит перезвонить, [bold]не разметка[/]"

    deadline = time.time() + 3600  # until the start signal
    ready.put(index)
    go.wait()
    deadline = start_at.value + plan["seconds"]
    empty = 0
    try:
        if actor.role == "caller":
            reasons = [r.code for r in call(queue.refusal_reasons)]
            codes = [c for c, _w in CALLER_OUTCOMES]
            weights = [w for _c, w in CALLER_OUTCOMES]
            while time.time() < deadline:
                try:
                    lead = call(queue.claim_next_lead)
                except QueueEmpty:
                    empty += 1
                    time.sleep(0.2)
                    continue
                record("claim", company=lead.company_id, source=lead.source)
                if rng.random() < 0.25:
                    note = text("note")
                    entry = call(clients.add_note, lead.company_id, "note", note)
                    record("note", id=entry.id, company=lead.company_id, text=note)
                code = rng.choices(codes, weights)[0]
                details: dict = {}
                if code == "refused":
                    details["reason_code"] = rng.choice(reasons)
                elif code == "callback":
                    details["callback_at"] = utcnow() + timedelta(seconds=rng.uniform(5, 30))
                elif code == "interested":
                    details["closer_id"] = rng.choice(plan["closers"])
                elif code == "wrong_number":
                    details["comment"] = "номер не существует"
                # A held lead always gets its outcome, even past the deadline: nothing is left held.
                result = call(queue.record_outcome, lead.company_id, code, **details)
                record("outcome", company=lead.company_id, code=code, deal=result.deal_id)
        elif actor.role == "closer":
            while time.time() < deadline:
                board = call(pipeline.board)
                deals = [deal for column in board.columns for deal in column.deals]
                if not deals:
                    empty += 1
                    time.sleep(0.2)
                    continue
                for _round in range(5):
                    if time.time() >= deadline:
                        break
                    position = rng.randrange(len(deals))
                    deal = deals[position]
                    if rng.random() < 0.5:
                        note = text("deal-note")
                        entry = call(pipeline.add_deal_note, deal.id, "note", note)
                        record("deal_note", id=entry.id, deal=deal.id, company=deal.company_id, text=note)
                        continue
                    step = rng.choice((1, -1))
                    try:
                        moved = call(pipeline.move_deal, deal.id, step, expected_stage=deal.stage_code)
                    except ValidationFailed:  # first or last stage: the other way
                        moved = call(pipeline.move_deal, deal.id, -step, expected_stage=deal.stage_code)
                    record("move", deal=deal.id, company=deal.company_id, old=deal.stage_code, stage=moved.stage_code)
                    deals[position] = moved
        elif actor.role == "account":
            companies = plan["accounts"].get(str(actor.id), [])
            if not companies:
                raise RuntimeError("no accounts were given to this account manager")
            while time.time() < deadline:
                company_id = rng.choice(companies)
                call(accounts.account_card, company_id)
                if rng.random() < 0.6:
                    # The call centre's date, as a person at the desk types it: the server's own clock
                    # zone (Vladivostok in CI's second pass) may be a day ahead of it.
                    day = clock.today(database) - timedelta(days=rng.randrange(0, 30))
                    amount = f"{rng.randrange(1000, 500000)}.{rng.randrange(100):02d}"
                    result = call(accounts.record_order, company_id, day, amount, text("order"))
                    record(
                        "order",
                        id=result.order.id,
                        company=company_id,
                        amount=amount,
                        returned=result.returned_from_lost,
                    )
                else:
                    note = text("note")
                    entry = call(clients.add_note, company_id, "note", note)
                    record("note", id=entry.id, company=company_id, text=note)
    except Exception:
        errors.append(traceback.format_exc())
    record(
        "done",
        busy=busy,
        busy_by=dict(busy_by),
        slowed=slowed,
        empty=empty,
        errors=errors,
        ended=time.time() - start_at.value,
    )
    log.close()
    database.dispose()


# --- setup ----------------------------------------------------------------------------------------------


def roles_for(processes: int) -> list[str]:
    callers = max(1, processes // 2)
    closers = max(1, (processes - callers) // 2)
    accounts = max(1, processes - callers - closers)
    return ["caller"] * callers + ["closer"] * closers + ["account"] * accounts


def write_leads(path: Path, count: int, seed: int) -> None:
    cities = ("Москва", "Казань", "Тула", "Пермь", "Омск", "Самара", "Уфа", "Тверь")
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write("Наименование;Телефон;Город;Контактное лицо;Отрасль\n")
        for n in range(count):
            digits = f"{2_000_000 + seed % 1000 * 10_000 + n:07d}"[-7:]
            handle.write(
                f"ООО «Нагрузка {seed}-{n}»;+7 812 {digits};{cities[n % len(cities)]};Иван Петров;Оптовая торговля\n"
            )


def setup(database, processes: int, leads: int, seed: int, workdir: Path) -> tuple[list[dict], dict, dict]:
    from sqlalchemy import func, select

    from kbase_tui.models import AuditEvent, ClientOrder, Company, Deal, Interaction, Stage, User
    from kbase_tui.services import accounts, importing, passwords, pipeline, reference, users
    from kbase_tui.services.dto import Actor

    roles = roles_for(processes)
    password_hash = passwords.hash_password(SOAK_PASSWORD)
    tag = f"{seed % 100000}"
    made: list[dict] = []
    with database.write() as session:
        for role in ("supervisor", *roles):
            n = sum(1 for u in made if u["role"] == role) + 1
            user = users.add_user(
                session,
                "local:soak",
                f"soak{tag}{role}{n}",
                role,
                SOAK_PASSWORD,
                full_name=f"Soak {role} {n}",
                must_change_password=False,
                check_rules=False,
                password_hash=password_hash,
            )
            made.append({"id": user.id, "username": user.username, "role": user.role, "full_name": user.full_name})
        # The soak works faster than any person: the exfiltration alarms' limits would only make it
        # wait (a limit of 0 turns a check off).  Their own tests are in tests/services.
        for key in ("security.leads_per_minute", "security.card_views_per_hour"):
            with contextlib.suppress(KeyError):  # a tree without the alarms
                reference.set_setting(session, key, 0)
    supervisor = Actor(**made[0])
    workers = made[1:]
    closers = [u["id"] for u in workers if u["role"] == "closer"]
    managers = [u["id"] for u in workers if u["role"] == "account"]

    if leads:
        csv_path = workdir / f"soak-leads-{tag}.csv"
        write_leads(csv_path, leads, seed)
        importing.run_import(database, users.local_actor(), csv_path)
    with database.read() as session:
        open_deals = session.execute(select(Deal.id).where(Deal.status == "open").order_by(Deal.id)).scalars().all()
        account_ids = (
            session.execute(select(Company.id).where(Company.stage == Stage.ACCOUNT).order_by(Company.id))
            .scalars()
            .all()
        )
    for n, deal_id in enumerate(open_deals):
        pipeline.reassign_deal(database, supervisor, deal_id, closers[n % len(closers)], "soak")
    given: dict[str, list[int]] = {str(m): [] for m in managers}
    for n, company_id in enumerate(account_ids[: 40 * len(managers)]):
        manager = managers[n % len(managers)]
        accounts.reassign_account(database, supervisor, company_id, manager, "soak")
        given[str(manager)].append(company_id)

    with database.read() as session:
        mark = {
            "interaction": session.execute(select(func.coalesce(func.max(Interaction.id), 0))).scalar_one(),
            "audit": session.execute(select(func.coalesce(func.max(AuditEvent.id), 0))).scalar_one(),
            "order": session.execute(select(func.coalesce(func.max(ClientOrder.id), 0))).scalar_one(),
            "users": {str(u["id"]): u["role"] for u in workers},
            "queue": session.execute(select(func.count()).select_from(Company).where(Company.in_queue)).scalar_one(),
            "deals": len(open_deals),
            "accounts": sum(len(v) for v in given.values()),
        }
        assert session.execute(select(func.count()).select_from(User)).scalar_one() >= len(made)
    plan = {"closers": closers, "accounts": given}
    return workers, plan, mark


# --- checks ---------------------------------------------------------------------------------------------


def read_logs(logdir: Path) -> tuple[list[dict], list[dict]]:
    actions, done = [], []
    for path in sorted(logdir.glob("p*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            item = json.loads(line)
            (done if item["op"] == "done" else actions).append(item)
    return actions, done


def check(database, mark: dict, actions: list[dict]) -> tuple[list[str], dict]:
    """Every check of the run; returns (failures, figures)."""
    from sqlalchemy import select, text

    from kbase_tui.models import AuditEvent, ClientOrder, Company, Interaction
    from kbase_tui.services import audit

    failures: list[str] = []
    soak_users = {int(k) for k in mark["users"]}
    with database.read() as session:
        rows = session.execute(
            select(
                Interaction.id,
                Interaction.user_id,
                Interaction.company_id,
                Interaction.deal_id,
                Interaction.kind,
                Interaction.outcome,
                Interaction.text,
            )
            .where(Interaction.id > mark["interaction"])
            .order_by(Interaction.id)
        ).all()
        orders = {
            o.id: o
            for o in session.execute(
                select(ClientOrder.id, ClientOrder.company_id, ClientOrder.amount, ClientOrder.created_by_id).where(
                    ClientOrder.id > mark["order"]
                )
            ).all()
        }
        events = session.execute(
            select(AuditEvent.id, AuditEvent.action, AuditEvent.actor_id, AuditEvent.entity_id)
            .where(
                AuditEvent.id > mark["audit"], AuditEvent.action.in_(("lead_claimed", "call_outcome", "lead_released"))
            )
            .order_by(AuditEvent.id)
        ).all()
        still_held = session.execute(
            select(Company.id, Company.held_by_id).where(Company.held_by_id.in_(soak_users))
        ).all()
        problems = audit.verify_chain(session)
        if database.is_sqlite:
            integrity = session.execute(text("PRAGMA integrity_check")).scalar_one()
            foreign = session.execute(text("PRAGMA foreign_key_check")).all()
        else:
            integrity, foreign = "n/a (PostgreSQL)", []

    # 1. never held by two callers at once (commit order of the claim and release events)
    holder: dict[int, int] = {}
    for _id, action, actor_id, company_id in events:
        if action == "lead_claimed":
            other = holder.get(company_id)
            if other is not None and other != actor_id:
                failures.append(
                    f"company {company_id} claimed by user {actor_id} while user {other} held it (event {_id})"
                )
            holder[company_id] = actor_id
        elif holder.get(company_id) == actor_id:
            del holder[company_id]
    logged_claims = Counter((a["user"], a["company"]) for a in actions if a["op"] == "claim")
    claim_events = Counter((e.actor_id, e.entity_id) for e in events if e.action == "lead_claimed")
    if logged_claims != claim_events:
        failures.append(
            f"claims: {sum((logged_claims - claim_events).values())} logged without an event, "
            f"{sum((claim_events - logged_claims).values())} events not in the logs"
        )
    if still_held:
        failures.append(f"{len(still_held)} companies still held by soak callers: {still_held[:5]}")

    # 2. every confirmed action exactly once, nothing extra
    by_id = {r.id: r for r in rows}
    used: set[int] = set()

    def take(row_id: int, expect: dict, what: str) -> None:
        row = by_id.get(row_id)
        if row is None:
            failures.append(f"{what} {row_id}: logged as confirmed, not in the history")
            return
        if row_id in used:
            failures.append(f"{what} {row_id}: logged twice")
            return
        wrong = {k: (getattr(row, k), v) for k, v in expect.items() if getattr(row, k) != v}
        if wrong:
            failures.append(f"{what} {row_id}: differs from the log {wrong}")
        used.add(row_id)

    for a in actions:
        if a["op"] == "note":
            take(
                a["id"],
                {"user_id": a["user"], "company_id": a["company"], "kind": "note", "text": a["text"], "deal_id": None},
                "note",
            )
        elif a["op"] == "deal_note":
            take(
                a["id"],
                {
                    "user_id": a["user"],
                    "company_id": a["company"],
                    "kind": "note",
                    "text": a["text"],
                    "deal_id": a["deal"],
                },
                "deal note",
            )

    def match_multiset(kind: str, logged: Counter, key) -> None:
        found: Counter = Counter()
        ids: dict = {}
        for r in rows:
            if r.kind == kind and r.id not in used:
                k = key(r)
                found[k] += 1
                ids.setdefault(k, []).append(r.id)
        missing, extra = logged - found, found - logged
        if missing:
            failures.append(
                f"{kind}: {sum(missing.values())} logged as confirmed but not in the history, e.g. {list(missing)[:3]}"
            )
        if extra:
            failures.append(
                f"{kind}: {sum(extra.values())} in the history but not in the logs (doubled or stray), "
                f"e.g. {list(extra)[:3]}"
            )
        for k, count in (found & logged).items():
            used.update(ids[k][:count])

    match_multiset(
        "call",
        Counter((a["user"], a["company"], a["code"]) for a in actions if a["op"] == "outcome"),
        lambda r: (r.user_id, r.company_id, r.outcome),
    )
    match_multiset(
        "stage",
        Counter((a["user"], a["deal"], a["stage"]) for a in actions if a["op"] == "move"),
        lambda r: (r.user_id, r.deal_id, r.outcome),
    )
    logged_orders = [a for a in actions if a["op"] == "order"]
    match_multiset(
        "order", Counter((a["user"], a["company"]) for a in logged_orders), lambda r: (r.user_id, r.company_id)
    )
    match_multiset(
        "handover",
        Counter((a["user"], a["company"]) for a in actions if a["op"] == "outcome" and a["code"] == "interested"),
        lambda r: (r.user_id, r.company_id),
    )
    match_multiset(
        "system",
        Counter((a["user"], a["company"]) for a in logged_orders if a["returned"]),
        lambda r: (r.user_id, r.company_id),
    )
    stray = [(r.id, r.kind, r.user_id) for r in rows if r.id not in used]
    if stray:
        failures.append(
            f"{len(stray)} history rows written during the soak that no logged action explains: {stray[:5]}"
        )
    logged_order_ids = Counter(a["id"] for a in logged_orders)
    if [i for i, n in logged_order_ids.items() if n > 1]:
        failures.append("an order id was logged twice")
    for a in logged_orders:
        row = orders.get(a["id"])
        if row is None:
            failures.append(f"order {a['id']}: logged as confirmed, not in the orders")
        elif (row.company_id, f"{row.amount:.2f}", row.created_by_id) != (a["company"], a["amount"], a["user"]):
            failures.append(f"order {a['id']}: differs from the log")
    extra_orders = set(orders) - set(logged_order_ids)
    if extra_orders:
        failures.append(f"{len(extra_orders)} orders not in the logs (doubled or stray): {sorted(extra_orders)[:5]}")

    # 3. audit chain; 4. the file itself
    if problems:
        failures.append(f"audit chain: {len(problems)} problem(s), first {problems[0]}")
    if integrity != "ok" and not str(integrity).startswith("n/a"):
        failures.append(f"PRAGMA integrity_check: {integrity}")
    if foreign:
        failures.append(f"PRAGMA foreign_key_check: {foreign[:5]}")
    figures = {
        "history_rows": len(rows),
        "orders": len(orders),
        "claim_events": sum(claim_events.values()),
        "audit_chain": "ok" if not problems else f"{len(problems)} problems",
        "integrity_check": integrity,
    }
    return failures, figures


def report(
    actions: list[dict], done: list[dict], seconds: float, processes: int, figures: dict, failures: list[str]
) -> None:
    ops = Counter(a["op"] for a in actions)
    outcomes = Counter(a["code"] for a in actions if a["op"] == "outcome")
    busy = sum(d["busy"] for d in done)
    empty = sum(d["empty"] for d in done)
    slowed = sum(d.get("slowed", 0) for d in done)
    confirmed = sum(ops.values())
    print(f"processes: {processes}, work time: {seconds:.1f} s")
    print("confirmed actions: " + ", ".join(f"{op} {n}" for op, n in sorted(ops.items())) + f"; total {confirmed}")
    print("outcomes: " + ", ".join(f"{c} {n}" for c, n in sorted(outcomes.items())))
    print(f"throughput: {confirmed / seconds:.1f} confirmed writes/s")
    by = Counter()
    for d in done:
        by.update(d.get("busy_by", {}))
    detail = ", ".join(f"{name} {n}" for name, n in by.most_common())
    print(
        f"busy retries: {busy}"
        + (f" ({detail})" if detail else "")
        + f"; empty queue / board waits: {empty}; told to slow down: {slowed}"
    )
    print("checked: " + ", ".join(f"{k} {v}" for k, v in figures.items()))
    if failures:
        print(f"FAILED ({len(failures)}):")
        for line in failures:
            print("  - " + line)
    else:
        print(
            "OK: no company held twice, every confirmed action recorded exactly once, audit chain verified, "
            "integrity ok"
        )


# --- main -------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--processes", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument(
        "--db", help="SQLite path or SQLAlchemy URL (default: a new demo database in a temporary folder)"
    )
    parser.add_argument("--logs", help="folder for the per-process logs (default: a temporary folder)")
    parser.add_argument("--leads", type=int, default=10000, help="extra cold leads imported before the run")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--check", metavar="DIR", help="only check the logs of a finished run in DIR against --db")
    args = parser.parse_args(argv)
    os.environ.setdefault("KBASE_LANG", "en")

    from kbase_tui.services.demo import ensure_demo_database
    from kbase_tui.services.setup import open_database

    if args.check:
        if not args.db:
            parser.error("--check needs --db")
        logdir = Path(args.check)
        meta = json.loads((logdir / "mark.json").read_text(encoding="utf-8"))
        database = open_database(args.db)
        actions, done = read_logs(logdir)
        failures, figures = check(database, meta["mark"], actions)
        failures += [f"process error: {e.strip().splitlines()[-1]}" for d in done for e in d["errors"]]
        report(actions, done, meta["seconds"], meta["processes"], figures, failures)
        return 1 if failures else 0

    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    workdir = Path(tempfile.mkdtemp(prefix="kbase-soak-"))
    db_arg = args.db or str(workdir / "soak.sqlite3")
    started = time.monotonic()
    database, _creds, created = ensure_demo_database(db_arg)
    print(f"database: {database.url} ({'new demo' if created else 'existing'}), seed {seed}")
    workers, plan, mark = setup(database, args.processes, args.leads, seed, workdir)
    plan.update(seed=seed, seconds=args.seconds)
    print(
        f"setup {time.monotonic() - started:.1f} s: {mark['queue']} leads in the queue, {mark['deals']} open deals, "
        f"{mark['accounts']} accounts; roles "
        + ", ".join(f"{r} {n}" for r, n in Counter(u["role"] for u in workers).items())
    )
    logdir = Path(args.logs) if args.logs else workdir / "logs"
    logdir.mkdir(parents=True, exist_ok=True)
    database.dispose()

    ctx = multiprocessing.get_context("spawn")
    ready, go, start_at = ctx.Queue(), ctx.Event(), ctx.Value("d", 0.0)
    procs = []
    for index, user in enumerate(workers):
        path = logdir / f"p{index:02d}-{user['role']}.jsonl"
        proc = ctx.Process(target=worker, args=(database.url, index, user, plan, str(path), ready, go, start_at))
        proc.start()
        procs.append(proc)
    for _ in procs:
        ready.get(timeout=600)
    start_at.value = time.time()
    go.set()
    work_started = time.monotonic()
    for proc in procs:
        proc.join(timeout=args.seconds + 600)
    joined = time.monotonic() - work_started
    failures = [f"process {p.pid} ended with exit code {p.exitcode}" for p in procs if p.exitcode != 0]
    print(f"logs: {logdir}")
    actions, done = read_logs(logdir)
    # Work time: from the start signal to the last process's last confirmed action.
    seconds = max((d["ended"] for d in done), default=joined)
    if len(done) != len(procs):
        failures.append(f"only {len(done)} of {len(procs)} processes finished their log")
    failures += [f"process error: {e.strip().splitlines()[-1]}" for d in done for e in d["errors"]]
    (logdir / "mark.json").write_text(
        json.dumps({"mark": mark, "seconds": seconds, "processes": len(procs), "db": database.url, "seed": seed}),
        encoding="utf-8",
    )
    database = open_database(database.url)
    check_started = time.monotonic()
    check_failures, figures = check(database, mark, actions)
    figures["check_seconds"] = round(time.monotonic() - check_started, 1)
    failures += check_failures
    report(actions, done, seconds, len(procs), figures, failures)
    for d in done:
        for e in d["errors"]:
            print(e, file=sys.stderr)
    database.dispose()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
