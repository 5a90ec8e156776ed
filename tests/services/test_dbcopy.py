"""`kbase db copy`: a SQLite database copied into a fresh PostgreSQL schema on the local server."""

from __future__ import annotations

import shutil
import sqlite3
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from tests.conftest import PASSWORD, PG_BASE_URL, POSTGRES

pytestmark = pytest.mark.skipif(not POSTGRES, reason="PostgreSQL is not reachable")

HOSTILE = "[bold red]ООО «Ёлка»[/] \x1b[31m; DROP TABLE company;--"


@pytest.fixture
def pg_empty_url():
    """A brand-new, empty PostgreSQL schema (no tables at all)."""
    from sqlalchemy import create_engine, text

    schema = f"kbcopy_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_BASE_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    yield f"{PG_BASE_URL}?options=-csearch_path%3D{schema}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def source(tmp_path, sqlite_template):
    """A SQLite database with a bit of everything: users, companies, history, deals, orders, audit."""
    from kbase_tui.models import (
        ClientOrder,
        Company,
        Contact,
        Deal,
        Draft,
        FollowUpTask,
        Interaction,
        Phone,
        Refusal,
    )
    from kbase_tui.services import audit, clients, users
    from kbase_tui.services.setup import open_database

    path = tmp_path / "source.sqlite3"
    shutil.copy(sqlite_template, path)
    database = open_database(path)
    at = datetime(2026, 3, 1, 23, 30, 15, 123456, tzinfo=UTC)  # late UTC: a different date in Moscow
    with database.write() as session:
        caller = users.add_user(
            session, "local:test", "caller", "caller", PASSWORD, full_name="Анна Звонкова", must_change_password=False
        )
        closer = users.add_user(session, "local:test", "closer", "closer", PASSWORD, full_name="Борис")
        session.add(
            Company(
                name="ООО «Ромашка»",
                city="Тула",
                in_queue=True,
                queue_rank=5,
                created_at=at,
                revenue_total=Decimal("1234567.89"),
                last_order_at=date(2026, 2, 28),
            )
        )
        session.add(
            Company(
                name=HOSTILE,
                city="Москва",
                held_by_id=caller.id,
                held_until=at,
                unreachable=True,
                needs_data_fix=True,
                margin_total=None,
            )
        )
        for n in range(30):
            session.add(Company(name=f"Компания {n}", city="Казань", priority=n, in_queue=n % 2 == 0))
        session.flush()
        session.add(
            Contact(
                company_id=1,
                full_name="Иванов Иван",
                position="Директор",
                is_decision_maker=True,
                birthday=date(1970, 1, 2),
            )
        )
        session.flush()
        session.add(Phone(company_id=1, contact_id=1, number="+74951234567", label="моб."))
        session.add(
            Deal(
                company_id=1,
                closer_id=closer.id,
                handed_over_by_id=caller.id,
                stage_code="offer",
                expected_amount=Decimal("99999.99"),
                next_step="Позвонить\nв понедельник\tв 10:00",
                next_step_due=date(2026, 3, 2),
                contract_amount=None,
                created_at=at,
            )
        )
        session.flush()
        session.add(
            ClientOrder(
                company_id=1,
                ordered_at=date(2026, 2, 28),
                items="Трубы 😀",
                amount=Decimal("0.10"),
                margin=Decimal("-5.55"),
                deal_id=1,
                created_at=at,
            )
        )
        session.add(Refusal(company_id=2, caller_id=caller.id, refused_at=at, reason_code="price", comment=HOSTILE))
        session.add(
            FollowUpTask(
                company_id=1, assignee_id=closer.id, kind="follow_up", due_at=at + timedelta(days=1), text="Проверить"
            )
        )
        session.add(Draft(user_id=caller.id, context="note:1", text="черновик"))
        for k in range(2500):  # more than one batch with batch_rows=1000
            session.add(
                Interaction(
                    company_id=1 + k % 32,
                    user_id=caller.id,
                    at=at - timedelta(minutes=k),
                    kind="call",
                    outcome="no_answer",
                    text=f"попытка {k}",
                )
            )
        clients.write_history(session, users.local_actor(), 1, "note", text=HOSTILE)
        audit.record(session, "local:test", "test_event", "company", 1, note=HOSTILE)
    database.dispose()
    return path


def _rows(url: str) -> dict[str, list[tuple]]:
    """Every row of every table, typed by the models, with timestamps as aware UTC."""
    from sqlalchemy import select

    from kbase_tui.models import metadata
    from kbase_tui.services.db import connect

    database = connect(url, migrate=False)
    result = {}
    try:
        with database.engine.connect() as conn:
            for table in metadata.sorted_tables:
                order = list(table.primary_key.columns)
                rows = []
                for row in conn.execute(select(table).order_by(*order)):
                    values = []
                    for value in row:
                        if isinstance(value, datetime):
                            value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
                        if isinstance(value, float):
                            value = Decimal(repr(value))
                        if isinstance(value, Decimal):
                            value = value.quantize(Decimal("0.01"))
                        values.append(value)
                    rows.append(tuple(values))
                result[table.name] = rows
    finally:
        database.dispose()
    return result


