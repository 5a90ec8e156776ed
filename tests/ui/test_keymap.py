"""The installation's keymap moves any key by its binding's id; a file with a mistake is refused, naming the line."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable

from kbase_tui.ui.help_screen import HelpScreen
from kbase_tui.ui.keymap import RENAMED, KeymapError, bindings_by_node, check, load, parse
from kbase_tui.ui.login.screen import LoginScreen

from ..server_harness import app_on


def test_a_file_gives_keys_by_id_with_comments_and_several_keys():
    keys, lines = parse('# our keys\n\nboard.open = "o, enter"\n"app.help" = "f9"  # help\n', "keymap.toml")
    assert keys == {"board.open": "o,enter", "app.help": "f9"}
    assert lines == {"board.open": 3, "app.help": 4}


@pytest.mark.parametrize(
    ("text", "sentence"),
    [
        ('board.open = "o"\nboard.open o\n', 'keymap.toml, line 2: write a binding as id = "keys"'),
        ('board.open = "o"\n\napp.help = "fancy+z"\n', "keymap.toml, line 3: «fancy+z» is not a key name"),
        ('board.open = ""\n', "keymap.toml, line 1: no key for board.open"),
        ('board.open = "o"\nboard.open = "p"\n', "keymap.toml, line 2: board.open was given already on line 1"),
    ],
)
def test_a_line_that_cannot_be_read_is_named(text, sentence):
    with pytest.raises(KeymapError) as refused:
        parse(text, "keymap.toml")
    assert str(refused.value).startswith(sentence)


def test_an_unknown_id_and_a_key_taken_on_the_same_screen_are_refused_naming_the_line():
    nodes = bindings_by_node()
    keys, lines = parse('app.help = "f9"\nboard.opn = "o"\n', "k")
    with pytest.raises(KeymapError, match=r"^k, line 2: no binding has the id board\.opn"):
        check(keys, lines, "k", nodes)
    # The closer's board has w for a won deal: moving "open" onto it would leave one of them unreachable.
    keys, lines = parse('app.help = "f9"\nboard.open = "w"\n', "k")
    with pytest.raises(KeymapError, match=r"^k, line 2: w is taken by board\.won on the same screen"):
        check(keys, lines, "k", nodes)


def test_an_old_id_of_a_dialog_key_moves_the_binding_that_replaced_it():
    # The form dialogs' Ctrl+S and Esc were one binding per feature; a keymap written then keeps working.
    text = 'accounts.dialog.save = "ctrl+w"\nqueue.dialog.cancel = "ctrl+g"\nnote.save = "ctrl+w"\n'
    keys, lines = parse(text, "k")
    assert keys == {"dialog.save": "ctrl+w", "dialog.cancel": "ctrl+g", "queue.callbacks.cancel": "ctrl+g"}
    assert lines == {"dialog.save": 1, "dialog.cancel": 2, "queue.callbacks.cancel": 2}
    check(keys, lines, "k", bindings_by_node())
    # Two names of the one binding with different keys cannot both hold.
    with pytest.raises(KeymapError, match=r"^k, line 2: dialog\.save was given already on line 1"):
        parse('dialog.save = "ctrl+w"\ncontact.save = "f2"\n', "k")


def test_the_old_ids_are_no_bindings_any_more_and_their_new_ids_are():
    ids = {b.id for bindings in bindings_by_node().values() for b in bindings if b.id}
    assert not set(RENAMED) & ids
    assert {new for news in RENAMED.values() for new in news} <= ids


def test_every_binding_of_the_app_has_an_id_to_be_moved_by():
    missing = [f"{node}: {b.key}" for node, bindings in bindings_by_node().items() for b in bindings if not b.id]
    assert missing == []


def test_no_file_no_keymap(tmp_path, monkeypatch):
    monkeypatch.delenv("KBASE_KEYMAP", raising=False)
    monkeypatch.setenv("KBASE_CONFIG_DIR", str(tmp_path))
    monkeypatch.setattr("kbase_tui.ui.keymap.SYSTEM_FILE", tmp_path / "none.toml")
    assert load().keys == {} and load().path is None


async def until(pilot, condition, rounds: int = 100) -> None:
    for _ in range(rounds):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause(0.05)
        if condition():
            return
    raise AssertionError("the app never got there")


async def _help_rows(app) -> list[tuple[str, str, str]]:
    table = app.screen.query_one("#help-keys", DataTable)
    return [tuple(str(cell) for cell in table.get_row_at(i)) for i in range(table.row_count)]


async def test_a_moved_key_works_and_f1_shows_it_with_its_id(db, tmp_path, monkeypatch):
    keymap = tmp_path / "keymap.toml"
    # F1 is the login screen's and the app's: both move.
    keymap.write_text('login.help = "f9"\napp.help = "f9"\n', encoding="utf-8")
    monkeypatch.setenv("KBASE_KEYMAP", str(keymap))
    app = app_on(db)
    async with app.run_test(size=(120, 36)) as pilot:
        await until(pilot, lambda: app.keymap_file == str(keymap))
        assert isinstance(app.screen, LoginScreen)
        await pilot.press("f1")  # no longer the login screen's help key
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)
        await pilot.press("f9")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))
        rows = await _help_rows(app)
        assert [row for row in rows if row[2] == "login.help"] == [("f9", "Keys", "login.help")]
        assert str(keymap) in str(app.screen.query_one("#help-keymap").render())


async def test_a_bad_file_is_refused_with_the_sentence_and_the_keys_stay(db, tmp_path, monkeypatch):
    keymap = tmp_path / "keymap.toml"
    keymap.write_text('login.help = "f9"\nboard.opn = "o"\n', encoding="utf-8")
    monkeypatch.setenv("KBASE_KEYMAP", str(keymap))
    app = app_on(db)
    async with app.run_test(size=(120, 36)) as pilot:
        await until(pilot, lambda: any("line 2" in str(n.message) for n in app._notifications))
        assert app.keymap_file == ""
        await pilot.press("f1")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))
