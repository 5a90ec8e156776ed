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
