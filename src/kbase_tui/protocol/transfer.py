"""A manager leaves: what they hold, and its transfer to colleagues in one transaction."""

from __future__ import annotations

from dataclasses import dataclass

from .operations import operation
from .types import Id


@dataclass(frozen=True)
class PortfolioCounts:
    user_id: int
    user_name: str
    role: str
    companies: int  # owned companies
    deals: int  # open deals
    callbacks: int
    special_offers: int
    tasks: int  # open tasks
    held_leads: int


@dataclass(frozen=True)
class TransferResult:
    counts: PortfolioCounts
    receivers: tuple[tuple[int, str, int], ...]  # (user id, name, companies received)


@dataclass(frozen=True)
class StaffMember:
    id: int
    name: str
    username: str
    role: str
    disabled: bool


# --- operations ------------------------------------------------------------------------


@operation("transfer.staff", reads=True)
def staff() -> list[StaffMember]:
    """Users whose portfolio may be transferred (everyone but administrators)."""


@operation("transfer.portfolio", reads=True)
def portfolio(user_id: Id) -> PortfolioCounts:
    """What would move if *user_id* left now."""


@operation("transfer.transfer_portfolio")
def transfer_portfolio(from_user_id: Id, to_user_id: Id | None = None, *, disable: bool = True) -> TransferResult:
    """Move everything of *from_user_id* to *to_user_id*, or evenly over active colleagues of the same role."""


@operation("transfer.pass_on_held")
def pass_on_held(to_user_id: Id) -> TransferResult:
    """Hand what the signed-in head of sales holds for the receiver's role to the receiver (a new person)."""
