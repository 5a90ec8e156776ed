"""A client's card: the company, its contact persons and its history, as any screen shows them.

What each person may see is the services' rule (kbase_tui.services.policy): the same
operation returns a company to its closer and refuses it to a caller who does not hold it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

import msgspec

from .operations import operation
from .types import Code, Count, Id, Search, Text


@dataclass(frozen=True)
class ContactInfo:
    id: int
    full_name: str
    position: str
    is_decision_maker: bool
    phones: tuple[str, ...]
    email: str
    birthday: date | None
    version: int


@dataclass(frozen=True)
class CompanyInfo:
    id: int
    name: str
    inn: str | None
    city: str
    industry: str
    channel: str
    size: str
    abcde_class: str
    is_key_client: bool
    category: str
    stage: str
    owner_id: int | None
    owner_name: str
    requirements: str
    phones: tuple[str, ...]
    email: str
    website: str
    special_offer: str
    attempts: int
    last_outcome: str
    orders_count: int
    revenue_total: Decimal
    last_order_at: date | None
    next_purchase_at: date | None
    version: int
    time_zone: str = ""  # the client's IANA zone ('' not known: the call centre's)


@dataclass(frozen=True)
class HistoryEntry:
    id: int
    at: datetime
    kind: str
    outcome: str
    text: str
    user_name: str


@dataclass(frozen=True)
class CompanyCard:
    company: CompanyInfo
    contacts: tuple[ContactInfo, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class ClientMatch:
    """One of the reader's own clients found by name, INN or phone (`find_own`)."""

    company_id: int
    name: str
    city: str
    inn: str | None
    deal_id: int | None  # the reader's open deal with the client (a closer's board)
    stage_code: str  # of that deal, "" without one


@dataclass
class ContactForm:
    full_name: str
    position: str = ""
    is_decision_maker: bool = False
    phones: list[str] = field(default_factory=list)
    email: str = ""
    birthday: date | None = None


# --- operations ------------------------------------------------------------------------


@operation("clients.open_card", reads=True)
def open_card(company_id: Id) -> CompanyCard:
    """The card of one company (audited as a view)."""


@operation("clients.history", reads=True)
def history(company_id: Id, *, limit: Count = 200, before_id: Id | None = None) -> list[HistoryEntry]:
    """The company's timeline, newest first, a page at a time."""


@operation("clients.set_time_zone")
def set_time_zone(company_id: Id, time_zone: Annotated[str, msgspec.Meta(max_length=64)]) -> CompanyInfo:
    """The supervisor corrects the client's zone (an IANA name; '' guesses it again from phones and city)."""


@operation("clients.add_note")
def add_note(company_id: Id, kind: Code, text: Text, *, outcome: Code = "") -> HistoryEntry:
    """A note, call or meeting with its result, written to the company's history."""


@operation("clients.add_contact")
def add_contact(company_id: Id, form: ContactForm) -> ContactInfo:
    """A new contact person of the company."""


@operation("clients.update_contact", stale=ContactInfo)
def update_contact(contact_id: Id, expected_version: int, form: ContactForm) -> ContactInfo:
    """Changes to a contact person, refused (StaleRecord with the current contact) if someone saved first."""


@operation("clients.find_own", reads=True)
def find_own(text: Search, *, limit: Annotated[int, msgspec.Meta(ge=1, le=100)] = 20) -> list[ClientMatch]:
    """The reader's own clients (a closer's deals, an account manager's accounts; all for the head of
    sales) whose name contains every word of *text*, case- and ё-insensitive, or whose INN starts with
    or whose phone number contains its digits."""
