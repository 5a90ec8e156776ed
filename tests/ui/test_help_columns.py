"""F1 at 80x24 with long actions and key ids: every column stays inside the frame, a cut one ends in "…"."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Static

from kbase_tui.ui.help_screen import HelpScreen

from ..conftest import svg_screen_text

LONG_ACTION = "Вернуться к доске сделок и обновить её"
LONG_ID = "card.back_to_board_and_refresh"


class _Card(Screen):
    BINDINGS = [
        Binding("b", "back", LONG_ACTION, id=LONG_ID),
        Binding("e", "edit", "Изменить сделку: сумму, этап и дату следующего шага", id="card.edit_the_deal"),
        Binding("f1", "help", "Клавиши", id="card.help"),
    ]

    def compose(self) -> ComposeResult:
        yield Static("card")


class _App(App):
    def on_mount(self) -> None:
        self.push_screen(_Card())


async def test_the_id_column_is_cut_with_an_ellipsis_inside_the_frame():
    app = _App()
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(HelpScreen(app.screen))
        await pilot.pause()
        await pilot.pause()
        lines = svg_screen_text(app.export_screenshot())
        row = next(line for line in lines if " b " in line and "Вернуться" in line)
        # The action whole, the id cut with "…" before the frame's edge (not "card.back_to_b" at the edge).
        assert LONG_ACTION in row
        cells = row.strip(" █▇▃").split()
        assert cells[-1].endswith("…") and LONG_ID.startswith(cells[-1][:-1]), row
        # The frame's right edge is where it was: the table did not push it.
        assert row.rstrip().endswith("█")
