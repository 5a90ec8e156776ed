"""Account managers' work: repeat sales from active clients, and lost clients brought back.

A company reaches the account stage through `pipeline.hand_over_to_account` (stage account,
category active, owner = the account manager).  From then on:

- `follow_up_list` is the account manager's own clients, due follow-ups first, then by the next
  planned purchase (the date the client named, else predicted from the average interval between
  orders), paged from the database.  It never aggregates: the figures on Company
  (orders_count, revenue_total, margin_total, first/last_order_at, next_purchase_at,
  next_purchase_is_stated, next_follow_up_at) are kept here on every order and call.
- `record_order` adds an order, updates those figures, brings a lost client back to active,
  creates a quality-check task (kind quality_check) for the account manager and recomputes the
  ABCDE classes of the channel and the key clients (`services.classify`).
- `record_follow_up` is the scripted call (`follow_up_script`): result, the purchase date the
  client named, the next follow-up date and notes, all into the company's history.
- `record_quality_check` closes a quality task with a score 1-5 and a comment;
  `quality_summary` rolls the scores up per manager and period for the supervisor.
- A client with no order for `accounts.lost_interval_multiple` times its usual interval between
  orders (the default interval for a client with one order) becomes lost with a return task
  (kind return): `check_lost`, run when the list loads and by `kbase classify`.  A client who
  named a future purchase date is not moved.  `mark_lost` does the same by hand with a reason.
- The supervisor: `managers`, `all_accounts`, `reassign_account` (the whole history stays with
  the company; the new manager and the previous one are notified after the commit, services.notify),
  `lost_accounts` (reasons and return-plan progress).

Access: account managers only their own account-stage companies (policy.require_company), the
supervisor all of them; every function checks that first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation

from sqlalchemy import Date, Float, and_, case, cast, func, literal, or_, select, update
from sqlalchemy.orm import Session, aliased

from kbase_tui import timezones
from kbase_tui.i18n import _, current_language
from kbase_tui.protocol.accounts import (  # noqa: F401 (the data this module hands out)
    AccountCard,
    AccountFigures,
    AccountPage,
    AccountRow,
    LostAccount,
    LostPage,
    ManagerLoad,
    OrderInfo,
    OrderResult,
    QualitySummary,
    ReassignResult,
    ScriptInfo,
    TaskInfo,
    follow_up_results,
)
from kbase_tui.models import (
    CallScript,
    Category,
    ClientOrder,
    Company,
    Contact,
    FollowUpTask,
    Interaction,
    InteractionKind,
    Role,
    Stage,
    TaskKind,
    User,
    utcnow,
)

from . import audit, catalog, classify, clock, notify, reference
from .clients import HistoryEntry, company_info, contacts_of, history_page, record_card_view, write_history
from .db import Database
from .dto import Actor
from .errors import AccessDenied, NotFound, ValidationFailed
from .policy import Capability, company_visibility, require, require_active_user, require_company
from .text import clean_input
from .views import audited_view

LISTED_CATEGORIES = (Category.ACTIVE, Category.LOST)
HOLIDAYS = ((2, 23), (3, 8), (1, 1))  # 23 February, 8 March, New Year
MARK_DAYS = 7
MAX_AMOUNT = Decimal("1e14")
LOST_PREFIX = "lost:"


def holiday_name(month: int, day: int) -> str:
    return {(2, 23): _("23 February"), (3, 8): _("8 March"), (1, 1): _("New Year")}[(month, day)]


@dataclass(frozen=True)
class ClassifyReport:
    moved_to_lost: int
    counts: classify.ClassifyCounts = field(default_factory=lambda: classify.ClassifyCounts(0, 0, 0, 0, 0))


# --- small helpers ------------------------------------------------------------------------


def _today(source, today: date | None) -> date:
    """*today* if given, else the call centre's date (never the server's clock zone)."""
    return today or clock.today(source)


def local_day_start(day: date, source=None) -> datetime:
    """The call centre's midnight at the start of *day*, as UTC (*source*: a session or the database;
    None: the default call centre zone)."""
    return (
        clock.day_start(source, day) if source is not None else timezones.typed(day, time(0), timezones.centre_zone())
    )


def local_at(day: date, hour: int = 9, source=None) -> datetime:
    """*hour* o'clock of *day* at the call centre, as UTC."""
    return (
        clock.at_hour(source, day, hour)
        if source is not None
        else timezones.typed(day, time(hour), timezones.centre_zone())
    )


