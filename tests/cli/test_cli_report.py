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


def test_the_printed_report_reads_as_the_screen_and_the_csv_as_a_spreadsheet_reads():
    """A share of 51.5 % and an amount are printed in the reader's language, as the report screen shows
    them; the CSV keeps one form in both languages for a program to read back."""
    from datetime import date
    from decimal import Decimal

    from kbase_tui.cli.cmd_report import csv_value, format_value
    from kbase_tui.i18n import set_language
    from kbase_tui.ui.supervisor.reports import format_value as screen_value

    cells = [51.5, Decimal("1234567.50"), Decimal("250000"), date(2026, 3, 9), None, 7]
    try:
        set_language("ru")
        assert [format_value(v) for v in cells] == ["51,5", "1\xa0234\xa0567,50", "250\xa0000", "09.03.2026", "—", "7"]
        assert [format_value(v) for v in cells] == [screen_value(v) for v in cells]
        assert [csv_value(v) for v in cells] == ["51.5", "1234567.50", "250000.00", "2026-03-09", "", "7"]
        set_language("en")
        assert [format_value(v) for v in cells] == ["51.5", "1,234,567.50", "250,000", "09.03.2026", "—", "7"]
        assert [csv_value(v) for v in cells][:2] == ["51.5", "1234567.50"]
    finally:
        set_language("en")
