"""Specialists brought into a client (seed texts: hand the client to a project manager or a narrow
specialist; a technical specialist helps the manager and visits the client with them).

- The account manager (or the head of sales) brings a specialist into one of their clients with a task
  (`bring_in`): a follow-up task of kind specialist, assigned to the specialist, in the history.
- While that task is open the specialist reads the client's card and history (`card`, `history`,
  policy.require_specialist_company) and nothing else; `close` ends the task (the specialist with the
  result of the visit, the account manager or the head of sales) and with it the access: the
  specialist's screen is told at once (notify) and closes the card.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from kbase_tui.i18n import _
from kbase_tui.models import Company, FollowUpTask, InteractionKind, Role, Stage, TaskKind, User, utcnow
from kbase_tui.protocol.accounts import TaskInfo
from kbase_tui.protocol.specialists import SpecialistCard, SpecialistInfo

from . import audit, clock, notify
from .clients import HistoryEntry, company_info, contacts_of, history_page, record_card_view, write_history
from .db import Database
from .dto import Actor
from .errors import AccessDenied, NotFound, ValidationFailed
from .history_labels import params_json
from .policy import (
    Capability,
    may,
    owned_by,
    owns,
    require,
    require_active_user,
    require_company,
    require_specialist_company,
)
from .text import clean_input
from .views import audited_view


def _task_info(task: FollowUpTask, company_name: str) -> TaskInfo:
    return TaskInfo(
        task.id,
        task.company_id,
        company_name,
        task.kind,
        task.due_at,
        task.text,
        None,
        None,
        None,
        task.done_at,
        None,
        task.result,
    )


def _name(session: Session, user_id: int | None) -> str:
    if user_id is None:
        return ""
    row = session.execute(select(User.full_name, User.username).where(User.id == user_id)).first()
    return (row[0] or row[1]) if row else ""


def _require_manager_of(session: Session, actor: Actor, company_id: int) -> Company:
    require_active_user(session, actor)
    require(actor, Capability.WORK_ACCOUNTS)
    company = require_company(session, actor, company_id)
    if company.stage != Stage.ACCOUNT:
        raise ValidationFailed(_("This client is not with the account managers."))
    return company


def people(db: Database, actor: Actor) -> list[SpecialistInfo]:
    with db.read() as session:
        require_active_user(session, actor)
        require(actor, Capability.WORK_ACCOUNTS)
        rows = session.execute(
            select(User.id, User.full_name, User.username)
            .where(User.role == Role.SPECIALIST, User.disabled.is_(False))
            .order_by(User.full_name, User.username)
        ).all()
        return [SpecialistInfo(i, full or login) for i, full, login in rows]


def bring_in(
    db: Database, actor: Actor, company_id: int, specialist_id: int, text: str, due: date, *, today: date | None = None
) -> TaskInfo:
    text = clean_input(text, 2000).strip()
    if not text:
        raise ValidationFailed(_("Say what the specialist is to do."))
    if not isinstance(due, date):
        raise ValidationFailed(_("Enter the date of the task or visit."))
    with db.write() as session:
        company = _require_manager_of(session, actor, company_id)
        if due < (today or clock.today(session)):
            raise ValidationFailed(_("The date of the task cannot be in the past."))
        specialist = session.get(User, specialist_id)
        if specialist is None or specialist.role != Role.SPECIALIST or specialist.disabled:
            raise ValidationFailed(_("Choose an active specialist."))
        task = FollowUpTask(
            company_id=company.id,
            assignee_id=specialist.id,
            kind=TaskKind.SPECIALIST,
            due_at=clock.at_hour(session, due, 9),
            text=text,
            created_by_id=actor.id,
        )
        session.add(task)
        session.flush()
        name = specialist.full_name or specialist.username
        write_history(
            session,
            actor,
            company.id,
            InteractionKind.NOTE,
            outcome="specialist_in",
            text=_("Specialist {name} brought in: {text}").format(name=name, text=text),
            params=params_json(t="specialist", name=name, text=text),
        )
        audit.record(
            session,
            actor,
            "specialist_brought_in",
            "follow_up_task",
            task.id,
            company_id=company.id,
            specialist_id=specialist.id,
        )
        notify.after_commit(
            session, notify.Notice(kind="changed", user_ids=(specialist.id,), what="assignments", company_id=company.id)
        )
        return _task_info(task, company.name)


def open_tasks(db: Database, actor: Actor, company_id: int) -> list[TaskInfo]:
    with db.read() as session:
        company = _require_manager_of(session, actor, company_id)
        tasks = session.execute(
            select(FollowUpTask, User.full_name, User.username)
            .join(User, User.id == FollowUpTask.assignee_id)
            .where(
                FollowUpTask.company_id == company.id,
                FollowUpTask.kind == TaskKind.SPECIALIST,
                FollowUpTask.done_at.is_(None),
            )
            .order_by(FollowUpTask.due_at, FollowUpTask.id)
        ).all()
        # The specialist's name goes where a task list shows the company's: this list is of one company.
        return [_task_info(t, full or login) for t, full, login in tasks]


@audited_view("assignments")
def my_assignments(db: Database, actor: Actor) -> list[TaskInfo]:
    with db.read() as session:
        require_active_user(session, actor)
        require(actor, Capability.WORK_ASSIGNMENTS)
        rows = session.execute(
            select(FollowUpTask, Company.name)
            .join(Company, Company.id == FollowUpTask.company_id)
            .where(
                owned_by(actor, FollowUpTask.assignee_id),
                FollowUpTask.kind == TaskKind.SPECIALIST,
                FollowUpTask.done_at.is_(None),
                Company.stage == Stage.ACCOUNT,
                Company.merged_into_id.is_(None),
            )
            .order_by(FollowUpTask.due_at, FollowUpTask.id)
        ).all()
        return [_task_info(t, name) for t, name in rows]


def card(db: Database, actor: Actor, company_id: int) -> SpecialistCard:
    with db.write() as session:
        company = require_specialist_company(session, actor, company_id)
        record_card_view(session, actor, company.id)
        tasks = session.execute(
            select(FollowUpTask)
            .where(
                FollowUpTask.company_id == company.id,
                owned_by(actor, FollowUpTask.assignee_id),
                FollowUpTask.kind == TaskKind.SPECIALIST,
                FollowUpTask.done_at.is_(None),
            )
            .order_by(FollowUpTask.due_at, FollowUpTask.id)
        ).scalars()
        return SpecialistCard(
            company=company_info(session, company),
            contacts=contacts_of(session, company.id),
            tasks=tuple(_task_info(t, company.name) for t in tasks),
            account_manager=_name(session, company.owner_id),
        )


def history(
    db: Database, actor: Actor, company_id: int, *, limit: int = 50, before_id: int | None = None
) -> list[HistoryEntry]:
    limit = max(1, min(limit, 500))
    with db.read() as session:
        company = require_specialist_company(session, actor, company_id)
        return history_page(session, company.id, limit=limit, before_id=before_id)


def close(db: Database, actor: Actor, task_id: int, result: str = "") -> TaskInfo:
    result = clean_input(result, 2000).strip()
    with db.write() as session:
        require_active_user(session, actor)
        task = session.execute(
            select(FollowUpTask).where(FollowUpTask.id == task_id).with_for_update()
        ).scalar_one_or_none()
        if task is None or task.kind != TaskKind.SPECIALIST:
            raise NotFound() if may(actor, Capability.SUPERVISE) else AccessDenied()
        if actor.role == Role.SPECIALIST:
            if not owns(actor, task.assignee_id):
                raise AccessDenied()
            company = require_specialist_company(session, actor, task.company_id)
        else:
            company = _require_manager_of(session, actor, task.company_id)
        if task.done_at is not None:
            return _task_info(task, company.name)
        task.done_at, task.result, task.version = utcnow(), result, task.version + 1
        who = _name(session, task.assignee_id)
        write_history(
            session,
            actor,
            company.id,
            InteractionKind.NOTE,
            outcome="specialist_out",
            text=_("Specialist {name}'s task closed: {result}").format(name=who, result=result or "—"),
            params=params_json(t="specialist", name=who, text=result or None),
        )
        audit.record(session, actor, "specialist_task_closed", "follow_up_task", task.id, company_id=company.id)
        users = tuple({u for u in (task.assignee_id, company.owner_id) if u is not None and not owns(actor, u)})
        if users:
            notify.after_commit(
                session, notify.Notice(kind="changed", user_ids=users, what="assignments", company_id=company.id)
            )
        return _task_info(task, company.name)
