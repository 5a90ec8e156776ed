"""A walk over every screen, dialog and toast of every role, at 80×24 and 200×50, over a base where every text
anyone typed or imported is hostile.

The screen catalogue (tests/ui/screen_catalogue.py) is filled with the strings of tests/hostile_strings.py:
company names, contact and users' full names, comments, reasons, deal steps, call scripts, drafts and the
file shown by the import preview carry Rich markup, a lone closing tag `[/]`, action links to Textual's
`screenshot` and `quit`, spreadsheet formulas, control characters and right-to-left marks.  Every stop of the
role is walked with real key presses from its home screen.  After every step the test fails if the app
stopped or raised (a markup error ends the app), if a rendered line carries a control or bidi character or is
not the screen's width, or if any rendered cell carries an action link (a Rich `@click`) made from the data.
Each stop then shows a toast with the hostile name, checked the same way; then what the server pushes to this
role (a hand-over, a deal or client given by the supervisor, a transfer, an alarm) is done elsewhere through
the services, and the toast (with the client's hostile name in it) or the refreshed screen is checked; last,
the administrator disables the person and the sign-in screen that says so is checked.  At the end no file may
have been written and no action of the app that touches files, the terminal or the screens run.
"""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import pytest
from rich.cells import cell_len

from ..hostile_strings import ACTING_NAME, CLOSE_TAG, UNSAFE_CHARS
from ..server_harness import app_on, server_for
from .helpers import settle
from .screen_catalogue import (
    CATALOGUE,
    PUSHES,
    ROLES,
    SIGN_IN_STOPS,
    USERS,
    back_home,
    class_name,
    drive,
    hostile_words,
    seed,
    sign_in,
    sign_out_by_admin,
)

SIZES = [(80, 24), (200, 50)]
PWN = Path("/tmp/kbase-pwn.svg")
# Actions of Textual's App that write files, quit, inject keys or open screens by name: none may run.
FORBIDDEN_ACTIONS = {
    "screenshot",
    "deliver_screenshot",
    "save_screenshot",
    "quit",
    "suspend_process",
    "simulate_key",
    "push_screen",
    "switch_screen",
    "switch_mode",
    "bell",
    "notify",
    "add_class",
    "remove_class",
    "toggle_class",
}


def _check(app, where: str, size: tuple[int, int]) -> None:
    assert app.is_running and app._exception is None, f"{where}: the app stopped ({app._exception!r})"
    width, height = size
    strips = app.screen._compositor.render_strips()
    assert len(strips) == height, where
    for number, strip in enumerate(strips):
        line = strip.text
        assert not (set(line) & UNSAFE_CHARS), f"{where}: line {number} carries a control character: {line!r}"
        assert cell_len(line) == width, f"{where}: line {number} is {cell_len(line)} cells wide"
        for segment in strip:
            meta = segment.style.meta if segment.style is not None else {}
            action = str(meta.get("@click", ""))
            assert "screenshot" not in action and "quit" not in action, (
                f"{where}: line {number} has an action link {action!r} from the data: {line!r}"
            )
    assert not PWN.exists(), f"{where}: a screenshot was written"


def _record_actions(app) -> list[str]:
    """Every action the app is asked to run, by its bare name."""
    ran: list[str] = []
    run_action = app.run_action

    async def recording(action, default_namespace=None, namespaces=None):
        name = action if isinstance(action, str) else str(action)
        ran.append(name.partition("(")[0].rpartition(".")[2])
        return await run_action(action, default_namespace, namespaces)

    app.run_action = recording
    return ran


async def _toast(app, pilot, where: str, size) -> None:
    app.screen.notify(ACTING_NAME, title=CLOSE_TAG)
    await pilot.pause()
    _check(app, f"{where} + toast", size)
    app.clear_notifications()


async def _until(condition, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        await asyncio.sleep(0.05)
    return condition()


def _files(folder: Path) -> set[str]:
    return {str(p) for p in folder.rglob("*")}


@pytest.fixture
def cwd(tmp_path, monkeypatch):
    """The folder the app runs in: Textual's screenshot would write here by default."""
    folder = tmp_path / "cwd"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "200x50"])
