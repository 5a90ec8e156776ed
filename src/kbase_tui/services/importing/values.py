"""Cell values: several phones or e-mails in a cell (the INN is checked by kbase_tui.inn)."""

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
