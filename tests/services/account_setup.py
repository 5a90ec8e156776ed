"""Test setup for the account tests: companies as the pipeline's hand-over leaves them.

`account_company` creates a company at the account stage owned by an account manager straight
through the models (TEST SETUP ONLY, for fixed data); orders then go through the real service
`accounts.record_order`, so the figures are the ones the service keeps.  The real hand-over
(`pipeline.win_deal`) is exercised by test_won_deal_arrives_in_the_follow_up_list.
"""

from __future__ import annotations

from datetime import date, datetime

from kbase_tui.models import Category, Company, Contact, Stage
from kbase_tui.services import accounts


def account_company(
    db,
    manager,
    name: str,
    *,
    channel: str = "",
    industry: str = "",
    city: str = "Казань",
    next_follow_up_at: datetime | None = None,
    potential: int = 0,
    birthdays: tuple[tuple[str, date], ...] = (),
) -> int:
    with db.write() as session:
        company = Company(
            name=name,
            city=city,
            channel=channel,
            industry=industry,
            stage=Stage.ACCOUNT,
            category=Category.ACTIVE,
            owner_id=manager.id,
            next_follow_up_at=next_follow_up_at,
            potential_score=potential,
        )
        session.add(company)
        session.flush()
        for full_name, birthday in birthdays:
            session.add(Contact(company_id=company.id, full_name=full_name, birthday=birthday))
        return company.id


def order(db, actor, company_id: int, day: date, amount, *, margin=None, items: str = "", today: date | None = None):
    return accounts.record_order(db, actor, company_id, day, amount, items, margin=margin, today=today or day)
