"""Account follow-ups: the list, orders, follow-up calls, quality checks, lost and back, supervisor.

Every test runs on SQLite and PostgreSQL (the `db` fixture).
"""

from __future__ import annotations

import functools
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from kbase_tui.models import AuditEvent, Category, ClientOrder, Company, FollowUpTask, Interaction
from kbase_tui.services import accounts, clients, clock, pipeline
from kbase_tui.services.errors import AccessDenied, ValidationFailed
from kbase_tui.timezones import business_today

from .account_setup import account_company, order
from .pipeline_setup import hand_over

TODAY = date(2026, 5, 15)  # no holiday within a week


def _company(db, company_id: int) -> Company:
    with db.read() as session:
        return session.get(Company, company_id)


def test_follow_up_list_puts_due_follow_ups_first_then_the_next_purchase(db, make_user):
    km = make_user("account", full_name="Ольга Фермерова")
    other = make_user("account")
    at = functools.partial(clock.at_hour, None)
    account_company(db, km, "А overdue", next_follow_up_at=at(TODAY - timedelta(days=3)))
    account_company(db, km, "Б due today", next_follow_up_at=at(TODAY, 17))
    c = account_company(db, km, "В buys in 5 days")
    d = account_company(db, km, "Г buys in 2 days")
    e = account_company(db, km, "Д nothing planned")
    f = account_company(db, km, "Е follow-up tomorrow", next_follow_up_at=at(TODAY + timedelta(days=1)))
    account_company(db, other, "not mine", next_follow_up_at=at(TODAY - timedelta(days=9)))
    # next purchase dates come from the orders' interval: two orders 30 days apart
    for company_id, last in (
        (c, TODAY - timedelta(days=25)),
        (d, TODAY - timedelta(days=28)),
        (f, TODAY - timedelta(days=20)),
    ):
        order(db, km, company_id, last - timedelta(days=30), "1000", today=TODAY)
        order(db, km, company_id, last, "1000", today=TODAY)
    order(db, km, e, TODAY - timedelta(days=10), "500", today=TODAY)

    page = accounts.follow_up_list(db, km, today=TODAY)
    assert [r.name for r in page.rows] == [
        "А overdue",
        "Б due today",
        "Г buys in 2 days",
        "В buys in 5 days",
        "Е follow-up tomorrow",
        "Д nothing planned",
    ]
    assert page.total == 6 and page.due == 2
    assert page.rows[0].follow_up_overdue and page.rows[1].follow_up_due and not page.rows[1].follow_up_overdue
    assert page.rows[2].next_purchase_at == TODAY + timedelta(days=2) and not page.rows[2].next_purchase_is_stated
    # pages continue where the first stopped
    first = accounts.follow_up_list(db, km, limit=4, today=TODAY)
    rest = accounts.follow_up_list(db, km, offset=4, limit=4, today=TODAY)
    assert [r.company_id for r in first.rows + rest.rows] == [r.company_id for r in page.rows]


def test_recording_an_order_updates_counts_ltv_next_purchase_and_creates_a_quality_check(db, make_user):
    km = make_user("account")
    company_id = account_company(db, km, "ООО «Ромашка»", channel="Розница")
    first = order(db, km, company_id, date(2026, 1, 10), "10 000".replace(" ", ""), items="Бумага А4 ×20")
    assert first.figures.orders_count == 1 and first.figures.next_purchase_at is None
    result = order(db, km, company_id, date(2026, 2, 9), Decimal("2500.50"), margin="500", today=TODAY)
    figures = result.figures
    assert figures.orders_count == 2
    assert figures.revenue_total == Decimal("12500.50")
    assert figures.margin_total == Decimal("500.00")
    assert figures.first_order_at == date(2026, 1, 10) and figures.last_order_at == date(2026, 2, 9)
    assert figures.usual_interval_days == 30
    assert figures.next_purchase_at == date(2026, 3, 11) and not figures.next_purchase_is_stated
    with db.read() as session:
        tasks = (
            session.execute(select(FollowUpTask).where(FollowUpTask.company_id == company_id).order_by(FollowUpTask.id))
            .scalars()
            .all()
        )
        assert [(t.kind, t.assignee_id, t.done_at) for t in tasks] == [("quality_check", km.id, None)] * 2
        assert tasks[1].order_id == result.order.id
        kinds = session.execute(select(Interaction.kind).where(Interaction.company_id == company_id)).scalars().all()
        assert kinds.count("order") == 2
        assert (
            session.execute(
                select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "order_recorded")
            ).scalar_one()
            == 2
        )
    listed = accounts.list_orders(db, km, company_id)
    assert [(o.ordered_at, o.amount) for o in listed] == [
        (date(2026, 2, 9), Decimal("2500.50")),
        (date(2026, 1, 10), Decimal("10000.00")),
    ]
    assert listed[1].items == "Бумага А4 ×20"