def days_until(month: int, day: int, today: date) -> int:
    """Days from *today* to the next (month, day), 0 when it is today; 29 Feb falls on 28 Feb."""
    for year in (today.year, today.year + 1):
        try:
            when = date(year, month, day)
        except ValueError:
            when = date(year, month, 28)
        if when >= today:
            return (when - today).days
    raise AssertionError("unreachable")


def upcoming_holiday(today: date) -> tuple[str, int] | None:
    best = None
    for month, day in HOLIDAYS:
        n = days_until(month, day, today)
        if n <= MARK_DAYS and (best is None or n < best[1]):
            best = (holiday_name(month, day), n)
    return best


def _in_days(n: int) -> str:
    return _("today") if n == 0 else _("in {n} d.").format(n=n)


def _user_names(session: Session, ids) -> dict[int, str]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    rows = session.execute(select(User.id, User.full_name, User.username).where(User.id.in_(ids))).all()
    return {uid: full or login for uid, full, login in rows}


def _days(session: Session, later, earlier):
    """Days between two date expressions, as a number, on SQLite and PostgreSQL."""
    if session.get_bind().dialect.name == "sqlite":
        return func.julianday(later) - func.julianday(earlier)
    return cast(later - earlier, Float)


def usual_interval(company: Company) -> int | None:
    """The average interval between the company's orders, in days (None below two orders)."""
    if company.orders_count >= 2 and company.first_order_at and company.last_order_at:
        span = (company.last_order_at - company.first_order_at).days
        if span > 0:
            return max(1, round(span / (company.orders_count - 1)))
    return None


def _require_account(session: Session, actor: Actor, company_id: int, *, for_update: bool = False) -> Company:
    """The company, if the actor works on accounts and may see it; it must be at the account stage."""
    require_active_user(session, actor)
    require(actor, Capability.WORK_ACCOUNTS)
    company = require_company(session, actor, company_id, for_update=for_update)
    if company.stage != Stage.ACCOUNT:
        raise ValidationFailed(_("This client is not with the account managers."))
    return company


def _require_supervisor(session: Session, actor: Actor) -> None:
    require_active_user(session, actor)
    require(actor, Capability.SUPERVISE)


def _figures(session: Session, company: Company) -> AccountFigures:
    names = _user_names(session, [company.owner_id])
    return AccountFigures(
        company_id=company.id,
        category=company.category,
        abcde_class=company.abcde_class,
        is_key_client=company.is_key_client,
        potential_score=company.potential_score,
        orders_count=company.orders_count,
        revenue_total=Decimal(company.revenue_total or 0),
        margin_total=company.margin_total,
        first_order_at=company.first_order_at,
        last_order_at=company.last_order_at,
        next_purchase_at=company.next_purchase_at,
        next_purchase_is_stated=company.next_purchase_is_stated,
        next_follow_up_at=company.next_follow_up_at,
        usual_interval_days=usual_interval(company),
        requirements=company.requirements,
        owner_id=company.owner_id,
        owner_name=names.get(company.owner_id, ""),
    )


def _touch(company: Company) -> None:
    company.updated_at = utcnow()
    company.version += 1


def _show(day: date | None) -> str:
    return day.strftime("%d.%m.%Y") if day else "—"


# --- the follow-up list -------------------------------------------------------------------


def _due_clause(tomorrow_start: datetime):
    return and_(Company.next_follow_up_at.is_not(None), Company.next_follow_up_at < tomorrow_start)


def _marks(session: Session, company_ids: list[int], today: date) -> dict[int, tuple[str, str]]:
    """Birthdays of contact persons within a week, per company: (kind, text)."""
    if not company_ids:
        return {}
    rows = session.execute(
        select(Contact.company_id, Contact.full_name, Contact.birthday)
        .where(Contact.company_id.in_(company_ids), Contact.birthday.is_not(None))
        .order_by(Contact.id)
    ).all()
    found: dict[int, tuple[int, str]] = {}
    for company_id, name, birthday in rows:
        n = days_until(birthday.month, birthday.day, today)
        if n <= MARK_DAYS and (company_id not in found or n < found[company_id][0]):
            text = _("Birthday: {name}, {date} ({when})").format(
                name=name, date=birthday.strftime("%d.%m"), when=_in_days(n)
            )
            found[company_id] = (n, text)
    return {cid: ("birthday", text) for cid, (_n, text) in found.items()}


