"""ABCDE classes per sales channel and the key clients (Pareto), from the account figures.

The rules (also in docs/guide-account.md; the numbers are settings a supervisor can change):

- Only companies at the account stage (category active or lost) are classified; each channel
  (Company.channel, the empty channel being one group too) is classified on its own.
- **Current profit** of a company is its margin total where the margin is known.  Where it is
  not, it is the revenue total times the channel's margin rate (sum of the known margins divided
  by the revenue of the companies whose margin is known; the rate is 1 when no margin is known
  in the channel, so the channel is ranked by revenue, and never below 0).
- **High profit** = the company is among the top companies of its channel that together make
  `accounts.abcde_profit_share` (80 %) of the channel's positive profit: sort by profit, largest
  first (ties by id); a company is in the top when the profit of the companies before it is still
  below 80 % of the total.
- **Potential** = Company.potential_score (0-100), set by the account manager or the supervisor.
- Classes:
    E  profit below 0 (a known negative margin);
    A  high profit and potential >= `accounts.abcde_a_potential` (75);
    B  high profit and a lower potential;
    C  not high profit and potential >= `accounts.abcde_c_potential` (50);
    D  not high profit and a lower potential.
- **Key clients**: the same Pareto rule over the revenue totals of *all* accounts (not per
  channel) with `accounts.key_client_share` (80 %): the top clients making 80 % of revenue.

Recomputed for the order's channel (and the key clients) after each order, and for everything
by `kbase classify`.  Only rows whose class or flag changes are written.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from kbase_tui.models import Category, Company, Stage

from . import reference

CLASSIFIED_CATEGORIES = (Category.ACTIVE, Category.LOST)


@dataclass(frozen=True)
class Thresholds:
    profit_share: Decimal = Decimal("0.8")
    a_potential: int = 75
    c_potential: int = 50
    key_share: Decimal = Decimal("0.8")


@dataclass(frozen=True)
class Figures:
    id: int
    revenue: Decimal
    margin: Decimal | None
    potential: int


def thresholds(session: Session) -> Thresholds:
    return Thresholds(
        profit_share=Decimal(str(reference.get_setting(session, "accounts.abcde_profit_share"))),
        a_potential=int(reference.get_setting(session, "accounts.abcde_a_potential")),
        c_potential=int(reference.get_setting(session, "accounts.abcde_c_potential")),
        key_share=Decimal(str(reference.get_setting(session, "accounts.key_client_share"))),
    )


def pareto_top(values: dict[int, Decimal], share: Decimal) -> set[int]:
    """Ids of the largest positive values that together make *share* of the positive total."""
    positive = sorted(((v, i) for i, v in values.items() if v > 0), key=lambda p: (-p[0], p[1]))
    total = sum((v for v, _i in positive), Decimal("0"))
    top: set[int] = set()
    before = Decimal("0")
    for value, company_id in positive:
        if before >= share * total:
            break
        top.add(company_id)
        before += value
    return top


def profits(rows: Iterable[Figures]) -> dict[int, Decimal]:
    rows = list(rows)
    known = [r for r in rows if r.margin is not None]
    known_revenue = sum((r.revenue for r in known), Decimal("0"))
    if known and known_revenue > 0:
        rate = max(Decimal("0"), sum((r.margin for r in known if r.margin is not None), Decimal("0")) / known_revenue)
    else:
        rate = Decimal("1")
    return {r.id: (r.margin if r.margin is not None else r.revenue * rate) for r in rows}


def channel_classes(rows: Iterable[Figures], limits: Thresholds) -> dict[int, str]:
    """The ABCDE class of each company of one channel."""
    rows = list(rows)
    profit = profits(rows)
    top = pareto_top(profit, limits.profit_share)
    classes: dict[int, str] = {}
    for row in rows:
        if profit[row.id] < 0:
            classes[row.id] = "E"
        elif row.id in top:
            classes[row.id] = "A" if row.potential >= limits.a_potential else "B"
        else:
            classes[row.id] = "C" if row.potential >= limits.c_potential else "D"
    return classes


def _classified():
    return (Company.stage == Stage.ACCOUNT, Company.category.in_(CLASSIFIED_CATEGORIES))


def _write(session: Session, column: str, wanted: dict[int, object], current: dict[int, object]) -> int:
    groups: dict[object, list[int]] = {}
    for company_id, value in wanted.items():
        if current.get(company_id) != value:
            groups.setdefault(value, []).append(company_id)
    changed = 0
    for value, ids in groups.items():
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            session.execute(update(Company).where(Company.id.in_(chunk)).values({column: value}))
            changed += len(chunk)
    return changed


def reclassify_channel(session: Session, channel: str, limits: Thresholds | None = None) -> int:
    """Recompute the classes of one channel; returns how many companies changed class."""
    limits = limits or thresholds(session)
    result = session.execute(
        select(
            Company.id, Company.revenue_total, Company.margin_total, Company.potential_score, Company.abcde_class
        ).where(*_classified(), Company.channel == channel)
    ).all()
    rows = [
        Figures(i, Decimal(rev or 0), None if m is None else Decimal(m), int(p or 0)) for i, rev, m, p, _c in result
    ]
    current = {i: c for i, _r, _m, _p, c in result}
    return _write(session, "abcde_class", channel_classes(rows, limits), current)


def reclassify_keys(session: Session, limits: Thresholds | None = None) -> int:
    """Recompute the key-client flags over all accounts; returns how many flags changed."""
    limits = limits or thresholds(session)
    result = session.execute(
        select(Company.id, Company.revenue_total, Company.is_key_client).where(*_classified())
    ).all()
    top = pareto_top({i: Decimal(rev or 0) for i, rev, _k in result}, limits.key_share)
    return _write(session, "is_key_client", {i: i in top for i, _r, _k in result}, {i: bool(k) for i, _r, k in result})


@dataclass(frozen=True)
class ClassifyCounts:
    channels: int
    companies: int
    classes_changed: int
    key_clients: int
    keys_changed: int


def reclassify_all(session: Session) -> ClassifyCounts:
    limits = thresholds(session)
    channels = session.execute(select(Company.channel).where(*_classified()).distinct()).scalars().all()
    changed = sum(reclassify_channel(session, channel, limits) for channel in channels)
    keys_changed = reclassify_keys(session, limits)
    session.flush()
    from sqlalchemy import func

    companies, keys = session.execute(
        select(func.count(Company.id), func.count(Company.id).filter(Company.is_key_client.is_(True))).where(
            *_classified()
        )
    ).one()
    return ClassifyCounts(len(channels), int(companies), changed, int(keys or 0), keys_changed)