def test_a_purchase_date_named_by_the_client_wins_over_the_prediction(db, make_user):
    km = make_user("account")
    company_id = account_company(db, km, "ООО «Вектор»")
    order(db, km, company_id, date(2026, 3, 1), "100", today=TODAY)
    order(db, km, company_id, date(2026, 4, 1), "100", today=TODAY)
    figures = accounts.record_follow_up(
        db,
        km,
        company_id,
        "purchase_planned",
        "Закупка к июню",
        next_purchase_at=date(2026, 6, 20),
        next_follow_up_at=date(2026, 6, 10),
        today=TODAY,
    )
    assert figures.next_purchase_at == date(2026, 6, 20) and figures.next_purchase_is_stated
    assert figures.next_follow_up_at == clock.at_hour(None, date(2026, 6, 10))
    # an order before the named date keeps it; the history has the call
    figures = order(db, km, company_id, TODAY, "100").figures
    assert figures.next_purchase_at == date(2026, 6, 20) and figures.next_purchase_is_stated
    history = clients.history(db, km, company_id)
    call = next(h for h in history if h.kind == "follow_up")
    assert call.outcome == "purchase_planned" and "Закупка к июню" in call.text and "20.06.2026" in call.text
    with pytest.raises(ValidationFailed):
        accounts.record_follow_up(db, km, company_id, "nonsense", today=TODAY)
    with pytest.raises(ValidationFailed):
        accounts.record_follow_up(
            db, km, company_id, "not_now", next_follow_up_at=TODAY - timedelta(days=1), today=TODAY
        )
    # no answer: tomorrow by default
    figures = accounts.record_follow_up(db, km, company_id, "no_answer", today=TODAY)
    assert figures.next_follow_up_at == clock.at_hour(None, TODAY + timedelta(days=1))


def test_follow_up_script_is_the_segments_with_the_managers_name(db, make_user):
    km = make_user("account", full_name="Ольга")
    company_id = account_company(db, km, "ООО «Ромашка»")
    script = accounts.follow_up_script(db, km, company_id)
    assert "Ольга" in script.template_phrase and "next purchase" in script.key_question


def test_quality_check_scores_roll_up_to_the_supervisor(db, make_user):
    boss = make_user("supervisor")
    km = make_user("account", full_name="Анна")
    km2 = make_user("account", full_name="Борис")
    c1 = account_company(db, km, "Первая")
    c2 = account_company(db, km2, "Вторая")
    t1 = order(db, km, c1, TODAY, "100").quality_task_id
    t2 = order(db, km, c1, TODAY, "100").quality_task_id
    t3 = order(db, km2, c2, TODAY, "100").quality_task_id
    tasks = accounts.my_tasks(db, km)
    assert (
        [t.id for t in tasks] == [t1, t2]
        and tasks[0].kind == "quality_check"
        and tasks[0].order_amount == Decimal("100")
    )
    with pytest.raises(ValidationFailed):
        accounts.record_quality_check(db, km, t1, 6)
    with pytest.raises(AccessDenied):
        accounts.record_quality_check(db, km, t3, 5)  # another manager's client
    done = accounts.record_quality_check(db, km, t1, 5, "Всё отлично")
    assert done.score == 5 and done.done_at is not None and done.result == "Всё отлично"
    accounts.record_quality_check(db, km, t2, 2, "Опоздала доставка")
    with pytest.raises(ValidationFailed):
        accounts.record_quality_check(db, km, t2, 4)  # already recorded
    summary = {
        s.manager_name: s
        for s in accounts.quality_summary(db, boss, TODAY - timedelta(days=400), business_today() + timedelta(days=1))
    }
    assert summary["Анна"].checks == 2 and summary["Анна"].average == 3.5 and summary["Анна"].low_scores == 1
    assert summary["Анна"].waiting == 0
    assert summary["Борис"].checks == 0 and summary["Борис"].average is None and summary["Борис"].waiting == 1
    assert any(h.kind == "quality" and h.outcome == "score_5" for h in clients.history(db, km, c1))
    with pytest.raises(AccessDenied):
        accounts.quality_summary(db, km, TODAY, TODAY + timedelta(days=1))


