"""The closers' pipeline: from a caller's hand-over to the first contract, then on to an account manager.

A deal is created by `services.queue.hand_over_to_closer` (stage = the first pipeline stage,
status open, company.stage = pipeline, owner = the closer).  Here the closer moves it through the
open stages, keeps the next step, the requirements and the expected amount, writes notes, and
leaves the pipeline in one of two ways:

- won (`win_deal`): the contract date and amount become the first order (ClientOrder) and the
  client goes to an account manager (`hand_over_to_account`): company.stage = account, category
  active, owner = the account manager, order aggregates set.  The closer loses access at once,
  because policy lets a closer see only pipeline companies they own.
- lost (`lose_deal`): reason (reasons of kind "lost_deal") and comment on the deal, status lost.
  The company stays at stage pipeline with **no owner** and its category unchanged (it never had
  a contract, so it is still a potential client, not a "lost" АКБ client): nobody but the
  supervisor sees it.  `lost_deals()` lists exactly these companies for the supervisor's lost list;
  `return_lost_deal()` opens a new deal for a closer when the supervisor plans the return.

Stages are rows of `pipeline_stage` (reference.pipeline_stages); nothing here branches on a stage
code: open stages are the active ones that are neither is_won nor is_lost, in position order.
Every function checks policy first, then acts, then writes history and audit in one transaction.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import and_, case, exists, func, literal, or_, select
from sqlalchemy.orm import Session, aliased

from kbase_tui.formatting import format_amount, format_date
from kbase_tui.i18n import _
from kbase_tui.models import (
    Category,
    ClientOrder,
    Company,
    Deal,
    DealStatus,
    InteractionKind,
    Role,
    Stage,
    User,
    utcnow,
)
from kbase_tui.protocol.pipeline import (
    BOARD_PAGE,
    Board,
    DealCard,
    DealForm,
    DealInfo,
    DealPage,
    DealSummary,
    LostDealInfo,
    StageColumn,
    UserChoice,
    WonResult,
)

from . import audit, clock, notify, reference
from .catalog import money
from .clients import NOTE_KINDS, HistoryEntry, company_info, contacts_of, record_card_view, write_history
from .common import require_supervisor, user_names
from .db import Database
from .dto import Actor
from .errors import AccessDenied, NotFound, StaleRecord, ValidationFailed
from .history_labels import params_json
from .policy import (
    Capability,
    company_visibility,
    owned_by,
    owns,
    require,
    require_active_user,
    require_company,
    require_deal_owner,
)
from .text import clean_input
from .views import audited_view

HISTORY_TEXT_MAX = 10_000


# --- stages -----------------------------------------------------------------------------


def open_stages(session: Session) -> list[reference.StageInfo]:
    return [s for s in reference.pipeline_stages(session) if not s.is_won and not s.is_lost]


def _exit_stage(session: Session, *, won: bool) -> reference.StageInfo | None:
    for stage in reference.pipeline_stages(session):
        if (won and stage.is_won) or (not won and stage.is_lost):
            return stage
    return None


def _stage_labels(session: Session) -> dict[str, str]:
    return {s.code: s.label for s in reference.pipeline_stages(session)}


def first_stage_code(session: Session) -> str:
    """The stage a new deal starts in (used by the hand-over from the cold-call queue)."""
    stages = open_stages(session)
    if not stages:
        raise ValidationFailed(_("No pipeline stages are configured."))
    return stages[0].code


def stages(db: Database, actor: Actor) -> list[reference.StageInfo]:
    """The open stages (board columns), for filters and headings."""
    with db.read() as session:
        require_active_user(session, actor)
        require(actor, Capability.WORK_PIPELINE)
        return open_stages(session)


# --- access -------------------------------------------------------------------------------


def _require_deal(
    session: Session, actor: Actor, deal_id: int, *, for_update: bool = False, open_only: bool = True
) -> tuple[Deal, Company]:
    """The deal and its company, if the actor may work on it; policy first."""
    require_active_user(session, actor)
    require(actor, Capability.WORK_PIPELINE)
    query = select(Deal).where(Deal.id == deal_id)
    if for_update:
        query = query.with_for_update()
    deal = session.execute(query).scalar_one_or_none()
    if deal is None:
        if actor.role == Role.SUPERVISOR:
            raise NotFound()
        raise AccessDenied()
    if open_only and deal.status != DealStatus.OPEN and owns(actor, deal.closer_id):
        # The closer's own deal, closed meanwhile in another terminal: the company left their hands with it,
        # and "no access to this record" said nothing of what happened.
        raise ValidationFailed(_closed_meanwhile(session, deal))
    company = require_company(session, actor, deal.company_id, for_update=for_update)
    require_deal_owner(actor, deal.closer_id)
    if open_only and deal.status != DealStatus.OPEN:
        raise ValidationFailed(_("This deal is closed."))
    return deal, company


def _closed_meanwhile(session: Session, deal: Deal) -> str:
    when = format_date(clock.today(session, deal.closed_at)) if deal.closed_at else "—"
    if deal.status == DealStatus.WON:
        return _("The deal is already closed: won on {date}. It is no longer on your board.").format(date=when)
    return _("The deal is already closed: lost on {date}. It is no longer on your board.").format(date=when)


# --- building DTOs ---------------------------------------------------------------------------


def _stale_before(session: Session, now: datetime) -> tuple[datetime, int]:
    days = int(reference.get_setting(session, "pipeline.stale_days"))
    return now - timedelta(days=days), days


def _summary(
    deal: Deal, name: str, city: str, closer_name: str, labels: dict[str, str], today: date, stale_before: datetime
) -> DealSummary:
    return DealSummary(
        id=deal.id,
        company_id=deal.company_id,
        company_name=name,
        city=city,
        stage_code=deal.stage_code,
        stage_label=labels.get(deal.stage_code, deal.stage_code),
        status=deal.status,
        expected_amount=deal.expected_amount,
        next_step=deal.next_step,
        next_step_due=deal.next_step_due,
        overdue=deal.status == DealStatus.OPEN and deal.next_step_due is not None and deal.next_step_due < today,
        stale=deal.status == DealStatus.OPEN and deal.last_activity_at < stale_before,
        last_activity_at=deal.last_activity_at,
        closer_id=deal.closer_id,
        closer_name=closer_name,
        supervisor_comment=deal.supervisor_comment,
        version=deal.version,
    )


def _deal_info(session: Session, deal: Deal) -> DealInfo:
    names = user_names(session, [deal.closer_id, deal.handed_over_by_id])
    labels = _stage_labels(session)
    return DealInfo(
        id=deal.id,
        company_id=deal.company_id,
        closer_id=deal.closer_id,
        closer_name=names.get(deal.closer_id, ""),
        handed_over_by_name=names.get(deal.handed_over_by_id, ""),
        stage_code=deal.stage_code,
        stage_label=labels.get(deal.stage_code, deal.stage_code),
        status=deal.status,
        expected_amount=deal.expected_amount,
        requirements=deal.requirements,
        next_step=deal.next_step,
        next_step_due=deal.next_step_due,
        supervisor_comment=deal.supervisor_comment,
        lost_reason=deal.lost_reason,
        lost_comment=deal.lost_comment,
        contract_date=deal.contract_date,
        contract_amount=deal.contract_amount,
        created_at=deal.created_at,
        last_activity_at=deal.last_activity_at,
        version=deal.version,
    )


def _touch(deal: Deal) -> None:
    now = utcnow()
    deal.updated_at = now
    deal.last_activity_at = now
    deal.version += 1


# --- the closer's board ------------------------------------------------------------------------


def _board_order():
    return (Deal.next_step_due.is_(None), Deal.next_step_due, Deal.id)


def _board_scope(session: Session, actor: Actor):
    """(open stages, the column expression, the WHERE conditions) of the actor's board.

    A deal left in a stage that was since switched off belongs to the first column.
    """
    columns = open_stages(session)
    if not columns:
        raise ValidationFailed(_("No pipeline stages are configured."))
    codes = [c.code for c in columns]
    column = case((Deal.stage_code.in_(codes), Deal.stage_code), else_=literal(codes[0]))
    conditions = (owned_by(actor, Deal.closer_id), Deal.status == DealStatus.OPEN, company_visibility(actor))
    return columns, column, conditions


def board(
    db: Database,
    actor: Actor,
    *,
    today: date | None = None,
    limit: int = BOARD_PAGE,
    limits: dict[str, int] | None = None,
    follow: int | None = None,
    include_companies: list[int] | None = None,
) -> Board:
    """The signed-in closer's open deals in columns by stage, sorted by next-step date.

    Each column carries the count, expected sum and overdue count of ALL its deals (one grouped
    query), but only its first `limit` deals (`limits[code]` per column when given; one windowed
    query), so the board costs the same with 50 deals or 5,000.  `follow`: a deal id whose column
    is extended far enough to include it (the cursor follows a moved deal).  `include_companies`:
    companies whose deals are included the same way (a hand-over just announced, named on the
    board, lands at the end of a long column).  Load further deals of a column with `column_deals`.
    """
    today = today or clock.today(db)
    limits = dict(limits or {})
    with db.read() as session:
        require_active_user(session, actor)
        require(actor, Capability.WORK_PIPELINE)
        columns, column, conditions = _board_scope(session, actor)
        codes = [c.code for c in columns]
        labels = _stage_labels(session)
        stale_before, _days = _stale_before(session, utcnow())
        # Counts and sums of whole columns, grouped by the raw stage (folded into columns below).
        totals = {code: [0, Decimal("0"), 0] for code in codes}
        for code, n, amount, overdue in session.execute(
            select(
                Deal.stage_code,
                func.count(Deal.id),
                func.coalesce(func.sum(Deal.expected_amount), 0),
                func.count(Deal.id).filter(Deal.next_step_due < today),
            )
            .join(Company, Company.id == Deal.company_id)
            .where(*conditions)
            .group_by(Deal.stage_code)
        ).all():
            slot = totals.get(code, totals[codes[0]])
            slot[0] += int(n)
            slot[1] += Decimal(str(amount))
            slot[2] += int(overdue or 0)
        ranked = (
            select(
                Deal.id.label("id"),
                Deal.company_id.label("company_id"),
                column.label("col"),
                func.row_number().over(partition_by=column, order_by=_board_order()).label("rn"),
            )
            .join(Company, Company.id == Deal.company_id)
            .where(*conditions)
            .subquery()
        )
        wanted = []
        if follow is not None:
            wanted.append(ranked.c.id == follow)
        if include_companies:
            wanted.append(ranked.c.company_id.in_(include_companies[:100]))
        if wanted:
            for code, rn in session.execute(select(ranked.c.col, ranked.c.rn).where(or_(*wanted))).all():
                limits[code] = max(limits.get(code, limit), int(rn) + 5)
        window = or_(*(and_(ranked.c.col == code, ranked.c.rn <= max(1, limits.get(code, limit))) for code in codes))
        rows = session.execute(
            select(Deal, Company.name, Company.city, ranked.c.col)
            .join(ranked, ranked.c.id == Deal.id)
            .join(Company, Company.id == Deal.company_id)
            .where(window)
            .order_by(ranked.c.col, ranked.c.rn)
        ).all()
    by_stage: dict[str, list[DealSummary]] = {code: [] for code in codes}
    for deal, name, city, code in rows:
        by_stage[code].append(_summary(deal, name, city, actor.label, labels, today, stale_before))
    return Board(
        columns=tuple(
            StageColumn(
                c.code,
                c.label,
                tuple(by_stage[c.code]),
                count=totals[c.code][0],
                total=totals[c.code][1].quantize(Decimal("0.01")),
                overdue=totals[c.code][2],
            )
            for c in columns
        ),
        today=today,
    )


def column_deals(
    db: Database, actor: Actor, stage_code: str, *, offset: int = 0, limit: int = BOARD_PAGE, today: date | None = None
) -> tuple[DealSummary, ...]:
    """The next deals of one board column, in board order, from `offset` (load more as the cursor goes down)."""
    today = today or clock.today(db)
    limit = max(1, min(limit, 500))
    with db.read() as session:
        require_active_user(session, actor)
        require(actor, Capability.WORK_PIPELINE)
        columns, column, conditions = _board_scope(session, actor)
        if stage_code not in {c.code for c in columns}:
            raise ValidationFailed(_("This stage is not on the board."))
        labels = _stage_labels(session)
        stale_before, _days = _stale_before(session, utcnow())
        rows = session.execute(
            select(Deal, Company.name, Company.city)
            .join(Company, Company.id == Deal.company_id)
            .where(*conditions, column == stage_code)
            .order_by(*_board_order())
            .offset(max(0, offset))
            .limit(limit)
        ).all()
    return tuple(_summary(deal, name, city, actor.label, labels, today, stale_before) for deal, name, city in rows)


def move_deal(
    db: Database, actor: Actor, deal_id: int, step: int, *, expected_stage: str | None = None, today: date | None = None
) -> DealSummary:
    """Move a deal `step` open stages forward (+1) or back (-1); history and audit record old → new.

    `expected_stage` is the stage the user saw: if someone moved the deal meanwhile, StaleRecord.
    Won and lost are not reachable by moving: they have their own dialogs (win_deal, lose_deal).
    """
    if step not in (-1, 1):
        raise ValidationFailed(_("A deal moves one stage at a time."))
    with db.write() as session:
        deal, company = _require_deal(session, actor, deal_id, for_update=True)
        if expected_stage is not None and deal.stage_code != expected_stage:
            raise StaleRecord(
                _("Someone else moved this deal meanwhile; the board is refreshed."), current=deal.stage_code
            )
        columns = open_stages(session)
        codes = [c.code for c in columns]
        index = codes.index(deal.stage_code) if deal.stage_code in codes else 0
        target = index + step
        if target < 0:
            raise ValidationFailed(_("The deal is already at the first stage."))
        if target >= len(columns):
            raise ValidationFailed(_("This is the last stage: close the deal as won or lost."))
        old, new = (columns[index] if deal.stage_code in codes else None), columns[target]
        old_label = old.label if old else deal.stage_code
        previous_code = deal.stage_code
        deal.stage_code = new.code
        _touch(deal)
        write_history(
            session,
            actor,
            company.id,
            InteractionKind.STAGE,
            outcome=new.code,
            text=f"{old_label} → {new.label}",
            deal_id=deal.id,
            params=params_json(t="stage", **{"from": previous_code, "to": new.code}),
        )
        audit.record(
            session,
            actor,
            "deal_stage_changed",
            "deal",
            deal.id,
            company_id=company.id,
            old=previous_code,
            new=new.code,
        )
        session.flush()
        stale_before, _days = _stale_before(session, utcnow())
        return _summary(
            deal,
            company.name,
            company.city,
            actor.label if owns(actor, deal.closer_id) else "",
            _stage_labels(session),
            today or clock.today(session),
            stale_before,
        )


# --- the deal card ---------------------------------------------------------------------------------


def deal_card(db: Database, actor: Actor, deal_id: int) -> DealCard:
    """Deal, company and contacts for the card; audited as a card view."""
    with db.write() as session:
        deal, company = _require_deal(session, actor, deal_id, open_only=False)
        record_card_view(session, actor, company.id, deal_id=deal.id)
        return DealCard(
            deal=_deal_info(session, deal),
            company=company_info(session, company),
            contacts=contacts_of(session, company.id),
            stages=tuple(open_stages(session)),
        )


def deal_history(
    db: Database, actor: Actor, deal_id: int, *, limit: int = 50, before_id: int | None = None
) -> list[HistoryEntry]:
    """The company's whole timeline (cold calls included), newest first, paged; for HistoryTimeline(loader=)."""
    from .clients import history_page

    with db.read() as session:
        _deal, company = _require_deal(session, actor, deal_id, open_only=False)
        return history_page(session, company.id, limit=limit, before_id=before_id)


