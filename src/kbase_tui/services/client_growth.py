"""Growing each client (vertical development): the standard of a segment, white spots, cross-sell,
the figures of growth, the market's capacity, the census of the potential base, focus targets.

The arithmetic, all over "the year": the 365 days ending today (the call centre's date), and "the
year before": the 365 days before those.

- **The standard** of a segment (a sales channel or an industry) names the categories its ideal client
  buys, an order every `interval_days` and an `average_order`.  A client follows its industry's
  standard if there is one, else its channel's (names compared folded, as in search).
- **Expected orders** of a category: the days of the year since the client's first order (all 365 for
  an older client), divided by the interval, rounded down, at least 1.  A category is a **white spot**
  when the client's orders with it in the year are fewer: *missing* with none, *rare* with some.
- **The gap** of a white spot: (expected − bought) × average order ÷ number of categories of the
  standard × potential ÷ 100, to the kopeck.  A category's share of an ideal order, for each purchase
  that did not happen, weighted by the client's potential (0-100: a client with no potential set
  weighs nothing, and says so on the card).
- **Growth figures**: orders, average order and breadth (categories bought) this year and the year
  before.
- **Capacity** of a segment: (active + potential clients) × the average check of the segment's orders
  in the year; covered: active × the average check; the share covered: active ÷ (active + potential).
- **The census**: potential clients with nothing in their history for a year (or ever).
- **Focus targets**: a category to a segment (or to every client) over a period, for every account
  manager or one, counted as the amount of order lines of that category, or the number of clients
  who bought it, in the orders credited to the manager (`client_order.account_manager_id`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import case, delete, distinct, exists, func, select
from sqlalchemy.orm import Session

from kbase_tui.i18n import _
from kbase_tui.models import (
    Category,
    ClientOrder,
    ClientStandard,
    Company,
    FocusTarget,
    FollowUpTask,
    Interaction,
    OrderLine,
    ProductCategory,
    Role,
    Stage,
    StandardCategory,
    TaskKind,
    User,
    utcnow,
)
from kbase_tui.protocol.accounts import TaskInfo
from kbase_tui.protocol.growth import (
    CapacityRow,
    CensusPage,
    CensusRow,
    ClientGrowth,
    FocusProgress,
    FocusTargetInfo,
    GrowthFigures,
    GrowthPage,
    GrowthRow,
    PortfolioGap,
    PortfolioPage,
    StandardInfo,
    WhiteSpot,
)

from . import audit, clock, notify
from .catalog import money, require_editor, require_reader
from .db import Database
from .dto import Actor
from .errors import AccessDenied, NotFound, ValidationFailed
from .policy import Capability, may, owned_by, owns, require, require_active_user, require_company
from .text import clean_input, fold
from .views import audited_view

YEAR = 365
SEGMENT_KINDS = ("channel", "industry")
METRICS = ("amount", "clients")
MAX_INTERVAL = 3650
CENT = Decimal("0.01")


def _year(today: date) -> tuple[date, date]:
    """The first day of the year to *today* and of the year before it."""
    start = today - timedelta(days=YEAR - 1)
    return start, start - timedelta(days=YEAR)


# --- the standards ----------------------------------------------------------------------------


def _standard_infos(session: Session) -> list[StandardInfo]:
    standards = (
        session.execute(select(ClientStandard).order_by(ClientStandard.segment_kind, ClientStandard.segment))
        .scalars()
        .all()
    )
    links = session.execute(
        select(StandardCategory.standard_id, ProductCategory.id, ProductCategory.name)
        .join(ProductCategory, ProductCategory.id == StandardCategory.category_id)
        .order_by(ProductCategory.name_search)
    ).all()
    by_standard: dict[int, list[tuple[int, str]]] = {}
    for standard_id, category_id, name in links:
        by_standard.setdefault(standard_id, []).append((category_id, name))
    return [
        StandardInfo(
            s.id,
            s.segment_kind,
            s.segment,
            s.interval_days,
            Decimal(s.average_order),
            s.note,
            tuple(c for c, _n in by_standard.get(s.id, ())),
            tuple(n for _c, n in by_standard.get(s.id, ())),
        )
        for s in standards
    ]


def standards(db: Database, actor: Actor) -> list[StandardInfo]:
    with db.read() as session:
        require_reader(session, actor)
        return _standard_infos(session)


def save_standard(
    db: Database,
    actor: Actor,
    segment_kind: str,
    segment: str,
    interval_days: int,
    average_order: Decimal,
    category_ids: list[int],
    *,
    note: str = "",
    standard_id: int | None = None,
) -> StandardInfo:
    if segment_kind not in SEGMENT_KINDS:
        raise ValidationFailed(_("Choose a channel or an industry."))
    segment = clean_input(segment, 120).strip()
    if not segment:
        raise ValidationFailed(_("Choose the segment."))
    if not isinstance(interval_days, int) or not 1 <= interval_days <= MAX_INTERVAL:
        raise ValidationFailed(_("The purchase frequency is a number of days from 1 to {n}.").format(n=MAX_INTERVAL))
    average_order = money(average_order, _("Enter the average order."))
    if average_order <= 0:
        raise ValidationFailed(_("Enter the average order."))
    ids = sorted(set(category_ids or ()))
    if not ids:
        raise ValidationFailed(_("Choose the categories the ideal client buys."))
    note = clean_input(note, 2000)
    with db.write() as session:
        require_editor(session, actor)
        found = session.execute(select(ProductCategory.id).where(ProductCategory.id.in_(ids))).scalars().all()
        if len(found) != len(ids):
            raise ValidationFailed(_("A category of the standard is no longer in the catalog."))
        same = session.execute(
            select(ClientStandard).where(ClientStandard.segment_kind == segment_kind, ClientStandard.segment == segment)
        ).scalar_one_or_none()
        if standard_id is None:
            if same is not None:
                raise ValidationFailed(_("This segment already has a standard: change that one."))
            standard = ClientStandard(segment_kind=segment_kind, segment=segment, average_order=average_order)
            session.add(standard)
        else:
            stored = session.get(ClientStandard, standard_id)
            if stored is None:
                raise NotFound()
            standard = stored
            if same is not None and same.id != standard.id:
                raise ValidationFailed(_("This segment already has a standard: change that one."))
            standard.version += 1
        standard.segment_kind, standard.segment = segment_kind, segment
        standard.interval_days, standard.average_order, standard.note = interval_days, average_order, note
        standard.updated_by_id, standard.updated_at = actor.id, utcnow()
        session.flush()
        session.execute(delete(StandardCategory).where(StandardCategory.standard_id == standard.id))
        session.add_all(StandardCategory(standard_id=standard.id, category_id=c) for c in ids)
        session.flush()
        audit.record(
            session,
            actor,
            "standard_saved",
            "client_standard",
            standard.id,
            segment_kind=segment_kind,
            segment=segment,
            interval_days=interval_days,
            average_order=str(average_order),
            categories=ids,
        )
        return next(s for s in _standard_infos(session) if s.id == standard.id)


def delete_standard(db: Database, actor: Actor, standard_id: int) -> None:
    with db.write() as session:
        require_editor(session, actor)
        standard = session.get(ClientStandard, standard_id)
        if standard is None:
            raise NotFound()
        session.execute(delete(StandardCategory).where(StandardCategory.standard_id == standard.id))
        session.delete(standard)
        audit.record(
            session,
            actor,
            "standard_deleted",
            "client_standard",
            standard_id,
            segment_kind=standard.segment_kind,
            segment=standard.segment,
        )


def segments(db: Database, actor: Actor, segment_kind: str) -> list[str]:
    if segment_kind not in SEGMENT_KINDS:
        raise ValidationFailed(_("Choose a channel or an industry."))
    column = Company.channel if segment_kind == "channel" else Company.industry
    with db.read() as session:
        require_reader(session, actor)
        values = session.execute(select(column).where(column != "").distinct()).scalars().all()
        return sorted(values, key=fold)


class _Standards:
    """The standards, found for a company by its industry, else its channel."""

    def __init__(self, session: Session) -> None:
        self.by_key = {(s.segment_kind, fold(s.segment)): s for s in _standard_infos(session)}

    def of(self, industry: str, channel: str) -> StandardInfo | None:
        return self.by_key.get(("industry", fold(industry or ""))) or self.by_key.get(("channel", fold(channel or "")))


# --- the arithmetic ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Bought:
    orders: int
    last: date | None


def expected_orders(standard: StandardInfo, first_order_at: date | None, today: date) -> int:
    start, _before = _year(today)
    since = max(start, first_order_at) if first_order_at else start
    days = (today - since).days + 1
    return max(1, days // standard.interval_days)


def white_spots(
    standard: StandardInfo, bought: dict[int, _Bought], first_order_at: date | None, today: date, potential: int
) -> list[WhiteSpot]:
    """The standard's categories the client buys less often than expected, the largest gap first."""
    expected = expected_orders(standard, first_order_at, today)
    share = standard.average_order / len(standard.category_ids) if standard.category_ids else Decimal(0)
    spots = []
    for category_id, name in zip(standard.category_ids, standard.category_names, strict=True):
        got = bought.get(category_id, _Bought(0, None))
        if got.orders >= expected:
            continue
        gap = ((expected - got.orders) * share * potential / 100).quantize(CENT)
        status = "missing" if got.orders == 0 else "rare"
        spots.append(WhiteSpot(category_id, name, status, got.orders, expected, got.last, gap))
    spots.sort(key=lambda s: (-s.gap, s.status != "missing", fold(s.category_name)))
    return spots


