"""Nothing lost: a database locked by another process, a full disk, an unexpected error."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from sqlalchemy import event, func, select, text

from kbase_tui.models import Company, Interaction
from kbase_tui.services import clients
from kbase_tui.services import db as dbmod
from kbase_tui.services.errors import DatabaseBusy, StorageFull
from kbase_tui.services.setup import open_database


def _hold_write_lock(path, seconds: float) -> subprocess.Popen:
    """Another user's process holding the write lock on the SQLite file."""
    code = textwrap.dedent(f"""
        import sqlite3, sys, time
        conn = sqlite3.connect({str(path)!r}, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("UPDATE setting SET value = value WHERE 0")
        print("locked", flush=True)
        time.sleep({seconds})
        conn.execute("COMMIT")
    """)
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "locked"
    return proc


@pytest.fixture
def supervisor_and_company(sqlite_db, tmp_path):
    from kbase_tui.services import users

    with sqlite_db.write() as session:
        users.add_user(session, "local:test", "boss", "supervisor", "Test-Password-2026", must_change_password=False)
        company = Company(name="ООО «Ромашка»", city="Москва")
        session.add(company)
        session.flush()
        company_id = company.id
    actor = users.login(sqlite_db, "boss", "Test-Password-2026")
    return actor, company_id


def test_a_lock_held_past_the_busy_timeout_is_databasebusy_not_a_crash(
    tmp_path, supervisor_and_company, sqlite_db, monkeypatch
):
    actor, company_id = supervisor_and_company
    monkeypatch.setattr(dbmod, "BUSY_TIMEOUT_MS", 200)
    database = open_database(sqlite_db.url)  # new connections get the short timeout
    holder = _hold_write_lock(database.sqlite_path, 2.0)
    try:
        with pytest.raises(DatabaseBusy):
            clients.add_note(database, actor, company_id, "note", "Пока база занята")
        # retry_busy keeps trying until the other process lets go.
        entry = dbmod.retry_busy(
            lambda: clients.add_note(database, actor, company_id, "note", "После ожидания"), attempts=20, pause=0.1
        )
        assert entry.text == "После ожидания"
    finally:
        holder.wait(timeout=10)
    with database.read() as session:
        texts = session.execute(select(Interaction.text).where(Interaction.company_id == company_id)).scalars().all()
    assert texts == ["После ожидания"]  # the refused attempt left nothing half-written


def test_a_full_database_is_a_clear_error_and_writes_nothing(supervisor_and_company, sqlite_db):
    actor, company_id = supervisor_and_company
    with sqlite_db.read() as session:
        pages = session.execute(text("PRAGMA page_count")).scalar_one()
        before = session.execute(select(func.count()).select_from(Interaction)).scalar_one()

    # SQLITE_FULL, exactly as on a full disk: no page can be added.
    @event.listens_for(sqlite_db.engine, "connect")
    def _cap(dbapi_connection, _record):
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages + 2}")

    sqlite_db.engine.dispose()
    with pytest.raises(StorageFull) as raised:
        clients.add_note(sqlite_db, actor, company_id, "note", "очень длинная заметка " * 20_000)
    assert "disk is full" in str(raised.value) and "nothing was saved" in str(raised.value)
    event.remove(sqlite_db.engine, "connect", _cap)
    sqlite_db.engine.dispose()
    with sqlite_db.read() as session:
        assert session.execute(select(func.count()).select_from(Interaction)).scalar_one() == before
        assert session.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"


def test_a_file_size_limit_mid_write_is_storagefull_and_the_database_stays_intact(
    tmp_path, sqlite_db, supervisor_and_company
):
    """A real OS limit (RLIMIT_FSIZE) in a separate process: EFBIG from write(2)."""
    _actor, company_id = supervisor_and_company
    path = sqlite_db.sqlite_path
    sqlite_db.dispose()
    code = textwrap.dedent(f"""
        import os, resource, signal, sys
        os.environ["KBASE_FAST_HASH"] = "1"
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        from kbase_tui.services import clients, users
        from kbase_tui.services.setup import open_database
        from kbase_tui.services.errors import StorageFull
        db = open_database({str(path)!r})
        actor = users.login(db, "boss", "Test-Password-2026")
        size = os.path.getsize({str(path)!r})
        resource.setrlimit(resource.RLIMIT_FSIZE, (size + 200_000, size + 200_000))
        saved = 0
        try:
            for i in range(200):
                clients.add_note(db, actor, {company_id}, "note", "x" * 50_000)
                saved += 1
        except StorageFull as error:
            print("FULL", saved, error)
            sys.exit(0)
        print("NEVER FULL", saved)
        sys.exit(1)
    """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("FULL")
    saved = int(result.stdout.split()[1])
    database = open_database(path)
    with database.read() as session:
        assert session.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"
        count = session.execute(
            select(func.count()).select_from(Interaction).where(Interaction.company_id == company_id)
        ).scalar_one()
    assert count == saved  # every note that was confirmed is there; the failed one is not


def test_an_unexpected_error_in_a_service_call_is_one_line_and_logged(tmp_path):
    """The UI's worker turns an unexpected exception into one line, logged with its traceback."""
    from kbase_tui.ui.errors import log_unexpected

    line = log_unexpected(ZeroDivisionError("boom"), "test")
    assert "\n" not in line and "ZeroDivisionError" in line
    from kbase_tui import paths

    assert "ZeroDivisionError: boom" in (paths.log_dir() / "kbase.log").read_text(encoding="utf-8")
