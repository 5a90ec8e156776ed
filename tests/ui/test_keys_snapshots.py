"""SVG snapshots at 80x24 of the screens an operator lives in, in Russian: the caller's queue with a
lead whose numbers and outcome bar must not break, the callback dialog, the find dialog over the
closer's board, the lock screen and the account manager's list.

Fixed data; the clock is UTC (the autouse fixture of test_pipeline_snapshots)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kbase_tui.i18n import set_language
from kbase_tui.services import reference

from ..services.pipeline_setup import hand_over
from ..services.queue_setup import add_company
from .test_pipeline_snapshots import TODAY, PreparedApp, _actor, _settle, vladivostok_process, world  # noqa: F401 (fixtures)

NOW = datetime(2026, 3, 10, 9, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def russian():
    set_language("ru")
    yield
    set_language("en")


@pytest.fixture
def desk(sqlite_db):
    db = sqlite_db
    with db.write() as session:
        caller = _actor(session, "olga", "caller", "Ольга Звонарёва")
        closer = _actor(session, "petr", "closer", "Пётр Сделкин")
        reference.set_setting(session, "security.leads_per_minute", 0)
        # Every reader's zone is the call centre's: UTC here, the zone the snapshots were drawn in.
        reference.set_setting(session, "centre.time_zone", "UTC")
    hand_over(db, caller, closer, "ООО «РосДревТорг»", city="Пермь", next_step_due=TODAY)
    add_company(
        db,
        "ООО «РосДревКомплект» Екатеринбургский филиал",
        city="Екатеринбург",
        industry="Деревообработка",
        channel="Дилеры",
        phones=("+73436026561", "+73435114496"),
        contact=("Павлов Дмитрий Викторович", "Технический директор по развитию производства"),
    )
    return db


def test_caller_queue_at_80x24(desk, snap_compare, monkeypatch):
    from kbase_tui.ui.queue import screen
    from kbase_tui.ui.queue.screen import CallerQueue

    # The client's clock on the card shows the time of the run: drawn at a fixed moment instead.
    shown = screen.client_clock
    monkeypatch.setattr(screen, "client_clock", lambda lead, now=None: shown(lead, NOW))

    app = PreparedApp(desk, "olga", CallerQueue)
    assert snap_compare(app, terminal_size=(80, 24), run_before=_settle)


def test_callback_dialog_at_80x24(desk, snap_compare):
    from kbase_tui.ui.queue.dialogs import CallbackDialog

    app = PreparedApp(desk, "olga", lambda: CallbackDialog("ООО «РосДревКомплект»", now=NOW))
    assert snap_compare(app, terminal_size=(80, 24), run_before=_settle)


def test_find_dialog_at_80x24(desk, snap_compare):
    from kbase_tui.ui.widgets.find_dialog import FindClientDialog

    async def typed(pilot):
        await _settle(pilot)
        await pilot.press(*"росдрев")
        await pilot.pause(0.3)
        await _settle(pilot)

    app = PreparedApp(desk, "petr", FindClientDialog)
    assert snap_compare(app, terminal_size=(80, 24), run_before=typed)


def test_lock_screen_at_80x24(desk, snap_compare):
    from kbase_tui.ui.lock_screen import LockScreen

    app = PreparedApp(desk, "olga", LockScreen)
    assert snap_compare(app, terminal_size=(80, 24), run_before=_settle)


def test_contact_editor_at_80x24(desk, snap_compare):
    """Every field, the decision-maker box and Save on one 80x24 screen."""
    from kbase_tui.ui.widgets.contact_editor import ContactEditor

    app = PreparedApp(desk, "petr", lambda: ContactEditor(1))
    assert snap_compare(app, terminal_size=(80, 24), run_before=_settle)


def test_deal_card_at_80x24(world, snap_compare):  # noqa: F811 (the fixture imported above)
    """The phone numbers one a line; the contacts take the rows they need when scrolled to."""
    from kbase_tui.ui.pipeline.card import DealCardScreen

    deal_id = world["deals"][0]

    async def to_contacts(pilot):
        await _settle(pilot)
        pilot.app.screen.query_one("#card-contacts").scroll_visible(animate=False)
        await _settle(pilot)

    app = PreparedApp(world["db"], "petr", lambda: DealCardScreen(deal_id, today=TODAY))
    assert snap_compare(app, terminal_size=(80, 24), run_before=to_contacts)
