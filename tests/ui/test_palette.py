"""The command palette speaks the reader's language, Textual's own words included."""

from __future__ import annotations

import asyncio

from textual.command import CommandList, CommandPalette

from kbase_tui.i18n import set_language

from ..conftest import PASSWORD
from ..server_harness import app_on
from .helpers import settle, sign_in


def _options(app) -> list[str]:
    box = app.screen.query_one(CommandList)
    return [str(box.get_option_at_index(i).prompt.renderable) for i in range(box.option_count)]


async def test_a_search_with_no_match_says_so_in_russian(db, make_user):
    make_user("supervisor", "boss")
    set_language("ru")
    try:
        app = app_on(db)
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_in(app, pilot, "boss", PASSWORD)
            await pilot.press("ctrl+p")
            await settle(app, pilot)
            assert isinstance(app.screen, CommandPalette)
            await pilot.press(*"щщщщ")
            await asyncio.sleep(CommandPalette._NO_MATCHES_COUNTDOWN + 0.3)
            await pilot.pause()
            texts = _options(app)
            assert texts == ["Совпадений не найдено"], texts
    finally:
        set_language("en")
