"""The supervisor's desk in a real app: refusal decisions and their effect on the queue, transfer,
import, export, and other roles that cannot reach any of it by key or command."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from kbase_tui.models import Company, Refusal, User
from kbase_tui.timezones import business_today, centre_zone

from ..conftest import PASSWORD
from ..server_harness import app_on, server_for
from ..services.supervisor_data import add_company, refused_company
from .helpers import settle, sign_in

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "import"


async def _open_review(app, pilot):
    from kbase_tui.ui.supervisor.review import RefusalReview

    await pilot.press("r")
    await settle(app, pilot)
    assert isinstance(app.screen, RefusalReview)
    return app.screen


async def test_supervisor_lands_on_the_desk_and_sees_the_weeks_refusals(db, make_user):
    from kbase_tui.ui.supervisor.desk import SupervisorDesk

    make_user("supervisor", "boss")
    caller = make_user("caller", full_name="Анна")
    refused_company(db, caller.id, "[bold red]Ромашка[/]")
    app = app_on(db)
    async with app.run_test(size=(120, 36)) as pilot:
        await sign_in(app, pilot, "boss", PASSWORD)
        assert isinstance(app.screen, SupervisorDesk)
        assert "waiting for a decision: 1" in str(app.screen.query_one("#desk-summary").render())
        review = await _open_review(app, pilot)
        table = review.query_one("#review-table")
        assert table.row_count == 1
        # Hostile markup is shown literally, never interpreted.
        assert table.get_row_at(0)[2].plain == "[bold red]Ромашка[/]"
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, SupervisorDesk)


async def test_special_offer_for_two_selected_refusals_puts_them_first_in_the_queue(db, make_user):
    make_user("supervisor", "boss")
    anna = make_user("caller", "anna")
    first = refused_company(db, anna.id, "Первая")
    second = refused_company(db, anna.id, "Вторая")
    untouched = refused_company(db, anna.id, "Третья")
    ordinary = add_company(db, "Обычный лид", in_queue=True)
    app = app_on(db)
    async with app.run_test(size=(120, 36)) as pilot:
        await sign_in(app, pilot, "boss", PASSWORD)
        review = await _open_review(app, pilot)
        table = review.query_one("#review-table")
        keys = [table.coordinate_to_cell_key((row, 0)).row_key.value for row in range(table.row_count)]
        wanted = {str(first[1]), str(second[1])}
        for row, key in enumerate(keys):
            table.move_cursor(row=row)
            if key in wanted:
                await pilot.press("space")
        assert review.selected == {first[1], second[1]}
        await pilot.press("o")
        await settle(app, pilot)
        dialog = app.screen
        dialog.query_one("#offer-text").text = "Discount 15% on the first lot"
        dialog.query_one("#offer-caller").value = anna.id
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is review
        assert review.query_one("#review-table").row_count == 1  # only the undecided one is left
    with db.read() as s:
        for company_id, refusal_id in (first, second):
            company = s.get(Company, company_id)
            assert (company.in_queue, company.queue_rank, company.special_offer_user_id) == (True, 10, anna.id)
            assert company.special_offer == "Discount 15% on the first lot"
            assert s.get(Refusal, refusal_id).decision == "special_offer"
        assert s.get(Refusal, untouched[1]).decision is None
        # Ahead of ordinary leads in the queue's own order (queue_rank, last_tried_at, id).
        order = (
            s.execute(
                select(Company.id)
                .where(Company.in_queue.is_(True))
                .order_by(Company.queue_rank, Company.last_tried_at, Company.id)
            )
            .scalars()
            .all()
        )
        assert order[:2] == sorted([first[0], second[0]]) and order[-1] == ordinary


async def test_shelve_and_do_not_call_from_the_keyboard(db, make_user):
    make_user("supervisor", "boss")
    shelved = refused_company(db, None, "Отложить")
    never = refused_company(db, None, "Не звонить", at=None)
    app = app_on(db)
    async with app.run_test(size=(120, 36)) as pilot:
        await sign_in(app, pilot, "boss", PASSWORD)
        review = await _open_review(app, pilot)
        table = review.query_one("#review-table")
        row_of = {table.coordinate_to_cell_key((r, 0)).row_key.value: r for r in range(table.row_count)}
        table.move_cursor(row=row_of[str(shelved[1])])
        await pilot.press("s")
        await settle(app, pilot)
        until = business_today() + timedelta(days=45)
        app.screen.query_one("#shelve-date").value = until.strftime("%d.%m.%Y")
        await pilot.press("enter")
        await settle(app, pilot)
        table = review.query_one("#review-table")
        assert table.row_count == 1
        table.move_cursor(row=0)
        await pilot.press("d")
        await settle(app, pilot)
        await pilot.press("y")
        await settle(app, pilot)
        assert review.query_one("#review-table").row_count == 0
    with db.read() as s:
        c = s.get(Company, shelved[0])
        assert c.shelved_until.astimezone(centre_zone()).date() == until and c.not_before == c.shelved_until
        assert s.get(Company, never[0]).category == "do_not_call"


async def test_transfer_dialog_moves_the_portfolio_and_disables_the_user(db, make_user):
    make_user("supervisor", "boss")
    leaver = make_user("closer", "leaver", full_name="Уходит")
    heir = make_user("closer", "heir", full_name="Остаётся")
    company_id = add_company(db, "Сделка", stage="pipeline", owner_id=leaver.id)
    app = app_on(db)
    async with app.run_test(size=(120, 36)) as pilot:
        await sign_in(app, pilot, "boss", PASSWORD)
        await pilot.press("t")
        await settle(app, pilot)
        dialog = app.screen
        dialog.query_one("#transfer-from").value = leaver.id
        await settle(app, pilot)
        assert "Companies: 1" in str(dialog.query_one("#transfer-counts").render())
        dialog.query_one("#transfer-to").value = heir.id
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        await pilot.press("y")
        await settle(app, pilot)
        from kbase_tui.ui.supervisor.desk import SupervisorDesk

        assert isinstance(app.screen, SupervisorDesk)
    with db.read() as s:
        assert s.get(Company, company_id).owner_id == heir.id
        assert s.get(User, leaver.id).disabled


async def _import_from_path(app, pilot, source):
    """The supervisor signs in, opens the import dialog (i), types *source*'s path and presses Enter."""
    await sign_in(app, pilot, "boss", PASSWORD)
    await pilot.press("i")
    await settle(app, pilot)
    dialog = app.screen
    dialog.query_one("#import-path").value = str(source)
    dialog.query_one("#import-path").focus()
    await pilot.press("enter")
    return dialog