def test_abcde_classes_and_key_clients_on_a_hand_computed_set(db, make_user):
    """The expected classes, worked by hand (rules in services/classify.py and docs/guide-account.md).

    Channel «Розница»: margins known for r1 (1000 of 5000), r3 (300 of 1000), r5 (-100 of 400):
    rate = 1200 / 6400 = 0.1875.  Profits: r1 1000, r2 3000×0.1875 = 562.5, r3 300, r4 600×0.1875 = 112.5,
    r5 -100, r6 200×0.1875 = 37.5.  Positive total 2012.5, 80 % = 1610: before r1 0, r2 1000, r3 1562.5
    (all < 1610: high profit), r4 1862.5 (not).  Potential: r1 80 → A; r2 40 → B; r3 60 → B; r4 20 → D;
    r5 negative → E; r6 55 → C.
    Channel «Дилеры» (no margins, ranked by revenue): d1 100, d2 100, total 200, 80 % = 160: d1 (before 0)
    and d2 (before 100) are both high profit: d1 potential 0 → B, d2 potential 90 → A.
    Key clients over all revenue (10 400, 80 % = 8 320): r1 (before 0), r2 (5 000), r3 (8 000) are key;
    r4 (before 9 000) is not.
    """
    boss = make_user("supervisor")
    km = make_user("account")
    spec = {
        "r1": ("Розница", "5000", "1000", 80),
        "r2": ("Розница", "3000", None, 40),
        "r3": ("Розница", "1000", "300", 60),
        "r4": ("Розница", "600", None, 20),
        "r5": ("Розница", "400", "-100", 90),
        "r6": ("Розница", "200", None, 55),
        "d1": ("Дилеры", "100", None, 0),
        "d2": ("Дилеры", "100", None, 90),
    }
    ids = {}
    for name, (channel, amount, margin, potential) in spec.items():
        ids[name] = account_company(db, km, name, channel=channel)
        order(db, km, ids[name], TODAY, amount, margin=margin)
        accounts.set_potential(db, boss if name.startswith("d") else km, ids[name], potential)
    expected = {"r1": "A", "r2": "B", "r3": "B", "r4": "D", "r5": "E", "r6": "C", "d1": "B", "d2": "A"}
    got = {name: _company(db, cid).abcde_class for name, cid in ids.items()}
    assert got == expected
    keys = {name for name, cid in ids.items() if _company(db, cid).is_key_client}
    assert keys == {"r1", "r2", "r3"}
    # kbase classify finds nothing to change: the services kept the classes current
    report = accounts.classify_all(db, boss, today=TODAY)
    assert report.counts.classes_changed == 0 and report.counts.keys_changed == 0
    assert report.counts.key_clients == 3 and report.counts.companies == 8
    # a wrong class written behind the service's back is put right by classify
    with db.write() as session:
        session.get(Company, ids["r1"]).abcde_class = "D"
    assert accounts.classify_all(db, boss, today=TODAY).counts.classes_changed == 1
    assert _company(db, ids["r1"]).abcde_class == "A"
    with pytest.raises(ValidationFailed):
        accounts.set_potential(db, km, ids["r1"], 101)


def test_a_silent_client_becomes_lost_with_a_return_task_and_an_order_brings_it_back(db, make_user):
    boss = make_user("supervisor")
    km = make_user("account", full_name="Анна")
    company_id = account_company(db, km, "ООО «Тишина»")
    order(db, km, company_id, date(2026, 1, 1), "1000")
    order(db, km, company_id, date(2026, 1, 31), "1000")  # usual interval 30 days, × 2.0 = 60
    page = accounts.follow_up_list(db, km, today=date(2026, 4, 1))  # 60 days: not yet
    assert page.moved_to_lost == 0 and page.rows[0].category == Category.ACTIVE
    page = accounts.follow_up_list(db, km, today=date(2026, 4, 2))  # 61 days
    assert page.moved_to_lost == 1 and page.rows[0].category == Category.LOST and page.open_returns == 1
    again = accounts.follow_up_list(db, km, today=date(2026, 4, 3))
    assert again.moved_to_lost == 0 and again.open_returns == 1  # moved once, one task
    lost = accounts.lost_accounts(db, boss)
    assert lost.total == 1
    row = lost.rows[0]
    assert (row.company_id, row.reason_code, row.owner_name, row.calls_since) == (company_id, "no_orders", "Анна", 0)
    assert "61" in row.reason_text and row.return_task_due is not None and not row.return_task_done
    accounts.record_follow_up(db, km, company_id, "not_now", "Обещали вернуться", today=date(2026, 4, 3))
    row = accounts.lost_accounts(db, boss).rows[0]
    assert row.calls_since == 1 and row.last_call_result == "No purchase planned yet"
    result = order(db, km, company_id, date(2026, 4, 10), "700")
    assert result.returned_from_lost and result.figures.category == Category.ACTIVE
    assert accounts.lost_accounts(db, boss).total == 0
    with db.read() as session:
        task = session.execute(select(FollowUpTask).where(FollowUpTask.kind == "return")).scalar_one()
        assert task.done_at is not None
    assert [h.outcome for h in clients.history(db, km, company_id)][:3] == ["returned", "order", "not_now"]


