"""Each report's figures on a small data set counted by hand."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest

from kbase_tui.models import ClientOrder, Deal, FollowUpTask, Interaction, Refusal, utcnow
from kbase_tui.services import reports, targets
from kbase_tui.services.errors import AccessDenied, ValidationFailed
from kbase_tui.timezones import centre_zone

from .supervisor_data import add_company

D0 = date(2026, 3, 2)  # a Monday
WEEK = (D0, D0 + timedelta(days=6))


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in the test week, local time."""
    return datetime.combine(D0 + timedelta(days=day), time(hour, minute), tzinfo=centre_zone())


@pytest.fixture
def world(db, make_user):
    boss = make_user("supervisor")
    anna = make_user("caller", "anna", full_name="Анна")
    boris = make_user("caller", "boris", full_name="Борис")
    closer = make_user("closer", "kira", full_name="Кира")
    manager = make_user("account", "max", full_name="Макс")
    c = add_company(db, "Цель")
    with db.write() as s:
        # Anna: 6 calls in 2 distinct hours (3 contacts: 1 interested, 2 refused), Boris: 2 calls, 1 hour.
        for minute, outcome in ((0, "no_answer"), (10, "busy"), (20, "interested")):
            s.add(Interaction(company_id=c, user_id=anna.id, kind="call", outcome=outcome, at=at(0, 10, minute)))
        for minute, outcome in ((0, "refused"), (30, "refused"), (40, "no_answer")):
            s.add(Interaction(company_id=c, user_id=anna.id, kind="call", outcome=outcome, at=at(1, 11, minute)))
        s.add(Interaction(company_id=c, user_id=boris.id, kind="call", outcome="interested", at=at(2, 9)))
        s.add(Interaction(company_id=c, user_id=boris.id, kind="call", outcome="no_answer", at=at(2, 9, 30)))
        s.add(Interaction(company_id=c, user_id=boris.id, kind="call", outcome="refused", at=at(9, 9)))  # next week
        # Hand-overs: 2 deals created this week (Anna 1, Boris 1); one of them won this week.
        s.add(
            Deal(
                company_id=c, closer_id=closer.id, handed_over_by_id=anna.id, stage_code="new", created_at=at(0, 10, 21)
            )
        )
        s.add(
            Deal(
                company_id=c,
                closer_id=closer.id,
                handed_over_by_id=boris.id,
                stage_code="won",
                status="won",
                created_at=at(2, 9, 1),
                closed_at=at(4, 15),
            )
        )
        # Refusals: 3 this week (2 has_supplier, 1 no_need) and one older.
        for day, reason in ((1, "has_supplier"), (1, "has_supplier"), (3, "no_need"), (-3, "no_need")):
            s.add(Refusal(company_id=c, caller_id=anna.id, reason_code=reason, refused_at=at(day, 12)))
        s.add(
            ClientOrder(
                company_id=c, ordered_at=D0 + timedelta(days=1), amount=Decimal("1000"), account_manager_id=manager.id
            )
        )
        s.add(
            ClientOrder(
                company_id=c, ordered_at=D0 + timedelta(days=20), amount=Decimal("500"), account_manager_id=manager.id
            )
        )
    return dict(boss=boss, anna=anna, boris=boris, closer=closer, manager=manager, company=c)


def test_funnel(db, world):
    report = reports.funnel(db, world["boss"], *WEEK)
    assert report.column("Count") == [8, 4, 2, 1]
    assert report.column("From previous, %") == [None, 50.0, 50.0, 50.0]
    assert report.column("From calls, %") == [100.0, 50.0, 25.0, 12.5]
    assert report.charts[0].values == (8.0, 4.0, 2.0, 1.0)
    two_weeks = reports.funnel(db, world["boss"], WEEK[0], WEEK[1] + timedelta(days=7))
    assert two_weeks.column("Count")[0] == 9 and two_weeks.charts[1].values == (2.0, 0.0)


