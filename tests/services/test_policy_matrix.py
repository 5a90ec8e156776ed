"""Every role against every kind of record and every client-card service call.

The conveyor's promise: each person sees only their own stage and records.
Each cell (role, record) is a test that names every wrong call in it.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from kbase_tui.models import Category, Company, Contact, Stage, utcnow
from kbase_tui.services import clients
from kbase_tui.services.errors import AccessDenied

ROLES = ["caller", "closer", "account", "supervisor", "admin"]

# kind -> which roles (as "me") may see it
RECORDS = {
    "lead_held_by_me": {"caller", "supervisor"},
    "lead_held_by_other": {"supervisor"},
    "lead_lease_expired": {"supervisor"},
    "lead_free": {"supervisor"},
    "deal_mine": {"closer", "supervisor"},
    "deal_other": {"supervisor"},
    "account_mine": {"account", "supervisor"},
    "account_other": {"supervisor"},
    "lost_account_mine": {"account", "supervisor"},
    "refused": {"supervisor"},
    "do_not_call": {"supervisor"},
}


@pytest.fixture
def world(db, make_user):
    """One user per role as "me", one colleague per role as "other", one company per record kind."""
    me = {role: make_user(role, f"me_{role}") for role in ROLES}
    other = {role: make_user(role, f"other_{role}") for role in ("caller", "closer", "account")}
    now = utcnow()
    lease = now + timedelta(minutes=20)
    specs = {
        "lead_held_by_me": dict(
            stage=Stage.COLD, category=Category.POTENTIAL, held_by_id=me["caller"].id, held_until=lease
        ),
        "lead_held_by_other": dict(
            stage=Stage.COLD, category=Category.POTENTIAL, held_by_id=other["caller"].id, held_until=lease
        ),
        "lead_lease_expired": dict(
            stage=Stage.COLD,
            category=Category.POTENTIAL,
            held_by_id=me["caller"].id,
            held_until=now - timedelta(minutes=1),
        ),
        "lead_free": dict(stage=Stage.COLD, category=Category.POTENTIAL, in_queue=True),
        "deal_mine": dict(stage=Stage.PIPELINE, category=Category.POTENTIAL, owner_id=me["closer"].id),
        "deal_other": dict(stage=Stage.PIPELINE, category=Category.POTENTIAL, owner_id=other["closer"].id),
        "account_mine": dict(stage=Stage.ACCOUNT, category=Category.ACTIVE, owner_id=me["account"].id),
        "account_other": dict(stage=Stage.ACCOUNT, category=Category.ACTIVE, owner_id=other["account"].id),
        "lost_account_mine": dict(stage=Stage.ACCOUNT, category=Category.LOST, owner_id=me["account"].id),
        "refused": dict(stage=Stage.COLD, category=Category.REFUSED),
        "do_not_call": dict(stage=Stage.COLD, category=Category.DO_NOT_CALL),
    }
    ids = {}
    contacts = {}
    with db.write() as session:
        for kind, values in specs.items():
            company = Company(name=f"ООО «{kind}»", city="Казань", **values)
            session.add(company)
            session.flush()
            contact = Contact(company_id=company.id, full_name="Пётр Сидоров", position="Директор")
            session.add(contact)
            session.flush()
            ids[kind], contacts[kind] = company.id, contact.id
    return me, ids, contacts


def _calls(db, actor, company_id, contact_id):
    return {
        "open_card": lambda: clients.open_card(db, actor, company_id),
        "history": lambda: clients.history(db, actor, company_id),
        "add_note": lambda: clients.add_note(db, actor, company_id, "note", "Проверка доступа"),
        "add_contact": lambda: clients.add_contact(
            db, actor, company_id, clients.ContactForm(full_name="Новый Контакт")
        ),
        "update_contact": lambda: clients.update_contact(
            db, actor, contact_id, 1, clients.ContactForm(full_name="Пётр Сидоров", position="Коммерческий директор")
        ),
    }


@pytest.mark.parametrize("kind", list(RECORDS))
@pytest.mark.parametrize("role", ROLES)
def test_access_matrix(db, world, role, kind):
    """Every call on this (role, record) cell is allowed or refused as the policy says."""
    me, ids, contacts = world
    wrong = []
    for call, action in _calls(db, me[role], ids[kind], contacts[kind]).items():
        allowed = role in RECORDS[kind]
        try:
            action()
            if not allowed:
                wrong.append(f"{call}: allowed but must be refused")
        except AccessDenied:
            if allowed:
                wrong.append(f"{call}: refused but must be allowed")
    assert not wrong, f"{role} on {kind}: " + "; ".join(wrong)


def test_a_caller_cannot_probe_which_company_ids_exist(db, world):
    me, _ids, _contacts = world
    with pytest.raises(AccessDenied):
        clients.open_card(db, me["caller"], 999_999)
