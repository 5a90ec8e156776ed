"""The lean write transaction (db.lean_write / LeanTx) that takes a lead: what it writes must read
back through the models exactly like the ORM's rows, the audit chain it extends must verify, and a
writer held up by another process must wait, then either get in or get a clear "busy"."""

from __future__ import annotations

import multiprocessing
import sqlite3
import time
from datetime import UTC, datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
from sqlalchemy import create_engine, select

from kbase_tui.models import AuditEvent, Company, utcnow
from kbase_tui.services import audit, queue
from kbase_tui.services import db as dbmod
from kbase_tui.services.db import begin_immediate, sqlite_datetime
from kbase_tui.services.errors import DatabaseBusy

from .queue_setup import add_company


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 11, 23, 23, 59, 59, 999999, tzinfo=UTC),
        datetime(2026, 1, 1, 0, 0, 0, 0, tzinfo=UTC),  # no microseconds: still printed
        datetime(2026, 3, 1, 2, 30, 0, 5, tzinfo=timezone(timedelta(hours=3))),  # another zone: stored as UTC
    ],
)
def test_timestamps_are_bound_as_sqlalchemy_stores_them(moment):
    column_type = Company.__table__.c.held_until.type
    sqlalchemy_text = column_type._cached_bind_processor(create_engine("sqlite://").dialect)(moment)
    assert sqlite_datetime(moment) == sqlalchemy_text


def test_naive_timestamps_are_refused():
    with pytest.raises(ValueError):
        sqlite_datetime(datetime(2026, 11, 23, 12, 0))


def test_a_lean_claim_reads_back_through_the_models_and_the_chain_verifies(db, make_user):
    anna = make_user("caller", "anna")
    company_id = add_company(db, "ООО «Ёлка» <b>")
    before = utcnow()
    claimed = queue.claim_next_lead(db, anna)
    assert claimed.company_id == company_id
    with db.read() as session:
        row = session.get(Company, company_id)
        assert row.held_by_id == anna.id
        assert row.held_until == claimed.held_until
        event = session.execute(select(AuditEvent).order_by(AuditEvent.id.desc())).scalars().first()
        assert (event.action, event.entity_id, event.actor) == ("lead_claimed", company_id, "anna")
        assert before <= event.at <= utcnow()
    queue.release_lead(db, anna)  # the ORM path appends after the lean one
    queue.claim_next_lead(db, anna)
    result = audit.verify(db)
    assert result.ok, result.problems


def test_an_error_inside_rolls_everything_back(db, make_user):
    anna = make_user("caller", "anna")
    company_id = add_company(db, "ООО Ромашка")
    with pytest.raises(RuntimeError), db.lean_write() as tx:
        tx.execute("UPDATE company SET held_by_id = :me WHERE id = :id", {"me": anna.id, "id": company_id})
        raise RuntimeError("boom")
    with db.read() as session:
        assert session.get(Company, company_id).held_by_id is None


def _hold_write_lock(path: str, seconds: float, ready) -> None:
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("BEGIN IMMEDIATE")
    connection.execute("UPDATE setting SET value = value")
    ready.set()
    time.sleep(seconds)
    connection.execute("COMMIT")


def _other_process_holds_the_lock(db, seconds):
    ctx = multiprocessing.get_context("spawn")
    ready = ctx.Event()
    holder = ctx.Process(target=_hold_write_lock, args=(str(db.sqlite_path), seconds, ready))
    holder.start()
    assert ready.wait(30)
    return holder


def test_a_claim_waits_for_another_processs_writer_then_gets_in(db, make_user):
    if not db.is_sqlite:
        pytest.skip("SQLite's one-writer lock")
    anna = make_user("caller", "anna")
    add_company(db, "ООО Ромашка")
    holder = _other_process_holds_the_lock(db, 0.4)
    started = time.monotonic()
    queue.claim_next_lead(db, anna)
    waited = time.monotonic() - started
    holder.join(10)
    assert waited >= 0.1  # it did wait for the other writer (not a timing target)


def test_a_writer_held_up_past_the_timeout_gets_database_busy(db, make_user, monkeypatch):
    if not db.is_sqlite:
        pytest.skip("SQLite's one-writer lock")
    anna = make_user("caller", "anna")
    add_company(db, "ООО Ромашка")
    monkeypatch.setattr(dbmod, "BUSY_TIMEOUT_MS", 150)
    holder = _other_process_holds_the_lock(db, 2.0)
    try:
        with pytest.raises(DatabaseBusy):
            queue.claim_next_lead(db, anna)
        with pytest.raises(DatabaseBusy), db.write() as session:  # the ORM's writers wait the same way
            session.execute(select(Company.id)).first()
    finally:
        holder.join(10)
    assert queue.claim_next_lead(db, anna).company_id  # and all is well afterwards,
    with db.write() as session:  # for the ORM's pooled connections too
        session.get(Company, 1).city = "Тверь"
    with db.read() as session:
        assert session.get(Company, 1).city == "Тверь"


