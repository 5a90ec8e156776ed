"""`ServiceCalls.call` (ui/base.py) in a signed-in app: which answers reach a screen when two calls overlap.

A tiny screen of its own calls real operations through the app's client and the test server; the client holds
back the answer of the first call of an operation until the second call of it has had its answer (the order a
slow link can bring them in), then hands it back even though the app gave up on that call: an answer already
on its way still arrives (`HeldAnswers`).  A read (`reads=True`) called again by the same screen supersedes
the older call: only the newer answer reaches `done`, and an error of the older one is not shown.  Writes are
never superseded: each answer and each error reaches the person.  A named group keeps its own `exclusive`.
"""

from __future__ import annotations

import pytest
from textual.app import ComposeResult
from textual.widgets import Static

from kbase_tui.protocol import companies, settings
from kbase_tui.protocol.companies import BaseQuery
from kbase_tui.protocol.errors import NotFound, ValidationFailed
from kbase_tui.ui.base import KbaseScreen, ServiceCalls

from ..conftest import PASSWORD
from ..server_harness import app_on
from ..services.supervisor_data import add_company
from .helpers import HeldAnswers, settle, sign_in


class Panel(ServiceCalls, Static):
    """A widget of the probe screen that calls on its own: another node than the screen."""


class Probe(KbaseScreen):
    """Calls what a test asks for and notes what reaches `done` and `failed`."""

    def __init__(self) -> None:
        super().__init__()
        self.answers: list = []
        self.errors: list = []

    def compose(self) -> ComposeResult:
        yield Static("probe")
        yield Panel("panel")

    def ask(self, op, *args, note: str, node=None, **kwargs):
        return (node or self).call(
            op,
            *args,
            done=lambda answer: self.answers.append((note, answer)),
            failed=lambda error: self.errors.append((note, error)),
            **kwargs,
        )


async def _probe(app, pilot, db, make_user) -> Probe:
    make_user("supervisor", "boss")
    await sign_in(app, pilot, "boss", PASSWORD)
    probe = Probe()
    await app.push_screen(probe)
    await settle(app, pilot)
    return probe


def _names(page) -> list[str]:
    return [row.name for row in page.rows]


