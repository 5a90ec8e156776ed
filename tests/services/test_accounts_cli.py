"""`kbase classify` from the command line: lost check, classes, key clients."""

from __future__ import annotations

from datetime import date

from kbase_tui.cli.main import main
from kbase_tui.models import Category, Company

from .account_setup import account_company, order


def test_kbase_classify_moves_silent_clients_to_lost_and_classifies(sqlite_db, capsys):
    from kbase_tui.services import users
    from kbase_tui.services.dto import Actor

    with sqlite_db.write() as session:
        user = users.add_user(
            session, "local:test", "km", "account", "Test-Password-2026", full_name="km", must_change_password=False
        )
        km = Actor(id=user.id, username="km", role="account", full_name="km")
    silent = account_company(sqlite_db, km, "Молчун", channel="Розница")
    order(sqlite_db, km, silent, date(2025, 1, 1), "1000")
    busy = account_company(sqlite_db, km, "Покупатель", channel="Розница")
    order(sqlite_db, km, busy, date(2026, 1, 1), "9000")
    with sqlite_db.write() as session:  # classes wiped behind the services' back
        for company in session.query(Company):
            company.abcde_class = ""
    assert main(["classify", "--db", sqlite_db.url, "--today", "2026-02-01"]) == 0
    out = capsys.readouterr().out
    assert "Moved to lost: 1" in out and "Accounts classified: 2" in out
    with sqlite_db.read() as session:
        rows = {c.name: c for c in session.query(Company)}
        assert rows["Молчун"].category == Category.LOST
        assert rows["Покупатель"].abcde_class == "B" and rows["Молчун"].abcde_class == "D"
        assert rows["Покупатель"].is_key_client and not rows["Молчун"].is_key_client
