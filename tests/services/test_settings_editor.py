"""The settings editor's rules: types and ranges, who may change which setting, the audit, and a change that the
server's next read sees without a restart."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from kbase_tui.models import AuditEvent
from kbase_tui.services import queue, reference, settings
from kbase_tui.services.errors import AccessDenied, ValidationFailed


def _events(db) -> list[dict]:
    with db.read() as s:
        rows = s.execute(select(AuditEvent).where(AuditEvent.action == "setting_changed").order_by(AuditEvent.id))
        return [json.loads(e.detail) for e in rows.scalars()]


def _row(rows, key, role=""):
    return next(r for r in rows if r.key == key and r.role == role)


def test_the_supervisor_sees_every_promised_setting_with_its_default(db, make_user):
    boss = make_user("supervisor")
    rows = settings.list_settings(db, boss)
    keys = {r.key for r in rows}
    for key in (
        "queue.max_attempts",
        "queue.callback_grace_minutes",
        "queue.lease_minutes",
        "queue.retry_delays_minutes",
        "security.idle_lock_minutes",
        "security.card_views_per_hour",
        "security.leads_per_minute",
        "accounts.abcde_profit_share",
        "accounts.abcde_a_potential",
        "accounts.abcde_c_potential",
    ):
        assert key in keys
    lease = _row(rows, "queue.lease_minutes")
    assert (lease.value, lease.default, lease.unit, lease.range_text) == ("20", "20", "minutes", "1–240")
    assert _row(rows, "queue.retry_delays_minutes").default == "30, 120, 480, 1440, 2880"
    assert _row(rows, "security.card_views_per_hour", "caller").value == "60"


def test_a_change_is_typed_stored_audited_and_read_at_once(db, make_user):
    boss = make_user("supervisor")
    row = settings.change_setting(db, boss, "queue.max_attempts", " 8 ")
    assert row.value == "8" and row.default == "6"
    settings.change_setting(db, boss, "queue.retry_delays_minutes", "15, 60; 240")
    settings.change_setting(db, boss, "accounts.abcde_profit_share", "0,75")
    settings.change_setting(db, boss, "security.card_views_per_hour", "90", "caller")
    with db.read() as s:
        assert reference.get_setting(s, "queue.max_attempts") == 8
        assert reference.get_setting(s, "queue.retry_delays_minutes") == [15, 60, 240]
        assert reference.get_setting(s, "accounts.abcde_profit_share") == 0.75
        limits = reference.get_setting(s, "security.card_views_per_hour")
        assert limits["caller"] == 90 and limits["closer"] == 120
        # The hot path's cached read sees it at once in this process (the cache is dropped on change).
        assert reference.get_setting_cached(s, "queue.max_attempts") == 8
    events = _events(db)
    assert events[0] == {"key": "queue.max_attempts", "old": 6, "new": 8}
    assert events[1] == {"key": "queue.retry_delays_minutes", "old": [30, 120, 480, 1440, 2880], "new": [15, 60, 240]}
    assert events[3] == {"key": "security.card_views_per_hour", "role": "caller", "old": 60, "new": 90}
    # The same value again changes nothing and records nothing.
    settings.change_setting(db, boss, "queue.max_attempts", "8")
    assert len(_events(db)) == 4


def test_the_lease_read_by_the_queue_follows_a_change(db, make_user):
    boss = make_user("supervisor")
    settings.change_setting(db, boss, "queue.lease_minutes", "45")
    with db.read() as s:
        assert queue._lease(s).total_seconds() == 45 * 60


@pytest.mark.parametrize(
    "key, value, sentence",
    [
        ("queue.lease_minutes", "0", "from 1 to 240 minutes"),
        ("queue.lease_minutes", "abc", "a number is needed"),
        ("queue.max_attempts", "2.5", "a whole number is needed"),
        ("queue.retry_delays_minutes", "30, x", "whole minutes"),
        ("queue.retry_delays_minutes", "", "1 to 10 delays"),
        ("accounts.abcde_profit_share", "1.5", "from 0.05 to 1 share"),
        ("security.idle_lock_minutes", "-1", "from 0 to 240 minutes"),
    ],
)
def test_a_bad_value_is_refused_with_a_sentence_and_nothing_changes(db, make_user, key, value, sentence):
    boss = make_user("supervisor")
    with db.read() as s:
        before = reference.get_setting(s, key)
    with pytest.raises(ValidationFailed) as refused:
        settings.change_setting(db, boss, key, value)
    assert sentence in str(refused.value)
    with db.read() as s:
        assert reference.get_setting(s, key) == before
    assert _events(db) == []


def test_who_may_change_which(db, make_user):
    boss = make_user("supervisor")
    admin = make_user("admin")
    # The administrator sees and changes the security settings only.
    admin_rows = settings.list_settings(db, admin)
    assert {r.group for r in admin_rows} == {"security"} and all(r.editable for r in admin_rows)
    with pytest.raises(AccessDenied):
        settings.change_setting(db, admin, "queue.max_attempts", "7")
    settings.change_setting(db, admin, "security.card_views_per_hour", "700", "supervisor")
    # The head of sales cannot loosen the limits that watch heads of sales and administrators.
    assert not _row(settings.list_settings(db, boss), "security.card_views_per_hour", "supervisor").editable
    with pytest.raises(AccessDenied):
        settings.change_setting(db, boss, "security.card_views_per_hour", "5000", "supervisor")
    settings.change_setting(db, boss, "security.idle_lock_minutes", "15")
    for role in ("caller", "closer", "account"):
        with pytest.raises(AccessDenied):
            settings.list_settings(db, make_user(role))
        with pytest.raises(AccessDenied):
            settings.change_setting(db, make_user(role), "security.idle_lock_minutes", "0")
    with pytest.raises(ValidationFailed):
        settings.change_setting(db, boss, "centre.secret", "1")
    with pytest.raises(ValidationFailed):
        settings.change_setting(db, boss, "security.card_views_per_hour", "10", "nobody")


def test_a_fraction_reads_and_is_typed_back_as_the_reader_writes_it(db, make_user):
    """0,8 on a Russian screen, 0.8 on an English one; what is shown is what the field takes back."""
    from kbase_tui.i18n import set_language

    boss = make_user("supervisor")
    try:
        set_language("ru")
        row = _row(settings.list_settings(db, boss), "accounts.abcde_profit_share")
        assert (row.value, row.default) == ("0,8", "0,8")
        assert settings.change_setting(db, boss, "accounts.abcde_profit_share", "0,65").value == "0,65"
        assert _row(settings.list_settings(db, boss), "security.card_views_per_hour", "caller").value == "60"
        set_language("en")
        assert _row(settings.list_settings(db, boss), "accounts.abcde_profit_share").value == "0.65"
    finally:
        set_language("en")
    with db.read() as s:
        assert reference.get_setting(s, "accounts.abcde_profit_share") == 0.65
