"""Pilot tests of the account manager's screens: list order, recording an order, the quality check,
ABCDE classes shown after a potential change, the move to lost and back, a client given to the
manager appearing without a key press.

The app signs in through a server on the test's database.  What is due or lost is decided by the
server's date, so the data are set relative to the real date."""

from __future__ import annotations

import functools
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from kbase_tui.models import Company, FollowUpTask
from kbase_tui.services import accounts, clock
from kbase_tui.timezones import business_today
from kbase_tui.ui.accounts.card import AccountCardScreen
from kbase_tui.ui.accounts.follow_up_list import FollowUpList, short_date
from kbase_tui.ui.accounts.lost_list import LostList
from kbase_tui.ui.accounts.supervisor_view import AccountsSupervisorView

from ..conftest import PASSWORD
from ..server_harness import app_on
from ..services.account_setup import account_company, order
from .helpers import settle

TODAY = business_today()  # the call centre's date: the operations take none


async def _sign_in(app, pilot, actor):
    """Sign in on the login screen; the home screen of the actor's role opens."""
    await settle(app, pilot)
    app.screen.query_one("#username").value = actor.username
    app.screen.query_one("#password").value = PASSWORD
    app.screen.query_one("#password").focus()
    await pilot.press("enter")
    await settle(app, pilot)
    return app.screen


async def _open(app, pilot, actor, screen):
    """*screen* alone over the login screen, signed in as *actor* through the server (on the first call)."""
    await settle(app, pilot)
    if app.actor is None:
        # A session without the role's home screen: the test opens the screen it is about.
        app.resumed(await app.client.sign_in(actor.username, PASSWORD))
    await app.push_screen(screen)
    await settle(app, pilot)
    return app.screen


async def _type(pilot, text: str) -> None:
    await pilot.press(*[("space" if ch == " " else ch) for ch in text])


async def test_a_line_added_to_a_new_order_never_replaces_the_typed_amount_or_margin(db, db_url, make_user):
    from kbase_tui.protocol.catalog import OrderLineInput
    from kbase_tui.ui.accounts.dialogs import OrderDialog

    km = make_user("account", full_name="Ольга")
    company = account_company(db, km, "ООО «Круг»")
    app = app_on(db)
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = await _open(app, pilot, km, OrderDialog(company, "ООО «Круг»"))
        assert app.focused.id == "order-date"  # the fields are filled in the order shown
        await pilot.press("enter")
        await _type(pilot, "1 250 000")
        await pilot.press("tab")
        await _type(pilot, "30 000")
        await pilot.press("tab")
        await _type(pilot, "круги")
        dialog._line_added((OrderLineInput(Decimal("276000"), text="Круг", quantity=Decimal(200)), "Круг"))
        await settle(app, pilot)
        amount, margin = dialog.query_one("#order-amount"), dialog.query_one("#order-margin")
        assert (amount.value, margin.value, amount.disabled, margin.disabled) == ("1 250 000", "30 000", False, False)
        assert "276,000" in dialog.query_one("#order-lines").render().plain  # what the lines add up to
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is dialog and "276,000" in str(dialog.query_one(".dialog-error").render())
        assert accounts.account_card(db, km, company).figures.orders_count == 0
        # cleared, the amount takes the lines' sum; a later line updates what the lines put there
        amount.value = margin.value = ""
        dialog._line_added((OrderLineInput(Decimal("24000"), text="Лист"), "Лист"))
        await settle(app, pilot)
        assert (amount.value, margin.value) == ("300,000", "")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is not dialog
    assert accounts.account_card(db, km, company).figures.revenue_total == Decimal("300000.00")


