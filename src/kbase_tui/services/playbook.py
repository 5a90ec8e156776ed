"""The head of sales' playbook, the rules of the client-base texts that are not a screen of their own elsewhere.

- **Own targets**: everyone with targets (callers, closers, account managers) sees theirs for the
  periods containing today, with what they have achieved (the same count as the supervisor's report).
- **Contact standards per ABCDE class**: how many days may pass between contacts with a client of
  each class (settings `accounts.contact_days_a` ... `_e`, 0 = no standard).  A contact is a
  follow-up call that was answered, a call, a meeting, an order or a quality check in the client's
  history; a client never contacted counts from the day it came to the account stage.  A client is
  behind when the call centre's today is past the last contact plus the standard.  Only active
  clients are measured (lost ones have their return plan).  Lists put key clients first, then the
  most days behind.
- **A second responsible person** for an A/B or key client: the supervisor attaches one closer or
  account manager (not the owner); they read the client (card, contacts, history), audited as a card
  view, and nothing else; policy.py holds the rule (`require_company_as_second`), including its end
  when the assignment is removed or the client moves to another stage.
- **TOP lost clients**: ranked by what they bought in the year up to their last order (revenue, and
  margin where known); each has a return plan: steps (who, what, by when) that are return tasks of
  the person, who marks them done; progress = steps done / steps since the client was lost.
- **Activation of potential clients**: a plan per month set by the supervisor; the fact is the
  number of companies whose first contract (a won deal) or, without one, first order fell in that month.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from kbase_tui.formatting import format_date
from kbase_tui.i18n import _
from kbase_tui.models import (
    ActivationPlan,
    Category,
    ClientOrder,
    Company,
    Deal,
    DealStatus,
    FollowUpTask,
    Interaction,
    InteractionKind,
    Role,
    SecondPerson,
    Stage,
    Target,
    TaskKind,
    User,
    utcnow,
)
from kbase_tui.protocol.playbook import (
    CLASSES,
    ActivationReport,
    ActivationRow,
    Activator,
    BehindPage,
    BehindRow,
    ContactStandard,
    LostTopRow,
    ManagerBehind,
    ReturnStep,
    SecondCard,
    SecondClient,
)
from kbase_tui.protocol.targets import Person, TargetRow

from . import audit, clock, notify, reference
from .clients import HistoryEntry, company_info, contacts_of, history_page, record_card_view, write_history
from .common import require_supervisor, user_names
from .db import Database
from .dto import Actor
from .errors import AccessDenied, NotFound, ValidationFailed
from .history_labels import params_json
from .policy import (
    SECOND_PERSON_ROLES,
    Capability,
    may,
    owned_by,
    require,
    require_active_user,
    require_company,
    require_company_as_second,
    require_task_owner,
    second_person_clause,
)
from .reports import actual
from .text import typed_text
from .views import audited_view

TARGET_ROLES = (Role.CALLER, Role.CLOSER, Role.ACCOUNT)
PERIOD_ORDER = {"day": 0, "week": 1, "month": 2}
CONTACT_KINDS = (
    InteractionKind.CALL,
    InteractionKind.FOLLOW_UP,
    InteractionKind.MEETING,
    InteractionKind.ORDER,
    InteractionKind.QUALITY,
)
SECOND_CLASSES = ("A", "B")
LOST_OUTCOME_PREFIX = "lost:"  # as services.accounts writes it
YEAR = timedelta(days=365)


def _local_day(moment: datetime, zone) -> date:
    if moment.tzinfo is None:  # a value read back without its zone is UTC, as everything stored
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone).date()


# --- own targets -------------------------------------------------------------------------------


def my_targets(db: Database, actor: Actor) -> list[TargetRow]:
    """The actor's own targets whose period contains the call centre's today, with the actuals so far."""
    today = clock.today(db)
    with db.read() as session:
        require_active_user(session, actor)
        if actor.role not in TARGET_ROLES:
            return []
        rows = (
            session.execute(
                select(Target).where(
                    Target.user_id == actor.id,
                    Target.starts_on <= today,
                    Target.starts_on >= today - timedelta(days=31),
                )
            )
            .scalars()
            .all()
        )
        result = []
        for target in rows:
            last = clock.period_end(target.starts_on, target.period)
            if last < today:
                continue
            result.append(
                TargetRow(
                    target.id,
                    actor.id,
                    actor.label,
                    target.metric,
                    target.period,
                    target.starts_on,
                    last,
                    target.value,
                    actual(session, actor.id, target.metric, target.starts_on, last),
                )
            )
        result.sort(key=lambda r: (PERIOD_ORDER.get(r.period, 9), r.metric))
        return result


# --- contact standards -------------------------------------------------------------------------


def _standard_key(abcde_class: str) -> str:
    return f"accounts.contact_days_{abcde_class.lower()}"


def standards_of(session: Session) -> dict[str, int]:
    return {c: int(reference.get_setting(session, _standard_key(c))) for c in CLASSES}


def contact_standards(db: Database, actor: Actor) -> list[ContactStandard]:
    with db.read() as session:
        require_active_user(session, actor)
        if not (actor.role == Role.ACCOUNT or may(actor, Capability.SUPERVISE)):
            raise AccessDenied(_("Your role does not allow this."))
        return [ContactStandard(c, d) for c, d in standards_of(session).items()]


def set_contact_standard(db: Database, actor: Actor, abcde_class: str, days: int) -> ContactStandard:
    """How many days may pass between contacts with a client of *abcde_class* (0: no standard)."""
    if abcde_class not in CLASSES:
        raise ValidationFailed(_("The class is one of A, B, C, D, E."))
    try:
        days = int(days)
    except (TypeError, ValueError):
        raise ValidationFailed(_("Days between contacts: a number from 0 to 3650.")) from None
    if not 0 <= days <= 3650:
        raise ValidationFailed(_("Days between contacts: a number from 0 to 3650."))
    with db.write() as session:
        require_supervisor(session, actor)
        require(actor, Capability.EDIT_SCRIPTS)
        key = _standard_key(abcde_class)
        old = int(reference.get_setting(session, key))
        reference.set_setting(session, key, days)
        audit.record(session, actor, "setting_changed", "setting", None, key=key, old=old, new=days)
        return ContactStandard(abcde_class, days)


def _last_contact():
    """The latest contact in a company's history (correlated with Company)."""
    return (
        select(func.max(Interaction.at))
        .where(
            Interaction.company_id == Company.id,
            Interaction.kind.in_(CONTACT_KINDS),
            ~and_(
                Interaction.kind.in_((InteractionKind.FOLLOW_UP, InteractionKind.CALL)),
                Interaction.outcome == "no_answer",
            ),
        )
        .correlate(Company)
        .scalar_subquery()
    )


