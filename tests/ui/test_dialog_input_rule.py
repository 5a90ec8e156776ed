"""One rule for every dialog with a text field, on every dialog of the app (table-driven).

Typed text is never silently replaced, never lost on Tab, Enter or Esc, never lands in another
field; keys that arrive in one burst (a paste, keys bunched by a laggy SSH link) are applied in
order; a password is never shown.

Each dialog is opened for real (signed in through the test's server, its lists loaded by its own
operations), then:

- **burst**: from the field that has the focus, round the whole focus chain once, a sample text
  in every text field and Tab after it (Tab alone on lists, choices and buttons), all the key
  events posted at once, no pause between them: each field holds its own sample, no other;
- **back**: Shift+Tab round the chain and the cursor keys: nothing typed is selected and replaced
  when a field gets the focus again (a character typed then goes after the text);
- **paste**: the same texts as one bracketed paste, fields separated by Tab characters;
- **escape**: Esc on the dialog with typed text closes nothing: it asks, and `n` goes back to the
  text untouched; Esc then `y` closes the dialog and the text is gone on purpose;
- **password**: a password field's sample appears nowhere on the screen.

Dialogs without a text field (lists to pick from, confirmations) are listed at the end: the rule
has nothing to hold there, and the test checks that they still have none.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from textual import events
from textual.keys import _character_to_key
from textual.screen import Screen
from textual.widgets import Input, TextArea

from kbase_tui.services import reference
from kbase_tui.timezones import business_today

from ..conftest import PASSWORD
from ..server_harness import app_on
from .helpers import settle

TODAY = business_today()


# --- keys as a terminal sends them: all at once ------------------------------------------------------


def key_event(key: str) -> events.Key:
    if len(key) == 1:
        name = key if key.isalnum() else _character_to_key(key)
        return events.Key(name, key)
    return events.Key(key, None)


def burst(app, items: list[str | events.Event]) -> None:
    """Post every key (and paste) to the app at once, as the driver does for one read of the terminal."""
    driver = app._driver
    for item in items:
        event = item if isinstance(item, events.Event) else key_event(item)
        event.set_sender(app)
        driver.send_message(event)


async def arrive(app, pilot) -> None:
    await asyncio.sleep(0.05)
    await settle(app, pilot)
    await pilot.pause(0.05)
    await settle(app, pilot)


# --- the dialogs ------------------------------------------------------------------------------------


@dataclass
class World:
    """Two of everything: a test that saves on the first may open the same dialog on the second."""

    db: object
    people: dict
    cold_ids: tuple[int, int]
    deal_ids: tuple[int, int]
    account_ids: tuple[int, int]
    slot: int = 0

    @property
    def cold_id(self) -> int:
        return self.cold_ids[self.slot]

    @property
    def deal_id(self) -> int:
        return self.deal_ids[self.slot]

    @property
    def account_id(self) -> int:
        return self.account_ids[self.slot]


@dataclass
class Case:
    role: str
    open: Callable[[object, World], Awaitable[Screen]]


def _screen(factory):
    async def open_(app, world):
        return factory(world)

    return open_


def _loaded(op, factory, *args):
    async def open_(app, world):
        data = await app.client.call(op, *[a(world) if callable(a) else a for a in args])
        return factory(world, data)

    return open_


def _cases() -> dict[str, Case]:
    from kbase_tui.protocol import accounts as accounts_ops
    from kbase_tui.protocol import companies, hours, refusals, settings, targets
    from kbase_tui.protocol.companies import BaseQuery
    from kbase_tui.protocol.refusals import RefusalFilter
    from kbase_tui.ui.accounts import dialogs as acc
    from kbase_tui.ui.admin.dialogs import AddUserDialog, PasswordDialog
    from kbase_tui.ui.login.screen import ChangePasswordScreen
    from kbase_tui.ui.pipeline import dialogs as pipe
    from kbase_tui.ui.playbook.supervisor import NumberDialog
    from kbase_tui.ui.queue import dialogs as queue_dialogs
    from kbase_tui.ui.supervisor.base_search import BaseFilterDialog
    from kbase_tui.ui.supervisor.calling_hours import WindowDialog
    from kbase_tui.ui.supervisor.company_card import CompanyFixDialog, MergeDialog
    from kbase_tui.ui.supervisor.dialogs import OfferDialog, RefusalFilterDialog, ShelveDialog
    from kbase_tui.ui.supervisor.export_dialog import ExportDialog
    from kbase_tui.ui.supervisor.import_dialog import ImportDialog
    from kbase_tui.ui.supervisor.reports import PeriodDialog
    from kbase_tui.ui.supervisor.settings import SettingDialog
    from kbase_tui.ui.supervisor.targets import TargetDialog
    from kbase_tui.ui.widgets.contact_editor import ContactEditor
    from kbase_tui.ui.widgets.find_dialog import FindClientDialog
    from kbase_tui.ui.widgets.note_dialog import AddNoteDialog

    async def quality(app, world):
        tasks = await app.client.call(accounts_ops.my_tasks)
        return acc.QualityDialog(
            next(t for t in tasks if t.kind == "quality_check" and t.company_id == world.account_id)
        )

    return {
        "queue.callback": Case("caller", _screen(lambda w: queue_dialogs.CallbackDialog("ООО «Альфа»"))),
        "queue.refusal": Case("caller", _screen(lambda w: queue_dialogs.RefusalDialog("ООО «Альфа»"))),
        "queue.handover": Case("caller", _screen(lambda w: queue_dialogs.HandoverDialog("ООО «Альфа»"))),
        "queue.comment": Case("caller", _screen(lambda w: queue_dialogs.CommentDialog("ООО «Альфа»", "Bad data"))),
        "note": Case("closer", _screen(lambda w: AddNoteDialog(w.deal_id))),
        "contact": Case("supervisor", _screen(lambda w: ContactEditor(w.cold_id))),
        "find": Case("closer", _screen(lambda w: FindClientDialog())),
        "pipeline.won": Case("closer", _screen(lambda w: pipe.WonDialog(w.deal_id, "ООО «Бета»", 0))),
        "pipeline.lost": Case("closer", _screen(lambda w: pipe.LostDialog(w.deal_id, "ООО «Бета»"))),
        "pipeline.reassign": Case("supervisor", _screen(lambda w: pipe.ReassignDialog(w.deal_id, "ООО «Бета»", None))),
        "pipeline.comment": Case("supervisor", _screen(lambda w: pipe.CommentDialog(w.deal_id, "ООО «Бета»", ""))),
        "accounts.order": Case("account", _screen(lambda w: acc.OrderDialog(w.account_id, "ООО «Гамма»"))),
        "accounts.follow_up": Case("account", _screen(lambda w: acc.FollowUpDialog(w.account_id, "ООО «Гамма»"))),
        "accounts.quality": Case("account", quality),
        "accounts.potential": Case("account", _screen(lambda w: acc.PotentialDialog(w.account_id, "ООО «Гамма»", 0))),
        "accounts.lost": Case("account", _screen(lambda w: acc.LostDialog(w.account_id, "ООО «Гамма»"))),
        "accounts.requirements": Case(
            "account", _screen(lambda w: acc.RequirementsDialog(w.account_id, "ООО «Гамма»", ""))
        ),
        "accounts.reassign": Case(
            "supervisor", _screen(lambda w: acc.ReassignDialog(w.account_id, "ООО «Гамма»", None))
        ),
        "admin.add_user": Case("admin", _screen(lambda w: AddUserDialog())),
        "admin.password": Case("admin", _screen(lambda w: PasswordDialog("anna"))),
        "change_password": Case("caller", _screen(lambda w: ChangePasswordScreen())),
        "supervisor.offer": Case("supervisor", _loaded(refusals.active_callers, lambda w, c: OfferDialog(2, c))),
        "supervisor.shelve": Case("supervisor", _screen(lambda w: ShelveDialog(2, TODAY + timedelta(days=90)))),
        "supervisor.refusal_filter": Case(
            "supervisor", _loaded(refusals.filter_choices, lambda w, c: RefusalFilterDialog(RefusalFilter(), c))
        ),
        "supervisor.base_filter": Case(
            "supervisor", _loaded(companies.choices, lambda w, c: BaseFilterDialog(BaseQuery(), c))
        ),
        "supervisor.fix": Case(
            "supervisor", _loaded(companies.card, lambda w, c: CompanyFixDialog(c), lambda w: w.cold_id)
        ),
        "supervisor.merge": Case(
            "supervisor", _loaded(companies.card, lambda w, c: MergeDialog(c), lambda w: w.cold_id)
        ),
        "supervisor.target": Case("supervisor", _loaded(targets.people, lambda w, p: TargetDialog(p, TODAY))),
        "supervisor.period": Case("supervisor", _screen(lambda w: PeriodDialog(TODAY - timedelta(days=6), TODAY))),
        "supervisor.import": Case("supervisor", _screen(lambda w: ImportDialog())),
        "supervisor.export": Case("supervisor", _screen(lambda w: ExportDialog())),
        "supervisor.number": Case("supervisor", _screen(lambda w: NumberDialog("Standard", "Days", 7))),
        "supervisor.setting": Case(
            "supervisor",
            _loaded(settings.list_settings, lambda w, rows: SettingDialog(next(r for r in rows if r.editable))),
        ),
        "supervisor.calling_window": Case("supervisor", _loaded(hours.calling_window, lambda w, v: WindowDialog(v))),
        "supervisor.channel_window": Case(
            "supervisor", _loaded(hours.calling_window, lambda w, v: WindowDialog(v, for_channel=True))
        ),
    }


CASES = _cases()
PASSWORDS = {"admin.add_user", "admin.password", "change_password"}
USERS = {"caller": "anna", "closer": "petr", "account": "olga", "supervisor": "boss", "admin": "it"}


@pytest.fixture
def db_url(tmp_path, sqlite_template) -> str:
    """SQLite only: what a dialog does with keys does not depend on the database behind the server (the
    services' tests run on both), and 155 dialog openings on each would double the suite's time."""
    import os
    import shutil

    target = tmp_path / "kbase.sqlite3"
    shutil.copy(sqlite_template, target)
    os.chmod(target, 0o600)
    return f"sqlite:///{target}"


@pytest.fixture
def world(db, make_user) -> World:
    from ..services.account_setup import account_company, order
    from ..services.pipeline_setup import hand_over
    from ..services.queue_setup import add_company

    people = {role: make_user(role, name, full_name=f"{name.title()} Тестова") for role, name in USERS.items()}
    with db.write() as session:
        for key in (
            "security.leads_per_minute",
            "security.card_views_per_hour",
            "security.list_views_per_hour",
            "security.searches_per_hour",
        ):
            reference.set_setting(session, key, 0)
    deal_ids = tuple(hand_over(db, people["caller"], people["closer"], f"ООО «Бета {n}»") for n in (1, 2))
    cold_ids = tuple(add_company(db, f"ООО «Альфа {n}»") for n in (1, 2))
    account_ids = tuple(account_company(db, people["account"], f"ООО «Гамма {n}»") for n in (1, 2))
    for account_id in account_ids:
        order(db, people["account"], account_id, TODAY - timedelta(days=3), "1000", today=TODAY)
    return World(db, people, cold_ids, deal_ids, account_ids)


# --- what is typed where -----------------------------------------------------------------------------

SAMPLES = ("Ёлка {n} и ель", "{n}", "4{n}")


def sample_for(field, n: int) -> str:
    """Text the field accepts as typed (its restrict, type and length), distinct per field."""
    import re

    if isinstance(field, TextArea):
        return SAMPLES[0].format(n=n)
    for pattern in SAMPLES:
        text = pattern.format(n=n)
        if field.max_length and len(text) > field.max_length:
            continue
        if field.restrict and not re.fullmatch(field.restrict, text):
            continue
        if field.type == "integer" and not text.isdigit():
            continue
        if field.type == "number" and not text.replace(".", "", 1).isdigit():
            continue
        return text
    return "3"


def value_of(field) -> str:
    return field.text if isinstance(field, TextArea) else field.value


def text_fields(screen) -> list:
    return [w for w in screen.focus_chain if isinstance(w, (Input, TextArea))]


def chain_from_focus(screen) -> list:
    chain = list(screen.focus_chain)
    start = chain.index(screen.focused) if screen.focused in chain else 0
    return chain[start:] + chain[:start]


def plan(screen) -> tuple[list, dict]:
    """The burst that fills every text field round the chain once, and what each field should then hold."""
    keys: list = []
    wanted: dict = {}
    for n, widget in enumerate(chain_from_focus(screen), 1):
        if isinstance(widget, (Input, TextArea)):
            text = sample_for(widget, n)
            wanted[widget] = text
            keys.extend(text)
        keys.append("tab")
    return keys, wanted


def check_fields(screen, wanted: dict) -> None:
    for field, text in wanted.items():
        assert text in value_of(field), (field.id, value_of(field), text)
        for other, other_text in wanted.items():
            if other is not field:
                assert other_text not in value_of(field) or other_text in text, (field.id, value_of(field))


async def open_dialog(app, pilot, world: World, name: str, *, wait: bool = True) -> Screen:
    case = CASES[name]
    await settle(app, pilot)
    if app.actor is None:
        app.resumed(await app.client.sign_in(USERS[case.role], PASSWORD))
    dialog = await case.open(app, world)
    await app.push_screen(dialog)
    if wait:
        await arrive(app, pilot)
        assert app.screen is dialog
    return dialog


def by_id(screen, wanted: dict) -> dict:
    return {field.id: text for field, text in wanted.items()}


def fields_by_id(screen, wanted_ids: dict) -> dict:
    return {screen.query_one(f"#{field_id}"): text for field_id, text in wanted_ids.items()}


async def planned(app, pilot, world, name):
    """The plan made on one opening of the dialog, by field id; that opening closed again."""
    dialog = await open_dialog(app, pilot, world, name)
    assert text_fields(dialog), "a dialog of this table has a text field"
    keys, wanted = plan(dialog)
    ids = by_id(dialog, wanted)
    order = [w.id for w in chain_from_focus(dialog)]
    app.pop_screen()
    await arrive(app, pilot)
    return keys, ids, order


@pytest.mark.parametrize("name", sorted(CASES))
async def test_a_burst_from_the_moment_the_dialog_opens_fills_each_field_in_order(world, db, name):
    # The keys arrive before the dialog has its lists or its data from the server: they wait.
    app = app_on(db)
    async with app.run_test(size=(120, 40)) as pilot:
        keys, ids, _order = await planned(app, pilot, world, name)
        dialog = await open_dialog(app, pilot, world, name, wait=False)
        burst(app, keys)
        await arrive(app, pilot)
        assert app.screen is dialog
        check_fields(dialog, fields_by_id(dialog, ids))


@pytest.mark.parametrize("name", sorted(CASES))
async def test_a_field_that_gets_the_focus_again_keeps_what_was_typed(world, db, name):
    app = app_on(db)
    async with app.run_test(size=(120, 40)) as pilot:
        dialog = await open_dialog(app, pilot, world, name)
        keys, wanted = plan(dialog)
        burst(app, keys)
        await arrive(app, pilot)
        # Round the chain backwards: a field that gets the focus again takes the next character after its text.
        back = []
        for widget in [dialog.focused, *reversed(chain_from_focus(dialog)[1:])]:
            if widget in wanted:
                extra = "5" if getattr(widget, "restrict", None) or getattr(widget, "type", "text") != "text" else "Z"
                candidate = wanted[widget] + extra
                if isinstance(widget, Input) and (
                    (widget.max_length and len(candidate) > widget.max_length)
                    or (widget.restrict and not __import__("re").fullmatch(widget.restrict, candidate))
                ):
                    extra = ""
                back.extend(extra)
                wanted[widget] = candidate if extra else wanted[widget]
            back.append("shift+tab")
        burst(app, back)
        await arrive(app, pilot)
        assert app.screen is dialog
        for field, text in wanted.items():
            assert value_of(field).endswith(text) or value_of(field) == text, (field.id, value_of(field), text)


@pytest.mark.parametrize("name", sorted(CASES))
async def test_a_paste_fills_the_fields_in_order(world, db, name):
    app = app_on(db)
    async with app.run_test(size=(120, 40)) as pilot:
        dialog = await open_dialog(app, pilot, world, name)
        _keys, wanted = plan(dialog)
        # One paste per field with Tab keys between, then the whole form as one paste, Tab-separated.
        items: list = []
        for widget in chain_from_focus(dialog):
            if widget in wanted:
                items.append(events.Paste(wanted[widget]))
            items.append("tab")
        burst(app, items)
        await arrive(app, pilot)
        assert app.screen is dialog
        check_fields(dialog, wanted)
        # One-line fields one after the other take a Tab-separated row (a spreadsheet's) in one paste.
        dialog2 = await open_dialog(app, pilot, world, name)
        _keys, wanted2 = plan(dialog2)
        row = []
        for widget in chain_from_focus(dialog2):
            if not isinstance(widget, Input):
                break
            row.append(widget)
        if len(row) >= 2:
            burst(app, [events.Paste("\t".join(wanted2[widget] for widget in row) + "\r\n")])
            await arrive(app, pilot)
            assert app.screen is dialog2
            check_fields(dialog2, {widget: wanted2[widget] for widget in row})


@pytest.mark.parametrize("name", sorted(CASES))
async def test_esc_with_typed_text_asks_before_anything_is_lost(world, db, name):
    from kbase_tui.ui.widgets.confirm import DiscardDialog

    app = app_on(db)
    async with app.run_test(size=(120, 40)) as pilot:
        dialog = await open_dialog(app, pilot, world, name)
        burst(app, ["escape"])  # nothing typed: closes at once
        await arrive(app, pilot)
        assert dialog not in app.screen_stack
        dialog = await open_dialog(app, pilot, world, name)
        keys, wanted = plan(dialog)
        burst(app, [*keys, "escape"])
        await arrive(app, pilot)
        assert isinstance(app.screen, DiscardDialog)
        burst(app, ["n"])
        await arrive(app, pilot)
        assert app.screen is dialog
        check_fields(dialog, wanted)
        # A y typed with the Esc, before the question was on the screen, is not its answer: nobody read it.
        burst(app, ["escape", "y"])
        await arrive(app, pilot)
        assert isinstance(app.screen, DiscardDialog)
        burst(app, ["y"])
        await arrive(app, pilot)
        assert dialog not in app.screen_stack


@pytest.mark.parametrize("name", sorted(CASES))
async def test_enter_in_a_burst_does_what_enter_typed_slowly_does(world, db, name):
    # Enter saves, moves on or says what is missing; whichever, keys after it go where they would
    # have gone had they been typed one at a time.
    results = []
    for fast in (False, True):
        world.slot = int(fast)
        app = app_on(db)
        async with app.run_test(size=(120, 40)) as pilot:
            dialog = await open_dialog(app, pilot, world, name)
            keys: list = []
            for n, widget in enumerate(chain_from_focus(dialog), 1):
                if isinstance(widget, (Input, TextArea)):
                    keys.extend(sample_for(widget, n))
                keys.append("enter" if isinstance(widget, Input) else "tab")
            if fast:
                burst(app, keys)
            else:
                for key in keys:
                    burst(app, [key])
                    await arrive(app, pilot)
            await arrive(app, pilot)
            open_ = dialog in app.screen_stack
            results.append((open_, {f.id: value_of(f) for f in text_fields(dialog)} if open_ else None))
    assert results[1] == results[0]


@pytest.mark.parametrize("name", sorted(n for n in CASES if n in PASSWORDS))
async def test_a_password_is_never_shown(world, db, name):
    app = app_on(db)
    async with app.run_test(size=(120, 40)) as pilot:
        dialog = await open_dialog(app, pilot, world, name)
        keys, wanted = plan(dialog)
        burst(app, keys)
        await arrive(app, pilot)
        shown = app.export_screenshot()
        secrets = [text for field, text in wanted.items() if isinstance(field, Input) and field.password]
        assert secrets
        for secret in secrets:
            assert secret not in shown.replace("&#160;", " ")