def _rows(
    session: Session, companies, today: date, tomorrow_start: datetime, *, with_owner: bool = False
) -> tuple[AccountRow, ...]:
    companies = list(companies)
    marks = _marks(session, [c.id for c in companies], today)
    holiday = upcoming_holiday(today)
    holiday_mark = (
        ("holiday", _("Holiday: {name} ({when})").format(name=holiday[0], when=_in_days(holiday[1])))
        if holiday
        else ("", "")
    )
    owners = _user_names(session, [c.owner_id for c in companies]) if with_owner else {}
    today_start = local_day_start(today, session)
    rows = []
    for c in companies:
        due = c.next_follow_up_at is not None and c.next_follow_up_at < tomorrow_start
        mark, mark_text = marks.get(c.id, holiday_mark)
        rows.append(
            AccountRow(
                company_id=c.id,
                name=c.name,
                city=c.city,
                channel=c.channel,
                abcde_class=c.abcde_class,
                is_key_client=c.is_key_client,
                category=c.category,
                orders_count=c.orders_count,
                last_order_at=c.last_order_at,
                revenue_total=Decimal(c.revenue_total or 0),
                next_purchase_at=c.next_purchase_at,
                next_purchase_is_stated=c.next_purchase_is_stated,
                next_follow_up_at=c.next_follow_up_at,
                follow_up_due=due,
                follow_up_overdue=due and c.next_follow_up_at < today_start,
                mark=mark,
                mark_text=mark_text,
                owner_id=c.owner_id,
                owner_name=owners.get(c.owner_id, ""),
            )
        )
    return tuple(rows)


def _list_order(tomorrow_start: datetime):
    due = case((_due_clause(tomorrow_start), 0), else_=1)
    return (
        due,
        case((_due_clause(tomorrow_start), Company.next_follow_up_at), else_=None),
        Company.next_purchase_at.is_(None),
        Company.next_purchase_at,
        Company.next_follow_up_at.is_(None),
        Company.next_follow_up_at,
        Company.id,
    )


@audited_view("follow_up_list")
def follow_up_list(
    db: Database, actor: Actor, *, offset: int = 0, limit: int = 100, today: date | None = None
) -> AccountPage:
    """The signed-in account manager's own clients, a page at a time, in the order of what is due.

    Due (today or overdue) follow-ups first, oldest first; then by the next purchase date, soonest
    first (clients with none last).  On the first page the lost check runs first (one cheap query;
    a write only when someone is to be moved).
    """
    today = _today(db, today)
    limit = max(1, min(limit, 500))
    moved = 0
    if offset == 0:
        with db.read() as session:
            require_active_user(session, actor)
            require(actor, Capability.WORK_ACCOUNTS)
            candidates = _lost_candidates(session, today, owner_id=actor.id)
        if candidates:
            with db.write() as session:
                moved = _move_to_lost(session, actor, today, owner_id=actor.id)
    tomorrow_start = local_day_start(today + timedelta(days=1), db)
    with db.read() as session:
        require_active_user(session, actor)
        require(actor, Capability.WORK_ACCOUNTS)
        conditions = (
            company_visibility(actor),
            Company.stage == Stage.ACCOUNT,
            Company.owner_id == actor.id,
            Company.category.in_(LISTED_CATEGORIES),
        )
        total, due = session.execute(
            select(func.count(Company.id), func.count(Company.id).filter(_due_clause(tomorrow_start))).where(
                *conditions
            )
        ).one()
        companies = (
            session.execute(
                select(Company).where(*conditions).order_by(*_list_order(tomorrow_start)).offset(offset).limit(limit)
            )
            .scalars()
            .all()
        )
        open_tasks = dict(
            session.execute(
                select(FollowUpTask.kind, func.count(FollowUpTask.id))
                .where(
                    FollowUpTask.assignee_id == actor.id,
                    FollowUpTask.done_at.is_(None),
                    FollowUpTask.kind.in_((TaskKind.QUALITY_CHECK, TaskKind.RETURN)),
                )
                .group_by(FollowUpTask.kind)
            ).all()
        )
        holiday = upcoming_holiday(today)
        return AccountPage(
            rows=_rows(session, companies, today, tomorrow_start),
            total=int(total),
            offset=offset,
            today=today,
            due=int(due or 0),
            holiday=_("{name} {when}").format(name=holiday[0], when=_in_days(holiday[1])) if holiday else "",
            moved_to_lost=moved,
            open_quality_checks=int(open_tasks.get(TaskKind.QUALITY_CHECK, 0)),
            open_returns=int(open_tasks.get(TaskKind.RETURN, 0)),
        )