def _clean_form(form: DealForm) -> DealForm:
    amount = money(form.expected_amount or 0, _("The expected amount is not valid."))
    return DealForm(
        requirements=clean_input(form.requirements, HISTORY_TEXT_MAX),
        next_step=clean_input(form.next_step, 500),
        next_step_due=form.next_step_due,
        expected_amount=amount.quantize(Decimal("0.01")),
    )


def update_deal(db: Database, actor: Actor, deal_id: int, expected_version: int, form: DealForm) -> DealInfo:
    """Save requirements, next step, its due date and the expected amount.

    If someone else saved the deal after it was loaded, raises StaleRecord whose `current` is their
    DealInfo, so the card can show the other change instead of silently overwriting it.
    """
    clean = _clean_form(form)
    with db.write() as session:
        deal, company = _require_deal(session, actor, deal_id, for_update=True)
        if deal.version != expected_version:
            raise StaleRecord(current=_deal_info(session, deal))
        changes = {
            name: (getattr(deal, name), getattr(clean, name))
            for name in ("requirements", "next_step", "next_step_due", "expected_amount")
            if getattr(deal, name) != getattr(clean, name)
        }
        if not changes:
            return _deal_info(session, deal)
        for name, (_old, new) in changes.items():
            setattr(deal, name, new)
        if "requirements" in changes:
            company.requirements = clean.requirements
            company.updated_at = utcnow()
        _touch(deal)
        described = []
        for name, (old, new) in changes.items():
            if name == "requirements":
                described.append(_("requirements: {text}").format(text=new))
            elif name == "next_step":
                described.append(_("next step: {text}").format(text=new))
            elif name == "next_step_due":
                described.append(
                    _("due: {old} → {new}").format(old=format_date(old) or "—", new=format_date(new) or "—")
                )
            else:
                described.append(
                    _("expected amount: {old} → {new}").format(
                        old=format_amount(old) or "—", new=format_amount(new) or "—"
                    )
                )
        write_history(
            session,
            actor,
            company.id,
            InteractionKind.NOTE,
            outcome="deal_changed",
            text="\n".join(described),
            deal_id=deal.id,
            params=params_json(t="deal_changed", changes=[[name, old, new] for name, (old, new) in changes.items()]),
        )
        audit.record(session, actor, "deal_changed", "deal", deal.id, company_id=company.id, fields=sorted(changes))
        session.flush()
        return _deal_info(session, deal)


