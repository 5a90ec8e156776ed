"""Import: encodings, separators, quoted fields, XLSX, duplicates in several spellings, bad rows, re-runs."""

from __future__ import annotations

import csv
import random
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from kbase_tui import paths
from kbase_tui.models import EPOCH, AuditEvent, Company, Contact, Interaction, Phone
from kbase_tui.services import importing, phones
from kbase_tui.services.errors import AccessDenied, ValidationFailed

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "import"


@pytest.fixture
def files(tmp_path) -> Path:
    for item in FIXTURES.iterdir():
        if item.suffix in (".csv", ".xlsx"):
            shutil.copy(item, tmp_path / item.name)
    return tmp_path


def _counts(db) -> tuple[int, int, int, int]:
    with db.read() as s:
        return tuple(
            s.execute(select(func.count()).select_from(table)).scalar_one()
            for table in (Company, Phone, Contact, Interaction)
        )


def _company(db, **where) -> Company:
    with db.read() as s:
        query = select(Company)
        for key, value in where.items():
            query = query.where(getattr(Company, key) == value)
        return s.execute(query).scalar_one()


def _phones_of(db, company_id: int) -> set[str]:
    with db.read() as s:
        return set(s.execute(select(Phone.number).where(Phone.company_id == company_id)).scalars())


