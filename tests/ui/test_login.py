"""The door: signing in lands each role on its own screen, and refusals are clear."""

from __future__ import annotations

import asyncio
import importlib

import pytest
from textual.widgets import Static

from kbase_tui.services import users
from kbase_tui.ui.home import HOME_SCREENS
from kbase_tui.ui.login.screen import LoginScreen

from ..conftest import PASSWORD
from ..server_harness import app_on
from .helpers import settle, sign_in


def _expected_class(role: str):
    module, _, name = HOME_SCREENS[role].partition(":")
    return getattr(importlib.import_module(module), name)


def _error_text(app) -> str:
    return str(app.screen.query_one("#login-error", Static).render())


@pytest.mark.parametrize("role", ["caller", "closer", "account", "supervisor", "admin"])
async def test_each_role_lands_on_its_own_screen(db, make_user, role):
    make_user(role, f"{role}x", full_name="Проверка Ролей")
    app = app_on(db)
    async with app.run_test(size=(120, 36)) as pilot:
        await sign_in(app, pilot, f"{role}x", PASSWORD)
        assert isinstance(app.screen, _expected_class(role))
        assert app.actor is not None and app.actor.role == role
        # The header shows who is signed in and as what.
        assert "Проверка Ролей" in app.sub_title


async def test_wrong_password_shows_the_error_and_stays(db, make_user):
    make_user("caller", "anna")
    app = app_on(db)
    async with app.run_test(size=(120, 36)) as pilot:
        await sign_in(app, pilot, "anna", "Wrong-Password-1")
        assert isinstance(app.screen, LoginScreen)
        assert "Wrong user name or password" in _error_text(app)
        assert app.actor is None


async def test_after_five_wrong_passwords_this_terminal_waits_with_the_same_answer(db, make_user):
    make_user("caller", "anna")
    app = app_on(db)
    async with app.run_test(size=(120, 36)) as pilot:
        for _ in range(5):
            await sign_in(app, pilot, "anna", "Wrong-Password-1")
        wrong = _error_text(app)
        await sign_in(app, pilot, "anna", PASSWORD)
        assert isinstance(app.screen, LoginScreen)
        # The right password learns nothing either: the answer is the one a wrong password gets,
        # and it says that the terminal waits.
        assert _error_text(app) == wrong and "15 minutes" in wrong


async def test_disabled_user_cannot_log_in(db, make_user):
    make_user("caller", "anna")
    users.disable_user(db, users.local_actor(), "anna")
    app = app_on(db)
    async with app.run_test(size=(120, 36)) as pilot:
        await sign_in(app, pilot, "anna", PASSWORD)
        assert isinstance(app.screen, LoginScreen)
        assert "disabled" in _error_text(app)


