"""Message catalogs (gettext).  Source strings are English; `ru` is complete.

The language is chosen once per process, before any screen is built:
`--lang`, then `KBASE_LANG`, then the locale (`LC_ALL`, `LC_MESSAGES`, `LANG`).
Russian where the locale says Russian, English otherwise.
"""

from __future__ import annotations

import gettext as _gettext
import os
from pathlib import Path

DOMAIN = "kbase"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
SUPPORTED = ("ru", "en")

_translation: _gettext.NullTranslations = _gettext.NullTranslations()
_language = "en"


def language_from_environment(environ: dict[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ
    explicit = env.get("KBASE_LANG", "").strip().lower()
    if explicit in SUPPORTED:
        return explicit
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(var, "")
        if value:
            return "ru" if value.lower().startswith("ru") else "en"
    return "en"


def set_language(lang: str | None) -> str:
    """Switch the process to *lang* (None: from the environment)."""
    global _translation, _language
    lang = (lang or language_from_environment()).lower()
    if lang not in SUPPORTED:
        lang = "en"
    _language = lang
    _translation = _gettext.translation(
        DOMAIN, localedir=str(LOCALE_DIR), languages=[lang], fallback=True
    )
    return lang


def current_language() -> str:
    return _language


def _(message: str) -> str:
    return _translation.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translation.ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark a string for extraction; translate it later with `_()`."""
    return message


set_language(None)
