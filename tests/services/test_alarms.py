"""Exfiltration alarms under simulated bursts: card views per hour, leads per minute; the growing
wait, the supervisor's dismiss and lock."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest
from sqlalchemy import update

from kbase_tui.models import Company, SecurityAlarm, utcnow
from kbase_tui.services import alarms, clients, reference
from kbase_tui.services.errors import AccessDenied


def _set(db, key, value):
    with db.write() as session:
        reference.set_setting(session, key, value)


def _companies(db, n):
    with db.write() as session:
        rows = [Company(name=f"ООО Клиент {i}", city="Тверь") for i in range(n)]
        session.add_all(rows)
        session.flush()
        return [r.id for r in rows]


def _expire_throttle(db):
    with db.write() as session:
        session.execute(update(SecurityAlarm).values(throttle_until=utcnow() - timedelta(seconds=1)))


def test_a_burst_of_card_views_raises_one_alarm_and_a_growing_wait(db, make_user):
    boss = make_user("supervisor", "boss")
    thief = make_user("supervisor", "thief")
    _set(db, "security.card_views_per_hour", {"supervisor": 5, "closer": 100})
    ids = _companies(db, 12)
    for company_id in ids[:5]:
        clients.open_card(db, thief, company_id)
    assert alarms.open_alarms(db, boss) == []
    clients.open_card(db, thief, ids[5])  # the sixth in an hour: allowed, but raises the alarm
    [alarm] = alarms.open_alarms(db, boss)
    assert (alarm.username, alarm.kind, alarm.observed, alarm.limit, alarm.excess) == ("thief", "card_views", 6, 5, 1)
    with pytest.raises(alarms.SlowDown) as slow:
        clients.open_card(db, thief, ids[6])
    assert 1 <= slow.value.seconds <= 5
    waits = []
    for company_id in ids[6:9]:
        _expire_throttle(db)  # as if the user waited
        clients.open_card(db, thief, company_id)
        with pytest.raises(alarms.SlowDown) as slow:
            clients.open_card(db, thief, ids[-1])
        waits.append(slow.value.seconds)
    assert waits == [10, 20, 40]
    [alarm] = alarms.open_alarms(db, boss)
    assert alarm.excess == 4 and alarm.observed == 9
    # Someone else is not slowed down.
    clients.open_card(db, boss, ids[0])


def test_dismiss_ends_the_wait_and_counts_afresh(db, make_user):
    boss = make_user("supervisor", "boss")
    busy = make_user("supervisor", "busy")
    _set(db, "security.card_views_per_hour", {"supervisor": 2})
    ids = _companies(db, 6)
    for company_id in ids[:3]:
        clients.open_card(db, busy, company_id)
    [alarm] = alarms.open_alarms(db, boss)
    alarms.dismiss(db, boss, alarm.id)
    assert alarms.open_alarms(db, boss) == []
    clients.open_card(db, busy, ids[3])
    clients.open_card(db, busy, ids[4])
    assert alarms.open_alarms(db, boss) == []


def test_the_supervisor_locks_a_user_and_their_next_action_is_refused(db, make_user):
    boss = make_user("supervisor", "boss")
    closer = make_user("closer", "petr")
    _set(db, "security.card_views_per_hour", {"closer": 1})
    from .pipeline_setup import company_of, hand_over

    caller = make_user("caller", "anna")
    first = company_of(db, hand_over(db, caller, closer, "ООО Первая"))
    second = company_of(db, hand_over(db, caller, closer, "ООО Вторая"))
    clients.open_card(db, closer, first)
    clients.open_card(db, closer, second)
    [alarm] = alarms.open_alarms(db, boss)
    assert alarm.username == "petr"
    alarms.lock_user(db, boss, alarm.id)
    with pytest.raises(AccessDenied):
        clients.open_card(db, closer, first)
    assert alarms.open_alarms(db, boss) == []
    from kbase_tui.services import audit, users

    actions = [e.action for e in audit.events(db, users.local_actor(), limit=10)]
    assert "user_locked_by_alarm" in actions and "alarm_raised" in actions


def test_only_supervisors_and_admins_see_alarms_and_supervisors_cannot_be_locked(db, make_user):
    boss = make_user("supervisor", "boss")
    other = make_user("supervisor", "other")
    admin = make_user("admin", "it")
    caller = make_user("caller", "anna")
    _set(db, "security.card_views_per_hour", {"supervisor": 1})
    ids = _companies(db, 2)
    clients.open_card(db, other, ids[0])
    clients.open_card(db, other, ids[1])
    with pytest.raises(AccessDenied):
        alarms.open_alarms(db, caller)
    [alarm] = alarms.open_alarms(db, admin)
    with pytest.raises(AccessDenied):
        alarms.lock_user(db, boss, alarm.id)


def _claim_burst(db, actor, times):
    """Take the next lead *times* times, each given back at once (a held lead taken again is not counted)."""
    from kbase_tui.services import queue

    for _ in range(times):
        queue.claim_next_lead(db, actor)
        queue.release_lead(db, actor)


def test_leads_taken_faster_than_calls_can_be_made(db, make_user):
    from .queue_setup import add_company

    boss = make_user("supervisor", "boss")
    anna = make_user("caller", "anna")
    boris = make_user("caller", "boris")
    add_company(db, "ООО Ромашка")
    _set(db, "security.leads_per_minute", 3)
    _claim_burst(db, anna, 3)
    assert alarms.open_alarms(db, boss) == []
    _claim_burst(db, anna, 1)  # the fourth in a minute raises the alarm (and is allowed)
    [alarm] = alarms.open_alarms(db, boss)
    assert (alarm.kind, alarm.username, alarm.observed, alarm.limit, alarm.excess) == ("lead_claims", "anna", 4, 3, 1)
    with pytest.raises(alarms.SlowDown) as slow:
        _claim_burst(db, anna, 1)
    assert 1 <= slow.value.seconds <= 5
    _expire_throttle(db)  # as if she waited: the next claim is allowed, over the limit, and doubles the wait
    _claim_burst(db, anna, 1)
    with pytest.raises(alarms.SlowDown) as slow:
        _claim_burst(db, anna, 1)
    assert 6 <= slow.value.seconds <= 10
    [alarm] = alarms.open_alarms(db, boss)
    assert (alarm.excess, alarm.observed) == (2, 5)
    _claim_burst(db, boris, 3)  # another caller at a normal pace is not affected
    # Found harmless: the wait ends and the count starts afresh.
    alarms.dismiss(db, boss, alarm.id)
    _claim_burst(db, anna, 3)
    assert alarms.open_alarms(db, boss) == []


def test_a_limit_of_zero_turns_the_check_off(db, make_user):
    from .queue_setup import add_company

    boss = make_user("supervisor", "boss")
    anna = make_user("caller", "anna")
    add_company(db, "ООО Ромашка")
    _set(db, "security.leads_per_minute", 0)
    _claim_burst(db, anna, 40)
    assert alarms.open_alarms(db, boss) == []


@pytest.mark.parametrize(
    ("hits", "prev_hits", "second", "count"),
    [(4, 0, 0.5, 4), (1, 10, 0.0, 11), (1, 10, 30.0, 6), (1, 10, 59.9, 2), (0, 0, 10.0, 0)],
)
def test_claims_in_the_last_minute_slide_over_two_windows(hits, prev_hits, second, count):
    from datetime import datetime

    now = datetime(2026, 11, 23, 10, 15, 0, tzinfo=UTC) + timedelta(seconds=second)
    assert alarms.claims_in_last_window(hits, prev_hits, now) == count


def test_delay_doubles_up_to_fifteen_minutes():
    assert [alarms.delay_for(n).total_seconds() for n in (1, 2, 3, 4)] == [5, 10, 20, 40]
    assert alarms.delay_for(30) == timedelta(minutes=15)


@pytest.fixture
def heard():
    """The notices sent while the test runs."""
    from kbase_tui.services import notify

    notices: list[notify.Notice] = []
    notify.subscribe(notices.append)
    yield notices
    notify.unsubscribe(notices.append)


def _alarm_notices(notices):
    return [n for n in notices if n.kind == "alarm" and set(n.roles) == {"supervisor", "admin"}]


def test_every_alarm_raised_or_changed_is_told_to_supervisors_and_admins(db, make_user, heard):
    from .queue_setup import add_company

    boss = make_user("supervisor", "boss")
    anna = make_user("caller", "anna")
    add_company(db, "ООО Ромашка")
    _set(db, "security.leads_per_minute", 2)
    _claim_burst(db, anna, 2)
    assert heard == []  # within the limit: nothing to tell
    _claim_burst(db, anna, 1)  # raised, on the claim's lean transaction
    assert len(_alarm_notices(heard)) == 1
    with pytest.raises(alarms.SlowDown):  # waiting: the alarm does not change
        _claim_burst(db, anna, 1)
    assert len(_alarm_notices(heard)) == 1
    _expire_throttle(db)
    _claim_burst(db, anna, 1)  # the wait doubled
    assert len(_alarm_notices(heard)) == 2
    [alarm] = alarms.open_alarms(db, boss)
    alarms.dismiss(db, boss, alarm.id)
    assert len(_alarm_notices(heard)) == 3
    # Card views raise theirs inside an ORM transaction: told when it commits.
    _set(db, "security.card_views_per_hour", {"caller": 100, "supervisor": 1})
    thief = make_user("supervisor", "thief")
    for company_id in _companies(db, 2):
        clients.open_card(db, thief, company_id)
    assert len(_alarm_notices(heard)) == 4
    closer = make_user("closer", "petr")
    _set(db, "security.card_views_per_hour", {"closer": 1})
    from .pipeline_setup import company_of, hand_over

    for name in ("ООО Первая", "ООО Вторая"):
        clients.open_card(db, closer, company_of(db, hand_over(db, anna, closer, name)))
    assert len(_alarm_notices(heard)) == 5
    [locked] = [a for a in alarms.open_alarms(db, boss) if a.username == "petr"]
    alarms.lock_user(db, boss, locked.id)
    assert len(_alarm_notices(heard)) == 6


def test_a_lean_transaction_sends_its_notices_after_the_commit_never_after_a_rollback(db, heard):
    from kbase_tui.services import notify

    notice = notify.Notice(kind="alarm", roles=("supervisor",))
    with pytest.raises(RuntimeError), db.lean_write() as tx:
        notify.after_commit(tx, notice)
        raise RuntimeError("rolled back")
    assert heard == []
    with db.lean_write() as tx:
        notify.after_commit(tx, notice)
        assert heard == []  # not before the commit
    assert heard == [notice]
