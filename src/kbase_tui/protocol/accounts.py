"""An account manager's clients, and the supervisor's view of all of them.

The account manager sees only their own account-stage clients (services.policy), the supervisor
all of them.  Dates that decide what is due or lost are the server's: no operation takes "today".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from kbase_tui.i18n import _

from .catalog import OrderLineInput
from .clients import CompanyInfo, ContactInfo, HistoryEntry
from .operations import operation
from .reference import ReasonInfo
from .types import Code, Count, Id, Text


def follow_up_results() -> dict[str, str]:
    """Result codes of a follow-up call and their labels (the dialog's choices, in order)."""
    return {
        "purchase_planned": _("Purchase planned"),
        "offer_made": _("Offered new or related goods"),
        "not_now": _("No purchase planned yet"),
        "callback": _("Asked to call back"),
        "no_answer": _("No answer"),
        "unhappy": _("Unhappy: needs attention"),
    }


@dataclass(frozen=True)
class AccountRow:
    company_id: int
    name: str
    city: str
    channel: str
    abcde_class: str
    is_key_client: bool
    category: str
    orders_count: int
    last_order_at: date | None
    revenue_total: Decimal
    next_purchase_at: date | None
    next_purchase_is_stated: bool
    next_follow_up_at: datetime | None
    follow_up_due: bool
    follow_up_overdue: bool
    mark: str  # "birthday" | "holiday" | ""
    mark_text: str  # e.g. "Birthday: Иван Петров, 07.03 (in 3 days)"
    owner_id: int | None = None
    owner_name: str = ""


@dataclass(frozen=True)
class AccountPage:
    rows: tuple[AccountRow, ...]
    total: int
    offset: int
    today: date
    due: int = 0
    holiday: str = ""
    moved_to_lost: int = 0
    open_quality_checks: int = 0
    open_returns: int = 0


@dataclass(frozen=True)
class AccountFigures:
    company_id: int
    category: str
    abcde_class: str
    is_key_client: bool
    potential_score: int
    orders_count: int
    revenue_total: Decimal
    margin_total: Decimal | None
    first_order_at: date | None
    last_order_at: date | None
    next_purchase_at: date | None
    next_purchase_is_stated: bool
    next_follow_up_at: datetime | None
    usual_interval_days: int | None
    requirements: str
    owner_id: int | None
    owner_name: str

    @property
    def average_order(self) -> Decimal | None:
        if not self.orders_count:
            return None
        return (self.revenue_total / self.orders_count).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class OrderInfo:
    id: int
    company_id: int
    ordered_at: date
    items: str
    amount: Decimal
    margin: Decimal | None
    manager_name: str


@dataclass(frozen=True)
class TaskInfo:
    id: int
    company_id: int
    company_name: str
    kind: str
    due_at: datetime
    text: str
    order_id: int | None
    order_date: date | None
    order_amount: Decimal | None
    done_at: datetime | None = None
    score: int | None = None
    result: str = ""


@dataclass(frozen=True)
class AccountCard:
    company: CompanyInfo
    figures: AccountFigures
    contacts: tuple[ContactInfo, ...]
    tasks: tuple[TaskInfo, ...]


@dataclass(frozen=True)
class OrderResult:
    order: OrderInfo
    figures: AccountFigures
    quality_task_id: int
    returned_from_lost: bool


@dataclass(frozen=True)
class ScriptInfo:
    template_phrase: str
    key_question: str


@dataclass(frozen=True)
class QualitySummary:
    manager_id: int
    manager_name: str
    checks: int
    average: float | None
    low_scores: int  # scores 1-2
    waiting: int  # open quality tasks now


@dataclass(frozen=True)
class ManagerLoad:
    id: int
    name: str
    accounts: int
    active: int
    lost: int
    revenue: Decimal
    due: int


@dataclass(frozen=True)
class LostAccount:
    company_id: int
    name: str
    channel: str
    owner_id: int | None
    owner_name: str
    reason_code: str
    reason_label: str
    reason_text: str
    lost_at: datetime | None
    last_order_at: date | None
    orders_count: int
    revenue_total: Decimal
    return_task_due: datetime | None
    return_task_done: bool
    calls_since: int
    last_call_at: datetime | None
    last_call_result: str


@dataclass(frozen=True)
class LostPage:
    rows: tuple[LostAccount, ...]
    total: int
    offset: int


@dataclass(frozen=True)
class ReassignResult:
    company_id: int
    old_owner_name: str
    new_owner_name: str
    tasks_moved: int


# --- operations ------------------------------------------------------------------------
# The account manager's own list, card and calls


@operation("accounts.follow_up_list", reads=True)
def follow_up_list(*, offset: Count = 0, limit: Count = 100) -> AccountPage:
    """The account manager's own clients, due follow-ups first, a page at a time (the first runs the lost check)."""


@operation("accounts.account_card", reads=True)
def account_card(company_id: Id) -> AccountCard:
    """Company, figures, contact persons and open tasks of one account (audited as a card view)."""


@operation("accounts.account_history", reads=True)
def account_history(company_id: Id, *, limit: Count = 50, before_id: Id | None = None) -> list[HistoryEntry]:
    """The account's whole timeline, newest first, a page at a time."""


@operation("accounts.orders", reads=True)
def orders(company_id: Id, *, limit: Count = 100, before_id: Id | None = None) -> list[OrderInfo]:
    """The account's orders, newest first, a page at a time."""


@operation("accounts.record_order")
def record_order(
    company_id: Id,
    ordered_at: date,
    amount: Decimal,
    items: Text = "",
    *,
    margin: Decimal | None = None,
    lines: list[OrderLineInput] | None = None,
) -> OrderResult:
    """A new order: the figures, the next purchase, back from lost, a quality-check task, the classes.

    With lines (products, categories or free text), the amount and the margin are their sums."""


@operation("accounts.follow_up_script", reads=True)
def follow_up_script(company_id: Id) -> ScriptInfo:
    """The follow-up script for the account's segment."""


@operation("accounts.record_follow_up")
def record_follow_up(
    company_id: Id,
    result: Code,
    notes: Text = "",
    *,
    next_purchase_at: date | None = None,
    next_follow_up_at: date | None = None,
) -> AccountFigures:
    """A follow-up call: its result, the purchase date the client named, the next follow-up and notes."""


@operation("accounts.update_requirements")
def update_requirements(company_id: Id, text: Text) -> AccountFigures:
    """The client's requirements (what they buy, terms, wishes)."""


@operation("accounts.set_potential")
def set_potential(company_id: Id, score: int) -> AccountFigures:
    """The client's potential, 0-100; the channel's classes are recomputed."""


@operation("accounts.my_tasks", reads=True)
def my_tasks(*, limit: Count = 200) -> tuple[TaskInfo, ...]:
    """The account manager's open tasks (quality checks, returns), soonest due first."""


@operation("accounts.record_quality_check")
def record_quality_check(task_id: Id, score: int, comment: Text = "") -> TaskInfo:
    """Close a quality-check task with the client's score (1-5) and a comment."""


@operation("accounts.lost_reasons", reads=True)
def lost_reasons() -> list[ReasonInfo]:
    """The reasons a client can be marked lost with."""


@operation("accounts.mark_lost")
def mark_lost(company_id: Id, reason_code: Code, comment: Text = "") -> AccountFigures:
    """Mark a client lost with a reason; a return task is created."""


# The supervisor's


@operation("accounts.quality_summary", reads=True)
def quality_summary(start: date, end: date) -> list[QualitySummary]:
    """Quality checks done in [start, end) per account manager."""


@operation("accounts.managers", reads=True)
def managers() -> list[ManagerLoad]:
    """Account managers with their accounts: count, active, lost, revenue, follow-ups due."""


@operation("accounts.all_accounts", reads=True)
def all_accounts(
    *,
    manager_id: Id | None = None,
    category: Code | None = None,
    offset: Count = 0,
    limit: Count = 100,
) -> AccountPage:
    """Every account (optionally one manager's or one category's), by manager then what is due, paged."""


@operation("accounts.reassign_account")
def reassign_account(company_id: Id, manager_id: Id, comment: Text = "") -> ReassignResult:
    """Give an account to another account manager; its history and open tasks go with it."""


@operation("accounts.lost_accounts", reads=True)
def lost_accounts(*, manager_id: Id | None = None, offset: Count = 0, limit: Count = 100) -> LostPage:
    """Lost clients with the reason and how their return is going, most recently bought first."""
