"""Alembic migrations: a database made at the first revision keeps its data at head,
and the models never drift from the migrations."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select, text

from kbase_tui.models import Company, User, metadata
from kbase_tui.services import db as dbmod
from kbase_tui.services.setup import open_database

FIRST = "0001"


def _fresh(db_url, tmp_path):
    if db_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
        return dbmod.connect(url, migrate=False)
    database = dbmod.connect(db_url, migrate=False)
    with database.engine.begin() as conn:  # the fixture migrated this schema: start over
        names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
        conn.execute(text(f"DROP TABLE IF EXISTS {names}, alembic_version CASCADE"))
    return database


def test_data_made_at_the_first_revision_survives_upgrade_to_head(db_url, tmp_path):
    database = _fresh(db_url, tmp_path)
    dbmod.upgrade_schema(database, FIRST)
    assert dbmod.schema_revision(database) == FIRST
    with database.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO user_account (username, full_name, role, password_hash, must_change_password, disabled,"
                " failed_logins, created_at, version) VALUES ('anna', 'Анна Кузнецова', 'caller', 'x', false, false, 0,"
                " '2026-01-05 10:00:00+00:00', 1)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO company (name, name_search, inn, city, city_search, industry, channel, size, source, website,"
                " email, address, abcde_class, is_key_client, potential_score, category, stage, requirements, in_queue,"
                " queue_rank, priority, last_tried_at, attempts, last_outcome, special_offer, unreachable, needs_data_fix,"
                " orders_count, revenue_total, next_purchase_is_stated, created_at, updated_at, version) VALUES"
                " ('ООО «Ромашка»', 'ооо «ромашка»', '7707083893', 'Москва', 'москва', 'Металлургия', 'Дилеры', 'M', '',"
                " '', '', '', 'B', false, 0, 'potential', 'cold', '', true, 100, 100, '1970-01-01 00:00:00+00:00', 2,"
                " 'busy', '', false, false, 0, 0, false, '2026-01-05 10:00:00+00:00', '2026-01-05 10:00:00+00:00', 1)"
            )
        )
    database.dispose()

    upgraded = open_database(database.url)
    assert dbmod.schema_revision(upgraded) == dbmod.head_revision()
    with upgraded.read() as session:
        user = session.execute(select(User).where(User.username == "anna")).scalar_one()
        company = session.execute(select(Company)).scalar_one()
    assert user.full_name == "Анна Кузнецова"
    assert (company.name, company.inn, company.attempts, company.last_outcome) == (
        "ООО «Ромашка»",
        "7707083893",
        2,
        "busy",
    )
    assert company.time_zone == "Europe/Moscow"  # filled on the way (revision 0012) from its city
    assert user.time_zone is None  # the call centre's
    upgraded.dispose()


def test_models_and_migrations_agree(db):
    """Anyone who adds a column must add a migration: autogenerate finds nothing to do."""
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": False})
        diff = compare_metadata(context, metadata)
    assert diff == [], diff


def test_the_shipped_head_read_from_the_files_is_alembics_head():
    # The start skips Alembic when the database is at this revision: a wrong reading would skip a migration.
    assert dbmod.shipped_head() == dbmod.head_revision()


def test_opening_a_database_at_the_head_does_not_load_alembic(tmp_path):
    import subprocess
    import sys

    from kbase_tui.services.setup import create_database

    path = tmp_path / "at-head.sqlite3"
    create_database(str(path)).dispose()
    probe = (
        "import sys\n"
        "from kbase_tui.services.setup import open_existing_database\n"
        f"open_existing_database({str(path)!r}).dispose()\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('alembic', 'mako')))\n"
    )
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"


def test_a_database_one_revision_behind_is_still_migrated_at_open(db_url, tmp_path):
    database = _fresh(db_url, tmp_path)
    behind = f"{int(dbmod.shipped_head()) - 1:04d}"
    dbmod.upgrade_schema(database, behind)
    database.dispose()
    upgraded = open_database(database.url)
    assert dbmod.schema_revision(upgraded) == dbmod.shipped_head()
    upgraded.dispose()


def test_old_history_sentences_that_can_be_read_back_get_their_params(db_url, tmp_path):
    """Revision 0018: stage moves and hand-overs written before params, in English or Russian, read back."""
    from kbase_tui.models import Interaction
    from kbase_tui.services.history_labels import render_entry

    database = _fresh(db_url, tmp_path)
    dbmod.upgrade_schema(database, "0017")
    entries = [
        ("stage", "meeting_set", "Новая → Встреча назначена"),
        ("stage", "thinking", "Meeting held → Thinking"),
        ("stage", "won", "agreed → Договор подписан"),  # an old stage shown by its code
        ("stage", "thinking", "Новая → Думает сильно"),  # the new label does not match: left alone
        ("stage", "thinking", "Старая → Думает"),  # an unknown old label: left alone
        ("handover", "to_closer", "Handed over to closer Petr Ivanov"),
        ("handover", "to_closer", "Передан менеджеру по продажам: Пётр Сделкин"),
        ("handover", "to_closer", "Передан менеджеру по продажам Иван Второй"),
        ("handover", "to_account", "Передан менеджеру по работе с клиентами: Мария"),  # no params kind for it
        ("note", "", "Новая → Думает"),  # typed by a person
    ]
    with database.engine.begin() as conn:
        for position, (code, ru, en) in enumerate(
            [
                ("new", "Новая", "New"),
                ("meeting_set", "Встреча назначена", "First meeting agreed"),
                ("meeting_held", "Встреча проведена", "Meeting held"),
                ("thinking", "Думает", "Thinking"),
                ("agreed", "Согласен подписать", "Agreed to sign"),
                ("won", "Договор подписан", "Won"),
            ]
        ):
            conn.execute(
                text(
                    "INSERT INTO pipeline_stage (code, label_ru, label_en, position, is_won, is_lost, active)"
                    " VALUES (:code, :ru, :en, :position, false, false, true)"
                ),
                {"code": code, "ru": ru, "en": en, "position": position},
            )
        conn.execute(
            text(
                "INSERT INTO company (name, name_search, inn, city, city_search, industry, channel, size, source, website,"
                " email, address, abcde_class, is_key_client, potential_score, category, stage, requirements, in_queue,"
                " queue_rank, priority, last_tried_at, attempts, last_outcome, special_offer, unreachable, needs_data_fix,"
                " orders_count, revenue_total, next_purchase_is_stated, created_at, updated_at, version, time_zone) VALUES"
                " ('ООО «Ромашка»', 'ооо «ромашка»', '', 'Москва', 'москва', '', '', '', '',"
                " '', '', '', '', false, 0, 'potential', 'pipeline', '', false, 100, 100, '1970-01-01 00:00:00+00:00', 0,"
                " '', '', false, false, 0, 0, false, '2026-01-05 10:00:00+00:00', '2026-01-05 10:00:00+00:00', 1, '')"
            )
        )
        company_id = conn.execute(text("SELECT id FROM company")).scalar_one()
        for kind, outcome, sentence in entries:
            conn.execute(
                text(
                    "INSERT INTO interaction (company_id, at, kind, outcome, text) VALUES"
                    " (:company, '2026-01-05 10:00:00+00:00', :kind, :outcome, :text)"
                ),
                {"company": company_id, "kind": kind, "outcome": outcome, "text": sentence},
            )
    database.dispose()

    upgraded = open_database(database.url)
    with upgraded.read() as session:
        rows = session.execute(select(Interaction).order_by(Interaction.id)).scalars().all()
        params = [row.params for row in rows]
        assert [row.text for row in rows] == [sentence for _k, _o, sentence in entries]  # texts untouched
    assert params == [
        '{"t": "stage", "from": "new", "to": "meeting_set"}',
        '{"t": "stage", "from": "meeting_held", "to": "thinking"}',
        '{"t": "stage", "from": "agreed", "to": "won"}',
        "",
        "",
        '{"t": "to_closer", "name": "Petr Ivanov"}',
        '{"t": "to_closer", "name": "Пётр Сделкин"}',
        '{"t": "to_closer", "name": "Иван Второй"}',
        "",
        "",
    ]
    # Read in the reader's language: a Russian stage move now reads in English.
    labels = {"new": "New", "meeting_set": "First meeting agreed"}
    assert render_entry(params[0], entries[0][2], labels) == "New → First meeting agreed"
    upgraded.dispose()


def test_the_shipped_head_leaves_anything_but_a_plain_line_of_revisions_to_alembic(tmp_path, monkeypatch):
    """Read by pattern, not parsed: a merge point, a value that is not a literal or a name given twice in one
    file is not guessed at (None: Alembic decides)."""

    def shipped(*files: str) -> str | None:
        versions = tmp_path / f"m{len(list(tmp_path.iterdir()))}" / "versions"
        versions.mkdir(parents=True)
        for number, source in enumerate(files):
            (versions / f"{number:04d}_step.py").write_text(source, encoding="utf-8")
        monkeypatch.setattr(dbmod, "MIGRATIONS_DIR", versions.parent)
        dbmod.shipped_head.cache_clear()
        return dbmod.shipped_head()

    first = '"""The first."""\nrevision = "0001"\ndown_revision = None\n'
    try:
        assert shipped(first, 'revision: str = "0002"\ndown_revision: str | None = "0001"\n') == "0002"
        assert shipped(first, 'revision = "0002"\ndown_revision = ("0001", "x")\n') is None
        assert shipped(first, 'revision = "0002"\ndown_revision = ONE\n') is None
        assert shipped(first, 'revision = "0002"\nrevision = "0003"\ndown_revision = "0001"\n') is None
        assert (
            shipped(first, 'revision = "0002"\ndown_revision = "0001"\n', 'revision = "0003"\ndown_revision = "0001"\n')
            is None
        )
        # A newest migration written another way is not skipped over (the head would be read as 0002).
        second = 'revision = "0002"\ndown_revision = "0001"\n'
        assert shipped(first, second, 'revision, down_revision = "0003", "0002"\n') is None
    finally:
        dbmod.shipped_head.cache_clear()


def test_a_new_database_is_built_when_the_shipped_head_cannot_be_read(tmp_path, monkeypatch):
    # No revision stored (None) against a head not read (None) once counted as "at the head": 0 tables.
    monkeypatch.setattr(dbmod, "shipped_head", lambda: None)
    database = dbmod.connect(tmp_path / "new.sqlite3")
    try:
        assert dbmod.schema_revision(database) == dbmod.head_revision()
    finally:
        database.dispose()


def test_a_migration_runs_with_the_collector_on_even_when_the_start_turned_it_off(tmp_path, monkeypatch):
    # `kbase serve` starts with the collector off; a migration over millions of rows must not run without it.
    import gc

    seen: list[bool] = []
    from alembic import command

    real = command.upgrade

    def upgrade(*args, **kwargs):
        seen.append(gc.isenabled())
        return real(*args, **kwargs)

    monkeypatch.setattr(command, "upgrade", upgrade)
    gc.disable()
    try:
        database = dbmod.connect(tmp_path / "new.sqlite3")
        database.dispose()
        assert seen == [True]
        assert not gc.isenabled()  # left as the start had it
    finally:
        gc.enable()