async def _until(app, pilot, check, seconds: float = 60.0):
    """Pause until *check()* holds (the import runs as a job on the server; the dialog polls it).  The limit
    only ends a hung run: a loaded machine took more than 20 s."""
    import time

    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "timed out"
        await pilot.pause(0.1)


async def test_import_of_a_file_on_this_computer_shows_progress_report_and_rejects(db, make_user, tmp_path):
    make_user("supervisor", "boss")
    source = tmp_path / "messy.csv"
    shutil.copy(FIXTURES / "messy_bom_semicolon.csv", source)
    app = app_on(db)
    async with app.run_test(size=(120, 36)) as pilot:
        dialog = await _import_from_path(app, pilot, source)
        # First the preview: the format, the columns, the first rows as stored, the counts; nothing written.
        await _until(app, pilot, lambda: dialog.preview is not None)
        summary = str(dialog.query_one("#import-format").render())
        assert "utf-8-sig" in summary and "New: 4" in summary and "Rejected: 3" in summary
        assert dialog.query_one("#import-columns").row_count == 9
        assert dialog.query_one("#import-rows").row_count == 10
        with db.read() as s:
            assert s.execute(select(Company)).first() is None
        await pilot.press("enter")
        await _until(app, pilot, lambda: "Rejected" in str(dialog.query_one("#import-report").render()))
        report = str(dialog.query_one("#import-report").render())
        assert "New companies: 4" in report and "Rejected: 3" in report and "in the exports folder" in report
        assert dialog.query_one("#import-rejects").row_count == 3
        assert dialog.query_one("#import-progress").percentage == 1.0
    # The report is the server's file, in its exports folder; nothing was written beside the input.
    exports = server_for(db).state.settings.exports_dir
    rejects = list(exports.glob("import-report-*.csv"))
    assert len(rejects) == 1 and oct(rejects[0].stat().st_mode & 0o777) == "0o600"
    assert not list(tmp_path.glob("messy.csv.*"))


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the dialog is under test, not the base
async def test_a_rejected_rows_name_shows_in_the_preview_and_the_rejects_as_plain_text(db, make_user, tmp_path):
    make_user("supervisor", "boss")
    source = tmp_path / "tester.csv"
    source.write_text(
        "name;inn;phone\n[b]Клён[/b];12345;+7 495 765-43-21\n;;+7 495 765-43-22\nООО «Ясень»;;+7 495 765-43-23\n",
        encoding="utf-8",
    )
    app = app_on(db)
    async with app.run_test(size=(120, 36)) as pilot:
        dialog = await _import_from_path(app, pilot, source)
        await _until(app, pilot, lambda: dialog.preview is not None)
        await settle(app, pilot)
        rows = dialog.query_one("#import-rows")
        first = rows.get_row_at(0)
        assert first[0].plain == "2" and first[1].plain == "[b]Клён[/b]"  # the name as the file had it
        assert first[-1].plain == "rejected: the INN is not valid: 12345"
        assert rows.get_row_at(1)[1].plain == ""  # a row without a name stays without one
        rejects = dialog.query_one("#import-rejects")
        details = [rejects.get_row_at(n)[2].plain for n in range(rejects.row_count)]
        assert details == ["«[b]Клён[/b]»: the INN is not valid: 12345", "the company name is empty"]