def test_a_client_who_named_a_future_purchase_is_not_moved_and_manual_lost_needs_a_reason(db, make_user):
    boss = make_user("supervisor")
    km = make_user("account")
    quiet = account_company(db, km, "Ждёт осени")
    order(db, km, quiet, date(2025, 1, 1), "1000")  # one order: default interval 90 days × 2
    accounts.record_follow_up(
        db, km, quiet, "purchase_planned", next_purchase_at=date(2025, 10, 1), today=date(2025, 2, 1)
    )
    assert accounts.check_lost(db, boss, today=date(2025, 9, 1)) == 0
    assert accounts.check_lost(db, boss, today=date(2025, 10, 2)) == 1
    other = account_company(db, km, "Долги")
    order(db, km, other, TODAY, "1000")
    with pytest.raises(ValidationFailed):
        accounts.mark_lost(db, km, other, "nonsense")
    figures = accounts.mark_lost(db, km, other, "debts", "Не платят с марта")
    assert figures.category == Category.LOST
    rows = {r.company_id: r for r in accounts.lost_accounts(db, boss).rows}
    assert rows[other].reason_code == "debts" and rows[other].reason_label == "Debts"
    assert "Не платят с марта" in rows[other].reason_text
    with pytest.raises(ValidationFailed):
        accounts.mark_lost(db, km, other, "debts")


def test_birthdays_and_holidays_within_a_week_are_marked(db, make_user):
    km = make_user("account")
    soon = account_company(db, km, "День рождения", birthdays=(("Иван Петров", date(1980, 3, 5)),))
    later = account_company(db, km, "Позже", birthdays=(("Пётр", date(1975, 4, 20)),))
    rows = {r.company_id: r for r in accounts.follow_up_list(db, km, today=date(2026, 3, 1)).rows}
    assert rows[soon].mark == "birthday" and "Иван Петров" in rows[soon].mark_text and "05.03" in rows[soon].mark_text
    assert rows[later].mark == "holiday" and "8 March" in rows[later].mark_text
    page = accounts.follow_up_list(db, km, today=date(2026, 5, 20))
    assert page.holiday == "" and {r.mark for r in page.rows} == {""}
    assert accounts.upcoming_holiday(date(2026, 12, 26))[0] == "New Year"
    assert accounts.upcoming_holiday(date(2026, 2, 16))[0] == "23 February"
    assert accounts.days_until(2, 29, date(2027, 2, 1)) == 27  # 29 Feb falls on 28 Feb


def test_supervisor_sees_all_accounts_by_manager_and_reassigning_keeps_the_history(db, make_user):
    boss = make_user("supervisor")
    anna = make_user("account", full_name="Анна")
    boris = make_user("account", full_name="Борис")
    a1 = account_company(db, anna, "Клиент Анны")
    account_company(db, boris, "Клиент Бориса")
    order(db, anna, a1, TODAY, "1000")
    loads = {m.name: m for m in accounts.managers(db, boss, today=TODAY)}
    assert loads["Анна"].accounts == 1 and loads["Анна"].revenue == Decimal("1000")
    page = accounts.all_accounts(db, boss, today=TODAY)
    assert [(r.owner_name, r.name) for r in page.rows] == [("Анна", "Клиент Анны"), ("Борис", "Клиент Бориса")]
    assert accounts.all_accounts(db, boss, manager_id=boris.id, today=TODAY).total == 1
    before = [h.id for h in clients.history(db, boss, a1)]
    result = accounts.reassign_account(db, boss, a1, boris.id, "Анна в отпуске")
    assert (result.old_owner_name, result.new_owner_name, result.tasks_moved) == ("Анна", "Борис", 1)
    with pytest.raises(AccessDenied):
        accounts.account_card(db, anna, a1)
    history = clients.history(db, boris, a1)
    assert [h.id for h in history][1:] == before and history[0].outcome == "reassigned"
    assert [t.company_id for t in accounts.my_tasks(db, boris)] == [a1]
    assert accounts.my_tasks(db, anna) == ()
    with pytest.raises(ValidationFailed):
        accounts.reassign_account(db, boss, a1, boris.id)
    with pytest.raises(ValidationFailed):
        accounts.reassign_account(db, boss, a1, boss.id)


