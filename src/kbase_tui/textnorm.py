"""Text normalisation shared by search, sort and duplicate detection (no dependencies).

SQLite folds only ASCII case (FACTS.md), so every searchable name is stored
folded: casefold(), ё→е, quotes and legal-form noise removed, spaces squeezed.
"""

from __future__ import annotations

import re
import unicodedata

_LEGAL_FORMS = re.compile(r"\b(ооо|оао|зао|пао|ао|ип|нпо|тд|гк|llc|ltd|inc|jsc)\b", re.IGNORECASE)
_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)
_SPACES = re.compile(r"\s+")
# Characters that reorder or hide text in a terminal (bidi overrides, zero-width).
_INVISIBLE = dict.fromkeys(
    [0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069, 0xFEFF]
)


def fold(text: str) -> str:
    """Case- and ё-insensitive form for search: «ООО Ёлка» → «ооо елка»."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text or "").casefold().replace("ё", "е")).strip()


def name_key(text: str) -> str:
    """Key for duplicate detection: folded, legal form and punctuation dropped."""
    folded = fold(text)
    folded = _LEGAL_FORMS.sub(" ", folded)
    return _SPACES.sub(" ", _NON_WORD.sub(" ", folded)).strip()


def clean_input(text: str, max_length: int | None = None) -> str:
    """Drop control characters and bidi overrides from user or file input; keep the rest literally."""
    text = (text or "").translate(_INVISIBLE)
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cf", "Cs"))
    text = text.strip()
    if max_length is not None and len(text) > max_length:
        text = text[:max_length]
    return text
