"""Hostile text on every screen that shows client data: literal or neutralised, the screen around intact.

The data goes into the database directly (as an old import or another program could have
left it), not through `clean_input`, so the screens themselves must make it harmless.  The
check reads what the app would send to the terminal: every rendered line of the screen.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from rich.cells import cell_len

from kbase_tui.models import Contact, utcnow
from kbase_tui.services import clients

from ..conftest import PASSWORD
from ..hostile_strings import (
    CORPUS,
    HOSTILE_NAME,
    LONG,
    UNSAFE_CHARS,
    VISIBLE_NAME,
    VISIBLE_NAME_PREFIX,
)
from ..server_harness import app_on
from .helpers import settle

SIZE = (200, 60)


def rendered_lines(app) -> list[str]:
    return [strip.text for strip in app.screen._compositor.render_strips()]


def assert_safe_and_intact(app, *, must_show: list[str], title: str | None = None) -> str:
    lines = rendered_lines(app)
    width, height = SIZE
    assert len(lines) == height
    for number, line in enumerate(lines):
        assert not (set(line) & UNSAFE_CHARS), f"line {number} carries a control character: {line!r}"
        assert cell_len(line) == width, f"line {number} is {cell_len(line)} cells wide"
    screen = "\n".join(lines)
    for visible in must_show:
        assert visible in screen, f"{visible!r} is not on screen:\n{screen}"
    assert "Keys" in lines[-1] or "F1" in lines[-1]  # the footer is still there
    if title:
        assert title in lines[0]  # and the header
    return screen


async def sign_in(app, pilot, username: str) -> None:
    await settle(app, pilot)
    app.screen.query_one("#username").value = username
    app.screen.query_one("#password").value = PASSWORD
    app.screen.query_one("#password").focus()
    await pilot.press("enter")
    await settle(app, pilot)


@pytest.mark.parametrize("label,text,visible", CORPUS, ids=[c[0] for c in CORPUS])
async def test_login_screen_shows_each_hostile_string_literally(db, label, text, visible):
    app = app_on(db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        box = app.screen.query_one("#username")
        box.value = text[:200]
        box.cursor_position = 0
        await pilot.pause()
        assert_safe_and_intact(app, must_show=[visible[:60]])
        app.screen.query_one("#password").value = "x"
        app.screen.query_one("#password").focus()
        await pilot.press("enter")
        await settle(app, pilot)
        assert_safe_and_intact(app, must_show=["Wrong user name or password"])


def _hostile_contact(db, company_id: int) -> None:
    with db.write() as session:
        session.add(
            Contact(
                company_id=company_id,
                full_name=HOSTILE_NAME[:200],
                position="[i]CEO[/i]\x1b[31m",
                email="x@y.ru\x1b]0;pwned\x07",
            )
        )


async def test_queue_lead_card(db, make_user):
    from ..services.queue_setup import add_company

    make_user("caller", "anna")
    company_id = add_company(db, HOSTILE_NAME, city="[blink]Казань[/]\x1b[5m", contact=None, special_offer=LONG)
    _hostile_contact(db, company_id)
    app = app_on(db)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, "anna")
        assert app.screen.__class__.__name__ == "CallerQueue"
        # (the 10,000-character offer fills the card: the contact is below the fold, header and footer stay)
        assert_safe_and_intact(app, must_show=[VISIBLE_NAME, "[blink]Казань[/][5m", "ЩЩЩЩЩЩЩЩЩЩ"])


async def test_pipeline_board_and_deal_card(db, make_user):
    from ..services.pipeline_setup import hand_over

    caller = make_user("caller", "anna")
    closer = make_user("closer", "petr")
    deal_id = hand_over(db, caller, closer, HOSTILE_NAME, requirements=LONG, next_step=HOSTILE_NAME)
    from ..services.pipeline_setup import company_of

    _hostile_contact(db, company_of(db, deal_id))
    app = app_on(db)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, "petr")
        assert app.screen.__class__.__name__ == "CloserBoard"
        assert_safe_and_intact(app, must_show=[VISIBLE_NAME_PREFIX])
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.screen.__class__.__name__ == "DealCardScreen"
        assert_safe_and_intact(app, must_show=[VISIBLE_NAME, "ЩЩЩЩЩЩЩЩЩЩ"])


async def test_account_list_and_card(db, make_user):
    from ..services.account_setup import account_company

    manager = make_user("account", "olga")
    company_id = account_company(
        db, manager, HOSTILE_NAME, channel="[red]Дилеры[/]", next_follow_up_at=utcnow() - timedelta(days=1)
    )
    _hostile_contact(db, company_id)
    clients.add_note(db, manager, company_id, "note", "[bold]заметка[/]")  # cleaned on input: still literal
    app = app_on(db)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, "olga")
        assert app.screen.__class__.__name__ == "FollowUpList"
        assert_safe_and_intact(app, must_show=[VISIBLE_NAME_PREFIX])
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.screen.__class__.__name__ == "AccountCardScreen"
        assert_safe_and_intact(app, must_show=[VISIBLE_NAME, "[red]Дилеры[/]"])
        await pilot.press("2")  # contacts tab
        await settle(app, pilot)
        assert_safe_and_intact(app, must_show=["[i]CEO[/i][31m", "x@y.ru]0;pwned"])
        await pilot.press("3")  # history tab
        await settle(app, pilot)
        assert_safe_and_intact(app, must_show=["[bold]заметка[/]"])


async def test_refusal_review(db, make_user):
    from ..services.supervisor_data import refused_company

    make_user("supervisor", "boss")
    caller = make_user("caller", "anna", full_name="[b]Анна[/b]\x1b[2J")
    refused_company(db, caller.id, HOSTILE_NAME)
    app = app_on(db)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, "boss")
        await pilot.press("r")
        await settle(app, pilot)
        assert app.screen.__class__.__name__ == "RefusalReview"
        assert_safe_and_intact(app, must_show=[VISIBLE_NAME_PREFIX, "[b]Анна[/b][2J"])


async def test_audit_screen(db, make_user):
    from kbase_tui.ui.audit.screen import AuditScreen

    from ..services.queue_setup import add_company

    make_user("admin", "it")
    boss = make_user("supervisor", "boss", full_name="[red]Босс[/red]\u202eevil")
    company_id = add_company(db, HOSTILE_NAME)
    clients.open_card(db, boss, company_id)
    app = app_on(db)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, "it")
        await pilot.press("l")
        await settle(app, pilot)
        assert isinstance(app.screen, AuditScreen)
        await pilot.press(*list("рога"))
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.screen.company_id == company_id
        assert_safe_and_intact(app, must_show=[VISIBLE_NAME_PREFIX, "[red]Босс[/red]evil"], title="Audit log")


async def test_base_search_and_company_card(db, make_user):
    from kbase_tui.models import Phone

    from ..services.supervisor_data import refused_company

    make_user("supervisor", "boss")
    caller = make_user("caller", "anna", full_name="[b]Анна[/b]\x1b[2J")
    company_id, _refusal = refused_company(db, caller.id, HOSTILE_NAME, city="[red]Город[/red]\u202e")
    with db.write() as session:
        session.add(Phone(company_id=company_id, number="+74951234567"))
        session.add(Contact(company_id=company_id, full_name="[link=x]Иван[/link]\x07"))
    app = app_on(db)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, "boss")
        await pilot.press("b")
        await settle(app, pilot)
        assert app.screen.__class__.__name__ == "BaseSearchScreen"
        assert_safe_and_intact(app, must_show=[VISIBLE_NAME_PREFIX, "[red]Город[/r…"])  # cut to its column
        app.screen.query_one("#base-table").focus()
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.screen.__class__.__name__ == "SupervisorCardScreen"
        assert_safe_and_intact(app, must_show=[VISIBLE_NAME_PREFIX, "[red]Город[/red]"])
        await pilot.press("5")
        await settle(app, pilot)
        assert_safe_and_intact(app, must_show=["[b]Анна[/b][2J"])
