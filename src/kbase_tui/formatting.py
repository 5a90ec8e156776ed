"""Dates, times, amounts and weeks as the users read and type them (both languages).

    from kbase_tui.formatting import (
        format_date, format_datetime, format_time, format_amount, format_number, format_fraction,
        zone_city, parse_date, parse_amount, week_bounds, weekday_names,
    )

- Dates are dd.mm.yyyy in both languages (the staff type them so): `format_date(date(2026, 12, 25))`
  -> "25.12.2026"; `format_datetime(aware_utc)` -> "25.12.2026 14:05" in the reader's zone
  (kbase_tui.timezones: the person's, else the call centre's; never the process's TZ).  None -> "".
  `parse_time` reads a typed date and time in the reader's zone and gives aware UTC.
- Amounts with thousands separators by the current language, through Babel:
  ru "1 234 567,50 ₽" (non-breaking spaces, decimal comma), en "₽1,234,567.50";
  `currency=False` drops the sign, `cents=False` rounds to whole roubles.  Other fractions (a share, a
  multiple) by `format_fraction`: ru "51,5", en "51.5".
- A time zone is shown as its city in the reader's language (`zone_city`): "Екатеринбург", never
  "Asia/Yekaterinburg"; a country as its name (`country_name`): "Россия", never "RU".
- A name in a sentence is set off by `quoted`: «Ромашка», but АО «Завод «Прогресс»» as it is (its own quotes).
- The week starts on Monday: `week_bounds(day)` -> (Monday, Sunday) of its week.
- `parse_date` accepts dd.mm.yyyy, d.m.yy, dd.mm (this year) and yyyy-mm-dd; `parse_amount` accepts
  "1 234,50", "1,234.50", "1234.5", "1 234 ₽", and refuses "1.250" (1 250 or 1,25?) and more than two
  digits of kopecks.  Both raise ValueError with a translated message.

No Textual and no database here: services, CLI and screens all use it.
"""

from __future__ import annotations

import functools
import re
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from kbase_tui import timezones
from kbase_tui.i18n import _, current_language

DATE_PATTERN = "%d.%m.%Y"
DATETIME_PATTERN = "%d.%m.%Y %H:%M"
CURRENCY_SIGN = "₽"
_NBSP = "\u00a0"
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009']+")


@functools.cache
def _locale(language: str):
    from babel import Locale

    return Locale.parse(language)


def _lang(language: str | None) -> str:
    return language or current_language()


# --- dates and times ------------------------------------------------------------------


def format_date(value: date | datetime | None) -> str:
    """dd.mm.yyyy; an aware datetime is shown in the reader's zone; None -> ''."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = local(value)
    return value.strftime(DATE_PATTERN)


def format_datetime(value: datetime | None) -> str:
    """dd.mm.yyyy HH:MM in the reader's zone (an aware UTC timestamp from the database); None -> ''."""
    if value is None:
        return ""
    return local(value).strftime(DATETIME_PATTERN)


def format_time(value: datetime | None) -> str:
    """HH:MM in the reader's zone; None -> ''."""
    if value is None:
        return ""
    return local(value).strftime("%H:%M")


def format_day_month(value: date) -> str:
    """dd.mm, for a birthday or a week's label; None -> ''."""
    return value.strftime("%d.%m") if value is not None else ""


def format_span(first: date, last: date) -> str:
    """'01.12–31.12', or one date '06.12' for a single day: a short span whose year the screen makes plain."""
    if first == last:
        return format_day_month(first)
    return f"{format_day_month(first)}–{format_day_month(last)}"


def format_clock(value: time) -> str:
    """HH:MM of a time of day (a calling window's bounds): no zone, no date."""
    return value.strftime("%H:%M")


def local(value: datetime) -> datetime:
    """A timestamp as the reader's wall clock shows it (a naive value is UTC, as the database keeps it)."""
    return timezones.in_reader_zone(value)


def format_client_time(value: datetime, zone_name: str) -> str:
    """HH:MM on the client's clock (*zone_name*), e.g. for "15:30 at the client"."""
    return value.astimezone(timezones.zone(zone_name)).strftime("%H:%M")


