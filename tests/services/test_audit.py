"""The audit chain: every event signed and linked; raw-SQL tampering is found and named."""

from __future__ import annotations

import shutil
import threading

import pytest
from sqlalchemy import select, text

from kbase_tui.models import AuditEvent, AuditHead, Company
from kbase_tui.services import audit, keystore
from kbase_tui.services.errors import AccessDenied
from kbase_tui.services.setup import open_database


def _record_some(db, n=6, company_id=None):
    for i in range(n):
        with db.write() as session:
            audit.record(session, "local:test", "test_event", "company", company_id, n=i)


def _ids(db):
    with db.read() as session:
        return list(session.execute(select(AuditEvent.id).order_by(AuditEvent.id)).scalars())


def _problems(db):
    return audit.verify(db).problems


def test_a_clean_chain_verifies(db):
    _record_some(db)
    result = audit.verify(db)
    assert result.ok and result.checked >= 6
    assert result.key_kind == "file"


def test_an_event_edited_with_raw_sql_is_named(db):
    _record_some(db)
    victim = _ids(db)[2]
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE audit_event SET actor = 'someone_else' WHERE id = :i"), {"i": victim})
    problems = _problems(db)
    assert [(p.event_id, p.kind) for p in problems] == [(victim, "edited")]


def test_an_edited_time_is_found(db):
    _record_some(db)
    victim = _ids(db)[1]
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE audit_event SET at = '2020-01-01 00:00:00+00:00' WHERE id = :i"), {"i": victim})
    assert [(p.event_id, p.kind) for p in _problems(db)] == [(victim, "edited")]


def test_a_deleted_event_is_named_by_its_successor(db):
    _record_some(db)
    ids = _ids(db)
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_event WHERE id = :i"), {"i": ids[3]})
    problems = _problems(db)
    assert [(p.event_id, p.kind) for p in problems] == [(ids[4], "deleted")]
    assert str(ids[2]) in problems[0].problem


def test_the_first_event_deleted_is_found(db):
    _record_some(db)
    ids = _ids(db)
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_event WHERE id = :i"), {"i": ids[0]})
    # The genesis is gone: the chain does not begin with it, and the next event's link is broken.
    assert {(p.event_id, p.kind) for p in _problems(db)} == {(ids[1], "deleted")}


def test_deleted_last_events_are_found(db):
    _record_some(db)
    ids = _ids(db)
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_event WHERE id >= :i"), {"i": ids[-2]})
    problems = _problems(db)
    assert [p.kind for p in problems] == ["tail_deleted"]
    assert problems[0].event_id == ids[-1]


def _forge(conn, event_id, prev_hmac):
    conn.execute(
        text(
            "INSERT INTO audit_event (id, at, actor, actor_id, action, entity, entity_id, detail, client_address,"
            " prev_hmac, hmac, company_id) VALUES (:id, '2026-01-01 00:00:00+00:00', 'ghost', NULL, 'card_opened',"
            " 'company', 1, '', '', :prev, :hmac, 1)"
        ),
        {"id": event_id, "prev": prev_hmac, "hmac": "0" * 64},
    )


def test_an_inserted_event_is_named_as_inserted(db):
    _record_some(db, 3)
    ids = _ids(db)
    with db.read() as session:
        last_hmac = session.get(AuditHead, 1).last_hmac
    with db.engine.begin() as conn:
        _forge(conn, ids[-1] + 1, last_hmac)
    if db.is_postgresql:
        with db.engine.begin() as conn:
            conn.execute(text("SELECT setval(pg_get_serial_sequence('audit_event', 'id'), :v)"), {"v": ids[-1] + 1})
    _record_some(db, 1)  # a genuine event after the forged one links past it
    problems = _problems(db)
    assert [(p.event_id, p.kind) for p in problems] == [(ids[-1] + 1, "inserted")]


def test_an_inserted_event_at_the_end_is_found(db):
    _record_some(db, 3)
    ids = _ids(db)
    with db.read() as session:
        last_hmac = session.get(AuditHead, 1).last_hmac
    with db.engine.begin() as conn:
        _forge(conn, ids[-1] + 1, last_hmac)
    kinds = {(p.event_id, p.kind) for p in _problems(db)}
    assert (ids[-1] + 1, "edited") in kinds  # fails its HMAC
    assert any(kind == "head_altered" for _i, kind in kinds)


def test_the_client_column_cannot_be_moved_to_another_client(db):
    _record_some(db, 3, company_id=7)
    victim = _ids(db)[1]
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE audit_event SET company_id = 8 WHERE id = :i"), {"i": victim})
    assert [(p.event_id, p.kind) for p in _problems(db)] == [(victim, "edited")]


def test_verify_does_not_depend_on_the_session_time_zone(db):
    if not db.is_postgresql:
        pytest.skip("PostgreSQL returns timestamps in the session's time zone")
    _record_some(db, 3)
    with db.read() as session:
        session.execute(text("SET TIME ZONE 'Asia/Vladivostok'"))
        assert audit.verify_chain(session) == []