def _came_to_accounts():
    return (
        select(func.max(Interaction.at))
        .where(Interaction.company_id == Company.id, Interaction.kind == InteractionKind.HANDOVER)
        .correlate(Company)
        .scalar_subquery()
    )


def _behind_rows(session: Session, conditions, today: date) -> list[BehindRow]:
    """Every measured client matching *conditions*, behind or not, as rows (days_behind <= 0: on time)."""
    standards = standards_of(session)
    measured = [c for c, d in standards.items() if d > 0]
    if not measured:
        return []
    zone = clock.centre_zone(session)
    result = session.execute(
        select(
            Company.id,
            Company.name,
            Company.abcde_class,
            Company.is_key_client,
            Company.owner_id,
            Company.created_at,
            _last_contact(),
            _came_to_accounts(),
        ).where(
            Company.stage == Stage.ACCOUNT,
            Company.category == Category.ACTIVE,
            Company.abcde_class.in_(measured),
            *conditions,
        )
    ).all()
    owners = user_names(session, [r[4] for r in result])
    rows = []
    for cid, name, cls, key, owner, created, last, arrived in result:
        since = last or arrived or created
        since_day = _local_day(since, zone) if since else today
        due = since_day + timedelta(days=standards[cls])
        rows.append(
            BehindRow(
                company_id=cid,
                name=name,
                abcde_class=cls,
                is_key_client=bool(key),
                standard_days=standards[cls],
                last_contact_at=last,
                due_on=due,
                days_behind=(today - due).days,
                owner_id=owner,
                owner_name=owners.get(owner, ""),
            )
        )
    return rows


