"""The head of sales' playbook, on SQLite and PostgreSQL: own targets, contact standards per ABCDE class,
the second responsible person of a key client (with attempts to break the access rule), the TOP of lost
clients with return plans, and the activation plan for potential clients against the fact."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select, update

from kbase_tui.models import AuditEvent, Company, Interaction, InteractionKind, SecondPerson, Stage
from kbase_tui.services import accounts, clients, clock, pipeline, playbook, targets
from kbase_tui.services.errors import AccessDenied, ValidationFailed
from kbase_tui.timezones import business_today

from .account_setup import account_company, order
from .pipeline_setup import company_of, hand_over

TODAY = business_today()


def _set(db, company_id: int, **fields) -> None:
    """TEST SETUP: what classification or history would have made of the company."""
    with db.write() as session:
        session.execute(update(Company).where(Company.id == company_id).values(**fields))


def _contact(db, company_id: int, days_ago: int, kind=InteractionKind.FOLLOW_UP, outcome="not_now") -> None:
    """TEST SETUP: a contact in the company's history *days_ago* days before now."""
    with db.write() as session:
        session.add(
            Interaction(
                company_id=company_id,
                kind=kind,
                outcome=outcome,
                at=clock.at_hour(session, TODAY - timedelta(days=days_ago), 12),
            )
        )


# --- own targets ---------------------------------------------------------------------------------


def test_each_person_sees_only_their_own_current_targets_with_actuals(db, make_user):
    boss = make_user("supervisor")
    km = make_user("account")
    other = make_user("account")
    closer = make_user("closer")
    client = account_company(db, km, "ООО «Свой»")
    order(db, km, client, TODAY, "1500", today=TODAY)
    monday = TODAY - timedelta(days=TODAY.weekday())
    targets.set_target(db, boss, km.id, "orders", "week", monday, 5)
    targets.set_target(db, boss, km.id, "revenue", "month", TODAY.replace(day=1), 100000)
    targets.set_target(db, boss, km.id, "orders", "week", monday - timedelta(days=14), 9)  # over: not shown
    targets.set_target(db, boss, other.id, "orders", "week", monday, 7)
    targets.set_target(db, boss, closer.id, "deals_won", "week", monday, 3)

    mine = playbook.my_targets(db, km)
    assert [(t.metric, t.period, t.value, t.actual) for t in mine] == [
        ("orders", "week", 5, Decimal(1)),
        ("revenue", "month", 100000, Decimal("1500.00")),
    ]
    assert [(t.metric, t.value) for t in playbook.my_targets(db, closer)] == [("deals_won", 3)]
    assert playbook.my_targets(db, boss) == []


# --- contact standards ---------------------------------------------------------------------------


def test_contact_standards_have_defaults_and_only_the_supervisor_changes_them(db, make_user):
    boss = make_user("supervisor")
    km = make_user("account")
    assert [(s.abcde_class, s.days) for s in playbook.contact_standards(db, km)] == [
        ("A", 7),
        ("B", 14),
        ("C", 30),
        ("D", 60),
        ("E", 90),
    ]
    with pytest.raises(AccessDenied):
        playbook.set_contact_standard(db, km, "A", 1)
    with pytest.raises(ValidationFailed):
        playbook.set_contact_standard(db, boss, "F", 10)
    with pytest.raises(ValidationFailed):
        playbook.set_contact_standard(db, boss, "A", -1)
    assert playbook.set_contact_standard(db, boss, "A", 5).days == 5
    assert playbook.contact_standards(db, boss)[0].days == 5
    with db.read() as session:
        event = session.execute(select(AuditEvent).where(AuditEvent.action == "setting_changed")).scalars().one()
        assert "accounts.contact_days_a" in event.detail


