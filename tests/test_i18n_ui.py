"""The app in each language: --lang / KBASE_LANG / locale at start, the account's language at sign-in,
the palette command that switches it, and class-level texts (footer, F1) following a switch."""

from __future__ import annotations

import subprocess
import sys

import pytest
from textual.widgets import Button, DataTable, Input, Label, OptionList, Static

from kbase_tui import i18n
from kbase_tui.services import users
from kbase_tui.ui.app import KbaseApp
from kbase_tui.ui.widgets.footer import KeyFooter

from .conftest import PASSWORD
from .server_harness import app_on
from .ui.helpers import settle, sign_in


@pytest.fixture(autouse=True)
def english_afterwards():
    yield
    i18n.set_language("en")


def screen_texts(app) -> list[str]:
    """What the user reads on the current screen: titles, labels, buttons, footer keys, table headers."""
    texts: list[str] = [str(app.screen.title or ""), str(app.sub_title or "")]
    for node in app.screen.walk_children(with_self=False):
        if isinstance(node, KeyFooter):
            texts += node.descriptions
        elif isinstance(node, Button):
            texts.append(str(node.label))
        elif isinstance(node, (Static, Label)):
            texts.append(str(node.render()))
        elif isinstance(node, Input):
            texts.append(str(node.placeholder))
        elif isinstance(node, OptionList):
            texts += [str(node.get_option_at_index(index).prompt) for index in range(node.option_count)]
        elif isinstance(node, DataTable):
            texts += [str(column.label) for column in node.columns.values()]
    return [text for text in texts if text]


def joined(app) -> str:
    return "\n".join(screen_texts(app))


def _user_language(db, username: str) -> str | None:
    from sqlalchemy import select

    from kbase_tui.models import User

    with db.read() as session:
        return session.scalars(select(User.language).where(User.username == username)).one()


# --- choosing the language at start ----------------------------------------------------------


@pytest.mark.parametrize(
    "environ, expected",
    [
        ({"KBASE_LANG": "ru"}, "ru"),
        ({"KBASE_LANG": "en", "LANG": "ru_RU.UTF-8"}, "en"),
        ({"LANG": "ru_RU.UTF-8"}, "ru"),
        ({"LC_ALL": "ru_RU.UTF-8", "LANG": "en_US.UTF-8"}, "ru"),
        ({"LC_ALL": "C.UTF-8", "LANG": "ru_RU.UTF-8"}, "en"),
        ({"LANG": "de_DE.UTF-8"}, "en"),
        ({}, "en"),
    ],
)
def test_the_environment_chooses_the_language(environ, expected):
    assert i18n.language_from_environment(environ) == expected


def test_kbase_lang_in_the_environment_applies(monkeypatch):
    monkeypatch.setenv("KBASE_LANG", "ru")
    assert i18n.set_language(None) == "ru"
    assert i18n._("Sign in") == "Войти"


def test_the_command_line_help_follows_lang():
    def run(*args: str, **env: str) -> str:
        import os

        environ = {**os.environ, "KBASE_LANG": "", "LC_ALL": "", "LANG": "", **env}
        return subprocess.run(
            [sys.executable, "-m", "kbase_tui.cli.main", *args, "--help"],
            capture_output=True,
            text=True,
            env=environ,
            timeout=60,
        ).stdout

    assert "язык интерфейса" in run("--lang", "ru")
    assert "language of the interface" in run("--lang", "en", LANG="ru_RU.UTF-8")
    assert "язык интерфейса" in run(LANG="ru_RU.UTF-8")
    assert "language of the interface" in run()


# --- the login screen and a work screen in each language -------------------------------------


async def test_login_screen_in_russian(db):
    i18n.set_language("ru")  # what `kbase --lang ru` does before the app starts
    app = app_on(db)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        text = joined(app)
        for russian in ("Войти", "Имя пользователя", "Пароль", "Клавиши"):
            assert russian in text
        assert "User name" not in text and "Sign in" not in text


async def test_login_screen_in_english(db):
    app = app_on(db)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        text = joined(app)
        for english in ("Sign in", "User name", "Password", "Keys"):
            assert english in text
        assert "Пароль" not in text


async def test_a_wrong_password_is_refused_in_russian(db, make_user, monkeypatch):
    monkeypatch.setenv("KBASE_LANG", "ru")
    i18n.set_language(None)
    make_user("closer", "olga")
    app = app_on(db)
    async with app.run_test(size=(120, 36)) as pilot:
        await sign_in(app, pilot, "olga", "wrong-password-1")
        assert "Неверное имя пользователя или пароль." in joined(app)


@pytest.mark.parametrize(
    "lang, expected, absent",
    [
        (
            "ru",
            ["Воронка", "Обновить", "Выиграна", "Проиграна", "Клавиши", "Новая", "менеджер по продажам"],
            ["Refresh", "Pipeline", "Keys"],
        ),
        (
            "en",
            ["Pipeline", "Refresh", "Won", "Lost", "Keys", "New", "first-sale manager"],
            ["Обновить", "Воронка", "Клавиши"],
        ),
    ],
)
async def test_the_closer_board_in_each_language(db, make_user, lang, expected, absent):
    i18n.set_language(lang)
    make_user("closer", "olga", full_name="Ольга Сидорова")
    app = app_on(db)
    async with app.run_test(size=(160, 40)) as pilot:
        await sign_in(app, pilot, "olga", PASSWORD)
        assert type(app.screen).__name__ == "CloserBoard"
        text = joined(app)
        for word in expected:
            assert word in text, word
        for word in absent:
            assert word not in text, word


