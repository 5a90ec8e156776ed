"""SVG snapshots of the closer's board (120x36 and 80x24), the deal card and the supervisor's view.

Fixed data and dates: the screens get `today`, every stored time is fixed, stale flags are
computed against deals last touched in March 2026 (stale for any later clock).
"""

from __future__ import annotations

import os
import time
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

import kbase_tui.ui.app as app_module
from kbase_tui.models import Contact, Phone
from kbase_tui.services import reference, users
from kbase_tui.services.clients import write_history
from kbase_tui.services.dto import Actor
from kbase_tui.ui.app import KbaseApp
from kbase_tui.ui.pipeline.board import CloserBoard
from kbase_tui.ui.pipeline.card import DealCardScreen
from kbase_tui.ui.pipeline.supervisor_view import PipelineSupervisorView

from ..conftest import PASSWORD
from ..server_harness import server_for
from ..services.pipeline_setup import hand_over

TODAY = date(2026, 3, 10)
AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def vladivostok_process():
    """The process's own zone changes nothing on screen (the snapshots read times in UTC: the call
    centre's zone of this base, below), so run it somewhere else on purpose."""
    old = os.environ.get("TZ")
    os.environ["TZ"] = "Asia/Vladivostok"
    time.tzset()
    yield
    if old is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = old
    time.tzset()


def _actor(session, username, role, full_name):
    user = users.add_user(
        session, "local:test", username, role, PASSWORD, full_name=full_name, must_change_password=False
    )
    return Actor(id=user.id, username=user.username, role=user.role, full_name=user.full_name)


@pytest.fixture
def world(sqlite_db):
    db = sqlite_db
    with db.write() as session:
        caller = _actor(session, "olga", "caller", "Ольга Звонарёва")
        closer = _actor(session, "petr", "closer", "Пётр Сделкин")
        closer2 = _actor(session, "irina", "closer", "Ирина Вторая")
        boss = _actor(session, "roman", "supervisor", "Роман Руководов")
        # Every reader's zone is the call centre's: UTC here, the zone the snapshots were drawn in.
        reference.set_setting(session, "centre.time_zone", "UTC")
    rows = [
        ("ООО «Ромашка»", "Казань", "new", date(2026, 3, 9), "120000", "Отправить КП", ""),
        ("АО «Уралметиз»", "Екатеринбург", "new", date(2026, 3, 12), "450000", "Позвонить ЛПР", ""),
        ("ИП Ёлкин [bold red]x[/]", "Москва", "new", None, "0", "", ""),
        (
            "ООО «Сталь-Профи»",
            "Челябинск",
            "meeting_set",
            date(2026, 3, 11),
            "800000",
            "Встреча в офисе",
            "Предложи отсрочку 30 дней",
        ),
        ("ООО «ТехноСнаб»", "Самара", "thinking", date(2026, 3, 1), "300000", "Ждём решения", ""),
        ("ЗАО «Вектор»", "Пермь", "agreed", date(2026, 3, 10), "1500000", "Подписать договор", ""),
    ]
    deals = []
    for name, city, stage, due, amount, step, comment in rows:
        deals.append(
            hand_over(
                db,
                caller,
                closer,
                name,
                city=city,
                stage_code=stage,
                next_step_due=due,
                amount=amount,
                next_step=step,
                supervisor_comment=comment,
                requirements="Арматура А500С, 20 т в месяц",
                last_activity_at=AT,
                history_at=AT,
            )
        )
    hand_over(
        db,
        caller,
        closer2,
        "ООО «Бета»",
        city="Тула",
        next_step_due=date(2026, 3, 15),
        amount="50000",
        last_activity_at=datetime(2026, 3, 9, tzinfo=UTC),
        history_at=AT,
    )
    with db.write() as session:
        from kbase_tui.models import Deal

        company_id = session.get(Deal, deals[0]).company_id
        contact = Contact(
            company_id=company_id,
            full_name="Иван Петров",
            position="Директор по закупкам",
            is_decision_maker=True,
            email="ivan@romashka.ru",
            birthday=date(1980, 3, 7),
        )
        session.add(contact)
        session.flush()
        session.add(Phone(company_id=company_id, contact_id=contact.id, number="+74951234567"))
        write_history(
            session,
            closer,
            company_id,
            "meeting",
            text="Презентация у клиента\nResult: просят КП",
            at=datetime(2026, 3, 5, 11, 0, tzinfo=UTC),
            deal_id=deals[0],
        )
        write_history(
            session,
            closer,
            company_id,
            "stage",
            outcome="meeting_set",
            text="New → First meeting agreed",
            at=datetime(2026, 3, 4, 15, 0, tzinfo=UTC),
            deal_id=deals[0],
        )
    return {"db": db, "closer": closer, "boss": boss, "deals": deals}


class PreparedApp(KbaseApp):
    """The app signed in as `username` (through the test's server), showing `make_screen()` (no login screen)."""

    CSS_PATH = str(Path(app_module.__file__).parent / "app.tcss")

    def __init__(self, database, username, make_screen) -> None:
        super().__init__(server_for(database).address)
        self._username = username
        self._make_screen = make_screen

    async def on_mount(self, event) -> None:
        event.prevent_default()  # no login screen
        self.resumed(await self.client.sign_in(self._username, PASSWORD))
        self.sub_title = self.actor.full_name
        await self.push_screen(self._make_screen())


async def _settle(pilot):
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
    # A DataTable measures its new rows when the app is idle: wait for that, or the snapshot may
    # catch the columns at the width of their headings.
    for _ in range(100):
        if not any(t._require_update_dimensions or t._updated_cells for t in pilot.app.screen.query("DataTable")):
            break
        await pilot.pause(0.02)
    await pilot.pause()
    for widget in pilot.app.screen.query("Input, TextArea"):
        widget.cursor_blink = False
    await pilot.pause()


def test_board_snapshot(world, snap_compare):
    app = PreparedApp(world["db"], "petr", lambda: CloserBoard(today=TODAY))
    assert snap_compare(app, terminal_size=(160, 40), run_before=_settle)


def test_board_snapshot_at_80x24(world, snap_compare):
    app = PreparedApp(world["db"], "petr", lambda: CloserBoard(today=TODAY))
    assert snap_compare(app, terminal_size=(80, 24), run_before=_settle)


def test_deal_card_snapshot(world, snap_compare):
    deal_id = world["deals"][0]
    app = PreparedApp(world["db"], "petr", lambda: DealCardScreen(deal_id, today=TODAY))
    assert snap_compare(app, terminal_size=(140, 40), run_before=_settle)


def test_supervisor_view_snapshot(world, snap_compare):
    app = PreparedApp(world["db"], "roman", lambda: PipelineSupervisorView(today=TODAY))
    assert snap_compare(app, terminal_size=(160, 30), run_before=_settle)
