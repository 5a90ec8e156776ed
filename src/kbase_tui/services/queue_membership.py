"""Who is in the cold-call queue: one rule, applied on every flush.

A company is in the queue (`company.in_queue`) exactly while it is a cold potential client that may still be
called: stage cold, category potential, not unreachable, not waiting for a data fix, not merged into another
company. Temporary states (a caller's hold, a retry delay, shelving, a callback, a special offer) keep it in the
queue: the claim filters them at claim time.

`in_queue` is stored (the partial index `ix_company_queue ... WHERE in_queue` makes a claim one seek per zone),
but no service sets it: `_on_flush` runs before every ORM flush and sets it from the rule for each new or changed
company. (A caller's hold on a company that leaves the queue is ended by the service that moves it.) Statements that write companies without the ORM (the
importer's and the demo's bulk inserts) take the value from `stamp` or `refresh`, which read the same `RULE`.
tests/services/test_queue_membership.py checks that no other module writes `in_queue`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import and_, event, not_, or_, select, update
from sqlalchemy.orm import Session

from kbase_tui.models import Category, Company, Stage

# (column, the value it must have): all of them hold for a company in the queue.
RULE: tuple[tuple[str, object], ...] = (
    ("stage", Stage.COLD.value),
    ("category", Category.POTENTIAL.value),
    ("unreachable", False),
    ("needs_data_fix", False),
    ("merged_into_id", None),
)


def belongs(company: Company | Mapping[str, Any]) -> bool:
    """Whether a company (a row object, or a row's values as a mapping) belongs in the queue."""
    read = company.get if isinstance(company, Mapping) else lambda name: getattr(company, name)
    for name, wanted in RULE:
        value = read(name)
        if wanted is None or isinstance(wanted, bool):
            if bool(value) != bool(wanted):
                return False
        elif value != wanted:
            return False
    return True


def condition(columns=None):
    """The rule as an SQL expression over the company table's columns (the ORM's by default)."""
    c = columns if columns is not None else Company.__table__.c
    parts = []
    for name, wanted in RULE:
        column = c[name]
        if wanted is None:
            parts.append(column.is_(None))
        elif isinstance(wanted, bool):
            parts.append(column.is_(wanted))
        else:
            parts.append(column == wanted)
    return and_(*parts)


def stamp(values: dict[str, Any]) -> dict[str, Any]:
    """Set `in_queue` in a row's values from the rule, for a bulk insert that bypasses the ORM."""
    values["in_queue"] = belongs(values)
    return values


def refresh(session: Session, where) -> None:
    """Set `in_queue` from the rule for the companies matching *where*, after a bulk update of their flags."""
    table = Company.__table__
    session.execute(update(table).where(where).values(in_queue=condition(table.c)))


def apply(company: Company) -> None:
    inside = belongs(company)
    if company.in_queue != inside:  # set only on a change: an unchanged row is not written again
        company.in_queue = inside


@event.listens_for(Session, "before_flush")
def _on_flush(session: Session, _context, _instances) -> None:
    for obj in (*session.new, *session.dirty):
        if isinstance(obj, Company):
            apply(obj)


def strays(session: Session) -> list[int]:
    """Ids of companies whose stored `in_queue` disagrees with the rule (none, while every write goes through
    this module): for the tests and the doctor."""
    rule = condition()
    return list(
        session.execute(
            select(Company.id).where(
                or_(and_(Company.in_queue.is_(True), not_(rule)), and_(Company.in_queue.is_(False), rule))
            )
        ).scalars()
    )