async def test_import_of_a_file_from_the_inbox(db, make_user):
    make_user("supervisor", "boss")
    inbox = server_for(db).state.inbox_dir()
    shutil.copy(FIXTURES / "messy_bom_semicolon.csv", inbox / "Контрагенты.csv")
    app = app_on(db)
    async with app.run_test(size=(120, 36)) as pilot:
        await sign_in(app, pilot, "boss", PASSWORD)
        await pilot.press("i")
        await settle(app, pilot)
        dialog = app.screen
        choice = dialog.query_one("#import-inbox")
        await _until(app, pilot, lambda: choice.prompt == "Choose a file")
        choice.value = "Контрагенты.csv"
        await pilot.press("ctrl+s")
        await _until(app, pilot, lambda: dialog.preview is not None)
        await pilot.press("ctrl+s")
        await _until(app, pilot, lambda: "New companies: 4" in str(dialog.query_one("#import-report").render()))


async def test_a_broken_file_gives_a_sentence_and_the_dialog_still_closes(db, make_user, tmp_path):
    make_user("supervisor", "boss")
    source = tmp_path / "junk.csv"
    shutil.copy(FIXTURES / "broken_binary.csv", source)
    app = app_on(db)
    async with app.run_test(size=(120, 36)) as pilot:
        dialog = await _import_from_path(app, pilot, source)
        await _until(app, pilot, lambda: "not a spreadsheet" in str(dialog.query_one(".dialog-error").render()))
        assert not dialog.busy and not dialog.running
        assert not dialog.query_one("#import-progress").display
        assert not dialog.query_one("#import-path").disabled
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen is not dialog


async def test_after_a_refused_file_the_focus_is_back_in_the_path_field(db, make_user, tmp_path):
    # It went on to the latest imports (the path field was disabled while the file was read): typing went
    # nowhere and Ctrl+Z offered to undo an import.
    make_user("supervisor", "boss")
    source = tmp_path / "passwd"
    source.write_text("root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n")
    app = app_on(db)
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = await _import_from_path(app, pilot, source)
        await _until(
            app, pilot, lambda: "No column with the company name" in str(dialog.query_one(".dialog-error").render())
        )
        await settle(app, pilot)
        assert app.focused is dialog.query_one("#import-path")
        await pilot.press("end", "x", "ctrl+z")
        await settle(app, pilot)
        assert app.screen is dialog and dialog.query_one("#import-path").value == str(source) + "x"
        # A folder is named as one, not as a missing file.
        dialog.query_one("#import-path").value = str(tmp_path)
        await pilot.press("enter")
        await settle(app, pilot)
        said = str(dialog.query_one(".dialog-error").render())
        assert "is a folder, not a file" in said and app.focused is dialog.query_one("#import-path")


