"""A database locked by another user's process: the user is told and the action is retried."""

from __future__ import annotations

from kbase_tui.services import db as dbmod
from kbase_tui.ui.app import KbaseApp

from ..conftest import PASSWORD
from ..system.test_resilience import _hold_write_lock
from .helpers import settle


async def test_sign_in_while_another_process_holds_the_lock_retries_and_succeeds(sqlite_db, monkeypatch):
    from kbase_tui.services import users

    with sqlite_db.write() as session:
        users.add_user(session, "local:test", "anna", "caller", PASSWORD, must_change_password=False)
    monkeypatch.setattr(dbmod, "BUSY_TIMEOUT_MS", 100)
    app = KbaseApp(sqlite_db.url)
    notices: list[str] = []
    original = app.notify

    def record(message, *args, **kwargs):
        notices.append(str(message))
        return original(message, *args, **kwargs)

    app.notify = record  # type: ignore[method-assign]
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        app.screen.query_one("#username").value = "anna"
        app.screen.query_one("#password").value = PASSWORD
        holder = _hold_write_lock(sqlite_db.sqlite_path, 1.5)
        try:
            await pilot.click("#password")
            await pilot.press("enter")
            await settle(app, pilot)
        finally:
            holder.wait(timeout=10)
        await settle(app, pilot)
        assert any("busy" in n for n in notices), notices
        assert app.actor is not None and app.actor.username == "anna"
