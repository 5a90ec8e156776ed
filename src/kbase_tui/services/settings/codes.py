"""The codes of rules kept as data (outcomes, reasons): short, Latin, stable."""

from __future__ import annotations

from kbase_tui.i18n import _

from ..errors import ValidationFailed
from ..text import clean_input


def valid_code(code: str) -> str:
    code = clean_input(code, 32).lower()
    if not code or not all(ch.isascii() and (ch.isalnum() or ch == "_") for ch in code):
        raise ValidationFailed(_("The code may use Latin letters, digits and _ only."))
    return code
