"""Sign-in and user administration: the rules a user meets at the door."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from kbase_tui.models import AuditEvent, SignInFailure, User, utcnow
from kbase_tui.services import passwords, users
from kbase_tui.services.errors import (
    AccessDenied,
    LoginFailed,
    PasswordChangeRequired,
    ValidationFailed,
)

from ..conftest import PASSWORD


def test_login_returns_the_actor_with_role(db, make_user):
    make_user("caller", "anna", full_name="Анна Кузнецова")
    actor = users.login(db, "anna", PASSWORD)
    assert actor.username == "anna"
    assert actor.role == "caller"
    assert actor.full_name == "Анна Кузнецова"


def test_user_names_are_case_insensitive(db, make_user):
    make_user("closer", "dmitry")
    assert users.login(db, "  Dmitry ", PASSWORD).username == "dmitry"


def test_unknown_user_and_wrong_password_get_the_same_message(db, make_user):
    make_user("caller", "anna")
    with pytest.raises(LoginFailed) as unknown:
        users.login(db, "nobody", PASSWORD)
    with pytest.raises(LoginFailed) as wrong:
        users.login(db, "anna", "Wrong-Password-1")
    assert str(unknown.value) == str(wrong.value)


def test_five_failures_lock_that_terminal_out_and_no_other(db, make_user):
    make_user("caller", "anna")
    for _ in range(5):
        with pytest.raises(LoginFailed):
            users.login(db, "anna", "Wrong-Password-1", address="10.0.0.66")
    # Even the right password is refused at that terminal while the lock lasts, with the same answer.
    with pytest.raises(LoginFailed) as refused:
        users.login(db, "anna", PASSWORD, address="10.0.0.66")
    assert str(refused.value) == str(LoginFailed())
    # The owner at her own terminal is not locked out.
    assert users.login(db, "anna", PASSWORD, address="10.0.0.5").username == "anna"


def test_a_terminal_lock_expires_after_fifteen_minutes(db, make_user):
    make_user("caller", "anna")
    for _ in range(5):
        with pytest.raises(LoginFailed):
            users.login(db, "anna", "Wrong-Password-1", address="10.0.0.66")
    with db.write() as session:
        session.execute(update(SignInFailure).values(locked_until=utcnow() - timedelta(seconds=1)))
    assert users.login(db, "anna", PASSWORD, address="10.0.0.66").username == "anna"


def test_one_terminal_trying_many_names_is_locked_out_of_all(db, make_user):
    make_user("supervisor", "boss")
    for n in range(20):
        with pytest.raises(LoginFailed):
            users.login(db, f"guess{n}", "Wrong-Password-1", address="10.0.0.66")
    with pytest.raises(LoginFailed):
        users.login(db, "boss", PASSWORD, address="10.0.0.66")
    assert users.login(db, "boss", PASSWORD, address="10.0.0.7").username == "boss"


def test_many_terminals_at_one_account_slow_it_down_but_never_lock_it(db, make_user):
    make_user("supervisor", "boss")
    slow = []
    for n in range(25):
        with pytest.raises(LoginFailed) as refused:
            users.login(db, "boss", "Wrong-Password-1", address=f"10.1.0.{n}")
        slow.append(getattr(refused.value, "slow", 0))
    assert slow[0] == 0 and slow[-1] > 0
    assert users.login(db, "boss", PASSWORD, address="10.0.0.7").username == "boss"
    # The head of sales is told, once, with the count.
    from kbase_tui.services import alarms

    raised = [a for a in alarms.open_alarms(db, users.local_actor()) if a.kind == alarms.SIGN_IN_FAILURES]
    assert len(raised) == 1 and raised[0].username == "boss" and raised[0].observed >= 20


def test_the_administrator_enabling_an_account_lets_every_terminal_try_again(db, make_user):
    make_user("caller", "anna")
    for _ in range(5):
        with pytest.raises(LoginFailed):
            users.login(db, "anna", "Wrong-Password-1", address="10.0.0.66")
    assert next(u for u in users.list_users(db, users.local_actor()) if u.username == "anna").locked
    users.enable_user(db, users.local_actor(), "anna")
    assert users.login(db, "anna", PASSWORD, address="10.0.0.66").username == "anna"


def test_disabled_user_cannot_log_in(db, make_user):
    make_user("caller", "anna")
    users.disable_user(db, users.local_actor(), "anna")
    with pytest.raises(LoginFailed):
        users.login(db, "anna", PASSWORD)


def test_password_set_by_admin_must_be_changed_at_first_login(db, make_user):
    admin = make_user("admin", "it")
    users.create_user(db, admin, "olga", "caller", "Pervyj-Parol-2026", full_name="Ольга")
    with pytest.raises(PasswordChangeRequired) as raised:
        users.login(db, "olga", "Pervyj-Parol-2026")
    actor = raised.value.actor
    users.change_password(db, actor, "Pervyj-Parol-2026", "Novyj-Parol-Olgi-7")
    assert users.login(db, "olga", "Novyj-Parol-Olgi-7").username == "olga"


@pytest.mark.parametrize("bad", ["short1!", "qwerty123456", "1234567890", "aaaaaaaaaaaa"])
def test_weak_passwords_are_refused(db, bad):
    with pytest.raises(ValidationFailed):
        users.create_user(db, users.local_actor(), "olga", "caller", bad)


def test_passwords_are_stored_as_argon2id(db, make_user):
    make_user("caller", "anna")
    with db.read() as session:
        stored = session.execute(select(User.password_hash).where(User.username == "anna")).scalar_one()
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


def test_hash_is_upgraded_on_login_when_parameters_change(db, make_user, monkeypatch):
    make_user("caller", "anna")
    from argon2 import PasswordHasher

    stronger = PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1)
    monkeypatch.setattr(passwords, "hasher", lambda: stronger)
    users.login(db, "anna", PASSWORD)
    with db.read() as session:
        stored = session.execute(select(User.password_hash).where(User.username == "anna")).scalar_one()
    assert "t=2" in stored and "m=2048" in stored


def test_only_admins_and_the_local_owner_manage_users(db, make_user):
    for role in ("caller", "closer", "account", "supervisor"):
        actor = make_user(role)
        with pytest.raises(AccessDenied):
            users.create_user(db, actor, f"new{role}", "caller", "Dostatochno-Dlinnyj-1")
        with pytest.raises(AccessDenied):
            users.disable_user(db, actor, actor.username)


def test_disabled_user_loses_access_at_once(db, make_user):
    from kbase_tui.services.policy import require_active_user

    caller = make_user("caller", "anna")
    users.disable_user(db, users.local_actor(), "anna")
    with db.read() as session, pytest.raises(AccessDenied):
        require_active_user(session, caller)


def test_logins_and_administration_are_audited(db, make_user):
    make_user("caller", "anna")
    users.login(db, "anna", PASSWORD)
    with pytest.raises(LoginFailed):
        users.login(db, "anna", "Wrong-Password-1")
    users.disable_user(db, users.local_actor(), "anna")
    with db.read() as session:
        events = session.execute(select(AuditEvent.action, AuditEvent.actor).order_by(AuditEvent.id)).all()
    actions = [a for a, _ in events]
    assert "login" in actions and "login_failed" in actions and "user_disabled" in actions
    assert any(actor.startswith("local:") for a, actor in events if a == "user_disabled")


def test_the_roles_offered_are_the_roles_of_the_model():
    from kbase_tui.models import Role

    assert sorted(users.ROLES) == sorted(role.value for role in Role)


def test_the_password_is_checked_while_nobody_waits_for_the_write_lock(sqlite_db, monkeypatch):
    """argon2 takes a tenth of a second and more: never with the database's one write lock held, or every
    outcome of the call centre waits behind each sign-in (64 at the start of a shift: seconds)."""
    import sqlite3

    from kbase_tui.services import passwords

    with sqlite_db.write() as session:
        users.add_user(session, "local:test", "anna", "caller", PASSWORD, must_change_password=False)
    real_verify = passwords.verify_password
    writable_during_check: list[bool] = []

    def verify_and_try_to_write(password_hash: str, password: str) -> bool:
        other = sqlite3.connect(str(sqlite_db.sqlite_path), timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            writable_during_check.append(True)
        except sqlite3.OperationalError:
            writable_during_check.append(False)
        finally:
            other.close()
        return real_verify(password_hash, password)

    monkeypatch.setattr(passwords, "verify_password", verify_and_try_to_write)
    assert users.login(sqlite_db, "anna", PASSWORD).username == "anna"
    with pytest.raises(LoginFailed):
        users.login(sqlite_db, "anna", "Wrong-Password-1")
    assert writable_during_check == [True, True]
