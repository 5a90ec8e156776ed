"""Phone numbers: parse with `phonenumbers` (default region RU), store E.164, show readable.

Shared by the server (which stores numbers) and the app (which shows them); no database here.
"""

from __future__ import annotations

import re

import phonenumbers

from kbase_tui.i18n import _
from kbase_tui.protocol.errors import ValidationFailed

DEFAULT_REGION = "RU"


def _ru_national_pattern() -> re.Pattern[str]:
    """Every valid 10-digit Russian national number, from the library's own metadata."""
    meta = phonenumbers.PhoneMetadata.metadata_for_region("RU")
    patterns = []
    for kind in (
        "fixed_line",
        "mobile",
        "toll_free",
        "premium_rate",
        "shared_cost",
        "personal_number",
        "voip",
        "pager",
        "uan",
        "voicemail",
    ):
        desc = getattr(meta, kind, None)
        if (
            desc is not None
            and desc.national_number_pattern
            and (not desc.possible_length or 10 in desc.possible_length)
        ):
            patterns.append(f"(?:{desc.national_number_pattern})")
    return re.compile("|".join(patterns))


_RU_NATIONAL = _ru_national_pattern()
_DIGITS_ONLY = re.compile(r"[\s()\-.]+")
# The usual punctuation of a written number, removed without a regex; anything else falls back to _DIGITS_ONLY.
_PHONE_PUNCTUATION = str.maketrans("", "", " ()-.\t\xa0")
# An extension after the number: «доб. 123», «доб.123», «(вн. 12)», «ext 5», «x5», «#123».
_EXTENSION = re.compile(
    r"[\s,;(]*(?:доб(?:авочный)?|вн(?:утр(?:енний)?)?|ext(?:ension)?|x|#)\.?\s*:?\s*(\d{1,6})\)?\s*$", re.IGNORECASE
)


def normalise(raw: str, region: str = DEFAULT_REGION) -> str | None:
    """E.164 for a valid number, None otherwise ('8 (495) 123-45-67' → '+74951234567').

    Plain Russian numbers take a quick path (an import normalises a million of them); it gives exactly
    what the library gives (tests compare both)."""
    text = (raw or "").strip()
    if not text:
        return None
    if region == "RU":
        quick = _quick_ru(text)
        if quick is not None:
            return quick
    return _normalise_slowly(text, region)


def _quick_ru(text: str) -> str | None:
    """E.164 of a Russian number written with digits and the usual punctuation only, else None."""
    plus = text.startswith("+")
    body = text[1:] if plus else text
    digits = body.translate(_PHONE_PUNCTUATION)
    if not (digits.isascii() and digits.isdigit()):
        digits = _DIGITS_ONLY.sub("", body)
        if not (digits.isascii() and digits.isdigit()):
            return None
    national = None
    if len(digits) == 11 and (digits[0] == "7" or (digits[0] == "8" and not plus)):
        national = digits[1:]
    elif len(digits) == 10 and not plus:
        national = digits
    if national is not None and _RU_NATIONAL.fullmatch(national):
        return "+7" + national
    return None


def _normalise_slowly(text: str, region: str) -> str | None:
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_with_extension(raw: str, region: str = DEFAULT_REGION) -> tuple[str | None, str]:
    """(E.164, extension digits) of a number that may end in an extension: '+7 495 123-45-67 доб. 123' →
    ('+74951234567', '123'); (None, '') when the number is not valid."""
    text = (raw or "").strip()
    if region == "RU" and text:
        quick = _quick_ru(text)
        if quick is not None:  # digits and punctuation only: no extension
            return quick, ""
    # Looked for before the library reads the number: it drops «ext»/«x»/«#» extensions without a word.
    match = _EXTENSION.search(text)
    if match is not None:
        main = normalise(text[: match.start()], region)
        if main is not None:
            return main, match.group(1)
    return normalise(text, region), ""


def normalise_or_raise(raw: str) -> str:
    number = normalise(raw)
    if number is None:
        raise ValidationFailed(_("Not a valid phone number: {raw}").format(raw=raw.strip()[:40]))
    return number


def readable(e164: str) -> str:
    """'+74951234567' → '+7 495 123-45-67' for reading aloud on a call."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
