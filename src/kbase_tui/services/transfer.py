"""A manager leaves: hand their whole portfolio to colleagues in one transaction.

Moved: companies they own (pipeline and account stage), their open deals,
their personal callbacks, special offers named for them, and their open
tasks; leads they hold right now are released back to the queue.  Each
company is moved as a whole (owner, deals, tasks and callbacks together) to
one chosen colleague, or spread evenly over the active users of the same
role.  Every touched company gets a system entry in its history; the user is
disabled; one audit event records the counts.  Nothing is deleted.

A portfolio always has a place to go: when nobody of the same role is left
(the last account manager leaves), a head of sales may hold it until a new
person starts, and `pass_on_held` then hands the held companies of that role
to the newcomer, with the same history entries and audit.
"""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from kbase_tui.i18n import _
from kbase_tui.models import (
    Company,
    Deal,
    DealStatus,
    FollowUpTask,
    Interaction,
    InteractionKind,
    Role,
    Stage,
    User,
    utcnow,
)
from kbase_tui.protocol.transfer import PortfolioCounts, StaffMember, TransferResult

from . import audit, notify
from .db import Database
from .dto import Actor
from .errors import NotFound, ValidationFailed
from .history_labels import params_json
from .policy import Capability, require, require_active_user
from .views import audited_view


def _guard(session: Session, actor: Actor) -> None:
    require_active_user(session, actor)
    require(actor, Capability.TRANSFER_PORTFOLIO)


def _name(user: User) -> str:
    return user.full_name or user.username


def staff(db: Database, actor: Actor) -> list[StaffMember]:
    """Users whose portfolio may be transferred (everyone but administrators)."""
    with db.read() as session:
        _guard(session, actor)
        rows = session.execute(
            select(User)
            .where(User.role.in_([Role.CALLER, Role.CLOSER, Role.ACCOUNT, Role.SUPERVISOR]))
            .order_by(User.disabled, User.role, User.full_name, User.username)
        ).scalars()
        return [StaffMember(u.id, _name(u), u.username, u.role, u.disabled) for u in rows]


def _counts(session: Session, user: User) -> PortfolioCounts:
    from sqlalchemy import func

    def count(query) -> int:
        return session.execute(select(func.count()).select_from(query.subquery())).scalar_one()

    return PortfolioCounts(
        user_id=user.id,
        user_name=_name(user),
        role=user.role,
        companies=count(select(Company.id).where(Company.owner_id == user.id)),
        deals=count(select(Deal.id).where(Deal.closer_id == user.id, Deal.status == DealStatus.OPEN)),
        callbacks=count(select(Company.id).where(Company.callback_user_id == user.id)),
        special_offers=count(select(Company.id).where(Company.special_offer_user_id == user.id)),
        tasks=count(select(FollowUpTask.id).where(FollowUpTask.assignee_id == user.id, FollowUpTask.done_at.is_(None))),
        held_leads=count(select(Company.id).where(Company.held_by_id == user.id)),
    )


@audited_view("portfolio")
def portfolio(db: Database, actor: Actor, user_id: int) -> PortfolioCounts:
    """What would move if *user_id* left now."""
    with db.read() as session:
        _guard(session, actor)
        user = session.get(User, user_id)
        if user is None:
            raise NotFound()
        return _counts(session, user)


