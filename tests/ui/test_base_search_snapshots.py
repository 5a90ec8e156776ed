"""SVG snapshots of the supervisor's base search and company card at 80x24 and 160x48 (Cyrillic data).

Fixed data and times: every history entry is dated, the clock zone is UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine

from kbase_tui.i18n import set_language
from kbase_tui.models import Company, Contact, Phone
from kbase_tui.services import reference
from kbase_tui.services.clients import write_history
from kbase_tui.ui.supervisor.base_search import BaseSearchScreen
from kbase_tui.ui.supervisor.company_card import SupervisorCardScreen

from .test_pipeline_snapshots import PreparedApp, _actor, _settle, vladivostok_process  # noqa: F401 (fixture)

AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@pytest.fixture
def world(sqlite_db):
    db = sqlite_db
    with db.write() as session:
        caller = _actor(session, "olga", "caller", "Ольга Звонарёва")
        closer = _actor(session, "petr", "closer", "Пётр Сделкин")
        _actor(session, "roman", "supervisor", "Роман Руководов")
        # Every reader's zone is the call centre's: UTC here, the zone the snapshots were drawn in.
        reference.set_setting(session, "centre.time_zone", "UTC")
    rows = [
        ("ООО «Ромашка»", "Казань", "7701234567", "+78432000001", "cold", "potential", None, True),
        ("АО «Уралметиз»", "Екатеринбург", "6601234567", "+73432000002", "pipeline", "potential", closer.id, False),
        ("ИП Ёлкин [bold red]x[/]", "Москва", "771234567890", "+74952000003", "cold", "refused", None, False),
        ("ООО «Сталь-Профи» " + "и партнёры " * 20, "Челябинск", None, "", "cold", "potential", None, False),
        ("ЗАО «Вектор»", "Пермь", "5902123456", "+73422000005", "cold", "do_not_call", None, False),
    ]
    ids = []
    with db.write() as session:
        for name, city, inn, phone, stage, category, owner, bad in rows:
            company = Company(
                name=name,
                city=city,
                inn=inn,
                stage=stage,
                category=category,
                owner_id=owner,
                needs_data_fix=bad,
                unreachable=bad,
                channel="web",
                industry="Металлоторговля",
                created_at=AT,
                updated_at=AT,
            )
            session.add(company)
            session.flush()
            ids.append(company.id)
            if phone:
                session.add(Phone(company_id=company.id, number=phone))
        contact = Contact(
            company_id=ids[0], full_name="Иван Петров", position="Директор по закупкам", is_decision_maker=True
        )
        session.add(contact)
        session.flush()
        session.add(Phone(company_id=ids[0], contact_id=contact.id, number="+74951234567"))
        write_history(
            session,
            caller,
            ids[0],
            "call",
            outcome="no_answer",
            text="Не берут трубку",
            at=datetime(2026, 3, 3, 10, 0, tzinfo=UTC),
        )
        write_history(
            session,
            caller,
            ids[0],
            "call",
            outcome="bad_data",
            text="Номер не существует",
            at=datetime(2026, 3, 4, 11, 0, tzinfo=UTC),
        )
    return {"db": db, "ids": ids}


@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])
def test_base_search_snapshot(world, snap_compare, size):
    app = PreparedApp(world["db"], "roman", BaseSearchScreen)
    assert snap_compare(app, terminal_size=size, run_before=_settle)


@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])
def test_company_card_snapshot(world, snap_compare, size):
    company_id = world["ids"][0]
    app = PreparedApp(world["db"], "roman", lambda: SupervisorCardScreen(company_id))
    assert snap_compare(app, terminal_size=size, run_before=_settle)


def test_company_card_who_looked_at_80x24(world, snap_compare):
    """'Кто смотрел' at 80 columns: every heading and both dates whole (the last ran off the screen)."""
    company_id = world["ids"][0]

    async def seen_tab(pilot):
        await _settle(pilot)
        await pilot.press("6")
        await _settle(pilot)

    set_language("ru")  # the headings that ran off the screen were the Russian ones
    try:
        app = PreparedApp(world["db"], "roman", lambda: SupervisorCardScreen(company_id))
        with time_machine.travel(datetime(2026, 3, 10, 9, 30, tzinfo=UTC), tick=False):
            assert snap_compare(app, terminal_size=(80, 24), run_before=seen_tab)
    finally:
        set_language("en")
