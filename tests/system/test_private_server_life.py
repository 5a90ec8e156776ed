"""The private server an app starts (`kbase --db FILE`) lives while its app does and stops after it is killed.

A real app process (the same PrivateServer and client the Textual app uses, without the screen) starts the
server, signs in and holds the events stream open; the test checks that the server stays while the app is
alive past every timeout, then kills the app with SIGKILL and checks that the server stops by itself.
The timeouts are shortened by KBASE_PRIVATE_DETACHED_SECONDS and KBASE_PRIVATE_IDLE_SECONDS.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

APP = r"""
import asyncio, sys

from kbase_tui.client import KbaseClient
from kbase_tui.private_server import PrivateServer


async def main(db):
    private = PrivateServer(db).start()
    await private.ready()
    client = KbaseClient.for_address(private.address)
    await client.sign_in("anna", sys.argv[2])
    events = client.events()
    stream = asyncio.ensure_future(events.__anext__())  # the stream is open, as in the app
    print(private.process.pid, flush=True)
    await asyncio.sleep(3600)

asyncio.run(main(sys.argv[1]))
"""


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2 :].split()[0] != "Z"


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc")
def test_the_private_server_stops_after_its_app_is_killed(sqlite_db, tmp_path):
    from kbase_tui.services import users

    password = "Ochen-Dlinnyj-Parol-7"
    users.create_user(
        sqlite_db, users.local_actor(), "anna", "caller", password, full_name="Анна", must_change_password=False
    )
    db = str(sqlite_db.sqlite_path)
    sqlite_db.dispose()
    runtime = tempfile.mkdtemp(prefix="kbr-")  # short: a socket path must stay under 108 bytes, tmp_path may not
    env = {
        **os.environ,
        "KBASE_PRIVATE_DETACHED_SECONDS": "2",
        "KBASE_PRIVATE_IDLE_SECONDS": "1",
        "KBASE_RUNTIME_DIR": runtime,
    }
    app = subprocess.Popen(
        [sys.executable, "-c", APP, db, password], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True
    )
    server_pid = 0
    try:
        line = app.stdout.readline()
        assert line.strip().isdigit(), line + app.stderr.read()
        server_pid = int(line)
        time.sleep(6)  # longer than both timeouts: a living, signed-in app keeps its server
        assert _alive(server_pid), "the private server stopped under a living app"
        app.send_signal(signal.SIGKILL)
        app.wait(timeout=10)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and _alive(server_pid):
            time.sleep(0.1)
        assert not _alive(server_pid), "the private server outlived its killed app"
    finally:
        if app.poll() is None:
            app.kill()
            app.wait()
        if server_pid and _alive(server_pid):
            os.kill(server_pid, signal.SIGKILL)
        shutil.rmtree(runtime, ignore_errors=True)
