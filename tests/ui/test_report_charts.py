"""Charts a person reads at a glance, and the reports screen at 80x24.

The rules are checked on what the chart is given (`ReportsScreen.plan`: values, axis ticks, bar names,
legend, the sentence of an empty chart), not on pixels; the SVG snapshots show every chart at 80x24 and
160x48 on fixed data (a fixed week in March 2026, the centre's zone UTC, a fixed audit head line).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from kbase_tui.models import ClientOrder, Company, Deal, FollowUpTask, Interaction, Refusal, Target
from kbase_tui.protocol.reports import Chart
from kbase_tui.services import reference
from kbase_tui.ui.supervisor.chart_plan import plan
from kbase_tui.ui.supervisor.reports import ReportsScreen

from .test_pipeline_snapshots import PreparedApp, _actor, _settle, vladivostok_process  # noqa: F401 (fixture)

TODAY = date(2026, 3, 4)  # a Wednesday; the report opens on its week, 02.03 – 08.03
MONDAY = date(2026, 3, 2)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, 2, hour, minute, tzinfo=UTC) + timedelta(days=day)


@pytest.fixture(autouse=True)
def fixed_audit_head(monkeypatch):
    """Every report ends with the audit log's head, a hash of moments: a fixed line keeps snapshots stable."""
    monkeypatch.setattr("kbase_tui.services.audit.head_line", lambda db: "kbase-audit-head 1:0000 epoch 0")


@pytest.fixture
def world(sqlite_db):
    db = sqlite_db
    with db.write() as s:
        reference.set_setting(s, "centre.time_zone", "UTC")
        anna = _actor(s, "anna", "caller", "Анна Кузнецова")
        boris = _actor(s, "boris", "caller", "Борис Звонарёв")
        kira = _actor(s, "kira", "closer", "Кира Сделкина")
        max_ = _actor(s, "max", "account", "Максим Клиентов")
        _actor(s, "roman", "supervisor", "Роман Руководов")
        firm = Company(name="ООО «Цель»", created_at=at(0, 8), updated_at=at(0, 8))
        s.add(firm)
        s.flush()
        # Calls: Anna 135 over the fortnight before and this week, Boris 36; some contacts, some refusals.
        for n in range(135):
            outcome = ("no_answer", "interested", "refused", "busy")[n % 4]
            s.add(
                Interaction(company_id=firm.id, user_id=anna.id, kind="call", outcome=outcome, at=at(n % 3, 9, n % 60))
            )
        for n in range(36):
            outcome = ("no_answer", "interested", "refused")[n % 3]
            s.add(Interaction(company_id=firm.id, user_id=boris.id, kind="call", outcome=outcome, at=at(1, 10, n)))
        for week in (-2, -1, 0):
            for n in range(3 + week):
                s.add(
                    Deal(
                        company_id=firm.id,
                        closer_id=kira.id,
                        handed_over_by_id=anna.id,
                        stage_code="new",
                        created_at=at(week * 7 + 1, 12, n),
                    )
                )
        s.add(
            Deal(
                company_id=firm.id,
                closer_id=kira.id,
                handed_over_by_id=boris.id,
                stage_code="won",
                status="won",
                created_at=at(0, 11),
                closed_at=at(2, 15),
            )
        )
        for n, reason in enumerate(["has_supplier"] * 5 + ["no_need"] * 3 + ["expensive"] * 2 + ["no_budget"]):
            s.add(Refusal(company_id=firm.id, caller_id=anna.id, reason_code=reason, refused_at=at(n % 3, 13, n)))
        industries = ["Металлургия"] * 6 + ["Машиностроение"] * 3 + ["Строительство"] * 2 + [""]
        channels = ["Дилеры", "Конечные потребители B2B", "Интернет-магазины"]
        classes = ["A", "A", "B", "B", "B", "C", "C", "C", "D", "D", "E", ""]
        revenue = [900, 700, 300, 250, 200, 90, 80, 60, 30, 20, 10, 0]
        for n in range(12):
            s.add(
                Company(
                    name=f"Клиент {n}",
                    category="active",
                    stage="account",
                    industry=industries[n],
                    channel=channels[n % 3],
                    abcde_class=classes[n],
                    revenue_total=Decimal(revenue[n] * 1000),
                    created_at=at(0, 8),
                    updated_at=at(0, 8),
                )
            )
        lost = Company(
            name="ООО «Ушедший»",
            category="lost",
            stage="account",
            revenue_total=Decimal(50000),
            created_at=at(0, 8),
            updated_at=at(0, 8),
        )
        s.add(lost)
        s.flush()
        for due, done in ((at(0, 10), at(1, 10)), (at(1, 10), None), (at(2, 10), None)):
            s.add(FollowUpTask(company_id=lost.id, kind="return", due_at=due, created_at=at(0, 9), done_at=done))
        s.add(ClientOrder(company_id=lost.id, ordered_at=MONDAY, amount=Decimal(1000), account_manager_id=max_.id))
        # Three targets of one person this week (her bars must differ), and one of another.
        for metric, value in (("calls", 200), ("handovers", 12), ("refusals", 40)):
            s.add(Target(user_id=anna.id, metric=metric, period="week", starts_on=MONDAY, value=value))
        s.add(Target(user_id=kira.id, metric="deals_won", period="week", starts_on=MONDAY, value=4))
    return db


