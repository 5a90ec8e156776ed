"""Every hot key works on the Russian ЙЦУКЕН layout by physical key (ui/keyboard_layout.py).

The first test goes through every screen, dialog and widget of the app that has key bindings
(and the caller's outcome keys shipped in data/defaults.json): for each binding with a key that
differs on the Russian layout it presses the Russian key and checks the binding's action was
dispatched.  The others drive real screens through the server: the Russian key records the
outcome, moves the deal, opens the screen, while text typed into a field stays Cyrillic.
"""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from textual.app import ComposeResult
from textual.binding import BindingsMap
from textual.dom import DOMNode
from textual.screen import Screen
from textual.widget import Widget

import kbase_tui.ui
from kbase_tui.ui.app import KbaseApp
from kbase_tui.ui.keyboard_layout import RUSSIAN_TO_LATIN, latin_key

# Latin key name (with modifiers, as in BINDINGS) -> the key the terminal sends on the Russian layout.
RUSSIAN_KEY: dict[str, str] = {}
for _russian in RUSSIAN_TO_LATIN:
    for _prefix in ("", "alt+", "ctrl+"):
        _name = latin_key(_prefix + _russian)
        if _name is not None:
            RUSSIAN_KEY.setdefault(_name[0], _prefix + _russian)


def test_the_layout_map_is_one_to_one_on_letters():
    letters = {ru: en for ru, en in RUSSIAN_TO_LATIN.items() if ru.isalpha()}
    assert len(letters) == 66 and len(set(letters.values())) == 66
    assert RUSSIAN_KEY["n"] == "т" and RUSSIAN_KEY["N"] == "Т" and RUSSIAN_KEY["right_square_bracket"] == "ъ"
    assert RUSSIAN_KEY["left_square_bracket"] == "х" and RUSSIAN_KEY["alt+n"] == "alt+т"
    assert RUSSIAN_KEY["ctrl+l"] == "ctrl+д"


def _nodes_with_bindings() -> list[type[DOMNode]]:
    found: dict[str, type[DOMNode]] = {}
    for module_info in pkgutil.walk_packages(kbase_tui.ui.__path__, "kbase_tui.ui."):
        module = importlib.import_module(module_info.name)
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, DOMNode) and cls.__module__.startswith("kbase_tui.ui") and "BINDINGS" in cls.__dict__:
                found[f"{cls.__module__}.{cls.__qualname__}"] = cls
    return [found[name] for name in sorted(found)]


NODES = _nodes_with_bindings()


def _shipped_outcome_keys() -> BindingsMap:
    from textual.binding import Binding

    defaults = Path(kbase_tui.__file__).resolve().parents[2] / "data" / "defaults.json"
    outcomes = json.loads(defaults.read_text(encoding="utf-8"))["call_outcomes"]
    return BindingsMap([Binding(o["key"], f"outcome('{o['code']}')") for o in outcomes])


class Probe(Widget, can_focus=True):
    pass


class ProbeScreen(Screen):
    def __init__(self, bindings: BindingsMap, on_widget: bool) -> None:
        super().__init__()
        self.probe_bindings = bindings
        self.on_widget = on_widget

    def compose(self) -> ComposeResult:
        yield Probe()

    def on_mount(self) -> None:
        target = self.query_one(Probe) if self.on_widget else self
        target._bindings = self.probe_bindings
        self.query_one(Probe).focus()


class RecordingApp(KbaseApp):
    """The real app's key dispatch; actions are recorded instead of run."""

    CSS_PATH = str(Path(inspect.getfile(KbaseApp)).with_name("app.tcss"))

    def __init__(self) -> None:
        super().__init__("unix:/nonexistent")
        self.dispatched: list[str] = []

    def on_mount(self) -> None:
        pass

    async def run_action(self, action, default_namespace=None) -> bool:  # type: ignore[override]
        self.dispatched.append(action if isinstance(action, str) else str(action))
        return True


def _cases(bindings: BindingsMap) -> list[tuple[str, str, str]]:
    cases = []
    for key, binding in bindings:
        if key in RUSSIAN_KEY:
            cases.append((key, RUSSIAN_KEY[key], binding.action))
    return cases


