"""The soak script, short: 4 processes for 5 seconds on a fresh demo database (SQLite and PostgreSQL).

The run must pass all its checks (no company held twice, every confirmed action recorded exactly
once, audit chain, integrity) and do every kind of work.  Then its checker must catch what it is
there to catch: an action logged twice (a doubled confirmation) and a history row no process
confirmed (a stray write) each make `scripts/soak.py --check` fail.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "soak.py"


def soak(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, KBASE_FAST_HASH="1", KBASE_LANG="en")
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, env=env, timeout=600)


def test_short_soak_passes_and_its_checker_catches_doubles_and_strays(db_url, tmp_path):
    logs = tmp_path / "logs"
    run = soak("--processes", "4", "--seconds", "5", "--db", db_url, "--logs", str(logs), "--leads", "1000")
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    assert "OK: no company held twice" in output
    counts = dict(
        (op, int(n)) for op, n in re.findall(r"(\w+) (\d+)", output.split("confirmed actions:")[1].split(";")[0])
    )
    assert set(counts) == {"claim", "outcome", "note", "deal_note", "move", "order"}, output
    assert all(n > 0 for n in counts.values()), output
    assert counts["claim"] == counts["outcome"]  # every lead taken got its outcome: none left held

    # A confirmation logged twice is a doubled action: the checker must say so.
    account_log = next(logs.glob("p*-account.jsonl"))
    original = account_log.read_text(encoding="utf-8")
    note_line = next(line for line in original.splitlines() if json.loads(line)["op"] in ("note", "order"))
    account_log.write_text(original + note_line + "\n", encoding="utf-8")
    doubled = soak("--check", str(logs), "--db", db_url)
    assert doubled.returncode == 1 and "logged twice" in doubled.stdout, doubled.stdout + doubled.stderr
    account_log.write_text(original, encoding="utf-8")
    assert soak("--check", str(logs), "--db", db_url).returncode == 0

    # A history row that no process confirmed is a stray write: the checker must say so.
    from kbase_tui.models import User
    from kbase_tui.services import clients
    from kbase_tui.services.dto import Actor
    from kbase_tui.services.setup import open_database

    item = json.loads(note_line)
    database = open_database(db_url)
    try:
        with database.read() as session:
            user = session.get(User, item["user"])
            actor = Actor(id=user.id, username=user.username, role=user.role, full_name=user.full_name)
        clients.add_note(database, actor, item["company"], "note", "written outside the soak's logs")
    finally:
        database.dispose()
    stray = soak("--check", str(logs), "--db", db_url)
    assert stray.returncode == 1 and "no logged action explains" in stray.stdout, stray.stdout + stray.stderr
