"""Duplicates found within a batch and across batches by each key, and merges of many companies in one batch:
the same companies whatever the batch size."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from kbase_tui.models import Company, Contact, ImportChange, Interaction, Phone
from kbase_tui.services import importing


def _stored(db) -> list[tuple]:
    """Every company with its phones, contacts and import history, in a form that does not depend on ids."""
    with db.read() as s:
        found = []
        for company in s.execute(select(Company).order_by(Company.name_search, Company.inn)).scalars():
            phones = sorted(
                (number, contact or "")
                for number, contact in s.execute(
                    select(Phone.number, Contact.full_name)
                    .outerjoin(Contact, Contact.id == Phone.contact_id)
                    .where(Phone.company_id == company.id)
                )
            )
            contacts = sorted(s.execute(select(Contact.full_name).where(Contact.company_id == company.id)).scalars())
            history = sorted(
                s.execute(
                    select(Interaction.outcome, Interaction.text).where(Interaction.company_id == company.id)
                ).all()
            )
            found.append(
                (company.name, company.inn, company.city, company.email, company.in_queue, phones, contacts, history)
            )
        return found


ROWS = [
    ["Наименование", "ИНН", "Телефон", "Контактное лицо", "Телефон контакта", "Город", "E-mail"],
    # Line 2: the same number as the company's and as its contact's.
    ["ООО «Ромашка»", "7707083893", "+7 495 123-45-67", "Иванов Иван", "8 (495) 123-45-67", "Москва", ""],
    ["ромашка", "", "", "Петров Пётр", "", "Москва", "info@romashka.example"],  # the name and the city
    ["Лютик", "", "8 495 123 45 67", "", "", "Тула", ""],  # the phone, another name: possibly the same
    ["Ромашка (филиал)", "7707083893", "+7 916 000-11-22", "", "", "", ""],  # the INN, another name
    ["Ромашка", "", "", "Сидоров Олег", "+7 495 123 45 67", "", ""],  # the contact's phone and the name
    ["ромашка ООО", "", "+7 812 300-40-50", "", "", "москва", ""],  # the name and the city again
    ["Лютик", "", "", "", "", "Тула", "lutik@example.ru"],  # the second company, by its name and city
]


@pytest.mark.parametrize("batch_size", [1, 2, 3, 1000])
def test_each_key_finds_a_company_of_the_same_batch_and_of_an_earlier_one(db, make_user, tmp_path, batch_size):
    """Batches of 1 to 3 rows put each duplicate in a later batch than its company (found among the keys of
    committed companies); one batch of 1,000 puts all of them in the batch being built (found among its new
    companies, one look-up per key).  The base ends the same."""
    boss = make_user("supervisor")
    path = tmp_path / "leads.csv"
    path.write_text(importing.write_csv(ROWS), encoding="utf-8")
    report = importing.run_import(db, boss, path, batch_size=batch_size)
    assert (report.rows, report.imported, report.merged, report.unchanged) == (7, 2, 5, 0)
    assert report.possible_duplicates == 1
    stored = _stored(db)
    assert [(name, inn, city, email, in_queue) for name, inn, city, email, in_queue, *_rest in stored] == [
        ("Лютик", None, "Тула", "lutik@example.ru", True),
        ("ООО «Ромашка»", "7707083893", "Москва", "info@romashka.example", True),
    ]
    romashka, lutik = stored[1], stored[0]
    # The number of line 2 is the company's and its contact's; line 6's contact brings it again: not stored again.
    assert romashka[5] == [
        ("+74951234567", ""),
        ("+74951234567", "Иванов Иван"),
        ("+78123004050", ""),
        ("+79160001122", ""),
    ]
    assert romashka[6] == ["Иванов Иван", "Петров Пётр", "Сидоров Олег"]
    assert lutik[5] == [("+74951234567", "")]  # its own row of the shared number
    with db.read() as s:
        assert s.execute(select(func.count()).select_from(Phone)).scalar_one() == 5
    outcomes = [outcome for outcome, _text in romashka[7]]
    assert outcomes.count("import") == 1 and outcomes.count("import_possible_duplicate") == 1
    if batch_size == 1000:
        # One batch: what the later lines added is told in the history entry of the company's import.
        [text] = [text for outcome, text in romashka[7] if outcome == "import"]
        assert all(f"line {line}:" in text for line in (3, 5, 6, 7))
    else:  # the merges of lines 3 (unless in line 2's batch), 5, 6 and 7
        assert outcomes.count("import_merge") == {1: 4, 2: 3, 3: 3}[batch_size]
    again = importing.run_import(db, boss, path, batch_size=batch_size)
    assert (again.imported, again.merged) == (0, 0)


def test_fills_of_many_companies_in_one_batch_raise_each_version_once_and_an_undo_clears_them(db, make_user, tmp_path):
    """2,500 companies of the base merged in one batch (more than one read of the batch's companies names):
    two different sets of fields filled, each company changed once, and the undo of that import empties them."""
    boss = make_user("supervisor")
    count = 2500
    first = tmp_path / "first.csv"
    first.write_text(
        importing.write_csv([["Компания", "Телефон"]] + [[f"Фирма {n}", f"+7 495 {n:07d}"] for n in range(count)]),
        encoding="utf-8",
    )
    importing.run_import(db, boss, first)
    second = tmp_path / "second.csv"
    rows = [["Компания", "Телефон", "Город", "E-mail", "Сайт"]]
    for n in range(count):
        if n % 2:
            rows.append([f"Фирма {n}", f"8 495 {n:07d}", "Тула", "", ""])
        else:
            rows.append([f"Фирма {n}", f"8 495 {n:07d}", "", f"f{n}@example.ru", f"f{n}.example.ru"])
    second.write_text(importing.write_csv(rows), encoding="utf-8")
    report = importing.run_import(db, boss, second, batch_size=5000)
    assert (report.imported, report.merged, report.unchanged) == (0, count, 0)
    with db.read() as s:
        stored = {
            name: (version, city, city_search, email, website)
            for name, version, city, city_search, email, website in s.execute(
                select(Company.name, Company.version, Company.city, Company.city_search, Company.email, Company.website)
            )
        }
        assert stored["Фирма 1"] == (2, "Тула", "тула", "", "")
        assert stored["Фирма 2"] == (2, "", "", "f2@example.ru", "f2.example.ru")
        assert {version for version, *_rest in stored.values()} == {2}
        assert sum(1 for _v, city, *_rest in stored.values() if city == "Тула") == count // 2
        changes = s.execute(
            select(ImportChange.field, func.count())
            .where(ImportChange.run_id == report.run_id)
            .group_by(ImportChange.field)
        ).all()
        assert dict(changes) == {"city": count // 2, "email": count // 2, "website": count // 2}
    undone = importing.undo_import(db, boss, report.run_id)
    assert undone.fields_cleared == count // 2 * 3
    with db.read() as s:
        assert s.execute(select(func.count()).select_from(Company).where(Company.city != "")).scalar_one() == 0
        assert s.execute(select(func.count()).select_from(Company).where(Company.email != "")).scalar_one() == 0