def format_client_datetime(value: datetime, zone_name: str) -> str:
    """dd.mm.yyyy HH:MM on the client's clock (*zone_name*): a callback as agreed with the client."""
    return value.astimezone(timezones.zone(zone_name)).strftime(DATETIME_PATTERN)


def format_both_clocks(value: datetime, zone_name: str, *, with_date: bool = True) -> str:
    """'25.12.2026 15:30 client's time · 12:30 yours'; one clock when the client's reads like the reader's."""
    mine = local(value)
    theirs = value.astimezone(timezones.zone(zone_name)) if timezones.is_zone(zone_name) else mine
    pattern = DATETIME_PATTERN if with_date else "%H:%M"
    if theirs.utcoffset() == mine.utcoffset():
        return mine.strftime(pattern)
    return _("{client} client's time · {mine} yours").format(
        client=theirs.strftime(pattern), mine=mine.strftime("%H:%M")
    )


def today() -> date:
    """The call centre's date now: "today" on every screen, whatever the computer's zone."""
    return timezones.business_today()


def parse_time(day: date, text: str) -> datetime:
    """A typed 'HH:MM' (or 'H', 'HH.MM') on *day*, read in the reader's zone, as aware UTC."""
    raw = (text or "").strip()
    match = re.fullmatch(r"(\d{1,2})(?:[:.](\d{2}))?", raw)
    try:
        if match is None:
            raise ValueError
        return timezones.typed(day, time(int(match.group(1)), int(match.group(2) or 0)))
    except ValueError:
        raise ValueError(_("Write the time as HH:MM: {text}").format(text=raw[:20])) from None


def parse_date(text: str, *, today: date | None = None) -> date | None:
    """'25.12.2026', '25.12.26', '5.1.2026', '25.12' (this year), '2026-12-25' -> date; '' -> None."""
    raw = (text or "").strip()
    if not raw:
        return None
    match = re.fullmatch(r"(\d{1,2})[./](\d{1,2})(?:[./](\d{2}|\d{4}))?", raw)
    try:
        if match:
            day, month, year = match.groups()
            if year is None:
                year_number = (today or timezones.business_today()).year
            elif len(year) == 2:
                year_number = 2000 + int(year)
            else:
                year_number = int(year)
            return date(year_number, int(month), int(day))
        match = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", raw)
        if match:
            year, month, day = (int(part) for part in match.groups())
            return date(year, month, day)
    except ValueError:
        # written as a date, but the calendar has no such day (31.02, 13th month): say that, not the format
        raise ValueError(_("No such date: {text}").format(text=raw[:20])) from None
    raise ValueError(_("Write the date as dd.mm.yyyy: {text}").format(text=raw[:20]))


# --- weeks --------------------------------------------------------------------------------


def week_bounds(day: date | datetime) -> tuple[date, date]:
    """(Monday, Sunday) of the week that holds *day*: the week starts on Monday."""
    if isinstance(day, datetime):
        day = local(day).date()
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


def weekday_names(*, short: bool = True, language: str | None = None) -> list[str]:
    """Day names from Monday to Sunday in the current language ('пн', 'вт' ... / 'Mon', 'Tue' ...)."""
    names = _locale(_lang(language)).days["format"]["abbreviated" if short else "wide"]
    return [str(names[index]) for index in range(7)]


def format_week(day: date | datetime) -> str:
    """'22.12.2026 – 28.12.2026': the Monday-to-Sunday week that holds *day*."""
    monday, sunday = week_bounds(day)
    return f"{format_date(monday)} – {format_date(sunday)}"


# --- numbers and money ------------------------------------------------------------------


def format_number(value: int | Decimal | float | None, *, language: str | None = None) -> str:
    """Whole number with thousands separators: ru '12 345', en '12,345'; None -> ''."""
    if value is None:
        return ""
    from babel.numbers import format_decimal

    return format_decimal(
        Decimal(value).quantize(Decimal(1), ROUND_HALF_UP), format="#,##0", locale=_locale(_lang(language))
    )