async def test_f1_help_lists_the_keys_in_russian(db):
    """F1 on the login screen: our keys and the text box's own (Textual's) keys, all in Russian."""
    i18n.set_language("ru")
    app = app_on(db)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        await pilot.press("f1")
        await settle(app, pilot)
        table = app.screen.query_one("#help-keys", DataTable)
        actions = [str(table.get_row_at(row)[1]) for row in range(table.row_count)]
        assert [str(c.label) for c in table.columns.values()] == [
            "Клавиша",
            "Действие",
            "Код",
        ]  # the id: what the keymap file names
        assert "Выход" in actions and "Клавиши" in actions
        assert "Курсор влево" in actions and "Удалить символ слева" in actions  # the Input widget's keys
        assert "Quit" not in actions and "Move cursor left" not in actions


# --- the account's language ----------------------------------------------------------------------


async def test_the_account_language_applies_at_sign_in_and_ends_at_log_out(db, make_user):
    actor = make_user("closer", "olga")
    users.set_language(db, actor, "ru")
    app = app_on(db)  # started in English
    async with app.run_test(size=(160, 40)) as pilot:
        assert "Sign in" in joined(app)
        await sign_in(app, pilot, "olga", PASSWORD)
        text = joined(app)
        assert "Обновить" in text and "Воронка" in text
        assert i18n.current_language() == "ru"
        await pilot.press("ctrl+l")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "LoginScreen"
        assert i18n.current_language() == "en"
        text = joined(app)
        assert "Sign in" in text and "Keys" in text and "Войти" not in text


async def _palette_offers(app, pilot, word: str) -> None:
    """Wait until the command palette lists a command with *word*: its search runs in the background and
    its list fills a moment later, and Enter before that picks nothing."""
    from textual.command import CommandList

    for _ in range(200):
        found = app.screen.query(CommandList)
        if found:
            commands = found.first()
            if any(word in str(commands.get_option_at_index(i).prompt) for i in range(commands.option_count)):
                return
        await pilot.pause(0.05)
    raise AssertionError(f"the palette never offered {word!r}")


async def test_the_palette_switches_and_remembers_the_language(db, make_user):
    make_user("closer", "olga")
    app = app_on(db)
    async with app.run_test(size=(160, 40)) as pilot:
        await sign_in(app, pilot, "olga", PASSWORD)
        assert "Refresh" in joined(app)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Language")
        await settle(app, pilot)
        await _palette_offers(app, pilot, "Language")
        await pilot.press("enter")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "CloserBoard"
        text = joined(app)
        assert "Обновить" in text and "Воронка" in text and "Refresh" not in text
        assert _user_language(db, "olga") == "ru"
        assert app.actor is not None and app.actor.language == "ru"
        # And back: the command now offers English.
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"English")
        await settle(app, pilot)
        await _palette_offers(app, pilot, "English")
        await pilot.press("enter")
        await settle(app, pilot)
        assert "Refresh" in joined(app)
        assert _user_language(db, "olga") == "en"


async def test_the_next_sign_in_uses_the_saved_language(db, make_user):
    actor = make_user("closer", "olga")
    users.set_language(db, actor, "ru")
    i18n.set_language("en")
    app = app_on(db)
    async with app.run_test(size=(160, 40)) as pilot:
        await sign_in(app, pilot, "olga", PASSWORD)
        assert "Воронка" in joined(app)


# --- class-level texts follow a switch ---------------------------------------------------------


def test_class_level_bindings_are_translated_again():
    from kbase_tui.ui.login.screen import LoginScreen
    from kbase_tui.ui.pipeline.board import CloserBoard

    def descriptions(cls) -> set[str]:
        return {binding.description for _key, binding in cls._merged_bindings}

    assert "Open card" in descriptions(CloserBoard) and "Keys" in descriptions(KbaseApp)
    i18n.set_language("ru")
    assert "Открыть карточку" in descriptions(CloserBoard)
    assert "Клавиши" in descriptions(KbaseApp) and "Выход" in descriptions(LoginScreen)
    assert CloserBoard.HELP.startswith("Ваши сделки")
    i18n.set_language("en")
    assert "Open card" in descriptions(CloserBoard) and "Quit" in descriptions(LoginScreen)
    assert CloserBoard.HELP.startswith("Your deals")


def test_a_msg_is_a_plain_string_that_remembers_its_msgid():
    i18n.set_language("ru")
    text = i18n._("Sign in")
    assert text == "Войти" and isinstance(text, str) and text.msgid == "Sign in"
    assert type(i18n._("Error: {message}").format(message="x")) is str
    lost_client, lost_deal = i18n.pgettext("client", "Lost"), i18n._("Lost")
    assert (lost_client, lost_deal) == ("Потерян", "Проиграна")
    i18n.set_language("en")
    assert i18n.retranslate(text) == "Sign in"
    assert (i18n.retranslate(lost_client), i18n.retranslate(lost_deal)) == ("Lost", "Lost")
    assert i18n.retranslate("plain") == "plain"