def _bought(session: Session, company_ids, since: date, today: date) -> dict[int, dict[int, _Bought]]:
    """Per company and category: orders with a line of it from *since* to *today*, and the last date."""
    rows = session.execute(
        select(
            OrderLine.company_id,
            OrderLine.category_id,
            func.count(distinct(OrderLine.order_id)),
            func.max(OrderLine.ordered_at),
        )
        .where(
            OrderLine.company_id.in_(company_ids),
            OrderLine.category_id.is_not(None),
            OrderLine.ordered_at >= since,
            OrderLine.ordered_at <= today,
        )
        .group_by(OrderLine.company_id, OrderLine.category_id)
    ).all()
    result: dict[int, dict[int, _Bought]] = {}
    for company_id, category_id, orders, last in rows:
        result.setdefault(company_id, {})[category_id] = _Bought(orders, last)
    return result


def _figures(session: Session, company_ids: list[int], today: date) -> dict[int, GrowthFigures]:
    start, before = _year(today)
    now = ClientOrder.ordered_at >= start
    orders = session.execute(
        select(
            ClientOrder.company_id,
            func.sum(case((now, 1), else_=0)),
            func.sum(case((now, ClientOrder.amount), else_=0)),
            func.sum(case((now, 0), else_=1)),
            func.sum(case((now, 0), else_=ClientOrder.amount)),
        )
        .where(
            ClientOrder.company_id.in_(company_ids), ClientOrder.ordered_at >= before, ClientOrder.ordered_at <= today
        )
        .group_by(ClientOrder.company_id)
    ).all()
    line_now = OrderLine.ordered_at >= start
    breadth = session.execute(
        select(
            OrderLine.company_id,
            func.count(distinct(case((line_now, OrderLine.category_id)))),
            func.count(distinct(case((~line_now, OrderLine.category_id)))),
        )
        .where(
            OrderLine.company_id.in_(company_ids),
            OrderLine.category_id.is_not(None),
            OrderLine.ordered_at >= before,
            OrderLine.ordered_at <= today,
        )
        .group_by(OrderLine.company_id)
    ).all()
    counts = {c: (int(n or 0), Decimal(s or 0), int(m or 0), Decimal(t or 0)) for c, n, s, m, t in orders}
    kinds = {c: (now_n, before_n) for c, now_n, before_n in breadth}

    def average(n: int, total: Decimal) -> Decimal | None:
        return (total / n).quantize(CENT) if n else None

    result = {}
    for c in company_ids:
        n, total, m, total_before = counts.get(c, (0, Decimal(0), 0, Decimal(0)))
        now_n, before_n = kinds.get(c, (0, 0))
        result[c] = GrowthFigures(n, m, average(n, total), average(m, total_before), now_n, before_n)
    return result


