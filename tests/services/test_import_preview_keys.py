"""The import preview keeps the base's keys between previews of one file (the dialog previews again on each
change of the column mapping): loaded once while the base is unchanged, never polluted by a preview's own rows,
loaded again when the base changes (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest

from kbase_tui.services import importing
from kbase_tui.services.importing import importer

from .supervisor_data import add_company

FILE = (
    "Клиент;Телефон;Город;Примечание\n"
    "Ромашка;+7 495 123-45-67;Москва;\n"
    "Василёк;+7 495 765-43-21;Тула;\n"
    "Василёк;+7 495 765-43-21;Тула;\n"
)


@pytest.fixture
def loads(monkeypatch):
    """How many times the base's keys are read from the database."""
    importer._preview_keys.clear()
    calls = []
    original = importer.Importer._load_base_keys

    def counted(self):
        calls.append(self.dry_run)
        return original(self)

    monkeypatch.setattr(importer.Importer, "_load_base_keys", counted)
    yield calls
    importer._preview_keys.clear()


def outcomes(preview) -> list[tuple[str, str]]:
    return [(r.name, r.outcome) for r in preview.rows]


def test_a_changed_mapping_previews_again_without_reading_the_base_again(db, make_user, tmp_path, loads):
    boss = make_user("supervisor")
    path = tmp_path / "list.csv"
    path.write_text(FILE, encoding="utf-8")
    importing.run_import(db, boss, path)
    assert loads == [False]  # an import always reads the base afresh
    first = importing.preview(db, boss, path)
    assert loads == [False, True]
    assert outcomes(first)[0][1].startswith("merged into #")
    # The person maps the city column to "industry" instead, then back: the keys are the ones read before.
    other = importing.preview(db, boss, path, columns={"name": [0], "phone": [1], "industry": [2]})
    again = importing.preview(db, boss, path)
    assert loads == [False, True]
    assert [c.field for c in other.columns][:3] == ["name", "phone", "industry"]
    # The same answers as a preview that reads the base itself (the cache emptied), every time.
    importer._preview_keys.clear()
    fresh = importing.preview(db, boss, path)
    assert outcomes(first) == outcomes(again) == outcomes(fresh)
    assert first.report.merged == again.report.merged == fresh.report.merged


def test_a_previews_own_new_rows_never_leak_into_the_next_preview(db, make_user, tmp_path, loads):
    boss = make_user("supervisor")
    path = tmp_path / "list.csv"
    path.write_text(FILE, encoding="utf-8")
    first = importing.preview(db, boss, path)
    second = importing.preview(db, boss, path)
    assert len(loads) == 1
    assert outcomes(first) == outcomes(second)
    assert [outcome.split(" ")[0] for _name, outcome in outcomes(second)] == ["new", "new", "merged"]
    assert (first.report.imported, second.report.imported) == (2, 2)


def test_a_change_to_the_base_is_seen_by_the_next_preview(db, make_user, tmp_path, loads):
    boss = make_user("supervisor")
    path = tmp_path / "list.csv"
    path.write_text(FILE, encoding="utf-8")
    assert importing.preview(db, boss, path).report.merged == 0
    # Someone adds «Ромашка» in Москва meanwhile (with no phone: found by its name and city).
    add_company(db, "ООО «Ромашка»", city="Москва")
    after = importing.preview(db, boss, path)
    assert len(loads) == 2 and after.report.merged == 1