def test_the_behind_list_puts_key_clients_first_then_the_most_days_behind(db, make_user):
    boss = make_user("supervisor")
    km = make_user("account")
    other = make_user("account")
    a_late = account_company(db, km, "ООО «А, 10 дней»")
    b_key = account_company(db, km, "ООО «Б ключевой»")
    c_far = account_company(db, km, "ООО «С, давно»")
    on_time = account_company(db, km, "ООО «Вовремя»")
    unanswered = account_company(db, km, "ООО «Не ответили»")
    lost = account_company(db, km, "ООО «Потерян»")
    foreign = account_company(db, other, "ООО «Чужой»")
    _set(db, a_late, abcde_class="A")
    _set(db, b_key, abcde_class="B", is_key_client=True)
    _set(db, c_far, abcde_class="C")
    _set(db, on_time, abcde_class="A")
    _set(db, unanswered, abcde_class="A")
    _set(db, lost, abcde_class="A", category="lost")
    _set(db, foreign, abcde_class="A")
    _contact(db, a_late, 10)  # A every 7 days: 3 days behind
    _contact(db, b_key, 15)  # B every 14 days: 1 day behind, but a key client
    _contact(db, c_far, 50)  # C every 30 days: 20 days behind
    _contact(db, on_time, 2)
    _contact(db, unanswered, 9)
    _contact(db, unanswered, 1, outcome="no_answer")  # an unanswered call is no contact: 2 days behind
    _contact(db, lost, 40)
    _contact(db, foreign, 30)

    page = playbook.behind_standard(db, km)
    assert [(r.name, r.days_behind) for r in page.rows] == [
        ("ООО «Б ключевой»", 1),
        ("ООО «С, давно»", 20),
        ("ООО «А, 10 дней»", 3),
        ("ООО «Не ответили»", 2),
    ]
    assert page.total == 4
    assert page.rows[2].due_on == TODAY - timedelta(days=3) and page.rows[2].standard_days == 7

    # the supervisor's report per manager, and a standard switched off
    by = {m.name: m for m in playbook.behind_by_manager(db, boss)}
    assert (by[km.username].with_standard, by[km.username].behind, by[km.username].behind_key) == (5, 4, 1)
    assert by[km.username].worst_days == 20
    assert (by[other.username].behind, by[other.username].worst_days) == (1, 23)
    playbook.set_contact_standard(db, boss, "C", 0)
    assert [r.name for r in playbook.behind_standard(db, km).rows][1] == "ООО «А, 10 дней»"
    assert playbook.team_behind(db, boss).total == 4  # km's three, other's one
    with pytest.raises(AccessDenied):
        playbook.team_behind(db, km)
    with pytest.raises(AccessDenied):
        playbook.behind_by_manager(db, km)


def test_a_client_never_contacted_counts_from_its_hand_over(db, make_user):
    km = make_user("account")
    client = account_company(db, km, "ООО «Новый»")
    _set(db, client, abcde_class="A")
    with db.write() as session:
        session.add(
            Interaction(
                company_id=client,
                kind=InteractionKind.HANDOVER,
                at=clock.at_hour(session, TODAY - timedelta(days=9), 12),
            )
        )
    [row] = playbook.behind_standard(db, km).rows
    assert (row.last_contact_at, row.days_behind) == (None, 2)


# --- a second responsible person ----------------------------------------------------------------


@pytest.fixture
def key_client(db, make_user):
    boss = make_user("supervisor")
    owner = make_user("account")
    second = make_user("account")
    closer = make_user("closer")
    key = account_company(db, owner, "ООО «Ключевой»")
    plain = account_company(db, owner, "ООО «Обычный»")
    _set(db, key, abcde_class="A")
    _set(db, plain, abcde_class="A")
    return boss, owner, second, closer, key, plain


def test_the_second_person_reads_the_key_client_and_nothing_else(db, key_client):
    boss, owner, second, closer, key, plain = key_client
    with pytest.raises(AccessDenied):
        playbook.second_card(db, second, key)
    playbook.assign_second(db, boss, key, second.id)
    card = playbook.second_card(db, second, key)
    assert (card.company.name, card.abcde_class, card.owner_name) == ("ООО «Ключевой»", "A", owner.username)
    assert any(e.outcome == "second_assigned" for e in playbook.second_history(db, second, key))
    assert [c.company_id for c in playbook.my_second_clients(db, second)] == [key]
    # the view is audited, marked as a second person's
    with db.read() as session:
        event = session.execute(
            select(AuditEvent).where(AuditEvent.action == "card_opened", AuditEvent.actor == second.username)
        ).scalar_one()
        assert event.company_id == key and "as_second_person" in event.detail
    # nothing else of the owner's portfolio, and no change to the key client
    with pytest.raises(AccessDenied):
        playbook.second_card(db, second, plain)
    with pytest.raises(AccessDenied):
        playbook.second_history(db, second, plain)
    with pytest.raises(AccessDenied):
        accounts.account_card(db, second, key)
    with pytest.raises(AccessDenied):
        accounts.record_order(db, second, key, TODAY, Decimal(10), today=TODAY)
    with pytest.raises(AccessDenied):
        accounts.record_follow_up(db, second, key, "not_now", today=TODAY)
    with pytest.raises(AccessDenied):
        clients.open_card(db, second, key)
    with pytest.raises(AccessDenied):
        clients.add_note(db, second, key, "note", "я тоже тут")
    assert key not in [r.company_id for r in accounts.follow_up_list(db, second, today=TODAY).rows]
    # another person of the same role, and a role that never backs up, are refused
    with pytest.raises(AccessDenied):
        playbook.second_card(db, closer, key)
    with pytest.raises(AccessDenied):
        playbook.second_card(db, second, 999_999)