async def test_the_order_says_a_wrong_date_or_amount_on_leaving_the_field_and_keeps_the_text(db, db_url, make_user):
    # The date and the amounts were checked only on saving, after the whole order had been typed.
    from kbase_tui.ui.widgets.form_dialog import ErrorLine

    km = make_user("account", full_name="Ольга")
    company = account_company(db, km, "ООО «Круг»")
    app = app_on(db)
    async with app.run_test(size=(80, 24)) as pilot:
        card = await _open(app, pilot, km, AccountCardScreen(company))
        await pilot.press("o")
        await settle(app, pilot)
        dialog = app.screen
        error = dialog.query_one(ErrorLine)
        date, amount, margin = (dialog.query_one(f"#order-{name}") for name in ("date", "amount", "margin"))
        await _type(pilot, "31.02.2026")  # over today's date, selected
        assert error.render().plain == ""  # nothing said while typing
        await pilot.press("tab")
        assert "No such date: 31.02.2026" in error.render().plain
        assert date.value == "31.02.2026" and date.has_class("-invalid") and app.focused is amount
        await _type(pilot, "12.12.2026")  # a date typed into the amount
        await pilot.press("tab")
        assert "Not an amount: 12.12.2026" in error.render().plain and amount.value == "12.12.2026"
        await _type(pilot, "-1 2")
        await pilot.press("tab")
        assert "Not an amount: 1 2" in error.render().plain and margin.has_class("-invalid")
        # Corrected, a field loses its mark and its words; the line says what is still wrong.
        await pilot.press("shift+tab", "shift+tab", "end", "ctrl+u")
        await _type(pilot, "1 250 000,50")
        assert not amount.has_class("-invalid")
        assert "No such date" in error.render().plain or "Not an amount: 1 2" in error.render().plain
        await pilot.press("shift+tab", "end", "ctrl+u")
        await _type(pilot, "28.02.2026")
        await pilot.press("tab", "tab", "end")
        await _type(pilot, "00")
        assert error.render().plain == "" and not dialog.query(".-invalid")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is card, error.render().plain
        assert card.orders[0].amount == Decimal("1250000.50") and card.orders[0].margin == Decimal("-1200")


async def test_the_follow_up_dates_keep_a_sentence_typed_into_them_and_say_why_it_is_refused(db, db_url, make_user):
    from kbase_tui.ui.accounts.dialogs import FollowUpDialog

    km = make_user("account", full_name="Ольга")
    company = account_company(db, km, "ООО «Круг»")
    app = app_on(db)
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = await _open(app, pilot, km, FollowUpDialog(company, "ООО «Круг»"))
        next_call = dialog.query_one("#fu-next")
        next_call.focus()
        await pilot.pause()
        await _type(pilot, "call them after the holidays")
        assert next_call.value == "call them after the holidays"  # not cut at ten characters
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is dialog and "dd.mm.yyyy" in str(dialog.query_one(".dialog-error").render())
        assert next_call.value == "call them after the holidays"


def _cell(screen, row: int, column: int) -> str:
    table = screen.query_one("#fu-table")
    return str(table.get_row_at(row)[column])


