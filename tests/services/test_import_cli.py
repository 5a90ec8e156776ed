"""`kbase import` and `kbase export` on the command line, as the server owner (audited as local:<user>)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from kbase_tui.cli.main import main
from kbase_tui.models import AuditEvent, Company

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "import"


def test_import_then_export_from_the_command_line(sqlite_db, tmp_path, capsys):
    source = tmp_path / "leads.csv"
    shutil.copy(FIXTURES / "cp1251_semicolon.csv", source)
    url = sqlite_db.url
    assert main(["import", str(source), "--db", url]) == 0
    out = capsys.readouterr().out
    assert "New companies" in out and "3" in out
    assert main(["export", str(tmp_path / "out.csv"), "--db", url, "--stage", "cold"]) == 0
    assert "3 companies written" in capsys.readouterr().out
    with sqlite_db.read() as s:
        assert s.execute(select(func.count()).select_from(Company)).scalar_one() == 3
        actions = set(s.execute(select(AuditEvent.action).where(AuditEvent.actor.like("local:%"))).scalars())
    assert {"import_batch", "import_finished", "export"} <= actions
    text = (tmp_path / "out.csv").read_text(encoding="utf-8-sig")
    assert "Сталь-Трейд" in text and "+74872556677" in text


def test_import_of_a_missing_file_is_an_error_line(sqlite_db, tmp_path, capsys):
    with pytest.raises(SystemExit) as stopped:  # refused by the argument's type, before the database is opened
        main(["import", str(tmp_path / "nope.csv"), "--db", sqlite_db.url])
    assert stopped.value.code == 2
    assert "there is no file" in capsys.readouterr().err
