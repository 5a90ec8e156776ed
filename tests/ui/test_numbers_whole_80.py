"""Numbers are never cut mid-number, at 80 columns and wider, in Russian: an amount or a percentage cut at its
column's or the screen's edge ("1 250 000,…", "41,") reads as another number.  Their columns are as wide as
their values."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from kbase_tui.protocol.accounts import AccountPage, AccountRow
from kbase_tui.protocol.targets import TargetRow

from ..server_harness import app_on
from .helpers import settle
from .test_accounts import _sign_in
from .test_layout_80 import _screen, russian  # noqa: F401  (the autouse fixture: these screens in Russian)


def _target(n: int, name: str, value: int, actual: str) -> TargetRow:
    return TargetRow(
        id=n,
        user_id=n,
        user_name=name,
        metric="revenue",
        period="month",
        starts_on=date(2026, 3, 1),
        ends_on=date(2026, 3, 31),
        value=value,
        actual=Decimal(actual),
    )


async def test_the_targets_percentages_show_whole_at_80_columns(db, make_user):
    boss = make_user("supervisor", "boss")
    app = app_on(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await _sign_in(app, pilot, boss)
        await pilot.press("g")
        await settle(app, pilot)
        app.screen._show(
            [
                _target(1, "Мария Константиновна Соколова-Преображенская", 1_200_000, "500400"),
                _target(2, "Анна Петрова", 2_000_000, "750000"),
                _target(3, "Пётр Сделкин", 3, "153.52"),
            ]
        )
        await settle(app, pilot)
        lines = [line.replace("\u00a0", " ") for line in _screen(app)]
    shown = "\n".join(lines)
    assert all(len(line) <= 80 for line in lines)
    assert any("1 200 000" in line and line.rstrip().endswith(" 41,7") for line in lines), shown
    assert any("2 000 000" in line and line.rstrip().endswith(" 37,5") for line in lines), shown
    assert any(line.rstrip().endswith(" 5 117,3") for line in lines), shown
    assert any("Анна Петрова" in line for line in lines), shown


def _account(n: int, revenue: str) -> AccountRow:
    return AccountRow(
        company_id=n,
        name=f"ООО «Клиент {n}»",
        city="Самара",
        channel="Розница",
        abcde_class="A",
        is_key_client=False,
        category="",
        orders_count=12,
        last_order_at=date(2026, 3, 1),
        revenue_total=Decimal(revenue),
        next_purchase_at=None,
        next_purchase_is_stated=False,
        next_follow_up_at=None,
        follow_up_due=False,
        follow_up_overdue=False,
        mark="",
        mark_text="",
    )


async def test_the_account_managers_ltv_shows_whole_at_80_and_200_columns(db, make_user):
    from kbase_tui.ui.accounts.follow_up_list import FollowUpList

    maria = make_user("account", "maria")
    app = app_on(db)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _sign_in(app, pilot, maria)
        assert isinstance(screen, FollowUpList)
        page = AccountPage(
            rows=(_account(1, "1250000.50"), _account(2, "98000")), total=2, offset=0, today=date(2026, 3, 10)
        )
        screen._first_page(screen._generation, page)
        await settle(app, pilot)
        for size in ((80, 24), (200, 30), (80, 24)):
            await pilot.resize_terminal(*size)
            await settle(app, pilot)
            lines = [line.replace("\u00a0", " ") for line in _screen(app)]
            shown = "\n".join(lines)
            assert any("1 250 000,50" in line for line in lines), shown
            assert any("98 000" in line for line in lines), shown
            assert all(len(line) <= size[0] for line in lines)


async def test_the_pipeline_of_all_closers_shows_the_amount_and_the_due_date_whole_at_80_columns(db, make_user):
    """The amount was the fourth column: at 80 columns the screen's edge cut 1 250 000,50 to '1 250 000'."""
    from kbase_tui.ui.pipeline.supervisor_view import PipelineSupervisorView

    from ..services.pipeline_setup import hand_over

    caller = make_user("caller", "olga")
    closer = make_user("closer", "petr", full_name="Пётр Сделкин")
    boss = make_user("supervisor", "boss")
    hand_over(db, caller, closer, "ООО «Ромашка»", amount="1250000.50", next_step_due=date(2026, 3, 12))
    app = app_on(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await _sign_in(app, pilot, boss)
        await pilot.press("v")
        await settle(app, pilot)
        assert isinstance(app.screen, PipelineSupervisorView)
        lines = [line.replace("\u00a0", " ") for line in _screen(app)]
    shown = "\n".join(lines)
    row = next(line for line in lines if "Ромашка" in line)
    assert "1 250 000,50" in row and "12.03.2026" in row, shown