def transfer_portfolio(
    db: Database,
    actor: Actor,
    from_user_id: int,
    to_user_id: int | None = None,
    *,
    disable: bool = True,
) -> TransferResult:
    """Move everything of *from_user_id* to *to_user_id*, or evenly over active colleagues of the same role."""
    with db.write() as session:
        _guard(session, actor)
        leaver = session.execute(select(User).where(User.id == from_user_id).with_for_update()).scalar_one_or_none()
        if leaver is None:
            raise NotFound()
        if leaver.role == Role.ADMIN:
            raise ValidationFailed(_("Administrators have no client portfolio."))
        if actor.id is not None and leaver.id == actor.id:
            raise ValidationFailed(_("You cannot transfer your own portfolio."))
        if to_user_id is not None:
            target = session.get(User, to_user_id)
            if target is None or target.disabled or target.id == leaver.id:
                raise ValidationFailed(_("Choose an active colleague to receive the portfolio."))
            # A head of sales may hold any portfolio until a new person of that role starts.
            if target.role != leaver.role and target.role != Role.SUPERVISOR:
                raise ValidationFailed(
                    _(
                        "The receiver must have the same role as the user who leaves, "
                        "or be a head of sales who holds the portfolio for now."
                    )
                )
            receivers = [target]
        else:
            receivers = list(
                session.execute(
                    select(User)
                    .where(User.role == leaver.role, User.disabled.is_(False), User.id != leaver.id)
                    .order_by(User.id)
                ).scalars()
            )
            if not receivers:
                raise ValidationFailed(
                    _(
                        "No active colleague with the same role: choose a head of sales to hold "
                        "the portfolio until a new person starts."
                    )
                )
        counts = _counts(session, leaver)
        now = utcnow()
        uid = leaver.id

        owned = (
            session.execute(
                select(Company)
                .where(
                    or_(
                        Company.owner_id == uid,
                        Company.callback_user_id == uid,
                        Company.special_offer_user_id == uid,
                        Company.held_by_id == uid,
                    )
                )
                .order_by(Company.id)
                .with_for_update()
            )
            .scalars()
            .all()
        )
        companies: dict[int, Company] = {c.id: c for c in owned}
        deals = (
            session.execute(
                select(Deal)
                .where(Deal.closer_id == uid, Deal.status == DealStatus.OPEN)
                .order_by(Deal.id)
                .with_for_update()
            )
            .scalars()
            .all()
        )
        tasks = (
            session.execute(
                select(FollowUpTask)
                .where(FollowUpTask.assignee_id == uid, FollowUpTask.done_at.is_(None))
                .order_by(FollowUpTask.id)
                .with_for_update()
            )
            .scalars()
            .all()
        )
        all_ids = sorted(set(companies) | {d.company_id for d in deals} | {t.company_id for t in tasks})
        # Whole companies go to one receiver, round robin in id order: the spread is even and reproducible.
        receiver_of: dict[int, User] = {cid: receivers[n % len(receivers)] for n, cid in enumerate(all_ids)}
        received: dict[int, int] = {r.id: 0 for r in receivers}
        for cid in all_ids:
            received[receiver_of[cid].id] += 1

        for company in companies.values():
            to = receiver_of[company.id]
            if company.owner_id == uid:
                company.owner_id = to.id
            if company.callback_user_id == uid:
                company.callback_user_id = to.id
            if company.special_offer_user_id == uid:
                company.special_offer_user_id = to.id
            if company.held_by_id == uid:
                company.held_by_id = None
                company.held_until = None
            company.updated_at = now
            company.version += 1
        for deal in deals:
            deal.closer_id = receiver_of[deal.company_id].id
            deal.updated_at = now
            deal.version += 1
        for task in tasks:
            task.assignee_id = receiver_of[task.company_id].id
            task.version += 1
        for cid in all_ids:
            session.add(
                Interaction(
                    company_id=cid,
                    user_id=actor.id,
                    at=now,
                    kind=InteractionKind.SYSTEM,
                    outcome="transfer",
                    text=_("{who} transferred the work of {leaver} to {receiver}.").format(
                        who=actor.label, leaver=_name(leaver), receiver=_name(receiver_of[cid])
                    ),
                    params=params_json(t="transfer", leaver=_name(leaver), receiver=_name(receiver_of[cid])),
                )
            )
        if disable:
            leaver.disabled = True
            leaver.version += 1
        session.flush()
        audit.record(
            session,
            actor,
            "portfolio_transferred",
            "user",
            leaver.id,
            companies=counts.companies,
            deals=counts.deals,
            callbacks=counts.callbacks,
            special_offers=counts.special_offers,
            tasks=counts.tasks,
            held_leads=counts.held_leads,
            receivers={str(r.id): received[r.id] for r in receivers},
            disabled=disable,
        )
        # The colleagues who received companies: their boards and lists ask again.
        heirs = tuple(r.id for r in receivers if received[r.id])
        if heirs:
            notify.after_commit(session, notify.Notice(kind="handover", user_ids=heirs))
        return TransferResult(
            counts=counts,
            receivers=tuple((r.id, _name(r), received[r.id]) for r in receivers),
        )


