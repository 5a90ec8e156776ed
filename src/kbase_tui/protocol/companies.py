"""The head of sales' view of the whole base: search every company, open its full card, fix it.

The search pages with a keyset cursor on the folded name (`BasePage.next_cursor`, passed back as
*after*), so it answers as fast on a million companies as on a thousand.  Every search and every
card view is audited; the administrator sees none of it (no client data).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

import msgspec

from .clients import CompanyInfo, ContactInfo
from .operations import operation
from .types import Code, Id, Name, Search

PAGE_SIZE = 100
PhoneList = Annotated[list[Name], msgspec.Meta(max_length=20)]
PageLimit = Annotated[int, msgspec.Meta(ge=1, le=500)]

# What the search looked at, by what the text is: words of a name, or digits of an INN or a phone.
MATCH_NAME = "name"
MATCH_NUMBER = "number"

# Flags the search can filter on.
FLAGS = ("needs_fix", "unreachable", "in_queue", "shelved", "held", "merged")


@dataclass(frozen=True)
class BaseQuery:
    text: Search = ""  # words of the name (legal form ignored), an INN, or phone digits
    city: Name = ""
    channel: Name = ""
    stage: Code = ""  # cold | pipeline | account
    category: Code = ""  # potential | active | lost | refused | do_not_call
    owner_id: Id | None = None
    flag: Code = ""  # one of FLAGS

    def is_empty(self) -> bool:
        return not (
            self.text.strip()
            or self.city.strip()
            or self.channel
            or self.stage
            or self.category
            or self.owner_id is not None
            or self.flag
        )


@dataclass(frozen=True)
class BaseRow:
    id: int
    name: str
    inn: str | None
    city: str
    channel: str
    stage: str
    category: str
    owner_name: str
    phone: str  # the first company phone, E.164, or ""
    needs_data_fix: bool
    unreachable: bool
    in_queue: bool


@dataclass(frozen=True)
class BasePage:
    rows: tuple[BaseRow, ...]
    next_cursor: tuple[str, int] | None  # pass back as *after* for the following page
    matched_by: str  # MATCH_NAME | MATCH_NUMBER


@dataclass(frozen=True)
class Person:
    id: int
    name: str
    role: str


@dataclass(frozen=True)
class SearchChoices:
    channels: tuple[str, ...]
    owners: tuple[Person, ...]  # everyone who can own companies (closers, account managers, supervisors)


@dataclass(frozen=True)
class CompanyState:
    """The queue and data-quality state of a company, beyond what every card shows."""

    in_queue: bool
    unreachable: bool
    needs_data_fix: bool
    shelved_until: datetime | None
    not_before: datetime | None
    held_by: str
    callback_user: str
    callback_at: datetime | None
    address: str
    source: str
    created_at: datetime
    updated_at: datetime
    merged_into_id: int | None = None  # this company is a duplicate merged into that one
    merged_into_name: str = ""


@dataclass(frozen=True)
class DealLine:
    id: int
    stage_code: str
    stage_label: str  # in the reader's language
    status: str
    closer_name: str
    expected_amount: Decimal
    created_at: datetime
    closed_at: datetime | None
    lost_reason: str


@dataclass(frozen=True)
class OrderLine:
    id: int
    ordered_at: date
    amount: Decimal
    items: str
    manager_name: str


@dataclass(frozen=True)
class RefusalLine:
    id: int
    refused_at: datetime
    reason_label: str
    caller_name: str
    comment: str
    decision: str | None
    decided_by: str


@dataclass(frozen=True)
class Viewer:
    """Someone who touched the company, from the audit: events, first and last time."""

    username: str
    full_name: str
    events: int
    first_at: datetime
    last_at: datetime


@dataclass(frozen=True)
class MergeLine:
    """A duplicate merged into this company (or this company merged into another)."""

    id: int
    source_id: int
    source_name: str
    target_id: int
    target_name: str
    merged_at: datetime
    merged_by: str
    moved: int  # rows that moved: contacts, phones, history entries, refusals, deals, tasks
    undone_at: datetime | None


@dataclass(frozen=True)
class SupervisorCard:
    company: CompanyInfo
    state: CompanyState
    contacts: tuple[ContactInfo, ...] = field(default_factory=tuple)
    deals: tuple[DealLine, ...] = field(default_factory=tuple)
    orders: tuple[OrderLine, ...] = field(default_factory=tuple)
    refusals: tuple[RefusalLine, ...] = field(default_factory=tuple)
    viewers: tuple[Viewer, ...] = field(default_factory=tuple)
    orders_total: int = 0  # orders shown are the latest ORDERS_SHOWN of this many
    merges: tuple[MergeLine, ...] = field(default_factory=tuple)  # into or out of this company, newest first


@dataclass
class CompanyFix:
    """The company's own data as the supervisor corrects it (contact persons have their own editor)."""

    name: Name
    inn: Name = ""
    city: Name = ""
    industry: Name = ""
    channel: Name = ""
    phones: PhoneList = field(default_factory=list)
    email: Name = ""
    website: Name = ""
    address: Name = ""


# --- operations ------------------------------------------------------------------------


@operation("companies.search", reads=True)
def search(query: BaseQuery, *, after: tuple[str, int] | None = None, limit: PageLimit = PAGE_SIZE) -> BasePage:
    """One page of companies matching *query*, by folded name; *after*: the previous page's cursor (audited)."""


@operation("companies.choices", reads=True)
def choices() -> SearchChoices:
    """The channels and the people the search can filter by."""


@operation("companies.card", reads=True)
def card(company_id: Id) -> SupervisorCard:
    """Everything about one company: state, contacts, deals, orders, refusals, who saw it (audited as a view)."""


@operation("companies.fix_data", stale=SupervisorCard)
def fix_data(company_id: Id, expected_version: int, form: CompanyFix) -> SupervisorCard:
    """Correct the company's name, INN, city, phones ...; each change is written to its history."""


@operation("companies.return_to_queue", stale=SupervisorCard)
def return_to_queue(company_id: Id, expected_version: int) -> SupervisorCard:
    """A cold company back into the shared queue, its attempts and flags cleared."""


@operation("companies.shelve", stale=SupervisorCard)
def shelve(company_id: Id, expected_version: int, until: date) -> SupervisorCard:
    """A cold company out of the queue until *until*; it comes back by itself."""


@operation("companies.do_not_call", stale=SupervisorCard)
def do_not_call(company_id: Id, expected_version: int) -> SupervisorCard:
    """A cold company never called again."""


@operation("companies.assignees", reads=True)
def assignees(company_id: Id) -> list[Person]:
    """Who the company can be given to at its stage."""


@operation("companies.assign", stale=SupervisorCard)
def assign(company_id: Id, expected_version: int, user_id: Id) -> SupervisorCard:
    """Give the company to one person: a caller's personal lead, a closer's deal, an account manager's client."""


@operation("companies.merge", stale=SupervisorCard)
def merge(company_id: Id, expected_version: int, duplicate_id: Id) -> SupervisorCard:
    """Fold the duplicate (a cold company without orders or open deals) into this company; undoable."""


@operation("companies.undo_merge")
def undo_merge(merge_id: Id) -> SupervisorCard:
    """Split a wrong merge: the rows that moved go back and the duplicate returns as it was (the kept company's card)."""