def add_deal_note(db: Database, actor: Actor, deal_id: int, kind: str, text: str, *, outcome: str = "") -> HistoryEntry:
    """A note, call or meeting with its result, on the deal's company timeline (counts as activity)."""
    if kind not in NOTE_KINDS:
        raise ValidationFailed(_("Unknown kind of entry."))
    text = clean_input(text, HISTORY_TEXT_MAX)
    if not text:
        raise ValidationFailed(_("Write what happened."))
    with db.write() as session:
        deal, company = _require_deal(session, actor, deal_id, for_update=True)
        entry = write_history(
            session, actor, company.id, kind, outcome=clean_input(outcome, 32), text=text, deal_id=deal.id
        )
        deal.last_activity_at = utcnow()
        company.updated_at = utcnow()
        session.flush()
        audit.record(session, actor, "history_added", "company", company.id, kind=kind, deal_id=deal.id)
        return HistoryEntry(entry.id, entry.at, entry.kind, entry.outcome, entry.text, actor.label)


# --- leaving the pipeline ---------------------------------------------------------------------------


def _account_load(session: Session):
    accounts = (
        select(Company.owner_id.label("owner_id"), func.count(Company.id).label("n"))
        .where(Company.stage == Stage.ACCOUNT)
        .group_by(Company.owner_id)
        .subquery()
    )
    return (
        select(User.id, User.full_name, User.username, func.coalesce(accounts.c.n, 0).label("n"))
        .outerjoin(accounts, accounts.c.owner_id == User.id)
        .where(User.role == Role.ACCOUNT, User.disabled.is_(False))
    )


