"""Export: CSV and XLSX of a chosen stage or filter, audited with the row count, supervisors only."""

from __future__ import annotations

import csv
import json
import os
import stat

import openpyxl
import pytest
from sqlalchemy import select

from kbase_tui.models import AuditEvent, Phone
from kbase_tui.services import exporter
from kbase_tui.services.errors import AccessDenied
from kbase_tui.services.exporter import ExportFilter

from .supervisor_data import add_company


@pytest.fixture
def base(db, make_user):
    closer = make_user("closer", full_name="Пётр Клоузер")
    ids = {
        "cold": add_company(db, '=HYPERLINK("http://evil")', city="Тула", channel="retail"),
        "pipe": add_company(db, "ООО Сделка", stage="pipeline", owner_id=closer.id, city="Москва", channel="dealers"),
        "acct": add_company(db, "АО Клиент", stage="account", category="active", city="Москва", channel="retail"),
    }
    with db.write() as s:
        s.add(Phone(company_id=ids["pipe"], number="+74951234567"))
        s.add(Phone(company_id=ids["pipe"], number="+79165554433"))
    return ids


def test_csv_of_one_stage_with_phones_and_owner(db, make_user, base, tmp_path):
    boss = make_user("supervisor")
    report = exporter.export_companies(db, boss, tmp_path / "pipe.csv", flt=ExportFilter(stage="pipeline"))
    assert report.rows == 1 and report.format == "csv"
    with open(tmp_path / "pipe.csv", encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    assert rows[0][:4] == ["Id", "Company", "INN", "Phones"]
    assert rows[1][1] == "ООО Сделка" and rows[1][3] == "+74951234567, +79165554433" and rows[1][9] == "Пётр Клоузер"
    assert stat.S_IMODE(os.stat(tmp_path / "pipe.csv").st_mode) == 0o600
    with db.read() as s:
        event = s.execute(select(AuditEvent).where(AuditEvent.action == "export")).scalar_one()
    detail = json.loads(event.detail)
    assert detail["rows"] == 1 and detail["format"] == "csv" and detail["filter"] == {"stage": "pipeline"}


def test_formulas_are_neutralised_in_csv_and_xlsx(db, make_user, base, tmp_path):
    boss = make_user("supervisor")
    exporter.export_companies(db, boss, tmp_path / "all.csv", flt=ExportFilter(city="Тула"))
    with open(tmp_path / "all.csv", encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    assert rows[1][1] == '\'=HYPERLINK("http://evil")'
    report = exporter.export_companies(db, boss, tmp_path / "all.xlsx", flt=ExportFilter(channel="retail"))
    assert report.rows == 2 and report.format == "xlsx"
    sheet = openpyxl.load_workbook(tmp_path / "all.xlsx").active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][1] == "Company" and len(values) == 3
    cell = sheet.cell(row=2, column=2)
    assert cell.data_type == "s" and cell.value == '=HYPERLINK("http://evil")'
    assert {v[1] for v in values[1:]} == {'=HYPERLINK("http://evil")', "АО Клиент"}


def test_local_cli_may_export(db, base, tmp_path):
    from kbase_tui.services import users

    assert exporter.export_companies(db, users.local_actor(), tmp_path / "x.csv").rows == 3


@pytest.mark.parametrize("role", ["caller", "closer", "account", "admin"])
def test_no_other_role_may_export(db, make_user, base, tmp_path, role):
    someone = make_user(role)
    with pytest.raises(AccessDenied):
        exporter.export_companies(db, someone, tmp_path / "stolen.csv")
    assert not (tmp_path / "stolen.csv").exists()