def _behind_order(row: BehindRow):
    return (not row.is_key_client, -row.days_behind, row.abcde_class, row.name, row.company_id)


def behind_standard(db: Database, actor: Actor, limit: int = 200) -> BehindPage:
    """The account manager's own clients behind their contact standard, key clients first."""
    today = clock.today(db)
    with db.read() as session:
        require_active_user(session, actor)
        require(actor, Capability.WORK_ACCOUNTS)
        behind = [r for r in _behind_rows(session, [owned_by(actor, Company.owner_id)], today) if r.days_behind > 0]
        behind.sort(key=_behind_order)
        return BehindPage(tuple(behind[: max(1, limit)]), len(behind), today)


@audited_view("team_behind")
def team_behind(db: Database, actor: Actor, manager_id: int | None = None, limit: int = 200) -> BehindPage:
    today = clock.today(db)
    with db.read() as session:
        require_supervisor(session, actor)
        conditions = [Company.owner_id == manager_id] if manager_id is not None else []
        behind = [r for r in _behind_rows(session, conditions, today) if r.days_behind > 0]
        behind.sort(key=_behind_order)
        return BehindPage(tuple(behind[: max(1, limit)]), len(behind), today)


@audited_view("behind_by_manager")
def behind_by_manager(db: Database, actor: Actor) -> list[ManagerBehind]:
    """Per account manager (and anyone else holding accounts, such as the supervisor keeping a portfolio)."""
    today = clock.today(db)
    with db.read() as session:
        require_supervisor(session, actor)
        per: dict[int | None, list[BehindRow]] = {}
        for row in _behind_rows(session, [], today):
            per.setdefault(row.owner_id, []).append(row)
        users = session.execute(
            select(User.id, User.full_name, User.username, User.role, User.disabled).order_by(User.full_name, User.id)
        ).all()
        result = []
        for uid, full, login, role, disabled in users:
            rows = per.get(uid, [])
            if not rows and (role != Role.ACCOUNT or disabled):
                continue
            behind = [r for r in rows if r.days_behind > 0]
            result.append(
                ManagerBehind(
                    uid,
                    full or login,
                    len(rows),
                    len(behind),
                    sum(1 for r in behind if r.is_key_client),
                    max((r.days_behind for r in behind), default=0),
                )
            )
        return result


# --- a second responsible person ---------------------------------------------------------------------


def _eligible(company: Company) -> bool:
    return company.stage == Stage.ACCOUNT and (company.abcde_class in SECOND_CLASSES or company.is_key_client)


def _open_assignment(session: Session, company_id: int) -> SecondPerson | None:
    return (
        session.execute(
            select(SecondPerson)
            .where(SecondPerson.company_id == company_id, SecondPerson.removed_at.is_(None))
            .order_by(SecondPerson.id.desc())
        )
        .scalars()
        .first()
    )


def _second_client(session: Session, company: Company, assignment: SecondPerson | None) -> SecondClient:
    current = assignment if assignment is not None and assignment.stage == company.stage else None
    names = user_names(session, [company.owner_id, current.user_id if current else None])
    return SecondClient(
        company_id=company.id,
        name=company.name,
        abcde_class=company.abcde_class,
        is_key_client=bool(company.is_key_client),
        owner_id=company.owner_id,
        owner_name=names.get(company.owner_id, ""),
        second_id=current.user_id if current else None,
        second_name=names.get(current.user_id, "") if current else "",
        assigned_at=current.assigned_at if current else None,
    )


