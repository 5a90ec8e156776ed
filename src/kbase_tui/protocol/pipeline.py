"""The closers' pipeline: the board, the deal card, won and lost, and the supervisor's view of it.

A closer receives only their own open deals (the board, a column's next page, a card); the
supervisor receives every closer's deals a page at a time.  Which deal a person may see or change
is the services' rule (kbase_tui.services.pipeline and policy), not the screen's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

import msgspec

from .clients import CompanyInfo, ContactInfo, HistoryEntry
from .operations import operation
from .reference import ReasonInfo, StageInfo
from .types import Code, Count, Id, Text

BOARD_PAGE = 30  # deals per column in the first page of the board

Step = Annotated[int, msgspec.Meta(ge=-1, le=1)]  # one stage back or forward


@dataclass(frozen=True)
class DealSummary:
    """One card on the board or one row of the supervisor's list."""

    id: int
    company_id: int
    company_name: str
    city: str
    stage_code: str
    stage_label: str
    status: str
    expected_amount: Decimal
    next_step: str
    next_step_due: date | None
    overdue: bool
    stale: bool
    last_activity_at: datetime
    closer_id: int | None
    closer_name: str
    supervisor_comment: str
    version: int


@dataclass(frozen=True)
class StageColumn:
    """One board column: its first deals (a page), and the count and sums of the WHOLE column."""

    code: str
    label: str
    deals: tuple[DealSummary, ...]  # the first deals in order (by next-step date); more via column_deals()
    count: int = 0  # every open deal in the column, loaded or not
    total: Decimal = Decimal("0")  # expected sum of every deal in the column
    overdue: int = 0  # deals in the column whose next step is overdue

    @property
    def more(self) -> bool:
        """True when the column has deals beyond the ones delivered."""
        return len(self.deals) < self.count


@dataclass(frozen=True)
class Board:
    columns: tuple[StageColumn, ...]
    today: date

    @property
    def count(self) -> int:
        return sum(c.count for c in self.columns)

    @property
    def overdue(self) -> int:
        return sum(c.overdue for c in self.columns)


@dataclass(frozen=True)
class DealInfo:
    id: int
    company_id: int
    closer_id: int | None
    closer_name: str
    handed_over_by_name: str
    stage_code: str
    stage_label: str
    status: str
    expected_amount: Decimal
    requirements: str
    next_step: str
    next_step_due: date | None
    supervisor_comment: str
    lost_reason: str
    lost_comment: str
    contract_date: date | None
    contract_amount: Decimal | None
    created_at: datetime
    last_activity_at: datetime
    version: int


@dataclass(frozen=True)
class DealCard:
    deal: DealInfo
    company: CompanyInfo
    contacts: tuple[ContactInfo, ...]
    stages: tuple[StageInfo, ...]  # the open stages, in order


@dataclass
class DealForm:
    """What the closer edits on the card."""

    requirements: str = ""
    next_step: str = ""
    next_step_due: date | None = None
    expected_amount: Decimal = Decimal("0")


@dataclass(frozen=True)
class UserChoice:
    id: int
    name: str
    load: int  # open deals of a closer, accounts of an account manager


@dataclass(frozen=True)
class WonResult:
    deal_id: int
    company_id: int
    order_id: int
    account_manager_id: int
    account_manager_name: str


@dataclass(frozen=True)
class LostDealInfo:
    deal_id: int
    company_id: int
    company_name: str
    city: str
    closer_id: int | None
    closer_name: str
    lost_reason: str
    lost_reason_label: str
    lost_comment: str
    expected_amount: Decimal
    closed_at: datetime | None


@dataclass(frozen=True)
class DealPage:
    deals: tuple[DealSummary, ...]
    total: int
    offset: int
    stale_days: int
    stages: tuple[StageInfo, ...] = field(default_factory=tuple)


# --- operations ------------------------------------------------------------------------
# The closer's board and card.


@operation("pipeline.board", reads=True)
def board(
    *,
    today: date | None = None,
    limit: Count = BOARD_PAGE,
    limits: dict[Code, Count] | None = None,
    follow: Id | None = None,
    include_companies: Annotated[list[Id], msgspec.Meta(max_length=100)] | None = None,
) -> Board:
    """The closer's open deals in columns by stage: the first page of each column with its whole count and sum."""


@operation("pipeline.column_deals", reads=True)
def column_deals(
    stage_code: Code,
    *,
    offset: Count = 0,
    limit: Count = BOARD_PAGE,
    today: date | None = None,
) -> tuple[DealSummary, ...]:
    """The next deals of one board column, in board order, from `offset`."""


@operation("pipeline.move_deal", stale=str)
def move_deal(deal_id: Id, step: Step, *, expected_stage: Code | None = None, today: date | None = None) -> DealSummary:
    """Move a deal one stage forward or back; StaleRecord (with the current stage code) if someone moved it first."""


@operation("pipeline.deal_card", reads=True)
def deal_card(deal_id: Id) -> DealCard:
    """Deal, company and contacts for the card (audited as a view)."""


@operation("pipeline.deal_history", reads=True)
def deal_history(deal_id: Id, *, limit: Count = 50, before_id: Id | None = None) -> list[HistoryEntry]:
    """The deal's company timeline, newest first, a page at a time."""


@operation("pipeline.update_deal", stale=DealInfo)
def update_deal(deal_id: Id, expected_version: int, form: DealForm) -> DealInfo:
    """Save requirements, next step, due date and amount; StaleRecord (with the current deal) if someone saved first."""


@operation("pipeline.add_deal_note")
def add_deal_note(deal_id: Id, kind: Code, text: Text, *, outcome: Code = "") -> HistoryEntry:
    """A note, call or meeting with its result on the deal's company timeline (counts as activity)."""


# Leaving the pipeline.


@operation("pipeline.account_managers", reads=True)
def account_managers() -> list[UserChoice]:
    """Active account managers with their number of accounts, fewest first (the won dialog's choice)."""


@operation("pipeline.win_deal")
def win_deal(
    deal_id: Id,
    contract_date: date,
    amount: Decimal,
    *,
    account_manager_id: Id | None = None,
    items: Text = "",
) -> WonResult:
    """Contract signed: the first order is recorded and the client goes to an account manager."""


@operation("pipeline.lost_reasons", reads=True)
def lost_reasons() -> list[ReasonInfo]:
    """The reasons a closer picks from when a deal is lost."""


@operation("pipeline.lose_deal")
def lose_deal(deal_id: Id, reason_code: Code, comment: Text = "") -> DealInfo:
    """The deal is lost, with a reason and a comment; the company waits on the supervisor's lost list."""


# The supervisor.


@operation("pipeline.closers", reads=True)
def closers() -> list[UserChoice]:
    """Active closers with their number of open deals (filters and the reassign dialog)."""


@operation("pipeline.all_deals", reads=True)
def all_deals(
    *,
    closer_id: Id | None = None,
    stage_code: Code | None = None,
    stale_only: bool = False,
    limit: Count = 100,
    offset: Count = 0,
    today: date | None = None,
) -> DealPage:
    """Every closer's open deals, stalest first, a page at a time."""


@operation("pipeline.reassign_deal")
def reassign_deal(deal_id: Id, closer_id: Id, comment: Text = "") -> DealInfo:
    """Give an open deal (and its company) to another closer."""


@operation("pipeline.comment_deal")
def comment_deal(deal_id: Id, text: Text) -> DealInfo:
    """The supervisor's comment, shown to the closer on the board and the card and kept in the history."""
