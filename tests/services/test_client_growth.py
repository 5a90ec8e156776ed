"""The arithmetic of client growth, counted by hand: white spots and their gaps, the portfolio, the growth
figures, the market's capacity, the census and focus targets; on SQLite and PostgreSQL (the `db` fixture).

The base of every test (TODAY 01.12.2026, the year: 02.12.2025 to 01.12.2026):

- categories A Крепёж, B Инструмент, C Химия, D Спецодежда;
- the industry «Строительство» standard: A, B, C, an order every 60 days, average order 30 000;
- the channel «Дилеры» standard: A, C, every 90 days, average order 20 000;
- X (Строительство, channel Розница, potential 80): orders 01.03 A 10 000 + B 5 000, 01.06 A 12 000,
  01.09 A 8 000 + D 3 000, 01.11 A 9 000.  First order 01.03: 276 days of the year, 276 // 60 = 4
  orders expected.  A 4 (none missing); B 1: rare, (4 − 1) × 30 000 / 3 × 0.8 = 24 000;
  C 0: missing, 4 × 10 000 × 0.8 = 32 000.
- Y (channel Дилеры, no industry, potential 50): 10.06.2025 C 6 000 (the year before), 15.01 A 4 000 +
  "доставка" 1 000 (free text), 20.08 A 5 000.  The whole year counts: 365 // 90 = 4 expected.
  A 2: rare, (4 − 2) × 20 000 / 2 × 0.5 = 10 000; C 0 this year: missing, 4 × 10 000 × 0.5 = 20 000.
- Z (Строительство and Дилеры, potential 0, another manager, no orders): the industry's standard wins;
  365 // 60 = 6 expected of each; gaps 0 (no potential).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from kbase_tui.models import Category, Company, FollowUpTask, Interaction, Stage
from kbase_tui.protocol.catalog import OrderLineInput
from kbase_tui.services import accounts, catalog
from kbase_tui.services import client_growth as growth
from kbase_tui.services.errors import AccessDenied, ValidationFailed

from .account_setup import account_company

TODAY = date(2026, 12, 1)


def _line(category_id, amount, text=""):
    return OrderLineInput(amount=Decimal(amount), category_id=category_id, text=text)


def _order(db, actor, company_id, day, *lines):
    return accounts.record_order(db, actor, company_id, day, Decimal(0), lines=list(lines), today=TODAY)


def _cold(db, name, channel, category=Category.POTENTIAL):
    with db.write() as session:
        company = Company(name=name, channel=channel, stage=Stage.COLD, category=category)
        session.add(company)
        session.flush()
        return company.id


@pytest.fixture
def base(db, make_user):
    boss = make_user("supervisor", "boss")
    km = make_user("account", "km", full_name="Ольга Фермерова")
    km2 = make_user("account", "km2", full_name="Пётр Второй")
    cat = {
        key: catalog.save_category(db, boss, name).id
        for key, name in (("A", "Крепёж"), ("B", "Инструмент"), ("C", "Химия"), ("D", "Спецодежда"))
    }
    growth.save_standard(db, boss, "industry", "Строительство", 60, Decimal(30000), [cat["A"], cat["B"], cat["C"]])
    growth.save_standard(db, boss, "channel", "Дилеры", 90, Decimal(20000), [cat["A"], cat["C"]])
    x = account_company(db, km, "X Стройка", industry="Строительство", channel="Розница", potential=80)
    y = account_company(db, km, "Y Дилер", channel="Дилеры", potential=50)
    z = account_company(db, km2, "Z Стройдилер", industry="строительство", channel="Дилеры", potential=0)
    _order(db, km, x, date(2026, 3, 1), _line(cat["A"], 10000), _line(cat["B"], 5000))
    _order(db, km, x, date(2026, 6, 1), _line(cat["A"], 12000))
    _order(db, km, x, date(2026, 9, 1), _line(cat["A"], 8000), _line(cat["D"], 3000))
    _order(db, km, x, date(2026, 11, 1), _line(cat["A"], 9000))
    _order(db, km, y, date(2025, 6, 10), _line(cat["C"], 6000))
    _order(db, km, y, date(2026, 1, 15), _line(cat["A"], 4000), _line(None, 1000, "доставка"))
    _order(db, km, y, date(2026, 8, 20), _line(cat["A"], 5000))
    return {"boss": boss, "km": km, "km2": km2, "cat": cat, "x": x, "y": y, "z": z}


def _spots(db, actor, company_id):
    found = growth.client_growth(db, actor, company_id, today=TODAY)
    return [(s.category_name, s.status, s.bought, s.expected, s.gap) for s in found.spots]


def test_white_spots_of_one_client_are_the_standard_categories_bought_too_rarely(db, base):
    assert _spots(db, base["km"], base["x"]) == [
        ("Химия", "missing", 0, 4, Decimal("32000.00")),
        ("Инструмент", "rare", 1, 4, Decimal("24000.00")),
    ]
    # Y has no industry: its channel's standard; last year's purchase of C does not count this year
    assert _spots(db, base["km"], base["y"]) == [
        ("Химия", "missing", 0, 4, Decimal("20000.00")),
        ("Крепёж", "rare", 2, 4, Decimal("10000.00")),
    ]
    # Z: the industry's standard wins over the channel's (names compared folded); no potential, no weight
    found = growth.client_growth(db, base["boss"], base["z"], today=TODAY)
    assert found.standard.segment == "Строительство"
    assert sorted((s.category_name, s.expected, s.gap) for s in found.spots) == [
        ("Инструмент", 6, Decimal("0.00")),
        ("Крепёж", 6, Decimal("0.00")),
        ("Химия", 6, Decimal("0.00")),
    ]


def test_growth_figures_compare_the_year_with_the_year_before(db, base):
    x = growth.client_growth(db, base["km"], base["x"], today=TODAY).figures
    assert (x.orders_now, x.orders_before, x.average_now, x.average_before, x.breadth_now, x.breadth_before) == (
        4,
        0,
        Decimal("11750.00"),  # (15 000 + 12 000 + 11 000 + 9 000) / 4
        None,
        3,  # A, B, D
        0,
    )
    y = growth.client_growth(db, base["km"], base["y"], today=TODAY).figures
    assert (y.orders_now, y.orders_before, y.average_now, y.average_before, y.breadth_now, y.breadth_before) == (
        2,
        1,
        Decimal("5000.00"),
        Decimal("6000.00"),
        1,  # the free-text line has no category
        1,
    )


def test_portfolio_lists_the_largest_gaps_first_and_only_the_managers_own(db, base):
    page = growth.portfolio_gaps(db, base["km"], today=TODAY)
    assert [(g.company_name, g.category_name, g.gap) for g in page.rows] == [
        ("X Стройка", "Химия", Decimal("32000.00")),
        ("X Стройка", "Инструмент", Decimal("24000.00")),
        ("Y Дилер", "Химия", Decimal("20000.00")),
        ("Y Дилер", "Крепёж", Decimal("10000.00")),
    ]
    assert (page.total, page.total_gap) == (4, Decimal("86000.00"))
    assert growth.portfolio_gaps(db, base["km"], offset=3, limit=10, today=TODAY).rows[0].category_name == "Крепёж"
    with pytest.raises(AccessDenied):
        growth.portfolio_gaps(db, base["km"], manager_id=base["km2"].id, today=TODAY)
    with pytest.raises(AccessDenied):
        growth.client_growth(db, base["km2"], base["x"], today=TODAY)
    everyone = growth.portfolio_gaps(db, base["boss"], today=TODAY)
    assert everyone.total == 7  # Z's three spots weigh nothing and come last
    assert [g.company_name for g in everyone.rows[4:]] == ["Z Стройдилер"] * 3


def test_one_key_turns_a_white_spot_into_one_cross_sell_task(db, base):
    task = growth.cross_sell(db, base["km"], base["x"], base["cat"]["C"], today=TODAY)
    assert task.kind == "cross_sell" and task.text.startswith(
        "Химия: offer it: clients like this one (Строительство) buy it every 60 days"
    )
    again = growth.cross_sell(db, base["km"], base["x"], base["cat"]["C"], today=TODAY)
    assert again.id == task.id
    with db.read() as session:
        stored = session.get(FollowUpTask, task.id)
        assert stored.assignee_id == base["km"].id and stored.done_at is None
    assert task.id in {t.id for t in accounts.my_tasks(db, base["km"])}
    with pytest.raises(ValidationFailed):
        growth.cross_sell(db, base["km"], base["x"], base["cat"]["D"], today=TODAY)  # not in the standard
    with pytest.raises(AccessDenied):
        growth.cross_sell(db, base["km2"], base["x"], base["cat"]["C"], today=TODAY)


def test_growth_report_is_the_supervisors(db, base):
    page = growth.growth_report(db, base["boss"], today=TODAY)
    rows = {r.name: r for r in page.rows}
    assert (page.total, rows["X Стройка"].white_spots, rows["Y Дилер"].white_spots) == (3, 2, 2)
    assert rows["X Стройка"].figures.average_now == Decimal("11750.00")
    with pytest.raises(AccessDenied):
        growth.growth_report(db, base["km"], today=TODAY)


def test_capacity_is_active_and_potential_clients_times_the_average_check(db, base):
    for i in range(3):
        _cold(db, f"Дилер {i}", "Дилеры")
    _cold(db, "Магазин", "Розница")
    _cold(db, "Бывший дилер", "Дилеры", Category.LOST)  # neither active nor potential
    _cold(db, "Отказ", "Дилеры", Category.REFUSED)
    rows = {r.segment: r for r in growth.capacity(db, base["boss"], "channel", today=TODAY)}
    dealers = rows["Дилеры"]  # active Y and Z, potential 3; this year's orders: Y's 5 000 and 5 000
    assert (dealers.active, dealers.potential, dealers.orders, dealers.average_check) == (2, 3, 2, Decimal("5000.00"))
    assert (dealers.capacity, dealers.covered, dealers.share) == (Decimal("25000.00"), Decimal("10000.00"), 0.4)
    retail = rows["Розница"]  # active X, potential 1; X's four orders, 47 000
    assert (retail.active, retail.potential, retail.average_check) == (1, 1, Decimal("11750.00"))
    assert (retail.capacity, retail.covered, retail.share) == (Decimal("23500.00"), Decimal("11750.00"), 0.5)
    assert [r.segment for r in growth.capacity(db, base["boss"], "channel", today=TODAY)][:2] == ["Дилеры", "Розница"]
    industries = {r.segment: r for r in growth.capacity(db, base["boss"], "industry", today=TODAY)}
    assert industries["Строительство"].active == 1 and industries["строительство"].active == 1
    with pytest.raises(AccessDenied):
        growth.capacity(db, base["km"], "channel", today=TODAY)


def test_census_lists_potential_clients_untouched_for_a_year(db, base):
    never_a = _cold(db, "Альфа", "Дилеры")
    never_b = _cold(db, "Бета", "Дилеры")
    touched = _cold(db, "Гамма", "Дилеры")
    old = _cold(db, "Дельта", "Дилеры")
    with db.write() as session:
        noon = datetime(2026, 8, 23, 12, tzinfo=UTC)  # 100 days ago
        session.add(Interaction(company_id=touched, kind="call", at=noon))
        session.add(Interaction(company_id=old, kind="call", at=noon - timedelta(days=300)))  # 400 days ago
    page = growth.census(db, base["boss"], today=TODAY)
    assert [r.company_id for r in page.rows] == [never_a, never_b, old]
    assert page.total == 3 and page.since == date(2025, 12, 2)
    assert page.rows[2].last_touch_at == noon - timedelta(days=300)
    with pytest.raises(AccessDenied):
        growth.census(db, base["km"], today=TODAY)


def test_focus_progress_counts_the_category_in_the_segment_in_the_period(db, base):
    cat = base["cat"]
    amount = growth.save_focus_target(
        db,
        base["boss"],
        date(2026, 11, 1),
        date(2026, 12, 15),
        cat["A"],
        "amount",
        Decimal(20000),
        segment_kind="industry",
        segment="Строительство",
    )
    clients = growth.save_focus_target(
        db,
        base["boss"],
        date(2026, 8, 1),
        date(2026, 12, 31),
        cat["A"],
        "clients",
        Decimal(4),
        segment_kind="channel",
        segment="Дилеры",
        manager_id=base["km"].id,
    )
    growth.save_focus_target(db, base["boss"], date(2026, 1, 1), date(2026, 1, 31), cat["A"], "amount", Decimal(1))
    mine = {p.target.id: p for p in growth.focus_progress(db, base["km"], today=TODAY)}
    assert set(mine) == {amount.id, clients.id}  # January's is over
    assert mine[amount.id].done == Decimal("9000.00")  # X's A of 01.11 (01.09 is before the period)
    assert mine[amount.id].share == 0.45
    assert mine[clients.id].done == 1  # Y bought A on 20.08
    everyone = growth.focus_progress(db, base["boss"], today=TODAY)
    assert [(p.manager_name, p.target.id, p.done) for p in everyone if p.manager_name == "Пётр Второй"] == [
        ("Пётр Второй", amount.id, Decimal(0))  # the target for Ольга alone is not his
    ]
    with pytest.raises(AccessDenied):
        growth.focus_progress(db, base["km"], manager_id=base["km2"].id, today=TODAY)
    with pytest.raises(AccessDenied):
        growth.save_focus_target(db, base["km"], TODAY, TODAY, cat["A"], "amount", Decimal(1))
    with pytest.raises(ValidationFailed):
        growth.save_focus_target(db, base["boss"], TODAY, TODAY - timedelta(days=1), cat["A"], "amount", Decimal(1))


def test_a_standard_needs_categories_and_one_per_segment(db, base):
    with pytest.raises(ValidationFailed):
        growth.save_standard(db, base["boss"], "channel", "Розница", 30, Decimal(1000), [])
    with pytest.raises(ValidationFailed):
        growth.save_standard(db, base["boss"], "channel", "Дилеры", 30, Decimal(1000), [base["cat"]["A"]])
    with pytest.raises(AccessDenied):
        growth.save_standard(db, base["km"], "channel", "Розница", 30, Decimal(1000), [base["cat"]["A"]])
    assert [s.segment for s in growth.standards(db, base["km"])] == ["Дилеры", "Строительство"]
