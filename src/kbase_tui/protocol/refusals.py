"""The refusal list and the head of sales' decisions: what the review screen and the desk show.

The list pages with a keyset cursor: `list_refusals` returns a page and the cursor of the next
one (`RefusalPage.next_cursor`), which the screen passes back as *after*.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Annotated

import msgspec

from kbase_tui import timezones
from kbase_tui.formatting import week_bounds

from .operations import operation
from .types import Code, Count, Id, Name, Text

PAGE_SIZE = 200
# A decision for every refusal loaded on the screen at once; the body limit caps it as well.
RefusalIds = Annotated[list[Id], msgspec.Meta(min_length=1, max_length=100_000)]


def current_week(today: date | None = None) -> tuple[date, date]:
    """Monday and Sunday of the week holding *today* (the call centre's date when not given)."""
    return week_bounds(today or timezones.business_today())


@dataclass(frozen=True)
class RefusalFilter:
    date_from: date | None = None
    date_to: date | None = None  # inclusive
    reason_code: Code | None = None
    caller_id: Id | None = None
    channel: Name | None = None
    industry: Name | None = None
    status: Code = "undecided"  # undecided | decided | all

    @classmethod
    def this_week(cls, today: date | None = None, **kwargs) -> RefusalFilter:
        monday, sunday = current_week(today)
        return cls(date_from=monday, date_to=sunday, **kwargs)


@dataclass(frozen=True)
class RefusalRow:
    id: int
    company_id: int
    company_name: str
    city: str
    industry: str
    channel: str
    caller_id: int | None
    caller_name: str
    refused_at: datetime
    reason_code: str
    reason_label: str
    comment: str
    decision: str | None
    decided_at: datetime | None
    decided_by: str
    offer_text: str
    shelved_until: datetime | None
    overdue: bool  # undecided and older than a week


@dataclass(frozen=True)
class RefusalPage:
    rows: tuple[RefusalRow, ...]
    next_cursor: tuple[datetime, int] | None  # pass back to get the following page


@dataclass(frozen=True)
class FilterChoices:
    reasons: tuple[tuple[str, str], ...]  # (code, label)
    callers: tuple[tuple[int, str], ...]  # (user id, name)
    channels: tuple[str, ...]
    industries: tuple[str, ...]


@dataclass(frozen=True)
class DecisionResult:
    decided: int
    skipped: tuple[tuple[int, str], ...] = field(default_factory=tuple)  # (refusal id, why)


@dataclass(frozen=True)
class CallerChoice:
    id: int
    name: str


@dataclass(frozen=True)
class DeskSummary:
    undecided_this_week: int
    overdue: int


# --- operations ------------------------------------------------------------------------


@operation("refusals.list_refusals", reads=True)
def list_refusals(
    flt: RefusalFilter | None = None,
    *,
    after: tuple[datetime, int] | None = None,
    limit: Count = PAGE_SIZE,
) -> RefusalPage:
    """One page of refusals, newest first (this week's undecided by default); *after*: the last page's cursor."""


@operation("refusals.count_refusals", reads=True)
def count_refusals(flt: RefusalFilter | None = None) -> int:
    """How many refusals the filter matches (this week's undecided without one)."""


@operation("refusals.active_callers", reads=True)
def active_callers() -> list[CallerChoice]:
    """Callers a special offer may be given to."""


@operation("refusals.decide")
def decide(
    refusal_ids: RefusalIds,
    decision: Code,
    *,
    offer_text: Text = "",
    offer_user_id: Id | None = None,
    shelve_until: date | None = None,
) -> DecisionResult:
    """One decision (special offer, shelve, do not call) for every refusal given, in one transaction."""


@operation("refusals.filter_choices", reads=True)
def filter_choices() -> FilterChoices:
    """The reasons, callers, channels and industries the refusal list can be filtered by."""


@operation("refusals.desk_summary", reads=True)
def desk_summary() -> DeskSummary:
    """The two figures at the top of the supervisor's desk."""


@dataclass(frozen=True)
class CallLine:
    at: datetime
    outcome: str  # the outcome's label in the reader's language
    caller_name: str
    text: str


@dataclass(frozen=True)
class RefusalDetail:
    """What the review's detail pane shows for one refusal: the caller's comment and the last calls."""

    refusal_id: int
    company_id: int
    comment: str
    phones: tuple[str, ...]
    calls: tuple[CallLine, ...]  # newest first, at most DETAIL_CALLS


DETAIL_CALLS = 5


@operation("refusals.detail", reads=True)
def detail(refusal_id: Id) -> RefusalDetail:
    """The caller's comment and the company's last calls for one refusal (audited as a view)."""
