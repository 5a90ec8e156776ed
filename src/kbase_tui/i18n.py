"""Message catalogs (gettext).  Source strings are English; `ru` is complete.

Which language:
  1. at start-up: `--lang`, then `KBASE_LANG`, then the locale (`LC_ALL`, `LC_MESSAGES`,
     `LANG`): Russian where the locale says Russian, English otherwise;
  2. after sign-in: the language stored on the user's account, if any (the UI switches
     with `kbase_tui.ui.language.apply`); back to the start-up language at log-out.

`_()` returns a `Msg`: a plain `str` that also remembers its English msgid.  Text
evaluated at import time (class-level `BINDINGS` descriptions, `TITLE`, `HELP`) is
translated again from that msgid when the language changes (see `retranslate`).
Anything else evaluated at import time must use `N_()` and be translated with `_()`
where it is shown: tests/test_i18n_source.py checks this.

Catalogs: src/kbase_tui/locale/<lang>/LC_MESSAGES/kbase.po (+ .mo), updated by
scripts/update_catalogs.py; see docs/i18n.md.
"""

from __future__ import annotations

import gettext as _gettext
import os
from collections.abc import Callable
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

DOMAIN = "kbase"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
SUPPORTED = ("ru", "en")
LANGUAGE_NAMES = {"ru": "Русский", "en": "English"}

_translation: _gettext.NullTranslations = _gettext.NullTranslations()
_language = "en"
_translations: dict[str, _gettext.NullTranslations] = {}
_listeners: list[Callable[[str], None]] = []
# The server answers many users at once, each in their own language: a request's thread sets
# its user's language here (`language_for`), and `_()` prefers it to the process's language.
_request_language: ContextVar[tuple[str, _gettext.NullTranslations] | None] = ContextVar(
    "kbase_request_language", default=None
)


class Msg(str):
    """A translated string that remembers its source (English) msgid.

    It behaves as a `str` everywhere; `.format()`, `+` and slicing give plain `str`.
    """

    msgid: str
    plural: str | None
    n: int | None
    context: str | None

    def __new__(
        cls, text: str, msgid: str, plural: str | None = None, n: int | None = None, context: str | None = None
    ) -> Msg:
        self = super().__new__(cls, text)
        self.msgid = msgid
        self.plural = plural
        self.n = n
        self.context = context
        return self

    def retranslated(self) -> str:
        if self.context is not None:
            return pgettext(self.context, self.msgid)
        if self.plural is not None and self.n is not None:
            return ngettext(self.msgid, self.plural, self.n)
        return _(self.msgid)


def normalise_language(value: str | None) -> str | None:
    """'ru', 'RU', 'ru_RU.UTF-8' -> 'ru'; unknown or empty -> None."""
    if not value:
        return None
    code = value.strip().lower().replace("-", "_").split(".")[0].split("_")[0]
    return code if code in SUPPORTED else None


def language_from_environment(environ: dict[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ
    explicit = normalise_language(env.get("KBASE_LANG", ""))
    if explicit:
        return explicit
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(var, "")
        if value:
            return "ru" if value.strip().lower().startswith("ru") else "en"
    return "en"


def _load(lang: str) -> _gettext.NullTranslations:
    if lang not in _translations:
        _translations[lang] = _gettext.translation(DOMAIN, localedir=str(LOCALE_DIR), languages=[lang], fallback=True)
    return _translations[lang]


def set_language(lang: str | None) -> str:
    """Switch the process to *lang* (None: from the environment); returns the language used.

    Listeners (the UI) are told when the language actually changes.
    """
    global _translation, _language
    chosen = normalise_language(lang) or (language_from_environment() if not lang else "en")
    changed = chosen != _language
    _language = chosen
    _translation = _load(chosen)
    if changed:
        for listener in list(_listeners):
            listener(chosen)
    return chosen


def reload_catalogs() -> None:
    """Forget loaded catalogs (after scripts/update_catalogs.py) and reload the current one."""
    global _translation
    _translations.clear()
    _gettext._translations.clear()  # type: ignore[attr-defined]
    _translation = _load(_language)


def on_language_change(listener: Callable[[str], None]) -> None:
    if listener not in _listeners:
        _listeners.append(listener)


def current_language() -> str:
    request = _request_language.get()
    return request[0] if request is not None else _language


@contextmanager
def language_for(lang: str | None):
    """Within this block (this thread or task only), messages are in *lang*: one request's user."""
    chosen = normalise_language(lang) or _language
    token = _request_language.set((chosen, _load(chosen)))
    try:
        yield chosen
    finally:
        _request_language.reset(token)


def _active() -> _gettext.NullTranslations:
    request = _request_language.get()
    return request[1] if request is not None else _translation


def _(message: str) -> str:
    return Msg(_active().gettext(message), message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return Msg(_active().ngettext(singular, plural, n), singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """`_()` for a msgid that means different things in different places: pgettext("client", "Lost")."""
    return Msg(_active().pgettext(context, message), message, context=context)


def N_(message: str) -> str:
    """Mark a string for extraction; translate it later with `_()`."""
    return message


def retranslate(value: Any) -> Any:
    """*value* in the current language if it came from `_()`/`ngettext()`; otherwise *value* unchanged."""
    if isinstance(value, Msg):
        return value.retranslated()
    return value


set_language(None)
