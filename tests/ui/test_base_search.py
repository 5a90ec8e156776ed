"""The supervisor's base search and company card in a real app, by key presses: find a company by a
Cyrillic word, open its card, fix its phone, send it back to the queue; the admin cannot get there."""

from __future__ import annotations

from sqlalchemy import select

from kbase_tui.models import AuditEvent, Company, Phone

from ..conftest import PASSWORD
from ..server_harness import app_on
from ..services.supervisor_data import add_company, refused_company
from .helpers import settle, sign_in


async def _type(pilot, text: str) -> None:
    await pilot.press(*list(text))


async def _open_search(app, pilot):
    from kbase_tui.ui.supervisor.base_search import BaseSearchScreen

    await pilot.press("b")
    await settle(app, pilot)
    assert isinstance(app.screen, BaseSearchScreen)
    return app.screen


async def test_find_by_a_cyrillic_word_open_the_card_fix_the_phone_and_return_to_the_queue(db, make_user):
    make_user("supervisor", "boss")
    caller = make_user("caller", "anna", full_name="Анна Звонарёва")
    bad = add_company(db, "ООО «Ёлочка»", city="Казань", needs_data_fix=True, unreachable=True)
    add_company(db, "АО Берёзка", city="Тула")
    refused_company(
        db,
        caller.id,
        "ИП Ёлочкин",
    )
    app = app_on(db)
    async with app.run_test(size=(120, 36)) as pilot:
        await sign_in(app, pilot, "boss", PASSWORD)
        search = await _open_search(app, pilot)
        assert search.query_one("#base-table").row_count == 3  # an empty search lists the base by name
        await _type(pilot, "ЕЛОЧК ООО")  # е for ё, another case; the legal form ignored (ИП matches too)
        await pilot.press("enter")
        await settle(app, pilot)
        table = search.query_one("#base-table")
        assert [table.get_row_at(r)[0].plain for r in range(table.row_count)] == ["ИП Ёлочкин", "ООО «Ёлочка»"]
        assert app.focused is table
        await pilot.press("down", "enter")
        await settle(app, pilot)
        from kbase_tui.ui.supervisor.company_card import SupervisorCardScreen

        card = app.screen
        assert isinstance(card, SupervisorCardScreen) and card.card.company.id == bad
        assert "bad data" in str(card.query_one("#scard-top").render())
        await pilot.press("e")
        await settle(app, pilot)
        phones = app.screen.query_one("#fix-phones")
        phones.focus()
        await _type(pilot, "8 843 200-00-01")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is card
        assert card.card.company.phones == ("+78432000001",)
        await pilot.press("q")
        await settle(app, pilot)
        await pilot.press("y")
        await settle(app, pilot)
        assert card.card.state.in_queue and not card.card.state.unreachable
        await pilot.press("6")
        await settle(app, pilot)
        assert card.query_one("#scard-seen").row_count == 1  # the supervisor, from the audit
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen is search
    with db.read() as session:
        company = session.get(Company, bad)
        assert company.in_queue and not company.needs_data_fix and not company.unreachable
        assert session.execute(select(Phone.number).where(Phone.company_id == bad)).scalars().all() == ["+78432000001"]
        actions = session.execute(select(AuditEvent.action).order_by(AuditEvent.id)).scalars().all()
    assert actions.count("base_searched") >= 2 and "card_opened" in actions
    assert "company_data_fixed" in actions and "company_returned_to_queue" in actions


