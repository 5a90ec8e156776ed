"""A database locked by another user's process: the server answers DatabaseBusy, the app says so
and sends the save again until it lands."""

from __future__ import annotations

import sqlite3
from time import monotonic

from kbase_tui.services import db as dbmod
from kbase_tui.services import users

from ..conftest import PASSWORD
from ..server_harness import app_on
from .helpers import settle, sign_in


async def test_a_save_while_another_process_holds_the_write_lock_is_retried_and_lands(sqlite_db, monkeypatch):
    from kbase_tui.ui.admin.users import UsersScreen

    with sqlite_db.write() as session:
        users.add_user(session, "local:test", "it", "admin", PASSWORD, must_change_password=False)
    # The server's writers give up after 100 ms instead of 5 s, so the app's retries are seen.
    monkeypatch.setattr(dbmod, "BUSY_TIMEOUT_MS", 100)
    app = app_on(sqlite_db)
    notices: list[str] = []
    original = app.notify

    def record(message, *args, **kwargs):
        notices.append(str(message))
        return original(message, *args, **kwargs)

    app.notify = record  # type: ignore[method-assign]

    def usernames() -> set[str]:
        # Straight from the table: the users list is an audited read, which writes (and would wait too).
        from sqlalchemy import select

        from kbase_tui.models import User

        with sqlite_db.read() as session:
            return set(session.execute(select(User.username)).scalars())

    async with app.run_test(size=(120, 36)) as pilot:
        await sign_in(app, pilot, "it", PASSWORD)
        assert isinstance(app.screen, UsersScreen)
        await pilot.press("a")
        await settle(app, pilot)
        app.screen.query_one("#new-username").value = "boris"
        app.screen.query_one("#new-password").value = "Pervyi-Parol-2026"
        app.screen.query_one("#new-password2").value = "Pervyi-Parol-2026"

        # Another process's write transaction, held until the app has been told the base is busy.
        holder = sqlite3.connect(sqlite_db.sqlite_path, isolation_level=None)
        try:
            holder.execute("BEGIN IMMEDIATE")
            await pilot.press("ctrl+s")
            started = monotonic()
            while not any("busy" in n for n in notices) and monotonic() - started < 10:
                await pilot.pause(0.05)
            assert any("busy, retrying" in n for n in notices), notices
            assert "boris" not in usernames()
        finally:
            holder.execute("COMMIT")
            holder.close()

        started = monotonic()
        while "boris" not in usernames() and monotonic() - started < 10:
            await pilot.pause(0.05)
        await settle(app, pilot)
        assert "boris" in usernames()
        assert any("User boris created" in n for n in notices), notices
        assert not any("stayed busy" in n for n in notices), notices
        table = app.screen.query_one("#users-table")
        assert table.get_row_at(table.cursor_row)[0].plain == "boris"
