"""Every Tab stop of a dialog is a field or a button: the dialog's scrolling frame is never one.

A focusable frame took the Tab after the last field: nothing was highlighted and what was typed next went
nowhere (the calling window's "KZ" after its holidays field).  Driven by real key presses in two dialogs:
the head of sales' calling window (z, then e) and the base filter (b, then f).  A dialog taller than the
screen still scrolls to the field that gets the focus.
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from textual.containers import VerticalScroll
from textual.widgets import Button, Input, Select

from kbase_tui.services import reference

from ..conftest import PASSWORD
from ..server_harness import app_on
from ..services.queue_setup import add_company
from .helpers import settle, sign_in

NOON = datetime.combine(date(2026, 12, 8), time(12, 30), tzinfo=ZoneInfo("Europe/Moscow"))


@pytest.fixture
def base(db):
    defaults = reference.shipped_defaults()["settings"]
    with db.write() as session:
        for key in ("queue.calling_days", "queue.calling_hours", "queue.holidays_country", "centre.time_zone"):
            reference.set_setting(session, key, defaults[key])
    add_company(db, "Магазин у дома", channel="Розница", time_zone="Europe/Moscow")
    return db


async def _tab_round(app, pilot, stops: int) -> list:
    """The widgets that have the focus after each of *stops* presses of Tab (twice round the chain)."""
    focused = []
    for _ in range(stops):
        await pilot.press("tab")
        await pilot.pause()
        focused.append(app.focused)
    return focused


def _fields_and_buttons_only(dialog, focused: list) -> None:
    for widget in focused:
        assert widget is not None, "a Tab left nothing focused"
        assert not isinstance(widget, VerticalScroll), f"the frame {widget!r} took a Tab"
        assert isinstance(widget, Input | Select | Button), f"{widget!r} is no field or button"
        assert widget.screen is dialog


async def _open_window_dialog(app, pilot):
    from kbase_tui.ui.supervisor.calling_hours import WindowDialog

    await sign_in(app, pilot, "boss", PASSWORD)
    await pilot.press("z")
    await settle(app, pilot)
    await pilot.press("e")
    await settle(app, pilot)
    assert isinstance(app.screen, WindowDialog)
    return app.screen


async def test_tab_round_the_calling_window_stops_on_fields_and_buttons_only(base, make_user):
    make_user("supervisor", "boss")
    with time_machine.travel(NOON, tick=True):
        app = app_on(base)
        async with app.run_test(size=(80, 24)) as pilot:
            dialog = await _open_window_dialog(app, pilot)
            chain = [w for w in dialog.focus_chain]
            focused = await _tab_round(app, pilot, 2 * len(chain) + 1)
            _fields_and_buttons_only(dialog, focused)
            assert {w.id for w in focused} >= {"window-days", "window-hours", "window-lunch", "window-country"}

            # Tab past the holidays field and type a country: the text is not lost without a word.
            country = dialog.query_one("#window-country", Input)
            country.focus()
            await pilot.pause()
            await pilot.press("tab")
            await pilot.pause()
            assert isinstance(app.focused, Input | Select | Button)
            before = {field.id: field.value for field in dialog.query(Input)}
            await pilot.press("K", "Z")
            await pilot.pause()
            after = {field.id: field.value for field in dialog.query(Input)}
            if isinstance(app.focused, Input):
                assert app.focused.value.endswith("KZ")
            else:  # a button: the bell and a sentence on the error line
                assert after == before
                assert "Shift+Tab" in str(dialog.query_one(".dialog-error").render())


async def test_tab_round_the_base_filter_stops_on_fields_only(db, make_user):
    from kbase_tui.ui.supervisor.base_search import BaseFilterDialog

    make_user("supervisor", "boss")
    add_company(db, "Магазин у дома", channel="Розница", time_zone="Europe/Moscow")
    app = app_on(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(app, pilot, "boss", PASSWORD)
        await pilot.press("b")
        await settle(app, pilot)
        await pilot.press("enter")  # the search, empty: the list has the focus
        await settle(app, pilot)
        await pilot.press("f")
        await settle(app, pilot)
        dialog = app.screen
        assert isinstance(dialog, BaseFilterDialog)
        focused = await _tab_round(app, pilot, 13)
        _fields_and_buttons_only(dialog, focused)
        # Six fields; the sixth Tab goes from the mark back to the city.
        assert focused[5].id == "bflt-city"


async def test_a_field_below_the_screen_is_scrolled_into_view_when_it_gets_the_focus(base, make_user):
    from kbase_tui.ui.widgets.form_dialog import DialogBody

    make_user("supervisor", "boss")
    with time_machine.travel(NOON, tick=True):
        app = app_on(base)
        async with app.run_test(size=(80, 24)) as pilot:
            dialog = await _open_window_dialog(app, pilot)
            await pilot.resize_terminal(80, 10)
            await pilot.pause()
            frame = dialog.query_one(DialogBody)
            assert frame.max_scroll_y > 0, "the dialog fits: nothing to scroll"
            assert frame.scroll_y == 0
            scrolled = 0.0
            for _ in range(len(dialog.focus_chain)):
                await pilot.press("tab")
                await pilot.pause()
                await pilot.wait_for_scheduled_animations()
                field = app.focused
                assert field is not None and field.screen is dialog
                visible = frame.content_region
                assert visible.y <= field.region.y < visible.bottom, f"{field!r} at {field.region} is out of {visible}"
                scrolled = max(scrolled, frame.scroll_y)
            assert scrolled > 0


def test_no_dialog_frame_is_a_focusable_scroll_container():
    """Every scrolling dialog frame is a `DialogBody`: a `VerticalScroll(classes="dialog")` takes a Tab again."""
    import ast
    from pathlib import Path

    import kbase_tui.ui

    scrolls = {"VerticalScroll", "ScrollableContainer", "HorizontalScroll"}
    found = []
    for path in Path(kbase_tui.ui.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in scrolls:
                for keyword in node.keywords:
                    value = keyword.value
                    if (
                        keyword.arg == "classes"
                        and isinstance(value, ast.Constant)
                        and "dialog" in str(value.value).split()
                    ):
                        found.append(f"{path.name}:{node.lineno}")
    assert found == []