def account_managers(db: Database, actor: Actor) -> list[UserChoice]:
    """Active account managers with their number of accounts, fewest first (the won dialog's choice)."""
    with db.read() as session:
        require_active_user(session, actor)
        require(actor, Capability.WORK_PIPELINE)
        rows = session.execute(_account_load(session).order_by("n", User.id)).all()
        return [UserChoice(uid, full or login, n) for uid, full, login, n in rows]


def hand_over_to_account(
    session: Session, actor: Actor, company: Company, deal: Deal | None, account_manager_id: int | None = None
) -> User:
    """Give a signed client to an account manager (the one with the fewest accounts unless chosen).

    The company becomes an active client (АКБ) owned by the account manager; its order figures
    are recomputed from its orders.  The previous owner loses access at once (policy).
    Runs inside the caller's transaction; the caller has checked access.
    """
    if account_manager_id is not None:
        manager = session.get(User, account_manager_id)
        if manager is None or manager.role != Role.ACCOUNT or manager.disabled:
            raise ValidationFailed(_("Choose an active account manager."))
    else:
        row = session.execute(_account_load(session).order_by("n", User.id).limit(1)).first()
        if row is None:
            raise ValidationFailed(_("There is no active account manager to hand the client to."))
        manager = session.get_one(User, row[0])
    count, total, first, last = session.execute(
        select(
            func.count(ClientOrder.id),
            func.coalesce(func.sum(ClientOrder.amount), 0),
            func.min(ClientOrder.ordered_at),
            func.max(ClientOrder.ordered_at),
        ).where(ClientOrder.company_id == company.id)
    ).one()
    previous_owner = company.owner_id
    company.stage = Stage.ACCOUNT
    company.category = Category.ACTIVE
    company.owner_id = manager.id
    company.held_by_id = None
    company.held_until = None
    company.orders_count = int(count)
    company.revenue_total = Decimal(total)
    company.first_order_at = first
    company.last_order_at = last
    if company.next_follow_up_at is None:
        # A new client: the account manager introduces themselves first.
        company.next_follow_up_at = utcnow()
    company.updated_at = utcnow()
    company.version += 1
    name = manager.full_name or manager.username
    write_history(
        session,
        actor,
        company.id,
        InteractionKind.HANDOVER,
        outcome="to_account",
        text=_("Handed over to account manager {name}").format(name=name),
        deal_id=deal.id if deal else None,
        params=params_json(t="to_account", name=name),
    )
    audit.record(
        session,
        actor,
        "handed_over_to_account",
        "company",
        company.id,
        deal_id=deal.id if deal else None,
        account_manager_id=manager.id,
        previous_owner_id=previous_owner,
    )
    notify.after_commit(session, notify.Notice(kind="handover", user_ids=(manager.id,), company_id=company.id))
    return manager