def format_fraction(
    value: Decimal | int | float | None,
    places: int = 1,
    *,
    trim: bool = False,
    group: bool = True,
    language: str | None = None,
) -> str:
    """A number with *places* decimals in the current language: ru '51,5', en '51.5'; trim=True drops
    trailing zeros ('2', '0,8'); group=False leaves out the thousands separator (a value typed back in a field).
    None -> ''."""
    if value is None:
        return ""
    from babel.numbers import format_decimal

    decimals = ("#" if trim else "0") * places
    pattern = ("#,##0" if group else "0") + (f".{decimals}" if places else "")
    number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    return format_decimal(number, format=pattern, locale=_locale(_lang(language)))


def zone_city(name: str, *, language: str | None = None) -> str:
    """A time zone as its city in the reader's language: 'Asia/Yekaterinburg' -> ru 'Екатеринбург',
    en 'Yekaterinburg'; a name Babel does not know, as it is."""
    if not name or not timezones.is_zone(name):
        return name
    from babel.dates import get_timezone_location

    try:
        return get_timezone_location(name, locale=_locale(_lang(language)), return_city=True) or name
    except (LookupError, ValueError):
        return name


# Closing quotation marks a name may end in: АО «Завод «Прогресс»», ООО "Вектор", „Бета“.
_CLOSING_QUOTES = frozenset('»“”"')


def quoted(text: str) -> str:
    """A name (or any text from the base) set off in a sentence: «Ромашка»; a name that ends in a quotation mark of
    its own (АО «Завод «Прогресс»», ООО "Вектор") as it is, never in a second pair («АО «…»»).  Every «…» around a
    company's name or a typed text in a message goes through here."""
    # Only a name that ends in its own closing quote is left bare: «Кафе «Ромашка» на Ленина» keeps the pair that
    # shows where it ends ("Merge Кафе «Ромашка» на Ленина into …" read as two names).
    if text.rstrip()[-1:] in _CLOSING_QUOTES:
        return text
    return f"«{text}»"


def country_name(code: str, *, language: str | None = None) -> str:
    """A country by its two-letter code, in the reader's language: 'RU' -> ru 'Россия', en 'Russia'; "" when
    not known (or no code)."""
    code = (code or "").strip().upper()
    if not code or code == "ZZ":  # ZZ: CLDR's own "unknown region"
        return ""
    code = {"UK": "GB"}.get(code, code)  # the holiday calendar's other name for the United Kingdom
    try:
        return str(_locale(_lang(language)).territories.get(code, ""))
    except (LookupError, ValueError):
        return ""


def format_amount(
    value: Decimal | int | float | None, *, currency: bool = True, cents: bool = True, language: str | None = None
) -> str:
    """ru '1 234 567,50 ₽', en '₽1,234,567.50'; currency=False: the number only; None -> ''."""
    if value is None:
        return ""
    from babel.numbers import format_decimal

    lang = _lang(language)
    amount = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    amount = amount.quantize(Decimal("0.01") if cents else Decimal(1), ROUND_HALF_UP)
    number = format_decimal(abs(amount), format="#,##0.00" if cents else "#,##0", locale=_locale(lang))
    sign = "-" if amount < 0 else ""
    if not currency:
        return sign + number
    if lang == "ru":
        return f"{sign}{number}{_NBSP}{CURRENCY_SIGN}"
    return f"{sign}{CURRENCY_SIGN}{number}"


def format_cell(value: object, *, language: str | None = None) -> str:
    """A report's cell as the reader reads it, the same on the report screen and from `kbase report`:
    an amount without the currency sign and without kopecks when whole, a share with one decimal
    (ru "51,5"), a date as dd.mm.yyyy, nothing as "—"."""
    if value is None:
        return "—"
    if isinstance(value, Decimal):
        whole = value.quantize(Decimal("0.01")) == value.quantize(Decimal(1))
        return format_amount(value, currency=False, cents=not whole, language=language)
    if isinstance(value, float):
        return format_fraction(value, 1, language=language)
    if isinstance(value, date):
        return format_date(value)
    return str(value)


