"""Users: sign-in, passwords, and administration (app admin and local CLI)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kbase_tui.i18n import _
from kbase_tui.models import Role, User, utcnow
from kbase_tui.protocol.users import ROLES

from . import audit, clock, passwords, signin
from .db import Database
from .dto import Actor, UserInfo
from .errors import AccessDenied, LoginFailed, NotFound, PasswordChangeRequired, StaleRecord, ValidationFailed
from .policy import LOCAL_ADMIN_ROLE, Capability, is_local, require, require_active_user
from .views import audited_view

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)


def _actor_of(user: User, client_address: str = "", session: Session | None = None) -> Actor:
    return Actor(
        id=user.id,
        username=user.username,
        role=user.role,
        full_name=user.full_name,
        language=user.language,
        client_address=client_address or audit.client_address(),
        time_zone=clock.zone_or_centre(session, user.time_zone) if session is not None else (user.time_zone or ""),
    )


def _info(user: User) -> UserInfo:
    now = utcnow()
    return UserInfo(
        id=user.id,
        username=user.username,
        full_name=user.full_name,
        role=user.role,
        disabled=user.disabled,
        must_change_password=user.must_change_password,
        locked=bool(user.locked_until and user.locked_until > now),
        language=user.language,
        last_login_at=user.last_login_at,
        time_zone=user.time_zone,
    )


def normalise_username(username: str) -> str:
    # Control characters never belong to a user name (and a NUL makes PostgreSQL fail the query).
    return "".join(ch for ch in username if ch.isprintable()).strip().casefold()


def _find(session: Session, username: str) -> User | None:
    return session.execute(select(User).where(User.username == normalise_username(username))).scalar_one_or_none()


def login(db: Database, username: str, password: str, *, address: str = "") -> Actor:
    """Check the password and return the signed-in user.

    Raises LoginFailed with one message for an unknown user, a wrong password and a terminal
    locked out of the account (services/signin.py); only the right password learns that the
    account is disabled.  The password is checked in every case, so the time says nothing
    either.  PasswordChangeRequired carries the actor, so the app asks for a new password
    before going on.  `LoginFailed.slow` is how long the server should wait before answering
    (an account under attack from many terminals).
    """
    # A refusal must still commit its counters and audit event, so the error is
    # raised after the transaction, not inside it (that would roll it back).
    failure: LoginFailed | None = None
    name = normalise_username(username)[:64]
    address = address[:64]
    # The password is checked (argon2: a tenth of a second and more) before the write transaction
    # begins: on SQLite a write transaction holds the database's one write lock, and 64 people
    # signing in at the start of a shift would otherwise stall every outcome for seconds.
    with db.read() as session:
        found = _find(session, username)
        checked_hash = found.password_hash if found is not None else None
    if checked_hash is None:
        passwords.dummy_verify()
        right = False
    else:
        right = passwords.verify_password(checked_hash, password)
    new_hash = passwords.hash_password(password) if right and passwords.needs_rehash(checked_hash) else None
    with db.write() as session:
        user = _find(session, username)
        if user is not None and user.password_hash != checked_hash:  # changed meanwhile: check the new one
            right = passwords.verify_password(user.password_hash, password)
            new_hash = None
        now = utcnow()
        verdict = signin.verdict(session, name, address, now)
        as_who = user.username if user is not None else (name or "?")
        audit_at = Actor(id=None, username=as_who, role="", client_address=address) if address else as_who
        if verdict.blocked:
            audit.record(session, audit_at, "login_refused", "user", user.id if user else None, reason="locked")
            failure = LoginFailed()
        elif user is None or not right:
            counts = signin.record_failure(session, name, address, now)
            if user is not None and counts[signin.USER] >= signin.USER_SLOW:
                from . import alarms

                alarms.sign_in_failures(session, user.id, user.username, counts[signin.USER], signin.USER_SLOW)
            reason = "unknown_user" if user is None else "wrong_password"
            if counts.get(signin.PAIR) == 0:  # this failure locked the terminal out
                reason += "_locked"
                if user is not None:
                    user.locked_until = signin.locked_until(session, name, now)
            audit.record(session, audit_at, "login_failed", "user", user.id if user else None, reason=reason)
            failure = LoginFailed()
        elif user.disabled:
            audit.record(session, audit_at, "login_refused", "user", user.id, reason="disabled")
            failure = LoginFailed(_("This account is disabled. Ask your supervisor or administrator."))
        else:
            signin.forget(session, name, address)
            user.locked_until = signin.locked_until(session, name, now)
            user.last_login_at = now
            if new_hash is not None:
                user.password_hash = new_hash
            actor = _actor_of(user, address, session)
            audit.record(session, actor, "login", "user", user.id)
            must_change = user.must_change_password
    if failure is not None:
        failure.slow = verdict.slow  # type: ignore[attr-defined]
        raise failure
    if must_change:
        error = PasswordChangeRequired()
        error.actor = actor  # type: ignore[attr-defined]
        raise error
    return actor


def logout(db: Database, actor: Actor) -> None:
    with db.write() as session:
        audit.record(session, actor, "logout", "user", actor.id)


def change_password(db: Database, actor: Actor, old_password: str, new_password: str) -> None:
    # The argon2 work happens outside the write transaction (see `login`); the version tells
    # whether the account changed in between.
    with db.read() as session:
        user = session.get(User, actor.id) if actor.id is not None else None
        if user is None or user.disabled:
            raise AccessDenied()
        current_hash, version, username = user.password_hash, user.version, user.username
    if not passwords.verify_password(current_hash, old_password):
        raise ValidationFailed(_("The current password is wrong."))
    if old_password == new_password:
        raise ValidationFailed(_("The new password must differ from the current one."))
    passwords.check_password_rules(new_password, username=username)
    new_hash = passwords.hash_password(new_password)
    with db.write() as session:
        user = session.get(User, actor.id)
        if user is None or user.disabled:
            raise AccessDenied()
        if user.version != version:
            raise StaleRecord(_("The account changed meanwhile (a new password or role): try again."))
        user.password_hash = new_hash
        user.must_change_password = False
        user.version += 1
        audit.record(session, actor, "password_changed", "user", user.id)


# --- administration -----------------------------------------------------------------


def _validate_new_user(username: str, role: str) -> str:
    name = normalise_username(username)
    if not name or len(name) > 64 or any(ch.isspace() for ch in name):
        raise ValidationFailed(_("A user name is one word of at most 64 characters."))
    if role not in ROLES:
        raise ValidationFailed(_("Unknown role {role}; use one of: {roles}.").format(role=role, roles=", ".join(ROLES)))
    return name


def create_user(
    db: Database,
    actor: Actor,
    username: str,
    role: str,
    password: str,
    *,
    full_name: str = "",
    must_change_password: bool = True,
    language: str | None = None,
) -> UserInfo:
    """A new user (administrators); the password rules always apply here."""
    with db.write() as session:
        require_active_user(session, actor)
        require(actor, Capability.MANAGE_USERS)
        user = add_user(
            session,
            actor,
            username,
            role,
            password,
            full_name=full_name,
            must_change_password=must_change_password,
            language=language,
        )
        return _info(user)


def add_user(
    session: Session,
    actor: Actor | str,
    username: str,
    role: str,
    password: str,
    *,
    full_name: str = "",
    must_change_password: bool = True,
    language: str | None = None,
    check_rules: bool = True,
    password_hash: str | None = None,
) -> User:
    """Insert a user inside the caller's transaction (also used by `kbase init` and the demo)."""
    name = _validate_new_user(username, role)
    if check_rules:
        passwords.check_password_rules(password, username=name)
    if _find(session, name) is not None:
        raise ValidationFailed(_("The user {name} already exists.").format(name=name))
    user = User(
        username=name,
        role=role,
        full_name=full_name.strip()[:200],
        password_hash=password_hash or passwords.hash_password(password),
        must_change_password=must_change_password,
        language=language,
    )
    session.add(user)
    session.flush()
    audit.record(session, actor, "user_created", "user", user.id, username=name, role=role)
    return user