async def test_list_order_recording_an_order_and_the_quality_check(db, db_url, make_user):
    km = make_user("account", full_name="Ольга")
    at = functools.partial(clock.at_hour, None)
    late = account_company(db, km, "ООО «Просрочено»", next_follow_up_at=at(TODAY - timedelta(days=2)))
    soon = account_company(db, km, "ООО «Скоро купит»")
    later = account_company(db, km, "ООО «Купит позже»")
    order(db, km, soon, TODAY - timedelta(days=57), "1000", today=TODAY)
    order(db, km, soon, TODAY - timedelta(days=27), "1000", today=TODAY)  # next purchase in 3 days
    order(db, km, later, TODAY - timedelta(days=40), "1000", today=TODAY)
    order(db, km, later, TODAY - timedelta(days=20), "1000", today=TODAY)  # the client then names a date
    accounts.record_follow_up(
        db,
        km,
        later,
        "purchase_planned",
        next_purchase_at=TODAY + timedelta(days=10),
        next_follow_up_at=TODAY + timedelta(days=8),
        today=TODAY,
    )
    accounts.record_follow_up(db, km, soon, "not_now", next_follow_up_at=TODAY + timedelta(days=8), today=TODAY)
    app = app_on(db)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await _sign_in(app, pilot, km)
        assert isinstance(screen, FollowUpList)
        assert [r.name for r in screen.rows] == ["ООО «Просрочено»", "ООО «Скоро купит»", "ООО «Купит позже»"]
        # predicted vs named
        assert "~" + short_date(TODAY + timedelta(days=3)) == _cell(screen, 1, 6)
        assert short_date(TODAY + timedelta(days=10)) == _cell(screen, 2, 6)
        # a new order for the overdue client, from the list
        await pilot.press("o")
        await pilot.pause()
        await pilot.press("enter")  # today's date: the first field of the order
        await _type(pilot, "12 500")
        await pilot.press("enter", "enter")
        await _type(pilot, "Бумага А4")
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.screen is screen
        row = next(r for r in screen.rows if r.company_id == late)
        assert (row.orders_count, row.revenue_total, row.last_order_at) == (1, Decimal("12500.00"), TODAY)
        # another order the same day (recorded elsewhere): no interval yet, so no predicted purchase
        order(db, km, late, TODAY, "7500", today=TODAY)
        await pilot.press("r")
        await settle(app, pilot)
        row = next(r for r in screen.rows if r.company_id == late)
        assert (row.orders_count, row.revenue_total, row.next_purchase_at) == (2, Decimal("20000.00"), None)
        # one quality check per order: four from the setup, two for «Просрочено»
        assert "quality checks: 6" in screen.query_one("#fu-summary").render().plain
        # the quality check from the task list
        await pilot.press("t")
        await settle(app, pilot)
        assert len(app.screen.tasks) == 6 and {t.kind for t in app.screen.tasks} == {"quality_check"}
        app.screen.query_one("OptionList").highlighted = [t.company_id for t in app.screen.tasks].index(late)
        await pilot.press("k")
        await pilot.pause()
        await pilot.press("4", "tab")  # the score box takes the score only
        await _type(pilot, "Довольны")
        await pilot.press("enter")
        await settle(app, pilot)
        assert len(app.screen.tasks) == 5
    with db.read() as session:
        done = session.execute(select(FollowUpTask).where(FollowUpTask.score.is_not(None))).scalar_one()
        assert (done.score, done.result, done.company_id) == (4, "Довольны", late)


async def test_abcde_classes_follow_a_potential_set_on_the_card(db, db_url, make_user):
    """Channel «Розница», no margins, so profit = revenue: 700, 200, 100 (total 1 000; 80 % = 800).
    Before c1: 0, before c2: 700 (< 800): both high profit; before c3: 900: not.
    Potentials 80, 0, 60 → c1 A, c2 B, c3 C.  Key clients (same numbers over all revenue): c1, c2."""
    km = make_user("account")
    ids = {}
    for name, amount in (("c1", "700"), ("c2", "200"), ("c3", "100")):
        ids[name] = account_company(db, km, name, channel="Розница")
        order(db, km, ids[name], TODAY - timedelta(days=1), amount, today=TODAY)
    accounts.set_potential(db, km, ids["c3"], 60)
    app = app_on(db)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await _sign_in(app, pilot, km)
        table = screen.query_one("#fu-table")
        table.move_cursor(row=[r.company_id for r in screen.rows].index(ids["c1"]))
        await pilot.press("enter")
        await settle(app, pilot)
        card = app.screen
        assert isinstance(card, AccountCardScreen)
        assert card.card.figures.abcde_class == "B"
        await pilot.press("p")
        await pilot.pause()
        await pilot.press("backspace", "8", "0", "enter")
        await settle(app, pilot)
        assert card.card.figures.abcde_class == "A" and card.card.figures.potential_score == 80
        assert "A*" in card.query_one("#acard-top").render().plain
        await pilot.press("escape")
        await settle(app, pilot)
        classes = {r.name: (r.abcde_class, r.is_key_client) for r in screen.rows}
        assert classes == {"c1": ("A", True), "c2": ("B", True), "c3": ("C", False)}
        assert _cell(screen, [r.name for r in screen.rows].index("c1"), 2) == "A*"


