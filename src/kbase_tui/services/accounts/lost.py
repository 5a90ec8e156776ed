"""Lost clients: moved to lost by the interval rule or by hand, and the supervisor's list of them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Date, and_, case, func, literal, or_, select
from sqlalchemy.orm import Session

from kbase_tui.formatting import format_fraction
from kbase_tui.i18n import _
from kbase_tui.models import (
    Category,
    Company,
    FollowUpTask,
    Interaction,
    InteractionKind,
    Stage,
    TaskKind,
    utcnow,
)
from kbase_tui.protocol.accounts import (
    AccountFigures,
    LostAccount,
    LostPage,
    follow_up_results,
)

from .. import audit, reference
from ..clients import write_history
from ..common import require_supervisor, user_names
from ..db import Database
from ..dto import Actor
from ..errors import ValidationFailed
from ..history_labels import params_json, rendered_texts
from ..policy import Capability, require, require_active_user
from ..text import clean_input
from ..views import audited_view
from .base import LOST_PREFIX, days_between, figures_of, given_or_today, require_account, touch, usual_interval

# --- lost clients -----------------------------------------------------------------------------


def _lost_clause(session: Session, today: date):
    multiple = float(reference.get_setting(session, "accounts.lost_interval_multiple"))
    default = float(reference.get_setting(session, "accounts.default_purchase_interval_days"))
    today_value = literal(today, Date)
    span = days_between(session, Company.last_order_at, Company.first_order_at)
    interval = case(
        (and_(Company.orders_count >= 2, span > 0), span * 1.0 / (Company.orders_count - 1)),
        else_=default,
    )
    return and_(
        Company.stage == Stage.ACCOUNT,
        Company.category == Category.ACTIVE,
        Company.last_order_at.is_not(None),
        days_between(session, today_value, Company.last_order_at) > interval * multiple,
        ~and_(
            Company.next_purchase_is_stated.is_(True),
            Company.next_purchase_at.is_not(None),
            Company.next_purchase_at >= today_value,
        ),
    )


def lost_candidates(session: Session, today: date, owner_id: int | None = None) -> list[int]:
    query = select(Company.id).where(_lost_clause(session, today))
    if owner_id is not None:
        query = query.where(Company.owner_id == owner_id)
    return list(session.execute(query).scalars().all())


def _make_lost(
    session: Session,
    actor: Actor | None,
    company: Company,
    reason_code: str,
    text: str,
    *,
    automatic: bool,
    params: str,
) -> FollowUpTask:
    company.category = Category.LOST
    touch(company)
    task = FollowUpTask(
        company_id=company.id,
        assignee_id=company.owner_id,
        kind=TaskKind.RETURN,
        due_at=utcnow(),
        text=text,
        created_by_id=actor.id if actor else None,
    )
    session.add(task)
    write_history(
        session,
        None if automatic else actor,
        company.id,
        InteractionKind.SYSTEM if automatic else InteractionKind.DECISION,
        outcome=(LOST_PREFIX + reason_code)[:32],
        text=text,
        params=params,
    )
    return task


def move_to_lost(session: Session, actor: Actor, today: date, owner_id: int | None = None) -> int:
    query = select(Company).where(_lost_clause(session, today))
    if owner_id is not None:
        query = query.where(Company.owner_id == owner_id)
    companies = session.execute(query.with_for_update()).scalars().all()
    multiple = float(reference.get_setting(session, "accounts.lost_interval_multiple"))
    default = int(reference.get_setting(session, "accounts.default_purchase_interval_days"))
    tasks = []
    for company in companies:
        interval = usual_interval(company) or default
        silent = (today - company.last_order_at).days
        text = _(
            "No order for {days} days (usual interval {interval} days × {multiple}): moved to lost; "
            "return task created."
        ).format(days=silent, interval=interval, multiple=format_fraction(multiple, 2, trim=True))
        facts = params_json(t="lost_silent", days=silent, interval=interval, multiple=multiple)
        tasks.append(_make_lost(session, actor, company, "no_orders", text, automatic=True, params=facts))
    if companies:
        session.flush()
        # One audit event for the whole batch: the first run over an imported base may move thousands.
        audit.record(
            session,
            actor,
            "accounts_lost",
            "company",
            companies[0].id if len(companies) == 1 else None,
            reason="no_orders",
            automatic=True,
            company_ids=[c.id for c in companies],
            return_task_ids=[t.id for t in tasks],
        )
    return len(companies)


def check_lost(db: Database, actor: Actor, *, today: date | None = None) -> int:
    """Move every client silent for too long to lost (supervisor or the server's CLI)."""
    today = given_or_today(db, today)
    with db.write() as session:
        require_supervisor(session, actor)
        return move_to_lost(session, actor, today)


def lost_reasons(db: Database, actor: Actor) -> list[reference.ReasonInfo]:
    """The reasons a client can be marked lost with (the lost dialog's choices)."""
    with db.read() as session:
        require_active_user(session, actor)
        require(actor, Capability.WORK_ACCOUNTS)
        return reference.reasons(session, "lost_client")


def mark_lost(db: Database, actor: Actor, company_id: int, reason_code: str, comment: str = "") -> AccountFigures:
    """The account manager (or supervisor) marks a client lost with a reason: a return task is created."""
    comment = clean_input(comment, 2000)
    with db.write() as session:
        company = require_account(session, actor, company_id, for_update=True)
        reasons = {r.code: r for r in reference.reasons(session, "lost_client")}
        if reason_code not in reasons:
            raise ValidationFailed(_("Choose a reason."))
        if company.category == Category.LOST:
            raise ValidationFailed(_("This client is already on the lost list."))
        text = reasons[reason_code].label + (f"\n{comment}" if comment else "")
        facts = params_json(t="comment", comment=comment or None)
        task = _make_lost(session, actor, company, reason_code, text, automatic=False, params=facts)
        session.flush()
        audit.record(
            session,
            actor,
            "account_lost",
            "company",
            company.id,
            reason=reason_code,
            automatic=False,
            return_task_id=task.id,
        )
        return figures_of(session, company)


@audited_view("lost_accounts")
def lost_accounts(
    db: Database, actor: Actor, *, manager_id: int | None = None, offset: int = 0, limit: int = 100
) -> LostPage:
    """Lost clients with the reason and the return plan's progress, most recently bought first."""
    limit = max(1, min(limit, 500))
    with db.read() as session:
        require_supervisor(session, actor)
        conditions = [Company.stage == Stage.ACCOUNT, Company.category == Category.LOST]
        if manager_id is not None:
            conditions.append(Company.owner_id == manager_id)
        total = session.execute(select(func.count(Company.id)).where(*conditions)).scalar_one()
        companies = (
            session.execute(
                select(Company)
                .where(*conditions)
                .order_by(Company.last_order_at.desc(), Company.id.desc())
                .offset(offset)
                .limit(limit)
            )
            .scalars()
            .all()
        )
        ids = [c.id for c in companies]
        lost_events: dict[int, Interaction] = {}
        tasks: dict[int, FollowUpTask] = {}
        calls: dict[int, list[Interaction]] = {}
        if ids:
            latest = (
                select(func.max(Interaction.id))
                .where(
                    Interaction.company_id.in_(ids),
                    or_(Interaction.outcome.like(LOST_PREFIX + "%"), Interaction.outcome == "lost"),
                )
                .group_by(Interaction.company_id)
            )
            for event in session.execute(select(Interaction).where(Interaction.id.in_(latest))).scalars():
                lost_events[event.company_id] = event
            latest_task = (
                select(func.max(FollowUpTask.id))
                .where(FollowUpTask.company_id.in_(ids), FollowUpTask.kind == TaskKind.RETURN)
                .group_by(FollowUpTask.company_id)
            )
            for task in session.execute(select(FollowUpTask).where(FollowUpTask.id.in_(latest_task))).scalars():
                tasks[task.company_id] = task
            since = min((e.at for e in lost_events.values()), default=None)
            if since is not None:
                for call in session.execute(
                    select(Interaction)
                    .where(
                        Interaction.company_id.in_(ids),
                        Interaction.kind == InteractionKind.FOLLOW_UP,
                        Interaction.at >= since,
                    )
                    .order_by(Interaction.at, Interaction.id)
                ).scalars():
                    calls.setdefault(call.company_id, []).append(call)
        reasons = {r.code: r.label for r in reference.reasons(session, "lost_client")}
        lost_texts = rendered_texts(session, list(lost_events.values()))  # in the reader's language
        owners = user_names(session, [c.owner_id for c in companies])
        results = follow_up_results()
        rows = []
        for c in companies:
            lost_event = lost_events.get(c.id)
            code = (
                lost_event.outcome[len(LOST_PREFIX) :]
                if lost_event and lost_event.outcome.startswith(LOST_PREFIX)
                else ""
            )
            after = [x for x in calls.get(c.id, []) if lost_event is None or x.at >= lost_event.at]
            return_task = tasks.get(c.id)
            rows.append(
                LostAccount(
                    company_id=c.id,
                    name=c.name,
                    channel=c.channel,
                    owner_id=c.owner_id,
                    owner_name=owners.get(c.owner_id, ""),
                    reason_code=code,
                    reason_label=reasons.get(code, code),
                    reason_text=lost_texts[lost_event.id] if lost_event else "",
                    lost_at=lost_event.at if lost_event else None,
                    last_order_at=c.last_order_at,
                    orders_count=c.orders_count,
                    revenue_total=Decimal(c.revenue_total or 0),
                    return_task_due=return_task.due_at if return_task else None,
                    return_task_done=bool(return_task and return_task.done_at),
                    calls_since=len(after),
                    last_call_at=after[-1].at if after else None,
                    last_call_result=results.get(after[-1].outcome, after[-1].outcome) if after else "",
                )
            )
        return LostPage(rows=tuple(rows), total=int(total), offset=offset)
