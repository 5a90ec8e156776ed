"""Files the server writes and reads for people: only its own folders, under names it checks or chooses."""

from __future__ import annotations

import asyncio
import csv
import os
import stat

import pytest

from kbase_tui.client import KbaseClient
from kbase_tui.protocol import exporter, importer
from kbase_tui.protocol.errors import AccessDenied, NotFound, ValidationFailed

from ..conftest import PASSWORD
from ..server_harness import server_for


async def signed_in(db, username: str) -> KbaseClient:
    client = KbaseClient.for_address(server_for(db).address)
    await client.sign_in(username, PASSWORD)
    return client


async def finished(client: KbaseClient, job: str):
    for _ in range(400):
        progress = await client.call(importer.progress, job)
        if progress.finished:
            return progress
        await asyncio.sleep(0.05)
    raise AssertionError("the import did not finish")


CSV = "Наименование;Телефон;Город\nООО «Ромашка»;+7 495 123-45-67;Москва\n;;\nООО «Лютик»;8 (343) 222-33-44;Екатеринбург\n"


async def test_an_uploaded_file_is_imported_and_its_rejects_land_in_the_exports_folder(db, make_user, tmp_path):
    make_user("supervisor", "boss")
    source = tmp_path / "Контрагенты.csv"
    source.write_text(CSV + '=HYPERLINK("x");bad phone;Тула\n', encoding="utf-8")
    client = await signed_in(db, "boss")
    name = await client.upload(source)
    assert name.startswith("upload-") and name.endswith("Контрагенты.csv") and "/" not in name
    state = server_for(db).state
    stored = state.settings.inbox_dir / name
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert [item.name for item in await client.call(importer.inbox)] == [name]

    progress = await finished(client, await client.call(importer.start, name))
    assert progress.error == "" and progress.report is not None
    report = progress.report
    assert report.imported == 2 and report.rejected >= 1
    assert report.report_path and "/" not in report.report_path and report.path == name
    assert report.report_path.endswith("Контрагенты.csv") and not report.report_path.endswith(".csv.csv")
    rejects = state.settings.exports_dir / report.report_path
    assert stat.S_IMODE(rejects.stat().st_mode) == 0o600
    rows = list(csv.reader(rejects.read_text(encoding="utf-8-sig").splitlines(), delimiter=";"))
    assert any(cell.startswith("'=HYPERLINK") for row in rows for cell in row)  # never a formula in Excel
    assert not list(state.work_dir().iterdir())  # the private copy is gone
    # The history and the run name the file as the supervisor knows it, not the server's private copy.
    from sqlalchemy import select

    from kbase_tui.models import ImportRun, Interaction

    with db.read() as s:
        texts = s.execute(select(Interaction.text).where(Interaction.outcome == "import")).scalars().all()
        assert texts and all(name in text for text in texts)
        assert s.execute(select(ImportRun.file)).scalar_one() == name
    await client.aclose()


async def test_a_preview_through_the_server_writes_nothing_and_names_no_server_path(db, make_user, tmp_path):
    from sqlalchemy import func, select

    from kbase_tui.models import Company

    make_user("supervisor", "boss")
    state = server_for(db).state
    (state.inbox_dir() / "leads.csv").write_text(CSV + "Без телефона;;Тула\n", encoding="utf-8")
    client = await signed_in(db, "boss")
    preview = await client.call(importer.preview, "leads.csv")
    assert preview.file == "leads.csv" and preview.report.path == "leads.csv" and preview.report.report_path is None
    assert (preview.report.imported, preview.report.needs_research) == (3, 1)
    assert [c.field for c in preview.columns] == ["name", "phone", "city"]
    again = await client.call(importer.preview, "leads.csv", {"name": [0], "phone": [1]})
    assert [c.field for c in again.columns] == ["name", "phone", ""]
    with pytest.raises(ValidationFailed):
        await client.call(importer.preview, "leads.csv", {"phone": [1]})
    with db.read() as s:
        assert s.execute(select(func.count()).select_from(Company)).scalar_one() == 0
    assert not list(state.work_dir().iterdir()) and not list(state.exports_dir().iterdir())
    await client.aclose()


async def test_links_and_paths_planted_in_the_inbox_are_never_followed(db, make_user, tmp_path):
    make_user("supervisor", "boss")
    state = server_for(db).state
    inbox = state.inbox_dir()
    secret = tmp_path / "secret.csv"
    secret.write_text("Наименование\nООО «Тайна»\n", encoding="utf-8")
    os.symlink(secret, inbox / "link.csv")
    os.link(secret, inbox / "hard.csv")
    client = await signed_in(db, "boss")
    names = {item.name for item in await client.call(importer.inbox)}
    assert "link.csv" not in names  # a link is not offered
    for name in ("link.csv", "hard.csv", "../secret.csv", str(secret), ".hidden"):
        with pytest.raises((ValidationFailed, NotFound)):
            await client.call(importer.start, name)
    await client.aclose()


async def test_only_those_who_may_import_see_the_inbox_or_upload(db, make_user, tmp_path):
    make_user("caller", "anna")
    source = tmp_path / "leads.csv"
    source.write_text(CSV, encoding="utf-8")
    client = await signed_in(db, "anna")
    with pytest.raises(AccessDenied):
        await client.call(importer.inbox)
    with pytest.raises(AccessDenied):
        await client.upload(source)
    with pytest.raises(AccessDenied):
        await client.call(exporter.export_companies, "csv")
    assert not list(server_for(db).state.inbox_dir().iterdir())
    await client.aclose()


async def test_an_export_is_named_by_the_server_and_private(db, make_user):
    make_user("supervisor", "boss")
    client = await signed_in(db, "boss")
    report = await client.call(exporter.export_companies, "xlsx", exporter.ExportFilter(stage="cold"))
    assert report.path.startswith("companies-") and report.path.endswith("-boss.xlsx") and "/" not in report.path
    written = server_for(db).state.settings.exports_dir / report.path
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    await client.aclose()


def test_a_report_named_after_a_file_takes_its_stem_not_its_extension():
    from kbase_tui.server import files

    assert files.stamped_name("import-report", "boss", "tester.csv", ".csv").endswith("-boss-tester.csv")
    assert files.stamped_name("import-report", "boss", "leads.xlsx", ".csv").endswith("-boss-leads.csv")
    assert files.stamped_name("upload", "boss", "tester.csv").endswith("-boss-tester.csv")  # an upload keeps it
