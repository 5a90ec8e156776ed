"""Tasks and the quality check after an order."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from kbase_tui.i18n import _
from kbase_tui.models import (
    FollowUpTask,
    InteractionKind,
    Role,
    TaskKind,
    User,
    utcnow,
)
from kbase_tui.protocol.accounts import (
    QualitySummary,
    TaskInfo,
)

from .. import audit, clock
from ..clients import write_history
from ..common import require_supervisor
from ..db import Database
from ..dto import Actor
from ..errors import AccessDenied, NotFound, ValidationFailed
from ..history_labels import params_json
from ..policy import Capability, company_visibility, owned_by, require, require_active_user, require_task_owner
from ..text import clean_input
from ..views import audited_view
from .base import require_account
from .card import task_infos

# --- tasks and the quality check ------------------------------------------------------------------


@audited_view("my_tasks")
def my_tasks(db: Database, actor: Actor, *, limit: int = 200) -> tuple[TaskInfo, ...]:
    """The account manager's open tasks (quality checks, returns, follow-ups), soonest due first."""
    limit = max(1, min(limit, 500))
    with db.read() as session:
        require_active_user(session, actor)
        require(actor, Capability.WORK_ACCOUNTS)
        return task_infos(
            session,
            select(FollowUpTask)
            .where(
                owned_by(actor, FollowUpTask.assignee_id),
                FollowUpTask.done_at.is_(None),
                company_visibility(actor),
            )
            .order_by(FollowUpTask.due_at, FollowUpTask.id)
            .limit(limit),
        )


def record_quality_check(db: Database, actor: Actor, task_id: int, score: int, comment: str = "") -> TaskInfo:
    """Close a quality-check task with the client's score (1-5) and a comment."""
    try:
        score = int(score)
    except (TypeError, ValueError):
        raise ValidationFailed(_("The score is from 1 to 5.")) from None
    if not 1 <= score <= 5:
        raise ValidationFailed(_("The score is from 1 to 5."))
    comment = clean_input(comment, 2000)
    with db.write() as session:
        require_active_user(session, actor)
        require(actor, Capability.WORK_ACCOUNTS)
        task = session.execute(
            select(FollowUpTask).where(FollowUpTask.id == task_id).with_for_update()
        ).scalar_one_or_none()
        if task is None:
            raise NotFound() if actor.role == Role.SUPERVISOR else AccessDenied()
        company = require_account(session, actor, task.company_id)
        require_task_owner(actor, task.assignee_id)
        if task.kind != TaskKind.QUALITY_CHECK:
            raise ValidationFailed(_("This is not a quality-check task."))
        if task.done_at is not None:
            raise ValidationFailed(_("This quality check is already recorded."))
        task.done_at = utcnow()
        task.score = score
        task.result = comment
        task.version += 1
        text = _("Satisfaction {score}/5").format(score=score) + (f"\n{comment}" if comment else "")
        write_history(
            session,
            actor,
            company.id,
            InteractionKind.QUALITY,
            outcome=f"score_{score}",
            text=text,
            params=params_json(t="comment", comment=comment or None),
        )
        session.flush()
        audit.record(session, actor, "quality_checked", "follow_up_task", task.id, company_id=company.id, score=score)
        return task_infos(session, select(FollowUpTask).where(FollowUpTask.id == task.id))[0]


def quality_summary(db: Database, actor: Actor, start: date, end: date) -> list[QualitySummary]:
    """Quality checks done in [start, end) per account manager: count, average score, low scores, waiting."""
    if end <= start:
        raise ValidationFailed(_("The period is empty."))
    with db.read() as session:
        require_supervisor(session, actor)
        done = session.execute(
            select(
                FollowUpTask.assignee_id,
                func.count(FollowUpTask.id),
                func.avg(FollowUpTask.score),
                func.count(FollowUpTask.id).filter(FollowUpTask.score <= 2),
            )
            .where(
                FollowUpTask.kind == TaskKind.QUALITY_CHECK,
                FollowUpTask.score.is_not(None),
                FollowUpTask.done_at >= clock.day_start(session, start),
                FollowUpTask.done_at < clock.day_start(session, end),
            )
            .group_by(FollowUpTask.assignee_id)
        ).all()
        waiting: dict[int, int] = dict(
            session.execute(
                select(FollowUpTask.assignee_id, func.count(FollowUpTask.id))
                .where(FollowUpTask.kind == TaskKind.QUALITY_CHECK, FollowUpTask.done_at.is_(None))
                .group_by(FollowUpTask.assignee_id)
            ).all()
        )
        stats = {
            uid: (int(n), round(float(avg), 2) if avg is not None else None, int(low or 0)) for uid, n, avg, low in done
        }
        managers = session.execute(
            select(User.id, User.full_name, User.username)
            .where(User.role == Role.ACCOUNT)
            .order_by(User.full_name, User.id)
        ).all()
        result = []
        for uid, full, login in managers:
            n, avg, low = stats.get(uid, (0, None, 0))
            result.append(QualitySummary(uid, full or login, n, avg, low, int(waiting.get(uid, 0))))
        return result
