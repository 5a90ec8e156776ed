"""A walk over every screen of every role, at 80×24 and 200×50, with the names that once acted.

Users' full names, company names, deal steps and refusals carry a lone closing tag `[/]`, an action
link to Textual's `screenshot` and one to `quit` (tests/hostile_strings.py).  From each role's home
screen every key the screen binds is pressed, and from each screen or dialog that opens, every key
of that one too (keys that confirm, quit or sign out excepted).  After every key the test fails if
the app stopped or raised (a markup error ends the app), if any rendered line carries a control
character or is not the screen's width, or if any rendered cell carries an action link made from the
data (a Rich `@click` meta naming screenshot or quit).  Each screen reached then shows a toast with
the hostile name, checked the same way.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from rich.cells import cell_len

from kbase_tui.models import Contact, utcnow
from kbase_tui.services import reference

from ..hostile_strings import ACTING_NAME, CLICK, CLICK_QUIT, CLOSE_TAG, UNSAFE_CHARS
from ..server_harness import app_on
from .helpers import settle

SIZES = [(80, 24), (200, 50)]
ROLES = ["caller", "closer", "account", "supervisor", "admin"]
USERS = {"caller": "anna", "closer": "petr", "account": "olga", "supervisor": "boss", "admin": "it"}
# Keys not pressed: they end the session or the app, or say "yes" to what the walk opened.
SKIP_ACTIONS = ("quit", "logout", "log_out", "command_palette", "confirm", "yes", "suspend")
SKIP_KEYS = {"y", "Y", "ctrl+q", "ctrl+l", "ctrl+c", "ctrl+p", "н", "Н"}
PWN = Path("/tmp/kbase-pwn.svg")


def _fill(db, make_user) -> None:
    from ..services.account_setup import account_company
    from ..services.pipeline_setup import hand_over
    from ..services.queue_setup import add_company
    from ..services.supervisor_data import refused_company

    people = {role: make_user(role, USERS[role], full_name=f"{ACTING_NAME} {role}"[:120]) for role in ROLES}
    with db.write() as session:
        for key in (
            "security.leads_per_minute",
            "security.card_views_per_hour",
            "security.list_views_per_hour",
            "security.searches_per_hour",
        ):
            reference.set_setting(session, key, 0)
    company_id = add_company(db, ACTING_NAME, city=CLOSE_TAG[:60], contact=None, special_offer=CLICK)
    with db.write() as session:
        session.add(Contact(company_id=company_id, full_name=CLICK_QUIT, position=CLOSE_TAG[:100]))
    add_company(db, CLOSE_TAG)
    hand_over(db, people["caller"], people["closer"], ACTING_NAME + " сделка", next_step=CLICK, requirements=CLOSE_TAG)
    account_company(
        db,
        people["account"],
        ACTING_NAME + " клиент",
        channel=CLICK_QUIT[:60],
        next_follow_up_at=utcnow() - timedelta(days=1),
    )
    refused_company(db, people["caller"].id, CLICK + " отказ")


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


async def _back_to(app, pilot, screen) -> None:
    for _ in range(10):
        if app.screen is screen or screen not in app.screen_stack:
            return
        app.pop_screen()
        await settle(app, pilot)


async def _press(app, pilot, key: str, where: str, size) -> None:
    await pilot.press(key)
    await settle(app, pilot)
    _check(app, where, size)


async def _toast(app, pilot, where: str, size) -> None:
    app.screen.notify(ACTING_NAME, title=CLOSE_TAG)
    await pilot.pause()
    _check(app, f"{where} + toast", size)
    app.clear_notifications()


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "200x50"])
@pytest.mark.parametrize("role", ROLES)
async def test_every_screen_of_every_role_shows_acting_names_as_text(db, make_user, role, size):
    if db.is_postgresql:
        pytest.skip("what is drawn does not depend on the database: SQLite only")
    PWN.unlink(missing_ok=True)
    _fill(db, make_user)
    app = app_on(db)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        app.screen.query_one("#username").value = USERS[role]
        app.screen.query_one("#password").value = "Test-Password-2026"
        app.screen.query_one("#password").focus()
        await pilot.press("enter")
        await settle(app, pilot)
        home = app.screen
        assert type(home).__name__ != "LoginScreen", "sign-in failed"
        _check(app, f"{role} home", size)
        await _toast(app, pilot, f"{role} home", size)
        seen = {type(home).__name__}
        for key in _keys(home):
            await _press(app, pilot, key, f"{role} home, key {key}", size)
            opened = app.screen
            name = type(opened).__name__
            if opened is not home and name not in seen:
                seen.add(name)
                await _toast(app, pilot, f"{role} {name}", size)
                for inner in _keys(opened):
                    if app.screen is not opened:  # a key closed it
                        break
                    await _press(app, pilot, inner, f"{role} {name}, key {inner}", size)
                    await _back_to(app, pilot, opened)
            await _back_to(app, pilot, home)
            assert app.screen is home, f"{role}: lost the way home after key {key}"
        print(f"{role} {size}: {sorted(seen)}")
        assert len(seen) >= 2 or role == "admin", seen