@audited_view("key_clients")
def key_clients(db: Database, actor: Actor) -> list[SecondClient]:
    """A/B and key clients at the account stage with their second responsible person, A first."""
    with db.read() as session:
        require_supervisor(session, actor)
        companies = (
            session.execute(
                select(Company)
                .where(
                    Company.stage == Stage.ACCOUNT,
                    Company.category.in_((Category.ACTIVE, Category.LOST)),
                    or_(Company.abcde_class.in_(SECOND_CLASSES), Company.is_key_client.is_(True)),
                )
                .order_by(Company.abcde_class, Company.is_key_client.desc(), Company.name, Company.id)
                .limit(2000)
            )
            .scalars()
            .all()
        )
        ids = [c.id for c in companies]
        assignments: dict[int, SecondPerson] = {}
        if ids:
            for row in session.execute(
                select(SecondPerson)
                .where(SecondPerson.company_id.in_(ids), SecondPerson.removed_at.is_(None))
                .order_by(SecondPerson.id)
            ).scalars():
                assignments[row.company_id] = row
        return [_second_client(session, c, assignments.get(c.id)) for c in companies]


def second_candidates(db: Database, actor: Actor) -> list[Person]:
    with db.read() as session:
        require_supervisor(session, actor)
        rows = session.execute(
            select(User)
            .where(User.role.in_(SECOND_PERSON_ROLES), User.disabled.is_(False))
            .order_by(User.role, User.full_name, User.id)
        ).scalars()
        return [Person(u.id, u.full_name or u.username, u.role) for u in rows]


def assign_second(db: Database, actor: Actor, company_id: int, user_id: int) -> SecondClient:
    """Attach a second responsible person to an A/B or key client; one at a time (a new one replaces the old)."""
    with db.write() as session:
        require_supervisor(session, actor)
        company = require_company(session, actor, company_id, for_update=True)
        if not _eligible(company):
            raise ValidationFailed(_("A second responsible person is for A and B clients and key clients."))
        person = session.get(User, user_id)
        if person is None or person.disabled or person.role not in SECOND_PERSON_ROLES:
            raise ValidationFailed(_("Choose an active closer or account manager."))
        if person.id == company.owner_id:
            raise ValidationFailed(_("The client's own manager cannot be their second responsible person."))
        current = _open_assignment(session, company.id)
        if current is not None and current.user_id == person.id and current.stage == company.stage:
            raise ValidationFailed(_("This person is already the second responsible person."))
        previous = None
        if current is not None:
            previous = current.user_id
            current.removed_at = utcnow()
            current.removed_by_id = actor.id
        row = SecondPerson(company_id=company.id, user_id=person.id, stage=company.stage, assigned_by_id=actor.id)
        session.add(row)
        session.flush()
        name = person.full_name or person.username
        write_history(
            session,
            actor,
            company.id,
            InteractionKind.DECISION,
            outcome="second_assigned",
            text=_("Second responsible person: {name}").format(name=name),
            params=params_json(t="name", name=name),
        )
        audit.record(
            session,
            actor,
            "second_assigned",
            "company",
            company.id,
            user_id=person.id,
            previous_user_id=previous,
            stage=company.stage,
        )
        notify.after_commit(
            session, notify.Notice(kind="changed", what="second", user_ids=(person.id,), company_id=company.id)
        )
        return _second_client(session, company, row)


