"""Time zones: the client's, the person's, the call centre's; never the process's own.

Russia spans eleven zones, and the server usually runs in UTC, so no time here ever comes from
the process's clock zone (`TZ`).  Three zones matter:

- the **call centre's** (setting `centre.time_zone`): its business day — "today", the daily
  targets, the reports, a date typed without a time — and the default of the two others;
- a **person's** (`user_account.time_zone`, set by the admin): every time on that person's screen
  is shown in it, and a time they type is read in it;
- a **client company's** (`company.time_zone`, from its phone numbers, else its city, else the
  call centre's): the cold-call queue calls it only inside the calling window of *its* clock.

The rule for times on the wire: the protocol carries aware datetimes (UTC) only; whoever shows
one formats it in the reader's zone (`reader_zone()`): the app sets it once at sign-in, the server
sets it for each request to the signed-in person's zone, so a text the server composes for a
person (a summary line) reads in that person's time too.

Shared by the server and the app; no database here.
"""

from __future__ import annotations

import functools
import re
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime, time, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

DEFAULT_CENTRE_ZONE = "Europe/Moscow"
UTC = UTC

# phonenumbers names Kaliningrad's codes after a zone with the same offset but summer time
# (Europe/Bucharest); Russia keeps no summer time, so the Russian zone is the right one.
_PHONE_ZONE_FIXES = {"Europe/Bucharest": "Europe/Kaliningrad"}

# --- which zone ----------------------------------------------------------------------------


@functools.cache
def zone(name: str) -> tzinfo:
    """The zone called *name* (an IANA name such as 'Asia/Vladivostok'); KeyError if unknown."""
    if not name or name != name.strip() or name.startswith(("/", ".")) or ".." in name:
        raise KeyError(name)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise KeyError(name) from None


def is_zone(name: str) -> bool:
    try:
        zone(name)
    except KeyError:
        return False
    return True


@functools.cache
def russian_zones() -> tuple[str, ...]:
    """The IANA zones of Russia, west to east (what a supervisor usually picks from)."""
    names = [n for n in available_timezones() if n in _RUSSIAN_ZONES]
    now = datetime(2026, 1, 1, tzinfo=UTC)
    return tuple(sorted(names, key=lambda n: (now.astimezone(zone(n)).utcoffset(), n)))


_RUSSIAN_ZONES = frozenset(
    {
        "Europe/Kaliningrad",
        "Europe/Moscow",
        "Europe/Simferopol",
        "Europe/Kirov",
        "Europe/Volgograd",
        "Europe/Astrakhan",
        "Europe/Saratov",
        "Europe/Ulyanovsk",
        "Europe/Samara",
        "Asia/Yekaterinburg",
        "Asia/Omsk",
        "Asia/Novosibirsk",
        "Asia/Barnaul",
        "Asia/Tomsk",
        "Asia/Novokuznetsk",
        "Asia/Krasnoyarsk",
        "Asia/Irkutsk",
        "Asia/Chita",
        "Asia/Yakutsk",
        "Asia/Khandyga",
        "Asia/Vladivostok",
        "Asia/Ust-Nera",
        "Asia/Magadan",
        "Asia/Sakhalin",
        "Asia/Srednekolymsk",
        "Asia/Kamchatka",
        "Asia/Anadyr",
    }
)


def zone_for_phone(e164: str) -> str | None:
    """The zone of a phone number when the number tells it exactly, else None.

    Russian geographic codes (495 Moscow, 343 Yekaterinburg, 383 Novosibirsk, 423 Vladivostok ...)
    map to one zone; mobile (9xx) and free (800) numbers map to all of Russia's, so they tell nothing.
    """
    russian = _russian_geographic(e164)
    if russian is not False:
        return russian
    import phonenumbers
    from phonenumbers import timezone as number_zones

    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return None
    return _one_zone(number_zones.time_zones_for_number(number))


def _one_zone(names) -> str | None:
    found = {_PHONE_ZONE_FIXES.get(n, n) for n in names}
    if len(found) != 1:
        return None
    (name,) = found
    return name if is_zone(name) else None


