"""Import of the files people really bring: 1C, Bitrix24 and amoCRM exports, hand-made Excel lists, the
encodings of Russian offices, and broken files (fixtures written by tests/fixtures/import/make_fixtures.py
from the public descriptions of those exports)."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from kbase_tui.cli.main import main
from kbase_tui.models import Company, Contact, Interaction, Phone
from kbase_tui.services import importing
from kbase_tui.services.errors import ValidationFailed

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "import"


@pytest.fixture
def files(tmp_path) -> Path:
    for item in FIXTURES.iterdir():
        if item.suffix in (".csv", ".xlsx", ".txt", ".xls"):
            shutil.copy(item, tmp_path / item.name)
    return tmp_path


def _company(db, name: str) -> Company:
    with db.read() as s:
        return s.execute(select(Company).where(Company.name == name)).scalar_one()


def _phones(db, company_id: int) -> dict[str, str]:
    """number -> label of the company's phones (its contacts' too)."""
    with db.read() as s:
        return dict(s.execute(select(Phone.number, Phone.label).where(Phone.company_id == company_id)).all())


def _contacts(db, company_id: int) -> dict[str, tuple[str, str, set[str]]]:
    with db.read() as s:
        found = {}
        for contact in s.execute(select(Contact).where(Contact.company_id == company_id)).scalars():
            numbers = set(s.execute(select(Phone.number).where(Phone.contact_id == contact.id)).scalars())
            found[contact.full_name] = (contact.position, contact.email, numbers)
        return found


def _history(db, company_id: int) -> list[tuple[str, str]]:
    with db.read() as s:
        return [
            (i.outcome, i.text)
            for i in s.execute(
                select(Interaction).where(Interaction.company_id == company_id).order_by(Interaction.id)
            ).scalars()
        ]


def _count(db, model) -> int:
    with db.read() as s:
        return s.execute(select(func.count()).select_from(model)).scalar_one()


def _report_rows(report) -> list[list[str]]:
    with open(report.report_path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle, delimiter=";"))


@pytest.mark.parametrize(
    "name, encoding, delimiter",
    [
        ("1c_kontragenty_cp1251_tab.txt", "cp1251", "\t"),
        ("1c_kontragenty_utf8_semicolon.csv", "utf-8", ";"),
    ],
)
def test_a_1c_list_with_a_title_a_date_and_an_empty_line_above_the_header(
    db, make_user, files, name, encoding, delimiter
):
    boss = make_user("supervisor")
    report = importing.run_import(db, boss, files / name)
    assert (report.encoding, report.delimiter) == (encoding, delimiter)
    assert (report.rows, report.imported, report.rejected, report.needs_research) == (3, 3, 0, 1)
    gas = _company(db, "Газовик")  # 1C's short name; the full name only when the short one is empty
    assert gas.inn == "5263000112" and gas.email == "info@gazovik.ru" and gas.in_queue
    assert gas.address == "603000, Нижний Новгород, ул. Горького, 1"
    assert _phones(db, gas.id) == {"+78314112233": "ext. 204", "+78314112234": ""}
    assert set(_contacts(db, gas.id)) == {"Смирнов Олег Петрович"}
    assert "Постоянный поставщик" in _history(db, gas.id)[0][1]
    assert _company(db, "ООО «Волга-Трейд»").inn == "6315000220"
    # No phone: waits for research, not in the callers' queue; spaces squeezed.
    north = _company(db, "Север ИП Кузнецов")
    assert (north.in_queue, north.needs_data_fix, north.email) == (False, True, "kuznecov@mail.ru")
    assert "No phone" in _history(db, north.id)[0][1]


def test_bitrix24_companies_a_shared_toll_free_number_is_a_possible_duplicate_not_a_merge(db, make_user, files):
    boss = make_user("supervisor")
    report = importing.run_import(db, boss, files / "bitrix24_companies.csv")
    assert (report.rows, report.imported, report.merged, report.rejected) == (6, 5, 1, 0)
    assert (report.possible_duplicates, report.needs_research) == (1, 2)
    steel, sokolov = _company(db, "ПАО «Северсталь»"), _company(db, "ИП Соколов")
    # Neither swallowed the other: each keeps its name, e-mail and the shared number.
    assert steel.email == "office@severstal.example" and sokolov.email == "sokolov@mail.example"
    assert set(_phones(db, steel.id)) == {"+78002004545"}
    assert set(_phones(db, sokolov.id)) == {"+78002004545", "+79215556677"}
    assert steel.industry == "Металлургия" and steel.website == "severstal.example" and steel.address == "Череповец"
    for company, other in ((sokolov, steel), (steel, sokolov)):
        notes = [text for outcome, text in _history(db, company.id) if outcome == "import_possible_duplicate"]
        assert len(notes) == 1 and other.name in notes[0] and "+7 800 200-45-45" in notes[0]
    [note] = [n for n in report.notes if n.kind == "possible_duplicate"]
    assert note.line == 3 and "Северсталь" in note.text
    # Internal spaces squeezed; the extension kept; the second e-mail of the cell kept in the history.
    hedgehog = _company(db, "ООО Ёжик")
    assert _phones(db, hedgehog.id) == {"+74956007080": "ext. 123", "+79161112233": ""}
    assert hedgehog.email == "ezhik@ezhik.example"
    assert "sales@ezhik.example" in _history(db, hedgehog.id)[0][1]
    # The CRM user in charge («Ответственный») is not a contact person of the client.
    with db.read() as s:
        assert s.execute(select(func.count()).select_from(Contact)).scalar_one() == 0
    # Rows without a phone: for research, not the queue.
    for name in ("Без Телефона", "Только Почта"):
        company = _company(db, name)
        assert not company.in_queue and company.needs_data_fix
    assert _company(db, "Только Почта").email == "only@example.ru"
    kinds = sorted(row[1] for row in _report_rows(report)[1:])
    assert kinds == ["needs research", "needs research", "possible duplicate"]


def test_a_merge_never_overwrites_a_filled_field_and_says_what_the_file_had(db, make_user, files, tmp_path):
    boss = make_user("supervisor")
    importing.run_import(db, boss, files / "bitrix24_companies.csv")
    steel = _company(db, "ПАО «Северсталь»")
    again = tmp_path / "again.csv"
    again.write_text(
        importing.write_csv(
            [
                ["Компания", "Телефон", "E-mail", "Отрасль", "Город"],
                ["Северсталь ПАО", "8 800 200 45 45", "new@severstal.example", "Сталь", "Череповец"],
            ]
        ),
        encoding="utf-8",
    )
    report = importing.run_import(db, boss, again)
    assert (report.imported, report.merged, report.conflicts) == (0, 1, 2)
    after = _company(db, "ПАО «Северсталь»")
    assert (after.email, after.industry, after.city) == ("office@severstal.example", "Металлургия", "Череповец")
    [(_outcome, text)] = [h for h in _history(db, steel.id) if h[0] == "import_merge"]
    assert "city: Череповец" in text
    assert "e-mail kept, the file had «new@severstal.example»" in text and "industry kept" in text
    conflicts = [n for n in report.notes if n.kind == "conflict"]
    assert len(conflicts) == 2 and all(n.line == 2 for n in conflicts)


def test_different_inns_never_merge_even_with_the_same_name_city_and_phone(db, make_user, tmp_path):
    boss = make_user("supervisor")
    path = tmp_path / "two.csv"
    path.write_text(
        importing.write_csv(
            [
                ["Наименование", "ИНН", "Телефон", "Город", "E-mail"],
                ["Ромашка", "7707083893", "+7 495 123-45-67", "Москва", "a@romashka.ru"],
                ["Ромашка", "5027001233", "+7 495 123-45-67", "Москва", "b@romashka.ru"],
                ["ООО Ромашка", "", "+7 495 123-45-67", "Москва", ""],  # no INN, same name and phone: the first one
            ]
        ),
        encoding="utf-8",
    )
    report = importing.run_import(db, boss, path)
    assert (report.imported, report.possible_duplicates, report.unchanged) == (2, 0, 1)
    with db.read() as s:
        assert dict(s.execute(select(Company.inn, Company.email)).all()) == {
            "7707083893": "a@romashka.ru",
            "5027001233": "b@romashka.ru",
        }


def test_amocrm_deals_give_the_company_its_contacts_phones_and_e_mails(db, make_user, files):
    boss = make_user("supervisor")
    report = importing.run_import(db, boss, files / "amocrm_deals.csv")
    assert (report.rows, report.imported, report.merged, report.rejected) == (3, 1, 1, 1)
    assert report.rejects[0].line == 4 and "company name is empty" in report.rejects[0].reason
    pipe = _company(db, "ООО «ТрубаСнаб»")
    assert (pipe.email, pipe.website, pipe.address) == ("info@truba.example", "truba.example", "Екатеринбург")
    assert _contacts(db, pipe.id) == {
        "Белов Игорь": ("Снабженец", "belov@truba.example", {"+73433102030", "+79126001020"}),
        "Чернова Ольга": ("Бухгалтер", "chernova@truba.example", {"+79126001021"}),
    }
    assert set(_phones(db, pipe.id)) == {"+73433102000", "+73433102030", "+79126001020", "+79126001021"}
    # The deal's second company e-mail is not lost: it is in the history.
    assert "zakaz@truba.example" in _history(db, pipe.id)[0][1]


@pytest.mark.parametrize(
    "name, encoding",
    [
        ("koi8r_semicolon.csv", "koi8_r"),
        ("cp866_semicolon.csv", "cp866"),
        ("excel_unicode_text.txt", "utf-16"),
    ],
)
def test_the_encodings_of_russian_offices_are_read_not_guessed_as_cp1251(db, make_user, files, name, encoding):
    boss = make_user("supervisor")
    report = importing.run_import(db, boss, files / name)
    assert report.encoding == encoding and (report.imported, report.rejected) == (2, 0)
    tree = _company(db, "Ёлка-Палка")
    assert tree.city == "Санкт-Петербург" and set(_contacts(db, tree.id)) == {"Щукин Эдуард"}
    assert _company(db, "Жёлудь").city == "Новосибирск"


def test_a_hand_made_excel_list(db, make_user, files):
    boss = make_user("supervisor")
    importing.run_import(db, boss, files / "1c_kontragenty_utf8_semicolon.csv")
    report = importing.run_import(db, boss, files / "handmade_list.xlsx")
    assert (report.rows, report.imported, report.merged, report.rejected) == (3, 1, 1, 1)
    assert report.rejects[0].line == 6 and "не помню" in report.rejects[0].reason
    bread = _company(db, "Пермский хлеб")
    assert _phones(db, bread.id) == {"+73422001010": "ext. 15", "+79028001010": ""}
    assert bread.email == "hleb@perm.example" and "buh@perm.example" in _history(db, bread.id)[0][1]
    assert _contacts(db, bread.id) == {"Зайцев А. В.": ("директор", "", set())}
    # The same INN is the same company: merged, and the other name is noted, not taken.
    gas = _company(db, "Газовик")
    [(_outcome, text)] = [h for h in _history(db, gas.id) if h[0] == "import_merge"]
    assert "name kept, the file had «Камский Завод»" in text and "+73422002020" in text


@pytest.mark.parametrize(
    "name, words",
    [
        ("broken_binary.csv", "not a spreadsheet or text file"),
        ("broken_truncated.xlsx", "Excel file is damaged"),
        ("broken_old_excel.xls", "Old .xls files"),
    ],
)
def test_a_broken_file_gets_a_sentence_a_person_can_act_on(db, make_user, files, name, words):
    boss = make_user("supervisor")
    with pytest.raises(ValidationFailed) as caught:
        importing.run_import(db, boss, files / name)
    assert words in str(caught.value)
    with pytest.raises(ValidationFailed):
        importing.preview(db, boss, files / name)
    assert _count(db, Company) == 0


def test_an_excel_file_saved_under_a_csv_name_is_read_as_excel(db, make_user, files):
    boss = make_user("supervisor")
    shutil.copy(files / "handmade_list.xlsx", files / "list.csv")
    assert importing.run_import(db, boss, files / "list.csv").kind == "xlsx"


def test_a_5_mb_line_is_one_rejected_row_and_the_rest_is_imported(db, make_user, tmp_path):
    boss = make_user("supervisor")
    path = tmp_path / "long.csv"
    with open(path, "w", encoding="utf-8") as out:
        out.write("Компания;Телефон\nПервая;+7 495 100-00-01\n")
        out.write("Огромная;" + "9" * 5_000_000 + "\n")
        out.write("Длинная;+7 495 100-00-02;" + "x" * 120_000 + "\n")  # under the csv field limit, over a row's
        out.write("Последняя;+7 495 100-00-03\n")
    report = importing.run_import(db, boss, path)
    assert (report.imported, report.rejected) == (2, 2)
    assert [r.line for r in report.rejects] == [3, 4] and all("too long" in r.reason for r in report.rejects)
    rows = _report_rows(report)
    assert all(len(";".join(row)) < 5_000 for row in rows)  # the report holds no 5 MB cell


def test_a_title_that_names_a_column_does_not_hide_the_real_header(db, make_user, tmp_path):
    boss = make_user("supervisor")
    path = tmp_path / "titled.csv"
    path.write_text(
        "Контрагенты\n\nНаименование;ИНН;Телефон;Город\nРомашка;;+7 495 123-45-67;Москва\n", encoding="utf-8"
    )
    report = importing.run_import(db, boss, path)
    assert (report.imported, report.rejected) == (1, 0) and _company(db, "Ромашка").city == "Москва"


def test_the_preview_writes_nothing_and_counts_what_the_import_then_does(db, make_user, files):
    boss = make_user("supervisor")
    importing.run_import(db, boss, files / "1c_kontragenty_utf8_semicolon.csv")
    before = tuple(_count(db, model) for model in (Company, Phone, Contact, Interaction))
    preview = importing.preview(db, boss, files / "handmade_list.xlsx")
    assert tuple(_count(db, model) for model in (Company, Phone, Contact, Interaction)) == before
    assert preview.kind == "xlsx" and not preview.partial
    assert [(c.header, c.field) for c in preview.columns][:4] == [
        ("№ п/п", ""),
        ("Организация", "name"),
        ("ИНН", "inn"),
        ("Тел.", "phone"),
    ]
    assert [(r.line, r.name, r.outcome.split(":")[0]) for r in preview.rows] == [
        (4, "Пермский хлеб", "new"),
        (5, "Камский Завод", "merged into #1"),
        (6, "Уральские Окна", "rejected"),  # a rejected row is named when it had a name
    ]
    assert preview.rows[0].phones == ("+7 342 200-10-10 ext. 15", "+7 902 800-10-10")
    report = importing.run_import(db, boss, files / "handmade_list.xlsx")
    counts = lambda r: (r.rows, r.imported, r.merged, r.unchanged, r.rejected, r.possible_duplicates, r.conflicts)  # noqa: E731
    assert counts(preview.report) == counts(report)


def test_a_mapping_chosen_by_the_person_replaces_the_headers(db, make_user, tmp_path):
    boss = make_user("supervisor")
    path = tmp_path / "odd.csv"
    path.write_text("Клиент;Колонка 2;Колонка 3\nРомашка;+7 495 123-45-67;Москва\n", encoding="utf-8")
    preview = importing.preview(db, boss, path, columns={"name": [0], "phone": [1], "city": [2]})
    assert [c.field for c in preview.columns] == ["name", "phone", "city"]
    importing.run_import(db, boss, path, columns={"name": [0], "phone": [1], "city": [2]})
    romashka = _company(db, "Ромашка")
    assert romashka.city == "Москва" and set(_phones(db, romashka.id)) == {"+74951234567"}
    with pytest.raises(ValidationFailed):
        importing.run_import(db, boss, path, columns={"phone": [1]})
    with pytest.raises(ValidationFailed):
        importing.run_import(db, boss, path, columns={"name": [0], "password": [1]})


def test_kbase_import_dry_run_shows_and_writes_nothing(sqlite_db, files, capsys):
    assert main(["import", str(files / "bitrix24_companies.csv"), "--db", sqlite_db.url, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "nothing written" in out and "Possible duplicates" in out and "ИП Соколов" in out
    assert "Рабочий e-mail" in out and "possible duplicate" in out
    assert _count(sqlite_db, Company) == 0


def test_an_import_is_undone_but_what_someone_worked_on_since_stays(db, make_user, files, tmp_path):
    from kbase_tui.models import AuditEvent, ImportRun

    boss = make_user("supervisor")
    first = importing.run_import(db, boss, files / "1c_kontragenty_utf8_semicolon.csv")
    before = tuple(_count(db, model) for model in (Company, Phone, Contact))
    gas = _company(db, "Газовик")
    second_file = tmp_path / "second.csv"
    second_file.write_text(
        importing.write_csv(
            [
                ["Наименование", "ИНН", "Телефон", "Контактное лицо", "Город", "Отрасль"],
                ["Газовик", "", "+7 831 411-22-34, +7 831 411-22-99", "Новый Человек", "Нижний Новгород", "Газ"],
                ["Новая Фирма", "", "+7 495 700-00-01", "", "Москва", ""],
                ["Тронутая Фирма", "", "+7 495 700-00-02", "", "Москва", ""],
            ]
        ),
        encoding="utf-8",
    )
    second = importing.run_import(db, boss, second_file)
    assert second.run_id and second.run_id != first.run_id and (second.imported, second.merged) == (2, 1)
    touched = _company(db, "Тронутая Фирма")
    with db.write() as s:  # someone called it since: it is kept
        s.get(Company, touched.id).attempts = 1
    runs = importing.recent_runs(db, boss)
    assert [r.id for r in runs][:2] == [second.run_id, first.run_id] and runs[0].file == "second.csv"
    undone = importing.undo_import(db, boss, second.run_id)
    assert (undone.removed, undone.kept, undone.fields_cleared, undone.phones_removed, undone.contacts_removed) == (
        1,
        1,
        2,
        1,
        1,
    )
    after = _company(db, "Газовик")
    assert (after.city, after.industry) == ("", "") and set(_contacts(db, gas.id)) == {"Смирнов Олег Петрович"}
    assert set(_phones(db, gas.id)) == {"+78314112233", "+78314112234"}
    assert any(o == "import_undone" and "second.csv" in t for o, t in _history(db, gas.id))
    with db.read() as s:
        names = set(s.execute(select(Company.name)).scalars())
        assert "Новая Фирма" not in names and "Тронутая Фирма" in names
        assert s.get(ImportRun, second.run_id).undone_at is not None
        assert s.execute(select(AuditEvent.action).where(AuditEvent.action == "import_undone")).scalar_one()
    assert tuple(_count(db, model) for model in (Company, Phone, Contact)) == (before[0] + 1, before[1] + 1, before[2])
    with pytest.raises(ValidationFailed):
        importing.undo_import(db, boss, second.run_id)
    # The first import can be undone on its own; Газовик, changed since (by the second import), is kept.
    again = importing.undo_import(db, boss, first.run_id)
    assert (again.removed, again.kept) == (2, 1)
    with db.read() as s:
        assert set(s.execute(select(Company.name)).scalars()) == {"Тронутая Фирма", "Газовик"}


def test_only_an_importer_may_list_or_undo_imports(db, make_user, files):
    from kbase_tui.services.errors import AccessDenied

    boss, caller = make_user("supervisor"), make_user("caller")
    report = importing.run_import(db, boss, files / "koi8r_semicolon.csv")
    with pytest.raises(AccessDenied):
        importing.undo_import(db, caller, report.run_id)
    with pytest.raises(AccessDenied):
        importing.recent_runs(db, caller)
    assert _count(db, Company) == 2


def test_kbase_import_lists_runs_and_undoes_one(sqlite_db, files, capsys):
    assert main(["import", str(files / "koi8r_semicolon.csv"), "--db", sqlite_db.url]) == 0
    assert main(["import", "--runs", "--db", sqlite_db.url]) == 0
    out = capsys.readouterr().out
    assert "koi8r_semicolon.csv" in out and "local:" in out
    assert main(["import", "--undo", "1", "--db", sqlite_db.url]) == 0
    assert "2 companies deleted" in capsys.readouterr().out
    assert _count(sqlite_db, Company) == 0
    assert main(["import", "--undo", "1", "--db", sqlite_db.url]) == 1
    assert "already undone" in capsys.readouterr().err


def test_a_preview_of_many_rows_that_match_the_base(db, make_user, tmp_path):
    """More merges than one statement may name (SQLite: 32,766 values) are read in pieces."""
    boss = make_user("supervisor")
    path = tmp_path / "many.csv"
    path.write_text(
        importing.write_csv([["Компания", "Телефон"]] + [[f"Фирма {n}", f"+7 495 {n:07d}"] for n in range(40_000)]),
        encoding="utf-8",
    )
    importing.run_import(db, boss, path)
    again = tmp_path / "again.csv"
    again.write_text(
        importing.write_csv(
            [["Компания", "Телефон", "Город"]] + [[f"Фирма {n}", f"8 495 {n:07d}", "Тула"] for n in range(40_000)]
        ),
        encoding="utf-8",
    )
    preview = importing.preview(db, boss, again)
    assert (preview.report.merged, preview.report.imported) == (40_000, 0)


def test_utf_16_without_a_bom_and_utf_8_with_a_stray_nul(db, make_user, tmp_path):
    boss = make_user("supervisor")
    text = "Организация\tТелефон\r\nЁлка\t+7 (812) 300-40-50\r\n"
    no_bom = tmp_path / "no_bom.txt"
    no_bom.write_bytes(text.encode("utf-16-le"))
    assert importing.detect_encoding(no_bom) == "utf_16_le"
    stray = tmp_path / "stray.csv"
    stray.write_bytes(("Организация;Телефон\nЖёлудь;8 (383) 210-11-12\nВторая\x00;+7 495 100-00-01\n" * 3).encode())
    assert importing.detect_encoding(stray) == "utf-8"
    report = importing.run_import(db, boss, no_bom)
    assert report.imported == 1 and _company(db, "Ёлка")
