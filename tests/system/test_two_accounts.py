"""Two OS accounts on one machine: the server's owns the base, the client's reaches it only through the socket.

The module makes throw-away accounts (useradd/groupadd, removed at the end): a server account that owns
the database, the keys, a backup and the exports, and a client account in the socket's group only.  It
starts `kbase serve` as the server account, as deploy/kbase.service does (its group, umask 077), and
runs commands as the client account (`runuser -u CLIENT -- python ...`): a stand-in for anything an
operator could run after escaping the app.  Those commands can read none of the server's files and
write into none of its folders, get 401 without a session and 403 beyond the signed-in role, yet the
same account signs in and takes a lead, and its app never loads the database layer.

Needs root; skipped otherwise.  scripts/check_ssh_deploy.sh checks the same over SSH.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Both accounts must be able to run the interpreter: the venv's own may live in root's home.
PYTHON = os.environ.get("KBASE_PYTHON", "/usr/bin/python3.11")
PASSWORD = "Two-Accounts-2026!"

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root: it creates OS accounts"),
    pytest.mark.skipif(
        not all(shutil.which(tool) for tool in ("useradd", "groupadd", "runuser")),
        reason="needs useradd, groupadd and runuser",
    ),
    pytest.mark.skipif(not os.access(PYTHON, os.X_OK), reason=f"no {PYTHON} (set KBASE_PYTHON)"),
]


def _run(*command: str, stdin: str | None = None, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(command, input=stdin, capture_output=True, text=True, timeout=120)
    if check and result.returncode != 0:
        raise AssertionError(f"{command} failed ({result.returncode}): {result.stdout}{result.stderr}")
    return result


class Machine:
    """The two accounts, the server's folders and its running server."""

    def __init__(self) -> None:
        tag = f"{os.getpid() % 100000}"
        self.server_user, self.client_user, self.group = f"kbt{tag}s", f"kbt{tag}c", f"kbt{tag}g"
        self.base = Path(tempfile.mkdtemp(prefix="kbase-two-"))
        self.base.chmod(0o755)
        self.code = self.base / "app"
        self.data, self.config, self.logs = self.base / "data", self.base / "config", self.base / "log"
        self.exports, self.inbox = self.base / "exports", self.base / "inbox"
        self.run_dir = self.base / "run"
        self.socket = self.run_dir / "kbase.sock"
        self.database = self.data / "kbase.sqlite3"
        self.server: subprocess.Popen | None = None
        self.users_made: list[str] = []
        self.group_made = False

    # --- set-up and tear-down ------------------------------------------------------------------------
    def build(self) -> None:
        _run("groupadd", self.group)
        self.group_made = True
        _run(
            "useradd",
            "--system",
            "--no-create-home",
            "--home-dir",
            str(self.data),
            "--shell",
            "/usr/sbin/nologin",
            "--user-group",
            self.server_user,
        )
        self.users_made.append(self.server_user)
        _run(
            "useradd",
            "--no-create-home",
            "--home-dir",
            "/nonexistent",
            "--shell",
            "/usr/sbin/nologin",
            "--user-group",
            "--groups",
            self.group,
            self.client_user,
        )
        self.users_made.append(self.client_user)
        # The code, readable by both (a work tree may hold files only its owner can read), laid out as a wheel
        # installs it: data/ inside the package.
        shutil.copytree(ROOT / "src", self.code / "src")
        shutil.copytree(ROOT / "data", self.code / "src" / "kbase_tui" / "_data")
        shutil.copy(ROOT / "scripts" / "kbase_probe.py", self.code / "kbase_probe.py")
        _run("chmod", "-R", "a+rX,go-w", str(self.code))
        for folder in (self.data, self.config, self.logs, self.exports, self.inbox):
            _run("install", "-d", "-o", self.server_user, "-g", self.server_user, "-m", "0700", str(folder))
        # What systemd's RuntimeDirectory= makes: the server's, the clients' group, 0750.
        _run("install", "-d", "-o", self.server_user, "-g", self.group, "-m", "0750", str(self.run_dir))
        leads = self.base / "leads.csv"
        leads.write_text(
            "Компания;Телефон;Город\nООО Двойка;+7 495 111-22-33;Москва\nАО Тройка;+7 812 444-55-66;Казань\n",
            encoding="utf-8",
        )
        leads.chmod(0o644)
        owner = ("runuser", "-u", self.server_user, "--", *self.env(server=True), PYTHON, "-m", "kbase_tui.cli.main")
        _run(*owner, "init", "--admin", "it", "--password-stdin", stdin=PASSWORD + "\n")
        # The calling window open at any hour and day: the lead is taken whenever the test runs.
        _run(*owner, "hours", "--days", "1-7", "--hours", "00:00-24:00", "--holidays", "")
        _run(
            *owner, "user", "add", "anna", "--role", "caller", "--password-stdin", "--no-change", stdin=PASSWORD + "\n"
        )
        _run(
            *owner,
            "user",
            "add",
            "olga",
            "--role",
            "supervisor",
            "--password-stdin",
            "--no-change",
            stdin=PASSWORD + "\n",
        )
        _run(*owner, "import", str(leads))
        _run(*owner, "backup")
        log = open(self.base / "server.log", "wb")  # noqa: SIM115 (the server's log while it runs)
        self.server = subprocess.Popen(
            [
                "runuser",
                "-u",
                self.server_user,
                "-g",
                self.group,
                "--",
                *self.env(server=True),
                PYTHON,
                "-m",
                "kbase_tui.cli.main",
                "serve",
                "--socket",
                str(self.socket),
                "--socket-group",
                self.group,
            ],
            stdout=log,
            stderr=log,
            umask=0o077,
        )
        deadline = time.monotonic() + 60
        while not self.socket.exists():
            if self.server.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("the server did not start: " + (self.base / "server.log").read_text())
            time.sleep(0.1)

    def tear_down(self) -> None:
        if self.server is not None:
            self.server.terminate()
            try:
                self.server.wait(15)
            except subprocess.TimeoutExpired:
                self.server.kill()
        for user in self.users_made:  # anything still running as a throw-away account was started here
            for pid in _run("pgrep", "-u", user, check=False).stdout.split():
                _run("kill", "-9", pid, check=False)
        for user in reversed(self.users_made):
            _run("userdel", user, check=False)
        if self.group_made:
            _run("groupdel", self.group, check=False)
        shutil.rmtree(self.base, ignore_errors=True)

    # --- running things ------------------------------------------------------------------------------
    def env(self, *, server: bool = False) -> list[str]:
        """`env -i` and the variables a process of either account starts with."""
        variables = {
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": f"{self.code / 'src'}:{sysconfig.get_paths()['purelib']}",
            "KBASE_LANG": "en",
            "HOME": "/nonexistent",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        if server:
            variables.update(
                KBASE_DB=str(self.database),
                KBASE_DATA_DIR=str(self.data),
                KBASE_CONFIG_DIR=str(self.config),
                KBASE_LOG_DIR=str(self.logs),
                KBASE_EXPORTS_DIR=str(self.exports),
                KBASE_INBOX_DIR=str(self.inbox),
                KBASE_KEYSTORE="file",
                HOME=str(self.data),
            )
        return ["env", "-i", *(f"{name}={value}" for name, value in variables.items())]

    def as_client(self, *command: str, check: bool = False) -> subprocess.CompletedProcess:
        return _run("runuser", "-u", self.client_user, "--", *self.env(), *command, check=check)

    def python_as_client(self, code: str) -> subprocess.CompletedProcess:
        return self.as_client(PYTHON, "-c", code)

    def probe(self, *arguments: str) -> subprocess.CompletedProcess:
        return self.as_client(PYTHON, str(self.code / "kbase_probe.py"), str(self.socket), *arguments)

    def secrets(self) -> list[Path]:
        """Every file of the server's that must stay its own."""
        files = [
            self.database,
            *sorted((self.config / "keys").glob("*.key")),
            *sorted((self.data / "backups").glob("*.kbackup")),
            *sorted(self.exports.iterdir()),
            Path(f"{self.database}-wal"),
        ]
        return [path for path in files if path.exists()]


@pytest.fixture(scope="module")
def machine():
    theirs = _run(PYTHON, "-c", "import sys; print(sys.version_info[:2])").stdout.strip()
    if theirs != str(sys.version_info[:2]):
        pytest.skip(f"{PYTHON} is Python {theirs}: this venv's packages are for {sys.version_info[:2]}")
    machine = Machine()
    try:
        machine.build()
        # An export made by the server for the supervisor, as the head of sales would collect it.
        made = machine.probe("export", "olga", PASSWORD)
        assert made.returncode == 0, made.stdout + made.stderr
        yield machine
    finally:
        machine.tear_down()


_TRY = """
import json, os, sys
results = {}
for path in json.loads(sys.argv[1]):
    try:
        if os.path.isdir(path):
            os.listdir(path)
        else:
            with open(path, "rb") as handle:
                handle.read(1)
        results[path] = "read"
    except OSError as error:
        results[path] = type(error).__name__
for folder in json.loads(sys.argv[2]):
    try:
        with open(os.path.join(folder, "planted"), "x"):
            pass
        results[folder] = "written"
    except OSError as error:
        results[folder] = type(error).__name__
print(json.dumps(results))
"""


def _try_as_client(machine: Machine, readable: list[Path], writable: list[Path]) -> dict[str, str]:
    result = machine.as_client(
        PYTHON, "-c", _TRY, json.dumps([str(p) for p in readable]), json.dumps([str(p) for p in writable])
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout)


def test_the_servers_files_are_its_own_and_private(machine):
    secrets = machine.secrets()
    kinds = {path.suffix for path in secrets}
    assert {".sqlite3", ".key", ".kbackup", ".csv"} <= kinds, secrets
    for path in secrets:
        info = path.stat()
        assert (info.st_uid, info.st_mode & 0o777) == (_uid(machine.server_user), 0o600), path
    socket_info = machine.socket.stat()
    assert socket_info.st_mode & 0o777 == 0o660 and socket_info.st_gid == _gid(machine.group)


def test_the_client_account_can_read_none_of_the_servers_files(machine):
    control = machine.code / "src" / "kbase_tui" / "__init__.py"  # shows the probe really reads as the client
    folders = [machine.data, machine.config / "keys", machine.data / "backups", machine.exports, machine.inbox]
    results = _try_as_client(machine, [control, *machine.secrets(), *folders], [])
    assert results.pop(str(control)) == "read"
    assert results and set(results.values()) == {"PermissionError"}, results


def test_the_client_account_can_write_into_none_of_the_servers_folders(machine):
    folders = [
        machine.data,
        machine.config,
        machine.logs,
        machine.exports,
        machine.inbox,
        machine.run_dir,
        machine.data / "backups",
    ]
    results = _try_as_client(machine, [], folders)
    assert set(results.values()) == {"PermissionError"}, results


def test_nor_read_the_servers_memory_or_environment(machine):
    server = _run("pgrep", "-u", machine.server_user, "-f", "kbase_tui.cli.main serve").stdout.split()[0]
    results = _try_as_client(machine, [Path(f"/proc/{server}/environ"), Path(f"/proc/{server}/fd")], [])
    assert set(results.values()) == {"PermissionError"}, results


def test_without_a_session_every_operation_answers_401(machine):
    result = machine.probe("anonymous")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no token:" in result.stdout and "a forged token:" in result.stdout


def test_a_callers_session_cannot_reach_a_supervisors_operations(machine):
    result = machine.probe(
        "denied", "anna", PASSWORD, "exporter.export_companies", "queue.all_outcomes", "importer.inbox"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("403 AccessDenied") == 3


def test_the_client_account_signs_in_and_takes_a_lead(machine):
    result = machine.probe("take-lead", "anna", PASSWORD)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "anna holds a lead: " in result.stdout
    assert "Двойка" in result.stdout or "Тройка" in result.stdout


_APP = """
import asyncio, sys
from kbase_tui.ui.app import KbaseApp

async def main(address, password):
    app = KbaseApp(address)
    async with app.run_test(size=(120, 40)) as pilot:
        async def settle():
            for _ in range(3):
                await app.workers.wait_for_complete()
                await pilot.pause()
        await settle()
        await pilot.click("#username")
        await pilot.press(*"anna", "enter", *password, "enter")
        for _ in range(100):
            await settle()
            if type(app.screen).__name__ == "CallerQueue":
                break
            await asyncio.sleep(0.05)
        print("screen:", type(app.screen).__name__)
    layer = ("sqlalchemy", "sqlmodel", "alembic", "psycopg", "argon2", "keyring", "cryptography",
             "kbase_tui.services", "kbase_tui.models", "kbase_tui.server", "kbase_tui.migrations")
    print("loaded:", sorted(m for m in sys.modules if any(m == t or m.startswith(t + ".") for t in layer)))

asyncio.run(main(sys.argv[1], sys.argv[2]))
"""


def test_the_app_run_as_the_client_account_never_loads_the_database_layer(machine):
    imported = machine.probe("modules")
    assert imported.returncode == 0 and "database layer loaded: none" in imported.stdout, imported.stdout
    # And the app itself, signed in on the caller's queue through the socket.
    result = machine.as_client(PYTHON, "-c", _APP, f"unix:{machine.socket}", PASSWORD)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "screen: CallerQueue" in result.stdout, result.stdout
    assert "loaded: []" in result.stdout, result.stdout


def _uid(name: str) -> int:
    import pwd

    return pwd.getpwnam(name).pw_uid


def _gid(name: str) -> int:
    import grp

    return grp.getgrnam(name).gr_gid