def test_messy_utf8_bom_semicolon_file_merges_duplicates_and_rejects_bad_rows(db, make_user, files):
    boss = make_user("supervisor")
    seen_progress = []
    report = importing.run_import(
        db, boss, files / "messy_bom_semicolon.csv", progress=lambda d, t: seen_progress.append((d, t))
    )
    assert (report.encoding, report.delimiter) == ("utf-8-sig", ";")
    assert (report.rows, report.imported, report.merged, report.unchanged, report.rejected) == (10, 4, 2, 1, 3)
    assert [(r.line, r.reason.split(":")[0]) for r in report.rejects] == [
        (5, "the company name is empty"),
        (6, "the INN is not valid"),
        (7, "the phone number is not valid"),
    ]
    assert seen_progress[-1] == (10, 10)
    # Three spellings of Ромашка became one company with both phones and both contacts.
    romashka = _company(db, inn="7707083893")
    assert romashka.name == "ООО «Ромашка»" and romashka.city == "Москва" and romashka.industry == "Металлургия"
    assert _phones_of(db, romashka.id) == {"+74951234567", "+79165554433"}
    with db.read() as s:
        contacts = set(s.execute(select(Contact.full_name).where(Contact.company_id == romashka.id)).scalars())
        assert contacts == {"Иванов Иван", "Петров Пётр"}
        history = s.execute(select(Interaction.text).where(Interaction.company_id == romashka.id)).scalars().all()
        # One entry: imported from line 2, and what lines 3 and 4 added to it.
        assert len(history) == 1 and "line 2." in history[0]
        # The stored words are the ones the history shows (the phone as the card writes it).
        assert "line 3: added phone +7 916 555-44-33" not in history[0]
        assert (
            "line 3: added contact Петров Пётр" in history[0] and "line 4: added phone +7 916 555-44-33" in history[0]
        )
    # New companies wait in the cold queue like any lead.
    assert romashka.stage == "cold" and romashka.category == "potential" and romashka.in_queue
    assert romashka.queue_rank == 100 and romashka.last_tried_at == EPOCH
    assert romashka.name_search == "ооо «ромашка»" and romashka.city_search == "москва"
    # Hostile text is stored cleaned but literal; long names are cut to the column.
    with db.read() as s:
        names = set(s.execute(select(Company.name)).scalars())
    assert "[bold red]Взлом[/] [2J" in names
    assert max(len(n) for n in names) == 300
    zavod = _company(db, city="Екатеринбург")
    assert zavod.name == 'Завод "Прогресс", АО'
    assert _phones_of(db, zavod.id) == {"+73431112233", "+79120001122"}
    with db.read() as s:
        assert (
            s.execute(select(Contact.full_name).where(Contact.company_id == zavod.id)).scalar_one() == "Сидорова Анна"
        )
    # Rejects go to the report in the exports folder (never beside the input), with line numbers and reasons.
    assert not [p for p in files.iterdir() if "reject" in p.name or "report" in p.name]
    report_file = Path(report.report_path)
    assert report_file.parent == paths.exports_dir() and report_file.stat().st_mode & 0o777 == 0o600
    with open(report_file, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    assert rows[0][:4] == ["line", "result", "detail", "Наименование"]
    rejected = [r for r in rows[1:] if r[1] == "rejected"]
    assert [r[0] for r in rejected] == ["5", "6", "7"] and rejected[1][3] == "Металл-Сервис"


def test_running_the_same_file_again_adds_nothing(db, make_user, files):
    boss = make_user("supervisor")
    importing.run_import(db, boss, files / "messy_bom_semicolon.csv")
    before = _counts(db)
    again = importing.run_import(db, boss, files / "messy_bom_semicolon.csv")
    assert (again.imported, again.merged, again.unchanged, again.rejected) == (0, 0, 7, 3)
    assert _counts(db) == before


def test_windows_1251_semicolon_file(db, make_user, files):
    boss = make_user("supervisor")
    report = importing.run_import(db, boss, files / "cp1251_semicolon.csv")
    assert (report.encoding, report.delimiter, report.imported, report.rejected) == ("cp1251", ";", 3, 0)
    steel = _company(db, city="Тула")
    assert steel.name == "Сталь-Трейд" and steel.channel == "Дилеры"
    assert _phones_of(db, steel.id) == {"+74872556677"}
    with db.read() as s:
        assert s.execute(select(Contact.full_name).where(Contact.company_id == steel.id)).scalar_one() == "Ёлкин Семён"
    assert _company(db, name="Ёлочка").name_search == "елочка"


def test_english_comma_file_with_quoted_commas_and_line_breaks(db, make_user, files):
    boss = make_user("supervisor")
    report = importing.run_import(db, boss, files / "english_comma.csv")
    assert (report.encoding, report.delimiter) == ("utf-8", ",")
    assert (report.imported, report.rejected) == (3, 1) and report.rejects[0].line == 5
    alpha = _company(db, name="Alpha, Beta & Co")
    assert alpha.email == "alpha@example.com" and alpha.channel == "Online shops"
    assert _company(db, name="Gamma Delta").city == "Moscow"
    assert _company(db, name="Sigma").email == ""  # not an e-mail address: dropped, row kept
    with db.read() as s:
        assert s.execute(select(Contact.position).where(Contact.full_name == "Smith, John")).scalar_one() == "Buyer"


def test_xlsx_with_a_title_row_numbers_as_cells_and_a_merge_into_the_base(db, make_user, files):
    boss = make_user("supervisor")
    importing.run_import(db, boss, files / "messy_bom_semicolon.csv")
    report = importing.run_import(db, boss, files / "clients.xlsx")
    assert report.kind == "xlsx"
    assert (report.imported, report.merged, report.rejected) == (1, 1, 1) and report.rejects[0].line == 7
    ural = _company(db, name="Уралмаш-Сервис")
    assert _phones_of(db, ural.id) == {"+73432223344", "+73432223345"} and ural.industry == "Машиностроение"
    romashka = _company(db, inn="7707083893")
    with db.read() as s:
        assert "Новиков" in set(s.execute(select(Contact.full_name).where(Contact.company_id == romashka.id)).scalars())
        merge_note = s.execute(
            select(Interaction.text).where(Interaction.company_id == romashka.id, Interaction.outcome == "import_merge")
        ).scalar_one()
        assert "Новиков" in merge_note and "clients.xlsx" in merge_note


def test_batches_commit_as_they_go_and_a_stopped_import_keeps_them(db, make_user, tmp_path):
    boss = make_user("supervisor")
    path = tmp_path / "many.csv"
    rows = [["Компания", "Телефон"]] + [[f"Фирма {n}", f"+7 495 {100 + n:03d}-00-00"] for n in range(10)]
    path.write_text(importing.write_csv(rows), encoding="utf-8")
    batches = []
    report = importing.run_import(
        db, boss, path, batch_size=4, progress=lambda d, t: batches.append(d), should_stop=lambda: len(batches) >= 2
    )
    assert report.stopped and report.imported == 8 and batches == [4, 8, 8]
    assert _counts(db)[0] == 8
    rest = importing.run_import(db, boss, path, batch_size=4)
    assert (rest.imported, rest.unchanged) == (2, 8)
    with db.read() as s:
        assert (
            s.execute(
                select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "import_batch")
            ).scalar_one()
            == 5
        )


def test_a_phone_of_another_company_or_a_namesake_with_its_own_inn_stays_apart(db, make_user, tmp_path):
    boss = make_user("supervisor")
    path = tmp_path / "namesakes.csv"
    path.write_text(
        importing.write_csv(
            [
                ["Наименование", "ИНН", "Телефон", "Город"],
                ["Ромашка", "7707083893", "+7 495 123-45-67", "Москва"],
                ["Ромашка", "5027001233", "+7 495 123-45-67", "Москва"],
            ]
        ),
        encoding="utf-8",
    )
    assert importing.clean_inn("5027001233") == "5027001233"
    report = importing.run_import(db, boss, path)
    assert report.imported == 2
    with db.read() as s:
        # A shared switchboard: both companies keep the number, neither swallowed the other.
        assert s.execute(select(func.count(func.distinct(Phone.company_id)))).scalar_one() == 2
    before = _counts(db)
    assert importing.run_import(db, boss, path).unchanged == 2 and _counts(db) == before