# --- the rules, on the plan of a chart ----------------------------------------------------------


def test_counts_get_whole_ticks_from_zero():
    chart = Chart("bar", "Funnel", ("Calls", "Contacts", "Hand-overs"), (135.0, 69.0, 2.0))
    layout = plan(chart, 80, 14)
    assert layout.y_ticks[0] == 0 and layout.y_top >= 135
    assert all(tick == int(tick) for tick in layout.y_ticks)
    assert all("." not in label for label in layout.y_tick_labels)
    # Small counts: no 1.67 between 0 and 5.
    small = plan(Chart("line", "Per week", ("02.03", "09.03", "16.03"), (1.0, 5.0, 2.0)), 80, 14)
    assert small.y_tick_labels[0] == "0" and all(label.isdigit() for label in small.y_tick_labels)
    assert [int(t) for t in small.y_ticks] == sorted({int(t) for t in small.y_ticks})


def test_percentages_run_to_a_hundred():
    layout = plan(Chart("bar", "Targets met, %", ("Анна",), (24.0,), unit="percent"), 80, 14)
    assert layout.y_top == 100 and layout.y_ticks[0] == 0 and layout.y_tick_labels[-1] == "100 %"
    over = plan(Chart("bar", "Targets met, %", ("Анна",), (130.0,), unit="percent"), 80, 14)
    assert over.y_top >= 130


def test_labels_that_do_not_fit_become_numbers_with_a_legend():
    labels = ("Анна Кузнецова · calls", "Анна Кузнецова · hand-overs", "Анна Кузнецова · refusals")
    chart = Chart("bar", "Targets met, %", labels, (50.0, 25.0, 10.0), unit="percent")
    narrow = plan(chart, 40, 14)
    assert narrow.bar_names == ("1", "2", "3")
    assert narrow.legend == (
        "1  Анна Кузнецова · calls — 50 %",
        "2  Анна Кузнецова · hand-overs — 25 %",
        "3  Анна Кузнецова · refusals — 10 %",
    )
    wide = plan(chart, 160, 40)
    assert wide.bar_names == ("1", "2", "3") and wide.legend == narrow.legend
    classes = plan(Chart("bar", "Clients by class", ("A", "B", "C"), (1.0, 2.0, 3.0)), 80, 14)
    assert classes.bar_names == ("A", "B", "C") and classes.legend == ()


def test_long_line_labels_are_thinned_not_overlapped():
    weeks = tuple(f"{d:02d}.01" for d in range(1, 31))
    layout = plan(Chart("line", "Hand-overs per week", weeks, tuple(1.0 for _ in weeks)), 80, 14)
    shown = [label for _position, label in layout.x_ticks]
    assert shown[0] == "01.01" and len(shown) * 7 <= 80


def test_nothing_to_draw_is_a_sentence():
    layout = plan(Chart("bar", "Refusal reasons", (), (), empty="No refusals were recorded in this period."), 80, 14)
    assert layout.kind == "empty" and layout.message == "No refusals were recorded in this period."
    zeros = plan(Chart("bar", "Funnel", ("Calls", "Contacts"), (0.0, 0.0), empty="No calls."), 80, 14)
    assert zeros.kind == "empty" and zeros.message == "No calls."


# --- the screen ----------------------------------------------------------------------------------


async def _open(pilot, key: str) -> ReportsScreen:
    await pilot.press(key)
    await _settle(pilot)
    return pilot.app.screen


async def test_three_targets_of_one_person_can_be_told_apart(world):
    app = PreparedApp(world, "roman", lambda: ReportsScreen(today=TODAY))
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(pilot)
        screen = await _open(pilot, "6")
        layout = screen.plan
        assert layout.y_top == 100 and layout.y_tick_labels[-1] == "100 %"
        assert layout.bar_names == ("1", "2", "3", "4")
        legend = str(screen.query_one("#reports-legend").render())
        for line in (
            "Анна Кузнецова · calls — ",
            "Анна Кузнецова · hand-overs — ",
            "Анна Кузнецова · refusals — ",
            "Кира Сделкина · first contracts — ",
        ):
            assert line in legend
        assert screen.query_one("#reports-legend").region.width > 0
    app = PreparedApp(world, "roman", lambda: ReportsScreen(today=TODAY))
    async with app.run_test(size=(160, 48)) as pilot:
        await _settle(pilot)
        screen = await _open(pilot, "6")
        assert len(set(screen.plan.legend)) == 4
        assert any(line.startswith("3  Анна Кузнецова · refusals") for line in screen.plan.legend)