def remove_second(db: Database, actor: Actor, company_id: int) -> SecondClient:
    with db.write() as session:
        require_supervisor(session, actor)
        company = require_company(session, actor, company_id, for_update=True)
        current = _open_assignment(session, company.id)
        if current is None:
            raise ValidationFailed(_("This client has no second responsible person."))
        current.removed_at = utcnow()
        current.removed_by_id = actor.id
        name = user_names(session, [current.user_id]).get(current.user_id, "")
        write_history(
            session,
            actor,
            company.id,
            InteractionKind.DECISION,
            outcome="second_removed",
            text=_("Second responsible person removed: {name}").format(name=name),
            params=params_json(t="name", name=name),
        )
        audit.record(session, actor, "second_removed", "company", company.id, user_id=current.user_id)
        notify.after_commit(
            session, notify.Notice(kind="changed", what="second", user_ids=(current.user_id,), company_id=company.id)
        )
        return _second_client(session, company, None)


@audited_view("my_second_clients")
def my_second_clients(db: Database, actor: Actor) -> list[SecondClient]:
    """The clients the actor backs up, while the assignment stands (policy.second_person_clause)."""
    with db.read() as session:
        require_active_user(session, actor)
        companies = (
            session.execute(select(Company).where(second_person_clause(actor)).order_by(Company.name, Company.id))
            .scalars()
            .all()
        )
        result = []
        for company in companies:
            result.append(_second_client(session, company, _open_assignment(session, company.id)))
        return result


def second_card(db: Database, actor: Actor, company_id: int) -> SecondCard:
    """Read only: the card of a client the actor backs up; audited as a card view by a second person."""
    with db.write() as session:
        company = require_company_as_second(session, actor, company_id)
        record_card_view(session, actor, company.id, as_second_person=True)
        return SecondCard(
            company=company_info(session, company),
            contacts=contacts_of(session, company.id),
            abcde_class=company.abcde_class,
            is_key_client=bool(company.is_key_client),
            owner_name=user_names(session, [company.owner_id]).get(company.owner_id, ""),
            orders_count=company.orders_count,
            revenue_total=Decimal(company.revenue_total or 0),
            last_order_at=company.last_order_at,
        )


def second_history(
    db: Database, actor: Actor, company_id: int, limit: int = 50, before_id: int | None = None
) -> list[HistoryEntry]:
    with db.read() as session:
        company = require_company_as_second(session, actor, company_id)
        return history_page(session, company.id, limit=max(1, min(limit, 500)), before_id=before_id)


# --- lost clients: the TOP and return plans --------------------------------------------------------


def _lost_moments(session: Session, ids: list[int]) -> dict[int, datetime]:
    if not ids:
        return {}
    return dict(
        session.execute(
            select(Interaction.company_id, func.max(Interaction.at))
            .where(
                Interaction.company_id.in_(ids),
                or_(Interaction.outcome.like(LOST_OUTCOME_PREFIX + "%"), Interaction.outcome == "lost"),
            )
            .group_by(Interaction.company_id)
        ).all()
    )


def _step(task: FollowUpTask, names: dict[int, str]) -> ReturnStep:
    return ReturnStep(
        task.id,
        task.company_id,
        task.assignee_id,
        names.get(task.assignee_id, ""),
        task.text,
        task.due_at,
        task.done_at,
        task.result,
    )


