"""The demo data generator: minimum counts, determinism, valid INNs and phones, and consistent stories."""

from __future__ import annotations

import shutil
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from kbase_tui.inn import valid_inn
from kbase_tui.models import (
    EPOCH,
    AuditEvent,
    ClientOrder,
    Company,
    Contact,
    Deal,
    FollowUpTask,
    Interaction,
    Phone,
    Refusal,
    User,
)
from kbase_tui.services import demo, demo_data, phones, pipeline, refusals, users
from kbase_tui.services.dto import Actor
from kbase_tui.services.setup import open_database
from kbase_tui.timezones import business_today, centre_zone

from ..conftest import BACKENDS, _empty_postgres

TODAY = date(2026, 11, 25)  # a Wednesday: the current week runs from 23 to 29 November


def _demo_users(session) -> dict[str, User]:
    created = {}
    for cred in demo.DEMO_USERS:
        created[cred.username] = users.add_user(
            session,
            "local:test",
            cred.username,
            cred.role,
            cred.password,
            full_name=cred.full_name,
            must_change_password=False,
        )
    return created


def _fresh(request, backend: str, tmp_path_factory):
    if backend == "sqlite":
        target = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), target)
        return open_database(target)
    url = request.getfixturevalue("pg_schema_url")
    _empty_postgres(url)
    return open_database(url)


def _generate(database, today: date = TODAY):
    with database.write() as session:
        created = _demo_users(session)
        summary = demo_data.generate_demo_data(session, created, today=today)
    return summary


@pytest.fixture(scope="module", params=BACKENDS)
def demo_db(request, tmp_path_factory):
    database = _fresh(request, request.param, tmp_path_factory)
    summary = _generate(database)
    yield database, summary
    database.dispose()
    if request.param == "postgresql":
        _empty_postgres(request.getfixturevalue("pg_schema_url"))


def _actor(session, username: str) -> Actor:
    user = session.execute(select(User).where(User.username == username)).scalar_one()
    return Actor(id=user.id, username=user.username, role=user.role, full_name=user.full_name)


def test_counts_meet_the_minimums(demo_db):
    database, summary = demo_db
    with database.read() as session:

        def count(*where) -> int:
            return session.execute(select(func.count(Company.id)).where(*where)).scalar_one()

        cold = count(Company.category == "potential", Company.stage == "cold", Company.in_queue.is_(True))
        assert cold >= 2000
        never_tried = count(Company.in_queue.is_(True), Company.attempts == 0, Company.last_tried_at == EPOCH)
        tried = count(Company.in_queue.is_(True), Company.attempts > 0)
        assert never_tried > 1000 and tried > 100
        open_deals = session.execute(select(func.count(Deal.id)).where(Deal.status == "open")).scalar_one()
        assert open_deals == 60
        assert count(Company.category == "active", Company.stage == "account") == 150
        assert count(Company.category == "lost", Company.stage == "account") > 0
        assert count(Company.category == "refused", Company.stage == "cold", Company.in_queue.is_(False)) > 0
        assert session.execute(select(func.count(Contact.id))).scalar_one() > 500
        for dimension, expected in ((Company.channel, 6), (Company.industry, 6), (Company.city, 8)):
            assert session.execute(select(func.count(func.distinct(dimension)))).scalar_one() >= expected
        metal = count(Company.industry == "Металлургия")
        assert metal / count() > 0.25  # the largest share
        assert summary.potential_in_queue == cold and summary.deals_open == 60 and summary.accounts_active == 150


def test_priorities_and_queue_columns(demo_db):
    database, _summary = demo_db
    with database.read() as session:
        rows = session.execute(
            select(
                Company.channel, Company.abcde_class, Company.priority, Company.queue_rank, Company.special_offer
            ).where(Company.in_queue.is_(True), Company.category == "potential")
        ).all()
    for channel, cls, priority, rank, offer in rows:
        assert priority in (50, 100, 150)
        assert rank == (10 if offer else priority)
        if channel == "Дилеры" or cls in ("A", "B"):
            assert priority == 50
    assert {r.priority for r in rows} == {50, 100, 150}