# --- lost clients -----------------------------------------------------------------------------


def _lost_clause(session: Session, today: date):
    multiple = float(reference.get_setting(session, "accounts.lost_interval_multiple"))
    default = float(reference.get_setting(session, "accounts.default_purchase_interval_days"))
    today_value = literal(today, Date)
    span = _days(session, Company.last_order_at, Company.first_order_at)
    interval = case(
        (and_(Company.orders_count >= 2, span > 0), span * 1.0 / (Company.orders_count - 1)),
        else_=default,
    )
    return and_(
        Company.stage == Stage.ACCOUNT,
        Company.category == Category.ACTIVE,
        Company.last_order_at.is_not(None),
        _days(session, today_value, Company.last_order_at) > interval * multiple,
        ~and_(
            Company.next_purchase_is_stated.is_(True),
            Company.next_purchase_at.is_not(None),
            Company.next_purchase_at >= today_value,
        ),
    )


def _lost_candidates(session: Session, today: date, owner_id: int | None = None) -> list[int]:
    query = select(Company.id).where(_lost_clause(session, today))
    if owner_id is not None:
        query = query.where(Company.owner_id == owner_id)
    return list(session.execute(query).scalars().all())


def _make_lost(
    session: Session, actor: Actor | None, company: Company, reason_code: str, text: str, *, automatic: bool
) -> FollowUpTask:
    company.category = Category.LOST
    _touch(company)
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
    )
    return task


def _move_to_lost(session: Session, actor: Actor, today: date, owner_id: int | None = None) -> int:
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
        ).format(days=silent, interval=interval, multiple=f"{multiple:g}")
        tasks.append(_make_lost(session, actor, company, "no_orders", text, automatic=True))
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
    today = _today(db, today)
    with db.write() as session:
        _require_supervisor(session, actor)
        return _move_to_lost(session, actor, today)


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
        company = _require_account(session, actor, company_id, for_update=True)
        reasons = {r.code: r for r in reference.reasons(session, "lost_client")}
        if reason_code not in reasons:
            raise ValidationFailed(_("Choose a reason."))
        if company.category == Category.LOST:
            raise ValidationFailed(_("This client is already on the lost list."))
        text = reasons[reason_code].label + (f"\n{comment}" if comment else "")
        task = _make_lost(session, actor, company, reason_code, text, automatic=False)
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
        return _figures(session, company)


# --- the card ---------------------------------------------------------------------------------


def _task_infos(session: Session, query) -> tuple[TaskInfo, ...]:
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
        company = _require_account(session, actor, company_id)
        record_card_view(session, actor, company.id)
        tasks = _task_infos(
            session,
            select(FollowUpTask)
            .where(FollowUpTask.company_id == company.id, FollowUpTask.done_at.is_(None))
            .order_by(FollowUpTask.due_at, FollowUpTask.id),
        )
        return AccountCard(
            company=company_info(session, company),
            figures=_figures(session, company),
            contacts=contacts_of(session, company.id),
            tasks=tasks,
        )


def account_history(
    db: Database, actor: Actor, company_id: int, *, limit: int = 50, before_id: int | None = None
) -> list[HistoryEntry]:
    """The company's whole timeline, newest first, paged (HistoryTimeline's loader)."""
    with db.read() as session:
        company = _require_account(session, actor, company_id)
        return history_page(session, company.id, limit=limit, before_id=before_id)


def orders(
    db: Database, actor: Actor, company_id: int, *, limit: int = 100, before_id: int | None = None
) -> list[OrderInfo]:
    """The company's orders, newest first, a page at a time."""
    limit = max(1, min(limit, 500))
    with db.read() as session:
        company = _require_account(session, actor, company_id)
        manager = aliased(User)
        query = (
            select(ClientOrder, manager.full_name, manager.username)
            .outerjoin(manager, manager.id == ClientOrder.account_manager_id)
            .where(ClientOrder.company_id == company.id)
            .order_by(ClientOrder.ordered_at.desc(), ClientOrder.id.desc())
            .limit(limit)
        )
        if before_id is not None:
            query = query.where(ClientOrder.id < before_id)
        return [
            OrderInfo(o.id, o.company_id, o.ordered_at, o.items, Decimal(o.amount), o.margin, full or login or "")
            for o, full, login in session.execute(query).all()
        ]