async def test_counts_have_whole_ticks_and_pareto_starts_at_zero(world):
    app = PreparedApp(world, "roman", lambda: ReportsScreen(today=TODAY))
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(pilot)
        screen = await _open(pilot, "1")
        assert screen.plan.values[0] == 171.0  # 135 + 36 calls this week
        assert all("." not in label for label in screen.plan.y_tick_labels) and screen.plan.y_ticks[0] == 0
        screen = await _open(pilot, "5")
        screen = await _open(pilot, "c")
        assert screen.plan.kind == "line" and screen.plan.values[0] == 0.0 and screen.plan.y_ticks[0] == 0
        assert screen.plan.y_top == 100


async def test_an_empty_report_says_why(world):
    app = PreparedApp(world, "roman", lambda: ReportsScreen(today=TODAY))
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(pilot)
        await _open(pilot, "3")
        screen = await _open(pilot, "left_square_bracket")  # the week before: no refusals
        assert screen.plan.kind == "empty"
        empty = screen.query_one("#reports-empty")
        assert "No refusals were recorded in this period." in str(empty.render())
        assert empty.display and not screen.query_one("#reports-chart").display


async def test_the_menu_is_one_line_and_the_figures_stay_on_screen_at_80x24(world):
    app = PreparedApp(world, "roman", lambda: ReportsScreen(today=TODAY))
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(pilot)
        screen = pilot.app.screen
        menu = screen.query_one("#reports-menu")
        assert menu.region.height == 1
        table = screen.query_one("#reports-table")
        assert table.region.x == 0 and table.region.width >= 60
        assert table.region.bottom <= 24 and table.row_count == 4
        # r opens the list of reports; Down and Enter pick the next one.
        await pilot.press("r")
        await pilot.pause()
        assert menu.expanded
        await pilot.press("down", "enter")
        await _settle(pilot)
        assert screen.report.name == "operators"


async def test_refusal_filters_show_every_field_at_80x24(world):
    from kbase_tui.ui.supervisor.review import RefusalReview

    app = PreparedApp(world, "roman", RefusalReview)
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(pilot)
        await pilot.press("f")
        await _settle(pilot)
        dialog = pilot.app.screen
        fields = list(dialog.query("Input, Select"))
        assert len(fields) == 7
        for field in fields:
            assert field.region.height == 1 and 0 < field.region.bottom <= 24, field.id


def test_funnel_leaves_out_weeks_not_begun(world):
    from sqlalchemy import select

    from kbase_tui.models import User
    from kbase_tui.services import reports
    from kbase_tui.services.clock import today
    from kbase_tui.services.dto import Actor

    with world.read() as s:
        boss = s.execute(select(User).where(User.username == "roman")).scalar_one()
        actor = Actor(id=boss.id, username=boss.username, role=boss.role, full_name=boss.full_name)
    now = today(world)
    monday = now - timedelta(days=now.weekday())
    report = reports.funnel(world, actor, monday - timedelta(days=14), monday + timedelta(days=27))
    weeks = report.charts[1].labels
    assert weeks == tuple((monday + timedelta(days=7 * k)).strftime("%d.%m") for k in (-2, -1, 0))


# --- snapshots of every chart --------------------------------------------------------------------

CHARTS = {
    "funnel": ("1",),
    "funnel-weeks": ("m", "1", "c"),
    "operators": ("2",),
    "refusals": ("3",),
    "industry": ("4",),
    "channel": ("4", "c"),
    "abcde": ("5",),
    "pareto": ("5", "c"),
    "targets": ("6",),
    "lost": ("7",),
    "empty": ("3", "left_square_bracket"),
}


@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])
@pytest.mark.parametrize("chart", list(CHARTS))
def test_chart_snapshot(world, snap_compare, chart, size):
    async def choose(pilot):
        await _settle(pilot)
        for key in CHARTS[chart]:
            await pilot.press(key)
            await _settle(pilot)
        # The table measures its columns when idle, after the chart's redraw: settle until both are still.
        await _settle(pilot)

    app = PreparedApp(world, "roman", lambda: ReportsScreen(today=TODAY))
    assert snap_compare(app, terminal_size=size, run_before=choose)
