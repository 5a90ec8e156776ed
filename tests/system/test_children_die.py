"""Child processes die with their parent: `kill -9` of a real `kbase import` leaves no parser process and no
multiprocessing resource tracker behind (parented to PID 1, holding the file open).

The file is large enough (over importer.PARALLEL_MIN_BYTES) for the import to parse in a second process on a
machine with two cores; the test checks that the parser was really there before it kills the parent.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

KBASE = str(Path(sys.executable).with_name("kbase"))


def _children_of(pid: int) -> set[int]:
    """Every living descendant of *pid* (from /proc: the parent of each process)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name may hold spaces and brackets: the fields after its last ")" are fixed.
        fields = stat[stat.rindex(")") + 2 :].split()
        if fields[0] != "Z":
            parents[int(entry.name)] = int(fields[1])
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2 :].split()[0] != "Z"


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


@pytest.mark.skipif(
    not Path("/proc").is_dir() or len(os.sched_getaffinity(0)) < 2,
    reason="needs Linux's /proc and two cores (the import parses in-process on one)",
)
def test_sigkill_of_an_import_takes_its_parser_and_resource_tracker_along(sqlite_db, tmp_path):
    from kbase_tui.services.importing import importer

    csv = tmp_path / "big.csv"
    with open(csv, "w", encoding="utf-8") as out:
        out.write("Название;ИНН;Телефон;Город;Контакт\n")
        n = 0
        while out.tell() < importer.PARALLEL_MIN_BYTES * 2:
            out.write(f"ООО «Компания номер {n}»;;+7 495 {1_000_000 + n % 9_000_000:07d};Москва;Иван Петров {n}\n")
            n += 1
    db = str(sqlite_db.sqlite_path)
    sqlite_db.dispose()
    env = {**os.environ, "KBASE_LANG": "en"}
    process = subprocess.Popen(
        [KBASE, "import", str(csv), "--db", db],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
        start_new_session=True,
    )
    children: set[int] = set()
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            children = _children_of(process.pid)
            if any("multiprocessing" in _cmdline(pid) and "resource_tracker" not in _cmdline(pid) for pid in children):
                break
            time.sleep(0.05)
        assert process.poll() is None, process.stderr.read().decode()
        parser = [pid for pid in children if "resource_tracker" not in _cmdline(pid)]
        tracker = [pid for pid in children if "resource_tracker" in _cmdline(pid)]
        assert parser, "the import did not start its parsing process"
        assert tracker, "no multiprocessing resource tracker started"
        time.sleep(0.5)  # the parser is working (or blocked on its full queue) when the parent dies
        children = _children_of(process.pid)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(_alive(pid) for pid in children):
            time.sleep(0.05)
        left = {pid: _cmdline(pid) for pid in children if _alive(pid)}
        assert not left, f"still running after the import was killed: {left}"
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        for pid in children:  # only if the test failed: never leave them running
            if not _alive(pid):
                continue
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
