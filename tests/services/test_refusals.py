"""The refusal list: the week's refusals by default, filters, paging, and the three decisions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from kbase_tui.i18n import set_language
from kbase_tui.models import AuditEvent, Company, Interaction, Refusal
from kbase_tui.services import refusals
from kbase_tui.services.errors import AccessDenied, ValidationFailed
from kbase_tui.services.refusals import RefusalFilter
from kbase_tui.timezones import business_today, centre_zone

from .supervisor_data import add_company, days_ago, refused_company


def test_default_list_is_this_weeks_undecided_refusals(db, make_user):
    boss = make_user("supervisor", "boss")
    anna = make_user("caller", "anna", full_name="Анна Звонова")
    _, this_week = refused_company(db, anna.id, "ООО Ромашка")
    refused_company(db, anna.id, "ООО Старьё", at=days_ago(8))
    page = refusals.list_refusals(db, boss)
    assert [r.id for r in page.rows] == [this_week]
    row = page.rows[0]
    assert row.company_name == "ООО Ромашка" and row.caller_name == "Анна Звонова"
    assert row.reason_label == "Has a supplier" and not row.overdue
    assert refusals.count_refusals(db, boss) == 1


def test_filters_by_reason_operator_channel_industry_and_date(db, make_user):
    boss = make_user("supervisor")
    anna, boris = make_user("caller"), make_user("caller")
    _, r1 = refused_company(db, anna.id, "A", reason="no_need", channel="retail", industry="металлургия")
    _, r2 = refused_company(db, boris.id, "B", reason="has_supplier", channel="dealers", industry="металлургия")
    _, r3 = refused_company(
        db, boris.id, "C", reason="no_need", channel="retail", industry="машиностроение", at=days_ago(20)
    )
    wide = dict(date_from=business_today() - timedelta(days=40), date_to=business_today() + timedelta(days=1))

    def ids(**kw):
        found = {r.id for r in refusals.list_refusals(db, boss, RefusalFilter(**wide, **kw)).rows}
        # the count (which reads the company only for a channel or industry filter) agrees with the list
        assert refusals.count_refusals(db, boss, RefusalFilter(**wide, **kw)) == len(found)
        return found

    assert ids() == {r1, r2, r3}
    assert ids(reason_code="no_need") == {r1, r3}
    assert ids(caller_id=boris.id) == {r2, r3}
    assert ids(channel="retail") == {r1, r3}
    assert ids(industry="металлургия") == {r1, r2}
    old_day = (days_ago(20)).astimezone(centre_zone()).date()
    assert {r.id for r in refusals.list_refusals(db, boss, RefusalFilter(date_from=old_day, date_to=old_day)).rows} == {
        r3
    }
    choices = refusals.filter_choices(db, boss)
    assert set(choices.channels) == {"retail", "dealers"}
    assert {c[0] for c in choices.callers} == {anna.id, boris.id}
    assert ("no_need", "No need") in choices.reasons


def test_pages_with_a_keyset_cursor_without_gaps_or_repeats(db, make_user):
    boss = make_user("supervisor")
    caller = make_user("caller")
    same_moment = days_ago(1)
    made = set()
    for n in range(25):
        made.add(refused_company(db, caller.id, f"Компания {n}", at=same_moment if n % 2 else days_ago(1 + n / 100))[1])
    flt = RefusalFilter(date_from=business_today() - timedelta(days=5), date_to=business_today() + timedelta(days=1))
    seen: list[int] = []
    cursor = None
    while True:
        page = refusals.list_refusals(db, boss, flt, after=cursor, limit=7)
        seen.extend(r.id for r in page.rows)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert len(seen) == len(set(seen)) == 25 and set(seen) == made


def test_old_undecided_refusals_stand_out(db, make_user):
    boss = make_user("supervisor")
    caller = make_user("caller")
    _, old = refused_company(db, caller.id, "Давний", at=days_ago(9))
    refused_company(db, caller.id, "Свежий", at=days_ago(0))
    flt = RefusalFilter(date_from=business_today() - timedelta(days=30), date_to=business_today() + timedelta(days=1))
    rows = {r.id: r for r in refusals.list_refusals(db, boss, flt).rows}
    assert rows[old].overdue and sum(r.overdue for r in rows.values()) == 1
    assert refusals.count_overdue(db, boss) == 1


def test_special_offer_puts_the_company_ahead_in_the_queue_for_one_caller(db, make_user):
    boss = make_user("supervisor", full_name="Ольга Начальникова")
    anna = make_user("caller", full_name="Анна")
    company_id, refusal_id = refused_company(db, anna.id, "ООО Металл")
    result = refusals.decide(
        db, boss, [refusal_id], "special_offer", offer_text="Скидка 15% на первую партию", offer_user_id=anna.id
    )
    assert result.decided == 1 and not result.skipped
    with db.read() as s:
        company = s.get(Company, company_id)
        assert (company.category, company.in_queue, company.queue_rank) == ("potential", True, 10)
        assert company.special_offer == "Скидка 15% на первую партию" and company.special_offer_user_id == anna.id
        refusal = s.get(Refusal, refusal_id)
        assert refusal.decision == "special_offer" and refusal.decided_by_id == boss.id
        entry = s.execute(select(Interaction).where(Interaction.company_id == company_id)).scalar_one()
        assert entry.kind == "decision" and entry.user_id == boss.id and "Ольга Начальникова" in entry.text
        assert (
            s.execute(select(AuditEvent).where(AuditEvent.action == "refusal_decided")).scalar_one().entity_id
            == refusal_id
        )
    # The list of undecided refusals no longer shows it.
    assert refusals.list_refusals(db, boss).rows == ()


def test_shelve_and_do_not_call_for_many_at_once(db, make_user):
    boss = make_user("supervisor")
    caller = make_user("caller")
    pairs = [refused_company(db, caller.id, f"Фирма {n}") for n in range(3)]
    until = business_today() + timedelta(days=30)
    result = refusals.decide(db, boss, [pairs[0][1], pairs[1][1]], "shelve", shelve_until=until)
    assert result.decided == 2
    refusals.decide(db, boss, [pairs[2][1]], "do_not_call")
    with db.read() as s:
        for company_id, _ in pairs[:2]:
            c = s.get(Company, company_id)
            assert c.shelved_until.astimezone(centre_zone()).date() == until and c.not_before == c.shelved_until
            assert c.special_offer == ""
        dnc = s.get(Company, pairs[2][0])
        assert dnc.category == "do_not_call" and dnc.in_queue is False
        assert s.query(Interaction).count() == 3


def test_a_company_that_moved_on_is_not_pulled_back(db, make_user):
    boss = make_user("supervisor")
    caller = make_user("caller")
    company_id, refusal_id = refused_company(db, caller.id, "Ушли к клоузеру")
    with db.write() as s:
        s.get(Company, company_id).stage = "pipeline"
    try:
        set_language("ru")
        result = refusals.decide(db, boss, [refusal_id], "do_not_call")
    finally:
        set_language("en")
    # The reason names the stage in words, never its code.
    assert result.decided == 0 and result.skipped == ((refusal_id, "компания уже перешла на этап «воронка»"),)
    with db.read() as s:
        assert s.get(Company, company_id).category != "do_not_call"


def test_decisions_are_validated(db, make_user):
    boss = make_user("supervisor")
    closer = make_user("closer")
    _, refusal_id = refused_company(db, None, "X")
    with pytest.raises(ValidationFailed):
        refusals.decide(db, boss, [refusal_id], "special_offer", offer_text="  ")
    with pytest.raises(ValidationFailed):
        refusals.decide(db, boss, [refusal_id], "special_offer", offer_text="x", offer_user_id=closer.id)
    with pytest.raises(ValidationFailed):
        refusals.decide(db, boss, [refusal_id], "shelve", shelve_until=business_today())
    with pytest.raises(ValidationFailed):
        refusals.decide(db, boss, [], "do_not_call")


@pytest.mark.parametrize("role", ["caller", "closer", "account", "admin"])
def test_no_other_role_reaches_the_refusal_list(db, make_user, role):
    someone = make_user(role)
    _, refusal_id = refused_company(db, None, "Y")
    for call in (
        lambda: refusals.list_refusals(db, someone),
        lambda: refusals.count_refusals(db, someone),
        lambda: refusals.filter_choices(db, someone),
        lambda: refusals.active_callers(db, someone),
        lambda: refusals.decide(db, someone, [refusal_id], "do_not_call"),
    ):
        with pytest.raises(AccessDenied):
            call()
    with db.read() as s:
        assert s.get(Refusal, refusal_id).decision is None


def test_a_disabled_supervisor_loses_access_at_once(db, make_user):
    from kbase_tui.services import users

    boss = make_user("supervisor", "leaving")
    users.disable_user(db, users.local_actor(), "leaving")
    with pytest.raises(AccessDenied):
        refusals.list_refusals(db, boss)


def test_unused_helper_company_is_not_listed(db, make_user):
    boss = make_user("supervisor")
    add_company(db, "Без отказа")
    assert refusals.count_refusals(db, boss, RefusalFilter(status="all")) == 0


def test_the_next_claim_gets_the_special_offer_company_first_and_only_for_the_named_caller(db, make_user):
    from kbase_tui.services import queue

    boss = make_user("supervisor")
    anna, boris = make_user("caller"), make_user("caller")
    add_company(db, "Обычный лид", in_queue=True)
    company_id, refusal_id = refused_company(db, anna.id, "Особый случай")
    refusals.decide(db, boss, [refusal_id], "special_offer", offer_text="Бесплатная доставка", offer_user_id=anna.id)
    # Boris may not take Anna's offer: he gets the ordinary lead.
    assert queue.claim_next_lead(db, boris).company_id != company_id
    assert queue.claim_next_lead(db, anna).company_id == company_id


def test_a_shelved_company_stays_out_of_the_queue_until_its_date(db, make_user):
    from kbase_tui.services import queue
    from kbase_tui.services.errors import QueueEmpty

    boss = make_user("supervisor")
    caller = make_user("caller")
    _, refusal_id = refused_company(db, caller.id, "Отложенный")
    refusals.decide(db, boss, [refusal_id], "shelve", shelve_until=business_today() + timedelta(days=10))
    with pytest.raises(QueueEmpty):
        queue.claim_next_lead(db, caller)