async def test_a_silent_client_moves_to_lost_and_an_order_on_the_card_brings_it_back(db, db_url, make_user):
    make_user("supervisor")
    km = make_user("account", full_name="Ольга")
    quiet = account_company(db, km, "ООО «Тишина» [bold red]x[/]")
    order(db, km, quiet, TODAY - timedelta(days=91), "1000", today=TODAY)
    order(db, km, quiet, TODAY - timedelta(days=61), "1000", today=TODAY)  # 30-day interval, silent 61 days
    app = app_on(db)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await _sign_in(app, pilot, km)
        assert screen.page.moved_to_lost == 1 and screen.rows[0].category == "lost"
        assert "[bold red]x[/]" in _cell(screen, 0, 0)  # shown literally
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.screen.card.figures.category == "lost"
        assert any(t.kind == "return" for t in app.screen.card.tasks)
        await pilot.press("o")
        await pilot.pause()
        await pilot.press("enter")  # today's date: the first field of the order
        await _type(pilot, "3000")
        await pilot.press("enter", "enter", "enter")
        await settle(app, pilot)
        assert app.screen.card.figures.category == "active" and app.screen.card.figures.orders_count == 3
        assert not any(t.kind == "return" for t in app.screen.card.tasks)
        await pilot.press("escape")
        await settle(app, pilot)
        assert screen.rows[0].category == "active" and screen.rows[0].revenue_total == Decimal("5000.00")
    with db.read() as session:
        assert session.get(Company, quiet).category == "active"


async def test_supervisor_lost_list_and_reassign_from_the_accounts_view(db, db_url, make_user):
    boss = make_user("supervisor")
    anna = make_user("account", full_name="Анна")
    make_user("account", full_name="Борис")
    lost = account_company(db, anna, "ООО «Ушли»")
    order(db, anna, lost, TODAY, "1000", today=TODAY)
    accounts.mark_lost(db, anna, lost, "debts", "Не платят")
    app = app_on(db)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await _open(app, pilot, boss, LostList())
        assert [(r.name, r.reason_label) for r in screen.page.rows] == [("ООО «Ушли»", "Debts")]
        # The line under the list names the company and its manager whole (the table may cut both).
        assert str(screen.query_one("#lost-detail").render()).splitlines()[0] == "ООО «Ушли» · Manager: Анна"
        await pilot.press("escape")
        screen = await _open(app, pilot, boss, AccountsSupervisorView())
        assert [r.owner_name for r in screen.page.rows] == ["Анна"]
        await pilot.press("r")
        await settle(app, pilot)
        await pilot.press("enter")  # Борис, the only other manager
        await pilot.press("enter")  # comment left empty: save
        await settle(app, pilot)
        assert [r.owner_name for r in screen.page.rows] == ["Борис"]


