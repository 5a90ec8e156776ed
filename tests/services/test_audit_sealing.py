"""Forward-secure sealing: every tamper an insider with the server's account can try is caught by
`verify` with the owner's seed, on SQLite and PostgreSQL.

The clock the epochs are counted by is moved by the tests (audit._clock); an epoch is 15 minutes.
"""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import select, text

from kbase_tui.models import AuditEvent, AuditHead, Company
from kbase_tui.services import audit, keystore

EPOCH = audit.DEFAULT_EPOCH_SECONDS


@pytest.fixture
def clock(monkeypatch):
    now = [time.time()]
    monkeypatch.setattr(audit, "_clock", lambda: now[0])

    class Clock:
        def next_epoch(self, n: int = 1) -> None:
            now[0] += EPOCH * n

    return Clock()


def _events(db, n, action="test_event"):
    for i in range(n):
        with db.write() as session:
            audit.record(session, "local:test", action, "company", None, n=i)


def _shift(db, clock, epochs=4, per_epoch=3):
    """A few epochs of work: events, then the next epoch."""
    _events(db, per_epoch)
    for _ in range(epochs - 1):
        clock.next_epoch()
        _events(db, per_epoch)


def _rows(db):
    with db.read() as session:
        return list(session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars())


def _kinds(result):
    return {p.kind for p in result.problems}


def _chain_id(db):
    with db.read() as session:
        return session.get(AuditHead, 1).chain_id


def _current_key(db):
    """What an intruder with the server's account takes: the key in the key store now."""
    epoch, key, _where = keystore.get_evolving(audit.SEAL_PURPOSE, f"chain:{_chain_id(db)}")
    return epoch, key


def _resign_from(db, first_id, key, *, change=None, epoch=None):
    """Rewrite the chain from event *first_id* on, signed with *key* (and relabelled to *epoch* if given),
    re-linked so that every link holds, and the head moved to the new last HMAC."""
    rows = _rows(db)
    previous = next((r.hmac for r in reversed(rows) if r.id < first_id), "")
    with db.engine.begin() as conn:
        for row in rows:
            if row.id < first_id:
                continue
            if change is not None and row.id == first_id:
                row.actor = change
            if epoch is not None:
                row.epoch = epoch
            row.prev_hmac = previous
            row.hmac = audit.compute_hmac(key, row)
            conn.execute(
                text("UPDATE audit_event SET actor = :a, epoch = :e, prev_hmac = :p, hmac = :h WHERE id = :i"),
                {"a": row.actor, "e": row.epoch, "p": row.prev_hmac, "h": row.hmac, "i": row.id},
            )
            previous = row.hmac
        conn.execute(text("UPDATE audit_head SET last_hmac = :h"), {"h": previous})


def test_seed_is_written_down_and_typos_are_caught():
    seed = bytes(range(32))
    written = audit.format_seed(seed)
    assert audit.parse_seed(written) == seed
    assert audit.parse_seed(written.upper().replace("-", " ")) == seed
    typo = ("b" if written[5] != "b" else "c").join((written[:5], written[6:]))
    with pytest.raises(ValueError):
        audit.parse_seed(typo)


def test_a_new_database_begins_its_chain_and_every_epoch_is_proven_with_the_seed(db, clock):
    assert db.audit_seed is not None  # made when the database was opened first, shown by kbase init
    _shift(db, clock, epochs=4)
    result = audit.verify(db, db.audit_seed)
    assert result.ok and result.proven, result.problems
    assert result.sealed and result.epochs == 4
    seals = [r for r in _rows(db) if r.action == audit.SEALED]
    assert [r.epoch for r in seals] == [0, 1, 2]
    assert _rows(db)[0].action == audit.GENESIS
    # Without the seed: links and seals hold, the current epoch is checked, the past is not proven.
    plain = audit.verify(db)
    assert plain.ok and not plain.proven and plain.unproven == sum(1 for r in _rows(db) if r.epoch < 3)


def test_the_key_store_holds_only_the_current_epochs_key(db, clock):
    _events(db, 1)
    assert _current_key(db)[0] == 0
    clock.next_epoch(2)
    assert audit.seal_due(db)  # the server's tick: seals the idle epoch and erases its key
    epoch, key = _current_key(db)
    assert epoch == 2 and key == audit.epoch_key(db.audit_seed, 2)
    assert not audit.seal_due(db)  # nothing more to seal in the same epoch
    clock.next_epoch()
    assert audit.seal_due(db)  # an epoch without events is sealed too
    assert audit.verify(db, db.audit_seed).proven


