"""Targets per user: the plan of a metric for a day, a week or a month, and what was achieved."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Annotated

import msgspec

from .operations import operation
from .types import Code, Id

# The target column is a 32-bit integer on both databases.
TargetValue = Annotated[int, msgspec.Meta(ge=0, le=2**31 - 1)]


@dataclass(frozen=True)
class TargetRow:
    id: int
    user_id: int
    user_name: str
    metric: str
    period: str
    starts_on: date
    ends_on: date
    value: int
    actual: Decimal


@dataclass(frozen=True)
class Person:
    id: int
    name: str
    role: str


# --- operations ------------------------------------------------------------------------


@operation("targets.people", reads=True)
def people() -> list[Person]:
    """The active callers, closers and account managers a target can be set for."""


@operation("targets.set_target")
def set_target(user_id: Id, metric: Code, period: Code, starts_on: date, value: TargetValue) -> TargetRow:
    """Create or change the target of one user, metric and period (weeks start on Monday, months on the 1st)."""


@operation("targets.delete_target")
def delete_target(target_id: Id) -> None:
    """Remove one target."""


@operation("targets.list_targets", reads=True)
def list_targets(date_from: date, date_to: date) -> list[TargetRow]:
    """Targets whose period overlaps [date_from, date_to], each with what was achieved so far."""
