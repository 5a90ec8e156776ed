"""Reading is audited and counted: lists, reports and searches leave events and have hourly limits;
a caller's lead is a card seen; the audit search answers about the log, not the client base."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from kbase_tui.models import AuditEvent, Company
from kbase_tui.services import alarms, audit, clients, queue, reference, reports, users
from kbase_tui.services.errors import SlowDown


def _set(db, key, value):
    with db.write() as session:
        reference.set_setting(session, key, value)


def _events(db, action):
    with db.read() as session:
        return list(
            session.execute(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).scalars()
        )


def test_a_callers_leads_count_as_card_views_and_raise_the_alarm(db, make_user):
    boss = make_user("supervisor", "boss")
    anna = make_user("caller", "anna")
    _set(db, "security.leads_per_minute", 0)  # only the card limit is tested here
    _set(db, "security.card_views_per_hour", {"caller": 3})
    with db.write() as session:
        session.add_all([Company(name=f"ООО Лид {i}", city="Тверь", in_queue=True) for i in range(8)])
    for _ in range(4):  # the fourth lead in an hour is the fourth card: allowed, and the alarm is raised
        queue.claim_next_lead(db, anna)
        queue.release_lead(db, anna)
    [alarm] = alarms.open_alarms(db, boss)
    assert (alarm.username, alarm.kind, alarm.observed, alarm.limit) == ("anna", "card_views", 4, 3)
    with pytest.raises(SlowDown):
        queue.claim_next_lead(db, anna)


def test_every_report_and_list_opened_is_audited(db, make_user):
    boss = make_user("supervisor", "boss")
    reports.run(db, boss, "funnel")
    users.list_users(db, boss)
    audit.events(db, boss, user="anna")
    seen = [(e.actor, json.loads(e.detail)["list"]) for e in _events(db, "list_viewed")]
    assert seen == [("boss", "report"), ("boss", "users"), ("boss", "audit_events")]
    args = json.loads(_events(db, "list_viewed")[0].detail)["args"]
    assert args["name"] == "funnel"


def test_reading_lists_faster_than_a_person_raises_the_alarm(db, make_user):
    boss = make_user("supervisor", "boss")
    reader = make_user("admin", "it")
    _set(db, "security.list_views_per_hour", {"admin": 3})
    for _ in range(4):
        users.list_users(db, reader)
    [alarm] = alarms.open_alarms(db, boss)
    assert (alarm.username, alarm.kind, alarm.observed) == ("it", "list_views", 4)
    with pytest.raises(SlowDown):
        users.list_users(db, reader)
    users.list_users(db, boss)  # someone else is not slowed


def test_the_audit_search_is_audited_limited_and_shows_only_clients_in_the_log(db, make_user):
    boss = make_user("supervisor", "boss")
    admin = make_user("admin", "it")
    make_user("caller", "anna")
    with db.write() as session:
        touched = Company(name="ООО «Ёлка»", city="Тверь", inn="6901234567")
        untouched = Company(name="ООО «Ёлка-2»", city="Омск", inn="5501234567")
        session.add_all([touched, untouched])
        session.flush()
        touched_id = touched.id
    _set(db, "security.card_views_per_hour", 0)
    clients.open_card(db, boss, touched_id)
    found = audit.find_companies(db, admin, "ёлка")
    # Only the client someone touched; its INN only to whoever typed it.
    assert [(m.name, m.inn) for m in found] == [("ООО «Ёлка»", "")]
    assert [m.inn for m in audit.find_companies(db, admin, "6901234567")] == ["6901234567"]
    assert audit.find_companies(db, admin, "ёл") == []  # too short to be a name
    searched = _events(db, "searched")
    assert [json.loads(e.detail)["args"]["text"] for e in searched] == ["ёлка", "6901234567", "ёл"]
    _set(db, "security.searches_per_hour", {"admin": 3})
    audit.find_companies(db, admin, "ёлка")  # the fourth in the hour: the alarm
    [alarm] = alarms.open_alarms(db, boss)
    assert (alarm.username, alarm.kind) == ("it", "searches")
    with pytest.raises(SlowDown):
        audit.find_companies(db, admin, "ёлка")
