"""The real `kbase` entry point reaches the login screen without importing the database layer.

cli.main registers every `cmd_*.py` sub-command before it starts the app, so a
sub-command module that imported SQLAlchemy at module level would slow every
start by ~0.75 s: the start benchmark's target depends on this.
"""

from __future__ import annotations

import os
import subprocess
import sys


def test_cli_main_up_to_the_login_screen_imports_no_sqlalchemy():
    code = (
        "import sys; from kbase_tui.cli import main as m; m._load_extra_commands(); m.build_parser();"
        "import kbase_tui.ui.app, kbase_tui.ui.login.screen;"
        "bad = [n for n in sys.modules if n.split('.')[0] in ('sqlalchemy', 'sqlmodel', 'alembic')];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_app_paints_its_login_without_the_http_library_or_the_sub_commands():
    """httpx (and what it pulls in) loads in a thread once the login is painted; `kbase --server X` registers
    no sub-command; the login screen imports no TextArea."""
    code = (
        "import sys; from kbase_tui.cli import main as m;"
        "assert m._app_options(['--server', 'unix:/nowhere']) is not None;"
        "import kbase_tui.client, kbase_tui.ui.app, kbase_tui.ui.login.screen;"
        "bad = [n for n in sys.modules if n.split('.')[0] == 'httpx' or n.startswith('kbase_tui.cli.cmd_')"
        " or n == 'textual.widgets._text_area'];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_kbase_db_starts_its_private_server_before_the_app_loads(tmp_path):
    """`kbase --db` spawns its private server first: the server's start is most of the wait for a usable login,
    so it must not wait behind Textual, asyncio, the client package or the protocol (msgspec)."""
    db = tmp_path / "kbase.db"
    db.write_bytes(b"SQLite format 3\x00")
    code = (
        "import subprocess, sys\n"
        "def spawned(*args, **kwargs):\n"
        "    loaded = [n for n in ('textual', 'asyncio', 'kbase_tui.client', 'msgspec', 'httpx', 'sqlalchemy')"
        " if n in sys.modules]\n"
        "    print('spawned', args[0][2:4], loaded)\n"
        "    sys.exit(1 if loaded else 0)\n"
        "subprocess.Popen = spawned\n"
        "from kbase_tui.cli.main import main\n"
        f"main(['--db', {str(db)!r}])\n"
        "sys.exit(2)  # never spawned\n"
    )
    env = {**os.environ, "KBASE_RUNTIME_DIR": str(tmp_path / "run"), "KBASE_LOG_DIR": str(tmp_path / "log")}
    env.pop("KBASE_SERVER", None)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "spawned ['kbase_tui.cli.main', 'serve']" in result.stdout, result.stdout