def _require_growth_reader(session: Session, actor: Actor, company_id: int) -> Company:
    require_active_user(session, actor)
    require(actor, Capability.WORK_ACCOUNTS)
    company = require_company(session, actor, company_id)
    if company.stage != Stage.ACCOUNT:
        raise ValidationFailed(_("This client is not with the account managers."))
    return company


def client_growth(db: Database, actor: Actor, company_id: int, *, today: date | None = None) -> ClientGrowth:
    with db.read() as session:
        company = _require_growth_reader(session, actor, company_id)
        today = today or clock.today(session)
        standard = _Standards(session).of(company.industry, company.channel)
        spots: list[WhiteSpot] = []
        if standard is not None:
            start, _before = _year(today)
            bought = _bought(session, [company_id], start, today).get(company_id, {})
            spots = white_spots(standard, bought, company.first_order_at, today, company.potential_score)
        figures = _figures(session, [company_id], today)[company_id]
        return ClientGrowth(company.id, today, standard, tuple(spots), figures, company.potential_score)


def _portfolio(session: Session, actor: Actor, manager_id: int | None):
    """The account-stage companies of the portfolio asked for, as the actor may see it."""
    require_active_user(session, actor)
    require(actor, Capability.WORK_ACCOUNTS)
    query = select(Company).where(
        Company.stage == Stage.ACCOUNT,
        Company.category.in_((Category.ACTIVE, Category.LOST)),
        Company.merged_into_id.is_(None),
    )
    if may(actor, Capability.SUPERVISE):
        if manager_id is not None:
            query = query.where(Company.owner_id == manager_id)
    else:
        if not (manager_id is None or owns(actor, manager_id)):
            raise AccessDenied()
        query = query.where(owned_by(actor, Company.owner_id))
    return session.execute(query).scalars().all()


