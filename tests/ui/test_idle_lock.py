"""The idle lock: after the idle time the app hides the lead behind a password prompt; the held
lead stays held (not renewed) while locked; the right password brings the user back."""

from __future__ import annotations

from time import monotonic

from sqlalchemy import select

from kbase_tui.models import Company
from kbase_tui.services import reference
from kbase_tui.ui.app import KbaseApp

from ..server_harness import app_on
from kbase_tui.ui.lock_screen import LockScreen, check_idle

from ..conftest import PASSWORD
from ..services.queue_setup import add_company
from .helpers import settle, sign_in


def _screen_text(app) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def test_idle_app_locks_and_unlocks_with_the_password(db, make_user):
    from kbase_tui.ui.queue.screen import CallerQueue

    anna = make_user("caller", "anna")
    company_id = add_company(db, "ООО «Секретный клиент»")
    with db.write() as session:
        reference.set_setting(session, "security.idle_lock_minutes", 10)
    app = app_on(db)
    async with app.run_test(size=(120, 36)) as pilot:
        await sign_in(app, pilot, "anna", PASSWORD)
        queue_screen = app.screen
        assert isinstance(queue_screen, CallerQueue)
        assert app.idle_lock_seconds == 600
        assert "Секретный клиент" in _screen_text(app)

        check_idle(app)  # 0 s idle: nothing happens
        assert not isinstance(app.screen, LockScreen)
        app.last_key_at = monotonic() - 601  # ten minutes without a key
        check_idle(app)
        await settle(app, pilot)
        assert isinstance(app.screen, LockScreen)
        assert "Секретный клиент" not in _screen_text(app)
        # The queue screen is frozen: its lease renewal does not run while locked.
        frozen = list(app.paused_timers)
        assert frozen and all(not t._active.is_set() for t in frozen)
        assert any(t in frozen for t in queue_screen._timers)
        with db.read() as session:
            assert session.get(Company, company_id).held_by_id == anna.id  # still held until the lease ends

        await pilot.press("escape")  # does not unlock
        await settle(app, pilot)
        assert isinstance(app.screen, LockScreen)
        await pilot.press(*list("wrong-password"), "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, LockScreen)
        assert "Wrong user name or password" in _screen_text(app)
        await pilot.press(*list(PASSWORD), "enter")
        await settle(app, pilot)
        assert app.screen is queue_screen and not app.idle_locked
        assert all(t._active.is_set() for t in frozen)
        assert "Секретный клиент" in _screen_text(app)


async def test_key_presses_keep_the_app_open_and_zero_turns_the_lock_off(db, make_user):
    make_user("supervisor", "boss")
    with db.write() as session:
        reference.set_setting(session, "security.idle_lock_minutes", 0)
    app = app_on(db)
    async with app.run_test(size=(120, 36)) as pilot:
        await sign_in(app, pilot, "boss", PASSWORD)
        app.last_key_at = monotonic() - 10_000
        check_idle(app)
        assert not isinstance(app.screen, LockScreen)  # turned off
        app.idle_lock_seconds = 600
        app.last_key_at = monotonic() - 590
        await pilot.press("down")  # a key resets the clock
        assert monotonic() - app.last_key_at < 5
        check_idle(app)
        assert not isinstance(app.screen, LockScreen)


async def test_log_out_from_the_lock_screen(db, make_user):
    from kbase_tui.services import audit, users

    make_user("supervisor", "boss")
    app = app_on(db)
    async with app.run_test(size=(120, 36)) as pilot:
        await sign_in(app, pilot, "boss", PASSWORD)
        app.last_key_at = monotonic() - 601
        check_idle(app)
        await settle(app, pilot)
        assert isinstance(app.screen, LockScreen)
        await pilot.press("ctrl+l")
        await settle(app, pilot)
        assert app.actor is None and not app.idle_locked
        assert app.screen.__class__.__name__ == "LoginScreen"
    assert audit.events(db, users.local_actor(), limit=1)[0].action == "logout"
