"""Small hand-made data for the supervisor's tests (refusals, portfolios, reports)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from kbase_tui.models import Company, Refusal, Stage, utcnow


def add_company(db, name: str, **fields) -> int:
    with db.write() as session:
        company = Company(name=name, **fields)
        session.add(company)
        session.flush()
        return company.id


def add_refusal(
    db, company_id: int, caller_id: int | None, *, reason: str = "has_supplier", at: datetime | None = None, **fields
) -> int:
    with db.write() as session:
        company = session.get(Company, company_id)
        company.category = "refused"
        company.in_queue = False
        refusal = Refusal(
            company_id=company_id, caller_id=caller_id, reason_code=reason, refused_at=at or utcnow(), **fields
        )
        session.add(refusal)
        session.flush()
        return refusal.id


def refused_company(
    db, caller_id: int | None, name: str, *, at: datetime | None = None, reason: str = "has_supplier", **company_fields
) -> tuple[int, int]:
    company_id = add_company(db, name, stage=Stage.COLD, **company_fields)
    return company_id, add_refusal(db, company_id, caller_id, reason=reason, at=at)


def days_ago(n: float) -> datetime:
    return datetime.now(UTC) - timedelta(days=n)