def test_copy_preserves_every_row_and_id(source, pg_empty_url):
    from kbase_tui.services import dbcopy

    seen = []
    report = dbcopy.copy_sqlite_to_postgresql(
        str(source), pg_empty_url, batch_rows=1000, progress=lambda t, d, n: seen.append((t, d, n))
    )
    before, after = _rows(f"sqlite:///{source}"), _rows(pg_empty_url)
    assert set(before) == set(after)
    for name in before:
        assert after[name] == before[name], name
    counts = {t.name: t.rows for t in report.tables}
    assert counts["interaction"] == 2501 and counts["company"] == 32 and counts["user_account"] == 2
    assert all(counts[name] == len(before[name]) for name in before)
    # In batches: the interaction table arrived in three.
    assert [d for t, d, n in seen if t == "interaction"] == [1000, 2000, 2501]


def test_copy_keeps_text_decimals_and_instants_exact(source, pg_empty_url):
    from sqlalchemy import select

    from kbase_tui.models import ClientOrder, Company, Deal
    from kbase_tui.services import dbcopy
    from kbase_tui.services.db import connect

    dbcopy.copy_sqlite_to_postgresql(str(source), pg_empty_url)
    database = connect(pg_empty_url, migrate=False)
    try:
        with database.read() as session:
            hostile = session.get(Company, 2)
            assert hostile.name == HOSTILE and hostile.unreachable is True and hostile.needs_data_fix is True
            assert hostile.held_until == datetime(2026, 3, 1, 23, 30, 15, 123456, tzinfo=UTC)
            first = session.get(Company, 1)
            assert first.revenue_total == Decimal("1234567.89") and first.in_queue is True
            assert session.get(Deal, 1).next_step == "Позвонить\nв понедельник\tв 10:00"
            order = session.execute(select(ClientOrder)).scalar_one()
            assert (order.amount, order.margin, order.items) == (Decimal("0.10"), Decimal("-5.55"), "Трубы 😀")
    finally:
        database.dispose()


def test_sequences_continue_after_the_copied_ids(source, pg_empty_url):
    from kbase_tui.models import Company, Interaction
    from kbase_tui.services import dbcopy
    from kbase_tui.services.db import connect

    dbcopy.copy_sqlite_to_postgresql(str(source), pg_empty_url)
    database = connect(pg_empty_url, migrate=False)
    try:
        with database.write() as session:
            company = Company(name="Новая")
            session.add(company)
            session.flush()
            interaction = Interaction(company_id=company.id, kind="note")
            session.add(interaction)
            session.flush()
            assert company.id == 33 and interaction.id == 2502
    finally:
        database.dispose()


def test_the_audit_chain_verifies_on_the_copy_and_the_app_signs_in(source, pg_empty_url):
    from kbase_tui.services import audit, dbcopy, users
    from kbase_tui.services.db import connect

    dbcopy.copy_sqlite_to_postgresql(str(source), pg_empty_url)
    database = connect(pg_empty_url, migrate=False)
    try:
        with database.read() as session:
            assert audit.verify_chain(session) == []
        actor = users.login(database, "caller", PASSWORD)  # writes an audit event chained to the copied ones
        assert actor.full_name == "Анна Звонкова"
        with database.read() as session:
            assert audit.verify_chain(session) == []
    finally:
        database.dispose()


def test_a_non_empty_target_is_refused_and_left_alone(source, pg_empty_url):
    from kbase_tui.services import dbcopy

    dbcopy.copy_sqlite_to_postgresql(str(source), pg_empty_url)
    before = _rows(pg_empty_url)
    with pytest.raises(dbcopy.CopyRefused, match="not empty"):
        dbcopy.copy_sqlite_to_postgresql(str(source), pg_empty_url)
    assert _rows(pg_empty_url) == before


def test_a_target_made_by_kbase_init_takes_the_copy(source, pg_empty_url):
    """`kbase init` fills the reference tables with defaults: those give way to the source's own."""
    from kbase_tui.services import dbcopy
    from kbase_tui.services.setup import open_database

    open_database(pg_empty_url).dispose()
    con = sqlite3.connect(source)
    with con:
        con.execute("UPDATE reason SET label_en = 'Edited by the supervisor' WHERE id = 1")
    con.close()
    report = dbcopy.copy_sqlite_to_postgresql(str(source), pg_empty_url)
    assert "reason" in report.replaced_defaults
    assert _rows(pg_empty_url)["reason"] == _rows(f"sqlite:///{source}")["reason"]


