"""Files the server reads or writes for a person: only in its own folders, under names it checks or chooses.

The inbox may be written by others (the head of sales over SFTP), so a name from it is opened
without following links, must be a plain regular file with one link, and is copied into the
server's private work folder before anything reads it: a link or a swap planted in the inbox can
never make the server import (and so reveal) a file of its own, such as the database.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from kbase_tui.i18n import _
from kbase_tui.protocol.errors import NotFound, ValidationFailed

_SAFE = re.compile(r"[^\w.\-]+", re.UNICODE)
MAX_NAME = 200


def plain_name(name: str) -> str:
    """*name* if it names a file directly inside a folder (no path, no hidden file), else ValidationFailed."""
    if (
        not name
        or len(name) > MAX_NAME
        or "/" in name
        or "\\" in name
        or "\x00" in name
        or name.startswith(".")
        or name in (".", "..")
    ):
        raise ValidationFailed(_("Choose a file from the list."))
    return name


def stamped_name(kind: str, username: str, original: str = "", suffix: str = "") -> str:
    """A server-chosen name: kind, UTC time, user, and what is left of the original name; with a *suffix*
    of its own the name takes the original's stem (a report of tester.csv is ...-tester.csv, not .csv.csv)."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    who = _SAFE.sub("", username)[:32] or "user"
    base = Path(original).name
    if suffix:
        base = Path(base).stem
    rest = _SAFE.sub("_", base).strip("._")[:80]
    name = f"{kind}-{stamp}-{who}" + (f"-{rest}" if rest else "")
    return name + suffix


def list_folder(folder: Path) -> list[tuple[str, int, datetime]]:
    """Plain regular files directly in *folder* (no links, no hidden files): name, size, modified."""
    found = []
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.name.startswith(".") or entry.is_symlink() or not entry.is_file(follow_symlinks=False):
                continue
            info = entry.stat(follow_symlinks=False)
            found.append((entry.name, info.st_size, datetime.fromtimestamp(info.st_mtime, UTC)))
    return sorted(found, key=lambda item: item[2], reverse=True)


def private_copy(folder: Path, name: str, work_dir: Path) -> Path:
    """A private copy of *folder*/*name*, checked as the module's docstring says; the caller deletes it."""
    plain_name(name)
    directory = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        try:
            fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=directory)
        except FileNotFoundError:
            raise NotFound(_("The file {name} is no longer in the inbox.").format(name=name)) from None
        except OSError as error:
            raise ValidationFailed(
                _("The file {name} cannot be read: {why}.").format(name=name, why=error.strerror or error)
            ) from None
    finally:
        os.close(directory)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_nlink != 1:
            raise ValidationFailed(_("{name} is not a plain file: put the file itself in the inbox.").format(name=name))
        work_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        suffix = Path(name).suffix.lower()[:8]
        copy_fd, copy_path = tempfile.mkstemp(prefix="import-", suffix=suffix, dir=work_dir)
        with os.fdopen(fd, "rb", closefd=False) as source, os.fdopen(copy_fd, "wb") as target:
            shutil.copyfileobj(source, target, 1 << 20)
        return Path(copy_path)
    finally:
        os.close(fd)
