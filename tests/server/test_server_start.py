"""A server listens before it has imported its operations' services; an operation that comes first waits."""

from __future__ import annotations

import subprocess
import sys

# In a process of its own: in the tests' process every binding is imported already.
CODE = """
import sys
from starlette.testclient import TestClient
from kbase_tui.server.app import create_app
from kbase_tui.server.runner import default_settings
from kbase_tui.server.state import ServerState
from kbase_tui.services import users
from kbase_tui.services.setup import create_database

db = create_database(sys.argv[1])
users.create_user(db, users.local_actor(), "anna", "caller", "Long-enough-2026!", must_change_password=False)
state = ServerState(database=db, settings=default_settings(private=False))
app = create_app(state)
early = sorted(m for m in sys.modules if m.startswith("kbase_tui.server.bindings."))
token, _session = state.sessions.create(users.login(db, "anna", "Long-enough-2026!"))
client = TestClient(app)  # not entered: no lifespan, so nothing started the bindings but the call itself
reply = client.post(
    "/v1/op/me.set_language",
    content=b'{"language": "ru"}',
    headers={"authorization": f"Bearer {token}", "x-kbase-protocol": "1"},
)
print(early, reply.status_code, reply.text)
sys.exit(0 if early == [] and reply.status_code == 200 else 1)
"""


def test_an_operation_before_the_bindings_are_imported_waits_for_them(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", CODE, str(tmp_path / "base.sqlite3")], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]


# `kbase serve` itself, with its bind and its serving watched: the collector is off while it starts, on once it
# answers (what the start built frozen out of its way).
SERVE = """
import asyncio, gc, sys
from kbase_tui.cli.main import main
from kbase_tui.server import runner

bind, serve = runner.RunningServer.bind, runner.RunningServer.serve

def watched_bind(self):
    print("binding, collector on:", gc.isenabled(), flush=True)
    bind(self)

async def watched_serve(self):
    serving = asyncio.ensure_future(serve(self))
    while not self.started:
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.1)
    print("answering, collector on:", gc.isenabled(), "frozen:", gc.get_freeze_count() > 0, flush=True)
    self.stop()
    await serving

runner.RunningServer.bind, runner.RunningServer.serve = watched_bind, watched_serve
sys.exit(main(["serve", "--private", "--db", sys.argv[1], "--socket", sys.argv[2]]))
"""


def test_kbase_serve_starts_without_the_cyclic_collector_and_answers_with_it(tmp_path):
    from kbase_tui.services.setup import create_database

    create_database(str(tmp_path / "base.sqlite3")).dispose()
    result = subprocess.run(
        [sys.executable, "-c", SERVE, str(tmp_path / "base.sqlite3"), str(tmp_path / "s.sock")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    assert "binding, collector on: False" in result.stdout, result.stdout
    assert "answering, collector on: True frozen: True" in result.stdout, result.stdout
