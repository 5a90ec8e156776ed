"""Every msgid in the source has a Russian translation, and the compiled catalogs match the .po files.

The msgids are extracted from src/kbase_tui with Babel (scripts/update_catalogs.py, babel.cfg).
When this fails: run `.venv/bin/python scripts/update_catalogs.py`, translate the empty msgstr
entries in src/kbase_tui/locale/ru/LC_MESSAGES/kbase.po, run the script again, commit .po and .mo.
"""

from __future__ import annotations

import gettext
import importlib.util
import re
import string
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _load_script():
    spec = importlib.util.spec_from_file_location("update_catalogs", ROOT / "scripts" / "update_catalogs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


catalogs = _load_script()


@pytest.fixture(scope="module")
def template():
    return catalogs.extract_template()


def _ids(catalog) -> set:
    return {message.id for message in catalog if message.id}


def _where(message) -> str:
    return ", ".join(sorted({path for path, _line in message.locations})) or "?"


@pytest.mark.parametrize("lang", catalogs.LANGUAGES)
def test_every_msgid_is_in_the_catalog_and_translated(template, lang):
    catalog = catalogs.load_po(lang)
    known = {message.id: message for message in catalog if message.id}
    problems = []
    for message in template:
        if not message.id:
            continue
        entry = known.get(message.id)
        if entry is None:
            problems.append(f"missing:      {message.id!r}  [{_where(message)}]")
        elif "fuzzy" in entry.flags:
            problems.append(f"fuzzy:        {message.id!r}  [{_where(message)}]")
        elif not catalogs.message_translated(entry):
            problems.append(f"untranslated: {message.id!r}  [{_where(message)}]")
    assert not problems, f"{len(problems)} {lang} messages need work (scripts/update_catalogs.py):\n" + "\n".join(problems)


@pytest.mark.parametrize("lang", catalogs.LANGUAGES)
def test_the_compiled_catalog_matches_the_po_file(lang):
    assert catalogs.mo_path(lang).exists(), f"{catalogs.mo_path(lang)} is missing"
    assert catalogs.compiled_matches(lang), (
        f"{catalogs.mo_path(lang)} was compiled from a different .po: run scripts/update_catalogs.py"
    )


def _fields(text: str) -> set[str]:
    names = set()
    for _literal, field, _spec, _conversion in string.Formatter().parse(text):
        if field is not None:
            names.add(field)
    return names


@pytest.mark.parametrize("lang", catalogs.LANGUAGES)
def test_translations_keep_the_placeholders(lang):
    """A translation that loses or renames a {field} would raise at .format() time."""
    wrong = []
    for message in catalogs.load_po(lang):
        if not message.id or not catalogs.message_translated(message):
            continue
        ids = message.id if isinstance(message.id, (tuple, list)) else (message.id,)
        strings = message.string if isinstance(message.string, (tuple, list)) else (message.string,)
        expected = set().union(*(_fields(text) for text in ids))
        for text in strings:
            try:
                found = _fields(text)
            except ValueError as error:
                wrong.append(f"{message.id!r}: {error}")
                continue
            if found - expected or (len(ids) == 1 and found != expected):
                wrong.append(f"{message.id!r}: {sorted(expected)} -> {sorted(found)} in {text!r}")
    assert not wrong, "\n".join(wrong)


def test_russian_translations_are_russian():
    """A msgstr copied from the English msgid is not a translation (except codes and names)."""
    latin_only = []
    for message in catalogs.load_po("ru"):
        if not message.id or not catalogs.message_translated(message) or isinstance(message.id, (tuple, list)):
            continue
        words = re.sub(r"\{[^}]*\}|ctrl\+\w+|shift\+\S+|Esc|Enter|Tab|kbase|SQLite|PostgreSQL|SQLAlchemy|CSV|XLSX|"
                       r"KBASE_\w+|\b[A-Z0-9]{2,}\b|--[\w-]+|\.\w+|https?://\S+|\S+://\S+|\S+@\S+", "", message.string)
        if re.search(r"[A-Za-z]{3,}", words) and message.string == message.id:
            latin_only.append(message.id)
    assert not latin_only, "English text in the Russian catalog:\n" + "\n".join(map(repr, latin_only))


def test_the_catalogs_load_through_gettext():
    ru = gettext.translation("kbase", localedir=str(catalogs.LOCALE_DIR), languages=["ru"])
    assert ru.gettext("Sign in") == "Войти"
    assert ru.gettext("Password") == "Пароль"