def test_concurrent_writers_form_one_chain(db):
    errors = []

    def work(n):
        try:
            for i in range(15):
                with db.write() as session:
                    audit.record(session, f"local:w{n}", "test_event", n=n, i=i)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    from kbase_tui.services.db import retry_busy

    threads = [threading.Thread(target=lambda n=n: retry_busy(lambda: work(n))) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    result = audit.verify(db)
    assert result.ok and result.checked >= 60


def test_a_moved_database_file_still_verifies(sqlite_db, tmp_path):
    _record_some(sqlite_db, 4)
    sqlite_db.dispose()
    moved = tmp_path / "elsewhere" / "moved.sqlite3"
    moved.parent.mkdir()
    shutil.copy(sqlite_db.sqlite_path, moved)
    copy = open_database(moved)
    assert audit.verify(copy).ok
    copy.dispose()


def test_a_missing_key_is_reported_not_replaced(sqlite_db):
    _record_some(sqlite_db, 2)
    with sqlite_db.read() as session:
        chain_id = session.get(AuditHead, 1).chain_id
    location = audit.seal_location(chain_id)
    assert location.kind == "file"
    import os

    os.unlink(location.where)
    audit.clear_key_cache()
    try:
        assert [p.kind for p in audit.verify(sqlite_db).problems] == ["key_missing"]
        with pytest.raises(audit.AuditKeyMissing):  # nothing is signed with a key made up on the spot
            _record_some(sqlite_db, 1)
        with pytest.raises(audit.AuditKeyMissing):  # and nothing made a new key behind our back
            audit.seal_location(chain_id)
    finally:
        audit.clear_key_cache()


def test_events_by_client_and_user(db, make_user):
    supervisor = make_user("supervisor", "boss")
    admin = make_user("admin", "it")
    caller = make_user("caller", "anna")
    with db.write() as session:
        company = Company(name="ООО «Ёлка»", city="Тверь")
        other = Company(name="ЗАО Прогресс", city="Омск")
        session.add_all([company, other])
        session.flush()
        audit.record(session, caller, "card_opened", "company", company.id)
        audit.record(session, caller, "contact_changed", "contact", 99, company_id=company.id)
        audit.record(session, caller, "card_opened", "company", other.id)
        company_id = company.id
    rows = audit.events(db, supervisor, company_id=company_id)
    assert [(r.action, r.actor, r.company_name) for r in rows] == [
        ("contact_changed", "anna", "ООО «Ёлка»"),
        ("card_opened", "anna", "ООО «Ёлка»"),
    ]
    assert [r.action for r in audit.events(db, admin, user="ANNA", action="card_opened")] == ["card_opened"] * 2
    page1 = audit.events(db, admin, limit=2)
    page2 = audit.events(db, admin, limit=2, before_id=page1[-1].id)
    assert page2 and page2[0].id < page1[-1].id
    assert [m.name for m in audit.find_companies(db, admin, "елка")] == ["ООО «Ёлка»"]
    summary = audit.access_summary(db, supervisor, company_id)
    assert [(u, n) for u, _full, n, _f, _l in summary] == [("anna", 2)]
    with pytest.raises(AccessDenied):
        audit.events(db, caller)
    with pytest.raises(AccessDenied):
        audit.find_companies(db, caller, "елка")


def test_event_details_reach_the_reader_as_text(db, make_user):
    """Every detail value is text, so the app can decode an entry (values that are not text as JSON)."""
    from kbase_tui.protocol import audit as api
    from kbase_tui.protocol import wire

    admin = make_user("admin", "it")
    with db.write() as session:
        audit.record(
            session, admin, "export", rows=3, format="csv", filter={"stage": "pipeline"}, done=True, note="«Ёлка»"
        )
    entry = audit.events(db, admin, action="export")[0]
    assert entry.detail == {
        "rows": "3",
        "format": "csv",
        "filter": '{"stage": "pipeline"}',
        "done": "true",
        "note": "«Ёлка»",
    }
    assert wire.decode_result(api.events, wire.encode_result([entry])) == [entry]


def test_keystore_key_file_is_private(db):
    _record_some(db, 1)
    with db.read() as session:
        location = audit.seal_location(session.get(AuditHead, 1).chain_id)
    import os
    import stat

    path = location.where
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode) == 0o700
    assert keystore.KeyLocation  # the public type the doctor reports


def test_a_damaged_key_file_is_refused_not_used(tmp_path, monkeypatch):
    """An empty or cut key file must never sign the audit chain."""
    import pytest

    from kbase_tui.services import keystore

    monkeypatch.setenv("KBASE_KEYSTORE", "file")
    monkeypatch.setenv("KBASE_CONFIG_DIR", str(tmp_path / "config"))
    key, where = keystore.get_key("audit", "sqlite:///damaged-test")
    assert len(key) == 32 and where.kind == "file"
    assert keystore.get_key("audit", "sqlite:///damaged-test")[0] == key  # the same key is read back
    keystore.key_file("audit", "sqlite:///damaged-test").write_bytes(b"")
    with pytest.raises(ValueError):
        keystore.get_key("audit", "sqlite:///damaged-test")
    assert not list((tmp_path / "config" / "keys").glob(".*.tmp"))


def test_an_empty_schema_verifies_with_nothing_to_check(tmp_path):
    """A schema with no data and no chain (never opened by `kbase init`): nothing to hide, nothing to check."""
    from kbase_tui.services.db import connect

    database = connect(tmp_path / "empty.sqlite3")  # schema only: no event, no key yet
    with database.read() as session:
        result = audit._verify(session)
    assert result.ok and result.checked == 0