def _money(value, message: str, *, allow_negative: bool = False) -> Decimal:
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationFailed(message) from None
    if not amount.is_finite() or abs(amount) >= MAX_AMOUNT or (amount < 0 and not allow_negative):
        raise ValidationFailed(message)
    return amount.quantize(Decimal("0.01"))


def record_order(
    db: Database,
    actor: Actor,
    company_id: int,
    ordered_at: date,
    amount: Decimal,
    items: str = "",
    *,
    margin: Decimal | None = None,
    lines: list[catalog.OrderLineInput] | None = None,
    today: date | None = None,
) -> OrderResult:
    """A new order: figures, next purchase, back from lost, a quality-check task, classes.

    With *lines* (products, categories or free text: services.catalog) the amount and the margin are
    their sums, and the items their text."""
    today = _today(db, today)
    if not isinstance(ordered_at, date):
        raise ValidationFailed(_("Enter the order date."))
    if ordered_at > today:
        raise ValidationFailed(_("The order date cannot be in the future."))
    lines = catalog.prepare_lines(lines)
    if lines:
        amount = sum((line.amount for line in lines), Decimal("0"))
        margins = [line.margin for line in lines if line.margin is not None]
        margin = sum(margins, Decimal("0")) if margins else None
    amount = _money(amount, _("Enter the order amount."))
    if amount <= 0:
        raise ValidationFailed(_("Enter the order amount."))
    margin = None if margin in (None, "") else _money(margin, _("The margin is not valid."), allow_negative=True)
    items = clean_input(items, 2000)
    with db.write() as session:
        company = _require_account(session, actor, company_id, for_update=True)
        if lines and not items:
            items = clean_input(catalog.lines_text(session, lines), 2000)
        order = ClientOrder(
            company_id=company.id,
            ordered_at=ordered_at,
            items=items,
            amount=amount,
            margin=margin,
            account_manager_id=company.owner_id,
            created_by_id=actor.id,
        )
        session.add(order)
        session.flush()
        catalog.write_lines(session, order, lines)
        company.orders_count += 1
        company.revenue_total = Decimal(company.revenue_total or 0) + amount
        if margin is not None:
            company.margin_total = Decimal(company.margin_total or 0) + margin
        company.first_order_at = min(filter(None, (company.first_order_at, ordered_at)))
        company.last_order_at = max(filter(None, (company.last_order_at, ordered_at)))
        stated_still_ahead = (
            company.next_purchase_is_stated
            and company.next_purchase_at is not None
            and company.next_purchase_at > company.last_order_at
        )
        if not stated_still_ahead:
            interval = usual_interval(company)
            company.next_purchase_at = company.last_order_at + timedelta(days=interval) if interval else None
            company.next_purchase_is_stated = False
        returned = company.category == Category.LOST
        company.category = Category.ACTIVE
        _touch(company)
        days = int(reference.get_setting(session, "accounts.quality_check_days"))
        task = FollowUpTask(
            company_id=company.id,
            assignee_id=company.owner_id,
            kind=TaskKind.QUALITY_CHECK,
            due_at=local_at(today + timedelta(days=days), source=session),
            order_id=order.id,
            created_by_id=actor.id,
            text=_("Quality check: was the client satisfied with the order of {date}?").format(date=_show(ordered_at)),
        )
        session.add(task)
        text = _("Order of {date}: {amount}").format(date=_show(ordered_at), amount=amount)
        if margin is not None:
            text += " " + _("(margin {margin})").format(margin=margin)
        if items:
            text += f"\n{items}"
        write_history(session, actor, company.id, InteractionKind.ORDER, outcome="order", text=text)
        if returned:
            closed = session.execute(
                update(FollowUpTask)
                .where(
                    FollowUpTask.company_id == company.id,
                    FollowUpTask.kind == TaskKind.RETURN,
                    FollowUpTask.done_at.is_(None),
                )
                .values(done_at=utcnow(), result=_("Returned: new order"), version=FollowUpTask.version + 1)
            ).rowcount
            write_history(
                session,
                actor,
                company.id,
                InteractionKind.SYSTEM,
                outcome="returned",
                text=_("A new order brought the client back to active ({n} return task(s) closed).").format(n=closed),
            )
        session.flush()
        audit.record(
            session,
            actor,
            "order_recorded",
            "client_order",
            order.id,
            company_id=company.id,
            amount=str(amount),
            margin=str(margin) if margin is not None else None,
            returned=returned,
            quality_task_id=task.id,
        )
        classify.reclassify_channel(session, company.channel)
        classify.reclassify_keys(session)
        session.flush()
        session.refresh(company)
        names = _user_names(session, [order.account_manager_id])
        info = OrderInfo(
            order.id,
            company.id,
            order.ordered_at,
            order.items,
            order.amount,
            order.margin,
            names.get(order.account_manager_id, ""),
        )
        return OrderResult(
            order=info, figures=_figures(session, company), quality_task_id=task.id, returned_from_lost=returned
        )