def test_a_wiped_log_is_never_intact(db, clock, make_user):
    make_user("caller", "anna")
    _shift(db, clock, epochs=2)
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_event"))
        conn.execute(text("DELETE FROM audit_head"))
    result = audit.verify(db, db.audit_seed)
    assert not result.ok and "wiped" in _kinds(result)
    # The app goes on and begins a new chain: its genesis says the database already held data.
    _events(db, 2)
    result = audit.verify(db, db.audit_seed)
    assert not result.ok and "restarted" in _kinds(result)
    assert "edited" in _kinds(result)  # and the owner's seed does not sign it


def test_wiping_only_the_events_is_caught(db, clock):
    _shift(db, clock, epochs=2)
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_event"))
    assert {"tail_deleted", "wiped"} <= _kinds(audit.verify(db, db.audit_seed))


def test_a_tail_cut_across_epochs_with_the_head_rewritten_is_caught(db, clock):
    _shift(db, clock, epochs=4)
    rows = _rows(db)
    keep = next(r for r in rows if r.epoch == 1 and r.action != audit.SEALED)  # cut inside epoch 1
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_event WHERE id > :i"), {"i": keep.id})
        conn.execute(
            text("UPDATE audit_head SET last_event_id = :i, last_hmac = :h, seal_epoch = 1"),
            {"i": keep.id, "h": keep.hmac},
        )
    result = audit.verify(db, db.audit_seed)
    assert not result.ok and "unsealed" in _kinds(result)
    # The app goes on writing: the cut epoch can never be sealed, and that is said.
    audit.clear_key_cache()
    _events(db, 1)
    result = audit.verify(db, db.audit_seed)
    assert "unsealed" in _kinds(result)
    assert any(r.action == audit.RESUMED for r in _rows(db))


def test_a_tail_cut_right_after_a_seal_is_caught(db, clock):
    _shift(db, clock, epochs=4)
    seal = next(r for r in _rows(db) if r.action == audit.SEALED and r.epoch == 1)
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_event WHERE id > :i"), {"i": seal.id})
        conn.execute(
            text("UPDATE audit_head SET last_event_id = :i, last_hmac = :h, seal_epoch = 2"),
            {"i": seal.id, "h": seal.hmac},
        )
    assert "unsealed" in _kinds(audit.verify(db, db.audit_seed))


def test_a_cut_inside_the_current_epoch_is_caught_by_a_head_kept_outside(db, clock):
    _shift(db, clock, epochs=2)
    kept = audit.head_line(db)  # as in a backup, the weekly report and the system log
    expected = audit.parse_head_line(kept)
    rows = _rows(db)
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_event WHERE id = :i"), {"i": rows[-1].id})
        conn.execute(
            text("UPDATE audit_head SET last_event_id = :i, last_hmac = :h"), {"i": rows[-2].id, "h": rows[-2].hmac}
        )
    # The current epoch's key is in the store, so this cut alone cannot be told from the log...
    assert audit.verify(db, db.audit_seed).ok
    # ...but the head kept outside the server names an event the log no longer holds.
    result = audit.verify(db, db.audit_seed, expect_heads=(expected,))
    assert [p.kind for p in result.problems] == ["head_not_found"]


def test_an_inserted_event_signed_with_the_current_key_is_caught(db, clock):
    _shift(db, clock, epochs=3)
    _epoch, key = _current_key(db)
    rows = _rows(db)
    victim = next(r for r in rows if r.epoch == 0 and r.action == "test_event")
    # Make room after the victim by re-linking the rest: the intruder rewrites everything after it.
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE audit_event SET id = id + 1000 WHERE id > :i"), {"i": victim.id})
        forged = AuditEvent(
            id=victim.id + 1,
            at=victim.at,
            actor="ghost",
            actor_id=None,
            action="card_opened",
            entity="company",
            entity_id=1,
            detail="",
            client_address="",
            prev_hmac=victim.hmac,
            company_id=1,
            epoch=0,
        )
        forged.hmac = audit.compute_hmac(key, forged)
        conn.execute(
            text(
                "INSERT INTO audit_event (id, at, actor, actor_id, action, entity, entity_id, detail, client_address,"
                " prev_hmac, hmac, company_id, epoch) VALUES (:id, :at, 'ghost', NULL, 'card_opened', 'company', 1, '',"
                " '', :p, :h, 1, 0)"
            ),
            {"id": forged.id, "at": forged.at, "p": forged.prev_hmac, "h": forged.hmac},
        )
    _resign_from(db, victim.id + 1001, key)
    result = audit.verify(db, db.audit_seed)
    assert not result.ok
    assert victim.id + 1 in {p.event_id for p in result.problems}