@pytest.mark.parametrize("role", ROLES)
async def test_every_screen_and_toast_of_a_role_shows_hostile_text_as_text(sqlite_db, tmp_path, cwd, role, size):
    PWN.unlink(missing_ok=True)
    db = sqlite_db
    data = tmp_path / "data"
    data.mkdir()
    seeded = seed(db, hostile_words(), data)
    server = server_for(db)
    exports = server.folder / "exports"  # type: ignore[attr-defined]
    written = _files(exports) | _files(cwd)
    app = app_on(db)
    ran = _record_actions(app)
    check = lambda where: _check(app, where, size)  # noqa: E731
    async with app.run_test(size=size, notifications=True) as pilot:
        await settle(app, pilot)
        check("sign-in")
        username = USERS[role]
        await sign_in(app, pilot, username)
        home = app.screen
        assert class_name(home) == CATALOGUE[role][0].screen, f"{role}: sign-in failed"
        check(f"{role} home")
        for stop in CATALOGUE[role]:
            await drive(app, pilot, stop, seeded, check=check)
            await _toast(app, pilot, stop.name, size)
            await back_home(app, pilot, home)
        # What others do meanwhile, pushed by the server.
        assert await _until(
            lambda: any(s.attached for s in server.state.sessions.all() if s.actor.username == username)
        )
        for push in PUSHES[role]:
            app.clear_notifications()
            shown = await asyncio.to_thread(push.run, db, seeded)
            if shown:
                assert await _until(lambda shown=shown: any(shown in str(n.message) for n in app._notifications)), (
                    f"{role} {push.name}: no toast naming the client ({[n.message for n in app._notifications]})"
                )
            await settle(app, pilot)
            await pilot.pause(0.3)
            check(f"{role} {push.name}")
            assert app.screen is home, f"{role} {push.name}: {class_name(app.screen)} on top"
        # Signed out by the administrator while at work: the sign-in screen says why.
        await asyncio.to_thread(sign_out_by_admin, db, seeded, username)
        assert await _until(lambda: type(app.screen).__name__ == "LoginScreen"), f"{role}: not signed out"
        await settle(app, pilot)
        check(f"{role} signed out")
    forbidden = sorted(set(ran) & FORBIDDEN_ACTIONS)
    assert not forbidden, f"actions run: {forbidden}"
    assert _files(exports) | _files(cwd) == written, "a file was written"
    assert not PWN.exists()


# Keys the every-key walk does not press: they end the session or the app, or say "yes" to what it opened.
SKIP_ACTIONS = ("quit", "logout", "log_out", "command_palette", "confirm", "yes", "suspend")
SKIP_KEYS = {"y", "Y", "ctrl+q", "ctrl+l", "ctrl+c", "ctrl+p", "н", "Н"}


def _keys(screen) -> list[str]:
    keys = []
    for key, active in screen.active_bindings.items():
        action = active.binding.action
        if key in SKIP_KEYS or any(word in action for word in SKIP_ACTIONS) or action.startswith("app."):
            continue
        if not active.enabled:
            continue
        keys.append(key)
    # Keys that open something first, moving the cursor last: a cursor moved to an empty column
    # would leave nothing to open.
    moves = ("up", "down", "left", "right", "home", "end", "pageup", "pagedown", "tab", "shift+tab")
    return sorted(keys, key=lambda k: k.split("+")[-1] in moves)


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "200x50"])
@pytest.mark.parametrize("role", ROLES)
async def test_every_key_of_a_home_screen_and_what_it_opens_shows_hostile_text_as_text(
    sqlite_db, tmp_path, cwd, role, size
):
    """Besides the catalogue's ways: every key the home screen binds, and every key of what each opens (the
    filters, pages, tabs and toggles that show the same rows in other ways)."""
    PWN.unlink(missing_ok=True)
    seed(sqlite_db, hostile_words(), tmp_path)
    app = app_on(sqlite_db)
    ran = _record_actions(app)
    async with app.run_test(size=size, notifications=True) as pilot:
        await sign_in(app, pilot, USERS[role])
        home = app.screen
        _check(app, f"{role} home", size)
        seen = {type(home).__name__}
        for key in _keys(home):
            await pilot.press(key)
            await settle(app, pilot)
            _check(app, f"{role} home, key {key}", size)
            opened = app.screen
            name = type(opened).__name__
            if opened is not home and name not in seen:
                seen.add(name)
                for inner in _keys(opened):
                    if app.screen is not opened:  # a key closed it
                        break
                    await pilot.press(inner)
                    await settle(app, pilot)
                    _check(app, f"{role} {name}, key {inner}", size)
                    if opened in app.screen_stack:
                        await back_home(app, pilot, opened)
            if home in app.screen_stack:
                await back_home(app, pilot, home)
            assert app.screen is home, f"{role}: lost the way home after key {key}"
        assert len(seen) >= 2 or role == "admin", seen
    assert not set(ran) & FORBIDDEN_ACTIONS
    assert not os.listdir(cwd)


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "200x50"])
async def test_the_sign_in_screens_show_hostile_names_as_text(sqlite_db, tmp_path, cwd, size):
    """The first sign-in of a person whose full name is hostile asks for a new password."""
    db = sqlite_db
    seed(db, hostile_words(), tmp_path)
    app = app_on(db)
    ran = _record_actions(app)
    async with app.run_test(size=size, notifications=True) as pilot:
        await settle(app, pilot)
        assert class_name(app.screen) == SIGN_IN_STOPS[0].screen
        _check(app, "sign-in", size)
        await sign_in(app, pilot, "fresh")
        assert class_name(app.screen) == SIGN_IN_STOPS[1].screen
        _check(app, "new password", size)
        await _toast(app, pilot, "new password", size)
    assert not set(ran) & FORBIDDEN_ACTIONS
    assert not os.listdir(cwd)
