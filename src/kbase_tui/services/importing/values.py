"""Cell values: several phones or e-mails in a cell, the INN checked."""

from __future__ import annotations

import re

# --- values ---------------------------------------------------------------------------

_PHONE_SPLIT = re.compile(r"[,;/\n]+")
# A piece of a phone cell that is only an extension («…-45-67, доб. 12»): it belongs to the number before it.
_ONLY_EXTENSION = re.compile(r"^\s*\(?\s*(?:доб|вн|ext|x|#)", re.IGNORECASE)
_EMAIL_SPLIT = re.compile(r"[,;\s]+")


def split_phones(cell: str) -> list[str]:
    if "," in cell or ";" in cell or "/" in cell or "\n" in cell:
        pieces: list[str] = []
        for piece in _PHONE_SPLIT.split(cell):
            piece = piece.strip()
            if not piece:
                continue
            if pieces and _ONLY_EXTENSION.match(piece):
                pieces[-1] += " " + piece
            else:
                pieces.append(piece)
        return pieces
    cell = cell.strip()
    return [cell] if cell else []


def split_emails(cell: str) -> list[str]:
    """The addresses of a cell ('a@x.ru, b@y.ru'): pieces with an @, others dropped."""
    return [piece for piece in _EMAIL_SPLIT.split(cell) if "@" in piece and len(piece) <= 200]


_INN_10 = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN_12a = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN_12b = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)


def _check(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights)) % 11 % 10


def valid_inn(inn: str) -> bool:
    if not inn.isdigit():
        return False
    if len(inn) == 10:
        return _check(inn, _INN_10) == int(inn[9])
    if len(inn) == 12:
        return _check(inn, _INN_12a) == int(inn[10]) and _check(inn, _INN_12b) == int(inn[11])
    return False


_INN_NOISE = re.compile(r"[\s\-]")


def clean_inn(raw: str) -> str | None:
    """The INN as 10 or 12 digits ('' -> None); raises ValueError when it is not a valid INN.

    Excel drops leading zeros from numbers: 9 and 11 digits get their zero back.  1C's «ИНН/КПП» column
    holds both: the part before the slash is the INN."""
    if not raw:
        return None
    text = raw if raw.isdigit() else _INN_NOISE.sub("", raw)
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