def test_the_access_ends_when_the_assignment_is_removed_or_replaced(db, key_client):
    boss, _owner, second, closer, key, _plain = key_client
    playbook.assign_second(db, boss, key, second.id)
    playbook.remove_second(db, boss, key)
    with pytest.raises(AccessDenied):
        playbook.second_card(db, second, key)
    assert playbook.my_second_clients(db, second) == []
    playbook.assign_second(db, boss, key, closer.id)
    assert playbook.second_card(db, closer, key).company.id == key
    playbook.assign_second(db, boss, key, second.id)  # replaces the closer
    with pytest.raises(AccessDenied):
        playbook.second_history(db, closer, key)
    assert playbook.second_card(db, second, key).company.id == key
    with db.read() as session:
        rows = session.execute(select(SecondPerson).order_by(SecondPerson.id)).scalars().all()
        assert [(r.user_id, r.removed_at is not None) for r in rows] == [
            (second.id, True),
            (closer.id, True),
            (second.id, False),
        ]


def test_the_access_ends_when_the_client_moves_to_another_stage(db, key_client):
    boss, _owner, second, _closer, key, _plain = key_client
    playbook.assign_second(db, boss, key, second.id)
    _set(db, key, stage=Stage.COLD)  # TEST SETUP: the client leaves the account stage (any move looks alike)
    with pytest.raises(AccessDenied):
        playbook.second_card(db, second, key)
    assert playbook.my_second_clients(db, second) == []
    # The rule is read at every access: the assignment counts only while the client is at the stage it
    # was made at (a client brought back to the accounts finds it standing; the supervisor removes it).
    _set(db, key, stage=Stage.ACCOUNT)
    assert [c.company_id for c in playbook.my_second_clients(db, second)] == [key]


def test_who_can_be_a_second_person_and_for_which_clients(db, key_client, make_user):
    boss, owner, second, closer, key, plain = key_client
    caller = make_user("caller")
    small = account_company(db, owner, "ООО «Маленький»")
    _set(db, small, abcde_class="D")
    with pytest.raises(ValidationFailed):
        playbook.assign_second(db, boss, small, second.id)  # a D client
    _set(db, small, is_key_client=True)
    playbook.assign_second(db, boss, small, second.id)  # a key client of any class
    with pytest.raises(ValidationFailed):
        playbook.assign_second(db, boss, key, owner.id)  # the owner
    with pytest.raises(ValidationFailed):
        playbook.assign_second(db, boss, key, caller.id)  # a caller never sees a client's card
    with pytest.raises(AccessDenied):
        playbook.assign_second(db, second, key, second.id)  # only the supervisor attaches people
    with pytest.raises(AccessDenied):
        playbook.second_card(db, caller, small)
    assert {p.id for p in playbook.second_candidates(db, boss)} == {owner.id, second.id, closer.id}
    listed = {c.company_id: c for c in playbook.key_clients(db, boss)}
    assert set(listed) == {key, plain, small} and listed[small].second_id == second.id


def test_a_disabled_second_person_loses_the_access(db, key_client, make_user):
    from kbase_tui.services import users

    boss, _owner, second, _closer, key, _plain = key_client
    playbook.assign_second(db, boss, key, second.id)
    users.disable_user(db, make_user("admin"), second.username)
    with pytest.raises(AccessDenied):
        playbook.second_card(db, second, key)


# --- TOP lost clients and return plans -------------------------------------------------------------


def test_lost_clients_ranked_by_last_years_orders_with_a_return_plan(db, make_user):
    boss = make_user("supervisor")
    km = make_user("account")
    km2 = make_user("account")
    big = account_company(db, km, "ООО «Крупный»")
    small = account_company(db, km, "ООО «Мелкий»")
    old_big = account_company(db, km, "ООО «Давно крупный»")
    long_ago = TODAY - timedelta(days=600)
    order(db, km, big, TODAY - timedelta(days=200), "50000", margin="5000", today=TODAY)
    order(db, km, big, TODAY - timedelta(days=100), "50000", today=TODAY)
    order(db, km, small, TODAY - timedelta(days=100), "3000", today=TODAY)
    order(db, km, old_big, long_ago - timedelta(days=400), "900000", today=TODAY)  # over a year before its last
    order(db, km, old_big, long_ago, "1000", today=TODAY)
    for company in (big, small, old_big):
        accounts.mark_lost(db, km, company, _lost_reason(db, km))
    top = playbook.lost_top(db, boss)
    assert [(r.rank, r.name, r.year_revenue) for r in top] == [
        (1, "ООО «Крупный»", Decimal("100000.00")),
        (2, "ООО «Мелкий»", Decimal("3000.00")),
        (3, "ООО «Давно крупный»", Decimal("1000.00")),
    ]
    assert top[0].year_margin == Decimal("5000.00")
    assert (top[0].steps, top[0].steps_done) == (1, 0)  # the return task made when it was marked lost
    # a plan step for another manager: they become the client's manager and see it as a task
    step = playbook.add_return_step(db, boss, big, km2.id, "Извиниться и предложить скидку", TODAY + timedelta(days=3))
    assert step.assignee_id == km2.id
    assert "Извиниться и предложить скидку" in [t.text for t in accounts.my_tasks(db, km2)]
    assert all(t.company_id != big for t in accounts.my_tasks(db, km))
    with pytest.raises(AccessDenied):
        playbook.finish_return_step(db, km, step.id, "готово")
    done = playbook.finish_return_step(db, km2, step.id, "Встреча 12-го")
    assert done.done_at is not None and done.result == "Встреча 12-го"
    first = playbook.lost_top(db, boss)[0]
    assert (first.steps, first.steps_done, first.owner_id) == (2, 1, km2.id)
    assert [s.text for s in playbook.return_plan(db, boss, big)][-1] == "Извиниться и предложить скидку"
    with pytest.raises(ValidationFailed):
        playbook.add_return_step(db, boss, big, km2.id, "Вчера", TODAY - timedelta(days=1))
    with pytest.raises(ValidationFailed, match="at most 500 characters, 501 are typed"):  # never saved cut
        playbook.add_return_step(db, boss, big, km2.id, "Я" * 501, TODAY + timedelta(days=3))
    with pytest.raises(AccessDenied):
        playbook.lost_top(db, km)
    with pytest.raises(AccessDenied):
        playbook.add_return_step(db, km, big, km.id, "сам", TODAY)