def _notices(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


def _seed(db) -> dict[str, int]:
    return {name: add_company(db, name, city="Казань") for name in ("ООО Альфа", "ООО Бета")}


async def test_a_newer_read_supersedes_the_older_one_whose_late_answer_is_dropped(db, make_user):
    _seed(db)
    app = app_on(db)
    async with app.run_test(size=(100, 30)) as pilot:
        probe = await _probe(app, pilot, db, make_user)
        held = HeldAnswers(app, companies.search)
        older = probe.ask(companies.search, BaseQuery(text="Альфа"), note="older")
        await held.answered()
        newer = probe.ask(companies.search, BaseQuery(text="Бета"), note="newer")
        await settle(app, pilot)
        assert held.delivered_late == [companies.search]  # the older answer did come back to the app
        assert older.is_cancelled and not newer.is_cancelled
        assert [(note, _names(page)) for note, page in probe.answers] == [("newer", ["ООО Бета"])]
        assert probe.errors == []


async def test_a_superseded_read_is_cancelled_before_its_answer_arrives(db, make_user):
    _seed(db)
    app = app_on(db)
    async with app.run_test(size=(100, 30)) as pilot:
        probe = await _probe(app, pilot, db, make_user)
        held = HeldAnswers(app, companies.search, late=False)
        older = probe.ask(companies.search, BaseQuery(text="Альфа"), note="older")
        await held.answered()
        probe.ask(companies.search, BaseQuery(text="Бета"), note="newer")
        await settle(app, pilot)
        assert older.is_cancelled and held.delivered_late == []
        assert [(note, _names(page)) for note, page in probe.answers] == [("newer", ["ООО Бета"])]


async def test_the_error_of_a_superseded_read_is_not_shown(db, make_user):
    ids = _seed(db)
    app = app_on(db)
    async with app.run_test(size=(100, 30)) as pilot:
        probe = await _probe(app, pilot, db, make_user)
        missing = max(ids.values()) + 1000
        with pytest.raises(NotFound):  # the server refuses it
            await app.client.call(companies.card, missing)
        held = HeldAnswers(app, companies.card)
        probe.ask(companies.card, missing, note="older")
        await held.answered()
        probe.ask(companies.card, ids["ООО Бета"], note="newer")
        await settle(app, pilot)
        assert held.delivered_late == [companies.card]
        assert probe.errors == []
        assert [(note, card.company.name) for note, card in probe.answers] == [("newer", "ООО Бета")]
        # Without a `failed` of its own, the error would have been a notice: none is.
        before = len(_notices(app))
        held = HeldAnswers(app, companies.card)
        probe.call(companies.card, missing)
        await held.answered()
        probe.call(companies.card, ids["ООО Альфа"])
        await settle(app, pilot)
        assert held.delivered_late == [companies.card]
        assert _notices(app)[before:] == []


async def test_every_write_reaches_done_and_every_write_error_is_shown(db, make_user):
    app = app_on(db)
    async with app.run_test(size=(100, 30)) as pilot:
        probe = await _probe(app, pilot, db, make_user)
        held = HeldAnswers(app, settings.change_setting)
        probe.ask(settings.change_setting, "pipeline.stale_days", "9", note="first")
        await held.answered()
        probe.ask(settings.change_setting, "pipeline.stale_days", "11", note="second")
        await settle(app, pilot)
        assert held.delivered_late == [settings.change_setting]
        # Both answers, the held one last: a write is never dropped, whatever came after it.
        assert [(note, row.value) for note, row in probe.answers] == [("second", "11"), ("first", "9")]
        assert probe.errors == []

        held = HeldAnswers(app, settings.change_setting)
        probe.ask(settings.change_setting, "pipeline.stale_days", "999", note="refused")  # out of range
        await held.answered()
        probe.ask(settings.change_setting, "pipeline.stale_days", "12", note="saved")
        await settle(app, pilot)
        assert [note for note, _row in probe.answers[2:]] == ["saved"]
        assert [(note, type(error)) for note, error in probe.errors] == [("refused", ValidationFailed)]

        # Without a `failed` of its own, the refused write is a notice on the screen.
        before = len(_notices(app))
        held = HeldAnswers(app, settings.change_setting)
        probe.call(settings.change_setting, "pipeline.stale_days", "0")
        await held.answered()
        probe.call(settings.change_setting, "pipeline.stale_days", "13")
        await settle(app, pilot)
        assert held.delivered_late == [settings.change_setting]
        shown = _notices(app)[before:]
        assert len(shown) == 1 and "1" in shown[0] and "365" in shown[0], shown


async def test_a_named_group_that_is_not_exclusive_keeps_both_answers(db, make_user):
    _seed(db)
    app = app_on(db)
    async with app.run_test(size=(100, 30)) as pilot:
        probe = await _probe(app, pilot, db, make_user)
        held = HeldAnswers(app, companies.search)
        probe.ask(companies.search, BaseQuery(text="Альфа"), note="older", group="both", exclusive=False)
        await held.answered()
        probe.ask(companies.search, BaseQuery(text="Бета"), note="newer", group="both", exclusive=False)
        await settle(app, pilot)
        assert [(note, _names(page)) for note, page in probe.answers] == [
            ("newer", ["ООО Бета"]),
            ("older", ["ООО Альфа"]),
        ]
        # The same group, exclusive: the newer one supersedes.
        probe.answers.clear()
        held = HeldAnswers(app, companies.search)
        probe.ask(companies.search, BaseQuery(text="Альфа"), note="older", group="one", exclusive=True)
        await held.answered()
        probe.ask(companies.search, BaseQuery(text="Бета"), note="newer", group="one", exclusive=True)
        await settle(app, pilot)
        assert held.delivered_late == [companies.search]
        assert [(note, _names(page)) for note, page in probe.answers] == [("newer", ["ООО Бета"])]


async def test_a_read_supersedes_only_its_own_operation_on_its_own_node(db, make_user):
    ids = _seed(db)
    app = app_on(db)
    async with app.run_test(size=(100, 30)) as pilot:
        probe = await _probe(app, pilot, db, make_user)
        panel = probe.query_one(Panel)
        # Another operation on the same screen, and the same operation on another node: neither supersedes.
        held = HeldAnswers(app, companies.search)
        probe.ask(companies.search, BaseQuery(text="Альфа"), note="screen")
        await held.answered()
        probe.ask(companies.card, ids["ООО Бета"], note="card")
        probe.ask(companies.search, BaseQuery(text="Бета"), note="panel", node=panel)
        await settle(app, pilot)
        assert held.delivered_late == [companies.search]
        assert sorted(note for note, _answer in probe.answers) == ["card", "panel", "screen"]
        assert probe.errors == []
        # The panel's own second call supersedes its first.
        probe.answers.clear()
        held = HeldAnswers(app, companies.search)
        probe.ask(companies.search, BaseQuery(text="Альфа"), note="older", node=panel)
        await held.answered()
        probe.ask(companies.search, BaseQuery(text="Бета"), note="newer", node=panel)
        await settle(app, pilot)
        assert [(note, _names(page)) for note, page in probe.answers] == [("newer", ["ООО Бета"])]
