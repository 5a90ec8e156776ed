"""Growing each client: the ideal client per segment (the standard), white spots, cross-sell tasks, the
figures of growth, the market's capacity, the census of the potential base, and focus targets.

The arithmetic is the server's (services.client_growth) and is decided by its date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from .accounts import TaskInfo
from .operations import operation
from .types import Code, Count, Id, Name, Text


@dataclass(frozen=True)
class StandardInfo:
    id: int
    segment_kind: str  # channel | industry
    segment: str
    interval_days: int
    average_order: Decimal
    note: str
    category_ids: tuple[int, ...]
    category_names: tuple[str, ...]


@dataclass(frozen=True)
class WhiteSpot:
    category_id: int
    category_name: str
    status: str  # missing (never bought in the year) | rare (bought less often than the standard)
    bought: int  # orders with the category in the year
    expected: int  # orders the standard expects over the same days
    last_bought_at: date | None
    gap: Decimal  # the missing purchases' worth, weighted by the client's potential


@dataclass(frozen=True)
class GrowthFigures:
    """This year (the 365 days to today) against the year before."""

    orders_now: int
    orders_before: int
    average_now: Decimal | None
    average_before: Decimal | None
    breadth_now: int  # categories bought
    breadth_before: int


@dataclass(frozen=True)
class ClientGrowth:
    company_id: int
    today: date
    standard: StandardInfo | None
    spots: tuple[WhiteSpot, ...]
    figures: GrowthFigures
    potential: int


@dataclass(frozen=True)
class PortfolioGap:
    company_id: int
    company_name: str
    owner_id: int | None
    owner_name: str
    potential: int
    segment: str
    category_id: int
    category_name: str
    status: str
    bought: int
    expected: int
    gap: Decimal


@dataclass(frozen=True)
class PortfolioPage:
    rows: tuple[PortfolioGap, ...]
    total: int
    offset: int
    total_gap: Decimal


@dataclass(frozen=True)
class GrowthRow:
    company_id: int
    name: str
    owner_name: str
    figures: GrowthFigures
    white_spots: int


@dataclass(frozen=True)
class GrowthPage:
    rows: tuple[GrowthRow, ...]
    total: int
    offset: int


@dataclass(frozen=True)
class CapacityRow:
    segment: str
    active: int
    potential: int
    orders: int  # orders of the segment's clients in the year
    average_check: Decimal | None
    capacity: Decimal | None  # (active + potential) × average check
    covered: Decimal | None  # active × average check
    share: float | None  # active / (active + potential)


@dataclass(frozen=True)
class CensusRow:
    company_id: int
    name: str
    city: str
    channel: str
    industry: str
    last_touch_at: datetime | None


@dataclass(frozen=True)
class CensusPage:
    rows: tuple[CensusRow, ...]
    total: int
    offset: int
    since: date


@dataclass(frozen=True)
class FocusTargetInfo:
    id: int
    starts_on: date
    ends_on: date
    category_id: int
    category_name: str
    segment_kind: str
    segment: str
    manager_id: int | None
    manager_name: str
    metric: str  # amount | clients
    value: Decimal


@dataclass(frozen=True)
class FocusProgress:
    target: FocusTargetInfo
    manager_id: int
    manager_name: str
    done: Decimal

    @property
    def share(self) -> float:
        return float(self.done / self.target.value) if self.target.value else 0.0


# --- the standards ----------------------------------------------------------------------------


@operation("growth.standards", reads=True)
def standards() -> list[StandardInfo]:
    """The ideal client of each segment, by kind and segment."""


@operation("growth.save_standard")
def save_standard(
    segment_kind: Code,
    segment: Name,
    interval_days: int,
    average_order: Decimal,
    category_ids: list[Id],
    *,
    note: Text = "",
    standard_id: Id | None = None,
) -> StandardInfo:
    """Set the ideal client of a segment (head of sales)."""


@operation("growth.delete_standard")
def delete_standard(standard_id: Id) -> None:
    """Remove a segment's standard (head of sales)."""


@operation("growth.segments", reads=True)
def segments(segment_kind: Code) -> list[str]:
    """The channels or industries the base knows, for choosing a segment."""


# --- one client, a portfolio ------------------------------------------------------------------


@operation("growth.client_growth", reads=True)
def client_growth(company_id: Id) -> ClientGrowth:
    """A client's white spots against its segment's standard, and its frequency, average order and breadth."""


@operation("growth.portfolio_gaps", reads=True)
def portfolio_gaps(*, manager_id: Id | None = None, offset: Count = 0, limit: Count = 100) -> PortfolioPage:
    """The largest white spots of a portfolio (the user's own; the head of sales: one manager's or all)."""


@operation("growth.cross_sell")
def cross_sell(company_id: Id, category_id: Id) -> TaskInfo:
    """Turn a white spot into a cross-sell task for the client's account manager, with a script line."""


@operation("growth.growth_report", reads=True)
def growth_report(*, manager_id: Id | None = None, offset: Count = 0, limit: Count = 100) -> GrowthPage:
    """Frequency, average order and breadth of every account with their trend (head of sales)."""


# --- the market -------------------------------------------------------------------------------


@operation("growth.capacity", reads=True)
def capacity(segment_kind: Code) -> list[CapacityRow]:
    """Per channel or industry: active and potential clients, the average check, capacity and share covered."""


@operation("growth.census", reads=True)
def census(*, offset: Count = 0, limit: Count = 100) -> CensusPage:
    """Potential clients nobody has touched for a year, the least recently touched first."""


# --- focus targets ----------------------------------------------------------------------------


@operation("growth.focus_targets", reads=True)
def focus_targets(*, include_past: bool = False) -> list[FocusTargetInfo]:
    """The focus targets (current and future; with include_past, all), newest period first (head of sales)."""


@operation("growth.save_focus_target")
def save_focus_target(
    starts_on: date,
    ends_on: date,
    category_id: Id,
    metric: Code,
    value: Decimal,
    *,
    segment_kind: Code = "",
    segment: Name = "",
    manager_id: Id | None = None,
) -> FocusTargetInfo:
    """Set a focus target: this category to this segment in this period, as an amount or a number of clients."""


@operation("growth.delete_focus_target")
def delete_focus_target(target_id: Id) -> None:
    """Remove a focus target (head of sales)."""


@operation("growth.focus_progress", reads=True)
def focus_progress(*, manager_id: Id | None = None) -> list[FocusProgress]:
    """Progress on today's focus targets: the user's own; the head of sales, every account manager's."""
