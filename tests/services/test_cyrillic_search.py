"""Cyrillic search and sort of company names: the same answers on SQLite and PostgreSQL."""

from __future__ import annotations

import random

from sqlalchemy import select

from kbase_tui.models import Company
from kbase_tui.services.search import (
    company_city_filter,
    company_name_filter,
    company_name_order,
    escape_like,
    query_words,
    sort_key,
)

NAMES = [
    "ООО РОМАШКА",
    "Ромашка-Плюс",
    "ЗАО Ёлка",
    "ИП Елкин",
    "Василёк",
    "100% Качество",
    "Сто_процентов",
    "Сто процентов",
    "Back\\slash",
    "Alpha Trade",
]


def _add(db, names, city="Москва"):
    with db.write() as session:
        for name in names:
            session.add(Company(name=name, city=city))


def _find(db, query, *, order=True):
    with db.read() as session:
        statement = select(Company.name).where(company_name_filter(query))
        if order:
            statement = statement.order_by(*company_name_order())
        return list(session.scalars(statement))


def test_lower_case_cyrillic_finds_upper_case(db):
    _add(db, NAMES)
    assert _find(db, "ромашка") == ["ООО РОМАШКА", "Ромашка-Плюс"]
    assert _find(db, "РОМАШКА") == ["ООО РОМАШКА", "Ромашка-Плюс"]
    assert _find(db, "рОмАшКа-плюс") == ["Ромашка-Плюс"]


def test_yo_and_ye_find_each_other(db):
    _add(db, NAMES)
    assert _find(db, "ёлка") == ["ЗАО Ёлка"]
    assert _find(db, "елка") == ["ЗАО Ёлка"]
    assert _find(db, "ЁЛК") == ["ЗАО Ёлка", "ИП Елкин"]
    assert _find(db, "василек") == ["Василёк"]


def test_like_wildcards_typed_by_the_user_are_literal(db):
    _add(db, NAMES)
    assert _find(db, "%") == ["100% Качество"]
    assert _find(db, "_") == ["Сто_процентов"]
    assert _find(db, "сто_") == ["Сто_процентов"]
    assert _find(db, "\\") == ["Back\\slash"]
    assert _find(db, "%качество") == []


def test_every_word_must_occur_in_any_order(db):
    _add(db, NAMES)
    assert _find(db, "ромашка ооо") == ["ООО РОМАШКА"]
    assert _find(db, "  процентов   сто ") == ["Сто процентов", "Сто_процентов"]
    assert _find(db, "ромашка плюс ооо") == []


def test_an_empty_query_matches_everything(db):
    _add(db, NAMES)
    assert len(_find(db, "")) == len(NAMES)
    assert len(_find(db, "   ")) == len(NAMES)
    assert len(_find(db, None)) == len(NAMES)


def test_a_renamed_company_is_found_by_its_new_name(db):
    _add(db, ["ООО Старое Имя"])
    with db.write() as session:
        company = session.scalars(select(Company)).one()
        company.name = "ООО НОВОЕ ЁМКОЕ ИМЯ"
    assert _find(db, "емкое") == ["ООО НОВОЕ ЁМКОЕ ИМЯ"]
    assert _find(db, "старое") == []


def test_city_search_is_case_insensitive_for_cyrillic(db):
    _add(db, ["Первая"], city="САНКТ-ПЕТЕРБУРГ")
    _add(db, ["Вторая"], city="Орёл")
    with db.read() as session:
        assert list(session.scalars(select(Company.name).where(company_city_filter("петербург")))) == ["Первая"]
        assert list(session.scalars(select(Company.name).where(company_city_filter("орел")))) == ["Вторая"]


def test_cyrillic_names_sort_alphabetically_ignoring_case_and_yo(db):
    names = ["яблоко", "Абрикос", "ЁЖ", "Елань", "ёлка", "Жук", "банан", "Alpha", "юла", "Щука", "ЭХО"]
    shuffled = names[:]
    random.Random(7).shuffle(shuffled)
    _add(db, shuffled)
    found = _find(db, "")
    assert found == ["Alpha", "Абрикос", "банан", "ЁЖ", "Елань", "ёлка", "Жук", "Щука", "ЭХО", "юла", "яблоко"]
    assert found == sorted(names, key=sort_key)
    with db.read() as session:
        backwards = list(session.scalars(select(Company.name).order_by(*company_name_order(descending=True))))
    assert backwards == list(reversed(found))


def test_equal_names_keep_a_stable_order_by_id(db):
    _add(db, ["Ромашка", "РОМАШКА", "ромашка"])
    with db.read() as session:
        rows = session.execute(select(Company.id, Company.name).order_by(*company_name_order())).all()
    assert [row.id for row in rows] == sorted(row.id for row in rows)


def test_helpers():
    assert escape_like("50%_a\\b") == "50\\%\\_a\\\\b"
    assert query_words("  ООО   Ёлка ") == ["ооо", "елка"]
