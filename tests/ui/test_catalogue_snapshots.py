"""SVG snapshots at 80x24, in Russian, of every screen and dialog of every role, reached through the screen
catalogue (tests/ui/screen_catalogue.py) by its keys from the role's home screen, over its base in plain
Russian.  One snapshot per screen class (the first stop that reaches it), and the two sign-in screens.

Deterministic: the clock is stopped at a fixed moment for the whole test (the base's dates are counted from
it, and the server, a thread of this process, reads the same clock), every reader's zone is the call
centre's (UTC), and the process runs in another zone on purpose (`vladivostok_process`)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine

from kbase_tui.i18n import set_language

from ..server_harness import app_on
from .screen_catalogue import CATALOGUE, SIGN_IN_STOPS, USERS, all_stops, drive, russian_words, seed, sign_in
from .test_pipeline_snapshots import _settle, vladivostok_process  # noqa: F401 (fixture)

NOW = datetime(2026, 3, 10, 9, 30, tzinfo=UTC)


# Not drawn on the walk, because two runs drew them differently (both are walked by the hostile walk at 80x24 and
# 200x50): the reports screen shows the audit chain's head, whose events carry values of the run (the chain's seed
# and keys are fixed below, the head still differs), and its chart's axis labels moved (test_report_charts draws
# every chart at 80x24 from fixed data); the audit log lists events written at the one stopped moment by the
# screens' concurrent calls, in the order they reached the server (test_the_audit_log_at_80x24 below draws it
# opened straight away).
UNSTABLE = {
    "kbase_tui.ui.supervisor.reports:ReportsScreen",
    "kbase_tui.ui.audit.screen:AuditScreen",
}


def _snapshot_stops() -> list[tuple[str, object]]:
    stops, seen = [], set()
    for role, stop in all_stops():
        if stop.screen in UNSTABLE:
            continue
        if stop.screen not in seen:
            seen.add(stop.screen)
            stops.append((role, stop))
    return stops


STOPS = _snapshot_stops()


@pytest.fixture(autouse=True)
def russian():
    set_language("ru")
    yield
    set_language("en")


@pytest.fixture
def stopped_clock(monkeypatch):
    """The clock stopped at NOW, and the audit chain's seed and keys drawn from a fixed sequence: the reports
    screen shows the chain's head."""
    import random
    import types

    from kbase_tui.services import audit, keystore

    draw = random.Random(2026)
    fixed = types.SimpleNamespace(
        token_bytes=lambda n=32: draw.randbytes(n), token_hex=lambda n=32: draw.randbytes(n).hex()
    )
    monkeypatch.setattr(audit, "secrets", fixed)
    monkeypatch.setattr(keystore, "secrets", fixed)
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.mark.parametrize(("role", "stop"), STOPS, ids=[stop.name for _role, stop in STOPS])
def test_every_screen_at_80x24(sqlite_db, tmp_path, stopped_clock, snap_compare, role, stop):
    seeded = seed(sqlite_db, russian_words(), tmp_path)
    home = CATALOGUE[role][0]

    async def reach(pilot):
        app = pilot.app
        await sign_in(app, pilot, USERS[role])
        assert type(app.screen).__name__ == home.screen.rpartition(":")[2]
        await drive(app, pilot, stop, seeded)
        await _settle(pilot)

    assert snap_compare(app_on(sqlite_db), terminal_size=(80, 24), run_before=reach)


@pytest.mark.parametrize("stop", SIGN_IN_STOPS, ids=[stop.name for stop in SIGN_IN_STOPS])
def test_the_sign_in_screens_at_80x24(sqlite_db, tmp_path, stopped_clock, snap_compare, stop):
    seed(sqlite_db, russian_words(), tmp_path)

    async def reach(pilot):
        app = pilot.app
        if stop.name == "login.new_password":
            await sign_in(app, pilot, "fresh")  # must choose a new password at the first sign-in
        else:
            await _settle(pilot)
        assert f"{type(app.screen).__module__}:{type(app.screen).__qualname__}" == stop.screen
        await _settle(pilot)

    assert snap_compare(app_on(sqlite_db), terminal_size=(80, 24), run_before=reach)


def test_the_audit_log_at_80x24(sqlite_db, tmp_path, stopped_clock, snap_compare):
    """The audit log, which the walk above leaves out (its events are written by the walk's own concurrent
    calls, in the order they reach the server): here the head of sales opens it straight away over the
    catalogue's base, the only calls its own."""
    from kbase_tui.ui.audit.screen import AuditScreen

    from .test_pipeline_snapshots import PreparedApp

    seed(sqlite_db, russian_words(), tmp_path)
    app = PreparedApp(sqlite_db, USERS["supervisor"], AuditScreen)
    assert snap_compare(app, terminal_size=(80, 24), run_before=_settle)


def test_the_import_preview_at_80x24(sqlite_db, tmp_path, stopped_clock, snap_compare):
    """The import's preview, which the walk above leaves out (it draws the import dialog before a file is chosen):
    a file of the inbox with rejected rows, chosen by its keys; the format and counts, the columns, the first rows,
    the rejected rows and the hint all within 24 rows."""
    import os
    import shutil
    from pathlib import Path

    from ..server_harness import server_for
    from .helpers import settle

    seed(sqlite_db, russian_words(), tmp_path)
    inbox = server_for(sqlite_db).state.inbox_dir()
    fixture = Path(__file__).resolve().parent.parent / "fixtures" / "import" / "messy_bom_semicolon.csv"
    shutil.copy(fixture, inbox / "Контрагенты.csv")
    os.utime(inbox / "Контрагенты.csv", (NOW.timestamp(), NOW.timestamp()))  # the list shows the file's time

    async def reach(pilot):
        app = pilot.app
        await sign_in(app, pilot, USERS["supervisor"])
        await pilot.press("i")
        await settle(app, pilot)
        dialog = app.screen
        while len(dialog.query_one("#import-inbox")._options) < 2:
            await pilot.pause(0.05)
        await pilot.press("enter", "down", "enter", "ctrl+s")
        while dialog.preview is None:
            await pilot.pause(0.05)
        await _settle(pilot)

    assert snap_compare(app_on(sqlite_db), terminal_size=(80, 24), run_before=reach)
