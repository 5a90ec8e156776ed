#!/usr/bin/env python3
"""Extract the messages of kbase and update the catalogs.

    .venv/bin/python scripts/update_catalogs.py           # extract, update .po, compile .mo
    .venv/bin/python scripts/update_catalogs.py --check   # exit 1 if anything is missing or stale
    .venv/bin/python scripts/update_catalogs.py --list-untranslated

Writes src/kbase_tui/locale/kbase.pot, locale/{ru,en}/LC_MESSAGES/kbase.po and kbase.mo.
New msgids arrive in ru with an empty msgstr (translate them by hand); en gets msgstr = msgid.
Fuzzy matching is off: a guessed translation is worse than an empty one.
Files are rewritten only when their messages change (no date-only churn in git).
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALE_DIR = ROOT / "src" / "kbase_tui" / "locale"
DOMAIN = "kbase"
LANGUAGES = ("ru", "en")
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
COMMENT_TAGS = ("Translators:",)
PO_WIDTH = 100
HEADER = """\
# {language} messages of kbase.
# Updated by scripts/update_catalogs.py; translate the empty msgstr entries (docs/i18n.md).
#"""


def extract_template() -> Catalog:
    """The .pot catalog: every msgid in src/kbase_tui, with file locations."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    src = str(ROOT / "src")

    def only_src(dirpath: str) -> bool:
        path = str(Path(dirpath).resolve())
        name = Path(dirpath).name
        if name.startswith((".", "_")) or name.endswith(".egg-info"):
            return False
        return path == src or path.startswith(src + "/")

    template = Catalog(project="kbase", version="1", msgid_bugs_address="", charset="utf-8", fuzzy=False)
    for filename, lineno, message, comments, context in extract_from_dir(
        ROOT, method_map, options_map, keywords=KEYWORDS, comment_tags=COMMENT_TAGS,
        strip_comment_tags=True, directory_filter=only_src,
    ):
        template.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return template


def po_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def mo_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.mo"


def load_po(lang: str) -> Catalog:
    path = po_path(lang)
    if path.exists():
        with open(path, "rb") as handle:
            return read_po(handle, locale=lang, domain=DOMAIN)
    catalog = Catalog(
        locale=lang, domain=DOMAIN, project="kbase", version="1", charset="utf-8", fuzzy=False,
        header_comment=HEADER.format(language={"ru": "Russian", "en": "English"}[lang]),
        msgid_bugs_address="", copyright_holder="kbase", last_translator="kbase team",
        language_team={"ru": "Russian", "en": "English"}[lang],
    )
    return catalog


def updated_catalog(lang: str, template: Catalog) -> Catalog:
    catalog = load_po(lang)
    catalog.update(template, no_fuzzy_matching=True, update_creation_date=False)
    catalog.obsolete.clear()
    catalog.fuzzy = False
    if lang == "en":
        for message in catalog:
            if not message.id:
                continue
            if not message_translated(message):
                message.string = message.id
                message.flags.discard("fuzzy")
    return catalog


def message_translated(message) -> bool:
    if "fuzzy" in message.flags:
        return False
    if isinstance(message.string, (tuple, list)):
        return all(message.string)
    return bool(message.string)


def untranslated(catalog: Catalog) -> list:
    return [m for m in catalog if m.id and not message_translated(m)]


def po_bytes(catalog: Catalog, *, with_lines: bool = False) -> bytes:
    out = io.BytesIO()
    write_po(out, catalog, width=PO_WIDTH, sort_output=True, ignore_obsolete=True, include_lineno=with_lines)
    return out.getvalue()


def mo_bytes(catalog: Catalog) -> bytes:
    out = io.BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


def _significant(data: bytes) -> bytes:
    return b"\n".join(line for line in data.splitlines() if not line.startswith((b'"POT-Creation-Date', b'"PO-Revision-Date')))


def write_if_changed(path: Path, data: bytes, *, compare=_significant) -> bool:
    if path.exists() and compare(path.read_bytes()) == compare(data):
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return True


def compiled_matches(lang: str) -> bool:
    """True when the committed .mo holds exactly the translations of the committed .po."""
    import gettext

    if not mo_path(lang).exists():
        return False
    with open(mo_path(lang), "rb") as handle:
        compiled = gettext.GNUTranslations(handle)._catalog  # type: ignore[attr-defined]
    expected = gettext.GNUTranslations(io.BytesIO(mo_bytes(load_po(lang))))._catalog  # type: ignore[attr-defined]
    return compiled == expected


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if catalogs are incomplete or stale")
    parser.add_argument("--list-untranslated", action="store_true", help="print the ru msgids without a translation")
    args = parser.parse_args(argv)

    template = extract_template()
    problems = 0
    for lang in LANGUAGES:
        catalog = updated_catalog(lang, template)
        missing = untranslated(catalog)
        if args.check:
            current = load_po(lang)
            known = {m.id for m in current if m.id}
            wanted = {m.id for m in template if m.id}
            new = wanted - known
            stale = not compiled_matches(lang)
            print(f"{lang}: {len(wanted)} messages, {len(new)} not in the catalog, {len(missing)} untranslated, "
                  f"compiled .mo {'STALE' if stale else 'up to date'}")
            problems += len(new) + len(missing) + int(stale)
        else:
            wrote = write_if_changed(po_path(lang), po_bytes(catalog))
            compiled = write_if_changed(mo_path(lang), mo_bytes(catalog), compare=lambda data: data)
            print(f"{lang}: {sum(1 for m in catalog if m.id)} messages, {len(missing)} untranslated"
                  f"{' (po updated)' if wrote else ''}{' (mo compiled)' if compiled else ''}")
        if args.list_untranslated and lang == "ru":
            for message in missing:
                locations = ", ".join(sorted({path for path, _line in message.locations}))
                print(f"  {message.id!r}  [{locations}]")
    if not args.check:
        write_if_changed(LOCALE_DIR / f"{DOMAIN}.pot", po_bytes(template, with_lines=False))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