def win_deal(
    db: Database,
    actor: Actor,
    deal_id: int,
    contract_date: date,
    amount: Decimal,
    *,
    account_manager_id: int | None = None,
    items: str = "",
) -> WonResult:
    """Contract signed: record the first order and hand the client to an account manager."""
    if not isinstance(contract_date, date):
        raise ValidationFailed(_("Enter the contract date."))
    amount = money(amount or 0, _("Enter the contract amount."))
    if amount <= 0:
        raise ValidationFailed(_("Enter the contract amount."))
    amount = amount.quantize(Decimal("0.01"))
    with db.write() as session:
        deal, company = _require_deal(session, actor, deal_id, for_update=True)
        won = _exit_stage(session, won=True)
        labels = _stage_labels(session)
        old_label = labels.get(deal.stage_code, deal.stage_code)
        previous_code = deal.stage_code
        order = ClientOrder(
            company_id=company.id,
            ordered_at=contract_date,
            amount=amount,
            deal_id=deal.id,
            items=clean_input(items, 2000),
            created_by_id=actor.id,
        )
        session.add(order)
        session.flush()
        manager = hand_over_to_account(session, actor, company, deal, account_manager_id)
        order.account_manager_id = manager.id
        deal.status = DealStatus.WON
        if won is not None:
            deal.stage_code = won.code
        deal.contract_date = contract_date
        deal.contract_amount = amount
        deal.closed_at = utcnow()
        _touch(deal)
        write_history(
            session,
            actor,
            company.id,
            InteractionKind.STAGE,
            outcome=deal.stage_code,
            text=f"{old_label} → {won.label if won else _('Won')}",
            deal_id=deal.id,
            params=params_json(t="stage", **{"from": previous_code, "to": won.code}) if won else "",
        )
        write_history(
            session,
            actor,
            company.id,
            InteractionKind.ORDER,
            outcome="first_order",
            text=_("Contract of {date}, amount {amount}").format(
                date=format_date(contract_date), amount=format_amount(amount)
            ),
            deal_id=deal.id,
            params=params_json(t="first_order", date=contract_date, amount=amount),
        )
        audit.record(
            session,
            actor,
            "deal_won",
            "deal",
            deal.id,
            company_id=company.id,
            order_id=order.id,
            amount=str(amount),
            account_manager_id=manager.id,
        )
        session.flush()
        return WonResult(deal.id, company.id, order.id, manager.id, manager.full_name or manager.username)


