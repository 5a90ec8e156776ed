"""Display and input formats shared by the screens: dates dd.mm.yyyy, local times, money.

    from kbase_tui.ui.widgets.formats import parse_date, show_date, show_datetime, parse_amount, show_amount

`parse_date("07.03.2026")` -> date (also accepts 7.3.26 and 2026-03-07), raises ValueError with a
translated message; `show_datetime(utc_dt)` -> "07.03.2026 14:05" in the server's local time;
`show_amount(Decimal("1234567.5"))` -> "1 234 567.50"; `parse_amount("1 234,5")` -> Decimal("1234.50").
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from kbase_tui.i18n import _


def show_date(value: date | None) -> str:
    return value.strftime("%d.%m.%Y") if value else ""


def show_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    if value.tzinfo is not None:
        value = value.astimezone()
    return value.strftime("%d.%m.%Y %H:%M")


def parse_date(text: str) -> date | None:
    """dd.mm.yyyy (or d.m.yy, or yyyy-mm-dd) -> date; empty -> None."""
    raw = (text or "").strip()
    if not raw:
        return None
    for pattern in ("%d.%m.%Y", "%d.%m.%y", "%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(raw, pattern).date()
        except ValueError:
            continue
    raise ValueError(_("Write the date as dd.mm.yyyy: {text}").format(text=raw[:20]))


def show_amount(value: Decimal | int | float | None) -> str:
    if value is None:
        return ""
    amount = Decimal(value).quantize(Decimal("0.01"))
    whole, _dot, cents = f"{amount:,.2f}".partition(".")
    whole = whole.replace(",", "\u00a0")
    return whole if cents == "00" else f"{whole}.{cents}"


def parse_amount(text: str) -> Decimal:
    """'1 234,50' / '1234.5' -> Decimal('1234.50'); empty -> 0; negative or junk -> ValueError."""
    raw = (text or "").strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
    if not raw:
        return Decimal("0")
    try:
        amount = Decimal(raw).quantize(Decimal("0.01"))
    except InvalidOperation:
        raise ValueError(_("Not an amount: {text}").format(text=text.strip()[:20])) from None
    if amount < 0 or not amount.is_finite() or amount >= Decimal("1e14"):
        raise ValueError(_("Not an amount: {text}").format(text=text.strip()[:20]))
    return amount
