"""Display and input formats shared by the screens: dates dd.mm.yyyy, local times, money.

    from kbase_tui.ui.widgets.formats import parse_date, show_date, show_datetime, parse_amount, show_amount

Thin names over `kbase_tui.formatting` (the one place for formats, see docs/i18n.md):
`parse_date("07.03.2026")` -> date (also accepts 7.3.26 and 2026-03-07), raises ValueError with a
translated message; `show_datetime(utc_dt)` -> "07.03.2026 14:05" in the server's local time;
`show_amount(Decimal("1234567.5"))` -> "1 234 567,50" in Russian, "1,234,567.50" in English (whole
amounts without decimals); `parse_amount("1 234,5")` -> Decimal("1234.50").
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from rich.text import Text

from kbase_tui import formatting

# A date (or date and time) field holds far more than a date needs: a field that stopped at ten characters
# would silently drop the rest of a sentence typed into it by mistake; the save says what is wrong instead.
DATE_FIELD_LENGTH = 40


def show_date(value: date | None) -> str:
    return formatting.format_date(value)


def show_datetime(value: datetime | None) -> str:
    return formatting.format_datetime(value)


def parse_date(text: str) -> date | None:
    """dd.mm.yyyy (or d.m.yy, or yyyy-mm-dd) -> date; empty -> None."""
    return formatting.parse_date(text)


def show_amount(value: Decimal | int | float | None) -> str:
    if value is None:
        return ""
    amount = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    whole = amount.quantize(Decimal("0.01")) == amount.quantize(Decimal(1))
    return formatting.format_amount(amount, currency=False, cents=not whole)


def parse_amount(text: str) -> Decimal:
    """'1 234,50' / '1,234.50' / '1234.5' -> Decimal('1234.50'); empty -> 0; negative or junk -> ValueError."""
    return formatting.parse_amount(text)


def show_amount_short(value: Decimal | int | float | None) -> str:
    """A compact amount for narrow headings, in the current language: "2.5B" / "2,5 млрд", "570K" / "570 тыс."."""
    if value is None:
        return ""
    from babel.numbers import format_compact_decimal

    from kbase_tui.i18n import current_language

    amount = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    return format_compact_decimal(amount, locale=current_language(), fraction_digits=1)


def entries_in_lines(entries: list[Text], separator: Text, width: int) -> Text:
    """*entries* joined by *separator*, a new line only between two entries: a summary at 80 columns never
    breaks a figure from its label ("returns:" at the end of one line, "10" on the next)."""
    joined = Text(no_wrap=True, overflow="ellipsis")
    line_length = 0
    for entry in entries:
        if line_length and line_length + separator.cell_len + entry.cell_len > width:
            joined.append("\n")
            line_length = 0
        elif line_length:
            joined.append_text(separator)
            line_length += separator.cell_len
        joined.append_text(entry)
        line_length += entry.cell_len
    return joined
