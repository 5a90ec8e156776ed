"""Plans per user: a value of a metric for a day, a week or a month (set by the head of sales)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from kbase_tui.i18n import _
from kbase_tui.models import Role, Target, User
from kbase_tui.protocol.reports import METRICS, PERIODS
from kbase_tui.protocol.targets import Person, TargetRow

from . import audit, clock
from .db import Database
from .dto import Actor
from .errors import NotFound, ValidationFailed
from .policy import Capability, require, require_active_user
from .reports import actual
from .views import audited_view


def _guard(session, actor: Actor) -> None:
    require_active_user(session, actor)
    require(actor, Capability.REPORTS)


def people(db: Database, actor: Actor) -> list[Person]:
    with db.read() as session:
        _guard(session, actor)
        rows = session.execute(
            select(User)
            .where(User.role.in_([Role.CALLER, Role.CLOSER, Role.ACCOUNT]), User.disabled.is_(False))
            .order_by(User.role, User.full_name)
        ).scalars()
        return [Person(u.id, u.full_name or u.username, u.role) for u in rows]


def set_target(
    db: Database, actor: Actor, user_id: int, metric: str, period: str, starts_on: date, value: int
) -> TargetRow:
    """Create or change the target of one user, metric and period."""
    if metric not in METRICS:
        raise ValidationFailed(_("Unknown metric."))
    if period not in PERIODS:
        raise ValidationFailed(_("The period is a day, a week or a month."))
    if value is None or int(value) < 0:
        raise ValidationFailed(_("The target must be zero or more."))
    starts_on = clock.period_start(period, starts_on)
    with db.write() as session:
        _guard(session, actor)
        require(actor, Capability.EDIT_SCRIPTS)
        user = session.get(User, user_id)
        if user is None or user.role not in (Role.CALLER, Role.CLOSER, Role.ACCOUNT):
            raise ValidationFailed(_("Targets are set for callers, closers and account managers."))
        row = session.execute(
            select(Target).where(
                Target.user_id == user_id,
                Target.metric == metric,
                Target.period == period,
                Target.starts_on == starts_on,
            )
        ).scalar_one_or_none()
        old = row.value if row else None
        if row is None:
            row = Target(user_id=user_id, metric=metric, period=period, starts_on=starts_on, value=int(value))
            session.add(row)
        else:
            row.value = int(value)
        session.flush()
        audit.record(
            session,
            actor,
            "target_set",
            "target",
            row.id,
            user_id=user_id,
            metric=metric,
            period=period,
            starts_on=starts_on.isoformat(),
            value=int(value),
            old=old,
        )
        last = clock.period_end(starts_on, period)
        return TargetRow(
            row.id,
            user_id,
            user.full_name or user.username,
            metric,
            period,
            starts_on,
            last,
            row.value,
            actual(session, user_id, metric, starts_on, last),
        )


def delete_target(db: Database, actor: Actor, target_id: int) -> None:
    with db.write() as session:
        _guard(session, actor)
        require(actor, Capability.EDIT_SCRIPTS)
        row = session.get(Target, target_id)
        if row is None:
            raise NotFound()
        audit.record(
            session,
            actor,
            "target_deleted",
            "target",
            row.id,
            user_id=row.user_id,
            metric=row.metric,
            period=row.period,
            starts_on=row.starts_on.isoformat(),
            value=row.value,
        )
        session.delete(row)


@audited_view("targets")
def list_targets(db: Database, actor: Actor, date_from: date, date_to: date) -> list[TargetRow]:
    """Targets whose period overlaps [date_from, date_to], each with what was achieved so far."""
    with db.read() as session:
        _guard(session, actor)
        rows = session.execute(
            select(Target, User.full_name, User.username)
            .join(User, User.id == Target.user_id)
            .where(Target.starts_on <= date_to, Target.starts_on >= date_from - timedelta(days=31))
            .order_by(Target.starts_on.desc(), User.full_name, Target.metric)
        ).all()
        result = []
        for target, full, login in rows:
            last = clock.period_end(target.starts_on, target.period)
            if last < date_from:
                continue
            result.append(
                TargetRow(
                    target.id,
                    target.user_id,
                    full or login,
                    target.metric,
                    target.period,
                    target.starts_on,
                    last,
                    target.value,
                    actual(session, target.user_id, target.metric, target.starts_on, last),
                )
            )
        return result
