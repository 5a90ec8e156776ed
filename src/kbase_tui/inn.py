"""The Russian taxpayer number (ИНН): its check digits, for the importer, the demo data and anyone else.

10 digits for an organisation, 12 for a person or an individual entrepreneur (ИП); the last one (two) are
check digits: the weighted sum of the digits before, mod 11, mod 10.
"""

from __future__ import annotations

import re

WEIGHTS_10 = (2, 4, 10, 3, 5, 9, 4, 6, 8)
WEIGHTS_12A = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
WEIGHTS_12B = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_NOISE = re.compile(r"[\s\-]")


def check_digit(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights, strict=False)) % 11 % 10


def valid_inn(inn: str) -> bool:
    if not inn.isdigit():
        return False
    if len(inn) == 10:
        return check_digit(inn, WEIGHTS_10) == int(inn[9])
    if len(inn) == 12:
        return check_digit(inn, WEIGHTS_12A) == int(inn[10]) and check_digit(inn, WEIGHTS_12B) == int(inn[11])
    return False


def clean_inn(raw: str) -> str | None:
    """The INN as 10 or 12 digits ('' -> None); raises ValueError when it is not a valid INN.

    Excel drops leading zeros from numbers: 9 and 11 digits get their zero back.  1C's «ИНН/КПП» column
    holds both: the part before the slash is the INN."""
    if not raw:
        return None
    text = raw if raw.isdigit() else _NOISE.sub("", raw)
    if "/" in text:
        text = text.split("/", 1)[0]
    if text.endswith(".0"):
        text = text[:-2]
    if not text:
        return None
    if text.isdigit() and len(text) in (9, 11) and valid_inn("0" + text):
        return "0" + text
    if not valid_inn(text):
        raise ValueError(text)
    return text