def test_begin_immediate_gives_up_with_the_drivers_busy_error(tmp_path):
    path = tmp_path / "x.sqlite3"
    first = sqlite3.connect(path, isolation_level=None)
    first.execute("PRAGMA journal_mode = WAL")
    first.execute("CREATE TABLE t (x)")
    first.execute("BEGIN IMMEDIATE")
    second = sqlite3.connect(path, isolation_level=None, timeout=0)
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        begin_immediate(second, timeout_ms=50)
    first.execute("COMMIT")
    begin_immediate(second, timeout_ms=50)
    second.execute("COMMIT")


def test_a_writer_waiting_long_for_the_lock_asks_less_often(monkeypatch):
    """Short naps while the holder is a claim (a fraction of a millisecond); past 5 ms of waiting the
    holder is long work and the naps grow to 2 ms, so waiting processes do not eat its CPU."""
    clock = [0.0]
    naps: list[float] = []

    def sleep(seconds: float) -> None:
        naps.append(round(seconds * 1e6))  # µs
        clock[0] += seconds

    class LockedConnection:  # the lock never comes free
        def execute(self, sql):
            raise sqlite3.OperationalError("database is locked")

    # A clock of our own and no jitter: the schedule is exact, whatever else the machine does.
    monkeypatch.setattr(dbmod, "time", SimpleNamespace(monotonic=lambda: clock[0], sleep=sleep))
    monkeypatch.setattr(dbmod, "random", SimpleNamespace(uniform=lambda low, high: 1.0))
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        begin_immediate(LockedConnection(), timeout_ms=20)
    assert naps[:5] == [20, 40, 80, 160, 250]
    waited, switch = 0.0, None
    for index, nap in enumerate(naps):
        if switch is None and waited >= 5000:
            switch = index
        waited += nap
    assert set(naps[5:switch]) == {250}  # up to 5 ms: 250 µs at the most
    assert naps[switch : switch + 3] == [500, 1000, 2000] and set(naps[switch + 3 :]) == {2000}
    assert 20_000 <= sum(naps) < 22_500  # gives up once the timeout has passed


def test_a_commit_that_fails_leaves_no_transaction_open(db, make_user):
    """A deferred foreign key fails at COMMIT: the kept connection must not stay in the transaction
    (it would hold SQLite's write lock for the life of the process)."""
    from sqlalchemy.exc import DBAPIError

    from kbase_tui.services.errors import KbaseError

    anna = make_user("caller", "anna")
    add_company(db, "ООО Ромашка")
    with pytest.raises((DBAPIError, KbaseError)), db.lean_write() as tx:
        if tx.is_sqlite:
            tx.execute("PRAGMA defer_foreign_keys = ON")
        else:
            tx.execute("SET CONSTRAINTS ALL DEFERRED")
        tx.execute(
            "INSERT INTO rate_counter (user_id, kind, window_no, hits, prev_hits) "
            "VALUES (:nobody, 'lead_claims', 0, 1, 0)",
            {"nobody": 987654},
        )
    assert queue.claim_next_lead(db, anna).company_id  # the next lean write gets in


def _claim_in_child(url: str, user_id: int, out) -> None:
    from kbase_tui.services.dto import Actor

    try:
        out.put(queue.claim_next_lead(_FORKED_DB[0], Actor(id=user_id, username="boris", role="caller")).company_id)
    except BaseException as error:  # the parent must hear of it
        out.put(repr(error))


_FORKED_DB: list = []


def test_a_forked_child_opens_its_own_lean_connection(db, make_user):
    if not db.is_sqlite:
        pytest.skip("the per-process SQLite connection")
    anna = make_user("caller", "anna")
    boris = make_user("caller", "boris")
    first = add_company(db, "ООО Ромашка")
    second = add_company(db, "ООО Василёк", rank=200)
    assert queue.claim_next_lead(db, anna).company_id == first  # the parent's connection is open
    _FORKED_DB[:] = [db]
    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()
    child = ctx.Process(target=_claim_in_child, args=(db.url, boris.id, out))
    child.start()
    got = out.get(timeout=60)
    child.join(30)
    assert got == second
    queue.release_lead(db, anna)
    assert queue.claim_next_lead(db, anna).company_id == first  # and the parent's still works
