"""The key footer (ui/widgets/footer.py): the keys Textual's Footer would show, in one line drawn by
one widget; it follows the focus, a click presses a key, and nothing is mounted when the keys change."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Button, DataTable

from kbase_tui.ui.widgets.footer import KeyFooter


class TwoButtons(App):
    BINDINGS = [
        Binding("f2", "save", "Save"),
        Binding("f4", "hidden", "Hidden", show=False),
        Binding("f6", "off", "Switched off"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.saved = 0

    def compose(self) -> ComposeResult:
        yield Button("one", id="one")
        yield Button("two", id="two")
        yield ShownKey("three", id="three")
        yield KeyFooter()

    def action_save(self) -> None:
        self.saved += 1

    def check_action(self, action: str, parameters) -> bool | None:
        return None if action == "off" else True  # None: shown, but disabled


class ShownKey(Button):
    BINDINGS = [Binding("f3", "press", "Press me")]


def line(app: App) -> str:
    return app.query_one(KeyFooter).render().plain


async def test_the_footer_shows_the_screens_keys_and_follows_the_focus():
    app = TwoButtons()
    async with app.run_test(size=(80, 10)) as pilot:
        footer = app.query_one(KeyFooter)
        app.query_one("#one").focus()
        await pilot.pause()
        assert "Save" in footer.descriptions and "Hidden" not in footer.descriptions
        assert "f2 Save" in line(app)
        assert "Press me" not in footer.descriptions
        app.query_one("#three").focus()  # a key of its own: shown
        await pilot.pause()
        assert "Press me" in footer.descriptions and "f3 Press me" in line(app)
        app.query_one("#one").focus()  # and gone again
        await pilot.pause()
        assert "Press me" not in footer.descriptions
        assert not footer.children  # drawn, never mounted: a change of keys is one repaint
        assert line(app).rstrip().endswith("palette")  # the command palette key at the right edge
        assert len(line(app)) == 80


async def test_a_click_on_a_key_presses_it_and_a_disabled_key_rings_the_bell(monkeypatch):
    app = TwoButtons()
    async with app.run_test(size=(80, 10)) as pilot:
        app.query_one("#one").focus()
        await pilot.pause()
        text = line(app)
        await pilot.click(KeyFooter, offset=(text.index("Save"), 0))
        await pilot.pause()
        assert app.saved == 1
        bells = []
        monkeypatch.setattr(app, "bell", lambda: bells.append(1))
        await pilot.click(KeyFooter, offset=(text.index("Switched off"), 0))
        await pilot.pause()
        assert bells and app.saved == 1
        await pilot.click(KeyFooter, offset=(len(text.rstrip()) - 2, 0))  # the palette key
        await pilot.pause()
        assert app.screen.__class__.__name__ == "CommandPalette"


async def test_keys_that_do_not_fit_are_cut_and_the_palette_key_stays():
    app = TwoButtons()
    async with app.run_test(size=(24, 10)) as pilot:
        app.query_one("#three").focus()
        await pilot.pause()
        text = line(app)
        assert len(text) == 24
        assert "…" in text and text.rstrip().endswith("palette")


MOVE = Binding.Group("Move")


class Grouped(App):
    BINDINGS = [
        Binding("f7", "back", "Back", group=MOVE),
        Binding("f8", "forward", "Forward", group=MOVE),
        Binding("f9", "alone", "Alone"),
    ]

    def compose(self) -> ComposeResult:
        yield KeyFooter()

    def action_back(self) -> None:
        pass

    def action_forward(self) -> None:
        pass

    def action_alone(self) -> None:
        pass


async def test_the_keys_of_a_group_stand_together_under_one_description():
    app = Grouped()
    async with app.run_test(size=(80, 10)) as pilot:
        await pilot.pause()
        footer = app.query_one(KeyFooter)
        assert [(item.key_display, item.description) for item in footer.items] == [
            ("f7", ""),
            ("f8", "Move"),
            ("f9", "Alone"),
        ]
        assert [item.tooltip for item in footer.items[:2]] == ["Back", "Forward"]
        assert "f7  f8 Move  f9 Alone" in line(app)


class ManyKeys(App):
    BINDINGS = [
        *(Binding(f"f{n}", f"noop({n})", f"Action number {n}") for n in range(2, 9)),
        Binding("escape", "noop(0)", "Back"),
        Binding("f1", "noop(1)", "Keys"),
    ]

    def compose(self) -> ComposeResult:
        yield KeyFooter()

    def action_noop(self, number: int) -> None:
        pass


async def test_when_keys_do_not_fit_esc_and_f1_keep_their_place():
    app = ManyKeys()
    async with app.run_test(size=(80, 10)) as pilot:
        await pilot.pause()
        text = line(app)
        assert len(text) == 80
        assert "esc Back" in text and "f1 Keys" in text and "…" in text
        assert "f2 Action number 2" in text and text.rstrip().endswith("palette")


class TableScreen(Screen):
    """A list screen: a focused table, whose own Enter (select the row) is hidden, and the screen's Enter
    that says what selecting a row does there."""

    BINDINGS = [Binding("enter", "open", "Open card"), Binding("f5", "reload", "Refresh")]

    def __init__(self) -> None:
        super().__init__()
        self.opened = 0

    def compose(self) -> ComposeResult:
        yield DataTable(cursor_type="row")
        yield KeyFooter()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("Company")
        table.add_row("ООО «Ромашка»")
        table.focus()

    def on_data_table_row_selected(self, _event) -> None:
        self.opened += 1


async def test_a_focused_tables_enter_shows_what_the_screens_enter_does():
    app = App()
    async with app.run_test(size=(80, 10)) as pilot:
        screen = TableScreen()
        await app.push_screen(screen)
        await pilot.pause()
        footer = screen.query_one(KeyFooter)
        assert "Open card" in footer.descriptions
        assert footer.items[0].key == "enter"
        await pilot.press("enter")  # the table selects the row, which the screen opens
        await pilot.pause()
        assert screen.opened == 1


def test_textual_own_key_words_are_shown_in_the_readers_language():
    # A Select's open list shows Textual's "Dismiss menu" for Esc: in English in the Russian footer.
    from kbase_tui.i18n import set_language
    from kbase_tui.ui.widgets.footer import _words

    set_language("ru")
    try:
        assert _words("Dismiss menu") != "Dismiss menu"
        assert _words("") == ""  # never gettext's header
    finally:
        set_language("en")