async def test_esc_twice_closes_the_dialog_even_if_the_import_does_not_answer(db, make_user, tmp_path):
    """An import whose progress never comes back (a lost link) must not hold the dialog open."""
    make_user("supervisor", "boss")
    app = app_on(db)
    async with app.run_test(size=(120, 36)) as pilot:
        await sign_in(app, pilot, "boss", PASSWORD)
        await pilot.press("i")
        await settle(app, pilot)
        dialog = app.screen
        dialog.job = "not-a-real-job"  # as if started, with no answer coming
        dialog._ask_progress = lambda: None
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen is dialog and dialog.stopping
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen is not dialog


async def test_the_preview_lets_the_supervisor_change_what_a_column_is(db, make_user):
    make_user("supervisor", "boss")
    inbox = server_for(db).state.inbox_dir()
    (inbox / "odd.csv").write_text("Клиент;Колонка 2;Колонка 3\nРомашка;+7 495 123-45-67;Москва\n", encoding="utf-8")
    app = app_on(db)
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(app, pilot, "boss", PASSWORD)
        await pilot.press("i")
        await settle(app, pilot)
        dialog = app.screen
        choice = dialog.query_one("#import-inbox")
        await _until(app, pilot, lambda: choice.prompt == "Choose a file")
        choice.value = "odd.csv"
        await pilot.press("ctrl+s")
        await _until(app, pilot, lambda: dialog.preview is not None)
        assert [c.field for c in dialog.preview.columns] == ["name", "", ""]
        first = dialog.preview
        columns = dialog.query_one("#import-columns")
        columns.focus()
        columns.move_cursor(row=2)
        await settle(app, pilot)
        dialog.query_one("#import-field").value = "city"
        await _until(app, pilot, lambda: dialog.preview is not first)
        assert [c.field for c in dialog.preview.columns] == ["name", "", "city"]
        assert dialog.preview.rows[0].city == "Москва"
        await pilot.press("ctrl+s")
        await _until(app, pilot, lambda: "New companies: 1" in str(dialog.query_one("#import-report").render()))
    with db.read() as s:
        assert s.execute(select(Company.city)).scalar_one() == "Москва"


async def test_export_writes_a_file_the_server_names_in_its_exports_folder(db, make_user):
    make_user("supervisor", "boss")
    add_company(db, "Экспортная", stage="cold")
    app = app_on(db)
    async with app.run_test(size=(120, 36)) as pilot:
        await sign_in(app, pilot, "boss", PASSWORD)
        await pilot.press("e")
        await settle(app, pilot)
        assert not app.screen.query("#export-path")  # the dialog asks for no path
        app.screen.query_one("#export-format").value = "xlsx"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
    written = list(server_for(db).state.settings.exports_dir.glob("companies-*-boss.xlsx"))
    assert len(written) == 1 and oct(written[0].stat().st_mode & 0o777) == "0o600"


async def test_a_missing_screen_of_another_part_says_not_available(db, make_user, monkeypatch):
    from kbase_tui.ui.supervisor import desk

    make_user("supervisor", "boss")
    monkeypatch.setattr(
        desk, "DESTINATIONS", [*desk.DESTINATIONS[:-1], ("u", "audit", "Audit", "kbase_tui.ui.nowhere:X")]
    )
    app = app_on(db)
    async with app.run_test(size=(120, 36)) as pilot:
        await sign_in(app, pilot, "boss", PASSWORD)
        screen = app.screen
        screen.action_open("audit")
        await pilot.pause()
        assert app.screen is screen


