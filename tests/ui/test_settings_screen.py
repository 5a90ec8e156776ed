"""The settings screen driven by keys: a bad value is refused with a sentence and nothing is lost, a good one is
saved and audited, the administrator reaches the security settings, a caller reaches none."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from kbase_tui.models import AuditEvent
from kbase_tui.services import reference

from ..conftest import PASSWORD
from ..server_harness import app_on
from .helpers import settle, sign_in


def _setting(db, key):
    with db.read() as s:
        return reference.get_setting(s, key)


async def _open_row(app, pilot, key: str):
    screen = app.screen
    index = next(n for n, r in enumerate(screen.rows) if r.key == key and not r.role)
    table = screen.query_one("#settings-table")
    table.move_cursor(row=index)
    await pilot.pause()
    await pilot.press("enter")
    await settle(app, pilot)
    return app.screen


async def test_a_bad_value_is_refused_and_a_good_one_saved_and_audited(db, make_user):
    from kbase_tui.ui.supervisor.settings import SettingDialog, SettingsScreen

    make_user("supervisor", "boss")
    app = app_on(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(app, pilot, "boss", PASSWORD)
        await pilot.press("o")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, SettingsScreen)
        dialog = await _open_row(app, pilot, "queue.max_attempts")
        assert isinstance(dialog, SettingDialog)
        assert "Default: 6" in str(dialog.query_one(".dialog-hint").render())
        box = dialog.query_one("#setting-value")
        box.value = ""
        await pilot.press("4", "0", "ctrl+s")
        await settle(app, pilot)
        # Refused: the dialog stays with the text as typed and the sentence; nothing is stored.
        assert app.screen is dialog and box.value == "40"
        assert "from 1 to 30 attempts" in str(dialog.query_one(".dialog-error").render())
        assert _setting(db, "queue.max_attempts") == 6
        await pilot.press("backspace", "backspace", "9", "enter")
        await settle(app, pilot)
        assert app.screen is screen
        assert _setting(db, "queue.max_attempts") == 9
        row = next(r for r in screen.rows if r.key == "queue.max_attempts")
        assert row.value == "9" and row.default == "6"
        # Ctrl+R types the default back.
        dialog = await _open_row(app, pilot, "queue.max_attempts")
        await pilot.press("ctrl+r")
        assert dialog.query_one("#setting-value").value == "6"
        await pilot.press("escape")
        await settle(app, pilot)
        assert _setting(db, "queue.max_attempts") == 9
    with db.read() as s:
        details = [
            json.loads(e.detail)
            for e in s.execute(select(AuditEvent).where(AuditEvent.action == "setting_changed")).scalars()
        ]
    assert details == [{"key": "queue.max_attempts", "old": 6, "new": 9}]


async def test_the_administrator_reaches_the_security_settings(db, make_user):
    from kbase_tui.ui.supervisor.settings import SettingsScreen

    make_user("admin", "root")
    app = app_on(db)
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(app, pilot, "root", PASSWORD)
        await pilot.press("o")
        await settle(app, pilot)
        assert isinstance(app.screen, SettingsScreen)
        assert {r.group for r in app.screen.rows} == {"security"}
        await _open_row(app, pilot, "security.idle_lock_minutes")
        box = app.screen.query_one("#setting-value")
        box.value = "25"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert _setting(db, "security.idle_lock_minutes") == 25


@pytest.mark.parametrize("role", ["caller", "closer", "account"])
async def test_other_roles_cannot_reach_settings(db, make_user, role):
    from kbase_tui.protocol import settings
    from kbase_tui.protocol.errors import AccessDenied

    make_user(role, "someone")
    app = app_on(db)
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(app, pilot, "someone", PASSWORD)
        await pilot.press("o")
        await settle(app, pilot)
        assert type(app.screen).__name__ != "SettingsScreen"
        for call in (
            lambda: app.client.call(settings.list_settings),
            lambda: app.client.call(settings.change_setting, "queue.max_attempts", "1", ""),
        ):
            with pytest.raises(AccessDenied):
                await call()
    assert _setting(db, "queue.max_attempts") == 6