def _lost_reason(db, actor) -> str:
    return accounts.lost_reasons(db, actor)[0].code


# --- activation of potential clients ----------------------------------------------------------------


def test_the_activation_plan_against_first_contracts_and_orders(db, make_user):
    boss = make_user("supervisor")
    caller = make_user("caller")
    closer = make_user("closer")
    km = make_user("account")
    deal = hand_over(db, caller, closer, "ООО «Новичок»")
    pipeline.win_deal(db, closer, deal, TODAY, Decimal(1000), account_manager_id=km.id)
    direct = account_company(db, km, "ООО «Сразу с заказом»")
    order(db, km, direct, TODAY, "500", today=TODAY)
    returning = account_company(db, km, "ООО «Старый»")
    order(db, km, returning, TODAY - timedelta(days=400), "500", today=TODAY)
    order(db, km, returning, TODAY, "500", today=TODAY)  # not a new client

    month = TODAY.replace(day=1)
    row = playbook.set_activation_plan(db, boss, TODAY, 10)
    assert (row.starts_on, row.plan, row.fact) == (month, 10, 2)
    report = playbook.activation(db, boss, months=3)
    assert len(report.rows) == 3 and report.rows[-1].starts_on == month
    assert (report.rows[-1].plan, report.rows[-1].fact) == (10, 2)
    assert report.rows[0].plan is None
    assert [(a.user_id, a.activated) for a in report.by_closer] == [(closer.id, 1)]
    assert company_of(db, deal)  # the won deal's company is the one counted for the closer
    playbook.set_activation_plan(db, boss, month + timedelta(days=5), 12)
    assert playbook.activation(db, boss, months=1).rows[0].plan == 12
    with pytest.raises(AccessDenied):
        playbook.set_activation_plan(db, closer, month, 3)
    with pytest.raises(AccessDenied):
        playbook.activation(db, km)


ROLES = ("caller", "closer", "account", "supervisor", "admin")


def test_the_second_person_rule_against_every_role_and_record(db, make_user):
    """Each role against each record through the read-only operations: only the assigned person (and the
    supervisor) gets through, and only to that one client."""
    boss = make_user("supervisor", "boss")
    me = {role: make_user(role, f"me_{role}") for role in ROLES}
    owner = make_user("account", "owner")
    for_closer = account_company(db, owner, "ООО «Закреплён за менеджером первой продажи»")
    for_account = account_company(db, owner, "ООО «Закреплён за клиентским менеджером»")
    unassigned = account_company(db, owner, "ООО «Без второго»")
    for company in (for_closer, for_account, unassigned):
        _set(db, company, abcde_class="B")
    playbook.assign_second(db, boss, for_closer, me["closer"].id)
    playbook.assign_second(db, boss, for_account, me["account"].id)
    allowed = {
        ("closer", for_closer),
        ("account", for_account),
        ("supervisor", for_closer),
        ("supervisor", for_account),
        ("supervisor", unassigned),
    }
    for role in ROLES:
        for company in (for_closer, for_account, unassigned):
            for read in (playbook.second_card, playbook.second_history):
                if (role, company) in allowed:
                    read(db, me[role], company)
                else:
                    with pytest.raises(AccessDenied):
                        read(db, me[role], company)
        listed = {c.company_id for c in playbook.my_second_clients(db, me[role])}
        assert listed == {c for r, c in allowed if r == role and role != "supervisor"}, role