async def test_a_key_typed_after_enter_in_a_dialog_waits_for_the_fresh_list(db, db_url, make_user):
    # "r⏎⏎r": the second r, typed while the first reassignment was saved, acted on the list as it was before the
    # dialog (the client just given away, still highlighted) instead of the one that came back without it.
    from kbase_tui.protocol import accounts as account_ops
    from kbase_tui.ui.accounts.dialogs import ReassignDialog

    from .test_dialog_input_rule import burst
    from .test_home_keys_wait import slow, until

    boss = make_user("supervisor")
    anna = make_user("account", full_name="Анна")
    make_user("account", full_name="Борис")
    for name in ("ООО «Первые»", "ООО «Вторые»"):
        lost = account_company(db, anna, name)
        order(db, anna, lost, TODAY, "1000", today=TODAY)
        accounts.mark_lost(db, anna, lost, "debts", "Не платят")
    app = app_on(db)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(app, pilot, boss, LostList())
        while not (screen.manager_index >= 0 and screen.managers[screen.manager_index].name == "Анна"):
            await pilot.press("m")  # Анна's lost clients only: one given to Борис leaves the list
            await settle(app, pilot)
        assert len(screen.page.rows) == 2
        first = screen.selected.name
        slow(app, account_ops.lost_accounts, 0.5)  # the fresh list comes late
        burst(app, ["r", "enter", "enter", "r"])  # to Борис, no comment, saved; then the next one
        assert await until(pilot, lambda: isinstance(app.screen, ReassignDialog), 10.0)
        await settle(app, pilot)
        assert len(screen.page.rows) == 1 and screen.selected.name != first
        assert app.screen.company_name == screen.selected.name  # not the client just given away


def _toasts(app) -> list[str]:
    return [notification.message for notification in app._notifications]


async def _until(pilot, condition, seconds: float = 2.0) -> bool:
    """Wait for *condition* without pressing a key, a tenth of a second at a time."""
    for _ in range(int(seconds / 0.1)):
        if condition():
            return True
        await pilot.pause(0.1)
    return condition()


async def test_a_client_given_to_the_manager_appears_without_a_key_press(db, db_url, make_user):
    boss = make_user("supervisor")
    olga = make_user("account", full_name="Ольга")
    anna = make_user("account", full_name="Анна")
    mine = [account_company(db, olga, name) for name in ("ООО «Первый»", "ООО «Второй»", "ООО «Третий»")]
    given = account_company(db, anna, "ООО «Новый» [bold red]x[/]")
    app = app_on(db)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await _sign_in(app, pilot, olga)
        assert isinstance(screen, FollowUpList) and [r.company_id for r in screen.rows] == mine
        screen.query_one("#fu-table").move_cursor(row=1)
        await pilot.pause()
        assert screen.selected_row.company_id == mine[1]
        # The supervisor, elsewhere, gives Анна's client to Ольга.
        accounts.reassign_account(db, boss, given, olga.id, "Анна в отпуске")
        assert await _until(pilot, lambda: given in [r.company_id for r in screen.rows])
        assert screen.selected_row.company_id == mine[1]  # the cursor stayed on its client
        assert "A new client is yours: ООО «Новый» [bold red]x[/]" in _toasts(app)  # the name, literally
        # And takes it back: it leaves Ольга's list the same way.
        accounts.reassign_account(db, boss, given, anna.id)
        assert await _until(pilot, lambda: given not in [r.company_id for r in screen.rows])
        assert screen.selected_row.company_id == mine[1]
        # A card open on a client given away closes by itself.
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, AccountCardScreen) and app.screen.company_id == mine[1]
        accounts.reassign_account(db, boss, mine[1], anna.id)
        assert await _until(pilot, lambda: app.screen is screen and mine[1] not in [r.company_id for r in screen.rows])
        assert "This client was given to another account manager." in _toasts(app)
        assert screen.selected_row.company_id == mine[2]  # the same line: the next client


async def test_a_card_given_away_closes_whichever_of_its_reloads_comes_last(db, db_url, make_user):
    """The card reloads itself after the server's push and after the person's own change; the newer reload
    supersedes the older one (ui/base.py), so each must close the card when the client was given away."""
    from kbase_tui.protocol import accounts as accounts_api

    from .helpers import HeldAnswers

    boss = make_user("supervisor")
    olga = make_user("account", full_name="Ольга")
    anna = make_user("account", full_name="Анна")
    mine = account_company(db, olga, "ООО «Уходит»")
    app = app_on(db)
    async with app.run_test(size=(120, 36)) as pilot:
        home = await _sign_in(app, pilot, olga)
        await pilot.press("enter")
        await settle(app, pilot)
        card = app.screen
        assert isinstance(card, AccountCardScreen) and card.company_id == mine
        held = HeldAnswers(app, accounts_api.account_card)
        # The supervisor gives the client away: the push makes the card load itself again (held back) …
        accounts.reassign_account(db, boss, mine, anna.id)
        await held.answered()
        # … and the follow-up the person saved a moment before reloads it too, after that.
        card._changed(object())
        assert await _until(pilot, lambda: app.screen is home)
        assert "This client was given to another account manager." in _toasts(app), (_toasts(app), held.calls)
        assert len(held.calls[accounts_api.account_card]) == 2


