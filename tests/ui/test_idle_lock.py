"""The idle lock: after the idle time the app hides the lead behind a password prompt; the held
lead stays held (not renewed) while locked; the right password, checked by the server, brings the
user back.  A server restart shows the same lock screen, and the password signs in anew."""

from __future__ import annotations

import asyncio
from time import monotonic

from kbase_tui.models import Company
from kbase_tui.services import audit, reference, users
from kbase_tui.ui.lock_screen import LockScreen, check_idle
from kbase_tui.ui.queue.screen import CallerQueue

from ..conftest import PASSWORD
from ..server_harness import app_on, restart_server, server_for
from ..services.queue_setup import add_company
from .helpers import settle, sign_in


def _screen_text(app) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def test_idle_app_locks_and_unlocks_with_the_password(db, make_user):
    anna = make_user("caller", "anna")
    company_id = add_company(db, "ООО «Секретный клиент»")
    with db.write() as session:
        reference.set_setting(session, "security.idle_lock_minutes", 10)
    app = app_on(db)
    async with app.run_test(size=(120, 36)) as pilot:
        await sign_in(app, pilot, "anna", PASSWORD)
        queue_screen = app.screen
        assert isinstance(queue_screen, CallerQueue)
        # The limit came with the sign-in, from the server's settings.
        assert app.signed.idle_lock_minutes == 10 and app.idle_lock_seconds == 600
        assert "Секретный клиент" in _screen_text(app)

        check_idle(app)  # 0 s idle: nothing happens
        assert not isinstance(app.screen, LockScreen)
        app.last_key_at = monotonic() - 601  # ten minutes without a key, on a call: the lead's lease
        check_idle(app)  # (20 minutes from the last key) is not cut short
        await settle(app, pilot)
        assert not isinstance(app.screen, LockScreen)
        app.notify("ООО «Секретный клиент» перезвонит в 15:00", timeout=60)
        await settle(app, pilot)
        assert len(app._notifications) == 1
        app.last_key_at = monotonic() - 1201  # a whole lease without a key: now it locks
        check_idle(app)
        await settle(app, pilot)
        assert isinstance(app.screen, LockScreen)
        assert "Секретный клиент" not in _screen_text(app)
        assert not app._notifications  # no toast tells it either
        # The queue screen is frozen: its lease renewal does not run while locked.
        frozen = list(app.paused_timers)
        assert frozen and all(not t._active.is_set() for t in frozen)
        assert any(t in frozen for t in queue_screen._timers)
        with db.read() as session:
            assert session.get(Company, company_id).held_by_id == anna.id  # still held until the lease ends

        await pilot.press("n")  # an outcome key pressed as the lock came: a dot in the box, rubbed out
        await settle(app, pilot)
        assert isinstance(app.screen, LockScreen)
        assert app.screen.query_one("#lock-password").value == "n"
        assert "Type your password" in _screen_text(app)
        await pilot.press("backspace")
        assert app.screen.query_one("#lock-password").value == ""
        await pilot.press("escape")  # does not unlock
        await settle(app, pilot)
        assert isinstance(app.screen, LockScreen)
        await pilot.press(*list("wrong-password"), "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, LockScreen)
        assert "Wrong user name or password" in _screen_text(app)
        # The server checked it, and counts it as a failed sign-in.
        assert [e.action for e in audit.events(db, users.local_actor(), user="anna", limit=1)] == ["login_failed"]
        await pilot.press(*list(PASSWORD), "enter")
        await settle(app, pilot)
        assert app.screen is queue_screen and not app.idle_locked
        assert all(t._active.is_set() for t in frozen)
        assert "Секретный клиент" in _screen_text(app)


async def test_key_presses_keep_the_app_open_and_zero_turns_the_lock_off(db, make_user):
    make_user("admin", "boss")
    with db.write() as session:
        reference.set_setting(session, "security.idle_lock_minutes", 0)
    app = app_on(db)
    async with app.run_test(size=(120, 36)) as pilot:
        await sign_in(app, pilot, "boss", PASSWORD)
        assert app.signed.idle_lock_minutes == 0 and app.idle_lock_seconds == 0
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
    make_user("admin", "boss")
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
    # (reading the log is itself audited: the newest event is that read)
    assert [e.action for e in audit.events(db, users.local_actor(), limit=2)] == ["list_viewed", "logout"]


async def test_a_server_restart_asks_for_the_password_and_carries_on_in_the_same_screen(db, make_user):
    """The server forgets its sessions when it restarts: the app notices, hides the screen behind the
    lock screen, and the right password signs in anew and brings back the very same screen and lead."""
    anna = make_user("caller", "anna")
    company_id = add_company(db, "ООО «Секретный клиент»")
    app = app_on(db)
    async with app.run_test(size=(120, 36)) as pilot:
        await sign_in(app, pilot, "anna", PASSWORD)
        queue_screen = app.screen
        assert isinstance(queue_screen, CallerQueue)
        old_token = app.client.token

        await asyncio.to_thread(restart_server, db)
        started = monotonic()
        while not isinstance(app.screen, LockScreen) and monotonic() - started < 10:
            await pilot.pause(0.05)
        assert isinstance(app.screen, LockScreen), "the app did not notice the restart"
        await settle(app, pilot)  # painted
        assert "Секретный клиент" not in _screen_text(app)
        assert "sign in again" in _screen_text(app)
        assert app.idle_locked and app.actor is not None

        await pilot.press(*list("wrong-password"), "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, LockScreen)
        await pilot.press(*list(PASSWORD), "enter")
        await settle(app, pilot)
        assert app.screen is queue_screen and not app.idle_locked
        assert app.actor.username == "anna" and app.client.token not in ("", old_token)
        assert "Секретный клиент" in _screen_text(app)
        with db.read() as session:
            assert session.get(Company, company_id).held_by_id == anna.id  # a restart releases nothing
        # The new session hears the server's events again.
        sessions = server_for(db).state.sessions
        started = monotonic()
        while not any(s.attached for s in sessions.of_user(anna.id)) and monotonic() - started < 5:
            await pilot.pause(0.05)
        assert [s.attached for s in sessions.of_user(anna.id)] == [True]


async def test_the_password_typed_straight_away_at_the_lock_unlocks_it(db, make_user):
    """One write from the terminal, no key to wake the lock first: the whole password and Enter (a laggy
    SSH link, or a person who knows the lock is there).  Every letter goes into the box: it unlocks, and no
    failed sign-in is counted."""
    from sqlalchemy import select

    from kbase_tui.models.users import SignInFailure

    from .test_russian_layout import terminal_bytes

    make_user("caller", "anna")
    add_company(db, "ООО «Секретный клиент»")
    app = app_on(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(app, pilot, "anna", PASSWORD)
        queue_screen = app.screen
        app.last_key_at = monotonic() - 100_000
        check_idle(app)
        await settle(app, pilot)
        assert isinstance(app.screen, LockScreen)
        await terminal_bytes(app, pilot, PASSWORD + "\r")
        await settle(app, pilot)
        assert app.screen is queue_screen and not app.idle_locked
    with db.read() as session:
        assert not session.execute(select(SignInFailure)).all()
    assert "login_failed" not in [e.action for e in audit.events(db, users.local_actor(), user="anna", limit=20)]


async def test_the_password_pressed_key_by_key_at_the_lock_unlocks_it(db, make_user):
    make_user("caller", "anna")
    app = app_on(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(app, pilot, "anna", PASSWORD)
        queue_screen = app.screen
        app.last_key_at = monotonic() - 100_000
        check_idle(app)
        await settle(app, pilot)
        assert isinstance(app.screen, LockScreen)
        await pilot.press(*list(PASSWORD), "enter")
        await settle(app, pilot)
        assert app.screen is queue_screen and not app.idle_locked


async def test_a_toast_raised_while_locked_waits_for_the_password(db, make_user):
    """A toast that comes while the lock is up (a call's answer, a server's news) is not shown to whoever passes
    by: it waits behind the lock and shows once the password is typed; a log out from the lock drops it."""
    make_user("caller", "anna")
    app = app_on(db)
    async with app.run_test(size=(120, 36)) as pilot:
        await sign_in(app, pilot, "anna", PASSWORD)
        app.last_key_at = monotonic() - 100_000
        check_idle(app)
        await settle(app, pilot)
        assert isinstance(app.screen, LockScreen)
        app.notify("ООО «Секретный клиент» перезвонит в 15:00", timeout=60)
        await settle(app, pilot)
        assert not app._notifications and not app.screen.query("Toast")
        assert "Секретный клиент" not in _screen_text(app)
        await pilot.press(*list(PASSWORD), "enter")
        await settle(app, pilot)
        assert not isinstance(app.screen, LockScreen)
        assert [n.message for n in app._notifications] == ["ООО «Секретный клиент» перезвонит в 15:00"]

        app.clear_notifications()
        app.last_key_at = monotonic() - 100_000
        check_idle(app)
        await settle(app, pilot)
        assert isinstance(app.screen, LockScreen)
        app.notify("ООО «Секретный клиент» перезвонит в 15:00", timeout=60)
        await pilot.press("ctrl+l")
        await settle(app, pilot)
        assert app.actor is None and not app._notifications