async def test_filter_dialog_by_stage_and_an_inn(db, make_user):
    make_user("supervisor", "boss")
    closer = make_user("closer", "petr", full_name="Пётр")
    add_company(db, "Сделка в работе", stage="pipeline", owner_id=closer.id, inn="7701234567")
    add_company(db, "Холодная", inn="7709999999")
    app = app_on(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(app, pilot, "boss", PASSWORD)
        search = await _open_search(app, pilot)
        await _type(pilot, "770123")
        await pilot.press("enter")
        await settle(app, pilot)
        table = search.query_one("#base-table")
        assert [table.get_row_at(r)[0].plain for r in range(table.row_count)] == ["Сделка в работе"]
        await pilot.press("slash")
        assert app.focused is search.query_one("#base-query")
        search.query_one("#base-query").value = ""
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.press("f")
        await settle(app, pilot)
        app.screen.query_one("#bflt-stage").value = "pipeline"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        table = search.query_one("#base-table")
        assert [table.get_row_at(r)[0].plain for r in range(table.row_count)] == ["Сделка в работе"]
        assert "stage" in str(search.query_one("#base-filters").render())


async def test_a_long_name_is_cut_with_an_ellipsis_and_the_columns_stay(db, make_user):
    make_user("supervisor", "boss")
    add_company(db, "Очень " * 45 + "длинное имя", city="Москва")  # 281 characters (the column holds 300)
    app = app_on(db)
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(app, pilot, "boss", PASSWORD)
        search = await _open_search(app, pilot)
        table = search.query_one("#base-table")
        name = table.get_row_at(0)[0].plain
        assert name.endswith("…") and len(name) <= 60
        assert table.get_row_at(0)[1].plain == "Москва"  # the next column is where it belongs


async def test_the_admin_and_a_closer_cannot_reach_the_base_search(db, make_user):
    from kbase_tui.protocol import companies
    from kbase_tui.protocol.errors import AccessDenied

    make_user("admin", "root")
    make_user("closer", "petr")
    add_company(db, "Ромашка")
    for username in ("root", "petr"):
        app = app_on(db)
        async with app.run_test(size=(100, 30)) as pilot:
            await sign_in(app, pilot, username, PASSWORD)
            await pilot.press("b")
            await settle(app, pilot)
            assert type(app.screen).__name__ != "BaseSearchScreen"
            try:
                await app.client.call(companies.search, companies.BaseQuery(text="ромашка"))
            except AccessDenied:
                pass
            else:
                raise AssertionError(f"{username} searched the base")


async def test_merge_a_duplicate_from_the_card_and_undo_it(db, make_user):
    from kbase_tui.ui.supervisor.company_card import SupervisorCardScreen

    make_user("supervisor", "boss")
    kept = add_company(db, "ООО «Вектор»", city="Пермь", inn="5902123456")
    duplicate = add_company(db, "Вектор ЗАО", city="Пермь")
    with db.write() as session:
        session.add(Phone(company_id=duplicate, number="+73422000005"))
    app = app_on(db)
    async with app.run_test(size=(120, 36)) as pilot:
        await sign_in(app, pilot, "boss", PASSWORD)
        await _open_search(app, pilot)
        await _type(pilot, "5902123456")
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        card = app.screen
        assert isinstance(card, SupervisorCardScreen) and card.company_id == kept
        await pilot.press("m")
        await settle(app, pilot)
        dialog = app.screen
        dialog.query_one("#merge-query").value = ""
        await _type(pilot, "вектор")
        await pilot.press("enter")
        await settle(app, pilot)
        assert dialog.query_one("#merge-found").row_count == 1  # the kept company itself is not offered
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.press("y")
        await settle(app, pilot)
        assert app.screen is card
        assert card.card.company.phones == ("+73422000005",)
        assert "duplicates merged here: 1" in str(card.query_one("#scard-top").render())
        await pilot.press("u")
        await settle(app, pilot)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is card and card.card.company.phones == ()
        assert card.query_one("#scard-merges").row_count == 1
    with db.read() as session:
        assert session.get(Company, duplicate).merged_into_id is None
        actions = session.execute(select(AuditEvent.action)).scalars().all()
    assert "companies_merged" in actions and "merge_undone" in actions


async def test_the_command_palette_offers_the_base_search_and_the_cards_actions(db, make_user):
    make_user("supervisor", "boss")
    company_id = add_company(db, "Ромашка")
    app = app_on(db)
    async with app.run_test(size=(120, 36)) as pilot:
        await sign_in(app, pilot, "boss", PASSWORD)
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert "Search the base" in titles
        from kbase_tui.ui.supervisor.company_card import SupervisorCardScreen

        await app.push_screen(SupervisorCardScreen(company_id))
        await settle(app, pilot)
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert {"Correct data", "Back to queue", "Shelve", "Do not call", "Give to…", "Merge a duplicate"} <= set(
            titles
        )


async def test_the_desks_f_lists_the_companies_with_bad_data(db, make_user):
    make_user("supervisor", "boss")
    add_company(db, "Неверный номер", needs_data_fix=True)
    add_company(db, "Нормальная")
    app = app_on(db)
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(app, pilot, "boss", PASSWORD)
        await pilot.press("f")
        await settle(app, pilot)
        table = app.screen.query_one("#base-table")
        assert [table.get_row_at(r)[0].plain for r in range(table.row_count)] == ["Неверный номер"]


async def test_after_a_search_with_no_hits_the_next_word_is_typed_into_the_search(db, make_user):
    # Enter moved the focus to the empty table, whose letters are keys: "сталь" lost "ст" and "а" opened the filter.
    from textual.widgets import Input

    from kbase_tui.ui.supervisor.base_search import BaseFilterDialog

    make_user("supervisor", "boss")
    add_company(db, "ООО «Сталь»", city="Тула")
    app = app_on(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(app, pilot, "boss", PASSWORD)
        search = await _open_search(app, pilot)
        box = search.query_one("#base-query", Input)
        await _type(pilot, "ёлка")
        await pilot.press("enter")
        await settle(app, pilot)
        assert "No company matches" in str(search.query_one("#base-status").render())
        assert app.focused is box
        await pilot.press("ctrl+u")
        await _type(pilot, "сталь")
        await settle(app, pilot)
        assert app.screen is search and not isinstance(app.screen, BaseFilterDialog)
        assert box.value == "сталь"
        # A search with hits hands the focus to its table, where Enter opens the card.
        await pilot.press("enter")
        await settle(app, pilot)
        table = search.query_one("#base-table")
        assert table.row_count == 1 and app.focused is table
        await pilot.press("enter")
        await settle(app, pilot)
        from kbase_tui.ui.supervisor.company_card import SupervisorCardScreen

        assert isinstance(app.screen, SupervisorCardScreen)


async def test_keys_typed_before_the_answer_act_on_the_hits_or_go_into_the_search_line(db, make_user):
    # A busy server: "ёлочк⏎↓⏎" in one go acted on an empty list (the arrow and Enter were lost); "ёлка⏎сталь"
    # with nothing found had its "а" (the f key) open the filter.
    from textual.widgets import Input

    from kbase_tui.protocol import companies
    from kbase_tui.ui.supervisor.company_card import SupervisorCardScreen

    from .test_dialog_input_rule import burst
    from .test_home_keys_wait import slow, until

    make_user("supervisor", "boss")
    add_company(db, "ИП Ёлочкин", city="Тула")
    second = add_company(db, "ООО «Ёлочка»", city="Казань")
    app = app_on(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(app, pilot, "boss", PASSWORD)
        search = await _open_search(app, pilot)
        box = search.query_one("#base-query", Input)
        slow(app, companies.search, 0.5)
        burst(app, [*"ёлка", "enter", *"сталь"])
        assert await until(pilot, lambda: box.value == "ёлкасталь", 10.0), box.value
        await settle(app, pilot)
        assert app.screen is search and app.focused is box
        await pilot.press("ctrl+u")
        burst(app, [*"ёлочк", "enter", "down", "enter"])
        assert await until(
            pilot, lambda: isinstance(app.screen, SupervisorCardScreen) and app.screen.card is not None, 10.0
        ), app.screen_stack
        assert app.screen.card.company.id == second
        await settle(app, pilot)


async def test_a_word_typed_in_one_burst_keeps_its_letters_in_order(db, make_user):
    # f and x start another search even while one is on its way, so the key gate let them past the screen's wait;
    # they also jumped the keys waiting before them: "luxoft" typed in one burst read "lxfuot" in the search line.
    from textual.widgets import Input

    from kbase_tui.protocol import companies

    from .test_dialog_input_rule import burst
    from .test_home_keys_wait import slow, until

    make_user("supervisor", "boss")
    add_company(db, "ООО «Luxoft»", city="Москва")
    add_company(db, "ООО «Сталь»", city="Тула")
    app = app_on(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(app, pilot, "boss", PASSWORD)
        search = await _open_search(app, pilot)
        box = search.query_one("#base-query", Input)
        table = search.query_one("#base-table")
        assert await until(pilot, lambda: table.row_count == 2, 10.0)
        slow(app, companies.search, 0.3)
        burst(app, [*"luxoft", "enter"])
        assert await until(pilot, lambda: search.query_data.text and not search.page_loading, 10.0), box.value
        assert box.value == search.query_data.text == "luxoft"
        assert table.row_count == 1


async def test_what_is_typed_after_f_goes_into_the_filter_dialog_it_opens(db, make_user):
    # f asks the server for the dialog's choices first: "fмосква" typed the м on the list under it, where it was
    # lost, and the city filter read "осква" without a word.
    from textual.widgets import Input

    from kbase_tui.protocol import companies
    from kbase_tui.ui.supervisor.base_search import BaseFilterDialog

    from .test_dialog_input_rule import burst
    from .test_home_keys_wait import slow, until

    make_user("supervisor", "boss")
    add_company(db, "ООО «Сталь»", city="Москва")
    add_company(db, "ООО «Медь»", city="Тула")
    app = app_on(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(app, pilot, "boss", PASSWORD)
        search = await _open_search(app, pilot)
        table = search.query_one("#base-table")
        assert await until(pilot, lambda: table.row_count == 2, 10.0)
        table.focus()
        await settle(app, pilot)
        slow(app, companies.choices, 0.3)
        burst(app, ["а", *"москва"])
        assert await until(pilot, lambda: isinstance(app.screen, BaseFilterDialog), 10.0)
        await settle(app, pilot)
        assert app.screen.query_one("#bflt-city", Input).value == "москва"


async def test_slash_starts_another_search_instead_of_adding_to_the_last(db, make_user):
    # After a search for "сталь", "/медь⏎" searched for "стальмедь" and found nothing.
    from textual.widgets import Input

    make_user("supervisor", "boss")
    add_company(db, "ООО «Сталь»", city="Москва")
    add_company(db, "ООО «Медь»", city="Тула")
    app = app_on(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(app, pilot, "boss", PASSWORD)
        search = await _open_search(app, pilot)
        box = search.query_one("#base-query", Input)
        await _type(pilot, "сталь")
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.press("slash")
        await settle(app, pilot)
        await _type(pilot, "медь")
        await pilot.press("enter")
        await settle(app, pilot)
        assert box.value == search.query_data.text == "медь"
        assert search.query_one("#base-table").row_count == 1
