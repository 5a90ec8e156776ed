"""kbase doctor: passes on a sound installation, fails (exit 1) on each kind of problem, with advice."""

from __future__ import annotations

import os

from sqlalchemy import text

from kbase_tui.cli.main import main
from kbase_tui.services import audit, backup, doctor


def _by_name(checks):
    return {c.name: c for c in checks}


def _events(db):
    for i in range(3):
        with db.write() as session:
            audit.record(session, "local:test", "test_event", n=i)


def test_a_sound_installation_passes(sqlite_db, tmp_path, capsys):
    _events(sqlite_db)
    backup.make_backup(sqlite_db.url, tmp_path / "bk")
    checks = doctor.run(sqlite_db.url, backup_dir=tmp_path / "bk")
    failed = [c for c in checks if c.status == doctor.FAIL]
    assert not failed, failed
    names = _by_name(checks)
    for name in (
        "Database file",
        "Database folder",
        "Schema version",
        "Integrity check",
        "Audit key store",
        "Audit key file",
        "Audit chain",
        "Backup files",
        "Backup key",
    ):
        assert names[name].status == doctor.PASS, name
    assert main(["doctor", "--db", str(sqlite_db.sqlite_path), "--backups", str(tmp_path / "bk")]) == 0
    assert "All checks passed" in capsys.readouterr().out


def test_a_readable_database_file_fails_with_advice(sqlite_db, capsys):
    os.chmod(sqlite_db.sqlite_path, 0o644)
    check = _by_name(doctor.run(sqlite_db.url))["Database file"]
    assert check.status == doctor.FAIL and "chmod 600" in check.advice
    assert main(["doctor", "--db", str(sqlite_db.sqlite_path)]) == 1
    assert "FAIL" in capsys.readouterr().out


def test_an_edited_audit_event_fails(sqlite_db):
    _events(sqlite_db)
    with sqlite_db.engine.begin() as conn:
        conn.execute(text("UPDATE audit_event SET actor = 'x' WHERE id = (SELECT min(id) FROM audit_event)"))
    check = _by_name(doctor.run(sqlite_db.url))["Audit chain"]
    assert check.status == doctor.FAIL and "kbase audit verify" in check.advice


def test_a_lost_audit_key_fails(sqlite_db):
    _events(sqlite_db)
    with sqlite_db.read() as session:
        chain_id = session.get(audit.AuditHead, 1).chain_id
    os.unlink(audit.seal_location(chain_id).where)
    audit.clear_key_cache()
    check = _by_name(doctor.run(sqlite_db.url))["Audit key store"]
    assert check.status == doctor.FAIL
    assert _by_name(doctor.run(sqlite_db.url))["Audit chain"].status == doctor.FAIL


def test_a_wiped_audit_log_fails(sqlite_db):
    from kbase_tui.services import users

    with sqlite_db.write() as session:
        users.add_user(session, "local:test", "anna", "caller", "Test-Password-2026", full_name="Anna")
    _events(sqlite_db)
    with sqlite_db.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_event"))
        conn.execute(text("DELETE FROM audit_head"))
    checks = _by_name(doctor.run(sqlite_db.url))
    assert checks["Audit chain"].status == doctor.FAIL and "wiped" in checks["Audit chain"].detail
    assert checks["Audit key store"].status == doctor.FAIL


def test_an_old_schema_fails(tmp_path):
    from kbase_tui.services import db as dbmod

    database = dbmod.connect(tmp_path / "old.sqlite3", migrate=False)
    dbmod.upgrade_schema(database, "0001")
    database.dispose()
    check = _by_name(doctor.run(f"sqlite:///{tmp_path / 'old.sqlite3'}"))["Schema version"]
    assert check.status == doctor.FAIL and "kbase init" in check.advice


def test_a_damaged_database_fails_the_integrity_check(sqlite_db, tmp_path):
    import shutil

    sqlite_db.dispose()
    damaged = tmp_path / "damaged" / "kbase.sqlite3"
    damaged.parent.mkdir(mode=0o700)
    shutil.copy(sqlite_db.sqlite_path, damaged)
    data = bytearray(damaged.read_bytes())
    page = 4096
    for offset in range(page * 3, min(len(data), page * 6)):  # scribble over some b-tree pages
        data[offset] = 0x5A
    damaged.write_bytes(bytes(data))
    checks = _by_name(doctor.run(f"sqlite:///{damaged}"))
    assert any(c.status == doctor.FAIL for c in checks.values())


def test_missing_database(tmp_path):
    checks = doctor.run(f"sqlite:///{tmp_path / 'none.sqlite3'}")
    assert checks[0].status == doctor.FAIL and "kbase init" in checks[0].advice