@audited_view("lost_top")
def lost_top(db: Database, actor: Actor, limit: int = 20) -> list[LostTopRow]:
    """Lost clients ranked by their revenue in the year up to their last order (margin beside it)."""
    with db.read() as session:
        require_supervisor(session, actor)
        lost = session.execute(
            select(Company.id, Company.name, Company.owner_id, Company.last_order_at).where(
                Company.stage == Stage.ACCOUNT, Company.category == Category.LOST
            )
        ).all()
        last_order = {cid: last for cid, _n, _o, last in lost}
        year: dict[int, list[Decimal]] = {}
        margins: dict[int, Decimal | None] = {}
        ids = [cid for cid, *_rest in lost]
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            for cid, day, amount, margin in session.execute(
                select(ClientOrder.company_id, ClientOrder.ordered_at, ClientOrder.amount, ClientOrder.margin).where(
                    ClientOrder.company_id.in_(chunk)
                )
            ).all():
                last = last_order.get(cid)
                if last is None or day <= last - YEAR:
                    continue
                year.setdefault(cid, []).append(Decimal(amount))
                if margin is not None:
                    margins[cid] = (margins.get(cid) or Decimal(0)) + Decimal(margin)
        ranked = sorted(lost, key=lambda r: (-sum(year.get(r[0], []), Decimal(0)), r[1], r[0]))[: max(1, limit)]
        top_ids = [r[0] for r in ranked]
        moments = _lost_moments(session, top_ids)
        tasks: dict[int, list[FollowUpTask]] = {}
        if top_ids:
            for task in session.execute(
                select(FollowUpTask)
                .where(FollowUpTask.company_id.in_(top_ids), FollowUpTask.kind == TaskKind.RETURN)
                .order_by(FollowUpTask.due_at, FollowUpTask.id)
            ).scalars():
                since = moments.get(task.company_id)
                if since is None or task.created_at >= since - timedelta(seconds=1):
                    tasks.setdefault(task.company_id, []).append(task)
        names = user_names(session, [r[2] for r in ranked])
        now = utcnow()
        rows = []
        for rank, (cid, name, owner, _last) in enumerate(ranked, start=1):
            steps = tasks.get(cid, [])
            open_steps = [t for t in steps if t.done_at is None]
            upcoming = open_steps[0] if open_steps else None
            rows.append(
                LostTopRow(
                    rank=rank,
                    company_id=cid,
                    name=name,
                    owner_id=owner,
                    owner_name=names.get(owner, ""),
                    lost_at=moments.get(cid),
                    year_revenue=sum(year.get(cid, []), Decimal(0)),
                    year_margin=margins.get(cid),
                    steps=len(steps),
                    steps_done=len(steps) - len(open_steps),
                    next_step=upcoming.text if upcoming else "",
                    next_due_at=upcoming.due_at if upcoming else None,
                    overdue=bool(upcoming and _aware(upcoming.due_at) < now),
                )
            )
        return rows


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def return_plan(db: Database, actor: Actor, company_id: int) -> list[ReturnStep]:
    with db.read() as session:
        require_supervisor(session, actor)
        company = require_company(session, actor, company_id)
        tasks = (
            session.execute(
                select(FollowUpTask)
                .where(FollowUpTask.company_id == company.id, FollowUpTask.kind == TaskKind.RETURN)
                .order_by(FollowUpTask.created_at, FollowUpTask.id)
            )
            .scalars()
            .all()
        )
        names = user_names(session, [t.assignee_id for t in tasks])
        return [_step(t, names) for t in tasks]


