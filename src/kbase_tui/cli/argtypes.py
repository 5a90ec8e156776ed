"""Argument types of the `kbase` commands: each bad value is refused in one sentence, before anything runs.

argparse prints the sentence as `kbase COMMAND: argument --x: ...` and exits 2 (see `QuietParser`).
Nothing here imports more than the standard library: it runs at every start of the app.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date, datetime
from pathlib import Path

from kbase_tui.i18n import _


class QuietParser(argparse.ArgumentParser):
    """A parser whose errors are one line (what is wrong and where --help is), not the whole usage."""

    def error(self, message: str):  # type: ignore[override]
        self.exit(2, _("{prog}: {message} (see {prog} --help)").format(prog=self.prog, message=message) + "\n")


def _fail(message: str):
    return argparse.ArgumentTypeError(message)


def positive_int(text: str) -> int:
    """A whole number of 1 or more (counts, batch sizes, how many to keep)."""
    try:
        value = int(text)
    except ValueError:
        raise _fail(_("{value!r} is not a whole number").format(value=text)) from None
    if value < 1:
        raise _fail(_("it takes a whole number of 1 or more, not {value}").format(value=value))
    return value


def hours(text: str) -> float:
    """Hours, 0 or more (0 turns the thing off)."""
    try:
        value = float(text)
    except ValueError:
        raise _fail(_("{value!r} is not a number of hours").format(value=text)) from None
    if not value >= 0 or value == float("inf"):  # also refuses nan
        raise _fail(_("it takes a number of hours of 0 or more, not {value}").format(value=text))
    return value


def day(text: str) -> date:
    """A calendar day written YYYY-MM-DD or DD.MM.YYYY; an impossible day (30 February) is refused by name."""
    raw = text.strip()
    for pattern in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.strptime(raw, pattern).date()
        except ValueError:
            continue
    raise _fail(_("{value!r} is not a date of the calendar: write it as YYYY-MM-DD or DD.MM.YYYY").format(value=text))


def existing_file(text: str) -> Path:
    path = Path(text).expanduser()
    if path.is_dir():
        raise _fail(_("{path} is a folder, not a file").format(path=path))
    if not path.exists():
        raise _fail(_("there is no file {path}").format(path=path))
    return path


def existing_dir(text: str) -> Path:
    path = Path(text).expanduser()
    if path.exists() and not path.is_dir():
        raise _fail(_("{path} is a file, not a folder").format(path=path))
    if not path.exists():
        raise _fail(_("there is no folder {path}: create it first").format(path=path))
    return path


def new_file(text: str) -> Path:
    """A file to write: not a folder, in a folder that exists (nothing is created on a typo)."""
    path = Path(text).expanduser()
    if path.is_dir() or text.endswith(("/", "\\")):
        raise _fail(_("{path} is a folder: give the name of the file to write").format(path=path))
    if not path.parent.is_dir():
        raise _fail(_("there is no folder {folder} to write {name} into").format(folder=path.parent, name=path.name))
    return path


def die(message: str, code: int = 1):
    """Stop a command with one sentence on standard error."""
    print(message, file=sys.stderr)
    raise SystemExit(code)