async def test_forced_password_change_then_lands_home(db, make_user):
    admin = make_user("admin", "it")
    users.create_user(db, admin, "olga", "closer", "Pervyj-Parol-2026")
    app = app_on(db)
    async with app.run_test(size=(120, 36)) as pilot:
        await sign_in(app, pilot, "olga", "Pervyj-Parol-2026")
        assert app.screen.query("#new-password")
        await pilot.press(*"Pervyj-Parol-2026", "enter", *"Novyj-Parol-Olgi-7", "enter", *"Novyj-Parol-Olgi-7", "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, _expected_class("closer"))


async def test_ctrl_l_logs_out_to_the_login_screen(db, make_user):
    make_user("supervisor", "boss")
    app = app_on(db)
    async with app.run_test(size=(120, 36)) as pilot:
        await sign_in(app, pilot, "boss", PASSWORD)
        assert app.actor is not None
        await pilot.press("ctrl+l")
        await settle(app, pilot)
        assert isinstance(app.screen, LoginScreen)
        assert app.actor is None


async def test_a_toast_of_the_session_goes_with_it_at_ctrl_l(db, make_user):
    """The next person at the terminal does not read what the last one was told."""
    make_user("supervisor", "boss")
    app = app_on(db)
    async with app.run_test(size=(120, 36)) as pilot:
        await sign_in(app, pilot, "boss", PASSWORD)
        app.notify("ООО «Секретный клиент»: сделка на 5 млн", timeout=60)
        await settle(app, pilot)
        assert len(app._notifications) == 1
        await pilot.press("ctrl+l")
        await settle(app, pilot)
        assert isinstance(app.screen, LoginScreen)
        assert not app._notifications and not app.screen.query("Toast")


async def test_f1_shows_the_keys_of_the_current_screen(db, make_user):
    make_user("admin", "it")
    app = app_on(db)
    async with app.run_test(size=(120, 36)) as pilot:
        await sign_in(app, pilot, "it", PASSWORD)
        home = app.screen
        await pilot.press("f1")
        await pilot.pause()
        from kbase_tui.ui.help_screen import HelpScreen

        assert isinstance(app.screen, HelpScreen)
        table = app.screen.query_one("#help-keys")
        rows = [str(table.get_row_at(i)[1]) for i in range(table.row_count)]
        assert "Log out" in rows
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is home


async def test_command_palette_lists_the_screens_actions(db, make_user):
    make_user("admin", "it")
    app = app_on(db)
    async with app.run_test(size=(120, 36)) as pilot:
        await sign_in(app, pilot, "it", PASSWORD)
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert "Log out" in titles and "Keys" in titles


async def test_logging_out_from_a_screen_opened_over_the_desk_does_not_crash(db, make_user):
    """Screens under the top one wake up while the stack unwinds; they must not act for nobody."""
    make_user("supervisor", "boss")
    app = app_on(db)
    async with app.run_test(size=(120, 36)) as pilot:
        await sign_in(app, pilot, "boss", PASSWORD)
        await pilot.press("r")  # the refusal review, over the desk
        await settle(app, pilot)
        await pilot.press("ctrl+l")
        await settle(app, pilot)
        assert isinstance(app.screen, LoginScreen)
        assert app.actor is None and app.return_code is None
        await sign_in(app, pilot, "boss", PASSWORD)
        assert app.actor is not None and app.actor.username == "boss"


def test_home_screens_are_loaded_while_the_person_types(tmp_path):
    # A new process (the test process has loaded every screen already): once the login screen is up, every
    # role's home screen is imported in the background, so Enter on the password waits only for the data.
    import subprocess
    import sys

    probe = (
        "import asyncio, sys\n"
        "from kbase_tui.ui.app import KbaseApp\n"
        "from kbase_tui.ui.home import HOME_SCREENS\n"
        "async def main():\n"
        "    app = KbaseApp('unix:/nonexistent/kbase.sock')\n"
        "    async with app.run_test(size=(80, 24)) as pilot:\n"
        "        before = [t for t in HOME_SCREENS.values() if t.split(':')[0] in sys.modules]\n"
        "        for _ in range(300):\n"
        "            await pilot.pause(0.02)\n"
        "            if all(t.split(':')[0] in sys.modules for t in HOME_SCREENS.values()):\n"
        "                break\n"
        "        after = [t for t in HOME_SCREENS.values() if t.split(':')[0] in sys.modules]\n"
        "        print(len(before), len(after), len(HOME_SCREENS))\n"
        "asyncio.run(main())\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True)
    before, after, total = map(int, out.stdout.split())
    assert before < total  # not imported by the app's start itself (the login must paint first)
    assert after == total


async def test_keys_typed_behind_the_password_reach_the_home_screen(db, make_user):
    # One burst, as a paste or a laggy SSH link delivers it: the sign-in, then the find key and a name. The keys
    # behind the password once went into the password field while the server checked it, and were cleared with it.
    make_user("closer", "dima")
    app = app_on(db)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        await _sign_in_and_search_in_one_burst(app, pilot)


async def _sign_in_and_search_in_one_burst(app, pilot) -> None:
    """The closer's sign-in, "/" and a name in one burst: the name must arrive whole in the search."""
    from textual.widgets import Input

    from kbase_tui.ui.widgets.find_dialog import FindClientDialog

    from .test_dialog_input_rule import burst

    burst(app, [*"dima", "tab", *PASSWORD, "enter", "slash", *"Рога"])
    for _ in range(100):
        await pilot.pause(0.05)
        screen = app.screen  # a dialog just pushed may not have its fields yet
        if isinstance(screen, FindClientDialog) and [field.value for field in screen.query(Input)] == ["Рога"]:
            break
    assert isinstance(app.screen, FindClientDialog)
    assert app.screen.query_one(Input).value == "Рога"


async def test_keys_typed_behind_a_wrong_password_are_dropped_and_said_so(db, make_user):
    make_user("closer", "dima")
    app = app_on(db)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        from .test_dialog_input_rule import burst

        burst(app, [*"dima", "tab", *"Wrong-Password-1", "enter", "slash", *"Рога"])
        for _ in range(100):
            await pilot.pause(0.05)
            if "Wrong user name or password" in _error_text(app):
                break
        await settle(app, pilot)
        assert isinstance(app.screen, LoginScreen)
        assert "Wrong user name or password" in _error_text(app)
        # Not the start of the next password: the field is empty, and a toast says what happened to the keys.
        assert app.screen.query_one("#password").value == ""
        assert any("typed after the password were not used (5)" in n.message for n in app._notifications)


async def test_keys_behind_the_password_wait_for_a_slow_server_however_long(db, make_user):
    # The gate lets an ordinary key go after its time limit; behind a password being checked it must not, or the
    # keys land in the password field and are cleared with it.  Ctrl+Q is never held there.
    make_user("closer", "dima")
    app = app_on(db)
    limits = app.KEY_WAIT_LIMIT, app.KEY_DATA_WAIT_LIMIT
    app.KEY_WAIT_LIMIT, app.KEY_DATA_WAIT_LIMIT = 0.05, 0.1
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        client = app.client
        signing_in = client.sign_in

        async def slow_sign_in(*args, **kwargs):
            await asyncio.sleep(1.0)  # ten times the gate's limits, lowered for the sign-in only
            app.KEY_WAIT_LIMIT, app.KEY_DATA_WAIT_LIMIT = limits
            return await signing_in(*args, **kwargs)

        client.sign_in = slow_sign_in
        await _sign_in_and_search_in_one_burst(app, pilot)


async def test_ctrl_q_quits_while_the_password_is_checked(db, make_user):
    from .test_dialog_input_rule import burst

    make_user("closer", "dima")
    app = app_on(db)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        client = app.client
        signing_in = client.sign_in

        async def slow_sign_in(*args, **kwargs):
            await asyncio.sleep(5.0)
            return await signing_in(*args, **kwargs)

        client.sign_in = slow_sign_in
        burst(app, [*"dima", "tab", *PASSWORD, "enter", "ctrl+q"])
        for _ in range(40):
            await pilot.pause(0.05)
            if app._exit:
                break
        assert app._exit


async def test_the_collector_the_start_turned_off_is_on_once_the_login_is_painted(db):
    """`kbase` starts with the cyclic collector off (cli/main.py run_app); the app turns it on after its first
    paint, so a session never runs without it."""
    import gc

    app = app_on(db)
    gc.disable()
    try:
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause()
            assert isinstance(app.screen, LoginScreen)
            assert gc.isenabled()
    finally:
        gc.enable()


def test_the_home_screens_preload_waits_first_for_a_private_server_still_starting(monkeypatch):
    """Its imports are CPU work: done while a private server starts, they slowed that start (the login screen
    passes the server's wait as *after*)."""
    from types import SimpleNamespace

    import kbase_tui.client as client
    from kbase_tui.ui import home

    order: list[str] = []
    monkeypatch.setattr(client, "warm_up", lambda: order.append("http library"))
    monkeypatch.setattr(home, "importlib", SimpleNamespace(import_module=order.append))
    home.preload_home_screens(lambda: order.append("server answers"))
    assert order[:2] == ["server answers", "http library"]
    assert order[2:] == [target.partition(":")[0] for target in HOME_SCREENS.values()]


async def test_a_key_gate_release_that_never_ran_does_not_stop_every_key(sqlite_db):
    # Seen once in tmux: after a burst in a dialog no key did anything any more while the screen still redrew.  If
    # the gate's 3 ms release is armed but never runs, every key would wait behind it for good.
    from time import monotonic

    from textual import events

    app = app_on(sqlite_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        name = app.screen.query_one("#username")
        name.focus()
        await settle(app, pilot)
        app._gate_timer = object()  # armed, and its task gone without calling it
        app._gate_armed_at = monotonic() - 2 * app.GATE_TIMER_DEAD_AFTER
        held = events.Key("x", "x")
        held.set_sender(app)
        from collections import deque

        app._held_keys = deque([(held, monotonic())])
        await pilot.press("a")
        for _ in range(40):
            if name.value == "xa":
                break
            await pilot.pause(0.05)
        assert name.value == "xa" and not app._held_keys


async def test_a_key_stopped_on_its_way_up_to_the_app_is_not_yet_done(sqlite_db):
    # Textual stops a key as it bubbles into the app (the app sent it), before the app runs its binding: Enter
    # looked done while its Submitted was not posted, and the letter typed after it went into the old field.
    # It waits in the app's queue, or beside it while the app looks at the message before it.
    from time import monotonic

    from textual import events

    app = app_on(sqlite_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        enter = events.Key("enter", None)
        enter.set_sender(app)
        enter.stop()
        app._key_in_flight = enter
        app._pending_message = enter
        assert app._keys_unsettled(monotonic())
        app._pending_message = None
        app._message_queue.values.append(enter)
        assert app._keys_unsettled(monotonic())
        app._message_queue.values.remove(enter)
        assert not app._keys_unsettled(monotonic())  # stopped by a widget that took it: done
        await settle(app, pilot)