def _names(session: Session, ids) -> dict[int, str]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return {
        i: full or login
        for i, full, login in session.execute(select(User.id, User.full_name, User.username).where(User.id.in_(ids)))
    }


@audited_view("white_spots")
def portfolio_gaps(
    db: Database,
    actor: Actor,
    *,
    manager_id: int | None = None,
    offset: int = 0,
    limit: int = 100,
    today: date | None = None,
) -> PortfolioPage:
    limit = max(1, min(limit, 500))
    offset = max(0, offset)
    with db.read() as session:
        companies = _portfolio(session, actor, manager_id)
        today = today or clock.today(session)
        found = _Standards(session)
        start, _before = _year(today)
        ids = [c.id for c in companies]
        bought = {}
        for i in range(0, len(ids), 1000):
            bought.update(_bought(session, ids[i : i + 1000], start, today))
        names = _names(session, (c.owner_id for c in companies))
        gaps = []
        for company in companies:
            standard = found.of(company.industry, company.channel)
            if standard is None:
                continue
            for spot in white_spots(
                standard, bought.get(company.id, {}), company.first_order_at, today, company.potential_score
            ):
                gaps.append(
                    PortfolioGap(
                        company.id,
                        company.name,
                        company.owner_id,
                        names.get(company.owner_id, ""),
                        company.potential_score,
                        standard.segment,
                        spot.category_id,
                        spot.category_name,
                        spot.status,
                        spot.bought,
                        spot.expected,
                        spot.gap,
                    )
                )
        gaps.sort(key=lambda g: (-g.gap, fold(g.company_name), g.company_id, fold(g.category_name)))
        total_gap = sum((g.gap for g in gaps), Decimal(0))
        return PortfolioPage(tuple(gaps[offset : offset + limit]), len(gaps), offset, total_gap)


def cross_sell_text(segment: str, interval_days: int) -> str:
    return _(
        "offer it: clients like this one ({segment}) buy it every {n} days. Ask what they use now and who supplies "
        "it; offer a trial order."
    ).format(segment=segment, n=interval_days)