_STAGE_OF_ROLE = {Role.CLOSER: Stage.PIPELINE, Role.ACCOUNT: Stage.ACCOUNT}


def pass_on_held(db: Database, actor: Actor, to_user_id: int) -> TransferResult:
    """Hand what the signed-in head of sales holds for the receiver's role to the receiver (a new person).

    A closer receives the held pipeline companies with their open deals, an account manager the held
    accounts, a caller the held callbacks and special offers; open tasks on those companies go along.
    """
    with db.write() as session:
        _guard(session, actor)
        holder = session.get(User, actor.id) if actor.id is not None else None
        if holder is None or holder.role != Role.SUPERVISOR:
            raise ValidationFailed(_("Only a head of sales holds portfolios."))
        receiver = session.get(User, to_user_id)
        if receiver is None or receiver.disabled or receiver.role not in (Role.CALLER, Role.CLOSER, Role.ACCOUNT):
            raise ValidationFailed(_("Choose an active caller, closer or account manager to receive it."))
        uid, now = holder.id, utcnow()
        stage = _STAGE_OF_ROLE.get(receiver.role)
        if stage is not None:
            condition = (Company.owner_id == uid) & (Company.stage == stage)
        else:
            condition = or_(Company.callback_user_id == uid, Company.special_offer_user_id == uid)
        held = session.execute(select(Company).where(condition).order_by(Company.id).with_for_update()).scalars().all()
        if not held:
            raise ValidationFailed(_("You hold nothing for this role."))
        ids = [c.id for c in held]
        deals = tasks = 0
        for company in held:
            if stage is not None:
                company.owner_id = receiver.id
            else:
                if company.callback_user_id == uid:
                    company.callback_user_id = receiver.id
                if company.special_offer_user_id == uid:
                    company.special_offer_user_id = receiver.id
            company.updated_at = now
            company.version += 1
        if stage == Stage.PIPELINE:
            for deal in session.execute(
                select(Deal)
                .where(Deal.company_id.in_(ids), Deal.closer_id == uid, Deal.status == DealStatus.OPEN)
                .with_for_update()
            ).scalars():
                deal.closer_id = receiver.id
                deal.updated_at = now
                deal.version += 1
                deals += 1
        for task in session.execute(
            select(FollowUpTask)
            .where(FollowUpTask.company_id.in_(ids), FollowUpTask.assignee_id == uid, FollowUpTask.done_at.is_(None))
            .with_for_update()
        ).scalars():
            task.assignee_id = receiver.id
            task.version += 1
            tasks += 1
        for cid in ids:
            session.add(
                Interaction(
                    company_id=cid,
                    user_id=actor.id,
                    at=now,
                    kind=InteractionKind.SYSTEM,
                    outcome="transfer",
                    text=_("{who} handed the portfolio held since a departure to {receiver}.").format(
                        who=actor.label, receiver=_name(receiver)
                    ),
                    params=params_json(t="transfer", receiver=_name(receiver)),
                )
            )
        session.flush()
        audit.record(
            session,
            actor,
            "held_portfolio_passed_on",
            "user",
            receiver.id,
            companies=len(ids),
            deals=deals,
            tasks=tasks,
            role=receiver.role,
        )
        notify.after_commit(session, notify.Notice(kind="handover", user_ids=(receiver.id,)))
        counts = _counts(session, holder)
        return TransferResult(counts=counts, receivers=((receiver.id, _name(receiver), len(ids)),))
