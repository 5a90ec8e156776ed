"""The input guard end to end: the real `kbase` on a pseudo-terminal, at the sign-in screen.

3 MB of an unterminated clipboard escape string (`ESC ] 52 ; c ; …`, what one paste or a hostile
SSH client can send before anyone signs in) are written to the terminal in chunks.  Textual's own
parser re-issued such a string as a key press per character: the process grew from 95 MB to
1.5 GB with the screen frozen.  Here the process memory (VmRSS, read from /proc while the flood
goes in) stays bounded, nothing of the junk reaches a field, and the person who then types their
name and password signs in.
"""

from __future__ import annotations

import os
import threading
import time

import pytest

from ..conftest import PASSWORD
from ..server_harness import server_for
from .test_burst_keys import signed_in
from .test_dropped_connection import PtyApp, wait_until

pytestmark = pytest.mark.slow

FLOOD = 3 * 1024 * 1024
CHUNK = 64 * 1024
GROWTH_LIMIT_KB = 60 * 1024  # the unguarded parser grew by more than a gigabyte


def rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def test_3_mb_of_an_unterminated_escape_string_at_the_sign_in_screen(db, make_user):
    make_user("caller", "anna")
    app = PtyApp(args=["--server", server_for(db).address])
    try:
        app.wait_for("User name")
        time.sleep(0.5)
        before = rss_kb(app.proc.pid)
        junk = ("QUFB" * (CHUNK // 4)).encode()
        peak = before
        written = threading.Event()

        def flood() -> None:
            os.write(app.master, b"\x1b]52;c;")
            sent = 0
            while sent < FLOOD:
                os.write(app.master, junk)  # blocks while the app has not read the last chunk
                sent += len(junk)
            written.set()

        writer = threading.Thread(target=flood, daemon=True)
        started = time.monotonic()
        writer.start()
        while not written.wait(0.05):
            peak = max(peak, rss_kb(app.proc.pid))
            assert time.monotonic() - started < 120, "the app stopped reading its terminal"
        flood_seconds = time.monotonic() - started
        for _ in range(10):  # what is still in the terminal's buffer is read meanwhile
            time.sleep(0.1)
            peak = max(peak, rss_kb(app.proc.pid))
        print(
            f"3 MB unterminated OSC written in {flood_seconds:.2f} s; "
            f"VmRSS {before // 1024} MB before, peak {peak // 1024} MB"
        )
        assert peak - before < GROWTH_LIMIT_KB, (before, peak)
        assert app.proc.poll() is None
        mark = app.mark()
        # The person types after a pause: the string that never ended is over.
        time.sleep(1.0)
        os.write(app.master, f"anna\t{PASSWORD}\r".encode())
        wait_until(lambda: signed_in(db, "anna"), "the sign-in after the flood")
        app.wait_for("Cold-call queue", since=mark)
        assert "QUFB" not in app.screen_text()  # nothing of the junk was ever drawn in a field
        assert PASSWORD not in app.screen_text()
    finally:
        app.close()
