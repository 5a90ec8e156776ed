"""Text normalisation shared by search, sort, import and duplicate detection (no dependencies).

SQLite folds only ASCII case, so every searchable name is stored
folded: casefold(), ё→е, quotes and legal-form noise removed, spaces squeezed.
The importer calls these a million times a run, so they avoid regexes where
str methods do the same (tests/services/test_import.py compares them with the
regex definitions).
"""

from __future__ import annotations

import re
import unicodedata

_LEGAL_FORMS = re.compile(r"\b(ооо|оао|зао|пао|ао|ип|нпо|тд|гк|llc|ltd|inc|jsc)\b", re.IGNORECASE)
# `\b(ооо|…)\b` matches exactly a whole run of word characters, so it is tried on each word no longer than the
# longest legal form (IGNORECASE also takes «ı» for «i»: a set of words would not).
_LEGAL_LONGEST = max(map(len, re.fullmatch(r"\\b\(([\w|]+)\)\\b", _LEGAL_FORMS.pattern).group(1).split("|")))
_WORDS = re.compile(r"\w+").findall
# Characters that reorder or hide text in a terminal (bidi overrides, zero-width).
_INVISIBLE = dict.fromkeys(
    [
        0x200B,
        0x200C,
        0x200D,
        0x200E,
        0x200F,
        0x202A,
        0x202B,
        0x202C,
        0x202D,
        0x202E,
        0x2066,
        0x2067,
        0x2068,
        0x2069,
        0xFEFF,
    ]
)


def fold(text: str) -> str:
    """Case- and ё-insensitive form for search: «ООО Ёлка» → «ооо елка» (spaces squeezed; str.split() splits
    on exactly the characters the regex \\s matches)."""
    return " ".join(unicodedata.normalize("NFKC", text or "").casefold().replace("ё", "е").split())


def key_of_folded(folded: str) -> str:
    """name_key() of a text already folded: its words, less the legal forms."""
    legal = _LEGAL_FORMS.fullmatch
    return " ".join([word for word in _WORDS(folded) if len(word) > _LEGAL_LONGEST or not legal(word)])


def name_key(text: str) -> str:
    """Key for duplicate detection: folded, legal form and punctuation dropped."""
    return key_of_folded(fold(text))


def clean_input(text: str, max_length: int | None = None) -> str:
    """Drop control characters and bidi overrides from user or file input; keep the rest literally."""
    text = (text or "").translate(_INVISIBLE)
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cf", "Cs"))
    text = text.strip()
    if max_length is not None and len(text) > max_length:
        text = text[:max_length]
    return text


def clean_line(text: str, max_length: int | None = None) -> str:
    """clean_input for a one-line value (a name, a city): line breaks and runs of spaces become one space
    («ООО   Ёжик» → «ООО Ёжик»).  Printable text takes a quick path (isprintable() is False for every
    character clean_input removes)."""
    if not text.isprintable():
        text = clean_input(text)
    text = " ".join(text.split())
    return text[:max_length] if max_length is not None and len(text) > max_length else text
