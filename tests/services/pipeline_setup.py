"""Test setup for the pipeline tests: deals as the cold-call hand-over creates them.

`hand_over(db, caller, closer, ...)` does what services.queue.hand_over_to_closer does
(Deal at the first pipeline stage, status open; company.stage = pipeline, owner = the closer)
straight through the models.  It is TEST SETUP ONLY, for data the tests need in bulk or with
fixed dates; the real hand-over is exercised by test_pipeline_handover_from_queue.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from kbase_tui.models import Company, Deal, Stage
from kbase_tui.services import pipeline
from kbase_tui.services.clients import write_history


def hand_over(db, caller, closer, name: str = "ООО «Ромашка»", *, city: str = "Казань",
              next_step_due: date | None = None, amount: str = "0", requirements: str = "",
              next_step: str = "", last_activity_at: datetime | None = None, history_at: datetime | None = None,
              stage_code: str | None = None, supervisor_comment: str = "") -> int:
    """Create a company in the closer's pipeline with its deal; return the deal id."""
    with db.write() as session:
        company = Company(name=name, city=city, stage=Stage.PIPELINE, owner_id=closer.id, requirements=requirements)
        session.add(company)
        session.flush()
        write_history(session, caller, company.id, "call", outcome="interested", text="cold call: interested",
                      at=history_at)
        deal = Deal(company_id=company.id, closer_id=closer.id, handed_over_by_id=caller.id if caller else None,
                    stage_code=stage_code or pipeline.first_stage_code(session), requirements=requirements,
                    supervisor_comment=supervisor_comment,
                    expected_amount=Decimal(amount), next_step_due=next_step_due, next_step=next_step)
        if last_activity_at is not None:
            deal.last_activity_at = last_activity_at
            deal.created_at = last_activity_at
        session.add(deal)
        session.flush()
        return deal.id


def company_of(db, deal_id: int) -> int:
    with db.read() as session:
        return session.get(Deal, deal_id).company_id