def cross_sell(db: Database, actor: Actor, company_id: int, category_id: int, *, today: date | None = None) -> TaskInfo:
    """An open cross-sell task for the client's account manager (one per client and category)."""
    with db.write() as session:
        company = _require_growth_reader(session, actor, company_id)
        today = today or clock.today(session)
        category = session.get(ProductCategory, category_id)
        if category is None:
            raise ValidationFailed(_("A category of the standard is no longer in the catalog."))
        standard = _Standards(session).of(company.industry, company.channel)
        if standard is None or category_id not in standard.category_ids:
            raise ValidationFailed(_("This category is not in the standard of the client's segment."))
        prefix = category.name + ": "
        open_tasks = session.execute(
            select(FollowUpTask).where(
                FollowUpTask.company_id == company.id,
                FollowUpTask.kind == TaskKind.CROSS_SELL,
                FollowUpTask.done_at.is_(None),
            )
        ).scalars()
        task = next((t for t in open_tasks if t.text.startswith(prefix)), None)
        if task is None:
            task = FollowUpTask(
                company_id=company.id,
                assignee_id=company.owner_id,
                kind=TaskKind.CROSS_SELL,
                due_at=clock.at_hour(session, today, 9),
                text=prefix + cross_sell_text(standard.segment, standard.interval_days),
                created_by_id=actor.id,
            )
            session.add(task)
            session.flush()
            audit.record(
                session,
                actor,
                "cross_sell_task",
                "follow_up_task",
                task.id,
                company_id=company.id,
                category_id=category_id,
            )
            if company.owner_id is not None and not owns(actor, company.owner_id):
                notify.after_commit(
                    session,
                    notify.Notice(kind="changed", user_ids=(company.owner_id,), what="accounts", company_id=company.id),
                )
        return TaskInfo(
            task.id, company.id, company.name, task.kind, task.due_at, task.text, None, None, None, task.done_at
        )


@audited_view("growth_report")
def growth_report(
    db: Database,
    actor: Actor,
    *,
    manager_id: int | None = None,
    offset: int = 0,
    limit: int = 100,
    today: date | None = None,
) -> GrowthPage:
    limit = max(1, min(limit, 500))
    offset = max(0, offset)
    with db.read() as session:
        require_active_user(session, actor)
        require(actor, Capability.SUPERVISE)
        companies = sorted(_portfolio(session, actor, manager_id), key=lambda c: (-Decimal(c.revenue_total or 0), c.id))
        today = today or clock.today(session)
        page = companies[offset : offset + limit]
        ids = [c.id for c in page]
        figures = _figures(session, ids, today) if ids else {}
        start, _before = _year(today)
        bought = _bought(session, ids, start, today) if ids else {}
        found = _Standards(session)
        names = _names(session, (c.owner_id for c in page))
        rows = []
        for company in page:
            standard = found.of(company.industry, company.channel)
            spots = (
                white_spots(
                    standard, bought.get(company.id, {}), company.first_order_at, today, company.potential_score
                )
                if standard
                else []
            )
            rows.append(
                GrowthRow(company.id, company.name, names.get(company.owner_id, ""), figures[company.id], len(spots))
            )
        return GrowthPage(tuple(rows), len(companies), offset)


# --- the market -------------------------------------------------------------------------------


@audited_view("capacity")
def capacity(db: Database, actor: Actor, segment_kind: str, *, today: date | None = None) -> list[CapacityRow]:
    if segment_kind not in SEGMENT_KINDS:
        raise ValidationFailed(_("Choose a channel or an industry."))
    column = Company.channel if segment_kind == "channel" else Company.industry
    with db.read() as session:
        require_active_user(session, actor)
        require(actor, Capability.REPORTS)
        today = today or clock.today(session)
        start, _before = _year(today)
        clients = session.execute(
            select(column, Company.category, func.count())
            .where(Company.merged_into_id.is_(None), Company.category.in_((Category.ACTIVE, Category.POTENTIAL)))
            .group_by(column, Company.category)
        ).all()
        orders = session.execute(
            select(column, func.count(), func.sum(ClientOrder.amount))
            .join(Company, Company.id == ClientOrder.company_id)
            .where(ClientOrder.ordered_at >= start, ClientOrder.ordered_at <= today, Company.merged_into_id.is_(None))
            .group_by(column)
        ).all()
        counts: dict[str, dict[str, int]] = {}
        for segment, category, n in clients:
            counts.setdefault(segment or "", {})[category] = n
        checks = {segment or "": (n, Decimal(total or 0)) for segment, n, total in orders}
        rows = []
        for segment in sorted(set(counts) | set(checks), key=lambda s: (s == "", fold(s))):
            active = counts.get(segment, {}).get(Category.ACTIVE, 0)
            potential = counts.get(segment, {}).get(Category.POTENTIAL, 0)
            n, total = checks.get(segment, (0, Decimal(0)))
            check = (total / n).quantize(CENT) if n else None
            rows.append(
                CapacityRow(
                    segment,
                    active,
                    potential,
                    n,
                    check,
                    (check * (active + potential)).quantize(CENT) if check is not None else None,
                    (check * active).quantize(CENT) if check is not None else None,
                    active / (active + potential) if active + potential else None,
                )
            )
        rows.sort(key=lambda r: (r.capacity is None, -(r.capacity or 0), fold(r.segment)))
        return rows