def test_a_file_without_a_name_column_is_refused(db, make_user, tmp_path):
    boss = make_user("supervisor")
    path = tmp_path / "bad.csv"
    path.write_text("foo;bar\n1;2\n", encoding="utf-8")
    with pytest.raises(ValidationFailed):
        importing.run_import(db, boss, path)


@pytest.mark.parametrize("role", ["caller", "closer", "account", "admin"])
def test_no_other_role_may_import(db, make_user, files, role):
    someone = make_user(role)
    with pytest.raises(AccessDenied):
        importing.run_import(db, someone, files / "cp1251_semicolon.csv")
    assert _counts(db)[0] == 0


def test_headers_in_russian_and_english_map_to_the_same_fields():
    mapping = importing.map_headers(
        [
            "Наименование",
            "ИНН",
            "Телефон 2",
            "E-mail",
            "Контактное лицо",
            "Канал продаж",
            "Отрасль",
            "Город",
            "Телефон",
            "Должность",
            "Неизвестная колонка",
        ]
    )
    assert mapping == {
        "name": [0],
        "inn": [1],
        "phone": [2, 8],
        "email": [3],
        "contact": [4],
        "channel": [5],
        "industry": [6],
        "city": [7],
        "position": [9],
    }
    assert importing.map_headers(["Company name", "Phone", "e-mail", "Contact person"]) == {
        "name": [0],
        "phone": [1],
        "email": [2],
        "contact": [3],
    }


def test_fast_phone_path_agrees_with_the_phone_library():
    rng = random.Random(7)
    samples = [
        "8 (495) 123-45-67",
        "+7 916 555 44 33",
        "495 123 45 67",
        "+7 777 123 45 67",
        "8 10 49 30 1234567",
        "+44 20 7946 0958",
        "12-34",
        "8-800-100-20-30",
        "+7 (4872) 55-66-77",
        "7 499 000 00 00",
    ]
    for _ in range(3000):
        digits = "".join(rng.choice("0123456789") for _ in range(10))
        samples.append(rng.choice(["8", "+7", "7", "", "+7 "]) + digits)
    from kbase_tui.phones import _normalise_slowly

    for raw in samples:
        assert phones.normalise(raw) == _normalise_slowly(raw.strip(), "RU"), raw


def test_inn_checksums():
    assert importing.valid_inn("7707083893") and not importing.valid_inn("7707083894")
    assert importing.valid_inn("500100732259") and not importing.valid_inn("500100732250")
    assert importing.clean_inn("") is None
    assert importing.clean_inn("770 708 3893") == "7707083893"
    with pytest.raises(ValueError):
        importing.clean_inn("12345")


def test_quick_fold_and_duplicate_key_agree_with_their_regex_definitions():
    """textnorm.fold and name_key avoid regexes for speed; they must give what the plain definitions give."""
    import re
    import unicodedata

    from kbase_tui.textnorm import _LEGAL_FORMS, fold, name_key

    spaces, non_word = re.compile(r"\s+"), re.compile(r"[^\w]+")

    def fold_by_regex(text: str) -> str:
        return spaces.sub(" ", unicodedata.normalize("NFKC", text or "").casefold().replace("ё", "е")).strip()

    def key_by_regex(text: str) -> str:
        return spaces.sub(" ", non_word.sub(" ", _LEGAL_FORMS.sub(" ", fold_by_regex(text)))).strip()

    rng = random.Random(11)
    samples = [
        "ООО «Ромашка»",
        "ооо ромашка",
        "Ёлкин и Ко, АО",
        "ИП Петров\u00a0П.П.",
        "ЗАО\tСталь-Трейд  ",
        "Acme LLC",
        "ACME, Inc.",
        "ooo",
        "ао",
        "Тд_Альфа",
        "ГК «ТД Альфа»",
        "ﬁrma Ⅻ",
        "ＯＯＯ",
        "e\u0301cole",
        "",
        "   ",
        "[bold red]x[/]",
        "ПАО\u2003«Завод»\u2028№5",
        "x\u200by",
        "ıNC",
        "ſtal",
    ]
    alphabet = "аоипзтдгкнлсАОИПЗТДГКНЛСёЁ ,.«»\"'-_№\u00a0\t\nIiLlCcNnJjSs0123456789\u0301ß"
    for _ in range(3000):
        samples.append("".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 20))))
    for text in samples:
        assert fold(text) == fold_by_regex(text), repr(text)
        assert name_key(text) == key_by_regex(text), repr(text)