def test_the_probe_finds_the_screens_of_every_role():
    names = {cls.__name__ for cls in NODES}
    for expected in (
        "CallerQueue",
        "CloserBoard",
        "FollowUpList",
        "SupervisorDesk",
        "UsersScreen",
        "DealCardScreen",
        "AccountCardScreen",
        "RefusalReview",
        "AddNoteDialog",
        "ConfirmDialog",
        "HelpScreen",
        "ContactsPanel",
    ):
        assert expected in names, expected


@pytest.mark.parametrize("node", [*NODES, "outcomes"], ids=lambda n: n if isinstance(n, str) else n.__qualname__)
async def test_every_binding_runs_from_its_russian_key(node):
    if node == "outcomes":
        bindings, on_widget = _shipped_outcome_keys(), False
    else:
        bindings, on_widget = node._merge_bindings(), not issubclass(node, Screen)
    cases = _cases(bindings)
    if not cases:
        pytest.skip("no key that differs on the Russian layout")
    app = RecordingApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await app.push_screen(ProbeScreen(bindings, on_widget))
        await pilot.pause()
        for latin, russian, action in cases:
            app.dispatched.clear()
            await pilot.press(russian)
            await pilot.pause()
            # The binding's own action (a priority binding of the app with the same key, as ctrl+q's
            # "quit" for the login screen's "app.quit", names the same action).
            assert [a.rpartition(".")[2] for a in app.dispatched] == [action.rpartition(".")[2]], (
                latin,
                russian,
                app.dispatched,
            )
            # And the Latin key still does exactly the same.
            russian_dispatched = list(app.dispatched)
            app.dispatched.clear()
            await pilot.press(latin)
            await pilot.pause()
            assert app.dispatched == russian_dispatched, (latin, app.dispatched)


# --- real screens through the server --------------------------------------------------------------


@pytest.fixture
def people(make_user):
    return {
        "caller": make_user("caller", "olga", full_name="Ольга Звонарёва"),
        "closer": make_user("closer", "petr", full_name="Пётр Сделкин"),
        "boss": make_user("supervisor", "roman", full_name="Роман Руководов"),
    }


async def _settle(app, pilot, rounds: int = 3) -> None:
    for _ in range(rounds):
        await app.workers.wait_for_complete()
        await pilot.pause()


async def _sign_in(app, pilot, username: str) -> None:
    from ..conftest import PASSWORD

    await _settle(app, pilot)
    app.screen.query_one("#username").value = username
    app.screen.query_one("#password").value = PASSWORD
    app.screen.query_one("#password").focus()
    await pilot.press("enter")
    await _settle(app, pilot)