async def test_a_quality_check_saves_score_and_comment_and_the_tasks_list_stays_put(db, db_url, make_user):
    """Score, Tab, comment, Enter saves both (the comment used to be lost); the list keeps its place.  A key the
    score box cannot take is refused there, never put into the comment."""
    from kbase_tui.ui.accounts.dialogs import QualityDialog
    from kbase_tui.ui.accounts.tasks import TasksScreen
    from kbase_tui.ui.widgets.form_dialog import ErrorLine

    km = make_user("account", full_name="Ольга")
    for n in range(4):
        company = account_company(db, km, f"ООО «Клиент {n}»")
        order(db, km, company, TODAY - timedelta(days=10 + n), "1000", today=TODAY)
    app = app_on(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await _sign_in(app, pilot, km)
        await pilot.press("t")
        await settle(app, pilot)
        tasks = app.screen
        assert isinstance(tasks, TasksScreen) and len(tasks.tasks) == 4
        await pilot.press("down", "down")
        third, fourth = tasks.tasks[2], tasks.tasks[3]
        await pilot.press("л")  # k on the Russian layout
        await settle(app, pilot)
        assert isinstance(app.screen, QualityDialog)
        await pilot.press("5", "tab", *"Всё привезли вовремя", "enter")
        await settle(app, pilot)
        assert app.screen is tasks and len(tasks.tasks) == 3
        # The highlight is on the task that followed the one just checked, not back at the top.
        assert tasks.selected.id == fourth.id
        # A key the score box cannot take stays out of the comment: refused, said so, the focus kept.
        await pilot.press("k")
        await settle(app, pilot)
        dialog = app.screen
        assert isinstance(dialog, QualityDialog)
        await pilot.press("7")
        assert dialog.value("#quality-score") == "" and dialog.value("#quality-comment") == ""
        assert app.focused is dialog.query_one("#quality-score")
        assert "1 to 5" in str(dialog.query_one(ErrorLine).render())
        await pilot.press("3", *"З")
        assert dialog.value("#quality-score") == "3" and dialog.value("#quality-comment") == ""
        assert app.focused is dialog.query_one("#quality-score")
        # One Tab too many, on the buttons: a typed letter is refused aloud, not lost without a word.
        await pilot.press("tab", "tab", "a")
        assert "Shift+Tab" in str(dialog.query_one(ErrorLine).render())
        await pilot.press("shift+tab", *"Задержка", "enter")
        await settle(app, pilot)
        assert len(tasks.tasks) == 2
    with db.read() as session:
        done = {
            t.id: (t.score, t.result)
            for t in session.execute(select(FollowUpTask).where(FollowUpTask.score.is_not(None))).scalars()
        }
    assert done == {third.id: (5, "Всё привезли вовремя"), fourth.id: (3, "Задержка")}


async def test_the_card_top_breaks_between_figures_at_80_columns_and_again_on_a_resize(db, db_url, make_user):
    # The lines under the name wrapped inside a figure ("каждые ~51 / дн."), cut the manager's name and hid the
    # city, channel and industry at 80 columns.
    km = make_user("account", full_name="Мария Соколова")
    company = account_company(
        db,
        km,
        "АО «Титанметаллинвест»",
        channel="Конечные потребители B2B",
        industry="Металлургия",
        city="Екатеринбург",
    )
    for days, amount in ((120, "85320"), (60, "56070"), (1, "53400")):
        order(db, km, company, TODAY - timedelta(days=days), amount, margin="10000", today=TODAY)
    app = app_on(db)
    async with app.run_test(size=(80, 24)) as pilot:
        card = await _open(app, pilot, km, AccountCardScreen(company))
        lines = card.query_one("#acard-top").render().plain.split("\n")
        assert len(lines) <= 4 and all(len(line) <= 78 for line in lines)
        text = " ".join(lines)
        for whole in ("Екатеринбург", "Конечные потребители B2B", "Металлургия", "Orders 3"):
            assert whole in text
        assert not any(line.rstrip().endswith(("~", "·")) for line in lines)  # never a figure parted from its word
        assert "Мария Соколова" not in text  # the manager's own client: her name is in the header already
        await pilot.resize_terminal(200, 50)
        await settle(app, pilot)
        wide = card.query_one("#acard-top").render().plain.split("\n")
        assert len(wide) == 4 and wide[3] == "Екатеринбург · Конечные потребители B2B · Металлургия"


@pytest.mark.parametrize("language", ["en", "ru"])
async def test_the_card_top_keeps_every_line_at_80_columns_after_an_order_with_kopecks(db, db_url, make_user, language):
    # The panel held four lines: an amount with kopecks ran the figures onto a fifth, and the industry was lost.
    from datetime import UTC, datetime

    from kbase_tui.i18n import set_language
    from kbase_tui.ui.widgets.formats import show_amount

    from ..conftest import svg_screen_text

    km = make_user("account", full_name="Мария Соколова")
    company = account_company(
        db,
        km,
        "АО «Титанметаллинвест»",
        channel="Конечные потребители B2B",
        industry="Металлургия и металлообработка",
        city="Санкт-Петербург",
        potential=100,
        next_follow_up_at=datetime(TODAY.year, TODAY.month, TODAY.day, 9, tzinfo=UTC) + timedelta(days=9),
    )
    for days, amount in ((120, "85320"), (60, "56070")):
        order(db, km, company, TODAY - timedelta(days=days), amount, margin="10000", today=TODAY)
    set_language(language)
    try:
        app = app_on(db)
        async with app.run_test(size=(80, 24)) as pilot:
            card = await _open(app, pilot, km, AccountCardScreen(company))
            await pilot.press("o")
            await settle(app, pilot)
            await pilot.press("tab")  # today's date stays
            await _type(pilot, "1 250 000,50")
            await pilot.press("tab")
            await _type(pilot, "1 010 000,25")
            await pilot.press("ctrl+s")
            await settle(app, pilot)
            assert app.screen is card
            lines = card.query_one("#acard-top").render().plain.split("\n")
            assert show_amount(Decimal("1391390.50")) in lines[1]  # the lifetime value, kopecks and all
            shown = "\n".join(svg_screen_text(app.export_screenshot()))
            assert len(lines) == 5  # the name and four lines of figures
            for line in lines:
                assert line.replace("\xa0", " ").strip() in shown
            assert "Металлургия и металлообработка" in shown
            assert show_amount(Decimal("1010000.25")).replace("\xa0", " ") in shown  # the order's margin, not cut
    finally:
        set_language("en")


async def test_f1_lists_the_keys_of_the_tasks_list(db, db_url, make_user):
    from kbase_tui.ui.accounts.tasks import TasksScreen
    from kbase_tui.ui.help_screen import HelpScreen

    km = make_user("account", full_name="Ольга")
    company = account_company(db, km, "ООО «Клиент»")
    order(db, km, company, TODAY - timedelta(days=10), "1000", today=TODAY)
    app = app_on(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await _sign_in(app, pilot, km)
        await pilot.press("t")
        await settle(app, pilot)
        assert isinstance(app.screen, TasksScreen)
        await pilot.press("f1")
        await settle(app, pilot)
        assert isinstance(app.screen, HelpScreen)
