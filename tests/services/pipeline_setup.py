"""Deals for the pipeline tests, made the real way: a caller takes the lead and hands it over.

`hand_over(db, caller, closer, name, ...)` puts a cold company in the queue (test data,
`queue_setup.add_company`), then the caller takes it with `queue.claim_next_lead` and records the
hand-over outcome ("interested") with `queue.record_outcome(..., closer_id=closer.id)`: the deal,
the company's move to the pipeline, the history and the audit are the product's own.

TEST SETUP ONLY, after that: what the closer or the supervisor would have typed later (amount,
next step and its date, a stage further on, a supervisor's comment), and fixed times for
snapshots (`last_activity_at`, `history_at`), are written straight into the rows, so a test can
start from a given board without driving every screen first.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import update

from kbase_tui.models import Company, Deal, Interaction
from kbase_tui.services import queue, reference

from .queue_setup import add_company

HANDOVER_OUTCOME = "interested"


def hand_over(
    db,
    caller,
    closer,
    name: str = "ООО «Ромашка»",
    *,
    city: str = "Казань",
    next_step_due: date | None = None,
    amount: str = "0",
    requirements: str = "",
    next_step: str = "",
    last_activity_at: datetime | None = None,
    history_at: datetime | None = None,
    stage_code: str | None = None,
    supervisor_comment: str = "",
) -> int:
    """A lead handed over by *caller* to *closer* through the queue service; returns the deal id."""
    company_id = add_company(db, name, city=city, rank=1)
    # Weeks of hand-overs happen here in a second: faster than the exfiltration alarm
    # allows a person to take leads (tested on its own in test_alarms.py).
    with db.write() as session:
        reference.set_setting(session, "security.leads_per_minute", 0)
    claimed = queue.claim_next_lead(db, caller)
    assert claimed.company_id == company_id, "the test queue must hold only the company being handed over"
    result = queue.record_outcome(db, caller, company_id, HANDOVER_OUTCOME, comment=requirements, closer_id=closer.id)
    assert result.deal_id is not None
    # --- test setup beyond the hand-over -------------------------------------------------
    with db.write() as session:
        deal = session.get(Deal, result.deal_id)
        deal.expected_amount = Decimal(amount)
        deal.next_step_due = next_step_due
        deal.next_step = next_step
        deal.supervisor_comment = supervisor_comment
        if stage_code:
            deal.stage_code = stage_code
        if requirements and deal.requirements != requirements:  # longer than a call comment may be
            deal.requirements = requirements
            session.get(Company, company_id).requirements = requirements
        if last_activity_at is not None:
            deal.last_activity_at = last_activity_at
            deal.created_at = last_activity_at
        if history_at is not None:
            session.execute(update(Interaction).where(Interaction.company_id == company_id).values(at=history_at))
        return deal.id


def company_of(db, deal_id: int) -> int:
    with db.read() as session:
        return session.get(Deal, deal_id).company_id
