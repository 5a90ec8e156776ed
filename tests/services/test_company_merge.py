"""Merging a duplicate into the company kept: history kept, audited, undone exactly."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from kbase_tui.models import AuditEvent, Company, Contact, Interaction, Phone, Refusal
from kbase_tui.protocol.companies import BaseQuery
from kbase_tui.protocol.errors import AccessDenied, StaleRecord, ValidationFailed
from kbase_tui.services import base_search, company_merge
from kbase_tui.services.clients import write_history

from .supervisor_data import add_company, refused_company


@pytest.fixture
def pair(db, make_user):
    boss = make_user("supervisor", "boss", full_name="Роман")
    caller = make_user("caller", "anna", full_name="Анна")
    kept = add_company(db, "ООО «Ромашка»", city="Москва", in_queue=True)
    duplicate, refusal = refused_company(db, caller.id, "Ромашка ООО")
    with db.write() as session:
        contact = Contact(company_id=duplicate, full_name="Иван Петров")
        session.add(contact)
        session.flush()
        session.add(Phone(company_id=duplicate, contact_id=contact.id, number="+74951234567"))
        session.add(Phone(company_id=duplicate, number="+74950000000"))
        write_history(session, caller, duplicate, "call", outcome="refused", text="Отказ")
        write_history(session, caller, kept, "call", outcome="no_answer", text="")
    return {"boss": boss, "caller": caller, "kept": kept, "duplicate": duplicate, "refusal": refusal}


def _rows(db, company_id):
    with db.read() as session:
        return {
            "contacts": session.execute(select(Contact.id).where(Contact.company_id == company_id)).scalars().all(),
            "phones": sorted(session.execute(select(Phone.number).where(Phone.company_id == company_id)).scalars()),
            "history": session.execute(
                select(Interaction.text).where(Interaction.company_id == company_id).order_by(Interaction.id)
            )
            .scalars()
            .all(),
            "refusals": session.execute(select(Refusal.id).where(Refusal.company_id == company_id)).scalars().all(),
        }


def test_merge_moves_everything_to_the_kept_company_and_hides_the_duplicate(db, pair):
    boss, kept, duplicate = pair["boss"], pair["kept"], pair["duplicate"]
    card = base_search.card(db, boss, kept)
    card = company_merge.merge(db, boss, kept, card.company.version, duplicate)
    rows = _rows(db, kept)
    assert rows["phones"] == ["+74950000000", "+74951234567"]
    assert len(rows["contacts"]) == 1 and rows["refusals"] == [pair["refusal"]]
    assert "Отказ" in rows["history"] and any("merged the duplicate" in t for t in rows["history"])
    # A name is set off in «…» unless it carries quotes of its own: never «ООО «Ромашка»».
    texts = " ".join(rows["history"] + _rows(db, duplicate)["history"])
    assert "merged the duplicate «Ромашка ООО» (#" in texts
    assert f"merged this company into ООО «Ромашка» (#{kept})" in texts and "«ООО" not in texts
    assert [m.source_id for m in card.merges] == [duplicate]
    names = [r.name for r in base_search.search(db, boss, BaseQuery(text="ромашка")).rows]
    assert names == ["ООО «Ромашка»"]  # the duplicate has left the lists
    assert [r.id for r in base_search.search(db, boss, BaseQuery(flag="merged")).rows] == [duplicate]
    with db.read() as session:
        assert session.get(Company, duplicate).merged_into_id == kept
        assert not session.get(Company, duplicate).in_queue
        event = session.execute(select(AuditEvent).where(AuditEvent.action == "companies_merged")).scalar_one()
    assert event.company_id == kept


def test_undo_puts_every_row_back_and_the_duplicate_where_it_was(db, pair):
    boss, kept, duplicate = pair["boss"], pair["kept"], pair["duplicate"]
    before_kept, before_dup = _rows(db, kept), _rows(db, duplicate)
    card = base_search.card(db, boss, kept)
    card = company_merge.merge(db, boss, kept, card.company.version, duplicate)
    write_history_after = card.company.version
    card = company_merge.undo_merge(db, boss, card.merges[0].id)
    after_kept, after_dup = _rows(db, kept), _rows(db, duplicate)
    assert after_dup["phones"] == before_dup["phones"] and after_dup["contacts"] == before_dup["contacts"]
    assert after_dup["refusals"] == before_dup["refusals"]
    assert after_dup["history"][: len(before_dup["history"])] == before_dup["history"]
    assert after_kept["phones"] == before_kept["phones"]
    assert card.merges[0].undone_at is not None and card.company.version > write_history_after
    with pytest.raises(ValidationFailed):
        company_merge.undo_merge(db, boss, card.merges[0].id)
    with db.read() as session:
        assert session.get(Company, duplicate).merged_into_id is None
        actions = session.execute(select(AuditEvent.action)).scalars().all()
    assert "merge_undone" in actions


def test_merge_is_refused_when_it_could_not_be_undone_cleanly(db, pair, make_user):
    boss, kept, duplicate = pair["boss"], pair["kept"], pair["duplicate"]
    closer = make_user("closer")
    deal_company = add_company(db, "В воронке", stage="pipeline", owner_id=closer.id)
    card = base_search.card(db, boss, kept)
    with pytest.raises(ValidationFailed):
        company_merge.merge(db, boss, kept, card.company.version, kept)
    with pytest.raises(ValidationFailed):
        company_merge.merge(db, boss, kept, card.company.version, deal_company)
    with pytest.raises(StaleRecord):
        company_merge.merge(db, boss, kept, card.company.version - 1, duplicate)
    with pytest.raises(AccessDenied):
        company_merge.merge(db, pair["caller"], kept, card.company.version, duplicate)
    card = company_merge.merge(db, boss, kept, card.company.version, duplicate)
    other = add_company(db, "Третья")
    with pytest.raises(ValidationFailed):
        company_merge.merge(db, boss, other, base_search.card(db, boss, other).company.version, duplicate)