def test_operators(db, world):
    report = reports.operators(db, world["boss"], *WEEK)
    assert report.row("Анна") == ("Анна", 6, 3, 1, 2, 16.7, 3.0)
    assert report.row("Борис") == ("Борис", 2, 1, 1, 0, 50.0, 2.0)


def test_a_call_a_closer_writes_into_the_history_is_not_a_cold_call(db, world):
    # Kind call with the result in words: it put the closer among the cold-call operators and into the funnel.
    with db.write() as s:
        s.add(
            Interaction(
                company_id=world["company"],
                user_id=world["closer"].id,
                kind="call",
                outcome="Позвонил ЛПР",
                at=at(1, 14),
            )
        )
    assert [row[0] for row in reports.operators(db, world["boss"], *WEEK).rows] == ["Анна", "Борис"]
    assert reports.funnel(db, world["boss"], *WEEK).column("Count")[0] == 8


def test_refusal_reasons(db, world):
    report = reports.refusal_reasons(db, world["boss"], *WEEK)
    assert report.rows == (("Has a supplier", 2, 66.7), ("No need", 1, 33.3))


def test_clients_by_industry_and_channel_with_shares(db, world):
    for n, (industry, channel, revenue) in enumerate(
        [
            ("металлургия", "dealers", 100),
            ("металлургия", "dealers", 200),
            ("металлургия", "retail", 300),
            ("машиностроение", "retail", 400),
            ("", "retail", 0),
        ]
    ):
        add_company(
            db,
            f"Клиент {n}",
            category="active",
            stage="account",
            industry=industry,
            channel=channel,
            revenue_total=Decimal(revenue),
        )
    add_company(db, "Потенциальный", industry="металлургия")
    report = reports.clients_by_segment(db, world["boss"], *WEEK)
    industry = {r[1]: r[2:] for r in report.rows if r[0] == "Industry"}
    assert industry == {
        "металлургия": (3, 60.0, Decimal(600)),
        "машиностроение": (1, 20.0, Decimal(400)),
        "(not set)": (1, 20.0, Decimal(0)),
    }
    channel = {r[1]: r[2:4] for r in report.rows if r[0] == "Channel"}
    assert channel == {"retail": (3, 60.0), "dealers": (2, 40.0)}


def test_abcde_and_pareto(db, world):
    revenues = [800, 100, 50, 30, 20, 0, 0, 0, 0, 0]
    classes = ["A", "B", "B", "C", "D", "D", "E", "E", "E", ""]
    for n, (revenue, cls) in enumerate(zip(revenues, classes, strict=True)):
        add_company(db, f"К{n}", category="active", stage="account", abcde_class=cls, revenue_total=Decimal(revenue))
    report = reports.abcde(db, world["boss"], *WEEK)
    assert report.row("A") == ("A", 1, 10.0, Decimal(800), 80.0)
    assert report.row("B") == ("B", 2, 20.0, Decimal(150), 15.0)
    assert report.row("E") == ("E", 3, 30.0, Decimal(0), 0.0)
    pareto = report.charts[1]
    # From the origin; 5 paying clients: top 20% = 1 client = 80% of 1,000.
    assert pareto.labels[0] == "0%" and pareto.values[0] == 0.0 and pareto.unit == "percent"
    assert pareto.labels[2] == "20%" and pareto.values[2] == 80.0 and pareto.values[-1] == 100.0
    assert "80.0%" in report.notes[0]


