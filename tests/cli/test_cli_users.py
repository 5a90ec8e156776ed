"""The server owner's CLI, run as a real process the way an admin types it."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from kbase_tui.services import users
from kbase_tui.services.setup import open_database

KBASE = [sys.executable, "-m", "kbase_tui.cli.main"]


def run(args, *, stdin: str = "", db: Path | None = None, check=True):
    cmd = KBASE + list(args) + (["--db", str(db)] if db else [])
    result = subprocess.run(
        cmd, input=stdin, capture_output=True, text=True, env={**os.environ, "KBASE_LANG": "en", "COLUMNS": "200"}
    )
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


@pytest.fixture
def dbfile(tmp_path) -> Path:
    return tmp_path / "srv" / "kbase.sqlite3"


def test_init_creates_a_private_database_and_the_first_admin(dbfile):
    run(
        ["init", "--admin", "boss", "--full-name", "Иван Начальников", "--password-stdin"],
        stdin="Ochen-Dlinnyj-Parol-1\n",
        db=dbfile,
    )
    assert stat.S_IMODE(dbfile.stat().st_mode) == 0o600
    assert stat.S_IMODE(dbfile.parent.stat().st_mode) == 0o700
    database = open_database(dbfile)
    actor = users.login(database, "boss", "Ochen-Dlinnyj-Parol-1")
    assert actor.role == "admin" and actor.full_name == "Иван Начальников"


def test_user_add_list_disable_reset_password(dbfile):
    run(["init"], db=dbfile)
    run(
        ["user", "add", "anna", "--role", "caller", "--full-name", "Анна Кузнецова", "--password-stdin"],
        stdin="Vremennyj-Parol-22\n",
        db=dbfile,
    )
    listing = run(["user", "list"], db=dbfile).stdout
    assert "anna" in listing and "Анна Кузнецова" in listing and "must change password" in listing

    run(["user", "reset-password", "anna", "--password-stdin"], stdin="Drugoj-Parol-Anny-5\n", db=dbfile)
    run(["user", "disable", "anna"], db=dbfile)
    assert "disabled" in run(["user", "list"], db=dbfile).stdout

    database = open_database(dbfile)
    from kbase_tui.services.errors import LoginFailed

    with pytest.raises(LoginFailed):
        users.login(database, "anna", "Drugoj-Parol-Anny-5")


def test_cli_actions_are_audited_as_the_local_os_user(dbfile):
    run(["init"], db=dbfile)
    run(["user", "add", "anna", "--role", "caller", "--password-stdin"], stdin="Vremennyj-Parol-22\n", db=dbfile)
    database = open_database(dbfile)
    from sqlalchemy import select

    from kbase_tui.models import AuditEvent

    with database.read() as session:
        actors = session.execute(select(AuditEvent.actor).where(AuditEvent.action == "user_created")).scalars().all()
    assert actors and all(a.startswith("local:") for a in actors)


def test_a_weak_password_is_a_clear_error_not_a_traceback(dbfile):
    run(["init"], db=dbfile)
    result = run(
        ["user", "add", "anna", "--role", "caller", "--password-stdin"], stdin="12345\n", db=dbfile, check=False
    )
    assert result.returncode == 1
    assert "at least 10 characters" in result.stderr
    assert "Traceback" not in result.stderr


def test_password_prompt_needs_a_terminal_or_stdin_flag(dbfile):
    run(["init"], db=dbfile)
    result = run(["user", "add", "anna", "--role", "caller"], db=dbfile, check=False)
    assert result.returncode != 0
    assert "--password-stdin" in result.stderr


def test_demo_creates_users_and_prints_their_passwords(tmp_path):
    out = run(["demo", "--no-open"], db=tmp_path / "demo.sqlite3").stdout
    for name in ("caller", "closer", "account", "supervisor", "admin"):
        assert name in out
    again = run(["demo", "--no-open"], db=tmp_path / "demo.sqlite3").stdout
    assert "Demo database reused" in again


def test_demo_honours_kbase_db_and_says_where_and_whether_it_reuses(tmp_path):
    """KBASE_DB names the demo's file (as --db does); the first line says which file, made or reused."""
    target = tmp_path / "mine" / "demo.sqlite3"
    env = {**os.environ, "KBASE_LANG": "en", "KBASE_DB": str(target)}
    first = subprocess.run([*KBASE, "demo", "--no-open"], capture_output=True, text=True, env=env)
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines()[0] == f"Demo database created: {target}"
    assert target.is_file()
    again = subprocess.run([*KBASE, "demo", "--no-open"], capture_output=True, text=True, env=env)
    assert again.stdout.splitlines()[0].startswith(f"Demo database reused: {target} already holds the demo")
    # --db wins over KBASE_DB, as everywhere.
    other = tmp_path / "other.sqlite3"
    third = subprocess.run([*KBASE, "demo", "--no-open", "--db", str(other)], capture_output=True, text=True, env=env)
    assert third.stdout.splitlines()[0] == f"Demo database created: {other}"