# --- follow-up calls --------------------------------------------------------------------------


def _script_row(session: Session, purpose: str, language: str, channel: str, industry: str) -> CallScript | None:
    rows = (
        session.execute(
            select(CallScript).where(CallScript.purpose == purpose, CallScript.language.in_((language, "en")))
        )
        .scalars()
        .all()
    )

    def rank(row: CallScript) -> tuple[int, int]:
        if row.industry and row.industry != industry:
            return (-1, 0)
        if row.channel and row.channel != channel:
            return (-1, 0)
        specific = 2 if row.industry else (1 if row.channel else 0)
        return (specific, 1 if row.language == language else 0)

    ranked = sorted(((rank(r), -r.id, r) for r in rows), key=lambda t: (t[0], t[1]), reverse=True)
    return ranked[0][2] if ranked and ranked[0][0][0] >= 0 else None


def follow_up_script(db: Database, actor: Actor, company_id: int) -> ScriptInfo:
    """The follow-up script for the company's segment (industry over channel over default)."""
    with db.read() as session:
        company = _require_account(session, actor, company_id)
        row = _script_row(session, "follow_up", current_language(), company.channel, company.industry)
        if row is None:
            return ScriptInfo("", "")
        return ScriptInfo(
            row.template_phrase.replace("{operator}", actor.label), row.key_question.replace("{operator}", actor.label)
        )


def record_follow_up(
    db: Database,
    actor: Actor,
    company_id: int,
    result: str,
    notes: str = "",
    *,
    next_purchase_at: date | None = None,
    next_follow_up_at: date | None = None,
    today: date | None = None,
) -> AccountFigures:
    """A follow-up call: result, the purchase date the client named, the next follow-up, notes."""
    today = _today(db, today)
    results = follow_up_results()
    if result not in results:
        raise ValidationFailed(_("Choose the result of the call."))
    notes = clean_input(notes, 10_000)
    if next_purchase_at is not None and next_purchase_at < today:
        raise ValidationFailed(_("The next purchase date is in the past."))
    if next_follow_up_at is not None and next_follow_up_at < today:
        raise ValidationFailed(_("The next follow-up date is in the past."))
    with db.write() as session:
        company = _require_account(session, actor, company_id, for_update=True)
        if next_follow_up_at is None:
            days = (
                1
                if result in ("callback", "no_answer")
                else int(reference.get_setting(session, "accounts.default_follow_up_days"))
            )
            next_follow_up_at = today + timedelta(days=days)
        lines = [results[result]]
        if notes:
            lines.append(notes)
        if next_purchase_at is not None:
            company.next_purchase_at = next_purchase_at
            company.next_purchase_is_stated = True
            lines.append(_("Next purchase (client's word): {date}").format(date=_show(next_purchase_at)))
        company.next_follow_up_at = local_at(next_follow_up_at, source=session)
        lines.append(_("Next follow-up: {date}").format(date=_show(next_follow_up_at)))
        _touch(company)
        write_history(session, actor, company.id, InteractionKind.FOLLOW_UP, outcome=result, text="\n".join(lines))
        session.flush()
        audit.record(
            session,
            actor,
            "follow_up_recorded",
            "company",
            company.id,
            result=result,
            next_purchase_at=next_purchase_at,
            next_follow_up_at=next_follow_up_at,
        )
        return _figures(session, company)


