"""Encrypted backups: a restored copy equals the original row for row; tampering, cuts and a
database in use are refused; only the newest N are kept; files are private."""

from __future__ import annotations

import sqlite3
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from kbase_tui.models import Company
from kbase_tui.services import audit, backup, clients
from kbase_tui.services.errors import KbaseError
from kbase_tui.services.setup import open_database


def _fill(db, make_user, n=50):
    boss = make_user("supervisor", "boss", full_name="Руководитель")
    with db.write() as session:
        for i in range(n):
            session.add(Company(name=f"ООО «Ёлка {i}» [b]x[/b]", city="Тверь", inn=f"77{i:08d}"))
    with db.read() as session:
        first = session.query(Company).order_by(Company.id).first().id
    clients.open_card(db, boss, first)
    clients.add_note(db, boss, first, "note", "Позвонить в среду")


def _dump(path: Path) -> dict[str, list[tuple]]:
    con = sqlite3.connect(path)
    try:
        names = [
            r[0]
            for r in con.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        return {name: con.execute(f'SELECT * FROM "{name}" ORDER BY 1').fetchall() for name in names}
    finally:
        con.close()


@pytest.fixture
def filled(sqlite_db, tmp_path):
    from kbase_tui.services import users
    from kbase_tui.services.dto import Actor

    def make_user(role, username, full_name=""):
        with sqlite_db.write() as session:
            user = users.add_user(
                session,
                "local:test",
                username,
                role,
                "Test-Password-2026",
                full_name=full_name,
                must_change_password=False,
            )
            return Actor(id=user.id, username=user.username, role=user.role, full_name=user.full_name)

    _fill(sqlite_db, make_user)
    return sqlite_db


def test_a_restored_backup_equals_the_original_row_for_row(filled, tmp_path):
    info = backup.make_backup(filled.url, tmp_path / "bk", keep=5)
    assert info.rows > 50
    assert backup.verify_backup(info.path).rows == info.rows
    target = tmp_path / "restored" / "kbase.sqlite3"
    restored = backup.restore(info.path, f"sqlite:///{target}")
    assert restored.rows == info.rows
    original = _dump(filled.sqlite_path)
    copy = _dump(target)
    assert copy.keys() == original.keys() and "company" in copy and "audit_event" in copy
    for table in original:
        assert copy[table] == original[table], table
    # The audit chain of the restored database still verifies (its key is named by the chain).
    database = open_database(target)
    assert audit.verify(database).ok
    database.dispose()


def test_backup_files_are_private_and_only_the_newest_are_kept(filled, tmp_path):
    folder = tmp_path / "bk"
    made = [backup.make_backup(filled.url, folder, keep=2).path for _ in range(3)]
    left = sorted(p.name for p in folder.iterdir())
    assert left == sorted(p.name for p in made[1:])
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for path in folder.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_the_backup_is_encrypted(filled, tmp_path):
    info = backup.make_backup(filled.url, tmp_path / "bk")
    data = info.path.read_bytes()
    assert b"SQLite format 3" not in data and "Ёлка".encode() not in data


@pytest.mark.parametrize("damage", ["flip", "cut", "header"])
def test_a_changed_or_cut_backup_is_refused(filled, tmp_path, damage):
    info = backup.make_backup(filled.url, tmp_path / "bk")
    data = bytearray(info.path.read_bytes())
    if damage == "flip":
        data[len(data) // 2] ^= 0x01
    elif damage == "cut":
        data = data[: len(data) - 100]
    else:
        data[20] ^= 0x01  # inside the authenticated header
    info.path.write_bytes(bytes(data))
    with pytest.raises(backup.BackupFailed):
        backup.verify_backup(info.path)
    target = tmp_path / "never.sqlite3"
    with pytest.raises(backup.BackupFailed):
        backup.restore(info.path, f"sqlite:///{target}")
    assert not target.exists()


def test_a_large_database_spans_several_chunks(filled, tmp_path, monkeypatch):
    monkeypatch.setattr(backup, "CHUNK", 4096)
    info = backup.make_backup(filled.url, tmp_path / "bk")
    assert backup.verify_backup(info.path).rows == info.rows


def test_backup_while_users_write_is_consistent(filled, tmp_path):
    stop = threading.Event()

    def writer():
        n = 0
        while not stop.is_set():
            with filled.write() as session:
                session.add(Company(name=f"Новая {n}", city="Омск"))
            n += 1

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        time.sleep(0.2)
        info = backup.make_backup(filled.url, tmp_path / "bk")
    finally:
        stop.set()
        thread.join()
    assert backup.verify_backup(info.path).rows == info.rows


def test_restore_refuses_a_database_another_process_has_open(filled, tmp_path):
    info = backup.make_backup(filled.url, tmp_path / "bk")
    path = filled.sqlite_path
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys, time; c = sqlite3.connect(sys.argv[1]); c.execute('PRAGMA journal_mode=WAL');"
            " c.execute('SELECT count(*) FROM company').fetchone(); print('open', flush=True); time.sleep(60)",
            str(path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "open"
        assert backup.database_in_use(path)
        with pytest.raises(backup.DatabaseInUse):
            backup.restore(info.path, filled.url)
    finally:
        holder.kill()
        holder.wait()
    filled.dispose()
    assert not backup.database_in_use(path)
    backup.restore(info.path, filled.url)  # nobody has it open now


def test_postgresql_is_sent_to_pg_dump():
    with pytest.raises(KbaseError, match="pg_dump"):
        backup.make_backup("postgresql+psycopg://u@127.0.0.1/x", Path("/tmp"))


def test_cli_backup_verify_restore(filled, tmp_path, capsys):
    from kbase_tui.cli.main import main

    path = str(filled.sqlite_path)
    (tmp_path / "bk").mkdir()  # a folder named on the command line must exist: a typo grows none
    assert main(["backup", str(tmp_path / "bk"), "--keep", "3", "--db", path]) == 0
    made = next((tmp_path / "bk").iterdir())
    assert main(["backup", "--verify", str(made)]) == 0
    assert "intact" in capsys.readouterr().out
    target = tmp_path / "copy.sqlite3"
    assert main(["restore", str(made), "--db", str(target)]) == 0
    database = open_database(target)
    actions = [
        e.action
        for e in audit.events(database, __import__("kbase_tui.services.users", fromlist=["x"]).local_actor(), limit=3)
    ]
    assert actions[:2] == ["list_viewed", "restored"]  # reading the log is itself audited
    assert audit.verify(database).ok
    database.dispose()