def add_return_step(
    db: Database, actor: Actor, company_id: int, assignee_id: int, text: str, due_on: date
) -> ReturnStep:
    """One step of a lost client's return plan.  The step is a return task of *assignee_id*; a step given to
    another account manager than the client's makes them the client's manager (the return is their job,
    and a task is seen only with its client)."""
    text = typed_text(text, 500, _("What is to be done"))  # refused when longer, never cut
    if not text:
        raise ValidationFailed(_("Say what is to be done."))
    today = clock.today(db)
    if not isinstance(due_on, date) or due_on < today:
        raise ValidationFailed(_("The date is in the past."))
    with db.write() as session:
        require_supervisor(session, actor)
        company = require_company(session, actor, company_id, for_update=True)
        if company.stage != Stage.ACCOUNT or company.category != Category.LOST:
            raise ValidationFailed(_("A return plan is for lost clients."))
        person = session.get(User, assignee_id)
        if person is None or person.disabled or person.role not in (Role.ACCOUNT, Role.SUPERVISOR):
            raise ValidationFailed(_("Choose an active account manager."))
        previous = company.owner_id
        if person.id != previous:
            company.owner_id = person.id
            company.updated_at = utcnow()
            company.version += 1
            session.execute(
                update(FollowUpTask)
                .where(FollowUpTask.company_id == company.id, FollowUpTask.done_at.is_(None))
                .values(assignee_id=person.id, version=FollowUpTask.version + 1)
            )
            names = user_names(session, [previous, person.id])
            write_history(
                session,
                actor,
                company.id,
                InteractionKind.DECISION,
                outcome="reassigned",
                text=_("Account reassigned: {old} → {new}").format(
                    old=names.get(previous, "—"), new=names.get(person.id, "—")
                ),
                params=params_json(t="old_new", old=names.get(previous, "—"), new=names.get(person.id, "—")),
            )
            audit.record(
                session,
                actor,
                "account_reassigned",
                "company",
                company.id,
                old_owner_id=previous,
                new_owner_id=person.id,
            )
            if previous is not None:
                notify.after_commit(
                    session, notify.Notice(kind="changed", what="accounts", user_ids=(previous,), company_id=company.id)
                )
        task = FollowUpTask(
            company_id=company.id,
            assignee_id=person.id,
            kind=TaskKind.RETURN,
            due_at=clock.at_hour(session, due_on, 9),
            text=text,
            created_by_id=actor.id,
        )
        session.add(task)
        session.flush()
        write_history(
            session,
            actor,
            company.id,
            InteractionKind.DECISION,
            outcome="return_step",
            text=_("Return plan: {text} (by {date})").format(text=text, date=format_date(due_on)),
            params=params_json(t="return_step", text=text, date=due_on),
        )
        audit.record(
            session, actor, "return_step_added", "follow_up_task", task.id, company_id=company.id, assignee_id=person.id
        )
        notify.after_commit(
            session, notify.Notice(kind="changed", what="accounts", user_ids=(person.id,), company_id=company.id)
        )
        return _step(task, user_names(session, [person.id]))


def finish_return_step(db: Database, actor: Actor, task_id: int, result: str) -> ReturnStep:
    """The step's person (or the supervisor) marks it done, saying what came of it."""
    result = typed_text(result, 500, _("What came of it"))  # refused when longer, never cut
    if not result:
        raise ValidationFailed(_("Say what came of it."))
    with db.write() as session:
        require_active_user(session, actor)
        task = session.execute(
            select(FollowUpTask).where(FollowUpTask.id == task_id).with_for_update()
        ).scalar_one_or_none()
        if task is None or task.kind != TaskKind.RETURN:
            raise NotFound() if actor.role == Role.SUPERVISOR else AccessDenied()
        company = require_company(session, actor, task.company_id)
        require_task_owner(actor, task.assignee_id)
        if task.done_at is not None:
            raise ValidationFailed(_("This step is already done."))
        task.done_at = utcnow()
        task.result = result
        task.version += 1
        write_history(
            session,
            actor,
            company.id,
            InteractionKind.NOTE,
            outcome="return_step_done",
            text=_("Return step done: {text}\n{result}").format(text=task.text, result=result),
            params=params_json(t="step_done", text=task.text, result=result),
        )
        session.flush()
        audit.record(session, actor, "return_step_done", "follow_up_task", task.id, company_id=company.id)
        return _step(task, user_names(session, [task.assignee_id]))


