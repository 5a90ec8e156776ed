"""The cold-call queue shared by separate processes: 8 callers flat out, and a caller killed with -9.

- 8 processes (multiprocessing, spawn: nothing shared but the database) take leads from
  10,000 companies as fast as they can and record an outcome on each; afterwards no company was
  ever held by two callers, and every company was taken and got its outcome exactly once.
- A process holding a lead is killed with SIGKILL: with a short lease the lead comes back to the
  queue by itself and another caller gets it.

Runs on SQLite, and on PostgreSQL when it is reachable.  Marked slow.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from collections import Counter

import pytest
from sqlalchemy import func, insert, select

from kbase_tui.models import AuditEvent, Company, Interaction, Phone, Refusal, Role, utcnow
from kbase_tui.services import queue, reference
from kbase_tui.services.errors import QueueEmpty

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("no_rate_limits")]

# The figure: 10,000 companies taken flat out by 8 processes (about a minute on SQLite
# on an idle 2-core machine).  PostgreSQL serialises every claim on the audit chain's head row,
# so it gets a tenth.  KBASE_QUEUE_TEST_COMPANIES lowers it on a busy machine.
COMPANIES = int(os.environ.get("KBASE_QUEUE_TEST_COMPANIES", "10000"))
PROCESSES = 8
# Final outcomes only, so each company leaves the queue after its one call (no_answer comes
# back only after 30 minutes, far beyond the test).
PLAN = [
    ("no_answer", {}),
    ("refused", {"reason_code": "no_need"}),
    ("do_not_call", {}),
    ("wrong_number", {"comment": "нет такого номера"}),
    ("busy", {}),
    ("interested", {}),
]


def _worker(url: str, user: dict, results) -> None:
    from kbase_tui.services import queue as q
    from kbase_tui.services.db import connect
    from kbase_tui.services.dto import Actor
    from kbase_tui.services.errors import DatabaseBusy
    from kbase_tui.services.errors import QueueEmpty as Empty

    database = connect(url, migrate=False)
    actor = Actor(**user)
    taken: list[int] = []
    errors: list[str] = []
    step = 0

    def retrying(action):
        for _ in range(200):
            try:
                return action()
            except DatabaseBusy:
                time.sleep(0.01)
        raise RuntimeError("database busy for too long")

    while True:
        try:
            lead = retrying(lambda: q.claim_next_lead(database, actor))
        except Empty:
            break
        except Exception as error:  # reported to the test, never swallowed
            errors.append(f"claim: {error!r}")
            break
        taken.append(lead.company_id)
        code, details = PLAN[(lead.company_id + step) % len(PLAN)]
        step += 1
        try:
            retrying(
                lambda lead=lead, code=code, details=details: q.record_outcome(
                    database, actor, lead.company_id, code, **details
                )
            )
        except Exception as error:
            errors.append(f"outcome {code} on {lead.company_id}: {error!r}")
            break
    database.dispose()
    results.put((actor.username, taken, errors))


def _holder(url: str, user: dict, ready) -> None:
    """Claim one lead and hang on to it until killed."""
    from kbase_tui.services import queue as q
    from kbase_tui.services.db import connect
    from kbase_tui.services.dto import Actor

    database = connect(url, migrate=False)
    lead = q.claim_next_lead(database, Actor(**user))
    ready.put(lead.company_id)
    time.sleep(600)


def _callers(make_user, n: int) -> list[dict]:
    users = []
    for index in range(n):
        actor = make_user(Role.CALLER, f"caller{index}")
        users.append({"id": actor.id, "username": actor.username, "role": actor.role, "full_name": actor.full_name})
    return users


def _fill(db, count: int) -> None:
    now = utcnow()
    rows = [
        {
            "name": f"ООО «Компания №{n}»",
            "name_search": f"ооо «компания №{n}»",
            "city": "Тула",
            "city_search": "тула",
            "in_queue": True,
            "queue_rank": (50, 100, 150)[n % 3],
            "priority": (50, 100, 150)[n % 3],
            "created_at": now,
            "updated_at": now,
        }
        for n in range(count)
    ]
    with db.write() as session:
        session.execute(insert(Company), rows)
        ids = session.execute(select(Company.id)).scalars().all()
        session.execute(insert(Phone), [{"company_id": cid, "number": "+74951234567", "label": ""} for cid in ids[:50]])


def test_eight_processes_never_hold_the_same_company(db, db_url, make_user):
    count = COMPANIES if db.is_sqlite else max(100, COMPANIES // 10)
    make_user(Role.CLOSER, "closer")
    users = _callers(make_user, PROCESSES)
    _fill(db, count)
    ctx = multiprocessing.get_context("spawn")
    results = ctx.Queue()
    workers = [ctx.Process(target=_worker, args=(db_url, user, results)) for user in users]
    started = time.monotonic()
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=60 + count * 0.2) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
    elapsed = time.monotonic() - started
    errors = [e for _name, _taken, errs in outcomes for e in errs]
    assert errors == []
    taken = [cid for _name, ids, _errs in outcomes for cid in ids]
    counts = Counter(taken)
    assert [cid for cid, n in counts.items() if n > 1] == []  # never held twice
    assert len(taken) == count
    with db.read() as session:
        all_ids = set(session.execute(select(Company.id)).scalars())
        assert set(taken) == all_ids
        per_company = Counter(
            session.execute(select(Interaction.company_id).where(Interaction.kind == "call")).scalars()
        )
        assert set(per_company) == all_ids and set(per_company.values()) == {1}  # one outcome each
        assert (
            session.execute(select(func.count()).select_from(Company).where(Company.held_by_id.is_not(None))).scalar()
            == 0
        )
        claims = session.execute(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "lead_claimed")
        ).scalar()
        assert claims == count
        refused_calls = session.execute(
            select(func.count()).select_from(Interaction).where(Interaction.outcome == "refused")
        ).scalar()
        assert session.execute(select(func.count()).select_from(Refusal)).scalar() == refused_calls > 0
    per_process = sorted(len(ids) for _name, ids, _errs in outcomes)
    print(f"\n{count} leads by {PROCESSES} processes in {elapsed:.1f} s; per process {per_process}")


def test_a_killed_callers_lead_returns_after_the_lease(db, db_url, make_user):
    victim, other = _callers(make_user, 2)
    _fill(db, 1)
    with db.write() as session:
        reference.set_setting(session, "queue.lease_minutes", 0.05)  # 3 seconds
    ctx = multiprocessing.get_context("spawn")
    ready = ctx.Queue()
    holder = ctx.Process(target=_holder, args=(db_url, victim, ready))
    holder.start()
    try:
        company_id = ready.get(timeout=60)
        from kbase_tui.services.dto import Actor

        survivor = Actor(**other)
        with pytest.raises(QueueEmpty):
            queue.claim_next_lead(db, survivor)  # held by the victim
        os.kill(holder.pid, signal.SIGKILL)
        holder.join(timeout=10)
        assert holder.exitcode == -signal.SIGKILL
        deadline = time.monotonic() + 15
        got = None
        while time.monotonic() < deadline:
            try:
                got = queue.claim_next_lead(db, survivor)
                break
            except QueueEmpty:
                time.sleep(0.25)
        assert got is not None and got.company_id == company_id
    finally:
        if holder.is_alive():
            holder.kill()
            holder.join()
