"""The head of sales' playbook: targets on each person's own screen, contact standards per ABCDE class,
a second responsible person for key clients, the TOP of lost clients with return plans, and the plan
for activating potential clients against the fact."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

import msgspec

from .clients import CompanyInfo, ContactInfo, HistoryEntry
from .operations import operation
from .targets import Person, TargetRow
from .types import Code, Id, Name

CLASSES = ("A", "B", "C", "D", "E")
# Days between contacts: 0 means "no standard" for that class.
StandardDays = Annotated[int, msgspec.Meta(ge=0, le=3650)]
TopN = Annotated[int, msgspec.Meta(ge=1, le=500)]
PlanValue = Annotated[int, msgspec.Meta(ge=0, le=1_000_000)]


# --- contact standards -------------------------------------------------------------------------


@dataclass(frozen=True)
class ContactStandard:
    abcde_class: str
    days: int  # 0: no standard


@dataclass(frozen=True)
class BehindRow:
    """An account behind its class's contact standard."""

    company_id: int
    name: str
    abcde_class: str
    is_key_client: bool
    standard_days: int
    last_contact_at: datetime | None  # None: never contacted since it came to the account stage
    due_on: date
    days_behind: int
    owner_id: int | None
    owner_name: str


@dataclass(frozen=True)
class BehindPage:
    rows: tuple[BehindRow, ...]
    total: int  # all clients behind (rows may be fewer)
    today: date


@dataclass(frozen=True)
class ManagerBehind:
    user_id: int
    name: str
    with_standard: int  # active clients whose class has a standard
    behind: int
    behind_key: int  # of those, key clients
    worst_days: int  # the most days behind


# --- second responsible person --------------------------------------------------------------------


@dataclass(frozen=True)
class SecondClient:
    """A key client and its second responsible person (none: second_id None)."""

    company_id: int
    name: str
    abcde_class: str
    is_key_client: bool
    owner_id: int | None
    owner_name: str
    second_id: int | None
    second_name: str
    assigned_at: datetime | None


@dataclass(frozen=True)
class SecondCard:
    """What a second responsible person sees of a client: read only."""

    company: CompanyInfo
    contacts: tuple[ContactInfo, ...]
    abcde_class: str
    is_key_client: bool
    owner_name: str
    orders_count: int
    revenue_total: Decimal
    last_order_at: date | None


# --- lost clients: TOP and return plans -------------------------------------------------------------


@dataclass(frozen=True)
class ReturnStep:
    id: int
    company_id: int
    assignee_id: int | None
    assignee_name: str
    text: str
    due_at: datetime
    done_at: datetime | None
    result: str


@dataclass(frozen=True)
class LostTopRow:
    rank: int
    company_id: int
    name: str
    owner_id: int | None
    owner_name: str
    lost_at: datetime | None
    year_revenue: Decimal  # orders in the year before the client was lost (before today if unknown)
    year_margin: Decimal | None
    steps: int
    steps_done: int
    next_step: str
    next_due_at: datetime | None
    overdue: bool


# --- activation of potential clients -----------------------------------------------------------------


@dataclass(frozen=True)
class ActivationRow:
    starts_on: date  # the month's first day
    ends_on: date
    plan: int | None  # None: no plan set for the month
    fact: int  # companies whose first contract or first order fell in the month
    potential_left: int  # potential clients in the base now (the pool to activate from)


@dataclass(frozen=True)
class Activator:
    user_id: int
    name: str
    activated: int


@dataclass(frozen=True)
class ActivationReport:
    rows: tuple[ActivationRow, ...]
    by_closer: tuple[Activator, ...]  # the months shown, together


# --- operations ----------------------------------------------------------------------------------


@operation("playbook.my_targets", reads=True)
def my_targets() -> list[TargetRow]:
    """The signed-in person's own targets whose period contains today, with what they achieved so far."""


@operation("playbook.contact_standards", reads=True)
def contact_standards() -> list[ContactStandard]:
    """Days between contacts for each ABCDE class (0: no standard)."""


@operation("playbook.set_contact_standard")
def set_contact_standard(abcde_class: Code, days: StandardDays) -> ContactStandard:
    """Set how often clients of one class must be contacted (supervisor)."""


@operation("playbook.behind_standard", reads=True)
def behind_standard(limit: TopN = 200) -> BehindPage:
    """The account manager's own clients behind their contact standard: key clients first, most days behind first."""


@operation("playbook.behind_by_manager", reads=True)
def behind_by_manager() -> list[ManagerBehind]:
    """Per account manager: clients with a standard, how many behind, key clients behind, the worst (supervisor)."""


@operation("playbook.team_behind", reads=True)
def team_behind(manager_id: Id | None = None, limit: TopN = 200) -> BehindPage:
    """Every account behind its standard (or one manager's), key clients first (supervisor)."""


@operation("playbook.key_clients", reads=True)
def key_clients() -> list[SecondClient]:
    """A and B clients and key clients with their second responsible person (supervisor)."""


@operation("playbook.second_candidates", reads=True)
def second_candidates() -> list[Person]:
    """Active closers and account managers who can be a second responsible person."""


@operation("playbook.assign_second")
def assign_second(company_id: Id, user_id: Id) -> SecondClient:
    """Make *user_id* the second responsible person of an A/B or key client (supervisor)."""


@operation("playbook.remove_second")
def remove_second(company_id: Id) -> SecondClient:
    """End the client's second-person assignment (supervisor)."""


@operation("playbook.my_second_clients", reads=True)
def my_second_clients() -> list[SecondClient]:
    """The clients the signed-in person is the second responsible person of."""


@operation("playbook.second_card", reads=True)
def second_card(company_id: Id) -> SecondCard:
    """A client the signed-in person backs up, read only (audited as a view)."""


@operation("playbook.second_history", reads=True)
def second_history(company_id: Id, limit: TopN = 50, before_id: Id | None = None) -> list[HistoryEntry]:
    """That client's history, newest first, paged (read only)."""


@operation("playbook.lost_top", reads=True)
def lost_top(limit: TopN = 20) -> list[LostTopRow]:
    """The lost clients ranked by what they bought in their last year, with the return plan's progress."""


@operation("playbook.return_plan", reads=True)
def return_plan(company_id: Id) -> list[ReturnStep]:
    """The steps of a lost client's return plan, oldest first (supervisor)."""


@operation("playbook.add_return_step")
def add_return_step(company_id: Id, assignee_id: Id, text: Name, due_on: date) -> ReturnStep:
    """A step of a lost client's return plan: who, what, by when; the person gets it as a task (supervisor)."""


@operation("playbook.finish_return_step")
def finish_return_step(task_id: Id, result: Name) -> ReturnStep:
    """The assigned person (or the supervisor) marks a return step done with what came of it."""


@operation("playbook.activation", reads=True)
def activation(months: Annotated[int, msgspec.Meta(ge=1, le=24)] = 6) -> ActivationReport:
    """The plan for activating potential clients per month against the fact, the current month last."""


@operation("playbook.set_activation_plan")
def set_activation_plan(month: date, value: PlanValue) -> ActivationRow:
    """How many potential clients to activate in the month containing *month* (supervisor)."""
