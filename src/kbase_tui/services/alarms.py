"""Exfiltration alarms: someone reading the base faster than a person works.

- Card views per hour above the limit for the user's role (setting
  `security.card_views_per_hour`, a map role -> limit), or leads taken per
  minute above `security.leads_per_minute`, open an alarm (one open alarm per
  user and kind) that the supervisor sees.
- While an alarm is open, every action over the limit makes the user wait
  longer before the next card or lead: 5 s, 10 s, 20 s ... up to 15 minutes
  (`SlowDown`, shown as one line).  Nothing sleeps inside a transaction.
- The supervisor dismisses the alarm (the delay ends) or locks the user
  (disables the account: the next action is refused).

Card views (a card opened, or a lead handed to a caller: its card is what the
caller's screen shows) and lead claims are checked on every claim at whatever
rate a scraper manages, so each is counted in one `rate_counter` row per user:
a sliding-window estimate from this window's and the last window's counts (an
hour for cards, a minute for leads), so the check costs the same at any rate.
List views and searches (services/views.py) are counted from the audit log
(index (actor, at)).  Services call `check_card_view` / `check_lead_claim` /
`check_view` inside their transaction, after the access check and before the
action.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from kbase_tui.i18n import _
from kbase_tui.models import AuditEvent, RateCounter, Role, SecurityAlarm, User, utcnow
from kbase_tui.protocol.alarms import AlarmInfo

from . import audit, notify, reference
from .db import Database, LeanTx
from .dto import Actor
from .errors import AccessDenied, KbaseError, NotFound, SlowDown  # noqa: F401 (SlowDown: raised here, and imported from here by older callers)
from .policy import Capability, is_local, may, require_active_user

CARD_VIEWS = "card_views"
LEAD_CLAIMS = "lead_claims"
SIGN_IN_FAILURES = "sign_in_failures"  # wrong passwords for one account from many terminals
BASE_DELAY = timedelta(seconds=5)
MAX_DELAY = timedelta(minutes=15)
LOCKABLE_ROLES = (Role.CALLER, Role.CLOSER, Role.ACCOUNT, Role.SPECIALIST)
# Every alarm raised or changed: the desks and alarm screens open at that moment ask again.
ALARM_NOTICE = notify.Notice(kind="alarm", roles=(Role.SUPERVISOR.value, Role.ADMIN.value))


def _role_limit(value, role: str) -> int:
    if isinstance(value, dict):
        return int(value.get(role, 0) or 0)
    return int(value or 0)


_ALARMS = SecurityAlarm.__table__
_EVENTS = AuditEvent.__table__
# One round trip on the hot path: the open alarm's throttle and when the last one was dismissed.
_OPEN = (
    select(_ALARMS.c.throttle_until)
    .where(
        _ALARMS.c.user_id == bindparam("user_id"), _ALARMS.c.kind == bindparam("kind"), _ALARMS.c.closed_at.is_(None)
    )
    .order_by(_ALARMS.c.id.desc())
    .limit(1)
    .scalar_subquery()
)
_DISMISSED = (
    select(func.max(_ALARMS.c.closed_at))
    .where(
        _ALARMS.c.user_id == bindparam("user_id"),
        _ALARMS.c.kind == bindparam("kind"),
        _ALARMS.c.resolution == "dismissed",
    )
    .scalar_subquery()
)
_STATE = select(_OPEN.label("throttle_until"), _DISMISSED.label("dismissed"))
_COUNT = (
    select(func.count())
    .select_from(_EVENTS)
    .where(
        _EVENTS.c.actor == bindparam("actor"),
        _EVENTS.c.at >= bindparam("since"),
        _EVENTS.c.action.in_(bindparam("actions", expanding=True)),
    )
)
LIST_VIEWS = "list_views"  # list screens and reports opened, pages turned
SEARCHES = "searches"  # searches by name (the audit screen's client search)
_KIND_SETTING = {
    CARD_VIEWS: "security.card_views_per_hour",
    LIST_VIEWS: "security.list_views_per_hour",
    SEARCHES: "security.searches_per_hour",
}
# Searches by name of any screen count together (the supervisor's base search writes base_searched).
_KIND_ACTIONS = {LIST_VIEWS: ("list_viewed",), SEARCHES: ("searched", "base_searched")}


def _count(session: Session, actor: Actor, actions: tuple[str, ...], since: datetime) -> int:
    return (
        session.connection()
        .execute(_COUNT, {"actor": actor.username, "since": since, "actions": list(actions)})
        .scalar_one()
    )


def _aware(value: datetime | None, like: datetime) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=like.tzinfo)


def delay_for(excess: int) -> timedelta:
    """5 s for the first action over the limit, doubling with each further one, at most 15 minutes."""
    seconds = BASE_DELAY.total_seconds() * (2 ** min(max(excess - 1, 0), 20))
    return min(timedelta(seconds=seconds), MAX_DELAY)


def _check(session: Session, actor: Actor, kind: str, actions: tuple[str, ...], window: timedelta, limit: int) -> None:
    if actor.id is None or is_local(actor) or limit <= 0:  # a limit of 0 turns the check off
        return
    now = utcnow()
    state = session.connection().execute(_STATE, {"user_id": actor.id, "kind": kind}).one()
    until = _aware(state.throttle_until, now)
    if until is not None and until > now:
        raise SlowDown(max(1, math.ceil((until - now).total_seconds())))
    since = now - window
    dismissed = _aware(state.dismissed, now)
    if dismissed is not None:  # the supervisor found the burst harmless: count afresh from then
        since = max(since, dismissed)
    count = _count(session, actor, actions, since) + 1  # this one included
    if count > limit:
        session.flush()
        _over_limit(LeanTx.in_session(session), actor, kind, count, limit, now)


def check_card_view(session: Session, actor: Actor) -> None:
    """Call before a card is opened (in the same transaction); SlowDown while throttled."""
    session.flush()
    check_card_view_lean(LeanTx.in_session(session), actor, utcnow())


def check_view(session: Session, actor: Actor, kind: str) -> None:
    """Call before a list, a report or a search is read (LIST_VIEWS or SEARCHES), in the transaction
    that audits it; SlowDown while throttled.  Limits per hour and role, like card views."""
    limit = _role_limit(reference.get_setting_cached(session, _KIND_SETTING[kind]), actor.role)
    _check(session, actor, kind, _KIND_ACTIONS[kind], timedelta(hours=1), limit)


# The open card-view throttle of the user :me.
_CARD_THROTTLE_SQL = (
    f"SELECT throttle_until FROM security_alarm WHERE user_id = :me AND kind = '{CARD_VIEWS}' "
    "AND closed_at IS NULL ORDER BY id DESC LIMIT 1"
)
CARD_WINDOW_SECONDS = 3600


def check_card_view_lean(tx: LeanTx, actor: Actor, now: datetime) -> None:
    """A card is about to be shown (opened, or a lead handed to a caller): SlowDown while throttled,
    else count it; over the hourly limit the alarm is raised (or its wait doubled).

    Counted like lead claims, in the user's `rate_counter` row (kind card_views, hour windows,
    the sliding-window estimate): a claim runs this, and a count over the audit log would grow
    with the very rate it measures.  Dismissing the alarm deletes the row: counted afresh.
    """
    limit = _role_limit(reference.get_setting_lean(tx, "security.card_views_per_hour"), actor.role)
    if actor.id is None or is_local(actor) or limit <= 0:
        return
    until = tx.as_datetime(tx.scalar(_CARD_THROTTLE_SQL, {"me": actor.id}))
    if until is not None and until > now:
        raise SlowDown(max(1, math.ceil((until - now).total_seconds())))
    window_no = int(now.timestamp() // CARD_WINDOW_SECONDS)
    hits, prev_hits = tx.one(_COUNT_SQL, {"me": actor.id, "kind": CARD_VIEWS, "window_no": window_no}) or (0, 0)
    elapsed = (now.timestamp() % CARD_WINDOW_SECONDS) / CARD_WINDOW_SECONDS
    count = math.ceil(hits + prev_hits * (1 - elapsed) - 1e-9)
    if count > limit:
        _over_limit(tx, actor, CARD_VIEWS, count, limit, now)


LEAD_WINDOW_SECONDS = 60
# The open lead alarm's throttle for the user :me; the claim reads it as a subquery of its first statement.
LEAD_THROTTLE_SQL = (
    f"SELECT throttle_until FROM security_alarm WHERE user_id = :me AND kind = '{LEAD_CLAIMS}' AND closed_at IS NULL "
    "ORDER BY id DESC LIMIT 1"
)
_COUNT_SQL = (
    "INSERT INTO rate_counter (user_id, kind, window_no, hits, prev_hits) VALUES (:me, :kind, :window_no, 1, 0) "
    "ON CONFLICT (user_id, kind) DO UPDATE SET "
    "prev_hits = CASE WHEN rate_counter.window_no = :window_no THEN rate_counter.prev_hits "
    "WHEN rate_counter.window_no = :window_no - 1 THEN rate_counter.hits ELSE 0 END, "
    "hits = CASE WHEN rate_counter.window_no = :window_no THEN rate_counter.hits + 1 ELSE 1 END, "
    "window_no = :window_no RETURNING hits, prev_hits"
)
_OPEN_ALARM_SQL = (
    "SELECT id FROM security_alarm WHERE user_id = :me AND kind = :kind AND closed_at IS NULL ORDER BY id DESC LIMIT 1"
)
_RAISE_SQL = (
    'INSERT INTO security_alarm (user_id, kind, raised_at, last_at, observed, "limit", excess, throttle_until, '
    "resolution) VALUES (:me, :kind, :now, :now, :observed, :limit, 1, :until, '') RETURNING id"
)
_RAISE_AGAIN_SQL = (
    'UPDATE security_alarm SET excess = excess + 1, "limit" = :limit, last_at = :now, '
    "observed = CASE WHEN observed > :observed THEN observed ELSE :observed END WHERE id = :id RETURNING excess"
)
_THROTTLE_UNTIL_SQL = "UPDATE security_alarm SET throttle_until = :until WHERE id = :id"


def claims_in_last_window(hits: int, prev_hits: int, now: datetime) -> int:
    """This window's claims plus the part of the last window still inside the sliding minute."""
    elapsed = (now.timestamp() % LEAD_WINDOW_SECONDS) / LEAD_WINDOW_SECONDS
    return math.ceil(hits + prev_hits * (1 - elapsed) - 1e-9)


