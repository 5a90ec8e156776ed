"""The data files shipped with kbase (data/ of the repository, the package kbase_tui._data).

They are read with importlib.resources, the same way in an editable install (the editable
finder maps kbase_tui._data onto data/) and in a wheel (which carries data/ as kbase_tui/_data).
Every command checks at start that all of them are there and not empty: a missing word list or
password list is a broken install, and must never quietly turn a check off.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

PACKAGE = "kbase_tui._data"
# Every file the code reads; `check()` insists on each one.
FILES = (
    "defaults.json",
    "call_scripts.json",
    "common_passwords.txt",
    "demo/cities.json",
    "demo/goods.json",
    "demo/names.json",
    "demo/positions.json",
    "demo/segments.json",
    "demo/surnames.txt",
    "demo/texts.json",
)


class ShippedDataMissing(RuntimeError):
    """A file of kbase's own data is missing or empty: the installation is broken."""


def _message(name: str, why: str) -> str:
    from kbase_tui.i18n import _

    why = {"not found": _("not found"), "empty": _("empty")}.get(why, why)
    return _(
        "kbase is installed without its data file {name} ({why}): reinstall kbase "
        "(pip install --force-reinstall, or pipx reinstall kbase-tui)."
    ).format(name=name, why=why)


def _file(name: str):
    try:
        root = resources.files(PACKAGE)
    except ModuleNotFoundError:
        raise ShippedDataMissing(_message(name, PACKAGE + " is not installed")) from None
    return root.joinpath(*name.split("/"))


def read_text(name: str) -> str:
    """The text of shipped file *name* (e.g. "demo/cities.json"); ShippedDataMissing if it is absent or empty."""
    try:
        text = _file(name).read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError):
        raise ShippedDataMissing(_message(name, "not found")) from None
    if not text.strip():
        raise ShippedDataMissing(_message(name, "empty"))
    return text


def read_json(name: str) -> Any:
    return json.loads(read_text(name))


def check() -> None:
    """Raise ShippedDataMissing naming the first shipped file that is missing or empty."""
    for name in FILES:
        entry = _file(name)
        if not entry.is_file():
            raise ShippedDataMissing(_message(name, "not found"))
        with entry.open("rb") as handle:
            if not handle.read(1):
                raise ShippedDataMissing(_message(name, "empty"))
