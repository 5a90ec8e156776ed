"""`kbase audit verify` fails after one event is edited, deleted or inserted with raw SQL, and names it."""

from __future__ import annotations

import sqlite3

from kbase_tui.cli.main import main
from kbase_tui.models import Company
from kbase_tui.services import audit, clients, users


def _setup(sqlite_db):
    admin = users.create_user(
        sqlite_db,
        users.local_actor(),
        "boss",
        "supervisor",
        "Sup-Password-2026",
        full_name="Boss",
        must_change_password=False,
    )
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


def test_init_shows_the_seed_once_and_verify_proves_every_epoch_with_it(tmp_path, capsys, monkeypatch):
    import io
    import time

    path = str(tmp_path / "new.sqlite3")
    now = [time.time()]
    monkeypatch.setattr(audit, "_clock", lambda: now[0])
    assert main(["init", "--db", path]) == 0
    out = capsys.readouterr().out
    line = next(x.strip() for x in out.splitlines() if x.count("-") >= 10)
    seed = audit.parse_seed(line)
    assert main(["init", "--db", path]) == 0  # run again: no second seed
    assert line not in capsys.readouterr().out
    from kbase_tui.services.setup import open_database

    database = open_database(path)
    for _ in range(3):
        with database.write() as session:
            audit.record(session, "local:test", "test_event")
        now[0] += audit.DEFAULT_EPOCH_SECONDS
    audit.seal_due(database)
    head = audit.head_line(database)
    database.dispose()
    # Without the seed past epochs are not proven: exit 2, never "intact".
    assert main(["audit", "verify", "--db", path]) == 2
    assert "not proven" in capsys.readouterr().out
    monkeypatch.setattr("sys.stdin", io.StringIO(line + "\n"))
    assert main(["audit", "verify", "--db", path, "--seed", "-", "--expect-head", head]) == 0
    assert "intact" in capsys.readouterr().out
    assert main(["audit", "verify", "--db", path, "--seed", line.replace("-", " ")]) == 0
    wrong = audit.format_seed(bytes(32))
    assert main(["audit", "verify", "--db", path, "--seed", wrong]) == 1
    assert seed


def test_verify_refuses_a_mistyped_path(tmp_path):
    import pytest

    with pytest.raises(SystemExit) as raised:
        main(["audit", "verify", "--db", str(tmp_path / "nowhere.sqlite3")])
    assert raised.value.code not in (0, None)
    assert not (tmp_path / "nowhere.sqlite3").exists()


def test_a_chain_from_before_sealing_goes_on_and_kbase_init_begins_sealing(tmp_path, capsys):
    """A database whose chain was signed with the single old key: it still verifies and grows with that
    key until `kbase init` begins sealing (from that point), and prints the seed once."""
    from types import SimpleNamespace

    from sqlalchemy import text

    from kbase_tui.models import utcnow
    from kbase_tui.services import keystore
    from kbase_tui.services.setup import open_database

    path = str(tmp_path / "old.sqlite3")
    database = open_database(path)
    with database.engine.begin() as conn:  # the chain as the old code left it
        conn.execute(text("DELETE FROM audit_event"))
        conn.execute(text("DELETE FROM audit_head"))
        key = keystore.get_key("audit", "chain:oldchain", create=True)[0]
        event = SimpleNamespace(
            id=1,
            at=utcnow(),
            actor="local:old",
            actor_id=None,
            action="test_event",
            entity="",
            entity_id=None,
            detail="",
            client_address="",
            prev_hmac="",
            epoch=None,
        )
        event.hmac = audit.compute_hmac(key, event)
        conn.execute(
            text(
                "INSERT INTO audit_event (id, at, actor, action, entity, detail, client_address, prev_hmac,"
                " hmac) VALUES (1, :at, 'local:old', 'test_event', '', '', '', '', :h)"
            ),
            {"at": event.at, "h": event.hmac},
        )
        conn.execute(
            text(
                "INSERT INTO audit_head (id, last_event_id, last_hmac, chain_id, epoch_seconds,"
                " epoch_first_id) VALUES (1, 1, :h, 'oldchain', 0, 0)"
            ),
            {"h": event.hmac},
        )
    with database.write() as session:
        audit.record(session, "local:test", "test_event")
    result = audit.verify(database)
    assert result.ok and not result.sealed and any("kbase init" in note for note in result.notes)
    database.dispose()
    capsys.readouterr()
    assert main(["init", "--db", path]) == 0
    line = next(x.strip() for x in capsys.readouterr().out.splitlines() if x.count("-") >= 10)
    seed = audit.parse_seed(line)
    database = open_database(path)
    with database.write() as session:
        audit.record(session, "local:test", "test_event")
    result = audit.verify(database, seed)
    assert result.ok and result.proven and result.sealed, result.problems
    actions = [e.action for e in audit.events(database, users.local_actor(), limit=10)]
    assert audit.SEALING_STARTED in actions
    database.dispose()


def test_show_prints_details_in_words(sqlite_db, capsys):
    """The details say what happened in the reader's words, not the program's names and codes."""
    with sqlite_db.write() as session:
        audit.record(session, "local:test", "login_failed", "user", 5, reason="wrong_password")
        audit.record(session, "local:test", "order_recorded", "client_order", 9, company_id=12, amount="1234.5")
        audit.record(session, "local:test", "test_event", "", None, some_new_name="[b]x[/b]")
    path = str(sqlite_db.sqlite_path)
    assert main(["audit", "show", "--db", path]) == 0
    out = capsys.readouterr().out
    assert "reason: wrong password" in out and "wrong_password" not in out
    assert "company: #12" in out and "amount: ₽1,234.50" in out and "company_id" not in out
    assert "some_new_name: [b]x[/b]" in out  # a name this version does not know, as it was recorded