def check_lead_claim(tx: LeanTx, actor: Actor, now: datetime, throttle_until) -> None:
    """Call before a new lead is claimed, in the claim's lean transaction; SlowDown while throttled.

    *throttle_until* is the open lead alarm's throttle as the claim read it with its other rules,
    in one statement (`LEAD_THROTTLE_SQL` as a subquery).  The claim itself goes ahead when it
    crosses the limit: the alarm is raised (or its delay doubled) and the *next* claim waits.
    """
    limit = int(reference.get_setting_lean(tx, "security.leads_per_minute") or 0)
    if actor.id is None or is_local(actor) or limit <= 0:  # a limit of 0 turns the check off
        return
    until = tx.as_datetime(throttle_until)
    if until is not None and until > now:
        raise SlowDown(max(1, math.ceil((until - now).total_seconds())))
    window_no = int(now.timestamp() // LEAD_WINDOW_SECONDS)
    hits, prev_hits = tx.one(_COUNT_SQL, {"me": actor.id, "kind": LEAD_CLAIMS, "window_no": window_no}) or (0, 0)
    count = claims_in_last_window(hits, prev_hits, now)
    if count > limit:
        _over_limit(tx, actor, LEAD_CLAIMS, count, limit, now)


def _over_limit(tx: LeanTx, actor: Actor, kind: str, count: int, limit: int, now: datetime) -> None:
    """One open alarm per user and kind: raise it (audited), or count one more excess on it; either
    way the user's next action of that kind waits `delay_for(excess)`."""
    params = {"me": actor.id, "kind": kind, "now": now, "observed": count, "limit": limit}
    alarm_id = tx.scalar(_OPEN_ALARM_SQL, params)
    if alarm_id is None:
        params["until"] = now + delay_for(1)
        alarm_id = tx.scalar(_RAISE_SQL, params)
        audit.append(
            tx, actor, "alarm_raised", "user", actor.id, kind=kind, count=count, limit=limit, alarm_id=alarm_id
        )
    else:
        excess = tx.scalar(_RAISE_AGAIN_SQL, {**params, "id": alarm_id})
        tx.execute(_THROTTLE_UNTIL_SQL, {"id": alarm_id, "until": now + delay_for(excess)})
    notify.after_commit(tx, ALARM_NOTICE)


def sign_in_failures(session: Session, user_id: int, username: str, count: int, limit: int) -> None:
    """Someone keeps guessing the password of *username* from many terminals: tell the head of sales.

    The account is not locked (services/signin.py slows its sign-ins instead); the alarm names it
    and how many wrong passwords it got in the window.
    """
    session.flush()
    victim = Actor(id=user_id, username=username, role="")
    _over_limit(LeanTx.in_session(session), victim, SIGN_IN_FAILURES, count, limit, utcnow())


_FORGET_COUNT = RateCounter.__table__.delete().where(
    RateCounter.__table__.c.user_id == bindparam("user_id"), RateCounter.__table__.c.kind == bindparam("kind")
)


# --- the supervisor's side -------------------------------------------------------------


def _require_alarm_reader(session: Session, actor: Actor) -> None:
    """The supervisor, or whoever reads the audit (the administrator)."""
    require_active_user(session, actor)
    if not (may(actor, Capability.SUPERVISE) or may(actor, Capability.VIEW_AUDIT)):
        raise AccessDenied()


def open_alarms(db: Database, actor: Actor, *, limit: int = 200) -> list[AlarmInfo]:
    """Open alarms, newest activity first (supervisor, admin, local CLI)."""
    with db.read() as session:
        _require_alarm_reader(session, actor)
        rows = session.execute(
            select(SecurityAlarm, User)
            .join(User, User.id == SecurityAlarm.user_id)
            .where(SecurityAlarm.closed_at.is_(None))
            .order_by(SecurityAlarm.last_at.desc())
            .limit(limit)
        ).all()
        return [
            AlarmInfo(
                id=a.id,
                user_id=u.id,
                username=u.username,
                full_name=u.full_name,
                role=u.role,
                user_disabled=u.disabled,
                kind=a.kind,
                raised_at=a.raised_at,
                last_at=a.last_at,
                observed=a.observed,
                limit=a.limit,
                excess=a.excess,
                throttle_until=a.throttle_until,
            )
            for a, u in rows
        ]


def _alarm(session: Session, alarm_id: int) -> SecurityAlarm:
    alarm = session.get(SecurityAlarm, alarm_id)
    if alarm is None or alarm.closed_at is not None:
        raise NotFound(_("This alarm is already closed."))
    return alarm


def dismiss(db: Database, actor: Actor, alarm_id: int) -> None:
    """Close the alarm as harmless: the user's delay ends."""
    with db.write() as session:
        _require_alarm_reader(session, actor)
        alarm = _alarm(session, alarm_id)
        alarm.closed_at = utcnow()
        alarm.closed_by_id = actor.id
        alarm.resolution = "dismissed"
        alarm.throttle_until = None
        # Found harmless: count afresh from now (card views count from the dismissal on).
        session.connection().execute(_FORGET_COUNT, {"user_id": alarm.user_id, "kind": alarm.kind})
        audit.record(session, actor, "alarm_dismissed", "user", alarm.user_id, alarm_id=alarm.id, kind=alarm.kind)
        notify.after_commit(session, ALARM_NOTICE)


def lock_user(db: Database, actor: Actor, alarm_id: int) -> None:
    """Disable the user behind the alarm (their next action is refused) and close the alarm."""
    with db.write() as session:
        _require_alarm_reader(session, actor)
        alarm = _alarm(session, alarm_id)
        user = session.get(User, alarm.user_id)
        if user is None or user.role not in LOCKABLE_ROLES or user.id == actor.id:
            raise AccessDenied(_("Only operators and managers can be locked from here; ask the administrator."))
        user.disabled = True
        user.version += 1
        alarm.closed_at = utcnow()
        alarm.closed_by_id = actor.id
        alarm.resolution = "locked"
        audit.record(
            session,
            actor,
            "user_locked_by_alarm",
            "user",
            user.id,
            alarm_id=alarm.id,
            kind=alarm.kind,
            username=user.username,
        )
        notify.after_commit(session, ALARM_NOTICE)