def test_inns_are_valid_and_unique(demo_db):
    database, _summary = demo_db
    with database.read() as session:
        rows = session.execute(select(Company.name, Company.inn)).all()
    inns = [inn for _name, inn in rows]
    assert len(set(inns)) == len(inns)
    for name, inn in rows:
        assert valid_inn(inn), (name, inn)
        assert len(inn) == (12 if name.startswith("ИП ") else 10), (name, inn)
    assert len({name for name, _inn in rows}) == len(rows)


def test_inn_helpers_agree_with_the_importer():
    import random

    rng = random.Random(7)
    for _ in range(500):
        for person in (False, True):
            inn = demo_data.make_inn(rng, "66", person=person)
            assert valid_inn(inn)
            broken = inn[:-1] + str((int(inn[-1]) + 1) % 10)
            assert not valid_inn(broken)
    assert valid_inn("7707083893")  # Сбербанк


def test_phones_are_valid_e164_with_city_codes(demo_db):
    database, _summary = demo_db
    cities = {c["name"]: c["area"] for c in demo_data.word_lists()["cities"]["cities"]}
    with database.read() as session:
        rows = session.execute(
            select(Phone.number, Phone.contact_id, Company.city).join(Company, Company.id == Phone.company_id)
        ).all()
    assert len(rows) > 2500
    for number, contact_id, city in rows:
        assert phones.normalise(number) == number, number
        if contact_id is None:  # the company's own line: the city's area code
            assert any(number.startswith("+7" + area) for area in cities[city]), (number, city)


def test_deals_belong_to_their_closers_pipeline(demo_db):
    database, _summary = demo_db
    with database.read() as session:
        closers = {u.id for u in session.execute(select(User).where(User.role == "closer")).scalars()}
        rows = session.execute(
            select(Deal, Company).join(Company, Company.id == Deal.company_id).where(Deal.status == "open")
        ).all()
        stages = {d.stage_code for d, _c in rows}
        per_closer = defaultdict(int)
        for deal, company in rows:
            assert deal.closer_id in closers
            assert company.stage == "pipeline" and company.owner_id == deal.closer_id
            assert company.category == "potential" and not company.in_queue
            assert deal.expected_amount > 0 and deal.requirements and deal.next_step and deal.next_step_due
            assert deal.handed_over_by_id is not None
            per_closer[deal.closer_id] += 1
            history = session.execute(
                select(Interaction.kind, Interaction.outcome)
                .where(Interaction.company_id == company.id)
                .order_by(Interaction.at, Interaction.id)
            ).all()
            kinds = [k for k, _o in history]
            assert ("call", "interested") in history and ("handover", "to_closer") in history
            assert kinds.index("handover") < len(kinds) - 1  # the closer's work follows the hand-over
        overdue = sum(1 for d, _c in rows if d.next_step_due < TODAY)
    assert stages == {"new", "meeting_set", "meeting_held", "thinking", "agreed"}
    assert sorted(per_closer.values()) == [30, 30]
    assert overdue > 0


def test_closer_board_shows_their_deals(demo_db):
    database, _summary = demo_db
    with database.read() as session:
        closer, closer2 = _actor(session, "closer"), _actor(session, "closer2")
    board = pipeline.board(database, closer, today=TODAY)
    assert board.count == 30
    assert pipeline.board(database, closer2, today=TODAY).count == 30
    assert sum(1 for column in board.columns for deal in column.deals if deal.overdue) > 0