def test_an_edit_of_a_past_epoch_is_caught(db, clock):
    _shift(db, clock, epochs=3)
    victim = next(r for r in _rows(db) if r.epoch == 1 and r.action == "test_event")
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE audit_event SET actor = 'someone_else' WHERE id = :i"), {"i": victim.id})
    assert [(p.event_id, p.kind) for p in audit.verify(db, db.audit_seed).problems] == [(victim.id, "edited")]


def test_a_re_sign_with_the_current_key_is_caught_in_every_earlier_epoch(db, clock):
    _shift(db, clock, epochs=5)
    epoch, key = _current_key(db)
    assert epoch == 4
    original = [(r.id, r.actor, r.epoch, r.prev_hmac, r.hmac) for r in _rows(db)]

    def restore():
        with db.engine.begin() as conn:
            for i, a, e, p, h in original:
                conn.execute(
                    text("UPDATE audit_event SET actor = :a, epoch = :e, prev_hmac = :p, hmac = :h WHERE id = :i"),
                    {"a": a, "e": e, "p": p, "h": h, "i": i},
                )
            conn.execute(text("UPDATE audit_head SET last_hmac = :h"), {"h": original[-1][4]})
        assert audit.verify(db, db.audit_seed).proven

    for earlier in range(epoch):
        restore()
        victim = next(r for r in _rows(db) if r.epoch == earlier and r.action == "test_event")
        _resign_from(db, victim.id, key, change=f"forged{earlier}")
        result = audit.verify(db, db.audit_seed)
        assert not result.ok, earlier
        assert victim.id in {p.event_id for p in result.problems}, earlier
        # Relabelled to the current epoch so the key fits: the seals no longer do.
        _resign_from(db, victim.id, key, epoch=epoch)
        result = audit.verify(db, db.audit_seed)
        assert not result.ok and victim.id in {p.event_id for p in result.problems}, earlier


def test_the_whole_chain_re_signed_from_its_genesis_is_caught(db, clock):
    _shift(db, clock, epochs=3)
    _epoch, key = _current_key(db)
    _resign_from(db, _rows(db)[0].id, key, change="audit")
    result = audit.verify(db, db.audit_seed)
    assert not result.ok and _rows(db)[0].id in {p.event_id for p in result.problems}
    # Without the seed this forgery holds up as far as links go: that is what the seed is for.
    assert audit.verify(db).unproven


def test_a_wrong_seed_proves_nothing(db, clock):
    _shift(db, clock, epochs=2)
    result = audit.verify(db, bytes(32))
    assert not result.ok and "edited" in _kinds(result)


def test_a_backup_restored_over_a_later_log_says_the_log_was_cut(sqlite_db, clock, tmp_path):
    import shutil

    _shift(sqlite_db, clock, epochs=2)
    sqlite_db.dispose()
    saved = tmp_path / "saved.sqlite3"
    shutil.copy(sqlite_db.sqlite_path, saved)
    from kbase_tui.services.setup import open_database

    database = open_database(sqlite_db.sqlite_path)
    clock.next_epoch(2)
    _events(database, 2)
    database.dispose()
    shutil.copy(saved, sqlite_db.sqlite_path)
    audit.clear_key_cache()
    database = open_database(sqlite_db.sqlite_path)
    assert "unsealed" in _kinds(audit.verify(database))
    _events(database, 1)
    assert "unsealed" in _kinds(audit.verify(database))
    database.dispose()


