"""Import with the file read and parsed in a second process: exactly the result of one process.

The tricky file below has every kind of row the importer treats specially (rejects, blank lines, quoted line
breaks, duplicates by INN, by phone in other spellings and by name + city, within one batch and across batches,
matches of companies already in the base, namesakes with their own INN, hostile text); it is imported both
ways into the same starting base and everything the import writes is compared.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select, text

from kbase_tui.models import AuditEvent, Company, Contact, ImportChange, ImportRun, Interaction, Phone
from kbase_tui.services import importing
from kbase_tui.services.errors import ValidationFailed
from kbase_tui.services.importing import importer

HEADER = [
    "Наименование",
    "ИНН",
    "Телефон",
    "Телефон 2",
    "Контактное лицо",
    "Должность",
    "Телефон контакта",
    "Город",
    "Отрасль",
    "E-mail",
    "Комментарий",
]


def _tricky_rows() -> list[list[str]]:
    rows = [
        ["ООО «Ромашка»", "7707083893", "8 (495) 123-45-67", "", "Иванов Иван", "Директор", "", "Москва", "", "", ""],
        ["", "", "", "", "", "", "", "", "", "", ""],  # blank: skipped, not counted
        [
            "ромашка ооо",
            "",
            "+7 495 1234567",
            "+7 916 555 44 33",
            "Петров Пётр",
            "",
            "",
            "Москва",
            "Металлургия",
            "",
            "",
        ],
        ["Ромашка", "770 708 3893", "", "", "", "", "", "", "", "r@romashka.ru", "третья\nстрока с переносом"],
        ["", "7707083893", "+7 495 000-00-01", "", "", "", "", "", "", "", ""],  # no name
        ["Металл-Сервис", "1234567890", "", "", "", "", "", "", "", "", ""],  # bad INN
        ["Сталь", "", "12-34", "", "", "", "", "", "", "", ""],  # bad phone only
        ["Сталь-2", "", "12-34, 8 812 555 66 77", "", "", "", "", "Санкт-Петербург", "", "", ""],  # one good phone
        ["Ромашка", "5027001233", "+7 495 123-45-67", "", "", "", "", "Москва", "", "", ""],  # namesake, own INN
        ["[bold red]Взлом[/] \x1b[2J", "", "", "", "", "", "", "Тула", "", "", "x\x00y"],
        ["ЗАО «Прогресс»", "027001233", "", "", "", "", "", "Екатеринбург", "", "", ""],  # leading zero lost by Excel
        [
            "Прогресс, ЗАО",
            "",
            "",
            "",
            "Сидорова Анна",
            "",
            "+7 912 000 11 22",
            "Екатеринбург",
            "Машиностроение",
            "",
            "",
        ],
        ["ИП Ёлкин", "", "8-800-100-20-30", "", "", "", "", "Казань", "", "not-an-email", ""],
        ["ип елкин", "", "", "", "Ёлкин Е.", "", "", "Казань", "Розница", "", ""],
        ["Base Alpha", "", "+7 495 700 00 01", "", "Новый Контакт", "", "", "", "Логистика", "", ""],  # the base
        ["База Бета", "", "", "", "", "", "", "Пермь", "", "beta@x.ru", ""],  # the base, by name + city
        ["Д" * 400, "", "", "", "", "", "", "", "", "", ""],
    ]
    rng = random.Random(5)
    for n in range(120):
        if n and rng.random() < 0.3:
            k = rng.randrange(n)
            rows.append(
                [
                    f"ооо фирма {k}",
                    "",
                    f"8 (495) {200 + k:03d}-00-0{k % 10}",
                    "",
                    f"Другой {k}",
                    "",
                    "",
                    "Тула",
                    "",
                    "",
                    "",
                ]
            )
        else:
            rows.append(
                [
                    f"ООО «Фирма {n}»",
                    "",
                    f"+7 495 {200 + n:03d} 00 0{n % 10}",
                    "",
                    f"Иванов {n}",
                    "Директор",
                    "",
                    "Тула",
                    "Розница",
                    "",
                    f"строка {n}",
                ]
            )
    # Phones of companies with other names (no INN on either side): possible duplicates, never merges, of the
    # base's company and of the file's first firm (in an earlier batch, or in the same one).
    rows.append(["Другое Имя", "", "+7 495 700-00-01", "", "", "", "", "Тула", "", "", ""])
    rows.append(["Третье Имя", "", "8 495 200 00 00", "", "", "", "", "Тула", "", "", ""])
    return [HEADER, *rows]


def _write(path: Path, rows: list[list[str]]) -> Path:
    path.write_text(importing.write_csv(rows), encoding="utf-8-sig")
    return path


def _wipe(db) -> None:
    with db.write() as s:
        for table in (ImportChange, Phone, Contact, Interaction, Company, ImportRun):
            s.execute(delete(table))
            if db.is_postgresql:  # ids from 1 again, as SQLite's max(id) + 1 gives: the notes name companies by id
                s.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.__tablename__}', 'id'), 1, false)"))


def _snapshot(db, audit_after: int) -> dict:
    """Everything the import wrote, without ids and clock times (the two runs differ only in those)."""
    skip = {"id", "created_at", "updated_at", "import_run_id"}
    with db.read() as s:
        companies = {}
        for row in s.execute(select(Company)).scalars():
            values = row.model_dump()
            companies[row.id] = tuple(sorted((k, str(v)) for k, v in values.items() if k not in skip))
        contacts = {
            c.id: (companies[c.company_id], c.full_name, c.position) for c in s.execute(select(Contact)).scalars()
        }
        phones = sorted(
            (companies[p.company_id], contacts.get(p.contact_id), p.number, p.label)
            for p in s.execute(select(Phone)).scalars()
        )
        history = sorted(
            (companies[i.company_id], i.kind, i.outcome, i.text, i.user_id)
            for i in s.execute(select(Interaction)).scalars()
        )
        audit = [
            (a.action, {k: v for k, v in json.loads(a.detail or "{}").items()})
            for a in s.execute(select(AuditEvent).where(AuditEvent.id > audit_after).order_by(AuditEvent.id)).scalars()
        ]
    return {
        "companies": sorted(companies.values()),
        "contacts": sorted(contacts.values()),
        "phones": phones,
        "history": history,
        "audit": audit,
    }


def _last_audit_id(db) -> int:
    with db.read() as s:
        return s.execute(select(func.coalesce(func.max(AuditEvent.id), 0))).scalar_one()


@pytest.mark.parametrize("batch_size", [1, 2, 3, 1000, 2000])
def test_a_parsing_process_gives_exactly_the_result_of_one_process(db, make_user, tmp_path, monkeypatch, batch_size):
    """On SQLite the parsing process also matches the rows (the batches' companies known there by ids of its
    own until the importing process writes them): the same result as one process, whatever the batch size."""
    boss = make_user("supervisor")
    base = _write(
        tmp_path / "base.csv",
        [["Компания", "Телефон", "Город"], ["Base Alpha", "+7 495 700-00-01", ""], ["ООО База Бета", "", "Пермь"]],
    )
    tricky = _write(tmp_path / "tricky.csv", _tricky_rows())
    started = []

    class Spy(importer._ParseProcess):
        def __init__(self, path, columns=None):
            started.append(path)
            super().__init__(path, columns)

    monkeypatch.setattr(importer, "_ParseProcess", Spy)
    results = []
    for parallel in (False, True):
        _wipe(db)
        importing.run_import(db, boss, base, parallel=False)
        audit_after = _last_audit_id(db)
        report_path = tmp_path / f"report-{parallel}.csv"
        report = importing.run_import(
            db, boss, tricky, batch_size=batch_size, parallel=parallel, report_path=report_path
        )
        rejects = report_path.read_text(encoding="utf-8-sig")
        fields = (
            report.kind,
            report.encoding,
            report.delimiter,
            report.rows,
            report.imported,
            report.merged,
            report.unchanged,
            report.rejected,
            report.rejects,
            report.stopped,
            report.columns,
            report.possible_duplicates,
            report.conflicts,
            report.needs_research,
            report.notes,
        )
        results.append((fields, rejects, _snapshot(db, audit_after)))
    assert started == [tricky]  # the second run really parsed in another process
    serial, parallel = results
    # rows read, new, merged, unchanged, rejected: every kind of outcome happened
    assert serial[0][3:8] == (138, 99, 27, 8, 4)
    assert serial[0][11] == 2  # the two possible duplicates
    assert parallel[0] == serial[0]
    assert parallel[1] == serial[1]
    assert parallel[2] == serial[2]


def test_a_parsing_process_reports_a_file_without_a_name_column_the_same_way(db, make_user, tmp_path):
    boss = make_user("supervisor")
    path = _write(tmp_path / "bad.csv", [["foo", "bar"], ["1", "2"]])
    messages = []
    for parallel in (False, True):
        with pytest.raises(ValidationFailed) as caught:
            importing.run_import(db, boss, path, parallel=parallel)
        messages.append(str(caught.value))
    assert messages[0] == messages[1] and "company name" in messages[0]


def test_a_row_the_csv_reader_refuses_is_rejected_alone_in_both_modes(db, make_user, tmp_path):
    """A cell beyond the csv module's field limit is a rejected row in both modes, at the same line; the rows
    after it are imported."""
    boss = make_user("supervisor")
    rows = [["Компания", "Телефон"]] + [[f"Фирма {n}", f"+7 495 {100 + n:03d}-00-00"] for n in range(10)]
    rows.insert(8, ["Огромная", "x" * 200_000])
    path = _write(tmp_path / "huge_cell.csv", rows)
    outcomes = []
    for parallel in (False, True):
        _wipe(db)
        report = importing.run_import(
            db, boss, path, batch_size=3, parallel=parallel, report_path=tmp_path / f"report-{parallel}.csv"
        )
        with db.read() as s:
            names = sorted(s.execute(select(Company.name)).scalars())
        outcomes.append((report.rejects, names))
    assert outcomes[0] == outcomes[1]
    assert len(outcomes[0][1]) == 10 and [r.line for r in outcomes[0][0]] == [9]
    assert "too long" in outcomes[0][0][0].reason


def test_a_stopped_import_ends_the_parsing_process_and_keeps_its_batches(db, make_user, tmp_path, monkeypatch):
    boss = make_user("supervisor")
    rows = [["Компания", "Телефон"]] + [[f"Фирма {n}", f"+7 495 {n:07d}"] for n in range(30_000)]
    path = _write(tmp_path / "many.csv", rows)
    processes = []

    class Spy(importer._ParseProcess):
        def __init__(self, path, columns=None):
            super().__init__(path, columns)
            processes.append(self.process)

    done = []
    monkeypatch.setattr(importer, "_ParseProcess", Spy)
    report = importing.run_import(
        db,
        boss,
        path,
        batch_size=1000,
        parallel=True,
        progress=lambda d, t: done.append(d),
        should_stop=lambda: len(done) >= 2,
    )
    assert report.stopped and report.imported == 2000
    assert processes and not processes[0].is_alive()
    with db.read() as s:
        assert s.execute(select(func.count()).select_from(Company)).scalar_one() == 2000


def test_only_large_files_start_a_second_process(tmp_path, monkeypatch):
    small = _write(tmp_path / "small.csv", [["Компания"], ["Фирма"]])
    assert not importer.Importer(None, None, small)._use_process()
    assert importer.Importer(None, None, small, parallel=True)._use_process()
    monkeypatch.setattr(importer, "PARALLEL_MIN_BYTES", 1)
    monkeypatch.setattr(importer.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    assert importer.Importer(None, None, small)._use_process()
    assert not importer.Importer(None, None, small, parallel=False)._use_process()
    monkeypatch.setattr(importer.os, "sched_getaffinity", lambda pid: {0}, raising=False)
    assert not importer.Importer(None, None, small)._use_process()


@pytest.mark.parametrize(
    "name", ["messy_bom_semicolon.csv", "cp1251_semicolon.csv", "english_comma.csv", "clients.xlsx"]
)
def test_every_fixture_file_imports_the_same_in_a_parsing_process(db, make_user, tmp_path, name):
    """The fixture files of test_import.py (encodings, separators, quoted line breaks, XLSX) both ways."""
    boss = make_user("supervisor")
    source = Path(__file__).resolve().parent.parent / "fixtures" / "import" / name
    path = tmp_path / name
    path.write_bytes(source.read_bytes())
    results = []
    for parallel in (False, True):
        _wipe(db)
        audit_after = _last_audit_id(db)
        rejects = tmp_path / f"report-{parallel}.csv"
        report = importing.run_import(db, boss, path, batch_size=2, parallel=parallel, report_path=rejects)
        results.append(
            (
                (
                    report.kind,
                    report.encoding,
                    report.delimiter,
                    report.rows,
                    report.imported,
                    report.merged,
                    report.unchanged,
                    report.rejected,
                    report.rejects,
                    report.columns,
                ),
                rejects.read_bytes() if rejects.exists() else None,
                _snapshot(db, audit_after),
            )
        )
        if rejects.exists():
            rejects.unlink()
    assert results[0] == results[1]


def _base_and_file(tmp_path: Path) -> tuple[Path, Path]:
    """A base whose companies the file meets by name and city only (no INN, no shared phone), and that file."""
    base = _write(
        tmp_path / "base.csv",
        [["Компания", "Город", "Телефон"]]
        + [[f"ООО «Фирма №{n}»", "Тула" if n % 2 else "Москва", f"+7 495 {n:07d}"] for n in range(40)],
    )
    rows = [["Наименование", "Город", "Отрасль"]]
    rows += [[f"фирма №{n} ооо", "тула" if n % 2 else "москва", "Розница"] for n in range(0, 40, 3)]  # the base's
    rows += [[f"Фирма №{n}", "Пермь", "Розница"] for n in range(0, 40, 5)]  # the same names in another city: new
    return base, _write(tmp_path / "file.csv", rows)


def test_the_parsing_process_folds_the_base_names_and_the_import_is_the_same(db, make_user, tmp_path, monkeypatch):
    """On SQLite the parsing process works out the name keys of the base's companies: the importing process
    folds none of them, and every row is matched as when it reads them itself."""
    boss = make_user("supervisor")
    base, path = _base_and_file(tmp_path)
    folded: list[bool] = []
    original_load = importer.Importer._load_base_keys
    original_fold = importer.fold

    def counting_fold(text):
        folded.append(True)
        return original_fold(text)

    def load(self, **kwargs):
        monkeypatch.setattr(importer, "fold", counting_fold)
        try:
            return original_load(self, **kwargs)
        finally:
            monkeypatch.setattr(importer, "fold", original_fold)

    results = []
    for parallel in (False, True):
        _wipe(db)
        importing.run_import(db, boss, base, parallel=False)
        audit_after = _last_audit_id(db)
        folded.clear()
        monkeypatch.setattr(importer.Importer, "_load_base_keys", load)
        report = importing.run_import(db, boss, path, parallel=parallel)
        monkeypatch.setattr(importer.Importer, "_load_base_keys", original_load)
        results.append(((report.imported, report.merged, report.unchanged), _snapshot(db, audit_after), len(folded)))
    (serial, serial_snapshot, serial_folds), (parallel_, parallel_snapshot, parallel_folds) = results
    assert serial == (8, 14, 0) and parallel_ == serial and parallel_snapshot == serial_snapshot
    assert serial_folds == 40 + 2  # the names, and the two cities once each
    assert parallel_folds == (0 if db.is_sqlite else 42)  # PostgreSQL: read here, as before


def test_when_the_parsing_process_cannot_read_the_base_the_importing_process_does(db, make_user, tmp_path, monkeypatch):
    if not db.is_sqlite:
        pytest.skip("the parsing process reads only SQLite bases")
    boss = make_user("supervisor")
    base, path = _base_and_file(tmp_path)
    original = importer._ParseProcess.ask_for_keys
    reports = []
    for unreadable in (False, True):
        _wipe(db)
        importing.run_import(db, boss, base, parallel=False)
        if unreadable:  # a folder is no database: the child says so, the parent loads the keys and matches
            monkeypatch.setattr(
                importer._ParseProcess, "ask_for_keys", lambda self, database, size: original(self, tmp_path, size)
            )
        report = importing.run_import(db, boss, path, parallel=True)
        reports.append((report.imported, report.merged, report.unchanged))
    assert reports[0] == reports[1] == (8, 14, 0)


def test_on_sqlite_the_importing_process_neither_loads_keys_nor_matches(db, make_user, tmp_path, monkeypatch):
    """The parsing process matches the rows of a SQLite base: the importing process reads only the INN and phone
    keys for it, and writes (PostgreSQL: it loads every key and matches, as before)."""
    boss = make_user("supervisor")
    base, path = _base_and_file(tmp_path)
    importing.run_import(db, boss, base, parallel=False)
    calls: list[str] = []
    for name in ("_load_base_keys", "match", "remember", "remember_new"):
        original = getattr(importer.Importer, name)

        def counted(self, *args, _original=original, _name=name, **kwargs):
            calls.append(_name + "".join(f" {k}={v}" for k, v in kwargs.items()))
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(importer.Importer, name, counted)
    report = importing.run_import(db, boss, path, parallel=True)
    assert (report.imported, report.merged, report.unchanged) == (8, 14, 0)
    if db.is_sqlite:
        assert calls == ["_load_base_keys names=False"]
    else:
        assert calls.count("_load_base_keys") == 1 and calls.count("match") == 22