SUPERVISOR_KEYS = ["r", "t", "p", "g", "i", "e", "v", "a", "l", "o", "n", "u"]


@pytest.mark.parametrize("role", ["caller", "closer", "account", "specialist"])
async def test_other_roles_reach_nothing_of_the_desk_by_key_or_command(db, make_user, role):
    make_user(role, "worker")
    refused_company(db, None, "Секрет")
    app = app_on(db)
    async with app.run_test(size=(120, 36)) as pilot:
        await sign_in(app, pilot, "worker", PASSWORD)
        home = app.screen
        for key in SUPERVISOR_KEYS:
            await pilot.press(key)
            await settle(app, pilot)
            if app.screen is not home:  # a role's own dialog opened by that key: close it
                assert "supervisor" not in type(app.screen).__module__
                await pilot.press("escape")
                await settle(app, pilot)
        names = {type(s).__module__ for s in app.screen_stack}
        assert not any("kbase_tui.ui.supervisor" in n for n in names)
        commands = {c.title for c in app.get_system_commands(app.screen)}
        assert not commands & {
            "Refusal review",
            "Reports",
            "Import companies",
            "Export companies",
            "Transfer portfolio",
        }


async def test_the_supervisor_undoes_the_import_just_made(db, make_user, tmp_path):
    make_user("supervisor", "boss")
    inbox = server_for(db).state.inbox_dir()
    (inbox / "two.csv").write_text(
        "Наименование;Телефон\nПервая;+7 495 100-00-01\nВторая;+7 495 100-00-02\n", encoding="utf-8"
    )
    app = app_on(db)
    async with app.run_test(size=(120, 50)) as pilot:
        await sign_in(app, pilot, "boss", PASSWORD)
        await pilot.press("i")
        await settle(app, pilot)
        dialog = app.screen
        choice = dialog.query_one("#import-inbox")
        await _until(app, pilot, lambda: choice.prompt == "Choose a file")
        choice.value = "two.csv"
        await pilot.press("ctrl+s")
        await _until(app, pilot, lambda: dialog.preview is not None)
        await pilot.press("ctrl+s")
        await _until(app, pilot, lambda: "New companies: 2" in str(dialog.query_one("#import-report").render()))
        await _until(app, pilot, lambda: dialog.query_one("#import-runs").row_count == 1)
        await pilot.press("ctrl+z")
        await settle(app, pilot)
        await pilot.press("y")
        await _until(app, pilot, lambda: "Import undone" in str(dialog.query_one("#import-report").render()))
        assert "Companies deleted: 2" in str(dialog.query_one("#import-report").render())
        await _until(app, pilot, lambda: dialog.runs and dialog.runs[0].undone_at is not None)
    with db.read() as s:
        assert s.execute(select(Company)).first() is None


async def _preview_of_the_messy_file(db, app, pilot):
    """boss signs in, opens the import (i), chooses the inbox's one file by keys and asks for its preview."""
    inbox = server_for(db).state.inbox_dir()
    shutil.copy(FIXTURES / "messy_bom_semicolon.csv", inbox / "Контрагенты.csv")
    await sign_in(app, pilot, "boss", PASSWORD)
    await pilot.press("i")
    await settle(app, pilot)
    dialog = app.screen
    choice = dialog.query_one("#import-inbox")
    await _until(app, pilot, lambda: len(choice._options) > 1)
    # The inbox's list by its keys: open it, the one file, choose it; Ctrl+S shows the preview.
    await pilot.press("enter", "down", "enter")
    await settle(app, pilot)
    assert choice.value == "Контрагенты.csv"
    await pilot.press("ctrl+s")
    await _until(app, pilot, lambda: dialog.preview is not None)
    return dialog


