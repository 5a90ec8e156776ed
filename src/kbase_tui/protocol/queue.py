"""The cold-call queue: what a caller's screen shows and the operations it calls.

A caller never receives a list of companies: one lead at a time (`LeadCard`), the outcome
choices, the counters, and the time and name of their own callbacks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .operations import operation
from .reference import OutcomeInfo, ReasonInfo
from .types import Code, Id, Text


@dataclass(frozen=True)
class ClaimedLead:
    company_id: int
    held_until: datetime
    source: str  # held | callback | queue


@dataclass(frozen=True)
class LeadContact:
    full_name: str
    position: str
    is_decision_maker: bool
    phones: tuple[str, ...]  # readable


@dataclass(frozen=True)
class Attempt:
    at: datetime
    outcome: str  # label (code when the outcome was removed)


@dataclass(frozen=True)
class LeadCard:
    """What the caller sees of the lead they hold, and nothing more."""

    company_id: int
    name: str
    city: str
    industry: str
    channel: str
    abcde_class: str
    phones: tuple[str, ...]  # readable
    contacts: tuple[LeadContact, ...]
    special_offer: str
    script_phrase: str
    key_question: str
    attempts: int
    last_outcome: str  # label
    last_tried_at: datetime | None
    previous: tuple[Attempt, ...]
    callback_at: datetime | None  # set when this is the caller's own callback
    held_until: datetime
    source: str
    # The client's IANA zone (the call centre's when none is known: zone_known False): the card
    # shows the client's local time beside the caller's.
    time_zone: str = ""
    zone_known: bool = False


@dataclass(frozen=True)
class Counters:
    calls: int
    handovers: int
    refusals: int
    target: int
    calls_last_hour: int


@dataclass(frozen=True)
class CallbackInfo:
    company_id: int
    company_name: str
    callback_at: datetime
    due: bool
    taken_by_other: bool
    time_zone: str = ""  # the client's: the list shows the agreed time on both clocks


@dataclass(frozen=True)
class QueueView:
    """One refresh of the caller's screen: the lead (None: queue empty), counters, callbacks due."""

    lead: LeadCard | None
    counters: Counters
    callbacks_due: int
    message: str = ""
    # No lead: when the calling window next opens for some client in the queue (None: not soon,
    # or the queue is empty whatever the time).
    window_opens_at: datetime | None = None
    # No lead because leads were taken faster than calls can be made: the screen asks again after this.
    wait_seconds: int = 0


@dataclass(frozen=True)
class OutcomeResult:
    company_id: int
    outcome_code: str
    summary: str  # one line for the caller: "Handed over to Пётр", "Back in the queue after 30 min"
    deal_id: int | None = None
    closer_name: str = ""
    unreachable: bool = False


@dataclass(frozen=True)
class CloserChoice:
    id: int
    name: str
    open_deals: int


@dataclass(frozen=True)
class OutcomeForm:
    """A new outcome (or changes to one) for the supervisor's configuration."""

    code: str
    label_ru: str
    label_en: str
    key: str
    contact_made: bool = False
    is_retry: bool = False
    is_refusal: bool = False
    is_do_not_call: bool = False
    is_callback: bool = False
    is_handover: bool = False
    is_unworkable: bool = False
    active: bool = True
    position: int | None = None


# --- operations ------------------------------------------------------------------------


@operation("queue.open")
def open_queue() -> tuple[list[OutcomeInfo], QueueView]:
    """The outcome keys and the first lead, in one call: what the screen needs to appear."""


@operation("queue.take_next")
def take_next() -> QueueView:
    """The next lead (the one already held, a due callback, or the queue's next), with the counters."""


@operation("queue.record_and_next")
def record_and_next(
    company_id: Id,
    outcome_code: Code,
    *,
    comment: Text = "",
    reason_code: Code | None = None,
    callback_at: datetime | None = None,
    closer_id: Id | None = None,
) -> tuple[OutcomeResult, QueueView]:
    """Record the call's outcome on the held lead, then take the next lead."""


@operation("queue.renew_lease")
def renew_lease(company_id: Id) -> datetime:
    """Keep holding the lead while the call goes on."""


@operation("queue.my_callbacks", reads=True)
def my_callbacks() -> list[CallbackInfo]:
    """The caller's own callbacks: time and company name only."""


@operation("queue.take_callback")
def take_callback(company_id: Id) -> QueueView:
    """Take one of the caller's own callbacks now."""


@operation("queue.refusal_reasons", reads=True)
def refusal_reasons() -> list[ReasonInfo]:
    """The reasons a caller picks from when the client refuses."""


@operation("queue.handover_closers", reads=True)
def handover_closers() -> list[CloserChoice]:
    """The closers an interested client can be handed to, the least loaded first."""


@operation("queue.all_outcomes", reads=True)
def all_outcomes() -> list[OutcomeForm]:
    """Every outcome, active or not, for the supervisor's editor."""


@operation("queue.save_outcome")
def save_outcome(form: OutcomeForm) -> OutcomeInfo:
    """Add or change an outcome (supervisor)."""


@operation("queue.all_reasons", reads=True)
def all_reasons(kind: Code) -> list[tuple[str, str, str, bool]]:
    """Every reason of a kind, active or not: (code, Russian label, English label, active)."""


@operation("queue.save_reason")
def save_reason(kind: Code, code: Code, label_ru: Text, label_en: Text, *, active: bool = True) -> ReasonInfo:
    """Add or change a reason (supervisor)."""
