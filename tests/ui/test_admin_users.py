"""The administrator's users screen and the audit screen, driven like a user would."""

from __future__ import annotations

import pytest

from kbase_tui.models import Company
from kbase_tui.services import audit, clients, users

from ..conftest import PASSWORD
from ..server_harness import app_on
from .helpers import settle, sign_in


async def _type(pilot, text: str) -> None:
    await pilot.press(*list(text))


async def test_admin_adds_disables_enables_and_resets_a_user(db, make_user):
    from kbase_tui.ui.admin.users import UsersScreen

    make_user("admin", "it")
    make_user("caller", "anna", full_name="Анна Кузнецова")
    app = app_on(db)
    async with app.run_test(size=(120, 36)) as pilot:
        await sign_in(app, pilot, "it", PASSWORD)
        assert isinstance(app.screen, UsersScreen)
        table = app.screen.query_one("#users-table")
        names = [table.get_row_at(i)[0].plain for i in range(table.row_count)]
        assert set(names) == {"it", "anna"}

        # a: add a closer
        await pilot.press("a")
        await settle(app, pilot)
        await _type(pilot, "boris")
        await pilot.press("enter")
        await _type(pilot, "Борис Петров")
        app.screen.query_one("#new-role").value = "closer"
        app.screen.query_one("#new-password").value = "Pervyi-Parol-2026"
        app.screen.query_one("#new-password2").value = "Pervyi-Parol-2026"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, UsersScreen)
        infos = {i.username: i for i in users.list_users(db, users.local_actor())}
        assert infos["boris"].role == "closer" and infos["boris"].full_name == "Борис Петров"
        assert infos["boris"].must_change_password

        # d on boris (the cursor stays on the new user): disable, then enable
        table = app.screen.query_one("#users-table")
        assert table.get_row_at(table.cursor_row)[0].plain == "boris"
        await pilot.press("d")
        await settle(app, pilot)
        await pilot.press("y")
        await settle(app, pilot)
        assert {i.username: i for i in users.list_users(db, users.local_actor())}["boris"].disabled
        assert "disabled" in table.get_row_at(table.cursor_row)[3].plain
        await pilot.press("d", "y")
        await settle(app, pilot)
        assert not {i.username: i for i in users.list_users(db, users.local_actor())}["boris"].disabled

        # p: a new password, mistyped once
        await pilot.press("p")
        await settle(app, pilot)
        app.screen.query_one("#reset-password").value = "Novyi-Parol-2026"
        app.screen.query_one("#reset-password2").value = "Novyi-Parol-2027"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "do not match" in str(app.screen.query_one(".dialog-error").render())
        app.screen.query_one("#reset-password2").value = "Novyi-Parol-2026"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        with pytest.raises(Exception, match="new password"):
            users.login(db, "boris", "Novyi-Parol-2026")  # right password; a change is required

    actions = [e.action for e in audit.events(db, users.local_actor(), limit=50)]
    for action in ("user_created", "user_disabled", "user_enabled", "password_reset", "login"):
        assert action in actions


async def test_admin_cannot_disable_themselves(db, make_user):
    make_user("admin", "it")
    app = app_on(db)
    async with app.run_test(size=(120, 36)) as pilot:
        await sign_in(app, pilot, "it", PASSWORD)
        await pilot.press("d", "y")
        await settle(app, pilot)
        assert not users.list_users(db, users.local_actor())[0].disabled


async def test_audit_screen_answers_who_had_access_to_a_client(db, make_user):
    from kbase_tui.ui.audit.screen import AuditScreen

    make_user("admin", "it")
    anna = make_user("supervisor", "anna", full_name="Анна")
    with db.write() as session:
        elka = Company(name="ООО «Ёлка»", city="Тверь")
        other = Company(name="ЗАО Прогресс", city="Омск")
        session.add_all([elka, other])
        session.flush()
        elka_id, other_id = elka.id, other.id
    clients.open_card(db, anna, elka_id)
    clients.open_card(db, anna, other_id)
    app = app_on(db)
    async with app.run_test(size=(120, 36)) as pilot:
        await sign_in(app, pilot, "it", PASSWORD)
        await pilot.press("l")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, AuditScreen)
        await _type(pilot, "елка")
        await pilot.press("enter")
        await settle(app, pilot)
        table = screen.query_one("#audit-table")
        rows = [table.get_row_at(i) for i in range(table.row_count)]
        assert [(r[1].plain.split()[0], r[3].plain, r[4].plain) for r in rows] == [
            ("anna", "opened the card", "ООО «Ёлка»")
        ]
        summary = str(screen.query_one("#audit-summary").render())
        assert "ООО «Ёлка»" in summary and "Анна" in summary and "1 events" in summary
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen.__class__.__name__ == "UsersScreen"


async def test_audit_screen_pages_and_picks_among_several_matches(db, make_user):
    from kbase_tui.ui.audit import screen as audit_screen

    make_user("supervisor", "boss")
    with db.write() as session:
        for name in ("Ромашка Север", "Ромашка Юг"):
            company = Company(name=name, city="Москва")
            session.add(company)
            session.flush()
            # The search finds clients in the log: each was seen once.
            audit.record(session, "local:test", "card_opened", "company", company.id)
        for i in range(audit_screen.PAGE + 5):
            audit.record(session, "local:test", "test_event", n=i)
    app = app_on(db)
    async with app.run_test(size=(120, 36)) as pilot:
        await sign_in(app, pilot, "boss", PASSWORD)
        screen = audit_screen.AuditScreen()
        app.push_screen(screen)
        await settle(app, pilot)
        table = screen.query_one("#audit-table")
        assert table.row_count == audit_screen.PAGE
        first_page_top = table.get_row_at(0)
        await pilot.press("ctrl+n")
        await settle(app, pilot)
        assert 0 < table.row_count < audit_screen.PAGE
        await pilot.press("ctrl+b")
        await settle(app, pilot)
        assert table.row_count == audit_screen.PAGE and table.get_row_at(0)[3].plain == first_page_top[3].plain
        await pilot.press("ctrl+f")
        await _type(pilot, "ромашка")
        await pilot.press("enter")
        await settle(app, pilot)
        matches = screen.query_one("#audit-matches")
        assert matches.display and matches.option_count == 2
        await pilot.press("down", "enter")
        await settle(app, pilot)
        assert screen.company_name == "Ромашка Юг" and table.row_count == 1


