"""Dates dd.mm.yyyy, amounts with thousands separators by language, Monday weeks (kbase_tui.formatting)."""

from __future__ import annotations

import os
import time
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from kbase_tui import i18n
from kbase_tui.formatting import (
    country_name,
    format_amount,
    format_date,
    format_datetime,
    format_fraction,
    format_number,
    format_week,
    parse_amount,
    parse_date,
    quoted,
    week_bounds,
    weekday_names,
    zone_city,
)

NBSP = "\u00a0"


@pytest.fixture
def russian():
    before = i18n.current_language()
    i18n.set_language("ru")
    yield
    i18n.set_language(before)


@pytest.fixture
def moscow_time():
    old = os.environ.get("TZ")
    os.environ["TZ"] = "Europe/Moscow"
    time.tzset()
    yield
    if old is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = old
    time.tzset()


def test_dates_are_day_month_year():
    assert format_date(date(2026, 3, 7)) == "07.03.2026"
    assert format_date(None) == ""


def test_a_utc_timestamp_is_shown_in_local_time(moscow_time):
    stamp = datetime(2026, 12, 31, 21, 30, tzinfo=UTC)
    assert format_datetime(stamp) == "01.01.2027 00:30"
    assert format_date(stamp) == "01.01.2027"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("25.12.2026", date(2026, 12, 25)),
        ("5.1.2026", date(2026, 1, 5)),
        ("25.12.26", date(2026, 12, 25)),
        ("2026-12-25", date(2026, 12, 25)),
        (" 25/12/2026 ", date(2026, 12, 25)),
    ],
)
def test_parse_date_accepts_the_usual_forms(text, expected):
    assert parse_date(text) == expected


def test_parse_date_without_a_year_takes_this_year():
    assert parse_date("25.12", today=date(2027, 3, 1)) == date(2027, 12, 25)


def test_parse_date_empty_and_wrong():
    assert parse_date("") is None
    for wrong in ("31.02.2026", "12/25", "завтра", "2026-13-01"):
        with pytest.raises(ValueError):
            parse_date(wrong)


def test_russian_amounts_group_with_non_breaking_spaces_and_a_decimal_comma(russian):
    assert format_amount(Decimal("1234567.5")) == f"1{NBSP}234{NBSP}567,50{NBSP}₽"
    assert format_amount(Decimal("1234567.5"), currency=False) == f"1{NBSP}234{NBSP}567,50"
    assert format_amount(1234567, cents=False) == f"1{NBSP}234{NBSP}567{NBSP}₽"
    assert format_amount(Decimal("-5")) == f"-5,00{NBSP}₽"
    assert format_number(12345) == f"12{NBSP}345"


def test_english_amounts_group_with_commas():
    assert format_amount(Decimal("1234567.5"), language="en") == "₽1,234,567.50"
    assert format_amount(Decimal("1234567.5"), currency=False, language="en") == "1,234,567.50"
    assert format_number(12345, language="en") == "12,345"
    assert format_amount(None) == ""


@pytest.mark.parametrize(
    "text, language, expected",
    [
        ("1 234,50", "ru", Decimal("1234.50")),
        (f"1{NBSP}234{NBSP}567,5{NBSP}₽", "ru", Decimal("1234567.50")),
        ("1,234.50", "en", Decimal("1234.50")),
        ("1.234,50", "ru", Decimal("1234.50")),
        ("1,234", "en", Decimal("1234.00")),
        ("1,5", "ru", Decimal("1.50")),
        ("1234.5", "ru", Decimal("1234.50")),
        ("", "ru", Decimal("0")),
    ],
)
def test_parse_amount(text, language, expected):
    assert parse_amount(text, language=language) == expected


@pytest.mark.parametrize("text", ["abc", "-5", "1e20", "12,3,4.5.6x"])
def test_parse_amount_refuses_junk(text):
    with pytest.raises(ValueError):
        parse_amount(text)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("1.250.000", Decimal("1250000.00")),
        ("1 250 000,50", Decimal("1250000.50")),
        ("85 000", Decimal("85000.00")),
        ("1250.50", Decimal("1250.50")),
        ("1250,50", Decimal("1250.50")),
    ],
)
def test_parse_amount_groups_thousands_in_threes(text, expected):
    assert parse_amount(text, language="ru") == expected


@pytest.mark.parametrize(
    "text", ["32.13.2026", "12.12.2026", "1.2.3", "85 00012.12.2026", "12 12 2026", "1.250.000.50"]
)
def test_a_date_typed_into_an_amount_is_not_an_amount(text, russian):
    # dots or spaces between groups other than three digits are not thousands: never a huge number
    with pytest.raises(ValueError, match="не сумма"):
        parse_amount(text)


