"""The cold-call queue service: claim order, leases, every outcome, counters (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from kbase_tui.models import (
    AuditEvent,
    Category,
    Company,
    Deal,
    DealStatus,
    Interaction,
    Refusal,
    Stage,
    Target,
    utcnow,
)
from kbase_tui.protocol.queue import OutcomeForm
from kbase_tui.services import clients, queue, reference, settings
from kbase_tui.services.errors import AccessDenied, DatabaseBusy, QueueEmpty, ValidationFailed
from kbase_tui.timezones import business_today

from .queue_setup import add_company, company

# These tests take leads faster than a person can call (see conftest.no_rate_limits).
pytestmark = pytest.mark.usefixtures("no_rate_limits")


@pytest.fixture
def team(make_user):
    return {
        "anna": make_user("caller", "anna", full_name="Анна Звонова"),
        "boris": make_user("caller", "boris", full_name="Борис Набиров"),
        "vera": make_user("caller", "vera", full_name="Вера Третья"),
        "petr": make_user("closer", "petr", full_name="Пётр Сделкин"),
        "irina": make_user("closer", "irina", full_name="Ирина Закрывалова"),
        "boss": make_user("supervisor", "roman", full_name="Роман Руководов"),
    }


def ago(**kw):
    return utcnow() - timedelta(**kw)


def later(**kw):
    return utcnow() + timedelta(**kw)


def set_company(db, company_id, **fields):
    with db.write() as session:
        row = session.get(Company, company_id)
        for name, value in fields.items():
            setattr(row, name, value)


def audit_actions(db, company_id):
    with db.read() as session:
        return (
            session.execute(
                select(AuditEvent.action)
                .where(AuditEvent.entity == "company", AuditEvent.entity_id == company_id)
                .order_by(AuditEvent.id)
            )
            .scalars()
            .all()
        )


def calls_of(db, company_id):
    with db.read() as session:
        return (
            session.execute(
                select(Interaction)
                .where(Interaction.company_id == company_id, Interaction.kind == "call")
                .order_by(Interaction.id)
            )
            .scalars()
            .all()
        )


# --- claiming -------------------------------------------------------------------------------


def test_two_callers_never_hold_the_same_company(db, team):
    a = add_company(db, "ООО «Альфа»")
    b = add_company(db, "ООО «Бета»")
    first = queue.claim_next_lead(db, team["anna"])
    second = queue.claim_next_lead(db, team["boris"])
    assert {first.company_id, second.company_id} == {a, b}
    with pytest.raises(QueueEmpty):
        queue.claim_next_lead(db, team["vera"])
    assert company(db, a).held_by_id in (team["anna"].id, team["boris"].id)
    assert "lead_claimed" in audit_actions(db, a)


def test_claiming_again_returns_the_lead_already_held(db, team):
    a = add_company(db, "ООО «Альфа»")
    add_company(db, "ООО «Бета»")
    first = queue.claim_next_lead(db, team["anna"])
    again = queue.claim_next_lead(db, team["anna"])
    assert again.company_id == first.company_id == a
    assert again.source == "held"
    assert again.held_until >= first.held_until


def test_empty_queue_says_so(db, team):
    with pytest.raises(QueueEmpty):
        queue.claim_next_lead(db, team["anna"])
    view = queue.take_next(db, team["anna"])
    assert view.lead is None


def test_only_callers_take_leads(db, team):
    add_company(db, "ООО «Альфа»")
    for who in ("petr", "boss"):
        with pytest.raises(AccessDenied):
            queue.claim_next_lead(db, team[who])


def test_order_special_offer_then_priority_then_least_recently_tried(db, team):
    normal_old = add_company(db, "normal tried long ago", rank=100, tried=ago(days=10))
    normal_never = add_company(db, "normal never tried", rank=100)
    low = add_company(db, "low priority", rank=150)
    high = add_company(db, "high priority", rank=50, tried=ago(days=1))
    offer = add_company(db, "special offer", rank=10, tried=ago(hours=1), special_offer="Скидка 10%")
    order = []
    for _ in range(5):
        lead = queue.claim_next_lead(db, team["anna"])
        order.append(lead.company_id)
        queue.record_outcome(db, team["anna"], lead.company_id, "no_answer")
    assert order == [offer, high, normal_never, normal_old, low]


def test_companies_that_must_not_be_offered_never_appear(db, team):
    add_company(db, "in the pipeline", stage=Stage.PIPELINE, in_queue=False)
    add_company(db, "do not call", category=Category.DO_NOT_CALL, in_queue=False)
    add_company(db, "shelved", shelved_until=later(days=30))
    add_company(db, "retry later", not_before=later(minutes=30))
    add_company(db, "held by boris", held_by_id=team["boris"].id, held_until=later(minutes=10))
    add_company(db, "offer for boris", rank=10, special_offer="x", special_offer_user_id=team["boris"].id)
    add_company(
        db,
        "boris's callback in grace",
        callback_user_id=team["boris"].id,
        callback_at=ago(minutes=5),
        not_before=ago(minutes=5),
    )
    with pytest.raises(QueueEmpty):
        queue.claim_next_lead(db, team["anna"])


def test_expired_hold_and_past_shelving_return_to_the_queue(db, team):
    expired = add_company(db, "lease expired", held_by_id=team["boris"].id, held_until=ago(seconds=1))
    assert queue.claim_next_lead(db, team["anna"]).company_id == expired
    queue.record_outcome(db, team["anna"], expired, "busy")
    shelf = add_company(db, "shelf over", shelved_until=ago(minutes=1), not_before=ago(minutes=1))
    assert queue.claim_next_lead(db, team["anna"]).company_id == shelf


def test_own_due_callback_comes_first_and_falls_back_after_grace(db, team):
    add_company(db, "ordinary", rank=10)
    mine = add_company(
        db,
        "my callback",
        callback_user_id=team["anna"].id,
        callback_at=ago(minutes=1),
        not_before=ago(minutes=1),
        rank=150,
    )
    first = queue.claim_next_lead(db, team["anna"])
    assert (first.company_id, first.source) == (mine, "callback")
    queue.release_lead(db, team["anna"])
    # Boris does not get Anna's callback while it is within the grace period ...
    other = queue.claim_next_lead(db, team["boris"])
    assert other.company_id != mine and other.source == "queue"
    queue.release_lead(db, team["boris"])
    # ... but once the grace period is over, nobody's callback is stranded; for Boris it is an
    # ordinary lead from the shared queue, not a callback of his.
    set_company(db, mine, callback_at=ago(minutes=31), not_before=ago(minutes=31), queue_rank=5)
    taken = queue.claim_next_lead(db, team["boris"])
    assert (taken.company_id, taken.source) == (mine, "queue")


def test_release_puts_the_lead_back_unchanged(db, team):
    a = add_company(db, "ООО «Альфа»")
    queue.claim_next_lead(db, team["anna"])
    assert queue.release_lead(db, team["anna"]) == a
    row = company(db, a)
    assert row.held_by_id is None and row.attempts == 0 and row.in_queue
    assert queue.claim_next_lead(db, team["boris"]).company_id == a


def test_a_caller_sees_only_the_lead_they_hold(db, team):
    a = add_company(db, "ООО «Альфа»")
    b = add_company(db, "ООО «Бета»")
    lead = queue.claim_next_lead(db, team["anna"])
    other = b if lead.company_id == a else a
    card = queue.lead_card(db, team["anna"], lead.company_id)
    assert card.name in ("ООО «Альфа»", "ООО «Бета»")
    with pytest.raises(AccessDenied):
        queue.lead_card(db, team["anna"], other)
    with pytest.raises(AccessDenied):
        clients.open_card(db, team["anna"], other)


def test_lead_card_has_readable_phones_contact_script_and_previous_attempts(db, team):
    a = add_company(db, "ООО «Сталь»", industry="Металлургия", channel="Интернет-магазины")
    lead = queue.claim_next_lead(db, team["anna"])
    queue.record_outcome(db, team["anna"], lead.company_id, "no_answer", comment="секретная заметка")
    set_company(db, a, not_before=None)
    view = queue.take_next(db, team["anna"])
    card = view.lead
    assert card.company_id == a
    assert card.phones == ("+7 495 123-45-67",)
    assert card.contacts[0].full_name == "Иван Петров" and card.contacts[0].phones == ("+7 916 123-45-67",)
    # The industry script beats the channel script; the caller's name is put in.
    assert "refractories" in card.script_phrase and "Анна Звонова" in card.script_phrase
    assert card.key_question
    assert card.attempts == 1 and card.last_outcome == "No answer" and card.last_tried_at is not None
    assert [p.outcome for p in card.previous] == ["No answer"]
    assert "секретная" not in repr(card)  # outcomes only, never notes


# --- outcomes -------------------------------------------------------------------------------


def take(db, actor, name="ООО «Ромашка»", **fields):
    cid = add_company(db, name, **fields)
    assert queue.claim_next_lead(db, actor).company_id == cid
    return cid


def test_no_answer_comes_back_after_a_growing_delay_then_unreachable(db, team):
    cid = take(db, team["anna"])
    with db.write() as session:
        reference.set_setting(session, "queue.max_attempts", 3)
        reference.set_setting(session, "queue.retry_delays_minutes", [30, 120])
    before = utcnow()
    result = queue.record_outcome(db, team["anna"], cid, "no_answer")
    row = company(db, cid)
    assert row.attempts == 1 and row.in_queue and row.held_by_id is None and row.last_outcome == "no_answer"
    assert timedelta(minutes=29) < row.not_before - before < timedelta(minutes=31)
    assert "30 min" in result.summary
    with pytest.raises(QueueEmpty):
        queue.claim_next_lead(db, team["anna"])
    set_company(db, cid, not_before=None)
    queue.claim_next_lead(db, team["anna"])
    queue.record_outcome(db, team["anna"], cid, "busy")
    assert timedelta(minutes=119) < company(db, cid).not_before - before < timedelta(minutes=122)
    set_company(db, cid, not_before=None)
    queue.claim_next_lead(db, team["anna"])
    result = queue.record_outcome(db, team["anna"], cid, "no_answer")
    row = company(db, cid)
    assert result.unreachable and row.unreachable and not row.in_queue and row.attempts == 3
    assert len(calls_of(db, cid)) == 3
    assert audit_actions(db, cid).count("call_outcome") == 3


def test_callback_is_offered_to_the_same_caller_when_due(db, team):
    cid = take(db, team["anna"])
    at = later(hours=1)
    result = queue.record_outcome(db, team["anna"], cid, "callback", callback_at=at)
    assert "Callback set" in result.summary
    row = company(db, cid)
    assert row.callback_user_id == team["anna"].id and row.callback_at == at and row.in_queue
    callbacks = queue.my_callbacks(db, team["anna"])
    assert [(c.company_id, c.company_name, c.due) for c in callbacks] == [(cid, "ООО «Ромашка»", False)]
    assert queue.my_callbacks(db, team["boris"]) == []
    with pytest.raises(QueueEmpty):
        queue.claim_next_lead(db, team["anna"])
    set_company(db, cid, callback_at=ago(minutes=1), not_before=ago(minutes=1))
    with pytest.raises(QueueEmpty):
        queue.claim_next_lead(db, team["boris"])
    lead = queue.claim_next_lead(db, team["anna"])
    assert lead.company_id == cid and lead.source == "callback"
    assert queue.lead_card(db, team["anna"], cid).callback_at is not None


def test_callback_needs_a_future_time(db, team):
    cid = take(db, team["anna"])
    with pytest.raises(ValidationFailed):
        queue.record_outcome(db, team["anna"], cid, "callback")
    with pytest.raises(ValidationFailed):
        queue.record_outcome(db, team["anna"], cid, "callback", callback_at=ago(minutes=1))
    assert company(db, cid).held_by_id == team["anna"].id  # nothing changed


def test_taking_a_callback_from_the_list_releases_the_current_lead(db, team):
    cb = add_company(
        db, "перезвон", callback_user_id=team["anna"].id, callback_at=later(hours=2), not_before=later(hours=2)
    )
    current = take(db, team["anna"], "текущая")
    view = queue.take_callback(db, team["anna"], cb)
    assert view.lead.company_id == cb
    assert company(db, current).held_by_id is None
    with pytest.raises(AccessDenied):
        queue.take_callback(db, team["boris"], cb)


def test_refusal_goes_to_the_refusal_list_with_reason_and_comment(db, team):
    cid = take(db, team["anna"])
    with pytest.raises(ValidationFailed):
        queue.record_outcome(db, team["anna"], cid, "refused")
    queue.record_outcome(db, team["anna"], cid, "refused", reason_code="has_supplier", comment="работают с «Альфой»")
    row = company(db, cid)
    assert row.category == Category.REFUSED and not row.in_queue
    with db.read() as session:
        refusal = session.execute(select(Refusal).where(Refusal.company_id == cid)).scalar_one()
    assert refusal.reason_code == "has_supplier" and refusal.caller_id == team["anna"].id
    assert refusal.comment == "работают с «Альфой»"
    call = calls_of(db, cid)[-1]
    assert call.outcome == "refused" and "Has a supplier" in call.text and call.user_id == team["anna"].id


def test_interested_goes_to_the_closer_with_fewest_open_deals_and_the_caller_loses_sight(db, team):
    # Petr already has an open deal: Irina gets the lead by default.
    with db.write() as session:
        busy = Company(name="busy", stage=Stage.PIPELINE, owner_id=team["petr"].id)
        session.add(busy)
        session.flush()
        session.add(Deal(company_id=busy.id, closer_id=team["petr"].id, stage_code="new"))
    cid = take(db, team["anna"])
    result = queue.record_outcome(db, team["anna"], cid, "interested", comment="нужны огнеупоры, 5 т/мес")
    assert result.closer_name == "Ирина Закрывалова"
    row = company(db, cid)
    assert row.stage == Stage.PIPELINE and row.owner_id == team["irina"].id and not row.in_queue
    assert row.held_by_id is None
    with db.read() as session:
        deal = session.get(Deal, result.deal_id)
        first_stage = next(s for s in reference.pipeline_stages(session) if not s.is_won and not s.is_lost).code
    assert deal.status == DealStatus.OPEN and deal.stage_code == first_stage
    assert deal.closer_id == team["irina"].id and deal.handed_over_by_id == team["anna"].id
    assert deal.requirements == "нужны огнеупоры, 5 т/мес"
    with pytest.raises(AccessDenied):
        clients.open_card(db, team["anna"], cid)
    assert clients.open_card(db, team["irina"], cid).company.name == "ООО «Ромашка»"
    assert "handed_over_to_closer" in audit_actions(db, cid)


def test_interested_with_a_chosen_closer(db, team):
    cid = take(db, team["anna"])
    result = queue.record_outcome(db, team["anna"], cid, "interested", closer_id=team["petr"].id)
    assert company(db, cid).owner_id == team["petr"].id and result.closer_name == "Пётр Сделкин"
    cid2 = take(db, team["anna"], "другая")
    with pytest.raises(ValidationFailed):
        queue.record_outcome(db, team["anna"], cid2, "interested", closer_id=team["boss"].id)


def test_closers_for_the_pick_list_default_first(db, team):
    with db.write() as session:
        busy = Company(name="busy", stage=Stage.PIPELINE, owner_id=team["irina"].id)
        session.add(busy)
        session.flush()
        session.add(Deal(company_id=busy.id, closer_id=team["irina"].id, stage_code="new"))
    closers = queue.handover_closers(db, team["anna"])
    assert [(c.name, c.open_deals) for c in closers] == [("Пётр Сделкин", 0), ("Ирина Закрывалова", 1)]


def test_wrong_number_is_flagged_for_the_supervisor_with_a_comment(db, team):
    cid = take(db, team["anna"])
    with pytest.raises(ValidationFailed):
        queue.record_outcome(db, team["anna"], cid, "wrong_number")
    queue.record_outcome(db, team["anna"], cid, "wrong_number", comment="номер не существует")
    row = company(db, cid)
    assert row.needs_data_fix and not row.in_queue
    assert "номер не существует" in calls_of(db, cid)[-1].text


def test_do_not_call_is_never_offered_again(db, team):
    cid = take(db, team["anna"])
    queue.record_outcome(db, team["anna"], cid, "do_not_call")
    row = company(db, cid)
    assert row.category == Category.DO_NOT_CALL and not row.in_queue
    with pytest.raises(QueueEmpty):
        queue.claim_next_lead(db, team["boris"])


def test_special_offer_ends_when_the_offer_was_made(db, team):
    cid = take(db, team["anna"], rank=10, priority=50, special_offer="Скидка 10%")
    assert queue.lead_card(db, team["anna"], cid).special_offer == "Скидка 10%"
    queue.record_outcome(db, team["anna"], cid, "callback", callback_at=later(days=1))
    assert company(db, cid).special_offer == "Скидка 10%"  # a callback keeps it
    set_company(db, cid, callback_at=ago(minutes=1), not_before=ago(minutes=1))
    queue.claim_next_lead(db, team["anna"])
    queue.record_outcome(db, team["anna"], cid, "do_not_call")
    row = company(db, cid)
    assert row.special_offer == "" and row.queue_rank == 50


def test_an_outcome_on_a_lead_not_held_is_refused(db, team):
    cid = add_company(db, "чужая")
    with pytest.raises(AccessDenied):
        queue.record_outcome(db, team["anna"], cid, "no_answer")
    queue.claim_next_lead(db, team["boris"])
    with pytest.raises(AccessDenied):
        queue.record_outcome(db, team["anna"], cid, "no_answer")
    assert calls_of(db, cid) == []


def test_an_expired_lease_nobody_took_is_still_yours(db, team):
    cid = take(db, team["anna"])
    set_company(db, cid, held_until=ago(minutes=1))
    queue.record_outcome(db, team["anna"], cid, "busy")
    assert company(db, cid).last_outcome == "busy"


def test_renew_lease(db, team):
    cid = take(db, team["anna"])
    set_company(db, cid, held_until=later(minutes=1))
    until = queue.renew_lease(db, team["anna"], cid)
    assert until > later(minutes=15)
    set_company(db, cid, held_by_id=team["boris"].id)
    with pytest.raises(AccessDenied):
        queue.renew_lease(db, team["anna"], cid)


# --- counters -------------------------------------------------------------------------------


def test_counters_of_today(db, team):
    for index, (code, extra) in enumerate(
        [
            ("no_answer", {}),
            ("refused", {"reason_code": "no_need"}),
            ("interested", {}),
            ("busy", {}),
        ]
    ):
        cid = take(db, team["anna"], f"компания {index}")
        queue.record_outcome(db, team["anna"], cid, code, **extra)
    counts = queue.counters(db, team["anna"])
    assert (counts.calls, counts.handovers, counts.refusals, counts.calls_last_hour) == (4, 1, 1, 4)
    assert counts.target == 120
    assert queue.counters(db, team["boris"]).calls == 0
    with db.write() as session:
        session.add(Target(user_id=team["anna"].id, metric="calls", period="day", starts_on=business_today(), value=90))
    assert queue.counters(db, team["anna"]).target == 90


def test_record_and_next_shows_the_next_lead_at_once(db, team):
    a = take(db, team["anna"], "первая")
    b = add_company(db, "вторая")
    result, view = queue.record_and_next(db, team["anna"], a, "no_answer")
    assert view.lead.company_id == b and view.counters.calls == 1 and view.message == result.summary


def test_the_same_outcome_sent_again_says_it_is_recorded_not_lost(db, team):
    # The answer of a saved outcome lost on the way (a timeout, a dropped link): the second send must not say
    # "not recorded", which would have the caller report a call that is in the base.
    a = take(db, team["anna"], "первая")
    queue.record_outcome(db, team["anna"], a, "no_answer")
    with pytest.raises(AccessDenied, match="Recorded already"):
        queue.record_outcome(db, team["anna"], a, "no_answer")
    with pytest.raises(AccessDenied, match="Not recorded"):
        queue.record_outcome(db, team["anna"], a, "busy")  # another outcome: this one really was not saved


def test_an_outcome_saved_before_the_database_got_busy_is_not_asked_again(db, team, monkeypatch):
    # The outcome and the next lead are two transactions. When only the second meets a busy database, the call
    # must not fail: the screen would send it again, and the lead is no longer held by then.
    a = take(db, team["anna"], "первая")
    b = add_company(db, "вторая")

    def busy(*_args, **_kwargs):
        raise DatabaseBusy()

    monkeypatch.setattr(queue, "claim_next_lead", busy)
    result, view = queue.record_and_next(db, team["anna"], a, "no_answer")
    assert result.company_id == a and view.lead is None and view.counters.calls == 1
    assert view.wait_seconds == queue.NEXT_LEAD_AFTER_BUSY_SECONDS and result.summary in view.message
    monkeypatch.undo()
    assert queue.take_next(db, team["anna"]).lead.company_id == b


# --- configuration --------------------------------------------------------------------------


def test_supervisor_adds_an_outcome_and_a_reason_without_code(db, team):
    form = OutcomeForm(
        code="secretary", label_ru="Секретарь не соединил", label_en="Secretary blocked", key="s", is_retry=True
    )
    with pytest.raises(AccessDenied):
        settings.save_outcome(db, team["anna"], form)
    info = settings.save_outcome(db, team["boss"], form)
    assert info.key == "s" and info.is_retry
    assert "secretary" in [o.code for o in queue.outcome_choices(db, team["anna"])]
    with pytest.raises(ValidationFailed):
        settings.save_outcome(db, team["boss"], OutcomeForm("other", "Другое", "Other", key="n"))
    with pytest.raises(ValidationFailed):
        settings.save_outcome(db, team["boss"], OutcomeForm("other", "Другое", "Other", key="m"))
    reason = settings.save_reason(db, team["boss"], "refusal", "merger", "Слияние компаний", "Company merger")
    assert reason.code in [r.code for r in queue.refusal_reasons(db, team["anna"])]
    cid = take(db, team["anna"])
    queue.record_outcome(db, team["anna"], cid, "secretary")
    assert company(db, cid).last_outcome == "secretary" and company(db, cid).not_before is not None
    cid2 = take(db, team["anna"], "вторая")
    queue.record_outcome(db, team["anna"], cid2, "refused", reason_code="merger")
    with db.read() as session:
        assert (
            session.execute(select(func.count()).select_from(Refusal).where(Refusal.reason_code == "merger")).scalar()
            == 1
        )


def test_inactive_outcome_cannot_be_recorded(db, team):
    settings.save_outcome(db, team["boss"], OutcomeForm("busy", "Занято", "Busy", key="b", is_retry=True, active=False))
    cid = take(db, team["anna"])
    with pytest.raises(ValidationFailed):
        queue.record_outcome(db, team["anna"], cid, "busy")
    assert "busy" not in [o.code for o in queue.outcome_choices(db, team["anna"])]


def test_script_editing_is_for_the_supervisor_and_the_narrowest_script_wins(db, team):
    from kbase_tui.services import callscripts

    form = callscripts.ScriptForm(
        purpose="cold",
        language="en",
        channel="Дилеры",
        template_phrase="Hi, {operator} for dealers.",
        key_question="Dealer question?",
    )
    with pytest.raises(AccessDenied):
        callscripts.save_script(db, team["anna"], form)
    saved = callscripts.save_script(db, team["boss"], form)
    with pytest.raises(ValidationFailed):
        callscripts.save_script(db, team["boss"], form)  # one script per segment and language
    with db.read() as session:
        dealer = callscripts.find_script(session, channel="Дилеры", industry="", language="en", operator="Анна")
        metal = callscripts.find_script(
            session, channel="Дилеры", industry="Металлургия", language="en", operator="Анна"
        )
        german = callscripts.find_script(session, channel="", industry="", language="de", operator="Анна")
    assert dealer.template_phrase == "Hi, Анна for dealers."
    assert "refractories" in metal.template_phrase  # industry beats channel
    assert german is not None  # falls back to another language
    callscripts.delete_script(db, team["boss"], saved.id)
    default = next(r for r in callscripts.list_scripts(db, team["boss"]) if not r.channel and not r.industry)
    with pytest.raises(ValidationFailed):
        callscripts.delete_script(db, team["boss"], default.id)


def test_an_outcome_after_a_release_elsewhere_takes_the_lead_back_by_the_claims_own_rule(db, team):
    # The same caller gave the lead back in another terminal (sign-out) while on the phone: the outcome
    # takes it back, because the claim would hand it to them now.
    a = add_company(db, "ООО «Альфа»")
    queue.claim_next_lead(db, team["anna"])
    queue.release_lead(db, team["anna"])
    queue.record_outcome(db, team["anna"], a, "no_answer")
    assert company(db, a).attempts == 1


@pytest.mark.parametrize(
    "meanwhile",
    [
        {"shelved_until": later(days=3)},
        {"not_before": later(hours=2)},
        {"special_offer_user_id": "boris"},
        {"callback_user_id": "boris", "callback_at": later(hours=1)},
    ],
    ids=["shelved", "retry later", "boris's offer", "boris's callback"],
)
def test_an_outcome_after_a_release_is_refused_when_the_claim_would_not_hand_the_lead_out(db, team, meanwhile):
    # The take-back uses the claim's own rule (queue.free_for): a lead shelved by the supervisor meanwhile, or
    # reserved for another caller, is not taken back, and the caller is told why nothing was saved.
    a = add_company(db, "ООО «Альфа»")
    queue.claim_next_lead(db, team["anna"])
    queue.release_lead(db, team["anna"])
    fields = {k: team[v].id if v in team else v for k, v in meanwhile.items()}
    set_company(db, a, **fields)
    with pytest.raises(AccessDenied):
        queue.record_outcome(db, team["anna"], a, "no_answer")
    assert company(db, a).attempts == 0


def test_the_lean_claim_states_the_rule_from_the_same_expression():
    from sqlalchemy import bindparam

    rule = queue._lean(queue.free_for(bindparam("me"), bindparam("now")))
    for sqlite in (True, False):
        statement = queue._claim_statement(sqlite, 3)
        # every shared-queue branch (three pairs) and the branch of others' overdue callbacks
        assert statement.count(rule) == 4