async def test_disabling_a_signed_in_caller_signs_them_out_at_once_and_frees_their_lead(db, make_user):
    """Two terminals on one server: the admin disables a caller who is working; within two
    seconds the caller's screen is back at sign-in saying why, and their lead is back in the queue."""
    import time

    from kbase_tui.ui.admin.users import UsersScreen
    from kbase_tui.ui.login.screen import LoginScreen
    from kbase_tui.ui.queue.screen import CallerQueue

    from ..services.queue_setup import add_company, company

    make_user("admin", "it")
    anna = make_user("caller", "anna", full_name="Анна Кузнецова")
    company_id = add_company(db, "ООО «Ёлка»")
    caller_app = app_on(db)
    admin_app = app_on(db)
    async with caller_app.run_test(size=(120, 36)) as caller:
        await sign_in(caller_app, caller, "anna", PASSWORD)
        assert isinstance(caller_app.screen, CallerQueue)
        assert company(db, company_id).held_by_id == anna.id
        async with admin_app.run_test(size=(120, 36)) as admin:
            await sign_in(admin_app, admin, "it", PASSWORD)
            assert isinstance(admin_app.screen, UsersScreen)
            table = admin_app.screen.query_one("#users-table")
            row = [table.get_row_at(i)[0].plain for i in range(table.row_count)].index("anna")
            table.move_cursor(row=row)
            await admin.press("d")
            await settle(admin_app, admin)
            await admin.press("y")
            await settle(admin_app, admin)
            assert "disabled" in table.get_row_at(table.cursor_row)[3].plain
            disabled_at = time.monotonic()
            while not isinstance(caller_app.screen, LoginScreen) and time.monotonic() - disabled_at < 2:
                await caller.pause(0.05)
            assert isinstance(caller_app.screen, LoginScreen), "still working 2 s after being disabled"
            assert caller_app.actor is None
            assert "account was disabled" in str(caller_app.screen.query_one("#login-error").render())
            # The server released the lead as it ended the session.
            while company(db, company_id).held_by_id is not None and time.monotonic() - disabled_at < 2:
                await caller.pause(0.05)
            assert company(db, company_id).held_by_id is None and company(db, company_id).in_queue


async def test_audit_screen_shows_details_in_words_in_the_readers_zone(db, make_user):
    """The details column reads as words (no `company_id=`), times in the reader's own zone, typed text as text."""
    from kbase_tui.services import history_labels
    from kbase_tui.ui.audit.screen import AuditScreen

    make_user("admin", "it")
    users.set_time_zone(db, users.local_actor(), "it", "Asia/Vladivostok")
    with db.write() as session:
        audit.record(
            session,
            "local:test",
            "call_outcome",
            "company",
            None,
            outcome="interested",
            callback_at="2026-12-25T14:00:00+00:00",
            comment_like="[bold red]Ёлка[/]",
        )
    interested = history_labels.outcome_labels(db, users.local_actor())["interested"]
    app = app_on(db)
    async with app.run_test(size=(200, 36)) as pilot:
        await sign_in(app, pilot, "it", PASSWORD)
        await pilot.press("l")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, AuditScreen)
        table = screen.query_one("#audit-table")
        details = next(
            table.get_row_at(i)[5].plain
            for i in range(table.row_count)
            if table.get_row_at(i)[3].plain == "call result"
        )
        # 14:00 UTC is midnight of the next day in Vladivostok.
        assert details == f"result: {interested}; call back at: 26.12.2026 00:00; comment_like: [bold red]Ёлка[/]"


async def test_at_80_columns_the_highlighted_events_details_show_under_the_log(db, make_user):
    """The details column is past the right edge of an 80-column terminal: the highlighted event is shown
    whole under the table, and follows the cursor."""
    from rich.console import Console
    from rich.text import Text

    from kbase_tui.ui.audit.screen import AuditScreen

    make_user("admin", "it")
    with db.write() as session:
        for n in range(3):
            audit.record(session, "local:test", "setting_changed", "setting", None, key="queue.lease", new=str(n))
        # Details longer than two lines of an 80-column terminal (a comment typed in a dialog).
        audit.record(session, "local:test", "call_outcome", "company", None, comment_like="Ёлка и ель. " * 16)
    app = app_on(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(app, pilot, "it", PASSWORD)
        await pilot.press("l")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, AuditScreen)
        table = screen.query_one("#audit-table")
        shown = screen.query_one("#audit-event")
        rows = [table.get_row_at(i) for i in range(table.row_count)]
        for index, row in enumerate(rows):
            table.move_cursor(row=index)
            await pilot.pause()
            text = str(shown.render())
            assert row[3].plain in text and row[5].plain.rstrip("…") in text, (index, text)
            region = shown.content_region
            wrapped = Console(width=region.width).render_lines(Text(text), pad=False)
            assert len(wrapped) <= region.height, f"the event is cut: {text!r}"
            if "Ёлка" in row[5].plain:  # the long one: whole under the list, though its column cuts it
                assert ("Ёлка и ель. " * 16).strip() in text
        assert any("Ёлка" in row[5].plain for row in rows)