# --- activation of potential clients ---------------------------------------------------------------


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _add_months(day: date, n: int) -> date:
    month = day.month - 1 + n
    return date(day.year + month // 12, month % 12 + 1, 1)


def _activations(session: Session, first: date, end: date) -> dict[int, tuple[date, int | None]]:
    """Companies first activated in [first, end): company -> (the day, the closer of the first contract)."""
    zone = clock.centre_zone(session)
    start_utc = clock.day_start(session, first)
    won: dict[int, tuple[date, int | None]] = {}
    first_won = (
        select(Deal.company_id, func.min(Deal.closed_at).label("at"))
        .where(Deal.status == DealStatus.WON, Deal.closed_at.is_not(None))
        .group_by(Deal.company_id)
        .subquery()
    )
    for cid, at, closer in session.execute(
        select(first_won.c.company_id, first_won.c.at, Deal.closer_id)
        .join(Deal, and_(Deal.company_id == first_won.c.company_id, Deal.closed_at == first_won.c.at))
        .where(first_won.c.at >= start_utc)
    ).all():
        won[cid] = (_local_day(at, zone), closer)
    earlier_won = set(
        session.execute(
            select(Deal.company_id).where(Deal.status == DealStatus.WON, Deal.closed_at < start_utc).distinct()
        ).scalars()
    )
    result = {cid: v for cid, v in won.items() if v[0] < end}
    for cid, day in session.execute(
        select(Company.id, Company.first_order_at).where(Company.first_order_at >= first, Company.first_order_at < end)
    ).all():
        if cid in earlier_won:
            continue
        if cid in won:
            if day < won[cid][0]:
                result[cid] = (day, won[cid][1])
            continue
        result[cid] = (day, None)
    return result


def _activation_rows(session: Session, months: int, today: date) -> tuple[list[ActivationRow], dict]:
    current = _month_start(today)
    first = _add_months(current, -(months - 1))
    end = _add_months(current, 1)
    plans: dict[date, int] = dict(
        session.execute(select(ActivationPlan.month, ActivationPlan.value).where(ActivationPlan.month >= first)).all()
    )
    activated = _activations(session, first, end)
    potential = session.execute(
        select(func.count(Company.id)).where(Company.category == Category.POTENTIAL)
    ).scalar_one()
    rows = []
    for n in range(months):
        month = _add_months(first, n)
        nxt = _add_months(month, 1)
        rows.append(
            ActivationRow(
                starts_on=month,
                ends_on=nxt - timedelta(days=1),
                plan=plans.get(month),
                fact=sum(1 for day, _c in activated.values() if month <= day < nxt),
                potential_left=int(potential),
            )
        )
    return rows, activated


@audited_view("activation")
def activation(db: Database, actor: Actor, months: int = 6) -> ActivationReport:
    today = clock.today(db)
    months = max(1, min(int(months), 24))
    with db.read() as session:
        require_supervisor(session, actor)
        rows, activated = _activation_rows(session, months, today)
        counts: dict[int, int] = {}
        for _day, closer in activated.values():
            if closer is not None:
                counts[closer] = counts.get(closer, 0) + 1
        names = user_names(session, counts)
        by_closer = tuple(
            Activator(uid, names.get(uid, ""), n)
            for uid, n in sorted(counts.items(), key=lambda p: (-p[1], names.get(p[0], "")))
        )
        return ActivationReport(tuple(rows), by_closer)


def set_activation_plan(db: Database, actor: Actor, month: date, value: int) -> ActivationRow:
    try:
        value = int(value)
    except (TypeError, ValueError):
        raise ValidationFailed(_("The plan is a number of clients, 0 or more.")) from None
    if value < 0 or value > 1_000_000:
        raise ValidationFailed(_("The plan is a number of clients, 0 or more."))
    month = _month_start(month)
    today = clock.today(db)
    with db.write() as session:
        require_supervisor(session, actor)
        require(actor, Capability.EDIT_SCRIPTS)
        row = session.execute(select(ActivationPlan).where(ActivationPlan.month == month)).scalar_one_or_none()
        old = row.value if row else None
        if row is None:
            row = ActivationPlan(month=month, value=value, updated_by_id=actor.id)
            session.add(row)
        else:
            row.value = value
            row.updated_by_id = actor.id
            row.updated_at = utcnow()
        session.flush()
        audit.record(
            session,
            actor,
            "activation_plan_set",
            "activation_plan",
            row.id,
            month=month.isoformat(),
            value=value,
            old=old,
        )
        nxt = _add_months(month, 1)
        activated = _activations(session, month, nxt)
        potential = session.execute(
            select(func.count(Company.id)).where(Company.category == Category.POTENTIAL)
        ).scalar_one()
        del today
        return ActivationRow(month, nxt - timedelta(days=1), value, len(activated), int(potential))