def _russian_geographic(e164: str) -> str | bool | None:
    """A stored Russian number's zone by its area code, as phonenumbers' own prefix table has it.

    The quick path for imports of a million rows (phonenumbers' full check costs ~0.3 ms a number):
    mobile (9xx) and non-geographic (80x) numbers tell nothing; False: not a Russian number, ask
    phonenumbers.
    """
    if len(e164) != 12 or not e164.startswith("+7") or not e164[1:].isdigit():
        return False
    # The answer depends only on the first digits (as many as the table's longest +7 prefix): a few hundred
    # area codes, each worked out once.
    return _russian_code_zone(e164[1 : _russian_prefix_end()])


@functools.cache
def _russian_prefix_end() -> int:
    """Where the digits that decide a +7 number's zone end in its E.164 text: after the zone table's longest +7
    prefix (at most nine digits, the 7 included), and never before the area code's second digit."""
    from phonenumbers.tzdata import TIMEZONE_DATA

    return 1 + max(3, min(9, max(len(prefix) for prefix in TIMEZONE_DATA if prefix.startswith("7"))))


@functools.lru_cache(maxsize=4096)
def _russian_code_zone(digits: str) -> str | bool | None:
    """_russian_geographic() of a valid +7 number whose digits begin with *digits* (the 7 included)."""
    if digits[1] in "67":
        return False  # Kazakhstan shares +7 (6xx, 7xx)
    if digits[1] == "9" or digits[1:3] == "80":
        return None
    return _zone_of_prefix(digits)


@functools.lru_cache(maxsize=4096)
def _zone_of_prefix(digits: str) -> str | None:
    """The zone of the longest prefix of *digits* in phonenumbers' table."""
    from phonenumbers.tzdata import TIMEZONE_DATA

    for length in range(len(digits), 1, -1):
        names = TIMEZONE_DATA.get(digits[:length])
        if names is not None:
            return _one_zone(names)
    return None


def zone_for_place(*texts: str) -> str | None:
    """The zone of a city or region named in *texts* (city, address), or None when none is known."""
    from kbase_tui.textnorm import fold

    for raw in texts:
        folded = fold(raw or "")
        if not folded:
            continue
        # Stems match at the start of a word only: "тул" is Тула, never "стулья".
        words = " " + re.sub(r"[^\w-]+", " ", folded)
        for stem, name in _places():
            if " " + stem in words:
                return name
    return None


@functools.cache
def _places() -> tuple[tuple[str, str], ...]:
    from kbase_tui.textnorm import fold

    # Longest first, so "нижний новгород" wins over "новгород".
    pairs = [(fold(word), name) for name, words in _PLACES.items() for word in words]
    return tuple(sorted(pairs, key=lambda pair: -len(pair[0])))


# Cities and regions by zone: the places a Russian client base mostly holds.  Word stems, folded.
_PLACES: dict[str, tuple[str, ...]] = {
    "Europe/Kaliningrad": ("калининград",),
    "Europe/Moscow": (
        "москв",
        "санкт-петербург",
        "петербург",
        "спб",
        "нижний новгород",
        "нижегородск",
        "казан",
        "татарстан",
        "ростов",
        "краснодар",
        "воронеж",
        "ярославл",
        "тул",
        "рязан",
        "твер",
        "владимир",
        "смоленск",
        "брянск",
        "курск",
        "белгород",
        "липецк",
        "тамбов",
        "калуг",
        "иванов",
        "кострома",
        "мурманск",
        "архангельск",
        "вологд",
        "петрозаводск",
        "карели",
        "великий новгород",
        "псков",
        "сочи",
        "ставропол",
        "махачкал",
        "дагестан",
        "пенз",
        "чебоксар",
        "йошкар",
        "сыктывкар",
        "коми",
        "симферопол",
        "севастопол",
        "крым",
    ),
    "Europe/Volgograd": ("волгоград",),
    "Europe/Kirov": ("киров",),
    "Europe/Samara": ("самар", "тольятти", "ижевск", "удмурт"),
    "Europe/Saratov": ("саратов",),
    "Europe/Ulyanovsk": ("ульяновск",),
    "Europe/Astrakhan": ("астрахан",),
    "Asia/Yekaterinburg": (
        "екатеринбург",
        "свердловск",
        "челябинск",
        "пермь",
        "пермск",
        "уф",
        "башкорт",
        "тюмен",
        "оренбург",
        "курган",
        "магнитогорск",
        "сургут",
        "ханты",
        "ямал",
    ),
    "Asia/Omsk": ("омск",),
    "Asia/Novosibirsk": ("новосибирск",),
    "Asia/Barnaul": ("барнаул", "алтай"),
    "Asia/Tomsk": ("томск",),
    "Asia/Novokuznetsk": ("кемерово", "новокузнецк", "кузбасс"),
    "Asia/Krasnoyarsk": ("красноярск", "норильск", "абакан", "хакаси", "кызыл", "тыва"),
    "Asia/Irkutsk": ("иркутск", "улан-удэ", "бурят", "братск"),
    "Asia/Chita": ("чита", "забайкал"),
    "Asia/Yakutsk": ("якутск", "якути", "благовещенск", "амурск"),
    "Asia/Vladivostok": ("владивосток", "приморск", "хабаровск", "находк", "уссурийск", "комсомольск-на-амуре"),
    "Asia/Sakhalin": ("южно-сахалинск", "сахалин"),
    "Asia/Magadan": ("магадан",),
    "Asia/Kamchatka": ("петропавловск-камчатский", "камчат"),
    "Asia/Anadyr": ("анадырь", "чукот"),
}


