"""`kbase report` as a cron job or a spreadsheet reads it: whole lines into a pipe, CSV on request."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys

KBASE = [sys.executable, "-m", "kbase_tui.cli.main"]
LONG_NAME = "Анна-Мария Константинопольская-Преображенская " * 3


def _report(args, db):
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}  # a pipe, as cron has it
    env["KBASE_LANG"] = "en"
    return subprocess.run([*KBASE, "report", *args, "--db", str(db)], capture_output=True, text=True, env=env)


def _base(tmp_path):
    from kbase_tui.services import users
    from kbase_tui.services.setup import open_database

    path = tmp_path / "kbase.sqlite3"
    database = open_database(path)
    with database.write() as session:
        users.add_user(
            session,
            "local:test",
            "anna",
            "caller",
            "Dlinnyj-Parol-2026!",
            full_name=LONG_NAME.strip(),
            must_change_password=False,
        )
    database.dispose()
    return path


def test_a_piped_report_keeps_whole_lines_and_csv_reads_back(tmp_path):
    db = _base(tmp_path)
    piped = _report(["operators"], db)
    assert piped.returncode == 0, piped.stderr
    assert LONG_NAME.strip() in piped.stdout  # not cut at 80 columns nor wrapped
    as_csv = _report(["operators", "--csv"], db)
    assert as_csv.returncode == 0, as_csv.stderr
    rows = list(csv.reader(io.StringIO(as_csv.stdout)))
    assert rows[0][0] == "Operator"
    assert [row[0] for row in rows[1:]] == [LONG_NAME.strip()]


def test_from_after_to_is_refused_in_one_sentence(tmp_path):
    db = _base(tmp_path)
    result = _report(["operators", "--from", "2026-03-10", "--to", "2026-03-01"], db)
    assert result.returncode != 0
    assert "is after --to" in result.stderr and "Traceback" not in result.stderr
