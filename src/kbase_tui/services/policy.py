"""Who may see and change what.  Every access rule of kbase lives here.

The conveyor's rule: each person sees only their own stage and their own
records, and the previous link loses access when a client moves on.

- caller: only the lead they hold right now (lease not expired), and the
  time and name of their own callbacks; never a list, search or export;
- closer: only companies in the pipeline stage assigned to them;
- account manager: only companies in the account stage assigned to them;
- supervisor: everything;
- admin: users and the audit log, no client commercial data;
- specialist (a project manager or technical specialist): only the card of a client an account
  manager brought them into, while that task (kind specialist, assigned to them) is open and the
  client is still with the account managers; closing the task takes the card away at once.  No
  list, no search, no other service: `require_specialist_company` is their only way in.

A second responsible person (a closer or account manager the supervisor attached to a key client)
may read that one client (card, contacts, history) and nothing else of the owner's portfolio,
never change it, and only while the assignment stands and the client stays at the stage it was
made at: `second_person_clause`, `is_second_person`, `require_company_as_second`.

Services call these functions first and act second; tests try every role
against every rule (tests/services/test_policy_matrix.py).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import and_, bindparam, exists, false, or_, select, true
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from kbase_tui.i18n import _
from kbase_tui.models import Company, FollowUpTask, Role, SecondPerson, Stage, TaskKind, User, utcnow

from .dto import Actor
from .errors import AccessDenied, NotFound


class Capability(StrEnum):
    WORK_QUEUE = "work_queue"
    WORK_PIPELINE = "work_pipeline"
    WORK_ACCOUNTS = "work_accounts"
    LIST_CLIENTS = "list_clients"  # any list or search of companies
    REVIEW_REFUSALS = "review_refusals"
    SUPERVISE = "supervise"  # all pipelines and accounts, reassign, lost list
    REPORTS = "reports"
    IMPORT = "import"
    EXPORT = "export"
    TRANSFER_PORTFOLIO = "transfer_portfolio"
    EDIT_SCRIPTS = "edit_scripts"  # scripts, outcomes, reasons, settings, targets
    MANAGE_USERS = "manage_users"
    VIEW_AUDIT = "view_audit"
    VIEW_CLIENT_DATA = "view_client_data"
    WORK_ASSIGNMENTS = "work_assignments"  # a specialist's own open assignments


_CAPABILITIES: dict[str, frozenset[Capability]] = {
    Role.CALLER: frozenset({Capability.WORK_QUEUE, Capability.VIEW_CLIENT_DATA}),
    Role.CLOSER: frozenset({Capability.WORK_PIPELINE, Capability.LIST_CLIENTS, Capability.VIEW_CLIENT_DATA}),
    Role.ACCOUNT: frozenset({Capability.WORK_ACCOUNTS, Capability.LIST_CLIENTS, Capability.VIEW_CLIENT_DATA}),
    Role.SUPERVISOR: frozenset(
        {
            Capability.LIST_CLIENTS,
            Capability.REVIEW_REFUSALS,
            Capability.SUPERVISE,
            Capability.REPORTS,
            Capability.IMPORT,
            Capability.EXPORT,
            Capability.TRANSFER_PORTFOLIO,
            Capability.EDIT_SCRIPTS,
            Capability.VIEW_AUDIT,
            Capability.VIEW_CLIENT_DATA,
            Capability.WORK_PIPELINE,
            Capability.WORK_ACCOUNTS,
        }
    ),
    Role.ADMIN: frozenset({Capability.MANAGE_USERS, Capability.VIEW_AUDIT}),
    # Not VIEW_CLIENT_DATA: require_company refuses a specialist; only require_specialist_company lets one in.
    Role.SPECIALIST: frozenset({Capability.WORK_ASSIGNMENTS}),
}

LOCAL_ADMIN_ROLE = "local"  # the server owner's CLI: whoever can open the database file


def is_local(actor: Actor) -> bool:
    return actor.role == LOCAL_ADMIN_ROLE


def may(actor: Actor, capability: Capability) -> bool:
    if is_local(actor):
        # The server's owner can already read the file; the CLI gives them
        # administration, import and export, all audited as local:<user>.
        return capability in {
            Capability.MANAGE_USERS,
            Capability.VIEW_AUDIT,
            Capability.IMPORT,
            Capability.EXPORT,
            Capability.REPORTS,
            Capability.EDIT_SCRIPTS,
            Capability.TRANSFER_PORTFOLIO,
            Capability.SUPERVISE,
            Capability.LIST_CLIENTS,
            Capability.VIEW_CLIENT_DATA,
            Capability.REVIEW_REFUSALS,
        }
    return capability in _CAPABILITIES.get(actor.role, frozenset())


def require(actor: Actor, capability: Capability) -> None:
    if not may(actor, capability):
        raise AccessDenied(_("Your role does not allow this."))


_ACTIVE_USER = select(User.disabled, User.role).where(User.id == bindparam("user_id"))


def require_active_user(session: Session, actor: Actor) -> None:
    """Re-read the user: a disabled user or a changed role loses access at once.

    One Core query (it runs first in every service call, on the hot paths too).
    """
    if is_local(actor):
        return
    checked = session.info.setdefault("active_users", set())  # once a transaction (a session is one here)
    if (actor.id, actor.role) in checked:
        return
    row = session.connection().execute(_ACTIVE_USER, {"user_id": actor.id}).first() if actor.id is not None else None
    refuse_unless_active(row, actor)
    checked.add((actor.id, actor.role))


def refuse_unless_active(row, actor: Actor) -> None:
    """AccessDenied unless *row* (the user's `disabled, role`, or None) is an active user of the actor's role.

    For a hot path that reads those two columns within a statement of its own (taking a lead)."""
    if row is None or row[0] or row[1] != actor.role:
        raise AccessDenied(_("Your account is disabled or its role has changed; sign in again."))


def company_visibility(actor: Actor, now: datetime | None = None) -> ColumnElement[bool]:
    """A WHERE clause selecting exactly the companies *actor* may see."""
    now = now or utcnow()
    if is_local(actor) or actor.role == Role.SUPERVISOR:
        return true()
    if actor.role == Role.CALLER:
        return and_(Company.stage == Stage.COLD, Company.held_by_id == actor.id, Company.held_until > now)
    if actor.role == Role.CLOSER:
        return and_(Company.stage == Stage.PIPELINE, Company.owner_id == actor.id)
    if actor.role == Role.ACCOUNT:
        return and_(Company.stage == Stage.ACCOUNT, Company.owner_id == actor.id)
    return false()


def can_see_company(actor: Actor, company: Company, now: datetime | None = None) -> bool:
    now = now or utcnow()
    if is_local(actor) or actor.role == Role.SUPERVISOR:
        return True
    if actor.role == Role.CALLER:
        return (
            company.stage == Stage.COLD
            and company.held_by_id == actor.id
            and company.held_until is not None
            and company.held_until > now
        )
    if actor.role == Role.CLOSER:
        return company.stage == Stage.PIPELINE and company.owner_id == actor.id
    if actor.role == Role.ACCOUNT:
        return company.stage == Stage.ACCOUNT and company.owner_id == actor.id
    return False


def require_company(session: Session, actor: Actor, company_id: int, *, for_update: bool = False) -> Company:
    """Load a company the actor may see, or raise AccessDenied/NotFound."""
    require_active_user(session, actor)
    if not may(actor, Capability.VIEW_CLIENT_DATA):
        raise AccessDenied()
    query = select(Company).where(Company.id == company_id)
    if for_update:
        query = query.with_for_update()
    company = session.execute(query).scalar_one_or_none()
    if company is None:
        if actor.role == Role.SUPERVISOR or is_local(actor):
            raise NotFound()
        raise AccessDenied()  # do not tell a caller which ids exist
    if not can_see_company(actor, company):
        raise AccessDenied()
    return company


def require_list_access(session: Session, actor: Actor) -> None:
    """Lists and searches of companies: never for callers or admins."""
    require_active_user(session, actor)
    require(actor, Capability.LIST_CLIENTS)


def specialist_access(specialist_id: int, company_id: int) -> ColumnElement[bool]:
    """True while an open task of kind specialist brings *specialist_id* into *company_id*."""
    return exists().where(
        FollowUpTask.company_id == company_id,
        FollowUpTask.assignee_id == specialist_id,
        FollowUpTask.kind == TaskKind.SPECIALIST,
        FollowUpTask.done_at.is_(None),
    )


def require_specialist_company(session: Session, actor: Actor, company_id: int) -> Company:
    """The company a specialist was brought into, while their task is open; AccessDenied otherwise
    (the same refusal whether the company exists or not)."""
    require_active_user(session, actor)
    if actor.role != Role.SPECIALIST:
        raise AccessDenied()
    company = session.execute(
        select(Company).where(
            Company.id == company_id,
            Company.stage == Stage.ACCOUNT,
            Company.merged_into_id.is_(None),
            specialist_access(actor.id, Company.id),
        )
    ).scalar_one_or_none()
    if company is None:
        raise AccessDenied(_("This client's card is closed to you: the task that brought you in is closed."))
    return company


# --- ownership: whose company, deal, task, lead or callback ---------------------------------------
# An owner id (a company's owner, a deal's closer, a task's assignee, a lead's holder, a callback's caller) is
# compared with the actor only here, so what "mine" means can change in one place.


def owns(actor: Actor, owner_id: int | None) -> bool:
    """Whether *owner_id* is the actor (never for a record with no owner)."""
    return owner_id is not None and actor.id is not None and owner_id == actor.id


def own_or_nobodys(actor: Actor, owner_id: int | None) -> bool:
    """Whether a record reserved for *owner_id* (a special offer, a callback) is free or the actor's."""
    return owner_id is None or owns(actor, owner_id)


def own_or_nobodys_sql(column, me) -> ColumnElement[bool]:
    """SQL for `own_or_nobodys`: *column* is empty or holds *me* (the actor's id, or a bound parameter of lean SQL)."""
    return or_(column.is_(None), column == me)


def owned_by(actor: Actor, column) -> ColumnElement[bool]:
    """SQL for "the owner id in *column* is the actor"."""
    return column == actor.id


def require_deal_owner(actor: Actor, closer_id: int | None) -> None:
    """A closer works on their own deals only; the supervisor (and the local CLI) on all."""
    if not (actor.role == Role.SUPERVISOR or is_local(actor) or owns(actor, closer_id)):
        raise AccessDenied()


def require_task_owner(actor: Actor, assignee_id: int | None) -> None:
    """An account manager closes their own tasks only; the supervisor (and the local CLI) any."""
    if not (actor.role == Role.SUPERVISOR or is_local(actor) or owns(actor, assignee_id)):
        raise AccessDenied()


# --- a second responsible person of a key client -------------------------------------------------

SECOND_PERSON_ROLES = (Role.CLOSER, Role.ACCOUNT)


def second_person_clause(actor: Actor) -> ColumnElement[bool]:
    """A WHERE clause selecting the companies *actor* may read as their second responsible person.

    An assignment counts while it is not removed and the company is still at the stage it was
    made at: a client moving on through the conveyor takes the second person's access with it."""
    if actor.role not in SECOND_PERSON_ROLES or actor.id is None:
        return false()
    return exists().where(
        SecondPerson.company_id == Company.id,
        SecondPerson.user_id == actor.id,
        SecondPerson.removed_at.is_(None),
        SecondPerson.stage == Company.stage,
    )


def is_second_person(session: Session, actor: Actor, company: Company) -> bool:
    if actor.role not in SECOND_PERSON_ROLES or actor.id is None:
        return False
    return (
        session.execute(
            select(SecondPerson.id).where(
                SecondPerson.company_id == company.id,
                SecondPerson.user_id == actor.id,
                SecondPerson.removed_at.is_(None),
                SecondPerson.stage == company.stage,
            )
        ).first()
        is not None
    )


def require_company_as_second(session: Session, actor: Actor, company_id: int) -> Company:
    """A company the actor may *read* as its second responsible person (the supervisor: any).

    Read only: services that change a company never call this, they call `require_company`, which
    a second person does not pass.  Unknown ids and other clients are refused alike."""
    require_active_user(session, actor)
    if is_local(actor) or actor.role == Role.SUPERVISOR:
        return require_company(session, actor, company_id)
    if actor.role not in SECOND_PERSON_ROLES:
        raise AccessDenied()
    company = session.get(Company, company_id)
    if company is None or not is_second_person(session, actor, company):
        raise AccessDenied()
    return company