def test_account_aggregates_equal_the_orders(demo_db):
    database, _summary = demo_db
    with database.read() as session:
        managers = {u.id for u in session.execute(select(User).where(User.role == "account")).scalars()}
        orders = defaultdict(list)
        for order in session.execute(select(ClientOrder)).scalars():
            orders[order.company_id].append(order)
        accounts = session.execute(select(Company).where(Company.stage == "account")).scalars().all()
        per_manager = defaultdict(int)
        for company in accounts:
            own = sorted(orders[company.id], key=lambda o: o.ordered_at)
            assert 1 <= len(own) <= 20
            assert company.owner_id in managers and company.category in ("active", "lost")
            assert company.orders_count == len(own)
            assert company.revenue_total == sum((o.amount for o in own), Decimal("0"))
            assert company.margin_total == sum((o.margin for o in own), Decimal("0"))
            assert company.first_order_at == own[0].ordered_at
            assert company.last_order_at == own[-1].ordered_at
            assert all(o.account_manager_id == company.owner_id and o.items for o in own)
            if len(own) > 1 and not company.next_purchase_is_stated:
                average = (own[-1].ordered_at - own[0].ordered_at).days / (len(own) - 1)
                assert company.next_purchase_at == own[-1].ordered_at + timedelta(days=round(average))
            assert company.abcde_class in ("A", "B", "C", "D", "E")
            if company.margin_total < 0:
                assert company.abcde_class == "E"
            # the first order came with the closer's won deal
            assert own[0].deal_id is not None
            deal = session.get(Deal, own[0].deal_id)
            assert deal.status == "won" and deal.contract_amount == own[0].amount
            per_manager[company.owner_id] += company.category == "active"
        active = [c for c in accounts if c.category == "active"]
        key = [c for c in active if c.is_key_client]
        assert len(key) == 30
        share = sum(c.revenue_total for c in key) / sum(c.revenue_total for c in active)
        assert share > Decimal("0.6")
        assert min(c.revenue_total for c in key) >= max(c.revenue_total for c in active if not c.is_key_client)
        assert sorted(per_manager.values()) == [75, 75]
        assert {len(orders[c.id]) for c in active} >= {1, 20}


def test_lost_clients_have_a_return_task(demo_db):
    database, _summary = demo_db
    with database.read() as session:
        lost = session.execute(select(Company).where(Company.category == "lost")).scalars().all()
        assert lost
        for company in lost:
            task = session.execute(
                select(FollowUpTask).where(FollowUpTask.company_id == company.id, FollowUpTask.kind == "return")
            ).scalar_one()
            assert task.assignee_id == company.owner_id and task.done_at is None
            assert (
                session.execute(
                    select(func.count(Interaction.id)).where(
                        Interaction.company_id == company.id,
                        Interaction.kind == "system",
                        Interaction.outcome.startswith("lost:"),  # with the reason's code
                    )
                ).scalar_one()
                == 1
            )
        tasks = session.execute(select(FollowUpTask).where(FollowUpTask.kind == "follow_up")).scalars().all()
        end_of_today = datetime.combine(TODAY, datetime.max.time()).astimezone(UTC)
        assert len([t for t in tasks if t.due_at <= end_of_today]) >= 6


def test_some_birthdays_within_the_next_week(demo_db):
    database, _summary = demo_db
    with database.read() as session:
        rows = session.execute(
            select(Contact.birthday, Company.stage)
            .join(Company, Company.id == Contact.company_id)
            .where(Contact.birthday.is_not(None))
        ).all()
        decision_makers = session.execute(
            select(func.count(func.distinct(Contact.company_id))).where(Contact.is_decision_maker.is_(True))
        ).scalar_one()
    soon = []
    for birthday, stage in rows:
        for offset in range(7):
            day = TODAY + timedelta(days=offset)
            if (birthday.month, birthday.day) == (day.month, day.day):
                soon.append(stage)
    assert len(soon) >= 5
    assert {"pipeline", "account"} <= set(soon)
    assert decision_makers >= 200


def test_refusals_in_the_current_week(demo_db):
    database, _summary = demo_db
    monday, sunday = refusals.current_week(TODAY)
    with database.read() as session:
        supervisor = _actor(session, "supervisor")
        callers = {u.id for u in session.execute(select(User).where(User.role == "caller")).scalars()}
        rows = session.execute(select(Refusal, Company).join(Company, Company.id == Refusal.company_id)).all()
    this_week = [(r, c) for r, c in rows if monday <= r.refused_at.astimezone(centre_zone()).date() <= sunday]
    assert len(this_week) >= 40
    assert all(r.decision is None and c.category == "refused" and not c.in_queue for r, c in this_week)
    assert any(r.refused_at.astimezone(centre_zone()).date() < monday for r, _c in rows)
    assert {r.caller_id for r, _c in rows} <= callers
    decided = [(r, c) for r, c in rows if r.decision]
    assert {r.decision for r, _c in decided} == {"shelve", "special_offer", "do_not_call"}
    for refusal, company in decided:
        expected = {"shelve": "potential", "special_offer": "potential", "do_not_call": "do_not_call"}[refusal.decision]
        assert company.category == expected
    # the supervisor's refusal list sees them
    count = refusals.count_refusals(database, supervisor, refusals.RefusalFilter.this_week(TODAY))
    assert count == len(this_week)