def update_requirements(db: Database, actor: Actor, company_id: int, text: str) -> AccountFigures:
    """The client's requirements (what they buy, terms, wishes), kept on the company."""
    text = clean_input(text, 10_000)
    with db.write() as session:
        company = _require_account(session, actor, company_id, for_update=True)
        if company.requirements == text:
            return _figures(session, company)
        company.requirements = text
        _touch(company)
        write_history(
            session,
            actor,
            company.id,
            InteractionKind.NOTE,
            outcome="requirements",
            text=_("Requirements: {text}").format(text=text or "—"),
        )
        session.flush()
        audit.record(session, actor, "requirements_changed", "company", company.id)
        return _figures(session, company)


def set_potential(db: Database, actor: Actor, company_id: int, score: int) -> AccountFigures:
    """The client's potential 0-100 (account manager or supervisor); the channel is reclassified."""
    try:
        score = int(score)
    except (TypeError, ValueError):
        raise ValidationFailed(_("The potential is a number from 0 to 100.")) from None
    if not 0 <= score <= 100:
        raise ValidationFailed(_("The potential is a number from 0 to 100."))
    with db.write() as session:
        company = _require_account(session, actor, company_id, for_update=True)
        old = company.potential_score
        if old != score:
            company.potential_score = score
            _touch(company)
            write_history(
                session,
                actor,
                company.id,
                InteractionKind.NOTE,
                outcome="potential",
                text=_("Potential: {old} → {new}").format(old=old, new=score),
            )
            session.flush()
            audit.record(session, actor, "potential_changed", "company", company.id, old=old, new=score)
            classify.reclassify_channel(session, company.channel)
            session.flush()
            session.refresh(company)
        return _figures(session, company)


# --- tasks and the quality check ------------------------------------------------------------------


