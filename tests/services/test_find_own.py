"""Type-to-find of one's own clients (clients.find_own): by name (Cyrillic, any case, ё = е), by INN,
by phone digits; only the reader's own clients, never a caller's or an admin's."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from kbase_tui.models import Company, Phone
from kbase_tui.services import clients
from kbase_tui.services.errors import AccessDenied

from .account_setup import account_company
from .pipeline_setup import hand_over


@pytest.fixture
def people(make_user):
    return {
        "caller": make_user("caller", "olga"),
        "petr": make_user("closer", "petr"),
        "irina": make_user("closer", "irina"),
        "anna": make_user("account", "anna"),
        "boss": make_user("supervisor", "roman"),
        "admin": make_user("admin", "it"),
    }


def names(found) -> list[str]:
    return [m.name for m in found]


def test_a_closer_finds_own_deals_by_name_inn_and_phone(db, people):
    mine = hand_over(db, people["caller"], people["petr"], "ООО «Ёлочка»")
    hand_over(db, people["caller"], people["irina"], "ООО «Ёлка и Палка»")
    account_company(db, people["anna"], "АО «Елисей»")
    with db.write() as session:
        company_id = session.execute(select(Company.id).where(Company.name == "ООО «Ёлочка»")).scalar_one()
        session.execute(update(Company).where(Company.id == company_id).values(inn="7701234567"))
        session.add(Phone(company_id=company_id, number="+78129876543"))
    petr = people["petr"]
    for text in ("елочка", "ЁЛОЧКА", "ооо ёл", "Ёл"):
        found = clients.find_own(db, petr, text)
        assert names(found) == ["ООО «Ёлочка»"], text
    assert found[0].deal_id == mine and found[0].stage_code == "new"
    assert names(clients.find_own(db, petr, "7701")) == ["ООО «Ёлочка»"]  # INN
    assert names(clients.find_own(db, petr, "987-65-43")) == ["ООО «Ёлочка»"]  # phone digits
    assert names(clients.find_own(db, petr, "8 (812) 987-65-43")) == ["ООО «Ёлочка»"]  # the leading 8
    assert clients.find_own(db, petr, "палка") == []  # Irina's deal
    assert clients.find_own(db, petr, "елисей") == []  # Anna's account
    assert clients.find_own(db, petr, "   ") == []


def test_an_account_manager_finds_own_accounts_and_the_head_of_sales_all(db, people):
    account_company(db, people["anna"], "АО «Елисей»")
    hand_over(db, people["caller"], people["petr"], "ООО «Ёлочка»")
    assert names(clients.find_own(db, people["anna"], "елисей")) == ["АО «Елисей»"]
    assert clients.find_own(db, people["anna"], "елочка") == []
    assert names(clients.find_own(db, people["boss"], "ел")) == ["АО «Елисей»", "ООО «Ёлочка»"]
    for nobody in ("caller", "admin"):
        with pytest.raises(AccessDenied):
            clients.find_own(db, people[nobody], "ел")
