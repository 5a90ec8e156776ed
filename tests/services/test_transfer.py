"""A manager leaves: the whole portfolio moves, history stays whole, nothing is deleted."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from kbase_tui.models import AuditEvent, Company, Deal, FollowUpTask, Interaction, User, utcnow
from kbase_tui.services import transfer
from kbase_tui.services.errors import AccessDenied, ValidationFailed

from .supervisor_data import add_company


def _portfolio_of_closer(db, closer_id: int, n: int) -> list[int]:
    ids = []
    for k in range(n):
        cid = add_company(db, f"Клиент {k}", stage="pipeline", owner_id=closer_id)
        with db.write() as s:
            s.add(Deal(company_id=cid, closer_id=closer_id, stage_code="thinking"))
            s.add(FollowUpTask(company_id=cid, assignee_id=closer_id, kind="next_step", due_at=utcnow()))
            s.add(Interaction(company_id=cid, user_id=closer_id, kind="note", text="старая запись"))
        ids.append(cid)
    return ids


def test_everything_moves_to_one_colleague_and_the_leaver_is_disabled(db, make_user):
    boss = make_user("supervisor")
    leaver = make_user("closer", "leaver", full_name="Уходящий")
    heir = make_user("closer", "heir", full_name="Наследник")
    ids = _portfolio_of_closer(db, leaver.id, 3)
    with db.write() as s:
        s.add(Deal(company_id=ids[0], closer_id=leaver.id, stage_code="lost", status="lost"))
        done = FollowUpTask(company_id=ids[0], assignee_id=leaver.id, kind="other", due_at=utcnow(), done_at=utcnow())
        s.add(done)
    before = transfer.portfolio(db, boss, leaver.id)
    assert (before.companies, before.deals, before.tasks) == (3, 3, 3)
    result = transfer.transfer_portfolio(db, boss, leaver.id, heir.id)
    assert result.receivers == ((heir.id, "Наследник", 3),)
    with db.read() as s:
        assert s.get(User, leaver.id).disabled
        assert {c.owner_id for c in s.execute(select(Company)).scalars()} == {heir.id}
        open_deals = s.execute(select(Deal).where(Deal.status == "open")).scalars().all()
        assert {d.closer_id for d in open_deals} == {heir.id}
        # Closed deals and done tasks keep their history as it was.
        assert s.execute(select(Deal).where(Deal.status == "lost")).scalar_one().closer_id == leaver.id
        assert (
            s.execute(select(FollowUpTask).where(FollowUpTask.done_at.is_not(None))).scalar_one().assignee_id
            == leaver.id
        )
        assert {
            t.assignee_id for t in s.execute(select(FollowUpTask).where(FollowUpTask.done_at.is_(None))).scalars()
        } == {heir.id}
        # Old history intact, one system entry per company added.
        assert (
            s.execute(select(func.count()).select_from(Interaction).where(Interaction.kind == "note")).scalar_one() == 3
        )
        system = s.execute(select(Interaction).where(Interaction.kind == "system")).scalars().all()
        assert sorted(i.company_id for i in system) == ids and "Наследник" in system[0].text
        event = s.execute(select(AuditEvent).where(AuditEvent.action == "portfolio_transferred")).scalar_one()
        detail = json.loads(event.detail)
        assert (
            event.entity_id == leaver.id and detail["companies"] == 3 and detail["deals"] == 3 and detail["tasks"] == 3
        )


def test_spread_evenly_over_active_colleagues_of_the_same_role(db, make_user):
    boss = make_user("supervisor")
    leaver = make_user("account", "leaver")
    a, b = make_user("account"), make_user("account")
    gone = make_user("account")
    make_user("closer")  # another role never receives
    from kbase_tui.services import users

    users.disable_user(db, users.local_actor(), gone.username)
    ids = [add_company(db, f"Покупатель {k}", stage="account", owner_id=leaver.id) for k in range(5)]
    result = transfer.transfer_portfolio(db, boss, leaver.id)
    got = {uid: n for uid, _, n in result.receivers}
    assert got == {a.id: 3, b.id: 2}
    with db.read() as s:
        owners = [s.get(Company, cid).owner_id for cid in ids]
    assert owners.count(a.id) == 3 and owners.count(b.id) == 2 and gone.id not in owners


def test_a_callers_held_leads_are_released_and_callbacks_and_offers_move(db, make_user):
    boss = make_user("supervisor")
    leaver = make_user("caller")
    heir = make_user("caller")
    held = add_company(db, "Держит", in_queue=True, held_by_id=leaver.id, held_until=utcnow() + timedelta(minutes=5))
    callback = add_company(db, "Перезвон", callback_user_id=leaver.id, callback_at=utcnow())
    offer = add_company(db, "Спецпредложение", special_offer="скидка", special_offer_user_id=leaver.id, queue_rank=10)
    counts = transfer.portfolio(db, boss, leaver.id)
    assert (counts.held_leads, counts.callbacks, counts.special_offers) == (1, 1, 1)
    transfer.transfer_portfolio(db, boss, leaver.id, heir.id)
    with db.read() as s:
        h = s.get(Company, held)
        assert h.held_by_id is None and h.held_until is None
        assert s.get(Company, callback).callback_user_id == heir.id
        o = s.get(Company, offer)
        assert o.special_offer_user_id == heir.id and o.special_offer == "скидка"


def test_receiver_must_be_active_and_of_the_same_role(db, make_user):
    boss = make_user("supervisor")
    leaver = make_user("closer")
    account = make_user("account")
    with pytest.raises(ValidationFailed):
        transfer.transfer_portfolio(db, boss, leaver.id, account.id)
    with pytest.raises(ValidationFailed):
        transfer.transfer_portfolio(db, boss, leaver.id)  # no other closer
    with pytest.raises(ValidationFailed):
        transfer.transfer_portfolio(db, boss, boss.id)
    with db.read() as s:
        assert not s.get(User, leaver.id).disabled


def test_a_failed_transfer_changes_nothing(db, make_user):
    boss = make_user("supervisor")
    leaver = make_user("closer")
    other = make_user("account")
    cid = add_company(db, "Остаётся", stage="pipeline", owner_id=leaver.id)
    with pytest.raises(ValidationFailed):
        transfer.transfer_portfolio(db, boss, leaver.id, other.id)
    with db.read() as s:
        assert s.get(Company, cid).owner_id == leaver.id
        assert s.execute(select(func.count()).select_from(Interaction)).scalar_one() == 0


@pytest.mark.parametrize("role", ["caller", "closer", "account", "admin"])
def test_no_other_role_may_transfer(db, make_user, role):
    someone = make_user(role)
    leaver = make_user("closer")
    make_user("closer")
    for call in (
        lambda: transfer.staff(db, someone),
        lambda: transfer.portfolio(db, someone, leaver.id),
        lambda: transfer.transfer_portfolio(db, someone, leaver.id),
    ):
        with pytest.raises(AccessDenied):
            call()
    with db.read() as s:
        assert not s.get(User, leaver.id).disabled


def test_the_receivers_hear_of_their_new_clients_once_the_transfer_commits(db, make_user):
    from kbase_tui.services import notify

    boss = make_user("supervisor")
    leaver = make_user("closer", "leaver")
    first = make_user("closer", "first")
    second = make_user("closer", "second")
    make_user("closer", "idle")
    _portfolio_of_closer(db, leaver.id, 2)
    heard: list[notify.Notice] = []
    notify.subscribe(heard.append)
    try:
        with pytest.raises(ValidationFailed):
            # refused (an account manager cannot receive a closer's deals): nothing is sent
            transfer.transfer_portfolio(db, boss, leaver.id, make_user("account").id)
        assert heard == []
        transfer.transfer_portfolio(db, boss, leaver.id)  # spread over three: the third receives nothing
    finally:
        notify.unsubscribe(heard.append)
    assert len(heard) == 1
    assert heard[0].kind == "handover" and sorted(heard[0].user_ids) == sorted([first.id, second.id])


def test_the_last_account_manager_leaves_the_supervisor_holds_then_hands_on_to_the_newcomer(db, make_user):
    boss = make_user("supervisor", "boss")
    last = make_user("account", "last", full_name="Последний")
    cid = add_company(db, "Постоянный клиент", stage="account", category="active", owner_id=last.id)
    with db.write() as s:
        s.add(FollowUpTask(company_id=cid, assignee_id=last.id, kind="follow_up", due_at=utcnow()))
    with pytest.raises(ValidationFailed, match="head of sales"):
        transfer.transfer_portfolio(db, boss, last.id)  # nobody of the same role is left to spread over
    transfer.transfer_portfolio(db, boss, last.id, boss.id)
    with db.read() as s:
        assert s.get(Company, cid).owner_id == boss.id
        assert s.execute(select(FollowUpTask.assignee_id)).scalar_one() == boss.id
    newcomer = make_user("account", "new", full_name="Новенькая")
    closer = make_user("closer", "petr")
    with pytest.raises(ValidationFailed):
        transfer.pass_on_held(db, boss, closer.id)  # nothing held for a closer
    result = transfer.pass_on_held(db, boss, newcomer.id)
    assert result.receivers == ((newcomer.id, "Новенькая", 1),)
    with db.read() as s:
        assert s.get(Company, cid).owner_id == newcomer.id
        assert s.execute(select(FollowUpTask.assignee_id)).scalar_one() == newcomer.id
        assert (
            s.execute(select(AuditEvent.action).order_by(AuditEvent.id.desc()).limit(1)).scalar_one()
            == "held_portfolio_passed_on"
        )
    assert transfer.portfolio(db, boss, boss.id).companies == 0


def test_only_a_supervisor_may_pass_on_a_held_portfolio(db, make_user):
    closer = make_user("closer", "petr")
    newcomer = make_user("closer", "new")
    with pytest.raises(AccessDenied):
        transfer.pass_on_held(db, closer, newcomer.id)