def _admin_target(session: Session, actor: Actor, username: str) -> User:
    require_active_user(session, actor)
    require(actor, Capability.MANAGE_USERS)
    user = _find(session, username)
    if user is None:
        raise NotFound(_("No user named {name}.").format(name=normalise_username(username)))
    return user


def disable_user(db: Database, actor: Actor, username: str) -> UserInfo:
    with db.write() as session:
        user = _admin_target(session, actor, username)
        if user.id == actor.id:
            raise ValidationFailed(_("You cannot disable your own account."))
        user.disabled = True
        user.version += 1
        audit.record(session, actor, "user_disabled", "user", user.id, username=user.username)
        return _info(user)


def enable_user(db: Database, actor: Actor, username: str) -> UserInfo:
    with db.write() as session:
        user = _admin_target(session, actor, username)
        user.disabled = False
        user.failed_logins = 0
        user.locked_until = None
        signin.forget(session, user.username)  # every terminal locked out of it may try again
        user.version += 1
        audit.record(session, actor, "user_enabled", "user", user.id, username=user.username)
        return _info(user)


def set_time_zone(db: Database, actor: Actor, username: str, time_zone: str) -> UserInfo:
    """The admin sets the zone a person reads and types times in ('' : the call centre's).

    It applies from the person's next sign-in: a session keeps the zone it started with, so the
    times on a screen never shift under the reader.
    """
    name = clean_zone(time_zone)
    with db.write() as session:
        user = _admin_target(session, actor, username)
        user.time_zone = name or None
        user.version += 1
        audit.record(
            session, actor, "user_time_zone_set", "user", user.id, username=user.username, time_zone=name or ""
        )
        return _info(user)


