"""`kbase audit verify` fails after one event is edited, deleted or inserted with raw SQL, and names it."""

from __future__ import annotations

import sqlite3

from kbase_tui.cli.main import main
from kbase_tui.services import audit, clients, users
from kbase_tui.models import Company


def _setup(sqlite_db):
    admin = users.create_user(sqlite_db, users.local_actor(), "boss", "supervisor", "Sup-Password-2026", full_name="Boss",
                               must_change_password=False)
    actor = users.login(sqlite_db, "boss", "Sup-Password-2026")
    with sqlite_db.write() as session:
        company = Company(name="[bold red]ООО Ёлка[/]", city="Тверь")
        session.add(company)
        session.flush()
        company_id = company.id
    clients.open_card(sqlite_db, actor, company_id)
    users.logout(sqlite_db, actor)
    return admin, company_id


def test_verify_passes_then_fails_on_an_edit(sqlite_db, capsys):
    _setup(sqlite_db)
    path = str(sqlite_db.sqlite_path)
    assert main(["audit", "verify", "--db", path]) == 0
    assert "intact" in capsys.readouterr().out
    with sqlite3.connect(path) as con:
        victim = con.execute("SELECT id FROM audit_event WHERE action = 'card_opened'").fetchone()[0]
        con.execute("UPDATE audit_event SET action = 'logout' WHERE id = ?", (victim,))
    assert main(["audit", "verify", "--db", path]) == 1
    out = capsys.readouterr().out
    assert f"event {victim}:" in out and "edited" in out


def test_verify_names_a_deleted_event(sqlite_db, capsys):
    _setup(sqlite_db)
    path = str(sqlite_db.sqlite_path)
    with sqlite3.connect(path) as con:
        ids = [r[0] for r in con.execute("SELECT id FROM audit_event ORDER BY id")]
        con.execute("DELETE FROM audit_event WHERE id = ?", (ids[1],))
    assert main(["audit", "verify", "--db", path]) == 1
    assert f"event {ids[2]}: event(s) deleted between {ids[0]}" in capsys.readouterr().out


def test_show_by_client_prints_names_literally(sqlite_db, capsys):
    _admin, company_id = _setup(sqlite_db)
    path = str(sqlite_db.sqlite_path)
    assert main(["audit", "show", "--db", path, "--client", "ёлка", "--since", "1d"]) == 0
    out = capsys.readouterr().out
    assert "boss" in out and "opened the card" in out
    assert "[bold red]ООО Ёлка[/]" in out  # markup in a company name is printed, not applied
    assert main(["audit", "show", "--db", path, "--user", "boss", "--action", "login"]) == 0
    out = capsys.readouterr().out
    assert "signed in" in out and "opened the card" not in out
    assert str(company_id)
    assert audit.action_label("card_opened") == "opened the card"
