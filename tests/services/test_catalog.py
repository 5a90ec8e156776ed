"""The catalog: the head of sales' edits, price lists and 1C nomenclature lists, order lines, and old orders
kept through the migration; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select, text

from kbase_tui.models import ClientOrder, Company, OrderLine
from kbase_tui.protocol.catalog import OrderLineInput
from kbase_tui.services import accounts, catalog
from kbase_tui.services import db as dbmod
from kbase_tui.services.errors import AccessDenied, ValidationFailed
from kbase_tui.services.setup import open_database

from .account_setup import account_company
from .test_migrations import _fresh

TODAY = date(2026, 5, 15)


def test_only_the_head_of_sales_edits_the_catalog_and_names_stay_unique(db, make_user):
    boss, km, caller = make_user("supervisor"), make_user("account"), make_user("caller")
    tools = catalog.save_category(db, boss, "Инструмент")
    with pytest.raises(ValidationFailed):
        catalog.save_category(db, boss, "  инструмент ")
    with pytest.raises(AccessDenied):
        catalog.save_category(db, km, "Химия")
    drill = catalog.save_product(db, boss, tools.id, "Дрель ДУ-800", code="Д-800", unit="шт", price=Decimal("5490.5"))
    assert (drill.price, drill.category_name) == (Decimal("5490.50"), "Инструмент")
    with pytest.raises(ValidationFailed):
        catalog.save_product(db, boss, tools.id, "Другая дрель", code="Д-800")
    assert [c.products for c in catalog.categories(db, km)] == [1]  # account managers read it
    assert catalog.products(db, km, find="ду-8").rows[0].id == drill.id
    assert catalog.products(db, km, find="д-800").total == 1
    with pytest.raises(AccessDenied):
        catalog.categories(db, caller)
    catalog.save_category(db, boss, "Инструмент", category_id=tools.id, active=False)
    assert catalog.categories(db, km) == [] and catalog.products(db, km).total == 0
    assert catalog.products(db, boss, include_inactive=True).total == 1


def test_a_1c_nomenclature_list_in_windows_1251_takes_categories_from_its_group_rows(db, make_user, tmp_path):
    boss = make_user("supervisor")
    source = tmp_path / "nomenclature.csv"
    source.write_bytes(
        (
            "Номенклатура\n"  # a title that is also a column name: the header is the row that maps more
            "на 01.12.2026\n"
            "\n"
            "Код;Наименование;Ед. изм.;Цена\n"
            "Крепёж;;;\n"
            "00-001;Саморез 4x40;уп;350,00\n"
            "00-002;Дюбель 6x40;уп;210\n"
            "Химия;;;\n"
            "00-010;Пена монтажная;шт;1 450,50\n"
            "00-011;Герметик;шт;цена по запросу\n"
        ).encode("cp1251")
    )
    report = catalog.import_price_list(db, boss, source)
    assert (report.rows, report.categories_added, report.products_added, report.products_updated) == (4, 2, 3, 0)
    assert len(report.rejected) == 1 and "цена по запросу" in report.rejected[0]
    rows = {p.code: p for p in catalog.products(db, boss).rows}
    assert (rows["00-001"].category_name, rows["00-001"].price, rows["00-001"].unit) == (
        "Крепёж",
        Decimal("350.00"),
        "уп",
    )
    assert (rows["00-010"].category_name, rows["00-010"].price) == ("Химия", Decimal("1450.50"))
    # The same list again, with a new price: updated, not added twice
    source.write_bytes(source.read_bytes().replace("350,00".encode("cp1251"), b"360"))
    again = catalog.import_price_list(db, boss, source)
    assert (again.products_added, again.products_updated, again.categories_added) == (0, 3, 0)
    assert catalog.products(db, boss, find="саморез").rows[0].price == Decimal("360.00")


def test_an_xlsx_price_list_with_a_category_column(db, make_user, tmp_path):
    import openpyxl

    boss, km = make_user("supervisor"), make_user("account")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Прайс-лист"])
    sheet.append(["Артикул", "Товар", "Товарная группа", "Цена"])
    sheet.append(["A-1", "Перчатки", "Спецодежда", 120])
    sheet.append(["A-2", "Каска", "Спецодежда", 890.9])
    sheet.append(["", "Очки защитные", "", 300])  # no category: "Other"
    path = tmp_path / "price.xlsx"
    book.save(path)
    with pytest.raises(AccessDenied):
        catalog.import_price_list(db, km, path)
    report = catalog.import_price_list(db, boss, path)
    assert (report.rows, report.categories_added, report.products_added) == (3, 2, 3)
    assert sorted(c.name for c in catalog.categories(db, boss)) == ["Other", "Спецодежда"]
    helmet = catalog.products(db, boss, find="каска").rows[0]
    assert (helmet.code, helmet.price) == ("A-2", Decimal("890.90"))


def test_a_file_without_a_name_column_is_refused_in_one_sentence(db, make_user, tmp_path):
    boss = make_user("supervisor")
    path = tmp_path / "bad.csv"
    path.write_text("a;b;c\n1;2;3\n", encoding="utf-8")
    with pytest.raises(ValidationFailed, match="product name"):
        catalog.import_price_list(db, boss, path)


def test_order_lines_by_product_category_and_free_text_add_up_to_the_order(db, make_user):
    boss, km, other = make_user("supervisor"), make_user("account"), make_user("account")
    tools = catalog.save_category(db, boss, "Инструмент")
    chem = catalog.save_category(db, boss, "Химия")
    drill = catalog.save_product(db, boss, tools.id, "Дрель", price=Decimal(5000))
    company = account_company(db, km, "ООО Ромашка")
    lines = [
        OrderLineInput(amount=Decimal(10000), product_id=drill.id, quantity=Decimal(2), margin=Decimal(2500)),
        OrderLineInput(amount=Decimal("1500.5"), category_id=chem.id, margin=Decimal(-100)),
        OrderLineInput(amount=Decimal(700), text="доставка"),
    ]
    result = accounts.record_order(db, km, company, TODAY, Decimal(0), lines=lines, today=TODAY)
    assert (result.order.amount, result.order.margin) == (Decimal("12200.50"), Decimal("2400.00"))
    assert result.order.items == "Дрель × 2; Химия; доставка"
    stored = catalog.order_lines(db, km, result.order.id)
    assert [(line.category_name, line.text, line.amount) for line in stored] == [
        ("Инструмент", "Дрель", Decimal("10000.00")),  # a product brings its category
        ("Химия", "", Decimal("1500.50")),
        ("", "доставка", Decimal("700.00")),
    ]
    assert stored[0].quantity == Decimal(2)
    with pytest.raises(AccessDenied):
        catalog.order_lines(db, other, result.order.id)
    # Free text only, as before: one line with the order's items
    plain = accounts.record_order(db, km, company, TODAY, Decimal(300), "гвозди", today=TODAY)
    assert [(line.text, line.amount) for line in catalog.order_lines(db, km, plain.order.id)] == [
        ("гвозди", Decimal("300.00"))
    ]
    with pytest.raises(ValidationFailed):
        accounts.record_order(
            db, km, company, TODAY, Decimal(0), lines=[OrderLineInput(amount=Decimal(5))], today=TODAY
        )
    with pytest.raises(ValidationFailed):
        accounts.record_order(
            db, km, company, TODAY, Decimal(0), lines=[OrderLineInput(amount=Decimal(-5), text="x")], today=TODAY
        )


def test_orders_made_before_the_catalog_become_one_line_each(db_url, tmp_path):
    database = _fresh(db_url, tmp_path)
    dbmod.upgrade_schema(database, "0014")
    with database.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO company (name, name_search, city, city_search, industry, channel, size, source, website, email,"
                " address, time_zone, abcde_class, is_key_client, potential_score, category, stage, requirements, in_queue,"
                " queue_rank, priority, last_tried_at, attempts, last_outcome, special_offer, unreachable, needs_data_fix,"
                " orders_count, revenue_total, next_purchase_is_stated, created_at, updated_at, version) VALUES"
                " ('Ромашка', 'ромашка', '', '', '', '', '', '', '', '', '', '', '', false, 0, 'active', 'account', '',"
                " false, 100, 100, '1970-01-01 00:00:00+00:00', 0, '', '', false, false, 1, 1200, false,"
                " '2026-01-05 10:00:00+00:00', '2026-01-05 10:00:00+00:00', 1)"
            )
        )
        company_id = conn.execute(text("SELECT id FROM company")).scalar_one()
        conn.execute(
            text(
                "INSERT INTO client_order (company_id, ordered_at, items, amount, margin, created_at)"
                " VALUES (:c, '2026-01-10', 'цемент 10 мешков', 1200, 150, '2026-01-10 10:00:00+00:00')"
            ),
            {"c": company_id},
        )
    database.dispose()
    upgraded = open_database(database.url)
    with upgraded.read() as session:
        order = session.execute(select(ClientOrder)).scalar_one()
        line = session.execute(select(OrderLine)).scalar_one()
        assert session.get(Company, company_id).name == "Ромашка"
    assert (line.order_id, line.company_id, line.ordered_at) == (order.id, company_id, date(2026, 1, 10))
    assert (line.text, line.amount, line.margin, line.category_id) == (
        "цемент 10 мешков",
        Decimal(1200),
        Decimal(150),
        None,
    )
    upgraded.dispose()