def test_history_is_in_order_and_tells_the_story(demo_db):
    database, _summary = demo_db
    with database.read() as session:
        rows = session.execute(
            select(
                Interaction.company_id, Interaction.id, Interaction.at, Interaction.kind, Interaction.outcome
            ).order_by(Interaction.company_id, Interaction.id)
        ).all()
        companies = {c.id: c for c in session.execute(select(Company)).scalars()}
    by_company = defaultdict(list)
    for row in rows:
        by_company[row.company_id].append(row)
    assert set(by_company) == set(companies)
    for company_id, history in by_company.items():
        times = [r.at for r in history]
        assert times == sorted(times), company_id  # ids follow time
        assert history[0].kind == "system" and history[0].outcome == "import"
        company = companies[company_id]
        kinds = [(r.kind, r.outcome) for r in history]
        if company.stage == "account":
            assert kinds.index(("handover", "to_closer")) < kinds.index(("handover", "to_account"))
            assert sum(1 for k in kinds if k[0] == "order") == company.orders_count
        if company.attempts and company.stage == "cold":
            calls = [r for r in history if r.kind == "call"]
            assert len(calls) == company.attempts
            assert calls[-1].outcome == company.last_outcome


def test_two_generations_are_identical(request, tmp_path_factory):
    dumps = []
    for _ in range(2):
        database = _fresh(request, "sqlite", tmp_path_factory)
        _generate(database)
        with database.read() as session:
            dump = {}
            for model in (Company, Contact, Phone, Deal, ClientOrder, Interaction, Refusal, FollowUpTask):
                table = model.__table__
                dump[table.name] = [tuple(row) for row in session.execute(select(table).order_by(table.c.id))]
            dumps.append(dump)
        database.dispose()
    assert dumps[0] == dumps[1]
    assert len(dumps[0]["company"]) > 2400


def test_demo_command_service_creates_once(tmp_path):
    path = tmp_path / "demo.sqlite3"
    database, credentials, created = demo.ensure_demo_database(path)
    try:
        assert created and len(credentials) == 9
        today = business_today()
        monday, sunday = refusals.current_week(today)
        with database.read() as session:
            events = session.execute(select(AuditEvent).where(AuditEvent.action == "demo_data_created")).scalars().all()
            assert len(events) == 1
            assert session.execute(select(func.count(Company.id))).scalar_one() > 2400
            week = [
                r
                for r in session.execute(select(Refusal.refused_at)).scalars()
                if monday <= r.astimezone(centre_zone()).date() <= sunday
            ]
            assert week
    finally:
        database.dispose()
    database, _credentials, created = demo.ensure_demo_database(path)
    database.dispose()
    assert not created


