"""The supervisor's base search and company card: what it finds, who may use it, what it audits and changes."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from kbase_tui.models import AuditEvent, Company, Interaction, Phone, Refusal, utcnow
from kbase_tui.protocol.companies import BaseQuery, CompanyFix
from kbase_tui.protocol.errors import AccessDenied, StaleRecord, ValidationFailed
from kbase_tui.services import base_search, queue

from .supervisor_data import add_company, refused_company


def _names(page) -> list[str]:
    return [row.name for row in page.rows]


def _phone(db, company_id: int, number: str) -> None:
    with db.write() as session:
        session.add(Phone(company_id=company_id, number=number))


@pytest.fixture
def base(db, make_user):
    boss = make_user("supervisor", "boss", full_name="Роман Руководов")
    closer = make_user("closer", "petr", full_name="Пётр Сделкин")
    ids = {
        "romashka": add_company(db, "ООО «РОМАШКА»", city="Москва", inn="7701234567", channel="web"),
        "elka": add_company(db, "ИП Ёлкин", city="Самара", inn="631234567890"),
        "romashka2": add_company(db, "АО Ромашка-Юг", city="Краснодар", stage="pipeline", owner_id=closer.id),
        "vector": add_company(db, "ЗАО Вектор", city="Пермь", needs_data_fix=True),
    }
    _phone(db, ids["vector"], "+73422123456")
    return {"boss": boss, "closer": closer, "ids": ids}


def test_name_search_folds_cyrillic_case_yo_and_ignores_the_legal_form(db, base):
    boss = base["boss"]
    assert _names(base_search.search(db, boss, BaseQuery(text="ромашка"))) == ["АО Ромашка-Юг", "ООО «РОМАШКА»"]
    assert _names(base_search.search(db, boss, BaseQuery(text="ЗАО ромашка"))) == ["АО Ромашка-Юг", "ООО «РОМАШКА»"]
    assert _names(base_search.search(db, boss, BaseQuery(text="елкин"))) == ["ИП Ёлкин"]
    assert _names(base_search.search(db, boss, BaseQuery(text="ЁЛКИН ип"))) == ["ИП Ёлкин"]
    assert _names(base_search.search(db, boss, BaseQuery(text="ромашка юг"))) == ["АО Ромашка-Юг"]
    assert _names(base_search.search(db, boss, BaseQuery(text="100%"))) == []


def test_numbers_find_the_inn_and_the_phone(db, base):
    boss = base["boss"]
    assert _names(base_search.search(db, boss, BaseQuery(text="7701234567"))) == ["ООО «РОМАШКА»"]
    assert _names(base_search.search(db, boss, BaseQuery(text="6312"))) == ["ИП Ёлкин"]
    page = base_search.search(db, boss, BaseQuery(text="8 (342) 212-34-56"))
    assert _names(page) == ["ЗАО Вектор"] and page.matched_by == "number"
    assert page.rows[0].phone == "+73422123456"
    assert _names(base_search.search(db, boss, BaseQuery(text="212-34"))) == ["ЗАО Вектор"]


def test_filters_by_city_stage_owner_and_flag(db, base):
    boss, closer = base["boss"], base["closer"]
    assert _names(base_search.search(db, boss, BaseQuery(city="САМАРА"))) == ["ИП Ёлкин"]
    assert _names(base_search.search(db, boss, BaseQuery(stage="pipeline"))) == ["АО Ромашка-Юг"]
    assert _names(base_search.search(db, boss, BaseQuery(owner_id=closer.id))) == ["АО Ромашка-Юг"]
    assert _names(base_search.search(db, boss, BaseQuery(flag="needs_fix"))) == ["ЗАО Вектор"]
    assert _names(base_search.search(db, boss, BaseQuery(channel="web"))) == ["ООО «РОМАШКА»"]
    with pytest.raises(ValidationFailed):
        base_search.search(db, boss, BaseQuery(flag="everything"))


def test_pages_follow_the_keyset_cursor_without_gaps_or_repeats(db, make_user):
    boss = make_user("supervisor", "boss")
    for n in range(25):
        add_company(db, f"Фирма {n % 5}")  # equal names: the id breaks the tie
    seen = []
    after = None
    while True:
        page = base_search.search(db, boss, BaseQuery(text="фирма"), after=after, limit=7)
        seen += [row.id for row in page.rows]
        if page.next_cursor is None:
            break
        after = page.next_cursor
    assert len(seen) == 25 and len(set(seen)) == 25


def test_only_the_supervisor_may_search_or_open_the_card(db, base, make_user):
    company_id = base["ids"]["romashka"]
    for role in ("caller", "closer", "account", "admin"):
        actor = make_user(role)
        with pytest.raises(AccessDenied):
            base_search.search(db, actor, BaseQuery(text="ромашка"))
        with pytest.raises(AccessDenied):
            base_search.card(db, actor, company_id)


def test_every_search_and_card_view_is_audited_and_the_card_shows_who_saw_it(db, base):
    boss = base["boss"]
    company_id = base["ids"]["romashka"]
    base_search.search(db, boss, BaseQuery(text="ромашка"))
    card = base_search.card(db, boss, company_id)
    with db.read() as session:
        actions = [e.action for e in session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars()]
    assert actions[-2:] == ["base_searched", "card_opened"]
    assert [v.username for v in card.viewers] == ["boss"]
    assert card.company.name == "ООО «РОМАШКА»"


def test_card_shows_refusals_and_a_refused_company_is_shelved_from_it(db, base, make_user):
    boss = base["boss"]
    caller = make_user("caller", "anna", full_name="Анна")
    company_id, refusal_id = refused_company(db, caller.id, "Грубая фирма")
    card = base_search.card(db, boss, company_id)
    assert [r.caller_name for r in card.refusals] == ["Анна"]
    until = date.today() + timedelta(days=30)
    card = base_search.shelve(db, boss, company_id, card.company.version, until)
    assert card.state.shelved_until is not None and card.state.in_queue
    with db.read() as session:
        assert session.get(Refusal, refusal_id).decision == "shelve"  # the review does not ask again


def test_fix_data_writes_history_and_clears_the_bad_data_mark(db, base):
    boss = base["boss"]
    company_id = base["ids"]["vector"]
    card = base_search.card(db, boss, company_id)
    form = CompanyFix(name="ЗАО «Вектор»", inn="5902123456", city="Пермь", phones=["8 342 212 00 00"])
    card = base_search.fix_data(db, boss, company_id, card.company.version, form)
    assert card.company.phones == ("+73422120000",)
    assert card.company.inn == "5902123456" and not card.state.needs_data_fix
    with db.read() as session:
        entry = session.execute(select(Interaction).where(Interaction.company_id == company_id)).scalars().one()
    # Field names in words, numbers as they are read aloud; the facts kept to read in another language.
    assert "phones: +7 342 212-34-56 → +7 342 212-00-00" in entry.text
    assert json.loads(entry.params)["changes"][-1] == ["phones", ["+73422123456"], ["+73422120000"]]
    with pytest.raises(StaleRecord):
        base_search.fix_data(db, boss, company_id, card.company.version - 1, form)
    with pytest.raises(ValidationFailed):
        base_search.fix_data(db, boss, company_id, card.company.version, CompanyFix(name="X", inn="123"))


def test_returned_to_the_queue_a_company_is_the_next_lead(db, base, make_user, no_rate_limits):
    boss = base["boss"]
    caller = make_user("caller", "anna")
    company_id = base["ids"]["vector"]
    with db.write() as session:
        company = session.get(Company, company_id)
        company.unreachable = True
        company.attempts = 6
        for other in (base["ids"]["romashka"], base["ids"]["elka"]):
            session.get(Company, other).last_tried_at = utcnow()  # the other leads of the queue come after it
    card = base_search.card(db, boss, company_id)
    card = base_search.return_to_queue(db, boss, company_id, card.company.version)
    assert card.state.in_queue and not card.state.unreachable and not card.state.needs_data_fix
    view = queue.take_next(db, caller)
    assert view.lead is not None and view.lead.company_id == company_id


def test_assign_a_cold_company_to_one_caller_and_a_pipeline_company_to_another_closer(
    db, base, make_user, no_rate_limits
):
    boss = base["boss"]
    anna = make_user("caller", "anna")
    make_user("caller", "boris")
    company_id = base["ids"]["elka"]
    add_company(db, "Другой лид", in_queue=True, queue_rank=1)
    card = base_search.card(db, boss, company_id)
    assert {p.name for p in base_search.assignees(db, boss, company_id)} == {"anna", "boris"}
    base_search.assign(db, boss, company_id, card.company.version, anna.id)
    view = queue.take_next(db, anna)
    assert view.lead.company_id == company_id  # her own lead first, before the better-ranked shared one
    other = make_user("closer", "irina")
    pipeline_id = base["ids"]["romashka2"]
    card = base_search.card(db, boss, pipeline_id)
    with pytest.raises(ValidationFailed):
        base_search.assign(db, boss, pipeline_id, card.company.version, anna.id)  # a caller cannot own a deal
    card = base_search.assign(db, boss, pipeline_id, card.company.version, other.id)
    assert card.company.owner_id == other.id


def test_do_not_call_takes_a_cold_company_out_for_good_and_refuses_other_stages(db, base):
    boss = base["boss"]
    card = base_search.card(db, boss, base["ids"]["romashka"])
    card = base_search.do_not_call(db, boss, card.company.id, card.company.version)
    assert card.company.category == "do_not_call" and not card.state.in_queue
    pipeline = base_search.card(db, boss, base["ids"]["romashka2"])
    with pytest.raises(ValidationFailed):
        base_search.do_not_call(db, boss, pipeline.company.id, pipeline.company.version)


def test_a_narrow_filter_pages_in_the_same_name_order(db, make_user):
    boss = make_user("supervisor", "boss")
    closer = make_user("closer", "petr")
    for n in range(12):
        add_company(db, f"ООО Сделка {n:02d}", stage="pipeline", owner_id=closer.id)
        add_company(db, f"АО Холодная {n:02d}")
    seen, after = [], None
    while True:
        page = base_search.search(db, boss, BaseQuery(stage="pipeline"), after=after, limit=5)
        seen += [row.name for row in page.rows]
        if page.next_cursor is None:
            break
        after = page.next_cursor
    assert seen == [f"ООО Сделка {n:02d}" for n in range(12)]


def test_assign_an_account_moves_its_open_tasks_and_tells_both_managers(db, make_user):
    from kbase_tui.models import FollowUpTask, utcnow
    from kbase_tui.services import notify

    boss = make_user("supervisor", "boss")
    first = make_user("account", "olga")
    second = make_user("account", "ivan")
    company_id = add_company(db, "Постоянный клиент", stage="account", category="active", owner_id=first.id)
    with db.write() as session:
        session.add(FollowUpTask(company_id=company_id, assignee_id=first.id, kind="follow_up", due_at=utcnow()))
    heard: list = []
    notify.subscribe(heard.append)
    try:
        card = base_search.card(db, boss, company_id)
        card = base_search.assign(db, boss, company_id, card.company.version, second.id)
    finally:
        notify.unsubscribe(heard.append)
    assert card.company.owner_id == second.id
    with db.read() as session:
        assert session.execute(select(FollowUpTask.assignee_id)).scalar_one() == second.id
    assert {(n.kind, n.what, n.user_ids) for n in heard} == {
        ("handover", "", (second.id,)),
        ("changed", "accounts", (first.id,)),
    }


def test_a_typed_value_longer_than_its_column_is_refused_not_cut(db, base):
    boss = base["boss"]
    company_id = base["ids"]["vector"]
    card = base_search.card(db, boss, company_id)
    long_name = "ООО «" + "Я" * 300 + "»"
    with pytest.raises(ValidationFailed) as refused:
        base_search.fix_data(db, boss, company_id, card.company.version, CompanyFix(name=long_name))
    assert "300" in str(refused.value) and str(len(long_name)) in str(refused.value)
    with pytest.raises(ValidationFailed, match="120"):
        base_search.fix_data(db, boss, company_id, card.company.version, CompanyFix(name="Вектор", city="П" * 121))
    assert base_search.card(db, boss, company_id).company.name == card.company.name  # nothing was written
    # An INN spaced for reading is its digits, not cut at 20 characters first.
    spaced = CompanyFix(name=card.company.name, inn="5 9 0 2 1 2 3 4 5 6 7 8")
    assert base_search.fix_data(db, boss, company_id, card.company.version, spaced).company.inn == "590212345678"
