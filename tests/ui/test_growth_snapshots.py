"""SVG snapshots at 80x24, in Russian, of the growth screens: the card's growth tab, the portfolio's white
spots, the account manager's list with its focus line, and the specialist's assignments.

Fixed data and a fixed date: the server's "today" is 10.03.2026 (the services' clock is patched), the
call centre's zone UTC."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from kbase_tui.i18n import set_language
from kbase_tui.protocol.catalog import OrderLineInput
from kbase_tui.services import accounts, catalog, client_growth, clock, reference, specialists

from ..services.account_setup import account_company
from .test_pipeline_snapshots import PreparedApp, _actor, _settle, vladivostok_process  # noqa: F401 (fixtures)

TODAY = date(2026, 3, 10)


@pytest.fixture(autouse=True)
def russian():
    set_language("ru")
    yield
    set_language("en")


@pytest.fixture
def grown(sqlite_db, monkeypatch):
    monkeypatch.setattr(clock, "today", lambda session=None, now=None: TODAY)
    db = sqlite_db
    with db.write() as session:
        boss = _actor(session, "roman", "supervisor", "Роман Руководов")
        km = _actor(session, "olga", "account", "Ольга Фермерова")
        tech = _actor(session, "nikita", "specialist", "Никита Техников")
        reference.set_setting(session, "centre.time_zone", "UTC")
        reference.set_setting(session, "security.card_views_per_hour", 0)
    cats = {
        name: catalog.save_category(db, boss, name).id
        for name in ("Крепёж", "Спецодежда и СИЗ", "Химия и расходники", "Сварка и газы")
    }
    client_growth.save_standard(db, boss, "industry", "Строительство", 30, Decimal(40000), list(cats.values()))
    stroy = account_company(
        db, km, "ООО «СтройМонтажКомплект»", industry="Строительство", channel="Дилеры", city="Пермь", potential=80
    )
    dom = account_company(db, km, "ИП Домов А. С.", industry="Строительство", channel="Розница", potential=40)
    for company, days, lines in (
        (stroy, 70, (("Крепёж", 18000), ("Сварка и газы", 9000))),
        (stroy, 40, (("Крепёж", 21000),)),
        (stroy, 10, (("Крепёж", 16500), ("Спецодежда и СИЗ", 7400))),
        (dom, 25, (("Крепёж", 6000),)),
    ):
        accounts.record_order(
            db,
            km,
            company,
            TODAY - timedelta(days=days),
            Decimal(0),
            lines=[OrderLineInput(amount=Decimal(amount), category_id=cats[name]) for name, amount in lines],
            today=TODAY,
        )
    client_growth.save_focus_target(
        db, boss, date(2026, 2, 15), date(2026, 3, 15), cats["Крепёж"], "amount", Decimal(50000)
    )
    specialists.bring_in(
        db,
        km,
        stroy,
        tech.id,
        "Подобрать сварочное оборудование: выезд с менеджером",
        TODAY + timedelta(days=2),
        today=TODAY,
    )
    return {"db": db, "stroy": stroy}


async def _growth_tab(pilot):
    await _settle(pilot)
    await pilot.press("5")
    await _settle(pilot)


def test_card_growth_tab_at_80x24(grown, snap_compare):
    from kbase_tui.ui.accounts.card import AccountCardScreen

    app = PreparedApp(grown["db"], "olga", lambda: AccountCardScreen(grown["stroy"]))
    assert snap_compare(app, terminal_size=(80, 24), run_before=_growth_tab)


def test_portfolio_white_spots_at_80x24(grown, snap_compare):
    from kbase_tui.ui.growth.portfolio import PortfolioGaps

    app = PreparedApp(grown["db"], "olga", PortfolioGaps)
    assert snap_compare(app, terminal_size=(80, 24), run_before=_settle)


def test_follow_up_list_with_focus_line_at_80x24(grown, snap_compare):
    from kbase_tui.ui.accounts.follow_up_list import FollowUpList

    app = PreparedApp(grown["db"], "olga", FollowUpList)
    assert snap_compare(app, terminal_size=(80, 24), run_before=_settle)


def test_specialist_assignments_at_80x24(grown, snap_compare):
    from kbase_tui.ui.specialist.assignments import AssignmentsScreen

    app = PreparedApp(grown["db"], "nikita", AssignmentsScreen)
    assert snap_compare(app, terminal_size=(80, 24), run_before=_settle)


def test_market_census_at_80x24(grown, snap_compare):
    """The census tab at 80 columns: the channel has a share of the room and is cut with "…" if longer."""
    from kbase_tui.ui.growth.market import MarketScreen

    async def census(pilot):
        await _settle(pilot)
        await pilot.press("2")
        await _settle(pilot)

    app = PreparedApp(grown["db"], "roman", MarketScreen)
    assert snap_compare(app, terminal_size=(80, 24), run_before=census)