@audited_view("census")
def census(db: Database, actor: Actor, *, offset: int = 0, limit: int = 100, today: date | None = None) -> CensusPage:
    limit = max(1, min(limit, 500))
    offset = max(0, offset)
    with db.read() as session:
        require_active_user(session, actor)
        require(actor, Capability.REPORTS)
        require(actor, Capability.LIST_CLIENTS)
        today = today or clock.today(session)
        since = today - timedelta(days=YEAR - 1)
        cutoff = clock.day_start(session, since)
        recent = exists().where(Interaction.company_id == Company.id, Interaction.at >= cutoff)
        where = (Company.category == Category.POTENTIAL, Company.merged_into_id.is_(None), ~recent)
        total = session.execute(select(func.count()).select_from(Company).where(*where)).scalar_one()
        last = (
            select(func.max(Interaction.at))
            .where(Interaction.company_id == Company.id)
            .correlate(Company)
            .scalar_subquery()
        )
        rows = session.execute(
            select(Company.id, Company.name, Company.city, Company.channel, Company.industry, last.label("last"))
            .where(*where)
            .order_by(last.is_not(None), last, Company.name_search, Company.id)
            .offset(offset)
            .limit(limit)
        ).all()
        return CensusPage(tuple(CensusRow(*row) for row in rows), total, offset, since)


# --- focus targets ----------------------------------------------------------------------------


def _target_infos(session: Session, query) -> list[FocusTargetInfo]:
    rows = session.execute(
        query.add_columns(ProductCategory.name).join(ProductCategory, ProductCategory.id == FocusTarget.category_id)
    ).all()
    names = _names(session, (t.manager_id for t, _n in rows))
    return [
        FocusTargetInfo(
            t.id,
            t.starts_on,
            t.ends_on,
            t.category_id,
            name,
            t.segment_kind,
            t.segment,
            t.manager_id,
            names.get(t.manager_id, ""),
            t.metric,
            Decimal(t.value),
        )
        for t, name in rows
    ]


def focus_targets(
    db: Database, actor: Actor, *, include_past: bool = False, today: date | None = None
) -> list[FocusTargetInfo]:
    with db.read() as session:
        require_editor(session, actor)
        today = today or clock.today(session)
        query = select(FocusTarget).order_by(FocusTarget.starts_on.desc(), FocusTarget.id)
        if not include_past:
            query = query.where(FocusTarget.ends_on >= today)
        return _target_infos(session, query)