def test_the_import_entry_is_read_in_the_readers_language(db, make_user, tmp_path):
    """Imported by an English user, read by a Russian one: the entry in Russian, with the file and the line."""
    from kbase_tui.i18n import language_for
    from kbase_tui.services import clients

    boss = make_user("supervisor")
    source = tmp_path / "upload-tester.csv"
    source.write_text("name;phone\nООО «Берёза»;+7 495 765-43-21\n", encoding="utf-8")
    with language_for("en"):
        importing.run_import(db, boss, source)
    company = _company(db, name="ООО «Берёза»")
    with db.read() as s:
        stored = s.execute(select(Interaction.text).where(Interaction.company_id == company.id)).scalar_one()
    assert stored.startswith("Imported from upload-tester.csv, line 2.")  # the writer's words stay for old readers
    with language_for("ru"):
        (entry,) = clients.history(db, boss, company.id)
    assert entry.text == "Загружено из upload-tester.csv, строка 2."
    with language_for("en"):
        (entry,) = clients.history(db, boss, company.id)
    assert entry.text == "Imported from upload-tester.csv, line 2."


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the matching itself is not under test
def test_a_rejected_row_is_named_in_the_preview_and_the_rejects(db, make_user, tmp_path):
    """A row turned away for its INN still had a company name: the first rows and the rejects both say it."""
    from kbase_tui.protocol.importer import rejected_detail

    boss = make_user("supervisor")
    source = tmp_path / "tester.csv"
    source.write_text(
        "name;inn;phone\nООО «Ясень»;7701234567;+7 495 765-43-21\n;7701234567;+7 495 765-43-22\n"
        "[b]Клён[/b];;+7 495 765-43-23;\n",
        encoding="utf-8",
    )
    preview = importing.preview(db, boss, source)
    shown = {row.line: row for row in preview.rows}
    assert shown[2].name == "ООО «Ясень»" and shown[2].outcome == "rejected: the INN is not valid: 7701234567"
    assert shown[3].name == "" and shown[3].outcome == "rejected: the company name is empty"
    rejects = {r.line: r for r in preview.report.rejects}
    assert rejects[2].name == "ООО «Ясень»" and rejects[3].name == ""
    assert rejected_detail(rejects[2]) == "ООО «Ясень»: the INN is not valid: 7701234567"
    assert rejected_detail(rejects[3]) == "the company name is empty"
    report = importing.run_import(db, boss, source)
    assert [(r.line, r.name) for r in report.rejects] == [(2, "ООО «Ясень»"), (3, "")]


def test_every_history_line_of_an_import_is_read_in_the_readers_language(db, make_user, tmp_path):
    """A later line merged into a company of the same file or of the base, a value kept, a possible duplicate:
    imported by an English user, each line reads in Russian for a Russian reader (they were stored in English)."""
    from kbase_tui.i18n import language_for
    from kbase_tui.services import clients

    boss = make_user("supervisor")
    first = tmp_path / "first.csv"
    first.write_text(
        "name;inn;phone;city;contact\n"
        "ООО «Берёза»;7707083893;+7 495 765-43-21;Москва;\n"
        "ООО «Берёза»;7707083893;+7 495 765-43-22;Тверь;Иван Петров\n",
        encoding="utf-8",
    )
    second = tmp_path / "second.csv"
    second.write_text(
        "name;inn;phone;city;email\n"
        "ООО «Берёза»;7707083893;;Казань;info@bereza.ru\n"
        "ООО «Осина»;;+7 495 765-43-21;Москва;\n",
        encoding="utf-8",
    )
    with language_for("en"):
        importing.run_import(db, boss, first)
        importing.run_import(db, boss, second)
    bereza, osina = _company(db, name="ООО «Берёза»"), _company(db, name="ООО «Осина»")

    def texts(company_id: int, language: str) -> str:
        with language_for(language):
            return "\n".join(entry.text for entry in clients.history(db, boss, company_id))

    russian = texts(bereza.id, "ru") + "\n" + texts(osina.id, "ru")
    for english in ("Merged", "added", "phone", "contact", "kept", "Possible", "line", "city"):
        assert english not in russian, (english, russian)
    assert "Объединено из first.csv, строка 3: добавлено: телефон +7 495 765-43-22, контакт Иван Петров." in russian
    assert "строка 3: город — оставлено прежнее, в файле «Тверь»" in russian
    assert (
        "Объединено из second.csv, строка 2: добавлено: эл. почта: info@bereza.ru; город: оставлено прежнее" in russian
    )
    assert "Возможный дубль: у «ООО «Осина»»" in russian or "Возможный дубль: у ООО «Осина»" in russian
    english = texts(bereza.id, "en")
    assert "Merged from first.csv, line 3: added phone +7 495 765-43-22, contact Иван Петров." in english
    assert "line 3: city kept, the file had «Тверь»" in english