@pytest.fixture
def notices():
    """The notices the services send after their commits, in order."""
    from kbase_tui.services import notify

    sent: list = []
    notify.subscribe(sent.append)
    yield sent
    notify.unsubscribe(sent.append)


def test_reassigning_tells_the_new_manager_and_the_previous_one_after_the_commit(db, make_user, notices):
    boss = make_user("supervisor")
    anna = make_user("account", full_name="Анна")
    boris = make_user("account", full_name="Борис")
    a1 = account_company(db, anna, "Клиент Анны")
    accounts.reassign_account(db, boss, a1, boris.id)
    assert [(n.kind, n.what, n.user_ids, n.company_id) for n in notices] == [
        ("handover", "", (boris.id,), a1),
        ("changed", "accounts", (anna.id,), a1),
    ]
    notices.clear()
    with pytest.raises(ValidationFailed):  # refused, rolled back: nobody is told anything
        accounts.reassign_account(db, boss, a1, boris.id)
    assert notices == []


def test_won_deal_arrives_in_the_follow_up_list(db, make_user):
    caller = make_user("caller")
    closer = make_user("closer")
    km = make_user("account")
    deal_id = hand_over(db, caller, closer, "ООО «Новый клиент»")
    today = business_today()  # the hand-over asks for an introduction call now
    won = pipeline.win_deal(db, closer, deal_id, today - timedelta(days=1), Decimal("5000"), account_manager_id=km.id)
    page = accounts.follow_up_list(db, km, today=today)
    assert [(r.company_id, r.orders_count, r.revenue_total, r.follow_up_due) for r in page.rows] == [
        (won.company_id, 1, Decimal("5000"), True)
    ]
    result = order(db, km, won.company_id, today, "3000")
    assert result.figures.orders_count == 2 and result.figures.revenue_total == Decimal("8000")
    assert result.figures.next_purchase_at == today + timedelta(days=1)


def test_every_account_call_on_another_managers_client_is_refused(db, make_user):
    boss = make_user("supervisor")
    anna = make_user("account")
    boris = make_user("account")
    closer = make_user("closer")
    caller = make_user("caller")
    company_id = account_company(db, anna, "Клиент Анны")
    task_id = order(db, anna, company_id, TODAY, "100").quality_task_id
    calls = [
        lambda a: accounts.account_card(db, a, company_id),
        lambda a: accounts.account_history(db, a, company_id),
        lambda a: accounts.list_orders(db, a, company_id),
        lambda a: accounts.record_order(db, a, company_id, TODAY, "100", today=TODAY),
        lambda a: accounts.follow_up_script(db, a, company_id),
        lambda a: accounts.record_follow_up(db, a, company_id, "not_now", today=TODAY),
        lambda a: accounts.update_requirements(db, a, company_id, "x"),
        lambda a: accounts.set_potential(db, a, company_id, 50),
        lambda a: accounts.mark_lost(db, a, company_id, "debts"),
        lambda a: accounts.record_quality_check(db, a, task_id, 5),
    ]
    for intruder in (boris, closer, caller):
        for call in calls:
            with pytest.raises(AccessDenied):
                call(intruder)
    for intruder in (closer, caller):
        with pytest.raises(AccessDenied):
            accounts.follow_up_list(db, intruder, today=TODAY)
        with pytest.raises(AccessDenied):
            accounts.my_tasks(db, intruder)
    assert accounts.follow_up_list(db, boris, today=TODAY).total == 0
    supervisor_only = [
        lambda a: accounts.managers(db, a),
        lambda a: accounts.all_accounts(db, a),
        lambda a: accounts.reassign_account(db, a, company_id, a.id),
        lambda a: accounts.lost_accounts(db, a),
        lambda a: accounts.quality_summary(db, a, TODAY, TODAY + timedelta(days=1)),
        lambda a: accounts.check_lost(db, a, today=TODAY),
        lambda a: accounts.classify_all(db, a, today=TODAY),
    ]
    for intruder in (anna, boris, closer, caller):
        for call in supervisor_only:
            with pytest.raises(AccessDenied):
                call(intruder)
    # nothing was written by the refused calls
    with db.read() as session:
        assert session.execute(select(func.count()).select_from(ClientOrder)).scalar_one() == 1
    # the owner and the supervisor may
    assert accounts.account_card(db, anna, company_id).company.id == company_id
    assert accounts.account_card(db, boss, company_id).company.id == company_id
