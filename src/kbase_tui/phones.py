"""Phone numbers: parse with `phonenumbers` (default region RU), store E.164, show readable.

Shared by the server (which stores numbers) and the app (which shows them); no database here.
"""

from __future__ import annotations

import phonenumbers

from kbase_tui.i18n import _

from kbase_tui.protocol.errors import ValidationFailed

DEFAULT_REGION = "RU"


def normalise(raw: str, region: str = DEFAULT_REGION) -> str | None:
    """E.164 for a valid number, None otherwise ('8 (495) 123-45-67' → '+74951234567')."""
    text = (raw or "").strip()
    if not text:
        return None
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


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