def test_a_failed_copy_leaves_the_target_empty(source, pg_empty_url):
    """A row SQLite let in (foreign keys off) that PostgreSQL rejects: nothing is half-copied."""
    from kbase_tui.services import dbcopy

    con = sqlite3.connect(source)
    with con:
        con.execute("PRAGMA foreign_keys = OFF")
        con.execute(
            "INSERT INTO interaction (company_id, at, kind, outcome, text) "
            "VALUES (999999, '2026-01-01 00:00:00.000000', 'note', '', 'orphan')"
        )
    con.close()
    with pytest.raises(Exception, match=r"(?i)foreign key"):
        dbcopy.copy_sqlite_to_postgresql(str(source), pg_empty_url)
    assert all(rows == [] for name, rows in _rows(pg_empty_url).items())


def test_bad_arguments_are_refused(source, tmp_path, pg_empty_url):
    from kbase_tui.services import dbcopy

    with pytest.raises(dbcopy.CopyRefused, match="PostgreSQL"):
        dbcopy.copy_sqlite_to_postgresql(str(source), f"sqlite:///{tmp_path / 'other.sqlite3'}")
    with pytest.raises(dbcopy.CopyRefused, match="No SQLite database"):
        dbcopy.copy_sqlite_to_postgresql(str(tmp_path / "missing.sqlite3"), pg_empty_url)


def test_kbase_db_copy_command(source, pg_empty_url, capsys):
    from kbase_tui.cli.main import main

    assert main(["db", "copy", "--from", str(source), "--to", pg_empty_url]) == 0
    out = capsys.readouterr().out
    assert "row counts match" in out and "interaction" in out and "2,501" in out
    assert main(["db", "copy", "--from", str(source), "--to", pg_empty_url]) == 1
    assert "not empty" in capsys.readouterr().err


def test_the_copy_leaves_the_tables_analysed(source, pg_empty_url):
    """COPY leaves no planner statistics: the copy analyses every table before it returns (a lead took 29 ms
    instead of 1.5 until autovacuum came by)."""
    from sqlalchemy import create_engine

    from kbase_tui.services import dbcopy, doctor
    from kbase_tui.services.db import connect
    from kbase_tui.services.setup import open_database

    open_database(pg_empty_url).dispose()  # as `kbase init` makes it: tables, no statistics yet
    engine = create_engine(pg_empty_url)
    try:
        with engine.connect() as conn:
            before = conn.exec_driver_sql("SELECT reltuples FROM pg_class WHERE oid = 'interaction'::regclass").scalar()
        dbcopy.copy_sqlite_to_postgresql(str(source), pg_empty_url)
        with engine.connect() as conn:
            after = conn.exec_driver_sql("SELECT reltuples FROM pg_class WHERE oid = 'interaction'::regclass").scalar()
            analysed = conn.exec_driver_sql(
                "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = current_schema() AND c.relkind = 'r' AND c.reltuples < 0"
            ).scalar()
    finally:
        engine.dispose()
    assert before < 0  # never analysed: PostgreSQL does not know how many rows there are
    assert after == 2501 and analysed == 0
    database = connect(pg_empty_url, migrate=False)
    try:
        checks = {c.name: c for c in doctor._postgres_statistics(database)}
    finally:
        database.dispose()
    assert checks["Table statistics"].status == doctor.PASS


def test_doctor_warns_about_tables_never_analysed_and_autovacuum_off(pg_empty_url):
    from sqlalchemy import create_engine

    from kbase_tui.services import doctor, users
    from kbase_tui.services.db import connect
    from kbase_tui.services.setup import open_database

    database = open_database(pg_empty_url)
    user = users.create_user(
        database, users.local_actor(), "anna", "caller", PASSWORD, full_name="Анна", must_change_password=False
    )
    database.dispose()
    engine = create_engine(pg_empty_url)
    with engine.begin() as conn:
        # 600 rows that no ANALYZE saw, in a table whose autovacuum is off.
        conn.exec_driver_sql("ALTER TABLE draft SET (autovacuum_enabled = false)")
        conn.exec_driver_sql(
            "INSERT INTO draft (user_id, context, text, updated_at) "
            f"SELECT {user.id}, 'c' || n, 't', now() FROM generate_series(1, 600) n"
        )
    engine.dispose()
    database = connect(pg_empty_url, migrate=False)
    try:
        deadline = time.monotonic() + 10  # the statistics of the inserts reach pg_stat_user_tables at commit
        while True:
            checks = {c.name: c for c in doctor._postgres_statistics(database)}
            if checks["Table statistics"].status == doctor.WARN or time.monotonic() > deadline:
                break
            time.sleep(0.2)
    finally:
        database.dispose()
    assert checks["Table statistics"].status == doctor.WARN and "draft" in checks["Table statistics"].detail
    assert checks["Autovacuum"].status == doctor.WARN and "draft" in checks["Autovacuum"].detail