def zone_for_company(numbers: list[str] | tuple[str, ...], city: str = "", address: str = "") -> str | None:
    """The zone a company's phones tell (the first number that tells one), else its city's, else None."""
    for number in numbers:
        found = zone_for_phone(number)
        if found:
            return found
    return zone_for_place(city, address)


# --- the reader's zone and the call centre's -------------------------------------------------

_process_reader: str = ""
_process_centre: str = ""
_request_reader: ContextVar[str | None] = ContextVar("kbase_reader_zone", default=None)


def set_reader_zone(name: str | None, centre: str | None = None) -> None:
    """The app, at sign-in: the person's zone and the call centre's ('' / None: the centre's default)."""
    global _process_reader, _process_centre
    _process_reader = name if name and is_zone(name) else ""
    if centre is not None:
        _process_centre = centre if centre and is_zone(centre) else ""


def set_centre_zone(name: str) -> None:
    """The call centre's zone of this process (the server and the CLI, from the database's setting)."""
    global _process_centre
    _process_centre = name if name and is_zone(name) else ""


@contextmanager
def reader_zone_for(name: str | None):
    """Within this block (this thread or task only), times are shown in *name*: one request's person."""
    token = _request_reader.set(name if name and is_zone(name) else "")
    try:
        yield
    finally:
        _request_reader.reset(token)


def centre_zone_name() -> str:
    return _process_centre or DEFAULT_CENTRE_ZONE


def reader_zone() -> tzinfo:
    """The zone the person reading (or typing) works in: theirs, else the call centre's."""
    request = _request_reader.get()
    name = request if request is not None else _process_reader
    return zone(name or centre_zone_name())


def centre_zone() -> tzinfo:
    return zone(centre_zone_name())


def business_today(now: datetime | None = None) -> date:
    """The call centre's date now (or at *now*): "today" for targets, lists and reports."""
    return (now or datetime.now(UTC)).astimezone(centre_zone()).date()


def in_reader_zone(value: datetime) -> datetime:
    """An aware timestamp as the reader's wall clock shows it (a naive value is taken as UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(reader_zone())


def typed(day: date, at: time, where: tzinfo | None = None) -> datetime:
    """A date and time typed by the reader (or read in *where*), as an aware UTC timestamp."""
    return datetime.combine(day, at, tzinfo=where or reader_zone()).astimezone(UTC)


def offset_hours(name: str, now: datetime | None = None, *, against: tzinfo | None = None) -> float:
    """How many hours zone *name* is ahead of the reader's (or *against*) now: Vladivostok vs Moscow +7."""
    moment = now or datetime.now(UTC)
    here = moment.astimezone(against or reader_zone()).utcoffset()
    there = moment.astimezone(zone(name)).utcoffset()
    assert here is not None and there is not None
    return (there - here).total_seconds() / 3600