@pytest.mark.parametrize("language", ["en", "ru"])
async def test_the_import_preview_fits_80x24(db, make_user, language):
    """At 80x24 the preview shows at once the format and counts, the columns and what each is imported as, the
    first rows, the rejected rows and the hint that says Enter imports: none of it below the fold."""
    from kbase_tui.i18n import set_language

    make_user("supervisor", "boss")
    set_language(language)
    try:
        app = app_on(db)
        async with app.run_test(size=(80, 24)) as pilot:
            dialog = await _preview_of_the_messy_file(db, app, pilot)
            await settle(app, pilot)
            frame = dialog.query_one("#import-scroll").content_region
            for part in ("#import-format", "#import-columns", "#import-field", "#import-rows", "#import-rejects"):
                region = dialog.query_one(part).region
                assert region.height > 0 and frame.contains_region(region), part
            # The rejected rows: their heading and the first of them at least.
            assert dialog.query_one("#import-rejects").row_count == 3
            assert dialog.query_one("#import-rejects").region.height >= 2
            hint = dialog.query_one("#import-hint")
            assert frame.contains_region(hint.region), "the hint is below the fold"
            assert ("Enter imports" if language == "en" else "Enter загружает") in str(hint.render())
            # Tab and Shift+Tab through the preview's parts (the first rows have the focus): nothing scrolls away.
            for key, part in [
                ("tab", "#import-rejects"),
                ("shift+tab", "#import-rows"),
                ("shift+tab", "#import-field"),
                ("shift+tab", "#import-columns"),
            ]:
                await pilot.press(key)
                await settle(app, pilot)
                assert app.focused is dialog.query_one(part)
                assert frame.contains_region(app.focused.region), part
                assert frame.contains_region(hint.region), part
    finally:
        set_language("en")


@pytest.mark.parametrize("theme", ["textual-dark", "textual-light"])
async def test_an_empty_field_of_a_compact_dialog_shows_where_to_type(db, make_user, theme):
    """A compact dialog's field has no border: its background alone shows it, so it must stand out from the
    dialog's (an empty one too), and the focused field's from the others'."""
    make_user("supervisor", "boss")
    app = app_on(db)
    async with app.run_test(size=(80, 24)) as pilot:
        app.theme = theme
        await sign_in(app, pilot, "boss", PASSWORD)
        await pilot.press("i")
        await settle(app, pilot)
        dialog = app.screen
        frame = dialog.query_one("#import-scroll").background_colors[1]
        inbox = dialog.query_one("#import-inbox")
        path = dialog.query_one("#import-path")
        assert path.value == "" and app.focused is inbox

        def shade(widget):
            return widget.background_colors[1]

        def apart(one, other) -> int:
            return max(abs(a - b) for a, b in zip(one.rgb, other.rgb, strict=True))

        unfocused = shade(path)
        assert apart(unfocused, frame) >= 20, (theme, unfocused, frame)
        await pilot.press("tab")
        await settle(app, pilot)
        assert app.focused is path
        assert apart(shade(inbox.query_one("SelectCurrent")), frame) >= 20
        assert apart(shade(path), unfocused) >= 20 and apart(shade(path), frame) >= 20


@pytest.mark.parametrize("language", ["en", "ru"])
async def test_the_import_report_fits_80x24(db, make_user, language):
    """After the import at 80x24: the counts (two a line), the rejected rows, the hint and the list of imports
    that Ctrl+Z undoes from, all in view (the list was below the fold)."""
    from kbase_tui.i18n import set_language

    make_user("supervisor", "boss")
    set_language(language)
    try:
        app = app_on(db)
        async with app.run_test(size=(80, 24)) as pilot:
            dialog = await _preview_of_the_messy_file(db, app, pilot)
            await pilot.press("ctrl+s")
            await _until(app, pilot, lambda: dialog.query_one("#import-runs").row_count == 1)
            await settle(app, pilot)
            frame = dialog.query_one("#import-scroll").content_region
            for part in ("#import-report", "#import-rejects", "#import-hint", "#import-runs"):
                region = dialog.query_one(part).region
                assert region.height > 0 and frame.contains_region(region), part
            report = str(dialog.query_one("#import-report").render())
            assert ("New companies: 4" if language == "en" else "Новых компаний: 4") in report
            assert ("Rejected: 3" if language == "en" else "Отклонено: 3") in report
    finally:
        set_language("en")
