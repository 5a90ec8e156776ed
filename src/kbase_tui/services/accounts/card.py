"""The account card and its history."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from kbase_tui.models import (
    ClientOrder,
    Company,
    FollowUpTask,
)
from kbase_tui.protocol.accounts import (
    AccountCard,
    TaskInfo,
)

from ..clients import HistoryEntry, company_info, contacts_of, history_page, record_card_view
from ..db import Database
from ..dto import Actor
from .base import figures_of, require_account

# --- the card ---------------------------------------------------------------------------------


def task_infos(session: Session, query) -> tuple[TaskInfo, ...]:
    rows = session.execute(
        query.add_columns(Company.name, ClientOrder.ordered_at, ClientOrder.amount)
        .join(Company, Company.id == FollowUpTask.company_id)
        .outerjoin(ClientOrder, ClientOrder.id == FollowUpTask.order_id)
    ).all()
    return tuple(
        TaskInfo(
            id=t.id,
            company_id=t.company_id,
            company_name=name,
            kind=t.kind,
            due_at=t.due_at,
            text=t.text,
            order_id=t.order_id,
            order_date=od,
            order_amount=oa,
            done_at=t.done_at,
            score=t.score,
            result=t.result,
        )
        for t, name, od, oa in rows
    )


def account_card(db: Database, actor: Actor, company_id: int) -> AccountCard:
    """Company, figures, contact persons and open tasks; audited as a card view."""
    with db.write() as session:
        company = require_account(session, actor, company_id)
        record_card_view(session, actor, company.id)
        tasks = task_infos(
            session,
            select(FollowUpTask)
            .where(FollowUpTask.company_id == company.id, FollowUpTask.done_at.is_(None))
            .order_by(FollowUpTask.due_at, FollowUpTask.id),
        )
        return AccountCard(
            company=company_info(session, company),
            figures=figures_of(session, company),
            contacts=contacts_of(session, company.id),
            tasks=tasks,
        )


def account_history(
    db: Database, actor: Actor, company_id: int, *, limit: int = 50, before_id: int | None = None
) -> list[HistoryEntry]:
    """The company's whole timeline, newest first, paged (HistoryTimeline's loader)."""
    with db.read() as session:
        company = require_account(session, actor, company_id)
        return history_page(session, company.id, limit=limit, before_id=before_id)