def lost_reasons(db: Database, actor: Actor) -> list[reference.ReasonInfo]:
    with db.read() as session:
        require_active_user(session, actor)
        require(actor, Capability.WORK_PIPELINE)
        return reference.reasons(session, "lost_deal")


def lose_deal(db: Database, actor: Actor, deal_id: int, reason_code: str, comment: str = "") -> DealInfo:
    """The deal is lost: reason and comment recorded; the company waits on the supervisor's lost list."""
    comment = clean_input(comment, 2000)
    with db.write() as session:
        deal, company = _require_deal(session, actor, deal_id, for_update=True)
        reasons = {r.code: r for r in reference.reasons(session, "lost_deal")}
        if reason_code not in reasons:
            raise ValidationFailed(_("Choose a reason."))
        lost = _exit_stage(session, won=False)
        labels = _stage_labels(session)
        old_label = labels.get(deal.stage_code, deal.stage_code)
        previous_code = deal.stage_code
        deal.status = DealStatus.LOST
        if lost is not None:
            deal.stage_code = lost.code
        deal.lost_reason = reason_code
        deal.lost_comment = comment
        deal.closed_at = utcnow()
        _touch(deal)
        previous_owner = company.owner_id
        company.owner_id = None  # stage stays pipeline: only the supervisor sees it now
        company.updated_at = utcnow()
        company.version += 1
        text = f"{old_label} → {lost.label if lost else _('Lost')}: {reasons[reason_code].label}"
        if comment:
            text += f"\n{comment}"
        facts = {"from": previous_code, "to": lost.code, "reason": reason_code, "comment": comment or None}
        write_history(
            session,
            actor,
            company.id,
            InteractionKind.STAGE,
            outcome=deal.stage_code,
            text=text,
            deal_id=deal.id,
            params=params_json(t="stage", **facts) if lost else "",
        )
        audit.record(
            session,
            actor,
            "deal_lost",
            "deal",
            deal.id,
            company_id=company.id,
            reason=reason_code,
            previous_owner_id=previous_owner,
        )
        session.flush()
        return _deal_info(session, deal)