def clean_zone(time_zone: str) -> str:
    """An IANA zone name as typed ('' stays ''), or ValidationFailed naming what was typed."""
    from kbase_tui import timezones

    name = (time_zone or "").strip()
    if name and not timezones.is_zone(name):
        raise ValidationFailed(
            _("Not a time zone: {name}. Write it as Europe/Moscow or Asia/Vladivostok.").format(name=name[:64])
        )
    return name


def reset_password(db: Database, actor: Actor, username: str, new_password: str) -> UserInfo:
    """An admin sets a password; the user must change it at the next sign-in."""
    with db.write() as session:
        user = _admin_target(session, actor, username)
        passwords.check_password_rules(new_password, username=user.username)
        user.password_hash = passwords.hash_password(new_password)
        user.must_change_password = True
        user.failed_logins = 0
        user.locked_until = None
        signin.forget(session, user.username)
        user.version += 1
        audit.record(session, actor, "password_reset", "user", user.id, username=user.username)
        return _info(user)


def set_role(db: Database, actor: Actor, username: str, role: str) -> UserInfo:
    with db.write() as session:
        user = _admin_target(session, actor, username)
        _validate_new_user(user.username, role)
        old = user.role
        user.role = role
        user.version += 1
        audit.record(session, actor, "user_role_changed", "user", user.id, username=user.username, old=old, new=role)
        return _info(user)


def set_language(db: Database, actor: Actor, language: str | None) -> None:
    with db.write() as session:
        require_active_user(session, actor)
        user = session.get(User, actor.id) if actor.id is not None else None
        if user is not None:
            user.language = language
            audit.record(session, actor, "language_changed", "user", user.id, language=language)


@audited_view("users")
def list_users(db: Database, actor: Actor, *, role: str | None = None, active_only: bool = False) -> list[UserInfo]:
    with db.read() as session:
        require_active_user(session, actor)
        if not (actor.role in (Role.ADMIN, Role.SUPERVISOR) or is_local(actor)):
            raise AccessDenied()
        query = select(User).order_by(User.role, User.username)
        if role:
            query = query.where(User.role == role)
        if active_only:
            query = query.where(User.disabled.is_(False))
        return [_info(user) for user in session.execute(query).scalars()]


def colleagues(db: Database, actor: Actor, role: str) -> list[UserInfo]:
    """Active users of *role*, for hand-over pickers (names only: no client data)."""
    with db.read() as session:
        require_active_user(session, actor)
        query = select(User).where(User.role == role, User.disabled.is_(False)).order_by(User.full_name, User.username)
        return [_info(user) for user in session.execute(query).scalars()]


def count_users(db: Database) -> int:
    with db.read() as session:
        return session.execute(select(func.count()).select_from(User)).scalar_one()


def local_actor() -> Actor:
    return Actor(id=None, username=audit.local_actor_name(), role=LOCAL_ADMIN_ROLE, full_name="")


@dataclass(frozen=True)
class UserState:
    disabled: bool
    role: str


def session_states(db: Database, user_ids: set[int]) -> dict[int, UserState]:
    """Whether each signed-in user may still work, and in which role (the server's watch; no actor:
    it reads two columns of users who are signed in and changes nothing)."""
    with db.read() as session:
        rows = session.execute(select(User.id, User.disabled, User.role).where(User.id.in_(user_ids))).all()
    return {user_id: UserState(bool(disabled), role) for user_id, disabled, role in rows}
