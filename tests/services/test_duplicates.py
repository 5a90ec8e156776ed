"""Possible duplicates: found by the import and by a scan of the base, listed for the head of sales, merged
(undoably) or marked "not a duplicate" (remembered, audited); SQLite and PostgreSQL."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from kbase_tui.models import AuditEvent, Company, Interaction, Phone
from kbase_tui.protocol.errors import AccessDenied, NotFound, ValidationFailed
from kbase_tui.services import company_merge, duplicates, importing

from .supervisor_data import add_company

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "import"


@pytest.fixture
def boss(make_user):
    return make_user("supervisor", "boss", full_name="Роман Начальников")


def company(db, name: str, *phones: str, **fields) -> int:
    company_id = add_company(db, name, **fields)
    with db.write() as session:
        for number in phones:
            session.add(Phone(company_id=company_id, number=number))
    return company_id


def listed(db, actor) -> list[tuple[str, str, str, str]]:
    return [(r.reason, r.detail, r.first.name, r.second.name) for r in duplicates.pairs(db, actor).rows]


def test_the_import_lists_a_shared_toll_free_number_as_a_pair(db, boss, tmp_path):
    source = tmp_path / "bitrix24_companies.csv"
    shutil.copy(FIXTURES / "bitrix24_companies.csv", source)
    report = importing.run_import(db, boss, source)
    assert report.possible_duplicates == 1
    assert listed(db, boss) == [("phone", "+78002004545", "ПАО «Северсталь»", "ИП Соколов")]


def test_a_scan_finds_shared_phones_and_the_same_name_but_never_two_inns(db, boss):
    rose = company(db, "ООО «Ромашка»", "+74951112233", city="Москва")
    company(db, "Ромашка ООО", city="Тула")  # the same name once the legal form and quotes are set aside
    company(db, "ИП Соколов", "+78002004545")
    company(db, "ПАО «Северсталь»", "+78002004545", inn="3528000597")
    company(db, "ООО «Альфа»", "+74957654321", inn="7701000001")
    company(db, "ООО «Бета»", "+74957654321", inn="7702000002")  # different INNs: two legal entities
    company(db, "ООО «Гамма»", "+74959990000")
    company(db, "Ромашка", merged_into_id=rose)  # merged away already: no pair
    found = duplicates.scan(db, boss)
    assert (found.phone, found.name, found.new, found.waiting) == (1, 1, 2, 2)
    assert listed(db, boss) == [
        ("phone", "+78002004545", "ИП Соколов", "ПАО «Северсталь»"),
        ("name", "ромашка", "ООО «Ромашка»", "Ромашка ООО"),
    ]
    # A second scan adds nothing: the pairs are known.
    assert duplicates.scan(db, boss).new == 0 and len(listed(db, boss)) == 2


def test_not_a_duplicate_is_remembered_audited_and_written_in_both_histories(db, boss):
    first = company(db, "ИП Соколов", "+78002004545")
    second = company(db, "ПАО «Северсталь»", "+78002004545")
    duplicates.scan(db, boss)
    [row] = duplicates.pairs(db, boss).rows
    duplicates.dismiss(db, boss, row.id)
    assert listed(db, boss) == []
    with pytest.raises(ValidationFailed):
        duplicates.dismiss(db, boss, row.id)
    with pytest.raises(NotFound):
        duplicates.dismiss(db, boss, row.id + 1000)
    # Remembered: the next scan does not offer the pair again.
    assert duplicates.scan(db, boss).new == 0 and listed(db, boss) == []
    with db.read() as session:
        for here, there in ((first, "ПАО «Северсталь»"), (second, "ИП Соколов")):
            [entry] = session.execute(
                select(Interaction).where(Interaction.company_id == here, Interaction.outcome == "not_a_duplicate")
            ).scalars()
            assert there in entry.text and entry.user_id == boss.id
        [event] = session.execute(select(AuditEvent).where(AuditEvent.action == "duplicate_dismissed")).scalars()
        assert event.entity_id == first and json.loads(event.detail)["other"] == second


def test_a_merged_pair_leaves_the_list_and_comes_back_when_the_merge_is_undone(db, boss):
    kept = company(db, "ИП Соколов", "+78002004545", stage="cold")
    duplicate = company(db, "ПАО «Северсталь»", "+78002004545", stage="cold")
    duplicates.scan(db, boss)
    [row] = duplicates.pairs(db, boss).rows
    card = company_merge.merge(db, boss, row.first.id, row.first.version, row.second.id)
    assert listed(db, boss) == []
    company_merge.undo_merge(db, boss, card.merges[0].id)
    assert [r.second.id for r in duplicates.pairs(db, boss).rows] == [duplicate]
    assert kept == row.first.id


def test_only_the_head_of_sales_sees_and_settles_duplicates(db, boss, make_user):
    company(db, "ИП Соколов", "+78002004545")
    company(db, "ПАО «Северсталь»", "+78002004545")
    duplicates.scan(db, boss)
    [row] = duplicates.pairs(db, boss).rows
    for role in ("caller", "closer", "account", "admin"):
        someone = make_user(role, f"who_{role}")
        with pytest.raises(AccessDenied):
            duplicates.pairs(db, someone)
        with pytest.raises(AccessDenied):
            duplicates.scan(db, someone)
        with pytest.raises(AccessDenied):
            duplicates.dismiss(db, someone, row.id)
    assert len(listed(db, boss)) == 1


def test_the_list_pages_by_the_pair_and_counts_them_all(db, boss):
    for n in range(5):
        company(db, f"Клиент {n}", f"+7495000000{n}")
        company(db, f"Другой {n}", f"+7495000000{n}")
    duplicates.scan(db, boss)
    first = duplicates.pairs(db, boss, limit=3)
    assert len(first.rows) == 3 and first.total == 5 and first.next_after == first.rows[-1].id
    rest = duplicates.pairs(db, boss, after=first.next_after, limit=3)
    assert len(rest.rows) == 2 and rest.next_after is None
    assert len({r.id for r in first.rows + rest.rows}) == 5


def test_undoing_an_import_takes_its_pairs_away(db, boss, tmp_path):
    source = tmp_path / "bitrix24_companies.csv"
    shutil.copy(FIXTURES / "bitrix24_companies.csv", source)
    report = importing.run_import(db, boss, source)
    assert len(listed(db, boss)) == 1
    importing.undo_import(db, boss, report.run_id)
    assert listed(db, boss) == []
    with db.read() as session:
        assert session.execute(select(Company.id).where(Company.name == "ИП Соколов")).first() is None