def parse_amount(text: str, *, language: str | None = None) -> Decimal:
    """'1 234,50' / '1,234.50' / '1234.5' / '1 234 ₽' -> Decimal('1234.50'); '' -> 0.

    Negative, too large or not a number -> ValueError.  A space, dot or comma groups thousands only
    between groups of exactly three digits ("1.250.000", "85 000"), so a date typed into an amount
    ("32.13.2026", "12.12.2026") is refused rather than read as a huge number.  With a single comma,
    Russian reads it as the decimal point, English as a thousands separator when three digits follow it.
    A single dot before three digits ("1.250") reads two ways and is refused, naming both; so are more
    than two digits of kopecks ("1 250 000,505"): a typed amount is never rounded.
    """
    raw = (text or "").strip()
    try:
        number = amount_digits(raw, comma_groups=_lang(language) != "ru")
        amount = Decimal(number)
    except (InvalidOperation, ValueError):
        raise ValueError(_("Not an amount: {text}").format(text=raw[:20])) from None
    # A typed amount is taken exactly or refused: "1.250" was read as 1,25 ₽ where 1 250 ₽ was meant (the
    # same marks group thousands in "1.250.000"), and "…,505" was rounded to ",51" without a word.
    bare = _SPACES.sub("", raw)
    for sign in (CURRENCY_SIGN, "руб.", "руб", "RUB"):
        bare = bare.replace(sign, "")
    if re.fullmatch(r"[1-9]\d{0,2}\.\d{3}", bare):
        grouped = format_amount(Decimal(bare.replace(".", "")), currency=False, cents=False, language=language)
        if bare.endswith("0"):
            decimal = format_amount(amount, currency=False, language=language)
            message = _("Unclear amount {text}: write {grouped} or {decimal}.")
        else:  # "1.255" is no amount of kopecks: only the thousands reading is offered
            decimal, message = "", _("Unclear amount {text}: write {grouped}; kopecks take at most two digits.")
        raise ValueError(message.format(text=quoted(raw[:20]), grouped=grouped, decimal=decimal))
    if "." in number and len(number.split(".")[1]) > 2:
        raise ValueError(_("Kopecks take at most two digits: {text}.").format(text=quoted(raw[:20])))
    amount = amount.quantize(Decimal("0.01"), ROUND_HALF_UP)
    if amount < 0 or amount >= Decimal("1e14"):
        raise ValueError(_("Not an amount: {text}").format(text=raw[:20]))
    return amount


def parse_signed_amount(text: str) -> Decimal | None:
    """An amount that may be a loss, as typed (a margin): empty -> None (not known); "-1 200" -> -1200; junk ->
    ValueError (parse_amount's sentence)."""
    text = text.strip()
    if not text:
        return None
    negative = text.startswith("-")
    value = parse_amount(text.lstrip("-"))
    return -value if negative else value


def amount_digits(text: str, *, comma_groups: bool = False) -> str:
    """*text* as typed ("1 250 000,50", "1.250.000", "1250.5") -> plain digits with a decimal dot
    ("1250000.50"); "" -> "0"; ValueError when it is not an amount as a person writes one.

    A group mark (space, dot or comma) must stand between groups of exactly three digits, the same mark
    throughout, and the decimal mark (dot or comma) after the last group.  *comma_groups*: a lone comma
    followed by three digits groups thousands (English "1,234") rather than marking the decimals.
    """
    cleaned = text.strip()
    for sign in (CURRENCY_SIGN, "руб.", "руб", "RUB"):
        cleaned = cleaned.replace(sign, "")
    cleaned = _SPACES.sub(" ", cleaned).strip()
    if not cleaned:
        return "0"
    plain = re.fullmatch(r"(\d*)(?:([.,])(\d*))?", cleaned)
    if plain and (plain.group(1) or plain.group(3)):
        whole, mark, fraction = plain.groups()
        if mark == "," and comma_groups and len(fraction) == 3 and whole:
            return whole + fraction
        return (whole or "0") + ("." + fraction if fraction else "")
    grouped = re.fullmatch(r"(\d{1,3})((?:([ .,])\d{3})(?:\3\d{3})*)(?:([.,])(\d*))?", cleaned)
    if grouped is None or grouped.group(3) == grouped.group(4):
        raise ValueError(text)
    whole = grouped.group(1) + grouped.group(2).replace(grouped.group(3), "")
    fraction = grouped.group(5) or ""
    return whole + ("." + fraction if fraction else "")
