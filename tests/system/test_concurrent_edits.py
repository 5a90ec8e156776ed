"""Two users in two processes change the same contact person: the later save is told,
and shown the other change, instead of silently overwriting it."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from kbase_tui.models import Company, Contact, Stage

EDITOR = textwrap.dedent("""
    import os, sys
    os.environ["KBASE_FAST_HASH"] = "1"
    from kbase_tui.services import clients, users
    from kbase_tui.services.errors import StaleRecord
    from kbase_tui.services.setup import open_database
    db = open_database(sys.argv[1])
    actor = users.login(db, sys.argv[2], "Test-Password-2026")
    card = clients.open_card(db, actor, int(sys.argv[3]))
    contact = card.contacts[0]
    print("loaded", contact.version, flush=True)
    sys.stdin.readline()  # wait until told to save
    form = clients.ContactForm(full_name=contact.full_name, position=sys.argv[4])
    try:
        saved = clients.update_contact(db, actor, contact.id, contact.version, form)
        print("saved", saved.position, flush=True)
    except StaleRecord as error:
        print("stale", error.current.position, flush=True)
""")


def test_the_later_save_is_told_and_shown_the_other_change(db_url, db, make_user):
    make_user("supervisor", "boss")
    make_user("supervisor", "deputy")
    with db.write() as session:
        company = Company(name="ООО «Север»", city="Мурманск", stage=Stage.PIPELINE)
        session.add(company)
        session.flush()
        session.add(Contact(company_id=company.id, full_name="Ирина Белова", position="Бухгалтер"))
        company_id = company.id

    def start(user, position):
        return subprocess.Popen(
            [sys.executable, "-c", EDITOR, db_url, user, str(company_id), position],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    first, second = start("boss", "Главный бухгалтер"), start("deputy", "Финансовый директор")
    try:
        assert first.stdout.readline().split() == ["loaded", "1"]
        assert second.stdout.readline().split() == ["loaded", "1"]
        second.stdin.write("\n")
        second.stdin.flush()
        assert second.stdout.readline().strip() == "saved Финансовый директор"
        first.stdin.write("\n")
        first.stdin.flush()
        # The first editor's save is refused and shown what the other one saved.
        assert first.stdout.readline().strip() == "stale Финансовый директор"
    finally:
        for proc in (first, second):
            proc.stdin.close()
            proc.wait(timeout=30)
    with db.read() as session:
        contact = session.query(Contact).filter_by(company_id=company_id).one()
    assert contact.position == "Финансовый директор" and contact.version == 2
