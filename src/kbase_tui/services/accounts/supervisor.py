"""The supervisor over the account managers: their load, all accounts, reassigning, classifying."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select, update
from sqlalchemy.orm import aliased

from kbase_tui.i18n import _
from kbase_tui.models import (
    Category,
    Company,
    FollowUpTask,
    InteractionKind,
    Role,
    Stage,
    User,
)
from kbase_tui.protocol.accounts import (
    AccountPage,
    ManagerLoad,
    ReassignResult,
)

from .. import audit, classify, clock, notify
from ..clients import write_history
from ..common import require_supervisor, user_names
from ..db import Database
from ..dto import Actor
from ..errors import ValidationFailed
from ..history_labels import params_json
from ..text import clean_input
from ..views import audited_view
from .base import LISTED_CATEGORIES, ClassifyReport, given_or_today, require_account, touch
from .follow_up import account_rows, due_clause, list_order
from .lost import move_to_lost

# --- the supervisor ---------------------------------------------------------------------------------


def managers(db: Database, actor: Actor, *, today: date | None = None) -> list[ManagerLoad]:
    """Account managers with their accounts: count, active, lost, revenue, follow-ups due."""
    today = given_or_today(db, today)
    tomorrow_start = clock.day_start(db, today + timedelta(days=1))
    with db.read() as session:
        require_supervisor(session, actor)
        figures = {
            owner: (n, active, lost, revenue, due)
            for owner, n, active, lost, revenue, due in session.execute(
                select(
                    Company.owner_id,
                    func.count(Company.id),
                    func.count(Company.id).filter(Company.category == Category.ACTIVE),
                    func.count(Company.id).filter(Company.category == Category.LOST),
                    func.coalesce(func.sum(Company.revenue_total), 0),
                    func.count(Company.id).filter(due_clause(tomorrow_start)),
                )
                .where(Company.stage == Stage.ACCOUNT, Company.category.in_(LISTED_CATEGORIES))
                .group_by(Company.owner_id)
            ).all()
        }
        users = session.execute(
            select(User.id, User.full_name, User.username, User.disabled)
            .where(User.role == Role.ACCOUNT)
            .order_by(User.full_name, User.id)
        ).all()
        result = []
        for uid, full, login, disabled in users:
            n, active, lost, revenue, due = figures.get(uid, (0, 0, 0, 0, 0))
            if disabled and not n:
                continue
            result.append(ManagerLoad(uid, full or login, int(n), int(active), int(lost), Decimal(revenue), int(due)))
        return result


@audited_view("all_accounts")
def all_accounts(
    db: Database,
    actor: Actor,
    *,
    manager_id: int | None = None,
    category: str | None = None,
    offset: int = 0,
    limit: int = 100,
    today: date | None = None,
) -> AccountPage:
    """Every account (optionally one manager's, or one category), by manager then due order, paged."""
    today = given_or_today(db, today)
    limit = max(1, min(limit, 500))
    tomorrow_start = clock.day_start(db, today + timedelta(days=1))
    with db.read() as session:
        require_supervisor(session, actor)
        conditions = [Company.stage == Stage.ACCOUNT, Company.category.in_(LISTED_CATEGORIES)]
        if manager_id is not None:
            conditions.append(Company.owner_id == manager_id)
        if category:
            conditions.append(Company.category == category)
        total, due = session.execute(
            select(func.count(Company.id), func.count(Company.id).filter(due_clause(tomorrow_start))).where(*conditions)
        ).one()
        owner = aliased(User)
        companies = (
            session.execute(
                select(Company)
                .outerjoin(owner, owner.id == Company.owner_id)
                .where(*conditions)
                .order_by(owner.full_name, Company.owner_id, *list_order(tomorrow_start))
                .offset(offset)
                .limit(limit)
            )
            .scalars()
            .all()
        )
        return AccountPage(
            rows=account_rows(session, companies, today, tomorrow_start, with_owner=True),
            total=int(total),
            offset=offset,
            today=today,
            due=int(due or 0),
        )


def reassign_account(db: Database, actor: Actor, company_id: int, manager_id: int, comment: str = "") -> ReassignResult:
    """Give an account to another account manager; the company's whole history and tasks go with it."""
    comment = clean_input(comment, 2000)
    with db.write() as session:
        require_supervisor(session, actor)
        company = require_account(session, actor, company_id, for_update=True)
        manager = session.get(User, manager_id)
        if manager is None or manager.role != Role.ACCOUNT or manager.disabled:
            raise ValidationFailed(_("Choose an active account manager."))
        if company.owner_id == manager.id:
            raise ValidationFailed(_("The client is already with this manager."))
        previous = company.owner_id
        old_name = user_names(session, [previous]).get(previous, "—")
        new_name = manager.full_name or manager.username
        company.owner_id = manager.id
        touch(company)
        moved = session.execute(
            update(FollowUpTask)
            .where(FollowUpTask.company_id == company.id, FollowUpTask.done_at.is_(None))
            .values(assignee_id=manager.id, version=FollowUpTask.version + 1)
        ).rowcount
        text = _("Account reassigned: {old} → {new}").format(old=old_name, new=new_name)
        if comment:
            text += f"\n{comment}"
        write_history(
            session,
            actor,
            company.id,
            InteractionKind.DECISION,
            outcome="reassigned",
            text=text,
            params=params_json(t="old_new", old=old_name, new=new_name, comment=comment or None),
        )
        session.flush()
        audit.record(
            session,
            actor,
            "account_reassigned",
            "company",
            company.id,
            old_owner_id=previous,
            new_owner_id=manager.id,
            tasks_moved=moved,
        )
        # The new manager's list shows the client at once; the previous one's loses it.
        notify.after_commit(session, notify.Notice(kind="handover", user_ids=(manager.id,), company_id=company.id))
        if previous is not None:
            notify.after_commit(
                session, notify.Notice(kind="changed", what="accounts", user_ids=(previous,), company_id=company.id)
            )
        return ReassignResult(company.id, old_name, new_name, int(moved or 0))


def classify_all(db: Database, actor: Actor, *, today: date | None = None) -> ClassifyReport:
    """`kbase classify`: the lost check over all accounts, then every channel's classes and the key clients."""
    today = given_or_today(db, today)
    with db.write() as session:
        require_supervisor(session, actor)
        moved = move_to_lost(session, actor, today)
        counts = classify.reclassify_all(session)
        audit.record(
            session,
            actor,
            "accounts_classified",
            "company",
            None,
            moved_to_lost=moved,
            classes_changed=counts.classes_changed,
            key_clients=counts.key_clients,
        )
        return ClassifyReport(moved_to_lost=moved, counts=counts)