# --- the supervisor -------------------------------------------------------------------------------------


def closers(db: Database, actor: Actor) -> list[UserChoice]:
    """Active closers with their number of open deals (filters and the reassign dialog)."""
    with db.read() as session:
        require_supervisor(session, actor)
        open_deals = (
            select(Deal.closer_id.label("closer_id"), func.count(Deal.id).label("n"))
            .where(Deal.status == DealStatus.OPEN)
            .group_by(Deal.closer_id)
            .subquery()
        )
        rows = session.execute(
            select(User.id, User.full_name, User.username, func.coalesce(open_deals.c.n, 0))
            .outerjoin(open_deals, open_deals.c.closer_id == User.id)
            .where(User.role == Role.CLOSER, User.disabled.is_(False))
            .order_by(User.full_name, User.username)
        ).all()
        return [UserChoice(uid, full or login, n) for uid, full, login, n in rows]


@audited_view("all_deals")
def all_deals(
    db: Database,
    actor: Actor,
    *,
    closer_id: int | None = None,
    stage_code: str | None = None,
    stale_only: bool = False,
    limit: int = 100,
    offset: int = 0,
    today: date | None = None,
) -> DealPage:
    """Every closer's open deals for the supervisor, stalest first, a page at a time."""
    today = today or clock.today(db)
    limit = max(1, min(limit, 500))
    with db.read() as session:
        require_supervisor(session, actor)
        stale_before, days = _stale_before(session, utcnow())
        labels = _stage_labels(session)
        closer = aliased(User)
        conditions = [Deal.status == DealStatus.OPEN]
        if closer_id is not None:
            conditions.append(Deal.closer_id == closer_id)
        if stage_code:
            conditions.append(Deal.stage_code == stage_code)
        if stale_only:
            conditions.append(Deal.last_activity_at < stale_before)
        total = session.execute(select(func.count(Deal.id)).where(*conditions)).scalar_one()
        rows = session.execute(
            select(Deal, Company.name, Company.city, closer.full_name, closer.username)
            .join(Company, Company.id == Deal.company_id)
            .outerjoin(closer, closer.id == Deal.closer_id)
            .where(*conditions)
            .order_by(Deal.last_activity_at, Deal.id)
            .offset(offset)
            .limit(limit)
        ).all()
        deals = tuple(
            _summary(deal, name, city, full or login or "", labels, today, stale_before)
            for deal, name, city, full, login in rows
        )
        return DealPage(deals=deals, total=total, offset=offset, stale_days=days, stages=tuple(open_stages(session)))


def _require_closer(session: Session, closer_id: int) -> User:
    closer = session.get(User, closer_id)
    if closer is None or closer.role != Role.CLOSER or closer.disabled:
        raise ValidationFailed(_("Choose an active first-sale manager."))
    return closer


def reassign_deal(db: Database, actor: Actor, deal_id: int, closer_id: int, comment: str = "") -> DealInfo:
    """The supervisor gives an open deal (and its company) to another closer."""
    comment = clean_input(comment, 2000)
    with db.write() as session:
        require_supervisor(session, actor)
        deal, company = _require_deal(session, actor, deal_id, for_update=True)
        closer = _require_closer(session, closer_id)
        if deal.closer_id == closer.id:
            raise ValidationFailed(_("The deal is already with this manager."))
        previous = deal.closer_id
        old_name = user_names(session, [previous]).get(previous, "—")
        deal.closer_id = closer.id
        company.owner_id = closer.id
        company.updated_at = utcnow()
        company.version += 1
        deal.updated_at = utcnow()
        deal.version += 1
        new_name = closer.full_name or closer.username
        text = _("Deal reassigned: {old} → {new}").format(old=old_name, new=new_name)
        if comment:
            text += f"\n{comment}"
        write_history(
            session,
            actor,
            company.id,
            InteractionKind.DECISION,
            outcome="reassigned",
            text=text,
            deal_id=deal.id,
            params=params_json(t="old_new", old=old_name, new=new_name, comment=comment or None),
        )
        audit.record(
            session,
            actor,
            "deal_reassigned",
            "deal",
            deal.id,
            company_id=company.id,
            old_closer_id=previous,
            new_closer_id=closer.id,
        )
        notify.after_commit(
            session, notify.Notice(kind="handover", what="reassigned", user_ids=(closer.id,), company_id=company.id)
        )
        if previous is not None:
            # The deal leaves the previous closer's board (and their card of it, if open).
            notify.after_commit(
                session, notify.Notice(kind="changed", what="board", user_ids=(previous,), company_id=company.id)
            )
        session.flush()
        return _deal_info(session, deal)


