"""What every part of the account managers' work shares: the account guard, the figures on the card, holidays."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import Float, cast, func
from sqlalchemy.orm import Session

from kbase_tui.formatting import format_date
from kbase_tui.i18n import _
from kbase_tui.models import (
    Category,
    Company,
    Stage,
    utcnow,
)
from kbase_tui.protocol.accounts import (
    AccountFigures,
)

from .. import classify, clock
from ..common import user_names
from ..dto import Actor
from ..errors import ValidationFailed
from ..policy import Capability, require, require_active_user, require_company

LISTED_CATEGORIES = (Category.ACTIVE, Category.LOST)
HOLIDAYS = ((2, 23), (3, 8), (1, 1))  # 23 February, 8 March, New Year
MARK_DAYS = 7
MAX_AMOUNT = Decimal("1e14")
LOST_PREFIX = "lost:"


def holiday_name(month: int, day: int) -> str:
    return {(2, 23): _("23 February"), (3, 8): _("8 March"), (1, 1): _("New Year")}[(month, day)]


@dataclass(frozen=True)
class ClassifyReport:
    moved_to_lost: int
    counts: classify.ClassifyCounts = field(default_factory=lambda: classify.ClassifyCounts(0, 0, 0, 0, 0))


# --- small helpers ------------------------------------------------------------------------


def given_or_today(source, today: date | None) -> date:
    """*today* if given, else the call centre's date (never the server's clock zone)."""
    return today or clock.today(source)


def days_until(month: int, day: int, today: date) -> int:
    """Days from *today* to the next (month, day), 0 when it is today; 29 Feb falls on 28 Feb."""
    for year in (today.year, today.year + 1):
        try:
            when = date(year, month, day)
        except ValueError:
            when = date(year, month, 28)
        if when >= today:
            return (when - today).days
    raise AssertionError("unreachable")


def upcoming_holiday(today: date) -> tuple[str, int] | None:
    best = None
    for month, day in HOLIDAYS:
        n = days_until(month, day, today)
        if n <= MARK_DAYS and (best is None or n < best[1]):
            best = (holiday_name(month, day), n)
    return best


def in_days(n: int) -> str:
    return _("today") if n == 0 else _("in {n} d.").format(n=n)


def days_between(session: Session, later, earlier):
    """Days between two date expressions, as a number, on SQLite and PostgreSQL."""
    if session.get_bind().dialect.name == "sqlite":
        return func.julianday(later) - func.julianday(earlier)
    return cast(later - earlier, Float)


def usual_interval(company: Company) -> int | None:
    """The average interval between the company's orders, in days (None below two orders)."""
    if company.orders_count >= 2 and company.first_order_at and company.last_order_at:
        span = (company.last_order_at - company.first_order_at).days
        if span > 0:
            return max(1, round(span / (company.orders_count - 1)))
    return None


def require_account(session: Session, actor: Actor, company_id: int, *, for_update: bool = False) -> Company:
    """The company, if the actor works on accounts and may see it; it must be at the account stage."""
    require_active_user(session, actor)
    require(actor, Capability.WORK_ACCOUNTS)
    company = require_company(session, actor, company_id, for_update=for_update)
    if company.stage != Stage.ACCOUNT:
        raise ValidationFailed(_("This client is not with the account managers."))
    return company


def figures_of(session: Session, company: Company) -> AccountFigures:
    names = user_names(session, [company.owner_id])
    return AccountFigures(
        company_id=company.id,
        category=company.category,
        abcde_class=company.abcde_class,
        is_key_client=company.is_key_client,
        potential_score=company.potential_score,
        orders_count=company.orders_count,
        revenue_total=Decimal(company.revenue_total or 0),
        margin_total=company.margin_total,
        first_order_at=company.first_order_at,
        last_order_at=company.last_order_at,
        next_purchase_at=company.next_purchase_at,
        next_purchase_is_stated=company.next_purchase_is_stated,
        next_follow_up_at=company.next_follow_up_at,
        usual_interval_days=usual_interval(company),
        requirements=company.requirements,
        owner_id=company.owner_id,
        owner_name=names.get(company.owner_id, ""),
    )


def touch(company: Company) -> None:
    company.updated_at = utcnow()
    company.version += 1


def show_day(day: date | None) -> str:
    return format_date(day) or "—"
