"""A full field says so: what is typed beyond its length is not taken, and a toast tells the person."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Input

from kbase_tui.ui.widgets.field_limits import say_when_a_field_is_full


class OneField(App):
    def compose(self) -> ComposeResult:
        yield Input(id="margin", max_length=5)


async def test_typing_past_the_length_of_a_field_is_said_once():
    say_when_a_field_is_full()
    app = OneField()
    async with app.run_test(size=(40, 8)) as pilot:
        await pilot.press(*"Круг стальной")
        field = app.query_one(Input)
        assert field.value == "Круг "
        said = [n.message for n in app._notifications]
        assert len(said) == 1 and "at most 5 characters" in said[0]


async def test_a_paste_longer_than_the_room_left_keeps_what_fits_and_says_so():
    # Textual refuses such a paste whole; the field was not full, so nothing was said and the paste was lost.
    from textual import events

    say_when_a_field_is_full()
    app = OneField()
    async with app.run_test(size=(40, 8)) as pilot:
        field = app.query_one(Input)
        await pilot.press("1")
        field.post_message(events.Paste("23456789"))
        await pilot.pause()
        assert field.value == "12345"
        said = [n.message for n in app._notifications]
        assert len(said) == 1 and "at most 5 characters" in said[0]


async def test_a_field_refusing_a_character_for_its_kind_is_not_called_full():
    say_when_a_field_is_full()

    class Digits(App):
        def compose(self) -> ComposeResult:
            yield Input(id="score", max_length=3, restrict=r"[0-9]*")

    app = Digits()
    async with app.run_test(size=(40, 8)) as pilot:
        await pilot.press("x", "1")
        assert app.query_one(Input).value == "1"
        assert not list(app._notifications)


def test_the_app_installs_it():
    from kbase_tui.ui.app import KbaseApp

    KbaseApp(server="unix:/nonexistent")
    assert getattr(Input.restricted, "kbase_says_full", False)