def test_writers_in_threads_across_epochs_form_one_sealed_chain(db, clock):
    from kbase_tui.services.db import retry_busy

    errors = []
    barrier = threading.Barrier(4)

    def work(n):
        try:
            barrier.wait()
            for i in range(12):
                retry_busy(lambda i=i: _one(n, i))
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    def _one(n, i):
        with db.write() as session:
            audit.record(session, f"local:w{n}", "test_event", n=n, i=i)

    def tick():
        for _ in range(3):
            time.sleep(0.05)
            clock.next_epoch()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)] + [threading.Thread(target=tick)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    result = audit.verify(db, db.audit_seed)
    assert result.ok and result.proven, result.problems
    seals = [r.epoch for r in _rows(db) if r.action == audit.SEALED]
    assert seals == sorted(set(seals))  # one seal per epoch


def test_a_lead_claim_on_the_lean_path_seals_the_epoch_before(db, clock, make_user):
    from kbase_tui.services import queue

    anna = make_user("caller", "anna")
    with db.write() as session:
        session.add_all([Company(name=f"ООО Ромашка {i}", city="Тверь", in_queue=True) for i in range(3)])
    queue.claim_next_lead(db, anna)
    clock.next_epoch()
    queue.release_lead(db, anna)
    queue.claim_next_lead(db, anna)
    result = audit.verify(db, db.audit_seed)
    assert result.proven, result.problems
    assert [r.epoch for r in _rows(db) if r.action == audit.SEALED] == [0]


def test_every_backup_and_report_carries_the_head(sqlite_db, tmp_path):
    from kbase_tui.services import backup, reports

    _events(sqlite_db, 2)
    head = audit.head_line(sqlite_db)
    info = backup.make_backup(sqlite_db.url, tmp_path / "bk")
    assert info.audit_head == head
    assert backup.verify_backup(info.path).audit_head == head
    from kbase_tui.services import users

    report = reports.run(sqlite_db, users.local_actor(), "funnel")
    assert any(audit.head_line(sqlite_db) in note for note in report.notes)
    assert audit.parse_head_line(head) == audit.parse_head_line(info.audit_head)


_WRITER = """
import sys, time
from kbase_tui.services import audit
from kbase_tui.services.db import connect, retry_busy

url, start, name = sys.argv[1], float(sys.argv[2]), sys.argv[3]
step = [0]
# This process's clock moves one epoch every 8 events, starting where the test's clock is.
audit._clock = lambda: start + (step[0] // 8) * audit.DEFAULT_EPOCH_SECONDS + 1
database = connect(url, migrate=False)
for i in range(24):
    def one():
        with database.write() as session:
            audit.record(session, name, "test_event", i=i)
    retry_busy(one)
    step[0] += 1
database.dispose()
"""


def test_processes_writing_across_epochs_form_one_sealed_chain(db, clock):
    """Several CLI processes at once, each moving through three epochs: one chain, one seal per epoch,
    the key store moved on and every epoch proven with the seed."""
    import os
    import subprocess
    import sys

    start = audit._clock()
    env = {**os.environ}
    procs = [
        subprocess.Popen([sys.executable, "-c", _WRITER, db.url, str(start), f"local:p{n}"], env=env) for n in range(3)
    ]
    for proc in procs:
        assert proc.wait(timeout=120) == 0
    audit.clear_key_cache()
    result = audit.verify(db, db.audit_seed)
    assert result.ok and result.proven, result.problems
    rows = _rows(db)
    assert sum(1 for r in rows if r.action == "test_event") == 72
    seals = [r.epoch for r in rows if r.action == audit.SEALED]
    assert seals == [0, 1]
    assert _current_key(db)[0] == 2


def test_a_forged_genesis_claiming_an_empty_database_is_caught_without_the_seed(db, clock, make_user, monkeypatch):
    """Wiped and begun again with a genesis of the intruder's own seed, signed, saying "no users":
    the first user is older than that genesis."""
    from datetime import timedelta

    make_user("caller", "anna")
    with db.write() as session:  # anna was made an hour before the log's new beginning
        session.execute(text("UPDATE user_account SET created_at = :t"), {"t": audit.utcnow() - timedelta(hours=1)})
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_event"))
        conn.execute(text("DELETE FROM audit_head"))
    monkeypatch.setattr(audit, "_COUNT_DATA_SQL", "SELECT 0, 0")  # the intruder's genesis claims an empty base
    with db.write() as session:
        audit._begin(audit.LeanTx.in_session(session), None, bytes(range(32)), shown=True)
    result = audit.verify(db)  # no seed: the structure alone
    assert [p.kind for p in result.problems] == ["restarted"]
    assert "first user" in result.problems[0].problem
    assert "edited" in _kinds(audit.verify(db, db.audit_seed))  # and the owner's seed does not sign it