def comment_deal(db: Database, actor: Actor, deal_id: int, text: str) -> DealInfo:
    """The supervisor's comment: kept on the deal (shown on the closer's board and card) and in the history."""
    text = clean_input(text, 2000)
    if not text:
        raise ValidationFailed(_("Write the comment."))
    with db.write() as session:
        require_supervisor(session, actor)
        deal, company = _require_deal(session, actor, deal_id, for_update=True)
        deal.supervisor_comment = text
        deal.updated_at = utcnow()
        deal.version += 1
        write_history(
            session,
            actor,
            company.id,
            InteractionKind.DECISION,
            outcome="supervisor_comment",
            text=text,
            deal_id=deal.id,
        )
        audit.record(session, actor, "deal_commented", "deal", deal.id, company_id=company.id)
        session.flush()
        return _deal_info(session, deal)


def lost_deals(
    db: Database,
    actor: Actor,
    *,
    closer_id: int | None = None,
    reason_code: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[LostDealInfo]:
    """Companies whose last deal was lost and that nobody works on yet (the supervisor's lost list).

    Newest loss first.  A company leaves this list when `return_lost_deal` opens a new deal for it,
    or when it moves to another stage.
    """
    limit = max(1, min(limit, 500))
    with db.read() as session:
        require_supervisor(session, actor)
        newer = aliased(Deal)
        closer = aliased(User)
        conditions = [
            Deal.status == DealStatus.LOST,
            Company.stage == Stage.PIPELINE,
            Company.owner_id.is_(None),
            ~exists().where(and_(newer.company_id == Deal.company_id, newer.id > Deal.id)),
        ]
        if closer_id is not None:
            conditions.append(Deal.closer_id == closer_id)
        if reason_code:
            conditions.append(Deal.lost_reason == reason_code)
        rows = session.execute(
            select(Deal, Company.name, Company.city, closer.full_name, closer.username)
            .join(Company, Company.id == Deal.company_id)
            .outerjoin(closer, closer.id == Deal.closer_id)
            .where(*conditions)
            .order_by(Deal.closed_at.desc(), Deal.id.desc())
            .offset(offset)
            .limit(limit)
        ).all()
        reasons = {r.code: r.label for r in reference.reasons(session, "lost_deal")}
        return [
            LostDealInfo(
                deal_id=deal.id,
                company_id=deal.company_id,
                company_name=name,
                city=city,
                closer_id=deal.closer_id,
                closer_name=full or login or "",
                lost_reason=deal.lost_reason,
                lost_reason_label=reasons.get(deal.lost_reason, deal.lost_reason),
                lost_comment=deal.lost_comment,
                expected_amount=deal.expected_amount,
                closed_at=deal.closed_at,
            )
            for deal, name, city, full, login in rows
        ]


def return_lost_deal(db: Database, actor: Actor, deal_id: int, closer_id: int, comment: str = "") -> DealInfo:
    """The supervisor's return plan: a new deal at the first stage for a closer, from a lost one."""
    comment = clean_input(comment, 2000)
    with db.write() as session:
        require_supervisor(session, actor)
        lost, company = _require_deal(session, actor, deal_id, for_update=True, open_only=False)
        if lost.status != DealStatus.LOST or company.stage != Stage.PIPELINE or company.owner_id is not None:
            raise ValidationFailed(_("This deal is not waiting on the lost list."))
        closer = _require_closer(session, closer_id)
        deal = Deal(
            company_id=company.id,
            closer_id=closer.id,
            handed_over_by_id=actor.id,
            stage_code=first_stage_code(session),
            requirements=lost.requirements,
            expected_amount=lost.expected_amount,
            supervisor_comment=comment,
        )
        session.add(deal)
        company.owner_id = closer.id
        company.updated_at = utcnow()
        company.version += 1
        session.flush()
        name = closer.full_name or closer.username
        text = _("Returned from the lost list to {name}").format(name=name)
        if comment:
            text += f"\n{comment}"
        write_history(
            session,
            actor,
            company.id,
            InteractionKind.DECISION,
            outcome="returned",
            text=text,
            deal_id=deal.id,
            params=params_json(t="name", name=name, comment=comment or None),
        )
        audit.record(
            session,
            actor,
            "deal_returned",
            "deal",
            deal.id,
            company_id=company.id,
            lost_deal_id=lost.id,
            closer_id=closer.id,
        )
        notify.after_commit(
            session, notify.Notice(kind="handover", what="returned", user_ids=(closer.id,), company_id=company.id)
        )
        session.flush()
        return _deal_info(session, deal)
