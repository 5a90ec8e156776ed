"""Screens laid out for 80x24 and for a wide terminal, in Russian: no heading cut, a name wraps rather than
being cut, and the columns that take what the others leave are laid out again when the terminal is resized."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest

from kbase_tui.i18n import set_language
from kbase_tui.services import catalog, client_growth, specialists
from kbase_tui.timezones import business_today
from kbase_tui.ui.accounts.follow_up_list import FollowUpList
from kbase_tui.ui.growth.catalog_screen import CatalogScreen
from kbase_tui.ui.growth.focus import FocusTargets
from kbase_tui.ui.growth.standards import StandardsScreen
from kbase_tui.ui.specialist.assignments import AssignmentsScreen

from ..conftest import svg_screen_text
from ..server_harness import app_on
from ..services.account_setup import account_company
from .helpers import settle
from .test_accounts import _open, _sign_in

TODAY = business_today()


@pytest.fixture(autouse=True)
def russian():
    set_language("ru")
    yield
    set_language("en")


def _screen(app) -> list[str]:
    return svg_screen_text(app.export_screenshot())


def _width(table, key: str) -> int:
    return next(column.width for column in table.ordered_columns if column.key.value == key)


async def test_focus_target_names_wrap_whole_at_80_columns_and_take_one_line_when_wide(db, make_user):
    boss = make_user("supervisor", "boss")
    make_user("account", "km", full_name="Ольга Фермерова")
    roofing = catalog.save_category(db, boss, "Кровельные материалы")
    client_growth.save_focus_target(
        db, boss, TODAY - timedelta(days=1), TODAY + timedelta(days=30), roofing.id, "amount", Decimal(500000)
    )
    app = app_on(db)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(app, pilot, boss, FocusTargets())
        lines = _screen(app)
        text = "\n".join(lines)
        assert "Кровельные" in text and "материалы" in text and "(сумма)" in text, text
        assert "500 000" in text.replace("\xa0", " ")
        assert all(len(line) <= 80 for line in lines)
        table = screen.query_one("#focus-table")
        assert [row.height for row in table.rows.values()] == [2]  # the name wrapped, not cut
        await pilot.resize_terminal(200, 50)
        await settle(app, pilot)
        assert _width(table, "target") == 200 - 63 - 12 and _width(table, "manager") == 24
        assert "Кровельные материалы (сумма)" in "\n".join(_screen(app))
        assert [row.height for row in table.rows.values()] == [1]  # measured again at the new width
        await pilot.resize_terminal(80, 24)
        await settle(app, pilot)
        assert [row.height for row in table.rows.values()] == [2]


async def test_standards_show_every_category_at_80_columns(db, make_user):
    boss = make_user("supervisor", "boss")
    names = ["Металлопрокат", "Кровельные материалы", "Оборудование", "Лакокрасочные покрытия"]
    ids = [catalog.save_category(db, boss, name).id for name in names]
    client_growth.save_standard(db, boss, "industry", "Строительство", 30, Decimal(150000), ids)
    app = app_on(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await _open(app, pilot, boss, StandardsScreen())
        text = "\n".join(_screen(app))
        for name in names:
            for word in name.split():
                assert word in text, (word, text)


async def test_the_account_managers_list_heads_every_column_whole(db, make_user):
    km = make_user("account", "km", full_name="Ольга Фермерова")
    account_company(db, km, "ООО «Уральская металлобаза»", channel="Екатеринбург")
    app = app_on(db)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _sign_in(app, pilot, km)
        assert isinstance(screen, FollowUpList)
        header = next(line for line in _screen(app) if line.lstrip().startswith("Компания"))
        # The channel's heading was "Канал пр" (the column's 8 of "Канал продаж"): now it is whole.
        assert re.search(r"Канал\s+Кл\s+Зак\.\s+Последн\.\s+LTV\s+Закупка\s+!$", header), header
        assert len(header) <= 80
        await pilot.resize_terminal(120, 40)
        await settle(app, pilot)
        text = "\n".join(_screen(app))
        assert "ООО «Уральская металлобаза»" in text and "Екатеринбург" in text, text


async def test_the_catalog_lays_its_columns_out_again_on_a_resize(db, make_user):
    boss = make_user("supervisor", "boss")
    tools = catalog.save_category(db, boss, "Оборудование")
    catalog.save_product(
        db,
        boss,
        tools.id,
        "Станок гибочный листовой СГЛ-2500 с ЧПУ",
        code="СГЛ-2500",
        unit="уп. 10 шт.",
        price=Decimal("1250000.50"),
    )
    app = app_on(db)
    async with app.run_test(size=(200, 50)) as pilot:
        screen = await _open(app, pilot, boss, CatalogScreen())
        table = screen.query_one("#catalog-table")
        assert _width(table, "name") == 200 - 56 - 6 - 9
        wide = "\n".join(_screen(app))
        assert "Станок гибочный листовой СГЛ-2500 с ЧПУ" in wide and "уп. 10 шт." in wide, wide
        await pilot.resize_terminal(80, 24)
        await settle(app, pilot)
        assert _width(table, "name") == 24
        assert table.virtual_size.width <= 80  # the price in sight, no sideways scrolling
        narrow = "\n".join(_screen(app)).replace("\xa0", " ")
        assert "1 250 000,50" in narrow
        assert "уп. …" in narrow and "уп. 1 " not in narrow  # shortened visibly, never read as a pack of one


async def test_the_specialists_tasks_wrap_at_80_columns_and_take_the_width_left_after_a_resize(db, make_user):
    specialist = make_user("specialist", "master", full_name="Семён Мастеров")
    km = make_user("account", "km", full_name="Ольга Фермерова")
    company = account_company(db, km, "ООО «Мегахимсервис»")
    task = "Подобрать огнеупоры под новую печь: выезд вместе с менеджером"
    specialists.bring_in(db, km, company, specialist.id, task, TODAY, today=TODAY)
    app = app_on(db)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(app, pilot, specialist, AssignmentsScreen())
        table = screen.query_one("#assign-table")
        assert _width(table, "task") == 80 - 48
        text = "\n".join(_screen(app))
        for word in task.split():
            assert word in text, (word, text)  # wrapped, not cut ("под новую пе")
        await pilot.resize_terminal(160, 40)
        await settle(app, pilot)
        assert _width(table, "task") == 160 - 48
        assert task in "\n".join(_screen(app))
        assert [row.height for row in table.rows.values()] == [1]


async def test_the_audit_logs_status_line_names_both_page_keys_at_80_columns(db, make_user):
    """The line under the log was cut inside "Ctrl+B — позже" at 80 columns, where the footer has no room for
    that key: the keys now come before the scope, and the scope goes on a line of its own if need be."""
    from kbase_tui.ui.audit.screen import AuditScreen

    boss = make_user("supervisor", "boss", full_name="Сергей Павлов")
    app = app_on(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await _open(app, pilot, boss, AuditScreen())
        text = "\n".join(_screen(app))
        assert "Ctrl+N — раньше, Ctrl+B — позже" in text and "все клиенты и пользователи" in text, text
        # Wide, the status takes one line; back at 80 it breaks between its parts again.
        await pilot.resize_terminal(200, 50)
        await settle(app, pilot)
        assert "\n" not in audit_status(app)
        await pilot.resize_terminal(80, 24)
        await settle(app, pilot)
        assert "\n" in audit_status(app)


def audit_status(app) -> str:
    return app.screen.query_one("#audit-status").render().plain


async def test_the_supervisors_card_never_cuts_a_phone_number_at_80_columns(db, make_user):
    """The second line of the card's top (INN, city, industry, channel, phones) was cut at 80 columns inside the
    phone number ("+7 342 6…"): it now breaks between entries, and again at a resize."""
    from kbase_tui.models import Company, Phone
    from kbase_tui.ui.supervisor.company_card import SupervisorCardScreen

    boss = make_user("supervisor", "boss", full_name="Сергей Павлов")
    with db.write() as session:
        company = Company(
            name="АО «Гранитмашзавод»",
            inn="5954343888",
            city="Пермь",
            industry="Машиностроение",
            channel="Конечные потребители B2B",
        )
        session.add(company)
        session.flush()
        company_id = company.id
        session.add(Phone(company_id=company_id, number="+73426383572"))
        session.add(Phone(company_id=company_id, number="+73422001020"))
    app = app_on(db)
    async with app.run_test(size=(200, 50)) as pilot:
        await _open(app, pilot, boss, SupervisorCardScreen(company_id))
        await pilot.resize_terminal(80, 24)
        await settle(app, pilot)
        text = "\n".join(_screen(app))
        assert "+7 342 638-35-72" in text and "+7 342 200-10-20" in text, text