@pytest.mark.usefixtures("no_rate_limits")
async def test_the_caller_works_a_shift_on_the_russian_layout(db, db_url, people):
    from sqlalchemy import select

    from kbase_tui.models import Interaction, Refusal
    from kbase_tui.ui.queue import dialogs
    from kbase_tui.ui.queue.screen import CallerQueue

    from ..server_harness import app_on
    from ..services.queue_setup import add_company

    add_company(db, "ООО «Альфа»")
    add_company(db, "ООО «Бета»")
    add_company(db, "ООО «Гамма»")
    app = app_on(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await _sign_in(app, pilot, "olga")
        screen = app.screen
        assert isinstance(screen, CallerQueue) and screen.lead.name == "ООО «Альфа»"
        await pilot.press("т")  # the key marked N: no answer
        await _settle(app, pilot)
        assert screen.lead.name == "ООО «Бета»"
        await pilot.press("к")  # R: refused
        await _settle(app, pilot)
        assert isinstance(app.screen, dialogs.RefusalDialog)
        await pilot.press("2", *"дорого, ё-моё")  # the comment stays Cyrillic
        await pilot.press("enter")
        await _settle(app, pilot)
        assert screen.lead.name == "ООО «Гамма»"
        await pilot.press("ь")  # M: my callbacks
        await _settle(app, pilot)
        assert isinstance(app.screen, dialogs.CallbacksDialog)
    with db.read() as session:
        outcomes = (
            session.execute(select(Interaction.outcome).where(Interaction.kind == "call").order_by(Interaction.id))
            .scalars()
            .all()
        )
        refusal = session.execute(select(Refusal)).scalar_one()
    assert outcomes == ["no_answer", "refused"]
    assert refusal.comment == "дорого, ё-моё"


async def test_the_closer_moves_a_deal_with_the_russian_bracket_keys(db, db_url, people):
    from kbase_tui.ui.pipeline.board import CloserBoard, StageList
    from kbase_tui.ui.widgets.note_dialog import AddNoteDialog

    from ..server_harness import app_on
    from ..services.pipeline_setup import hand_over

    deal_id = hand_over(db, people["caller"], people["closer"], "ООО «Ромашка»")
    app = app_on(db)
    async with app.run_test(size=(120, 36)) as pilot:
        await _sign_in(app, pilot, "petr")
        assert isinstance(app.screen, CloserBoard)
        await pilot.press("ъ")  # the key marked ]: stage forward
        await _settle(app, pilot)
        lists = {w.code: w for w in app.screen.query(StageList)}
        assert [d.id for d in lists["meeting_set"].deals] == [deal_id]
        await pilot.press("х")  # [: stage back
        await _settle(app, pilot)
        lists = {w.code: w for w in app.screen.query(StageList)}
        assert [d.id for d in lists["new"].deals] == [deal_id]
        await pilot.press("т")  # N: a note, typed in Russian
        await _settle(app, pilot)
        assert isinstance(app.screen, AddNoteDialog)


async def test_the_supervisor_opens_screens_with_russian_keys(db, db_url, people):
    from kbase_tui.ui.supervisor.desk import SupervisorDesk
    from kbase_tui.ui.supervisor.review import RefusalReview

    from ..server_harness import app_on

    app = app_on(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await _sign_in(app, pilot, "roman")
        assert isinstance(app.screen, SupervisorDesk)
        await pilot.press("к")  # R: refusals
        await _settle(app, pilot)
        assert isinstance(app.screen, RefusalReview)
        await pilot.press("escape")
        await _settle(app, pilot)
        assert isinstance(app.screen, SupervisorDesk)


async def terminal_bytes(app, pilot, data: str) -> None:
    """Send *data* as a terminal would, in one write: through Textual's own terminal parser."""
    from textual._xterm_parser import XTermParser

    parser = XTermParser()
    for event in [*parser.feed(data), *parser.feed("\x1b[0n")]:  # the report ends a pending ESC
        if getattr(event, "key", None) is None:
            continue
        event.set_sender(app)
        app._driver.send_message(event)
    await pilot.pause()
    await pilot.pause()


async def terminal_read(app, pilot, data: str) -> None:
    """*data* in one read of the terminal, then nothing more: an ESC at its head is settled by the parser's wait."""
    import time

    from textual import constants
    from textual._xterm_parser import XTermParser

    parser = XTermParser()
    events = list(parser.feed(data))
    time.sleep(constants.ESCAPE_DELAY + 0.05)
    for event in [*events, *parser.tick()]:
        if getattr(event, "key", None) is None:
            continue
        event.set_sender(app)
        app._driver.send_message(event)
    await pilot.pause()
    await pilot.pause()


async def test_alt_digits_change_the_kind_of_a_note_and_never_type_a_sign(db, db_url, people):
    """Alt+1/2/3 reach Textual as ¡ ™ £ (it reads ESC 1 as a Mac's Option+1): never typed into the note."""
    from sqlalchemy import select

    from kbase_tui.models import Interaction
    from kbase_tui.ui.widgets.note_dialog import AddNoteDialog

    from ..server_harness import app_on
    from ..services.pipeline_setup import hand_over

    deal_id = hand_over(db, people["caller"], people["closer"], "ООО «Ромашка»")
    app = app_on(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await _sign_in(app, pilot, "petr")
        await terminal_bytes(app, pilot, "т")  # N on the Russian layout: a note
        await _settle(app, pilot)
        dialog = app.screen
        assert isinstance(dialog, AddNoteDialog)
        await terminal_bytes(app, pilot, "Созвонились\x1b2")
        assert dialog.kind == "call"
        await terminal_bytes(app, pilot, ", договорились о встрече\x1b3")
        assert dialog.kind == "meeting"
        await terminal_bytes(app, pilot, "\x1b1")
        assert dialog.kind == "note"
        await terminal_bytes(app, pilot, "™")  # a Mac's Option+2
        assert dialog.kind == "call"
        text = dialog.query_one("#note-text").text
        assert text == "Созвонились, договорились о встрече"
        await pilot.press("ctrl+s")
        await _settle(app, pilot)
        assert not isinstance(app.screen, AddNoteDialog)
    with db.read() as session:
        saved = session.execute(
            select(Interaction.kind, Interaction.text).where(Interaction.deal_id == deal_id, Interaction.kind == "call")
        ).all()
    assert [(k, t) for k, t in saved if "Созвонились" in t] == [("call", "Созвонились, договорились о встрече")]


async def test_esc_and_a_letter_bunched_into_alt_letter_close_the_dialog_and_the_letter_acts(db, db_url, people):
    """ESC and a letter in one read are Alt+letter to Textual: where no Alt key of that letter is bound, they are
    Esc, then the letter, on the screen that is on top after Esc.  Bound Alt keys stay Alt keys."""
    from kbase_tui.ui.help_screen import HelpScreen
    from kbase_tui.ui.pipeline.dialogs import WonDialog
    from kbase_tui.ui.supervisor.desk import SupervisorDesk
    from kbase_tui.ui.supervisor.review import RefusalReview
    from kbase_tui.ui.widgets.note_dialog import AddNoteDialog

    from ..server_harness import app_on
    from ..services.pipeline_setup import hand_over

    hand_over(db, people["caller"], people["closer"], "ООО «Ромашка»")
    app = app_on(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await _sign_in(app, pilot, "petr")
        board = app.screen
        await terminal_bytes(app, pilot, "т")  # N: a note
        await _settle(app, pilot)
        note = app.screen
        assert isinstance(note, AddNoteDialog)
        await terminal_bytes(app, pilot, "\x1b2")  # Alt+2 is the note's own key: a call, not Esc
        assert app.screen is note and note.kind == "call"
        await terminal_read(app, pilot, "\x1bц")  # Esc, then W on the Russian layout: the deal is won
        await _settle(app, pilot)
        assert note not in app.screen_stack
        assert isinstance(app.screen, WonDialog) and app.screen_stack[-2] is board
    app = app_on(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await _sign_in(app, pilot, "roman")
        desk = app.screen
        assert isinstance(desk, SupervisorDesk)
        await pilot.press("f1")
        await _settle(app, pilot)
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("alt+r")  # as a terminal with Alt sending ESC reports Esc and R pressed together
        await _settle(app, pilot)
        assert isinstance(app.screen, RefusalReview) and app.screen_stack[-2] is desk


async def test_type_to_find_on_the_closers_board_and_the_account_list(db, db_url, people, make_user):
    """The client calls in: / (the key that types . on the Russian layout), a piece of the name, Enter."""
    from sqlalchemy import update

    from kbase_tui.models import Company
    from kbase_tui.ui.accounts.card import AccountCardScreen
    from kbase_tui.ui.pipeline.board import CloserBoard
    from kbase_tui.ui.pipeline.card import DealCardScreen
    from kbase_tui.ui.widgets.find_dialog import FindClientDialog

    from ..server_harness import app_on
    from ..services.account_setup import account_company
    from ..services.pipeline_setup import hand_over

    hand_over(db, people["caller"], people["closer"], "ООО «Ромашка»")
    deal_id = hand_over(db, people["caller"], people["closer"], "ООО «Ёлочка»")
    anna = make_user("account", "anna")
    account_id = account_company(db, anna, "АО «Елисей»")
    with db.write() as session:
        session.execute(update(Company).where(Company.id == account_id).values(inn="7701234567"))
    app = app_on(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await _sign_in(app, pilot, "petr")
        assert isinstance(app.screen, CloserBoard)
        await pilot.press(".")  # the / key on the Russian layout
        await _settle(app, pilot)
        assert isinstance(app.screen, FindClientDialog)
        await pilot.press(*"ЕЛОЧ")  # ё typed as е, in capitals
        await pilot.pause(0.3)
        await _settle(app, pilot)
        assert [m.name for m in app.screen.matches] == ["ООО «Ёлочка»"]
        await pilot.press("enter")
        await _settle(app, pilot)
        assert isinstance(app.screen, DealCardScreen) and app.screen.deal_id == deal_id
        await pilot.press("ctrl+l")
        await _settle(app, pilot)
        await _sign_in(app, pilot, "anna")
        await pilot.press("slash", *"7701", "enter")  # Enter before the list caught up: still found
        await _settle(app, pilot)
        assert isinstance(app.screen, AccountCardScreen) and app.screen.company_id == account_id


@pytest.mark.usefixtures("no_rate_limits")
async def test_a_burst_of_keys_is_applied_in_order_across_dialogs(db, db_url, people):
    """One write from the terminal (a laggy SSH link, a fast typist): the outcome key, the dialog's
    keys and the text all land where they belong, in order."""
    from datetime import datetime, timedelta

    from sqlalchemy import select

    from kbase_tui.models import Company, Interaction, Refusal
    from kbase_tui.ui.queue.screen import CallerQueue

    from ..server_harness import app_on
    from ..services.queue_setup import add_company

    first = add_company(db, "ООО «Альфа»")
    add_company(db, "ООО «Бета»")
    add_company(db, "ООО «Гамма»")
    when = (datetime.now(ZoneInfo("Europe/Moscow")) + timedelta(days=2)).replace(
        hour=15, minute=30, second=0, microsecond=0
    )
    app = app_on(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await _sign_in(app, pilot, "olga")
        screen = app.screen
        assert isinstance(screen, CallerQueue)
        await terminal_bytes(app, pilot, "с" + when.strftime("%d.%m.%Y %H:%M") + "\r")
        await _settle(app, pilot, 6)
        assert app.screen is screen and screen.lead.name == "ООО «Бета»"
        await terminal_bytes(app, pilot, "к2дорого\r")
        await _settle(app, pilot, 6)
        assert app.screen is screen and screen.lead.name == "ООО «Гамма»"
    with db.read() as session:
        assert session.get(Company, first).callback_at == when
        refusal = session.execute(select(Refusal)).scalar_one()
        outcomes = (
            session.execute(select(Interaction.outcome).where(Interaction.kind == "call").order_by(Interaction.id))
            .scalars()
            .all()
        )
    assert (refusal.reason_code, refusal.comment) == ("no_need", "дорого")
    assert outcomes == ["callback", "refused"]


async def test_an_alt_key_of_the_screen_below_pressed_in_a_dialog_keeps_the_dialog(db, db_url, people):
    """The card's Alt+C pressed in the note dialog over it (the card's key, not the dialog's) is an Alt key the
    person meant, not Esc and C bunched: the dialog stays, and no "c" is typed into the card's field under it."""
    from textual.widgets import Input

    from kbase_tui.ui.pipeline.card import DealCardScreen
    from kbase_tui.ui.widgets.note_dialog import AddNoteDialog

    from ..server_harness import app_on
    from ..services.pipeline_setup import hand_over

    deal_id = hand_over(db, people["caller"], people["closer"], "ООО «Ромашка»")
    app = app_on(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await _sign_in(app, pilot, "petr")
        app.push_screen(DealCardScreen(deal_id))
        await _settle(app, pilot)
        card = app.screen
        assert isinstance(card, DealCardScreen)
        fields = {w.id: w.value for w in card.query(Input)}
        await pilot.press("alt+n")  # the card's note
        await _settle(app, pilot)
        note = app.screen
        assert isinstance(note, AddNoteDialog)
        from textual.widgets import TextArea

        typed = note.query_one(TextArea).text
        # Alt+C on either layout, the card's "add contact", out of habit; with Caps Lock on too.
        for data in ("\x1bc", "\x1bс", "\x1bC", "\x1bС"):
            await terminal_read(app, pilot, data)
            await _settle(app, pilot)
            assert app.screen is note, (data, app.screen_stack)
            assert note.query_one(TextArea).text == typed, data  # nothing typed into the note either
        assert {w.id: w.value for w in card.query(Input)} == fields


async def test_esc_and_a_letter_bunched_never_throw_away_a_typed_note(db, db_url, people):
    """Esc on a note with text asks before throwing it away, and Y answers; the Н (the Russian Y, the commonest
    letter) that came bunched with that Esc was typed for the screen under the dialog: it is not taken as the
    answer, and a toast says so.  Н pressed once the question is there answers it."""
    from textual.widgets import TextArea

    from kbase_tui.ui.widgets.confirm import DiscardDialog
    from kbase_tui.ui.widgets.note_dialog import AddNoteDialog

    from ..server_harness import app_on
    from ..services.pipeline_setup import hand_over

    hand_over(db, people["caller"], people["closer"], "ООО «Ромашка»")
    app = app_on(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await _sign_in(app, pilot, "petr")
        await terminal_bytes(app, pilot, "т")  # N: a note
        await _settle(app, pilot)
        note = app.screen
        assert isinstance(note, AddNoteDialog)
        await pilot.press(*"Договорились")
        text = note.query_one(TextArea).text
        assert "Договорились" in text
        await terminal_read(app, pilot, "\x1bн")
        await _settle(app, pilot)
        assert note in app.screen_stack, app.screen_stack
        assert isinstance(app.screen, DiscardDialog)
        assert note.query_one(TextArea).text == text
        assert any("came together with Esc" in str(n.message) for n in app._notifications)
        await terminal_bytes(app, pilot, "н")  # Y pressed once the question is there: the note goes
        await _settle(app, pilot)
        assert note not in app.screen_stack


async def test_alt_keys_with_caps_lock_on_act_as_alt_keys(db, db_url, people):
    """With Caps Lock on, the card's Alt+N reaches the app as Alt+Shift+N (a terminal cannot tell Caps Lock from
    Shift): it opens the note, on either layout, instead of being split into Esc (closing the card) and "N"."""
    from kbase_tui.ui.pipeline.card import DealCardScreen
    from kbase_tui.ui.widgets.note_dialog import AddNoteDialog

    from ..server_harness import app_on
    from ..services.pipeline_setup import hand_over

    deal_id = hand_over(db, people["caller"], people["closer"], "ООО «Ромашка»")
    app = app_on(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await _sign_in(app, pilot, "petr")
        for data in ("\x1bN", "\x1bТ"):  # Alt+N with Caps Lock, Latin and Russian layout
            app.push_screen(DealCardScreen(deal_id))
            await _settle(app, pilot)
            card = app.screen
            assert isinstance(card, DealCardScreen)
            await terminal_read(app, pilot, data)
            await _settle(app, pilot)
            assert isinstance(app.screen, AddNoteDialog), (data, app.screen_stack)
            assert card in app.screen_stack
            app.pop_screen()
            await _settle(app, pilot)
            app.pop_screen()
            await _settle(app, pilot)


async def test_esc_and_a_sign_bunched_are_esc_then_the_sign(db, db_url, people):
    """Esc, ] typed fast on the deal card: the card closes and the deal moves on.  Textual reported ESC and a sign
    in one read as the sign alone: the Esc was lost and "]" was typed into the card's focused field."""
    from sqlalchemy import select

    from kbase_tui.models import Deal
    from kbase_tui.ui.pipeline.board import CloserBoard
    from kbase_tui.ui.pipeline.card import DealCardScreen

    from ..server_harness import app_on
    from ..services.pipeline_setup import hand_over

    deal_id = hand_over(db, people["caller"], people["closer"], "ООО «Ромашка»")
    app = app_on(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await _sign_in(app, pilot, "petr")
        board = app.screen
        assert isinstance(board, CloserBoard)
        await pilot.press("enter")
        await _settle(app, pilot)
        card = app.screen
        assert isinstance(card, DealCardScreen)
        await terminal_read(app, pilot, "\x1b]")
        await _settle(app, pilot)
        assert app.screen is board, app.screen_stack
        with db.read() as session:
            assert session.execute(select(Deal.stage_code).where(Deal.id == deal_id)).scalar_one() == "meeting_set"