def test_the_demo_has_a_catalog_itemized_orders_standards_and_a_specialist_at_work(demo_db):
    from kbase_tui.models import FocusTarget, OrderLine, Product, ProductCategory
    from kbase_tui.services import client_growth, specialists

    database, _summary = demo_db
    with database.read() as session:
        assert session.execute(select(func.count(ProductCategory.id))).scalar_one() == 10
        assert session.execute(select(func.count(Product.id))).scalar_one() == 40
        # Every order is itemized by products of the catalog, and its lines add up to it
        by_order = select(OrderLine.order_id, func.sum(OrderLine.amount), func.sum(OrderLine.margin)).group_by(
            OrderLine.order_id
        )
        sums = {i: (amount, margin) for i, amount, margin in session.execute(by_order).all()}
        orders = session.execute(select(ClientOrder.id, ClientOrder.amount, ClientOrder.margin)).all()
        assert orders and all(sums[i] == (amount, margin) for i, amount, margin in orders)
        assert session.execute(select(func.count()).where(OrderLine.category_id.is_(None))).scalar_one() == 0
        assert session.execute(select(func.count(FocusTarget.id))).scalar_one() == 2
        manager, supervisor = _actor(session, "account"), _actor(session, "supervisor")
        tech = _actor(session, "specialist")
    assert len(client_growth.standards(database, supervisor)) == 5
    gaps = client_growth.portfolio_gaps(database, manager, today=TODAY)
    assert gaps.total > 20 and gaps.rows[0].gap > 0  # white spots to show on the first run
    assert [p.target.category_name for p in client_growth.focus_progress(database, manager, today=TODAY)] == [
        "Абразивы и инструмент",
        "Подшипники и приводы",
    ]
    capacity = client_growth.capacity(database, supervisor, "channel", today=TODAY)
    assert all(r.capacity and r.capacity > 0 for r in capacity if r.active)
    assigned = specialists.my_assignments(database, tech)
    assert len(assigned) == 2
    assert specialists.card(database, tech, assigned[0].company_id).company.id == assigned[0].company_id


@pytest.mark.parametrize("backend", BACKENDS)
def test_demo_has_coded_reasons_and_nothing_happened_after_now(request, tmp_path_factory, backend):
    """Built at 07:30 on its day, before the working hours the stories are drawn in: nothing that happened is
    later than that, while callbacks, shelving and tasks due stay ahead; lost clients and refusals carry reason
    codes the reason lists know, so the lost list reads each client's own reason."""
    from kbase_tui.models import Reason
    from kbase_tui.services import accounts

    database = _fresh(request, backend, tmp_path_factory)
    now = datetime.combine(TODAY, datetime.min.time().replace(hour=7, minute=30), tzinfo=centre_zone())
    with database.write() as session:
        created = _demo_users(session)
        demo_data.generate_demo_data(session, created, today=TODAY, now=now)
    try:
        with database.read() as session:
            past = {
                Company: ("last_tried_at", "created_at", "updated_at"),
                Contact: ("created_at", "updated_at"),
                Deal: ("created_at", "updated_at", "last_activity_at", "closed_at"),
                ClientOrder: ("created_at",),
                Interaction: ("at",),
                Refusal: ("refused_at", "decided_at"),
                FollowUpTask: ("created_at", "done_at"),
            }
            for model, columns in past.items():
                for column in columns:
                    latest = session.execute(select(func.max(getattr(model, column)))).scalar()
                    if latest is not None:
                        latest = latest if latest.tzinfo else latest.replace(tzinfo=UTC)
                        assert latest <= now, (model.__name__, column, latest)
            refused_today = session.execute(
                select(func.count(Refusal.id)).where(Refusal.refused_at >= now - timedelta(hours=7, minutes=30))
            ).scalar_one()
            ahead = session.execute(select(func.count(Company.id)).where(Company.callback_at > now)).scalar_one()
            shelved = session.execute(select(func.count(Refusal.id)).where(Refusal.shelved_until > now)).scalar_one()
            due = session.execute(select(func.count(FollowUpTask.id)).where(FollowUpTask.due_at > now)).scalar_one()
            known = {
                kind: set(session.execute(select(Reason.code).where(Reason.kind == kind)).scalars())
                for kind in ("refusal", "lost_client")
            }
            refusal_codes = set(session.execute(select(Refusal.reason_code)).scalars())
            boss = _actor(session, "supervisor")
        assert ahead >= 6 and shelved > 0 and due > 0
        assert refused_today > 0  # today's refusals are there, drawn back before now
        assert refusal_codes and refusal_codes <= known["refusal"] and len(refusal_codes) > 1
        page = accounts.lost_accounts(database, boss)
        lost = page.rows
        assert len(lost) >= 20
        assert all(row.reason_code in known["lost_client"] for row in lost)
        assert len({row.reason_code for row in lost}) > 1
        assert all(row.reason_label and not row.reason_label.startswith("Переведён") for row in lost)
    finally:
        database.dispose()
        if backend == "postgresql":
            _empty_postgres(request.getfixturevalue("pg_schema_url"))
