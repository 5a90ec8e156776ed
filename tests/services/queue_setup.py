"""Test data for the cold-call queue: companies in the queue with chosen queue state."""

from __future__ import annotations

from datetime import datetime

from kbase_tui.models import EPOCH, Company, Contact, Phone


def add_company(
    db,
    name: str,
    *,
    rank: int = 100,
    tried: datetime = EPOCH,
    city: str = "Казань",
    industry: str = "",
    channel: str = "",
    phones: tuple[str, ...] = ("+74951234567",),
    contact: tuple[str, str] | None = ("Иван Петров", "Директор"),
    **fields,
) -> int:
    """A cold potential company in the queue; *fields* override any Company column."""
    with db.write() as session:
        fields.setdefault("in_queue", True)
        company = Company(
            name=name,
            city=city,
            industry=industry,
            channel=channel,
            queue_rank=rank,
            priority=fields.pop("priority", rank if rank != 10 else 100),
            last_tried_at=tried,
            **fields,
        )
        session.add(company)
        session.flush()
        for number in phones:
            session.add(Phone(company_id=company.id, number=number))
        if contact:
            person = Contact(company_id=company.id, full_name=contact[0], position=contact[1], is_decision_maker=True)
            session.add(person)
            session.flush()
            session.add(Phone(company_id=company.id, contact_id=person.id, number="+79161234567"))
        return company.id


def company(db, company_id: int) -> Company:
    with db.read() as session:
        return session.get(Company, company_id)