def save_focus_target(
    db: Database,
    actor: Actor,
    starts_on: date,
    ends_on: date,
    category_id: int,
    metric: str,
    value: Decimal,
    *,
    segment_kind: str = "",
    segment: str = "",
    manager_id: int | None = None,
) -> FocusTargetInfo:
    if not isinstance(starts_on, date) or not isinstance(ends_on, date) or ends_on < starts_on:
        raise ValidationFailed(_("The period ends before it starts."))
    if (ends_on - starts_on).days > 366:
        raise ValidationFailed(_("A focus target lasts a year at most (the texts advise one to three months)."))
    if metric not in METRICS:
        raise ValidationFailed(_("Choose what is counted: the amount or the number of clients."))
    value = money(value, _("Enter the target."))
    if value <= 0:
        raise ValidationFailed(_("Enter the target."))
    segment = clean_input(segment, 120).strip()
    if segment_kind not in ("", *SEGMENT_KINDS) or bool(segment_kind) != bool(segment):
        raise ValidationFailed(_("Choose a channel or an industry."))
    with db.write() as session:
        require_editor(session, actor)
        if session.get(ProductCategory, category_id) is None:
            raise ValidationFailed(_("Choose a category."))
        if manager_id is not None:
            role = session.execute(select(User.role).where(User.id == manager_id)).scalar_one_or_none()
            if role != Role.ACCOUNT:
                raise ValidationFailed(_("Choose an account manager."))
        target = FocusTarget(
            starts_on=starts_on,
            ends_on=ends_on,
            category_id=category_id,
            segment_kind=segment_kind,
            segment=segment,
            manager_id=manager_id,
            metric=metric,
            value=value,
            created_by_id=actor.id,
        )
        session.add(target)
        session.flush()
        audit.record(
            session,
            actor,
            "focus_target_set",
            "focus_target",
            target.id,
            category_id=category_id,
            segment_kind=segment_kind,
            segment=segment,
            manager_id=manager_id,
            metric=metric,
            value=str(value),
            starts_on=starts_on.isoformat(),
            ends_on=ends_on.isoformat(),
        )
        notify.after_commit(session, notify.Notice(kind="changed", roles=(Role.ACCOUNT.value,), what="focus"))
        return _target_infos(session, select(FocusTarget).where(FocusTarget.id == target.id))[0]


def delete_focus_target(db: Database, actor: Actor, target_id: int) -> None:
    with db.write() as session:
        require_editor(session, actor)
        target = session.get(FocusTarget, target_id)
        if target is None:
            raise NotFound()
        session.delete(target)
        audit.record(session, actor, "focus_target_removed", "focus_target", target_id)
        notify.after_commit(session, notify.Notice(kind="changed", roles=(Role.ACCOUNT.value,), what="focus"))


def _done(session: Session, target: FocusTargetInfo, manager_id: int) -> Decimal:
    where = [
        OrderLine.category_id == target.category_id,
        OrderLine.ordered_at >= target.starts_on,
        OrderLine.ordered_at <= target.ends_on,
        ClientOrder.account_manager_id == manager_id,
    ]
    query = select(
        func.coalesce(func.sum(OrderLine.amount), 0)
        if target.metric == "amount"
        else func.count(distinct(OrderLine.company_id))
    ).join(ClientOrder, ClientOrder.id == OrderLine.order_id)
    if target.segment_kind:
        column = Company.channel if target.segment_kind == "channel" else Company.industry
        query = query.join(Company, Company.id == OrderLine.company_id)
        where.append(column == target.segment)
    return Decimal(session.execute(query.where(*where)).scalar_one() or 0)


def focus_progress(
    db: Database, actor: Actor, *, manager_id: int | None = None, today: date | None = None
) -> list[FocusProgress]:
    with db.read() as session:
        require_active_user(session, actor)
        require(actor, Capability.WORK_ACCOUNTS)
        today = today or clock.today(session)
        if may(actor, Capability.SUPERVISE):
            query = select(User.id, User.full_name, User.username).where(
                User.role == Role.ACCOUNT, User.disabled.is_(False)
            )
            if manager_id is not None:
                query = query.where(User.id == manager_id)
            managers = [
                (i, full or login) for i, full, login in session.execute(query.order_by(User.full_name, User.id))
            ]
        else:
            if not (manager_id is None or owns(actor, manager_id)):
                raise AccessDenied()
            full = session.execute(select(User.full_name, User.username).where(User.id == actor.id)).one()
            managers = [(actor.id, full[0] or full[1])]
        targets = _target_infos(
            session,
            select(FocusTarget)
            .where(FocusTarget.starts_on <= today, FocusTarget.ends_on >= today)
            .order_by(FocusTarget.ends_on, FocusTarget.id),
        )
        return [
            FocusProgress(target, mid, name, _done(session, target, mid))
            for mid, name in managers
            for target in targets
            if target.manager_id in (None, mid)
        ]