def test_the_week_starts_on_monday():
    # 25.12.2026 is a Friday.
    assert week_bounds(date(2026, 12, 25)) == (date(2026, 12, 21), date(2026, 12, 27))
    assert week_bounds(date(2026, 12, 21)) == (date(2026, 12, 21), date(2026, 12, 27))
    assert week_bounds(date(2026, 12, 27)) == (date(2026, 12, 21), date(2026, 12, 27))
    assert format_week(date(2026, 12, 25)) == "21.12.2026 – 27.12.2026"


def test_weekday_names_start_on_monday(russian):
    assert weekday_names()[0] == "пн"
    assert weekday_names(language="en")[0] == "Mon"
    assert weekday_names(short=False, language="en")[6] == "Sunday"


def test_messages_are_translated(russian):
    with pytest.raises(ValueError) as error:
        parse_date("завтра")
    assert "дд.мм.гггг" in str(error.value)


def test_fractions_are_written_as_the_reader_writes_them(russian):
    assert format_fraction(51.5) == "51,5"
    assert format_fraction(200.0) == "200,0"
    assert format_fraction(0.8, 3, trim=True, group=False) == "0,8"
    assert format_fraction(100000.0, 3, trim=True, group=False) == "100000"
    assert format_fraction(1234.5).replace(NBSP, " ") == "1 234,5"
    assert format_fraction(51.5, language="en") == "51.5"
    assert format_fraction(None) == ""


def test_a_time_zone_is_shown_as_its_city(russian):
    assert zone_city("Asia/Yekaterinburg") == "Екатеринбург"
    assert zone_city("Europe/Moscow", language="en") == "Moscow"
    assert zone_city("") == "" and zone_city("Nowhere/Place") == "Nowhere/Place"


def test_a_name_with_quotes_of_its_own_is_not_put_in_a_second_pair():
    assert quoted("Ромашка") == "«Ромашка»" and quoted("") == "«»"
    assert quoted("АО «Завод «Прогресс»»") == "АО «Завод «Прогресс»»"
    assert quoted('ООО "Вектор"') == 'ООО "Вектор"' and quoted("„Бета“") == "„Бета“"
    # Quotes inside, not at the end: the pair stays, so that the sentence shows where the name ends.
    assert quoted("Кафе «Ромашка» на Ленина") == "«Кафе «Ромашка» на Ленина»"
    assert quoted('9"00-13"00') == '«9"00-13"00»'


def test_a_country_is_shown_as_its_name(russian):
    assert country_name("RU") == "Россия" and country_name(" by ") == "Беларусь"
    assert country_name("RU", language="en") == "Russia"
    assert country_name("") == "" and country_name("ZZ") == "" and country_name("QQ") == ""


def test_a_date_the_calendar_lacks_says_so_rather_than_asking_for_the_format(russian):
    from kbase_tui.ui.queue.dialogs import parse_local_datetime

    with pytest.raises(ValueError, match=r"Нет такой даты: 31\.02\.2027"):
        parse_date("31.02.2027")
    with pytest.raises(ValueError, match=r"Нет такой даты: 31\.02\.2027"):
        parse_local_datetime("31.02.2027 10:00")
    with pytest.raises(ValueError, match="Нет такого времени: 25:00"):
        parse_local_datetime("07.03.2027 25:00")
    with pytest.raises(ValueError, match=r"дд\.мм\.гггг чч:мм"):
        parse_local_datetime("завтра в 10")


@pytest.mark.parametrize(
    "text, said",
    [
        ("1.250", "Неясная сумма «1.250»: напишите 1\u00a0250 или 1,25."),
        ("2.500", "Неясная сумма «2.500»: напишите 2\u00a0500 или 2,50."),
        ("123.456", "Неясная сумма «123.456»: напишите 123\u00a0456; копеек не больше двух знаков."),
        ("1 250 000,505", "Копеек не больше двух знаков: «1 250 000,505»."),
        ("1250.500", "Копеек не больше двух знаков: «1250.500»."),
        ("1,250", "Копеек не больше двух знаков: «1,250»."),
    ],
)
def test_an_amount_that_reads_two_ways_or_has_three_kopeck_digits_is_refused(text, said, russian):
    # Taken before as 1,25 ₽ (where "1.250.000" is a million) or rounded to ",51" without a word.
    with pytest.raises(ValueError) as refused:
        parse_amount(text)
    assert str(refused.value) == said


@pytest.mark.parametrize(
    "text, expected",
    [("1.250.000,50", Decimal("1250000.50")), ("1250.5", Decimal("1250.50")), ("0.5", Decimal("0.50"))],
)
def test_unambiguous_amounts_with_a_dot_are_still_taken(text, expected, russian):
    assert parse_amount(text) == expected