def test_targets_against_actuals(db, world):
    boss = world["boss"]
    targets.set_target(db, boss, world["anna"].id, "calls", "week", D0 + timedelta(days=2), 10)
    targets.set_target(db, boss, world["anna"].id, "calls", "day", D0, 4)
    targets.set_target(db, boss, world["closer"].id, "deals_won", "month", D0, 4)
    row = targets.set_target(db, boss, world["manager"].id, "revenue", "month", D0, 3000)
    assert row.starts_on == date(2026, 3, 1) and row.ends_on == date(2026, 3, 31) and row.actual == Decimal(1500)
    report = reports.targets(db, boss, date(2026, 3, 1), WEEK[1])
    figures = {(r[0], r[1], r[2]): (r[4], r[5], r[6]) for r in report.rows}
    assert figures[("Анна", "calls", "week")] == (Decimal(10), Decimal(6), 60.0)
    assert figures[("Анна", "calls", "day")] == (Decimal(4), Decimal(3), 75.0)
    assert figures[("Кира", "first contracts", "month")] == (Decimal(4), Decimal(1), 25.0)
    assert figures[("Макс", "revenue", "month")] == (Decimal(3000), Decimal(1500), 50.0)
    # Setting it again changes, never doubles.
    targets.set_target(db, boss, world["anna"].id, "calls", "week", D0, 12)
    assert len(targets.list_targets(db, boss, *WEEK)) == 4
    with pytest.raises(ValidationFailed):
        targets.set_target(db, boss, world["anna"].id, "calls", "year", D0, 1)
    with pytest.raises(ValidationFailed):
        targets.set_target(db, boss, boss.id, "calls", "day", D0, 1)


def test_lost_clients_and_return_plan(db, world):
    boss = world["boss"]
    lost_a = add_company(db, "Ушедший А", category="lost", stage="account", revenue_total=Decimal(700))
    add_company(db, "Ушедший Б", category="lost", stage="account", revenue_total=Decimal(300))
    with db.write() as s:
        s.add(FollowUpTask(company_id=lost_a, kind="return", due_at=at(1, 10), created_at=at(0, 9), done_at=at(2, 10)))
        s.add(FollowUpTask(company_id=lost_a, kind="return", due_at=utcnow() - timedelta(days=1), created_at=at(0, 9)))
        s.add(
            FollowUpTask(company_id=lost_a, kind="return", due_at=utcnow() + timedelta(days=5), created_at=at(-10, 9))
        )
        s.add(FollowUpTask(company_id=lost_a, kind="follow_up", due_at=at(1, 10), created_at=at(0, 9)))
        s.add(Interaction(company_id=lost_a, user_id=boss.id, kind="decision", outcome="returned", at=at(3, 10)))
    report = reports.lost(db, boss, *WEEK)
    assert [r[1] for r in report.rows] == [2, Decimal(1000), 2, 1, 2, 1, 1]
    assert "33.3%" in report.notes[0]


@pytest.mark.parametrize("role", ["caller", "closer", "account", "admin"])
def test_no_other_role_sees_reports_or_sets_targets(db, make_user, world, role):
    someone = make_user(role)
    for name in reports.REPORTS:
        with pytest.raises(AccessDenied):
            reports.run(db, someone, name, *WEEK)
    with pytest.raises(AccessDenied):
        targets.set_target(db, someone, world["anna"].id, "calls", "day", D0, 5)
    with pytest.raises(AccessDenied):
        targets.list_targets(db, someone, *WEEK)


def test_report_command_prints_a_table(db, world, capsys):
    from kbase_tui.cli.main import main

    if not db.is_sqlite:
        pytest.skip("the command line test runs once, on SQLite")
    assert main(["report", "refusals", "--db", db.url, "--from", "2026-03-02", "--to", "08.03.2026"]) == 0
    out = capsys.readouterr().out
    assert "Has a supplier" in out and "66.7" in out and "Total: 3" in out


def _kind(value):
    return str if isinstance(value, str) else type(value)  # the labels are translated strings (i18n.Msg)


def test_every_report_reaches_the_app_with_its_types(db, world):
    """Amounts stay Decimal and days stay date once sent to the app and decoded there, charts included."""
    from kbase_tui.protocol import reports as api
    from kbase_tui.protocol import wire

    targets.set_target(db, world["boss"], world["manager"].id, "revenue", "week", D0, 2000)
    kinds = set()
    for name, _title in api.report_titles():
        report = reports.run(db, world["boss"], name, *WEEK)
        back = wire.decode_result(api.run, wire.encode_result(report))
        assert back == report, name
        assert [[_kind(v) for v in row] for row in back.rows] == [[_kind(v) for v in row] for row in report.rows], name
        kinds |= {_kind(v) for row in back.rows for v in row}
    assert {Decimal, date, int, float, str} <= kinds
