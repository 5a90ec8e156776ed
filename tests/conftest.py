"""Shared fixtures: a fresh database per test, on SQLite and (when reachable) PostgreSQL.

Every test that takes `db` runs once per back end.  SQLite copies a migrated
template file; PostgreSQL migrates one schema per test process and empties it
between tests, so runs in parallel processes never disturb each other.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from pathlib import Path

# Before any kbase import: cheap password hashing, private folders in /tmp.
os.environ["KBASE_FAST_HASH"] = "1"
os.environ.setdefault("KBASE_KEYSTORE", "file")
_TEST_HOME = Path(tempfile.mkdtemp(prefix="kbase-test-home-"))
os.environ["KBASE_DATA_DIR"] = str(_TEST_HOME / "data")
os.environ["KBASE_CONFIG_DIR"] = str(_TEST_HOME / "config")
os.environ["KBASE_LOG_DIR"] = str(_TEST_HOME / "log")
os.environ.setdefault("KBASE_LANG", "en")
# Private servers that the tests' `kbase --db` processes start stop soon after their last session.
os.environ["KBASE_PRIVATE_IDLE_SECONDS"] = "3"

import pytest  # noqa: E402


def pytest_addoption(parser):
    parser.addoption(
        "--process-tz",
        default=os.environ.get("KBASE_TEST_TZ", ""),
        help="run the suite with the test process (and every process it starts) in this TZ, e.g. "
        "Asia/Vladivostok: the server's own zone must never change a figure (also KBASE_TEST_TZ)",
    )


def pytest_configure(config):
    zone = config.getoption("--process-tz")
    if zone:
        import time

        os.environ["TZ"] = zone
        time.tzset()


def pytest_report_header(config):
    import time

    return f"process time zone: {os.environ.get('TZ', '(system)')} (UTC{time.strftime('%z')})"


from kbase_tui.i18n import set_language  # noqa: E402

set_language(os.environ["KBASE_LANG"])

PG_BASE_URL = os.environ.get("KBASE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _postgres_available() -> bool:
    if os.environ.get("KBASE_TEST_PG", "1") == "0":
        return False
    try:
        import psycopg

        with psycopg.connect("host=127.0.0.1 port=5432 dbname=test user=postgres connect_timeout=2"):
            return True
    except Exception:
        return False


POSTGRES = _postgres_available()
BACKENDS = ["sqlite", "postgresql"] if POSTGRES else ["sqlite"]


# The calling window (services/clock.py) is weekdays 09:00-18:00 by default: a test that takes
# leads must not depend on the hour or the day it runs, so the test databases call every client
# at any time.  The window's own tests (tests/services/test_time_zones.py) set it and the clock.
ALWAYS_OPEN = {
    "queue.calling_days": [1, 2, 3, 4, 5, 6, 7],
    "queue.calling_hours": [["00:00", "24:00"]],
    "queue.holidays_country": "",
}


def _open_window(url) -> None:
    import json

    from sqlalchemy import create_engine, text

    engine = create_engine(url if isinstance(url, str) else f"sqlite:///{url}")
    with engine.begin() as conn:
        for key, value in ALWAYS_OPEN.items():
            conn.execute(text("DELETE FROM setting WHERE key = :k"), {"k": key})
            conn.execute(
                text("INSERT INTO setting (key, value, updated_at) VALUES (:k, :v, CURRENT_TIMESTAMP)"),
                {"k": key, "v": json.dumps(value)},
            )
    engine.dispose()
    # PostgreSQL tests share one schema name: what a test before read must not linger in the caches.
    from kbase_tui.services import queue, reference

    reference._settings_cache.clear()
    queue.forget_queue_zones()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    from kbase_tui.services.setup import open_database

    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    database = open_database(path)
    # Each copy begins its own audit chain (its own seed and sealing key) when a test opens it:
    # copies sharing one chain would share one evolving key.
    with database.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM audit_event")
        conn.exec_driver_sql("DELETE FROM audit_head")
    database.dispose()
    _open_window(path)
    return path


@pytest.fixture(scope="session")
def pg_schema_url():
    if not POSTGRES:
        pytest.skip("PostgreSQL is not reachable")
    from sqlalchemy import create_engine, text

    schema = f"kbt_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_BASE_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    # synchronous_commit=off: a test server's commits need not wait for the disk (a crash
    # of the server, not of a process, could lose the last commits; never a test's concern).
    url = f"{PG_BASE_URL}?options=-csearch_path%3D{schema}%20-csynchronous_commit%3Doff"
    from kbase_tui.services.setup import open_database

    open_database(url).dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def _empty_postgres(url: str) -> None:
    from sqlalchemy import create_engine, text

    from kbase_tui.models import metadata

    # DELETE, not TRUNCATE: TRUNCATE makes new files for every table and waits for the
    # disk, which made each PostgreSQL test spend most of its time emptying the schema.
    engine = create_engine(url)
    deletes = "; ".join(f'DELETE FROM "{t.name}"' for t in reversed(metadata.sorted_tables))
    with engine.begin() as conn:
        conn.exec_driver_sql(deletes)
        sequences = (
            conn.execute(
                text("SELECT sequence_name FROM information_schema.sequences WHERE sequence_schema = current_schema()")
            )
            .scalars()
            .all()
        )
        if sequences:
            conn.exec_driver_sql("; ".join(f'ALTER SEQUENCE "{name}" RESTART' for name in sequences))
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def db_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        target = tmp_path / "kbase.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), target)
        os.chmod(target, 0o600)
        return f"sqlite:///{target}"
    url = request.getfixturevalue("pg_schema_url")
    _empty_postgres(url)
    _open_window(url)
    return url


@pytest.fixture
def db(db_url):
    from kbase_tui.services.setup import open_database

    database = open_database(db_url)
    yield database
    _queue_rule_holds(database)
    database.dispose()


def _queue_rule_holds(database) -> None:
    """Every test that changes companies through the services also checks the queue rule: whatever stage or
    status it moved a company to, `in_queue` must still agree with services/queue_membership.py."""
    from kbase_tui.services import queue_membership

    with database.read() as session:
        strays = queue_membership.strays(session)
    assert not strays, f"companies whose in_queue disagrees with the queue rule: {strays[:20]}"


@pytest.fixture
def sqlite_db(tmp_path, sqlite_template):
    """A SQLite database only (for tests of SQLite-specific behaviour)."""
    from kbase_tui.services.setup import open_database

    target = tmp_path / "kbase.sqlite3"
    shutil.copy(sqlite_template, target)
    database = open_database(target)
    yield database
    database.dispose()


PASSWORD = "Test-Password-2026"


@pytest.fixture
def make_user(db):
    """Create a user and return its Actor: make_user("caller", "anna")."""
    from kbase_tui.services import users
    from kbase_tui.services.dto import Actor

    counter = {"n": 0}

    def make(role: str, username: str | None = None, *, full_name: str = "", password: str = PASSWORD) -> Actor:
        counter["n"] += 1
        name = username or f"{role}{counter['n']}"
        with db.write() as session:
            user = users.add_user(
                session, "local:test", name, role, password, full_name=full_name or name, must_change_password=False
            )
            return Actor(id=user.id, username=user.username, role=user.role, full_name=user.full_name)

    return make


@pytest.fixture
def no_rate_limits(db):
    """Tests that play a shift in seconds take leads faster than any person can call:
    the exfiltration alarm (tests/services/test_alarms.py) would rightly slow them down."""
    from kbase_tui.services import reference

    with db.write() as session:
        reference.set_setting(session, "security.leads_per_minute", 0)
        # Each lead taken is a card seen (services/alarms.py): the card limit would stop them too.
        reference.set_setting(session, "security.card_views_per_hour", 0)
    return db


@pytest.fixture(autouse=True)
def _reader_zone():
    """An app signed in by a test sets the process's reader zone (its person's): the next test starts afresh."""
    yield
    from kbase_tui import timezones

    timezones.set_reader_zone(None, "")
    timezones.set_centre_zone("")


@pytest.fixture(autouse=True)
def _stop_servers():
    """Servers started by a test for its apps (tests/server_harness.py) stop when it ends."""
    yield
    from .server_harness import stop_all

    stop_all()


def svg_screen_text(svg: str) -> list[str]:
    """The characters of a Textual SVG screenshot, one string per terminal line: what a person would read."""
    import html
    import re

    rows: dict[float, list[tuple[float, str]]] = {}
    for match in re.finditer(r'<text class="[^"]*" x="([\d.]+)" y="([\d.]+)"[^>]*>(.*?)</text>', svg):
        rows.setdefault(float(match[2]), []).append((float(match[1]), html.unescape(match[3])))
    lines = []
    for y in sorted(rows):
        line = ""
        for x, text in sorted(rows[y]):
            line = line.ljust(round(x / 12.2)) + text
        lines.append(line.replace("\xa0", " ").rstrip())
    return lines


@pytest.fixture
def snap_compare(snap_compare, request):
    """The plugin's comparison, which on a mismatch also prints what differs on screen as text.

    The plugin's report is an HTML file left on the machine that ran the suite; a CI log shows only the
    test's output, and a mismatch that happens once in many runs needs its difference in that log.
    """
    import difflib
    import pickle

    from pytest_textual_snapshot import node_to_report_path

    def compare(*args, **kwargs):
        matched = snap_compare(*args, **kwargs)
        if not matched:
            try:
                data = pickle.loads(node_to_report_path(request.node).read_bytes())
                expected, actual = svg_screen_text(str(data[1])), svg_screen_text(str(data[2]))
            except Exception as error:  # the diff is a help; the mismatch itself is reported anyway
                print(f"no text diff of the snapshot: {error!r}")
            else:
                diff = difflib.unified_diff(expected, actual, "snapshot", "this run", lineterm="", n=1)
                print("Snapshot mismatch, as text (- snapshot, + this run):", *diff, sep="\n")
                if expected == actual:
                    print("The text is the same: colours, styles or the cursor differ.")
        return matched

    return compare