@audited_view("my_tasks")
def my_tasks(db: Database, actor: Actor, *, limit: int = 200) -> tuple[TaskInfo, ...]:
    """The account manager's open tasks (quality checks, returns, follow-ups), soonest due first."""
    limit = max(1, min(limit, 500))
    with db.read() as session:
        require_active_user(session, actor)
        require(actor, Capability.WORK_ACCOUNTS)
        return _task_infos(
            session,
            select(FollowUpTask)
            .where(
                FollowUpTask.assignee_id == actor.id,
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
        company = _require_account(session, actor, task.company_id)
        if actor.role != Role.SUPERVISOR and task.assignee_id != actor.id:
            raise AccessDenied()
        if task.kind != TaskKind.QUALITY_CHECK:
            raise ValidationFailed(_("This is not a quality-check task."))
        if task.done_at is not None:
            raise ValidationFailed(_("This quality check is already recorded."))
        task.done_at = utcnow()
        task.score = score
        task.result = comment
        task.version += 1
        text = _("Satisfaction {score}/5").format(score=score) + (f"\n{comment}" if comment else "")
        write_history(session, actor, company.id, InteractionKind.QUALITY, outcome=f"score_{score}", text=text)
        session.flush()
        audit.record(session, actor, "quality_checked", "follow_up_task", task.id, company_id=company.id, score=score)
        return _task_infos(session, select(FollowUpTask).where(FollowUpTask.id == task.id))[0]


def quality_summary(db: Database, actor: Actor, start: date, end: date) -> list[QualitySummary]:
    """Quality checks done in [start, end) per account manager: count, average score, low scores, waiting."""
    if end <= start:
        raise ValidationFailed(_("The period is empty."))
    with db.read() as session:
        _require_supervisor(session, actor)
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
                FollowUpTask.done_at >= local_day_start(start, session),
                FollowUpTask.done_at < local_day_start(end, session),
            )
            .group_by(FollowUpTask.assignee_id)
        ).all()
        waiting = dict(
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


# --- the supervisor ---------------------------------------------------------------------------------


def managers(db: Database, actor: Actor, *, today: date | None = None) -> list[ManagerLoad]:
    """Account managers with their accounts: count, active, lost, revenue, follow-ups due."""
    today = _today(db, today)
    tomorrow_start = local_day_start(today + timedelta(days=1), db)
    with db.read() as session:
        _require_supervisor(session, actor)
        figures = {
            owner: (n, active, lost, revenue, due)
            for owner, n, active, lost, revenue, due in session.execute(
                select(
                    Company.owner_id,
                    func.count(Company.id),
                    func.count(Company.id).filter(Company.category == Category.ACTIVE),
                    func.count(Company.id).filter(Company.category == Category.LOST),
                    func.coalesce(func.sum(Company.revenue_total), 0),
                    func.count(Company.id).filter(_due_clause(tomorrow_start)),
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
    today = _today(db, today)
    limit = max(1, min(limit, 500))
    tomorrow_start = local_day_start(today + timedelta(days=1), db)
    with db.read() as session:
        _require_supervisor(session, actor)
        conditions = [Company.stage == Stage.ACCOUNT, Company.category.in_(LISTED_CATEGORIES)]
        if manager_id is not None:
            conditions.append(Company.owner_id == manager_id)
        if category:
            conditions.append(Company.category == category)
        total, due = session.execute(
            select(func.count(Company.id), func.count(Company.id).filter(_due_clause(tomorrow_start))).where(
                *conditions
            )
        ).one()
        owner = aliased(User)
        companies = (
            session.execute(
                select(Company)
                .outerjoin(owner, owner.id == Company.owner_id)
                .where(*conditions)
                .order_by(owner.full_name, Company.owner_id, *_list_order(tomorrow_start))
                .offset(offset)
                .limit(limit)
            )
            .scalars()
            .all()
        )
        return AccountPage(
            rows=_rows(session, companies, today, tomorrow_start, with_owner=True),
            total=int(total),
            offset=offset,
            today=today,
            due=int(due or 0),
        )


def reassign_account(db: Database, actor: Actor, company_id: int, manager_id: int, comment: str = "") -> ReassignResult:
    """Give an account to another account manager; the company's whole history and tasks go with it."""
    comment = clean_input(comment, 2000)
    with db.write() as session:
        _require_supervisor(session, actor)
        company = _require_account(session, actor, company_id, for_update=True)
        manager = session.get(User, manager_id)
        if manager is None or manager.role != Role.ACCOUNT or manager.disabled:
            raise ValidationFailed(_("Choose an active account manager."))
        if company.owner_id == manager.id:
            raise ValidationFailed(_("The client is already with this manager."))
        previous = company.owner_id
        old_name = _user_names(session, [previous]).get(previous, "—")
        new_name = manager.full_name or manager.username
        company.owner_id = manager.id
        _touch(company)
        moved = session.execute(
            update(FollowUpTask)
            .where(FollowUpTask.company_id == company.id, FollowUpTask.done_at.is_(None))
            .values(assignee_id=manager.id, version=FollowUpTask.version + 1)
        ).rowcount
        text = _("Account reassigned: {old} → {new}").format(old=old_name, new=new_name)
        if comment:
            text += f"\n{comment}"
        write_history(session, actor, company.id, InteractionKind.DECISION, outcome="reassigned", text=text)
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


@audited_view("lost_accounts")
def lost_accounts(
    db: Database, actor: Actor, *, manager_id: int | None = None, offset: int = 0, limit: int = 100
) -> LostPage:
    """Lost clients with the reason and the return plan's progress, most recently bought first."""
    limit = max(1, min(limit, 500))
    with db.read() as session:
        _require_supervisor(session, actor)
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
        owners = _user_names(session, [c.owner_id for c in companies])
        results = follow_up_results()
        rows = []
        for c in companies:
            event = lost_events.get(c.id)
            code = event.outcome[len(LOST_PREFIX) :] if event and event.outcome.startswith(LOST_PREFIX) else ""
            after = [x for x in calls.get(c.id, []) if event is None or x.at >= event.at]
            task = tasks.get(c.id)
            rows.append(
                LostAccount(
                    company_id=c.id,
                    name=c.name,
                    channel=c.channel,
                    owner_id=c.owner_id,
                    owner_name=owners.get(c.owner_id, ""),
                    reason_code=code,
                    reason_label=reasons.get(code, code),
                    reason_text=event.text if event else "",
                    lost_at=event.at if event else None,
                    last_order_at=c.last_order_at,
                    orders_count=c.orders_count,
                    revenue_total=Decimal(c.revenue_total or 0),
                    return_task_due=task.due_at if task else None,
                    return_task_done=bool(task and task.done_at),
                    calls_since=len(after),
                    last_call_at=after[-1].at if after else None,
                    last_call_result=results.get(after[-1].outcome, after[-1].outcome) if after else "",
                )
            )
        return LostPage(rows=tuple(rows), total=int(total), offset=offset)


def classify_all(db: Database, actor: Actor, *, today: date | None = None) -> ClassifyReport:
    """`kbase classify`: the lost check over all accounts, then every channel's classes and the key clients."""
    today = _today(db, today)
    with db.write() as session:
        _require_supervisor(session, actor)
        moved = _move_to_lost(session, actor, today)
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
