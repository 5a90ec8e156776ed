"""Build (or reuse) the benchmark database: 1,000,000 companies, 3,000,000 interactions, 50 users.

    .venv/bin/python benchmarks/generate.py [--quick] [--force]

The schema comes from `services.setup.open_database` (migrations at head plus
the shipped defaults); the rows go in with raw sqlite3 `executemany` in one
transaction, which is ~50 times faster than the ORM. Every column gets the
model's own default unless set here, so new columns added by later migrations
are filled without touching this file.

The file is cached under benchmarks/out/ (gitignored), named by its sizes and
the schema head: a new migration means a fresh database.

What is in it (full sizes; --quick divides most of them):
- 50 users (password `Bench-2026!` for all): 30 callers, 8 closers, 6 account
  managers, 4 supervisors, 2 administrators; `caller01`, `closer01`,
  `account01`, `supervisor01` are the ones the screens are measured with.
- companies: most in the cold queue; `closer01` has 5,000 open deals (the
  pipeline board figure), `account01` 10,000 accounts, and 100,000 companies
  sit in the refusal list waiting for the supervisor's review.
- interactions spread over the last 12 weeks, so the weekly report has work.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import sys
import time
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = Path(os.environ.get("KBASE_BENCH_OUT") or HERE / "out")
PASSWORD = "Bench-2026!"
sys.path.insert(0, str(HERE.parent / "src"))  # a fresh clone without `pip install -e .`


@dataclass(frozen=True)
class Sizes:
    companies: int
    interactions: int
    users: int
    closer_deals: int  # open deals of closer01: the pipeline board figure
    accounts: int  # accounts of account01: the account list figure
    refusals: int  # awaiting review: the refusal list figure
    import_rows: int  # rows of the CSV for the import figure

    @property
    def label(self) -> str:
        return f"c{self.companies}-i{self.interactions}"


FULL = Sizes(1_000_000, 3_000_000, 50, 5_000, 10_000, 100_000, 1_000_000)
QUICK = Sizes(50_000, 150_000, 50, 5_000, 10_000, 20_000, 20_000)
# The test of run.py uses tiny sizes through KBASE_BENCH_SIZES="companies,interactions,deals,accounts,refusals,import".


def sizes_for(quick: bool) -> Sizes:
    tiny = os.environ.get("KBASE_BENCH_SIZES")
    if tiny:
        c, i, d, a, r, imp = (int(x) for x in tiny.split(","))
        return Sizes(c, i, 50, d, a, r, imp)
    return QUICK if quick else FULL


ROLES = ["caller"] * 30 + ["closer"] * 8 + ["account"] * 6 + ["supervisor"] * 4 + ["admin"] * 2
CITIES = ["Москва", "Санкт-Петербург", "Тула", "Казань", "Екатеринбург", "Новосибирск", "Самара", "Пермь"]
INDUSTRIES = ["Металлургия", "Машиностроение", "Розница", "Строительство", "Логистика", "Пищевая промышленность"]
CHANNELS = ["Холодная база", "Выставка", "Сайт", "Рекомендация"]
FORMS = ["ООО", "АО", "ИП", "ЗАО"]
WORDS = ["Ромашка", "Вектор", "Сталь", "Урал", "Север", "Техно", "Альфа", "Волга", "Гранит", "Ёлка", "Прогресс"]


def _sql_value(value):
    """What SQLAlchemy would store in SQLite for a model value."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, Decimal):
        return float(value)
    if hasattr(value, "value") and isinstance(value.value, str):  # StrEnum
        return value.value
    return value


class Rows:
    """Rows of one table: the model's defaults, overridden per row, as tuples in column order."""

    def __init__(self, conn: sqlite3.Connection, model, **example) -> None:
        self.table = model.__tablename__
        self.columns = [row[1] for row in conn.execute(f'PRAGMA table_info("{self.table}")') if row[1] != "id"]
        instance = model(**example)
        defaults = {name: _sql_value(getattr(instance, name, None)) for name in self.columns}
        self.defaults = defaults
        placeholders = ", ".join("?" for _ in self.columns)
        self.sql = f'INSERT INTO "{self.table}" ({", ".join(self.columns)}) VALUES ({placeholders})'

    def row(self, **values) -> tuple:
        merged = dict(self.defaults)
        merged.update({k: _sql_value(v) for k, v in values.items()})
        return tuple(merged[c] for c in self.columns)

    def insert(self, conn: sqlite3.Connection, rows) -> int:
        total = 0
        batch = []
        for row in rows:
            batch.append(row)
            if len(batch) >= 20_000:
                conn.executemany(self.sql, batch)
                total += len(batch)
                batch.clear()
        if batch:
            conn.executemany(self.sql, batch)
            total += len(batch)
        return total


def database_path(sizes: Sizes) -> Path:
    os.environ.setdefault("KBASE_KEYSTORE", "file")
    from kbase_tui.services.db import head_revision

    return OUT / f"kbase-{sizes.label}-r{head_revision()}.sqlite3"


def ensure_database(sizes: Sizes, *, force: bool = False, log=print) -> Path:
    path = database_path(sizes)
    meta = path.with_suffix(".json")
    if path.exists() and meta.exists() and not force:
        return path
    OUT.mkdir(parents=True, exist_ok=True)
    for stale in (path, meta, Path(f"{path}-wal"), Path(f"{path}-shm")):
        stale.unlink(missing_ok=True)
    started = time.perf_counter()
    build(path, sizes, log=log)
    meta.write_text(json.dumps({"sizes": asdict(sizes), "seconds": round(time.perf_counter() - started, 1)}))
    return path


def build(path: Path, sizes: Sizes, *, log=print) -> None:
    from kbase_tui.models import ClientOrder, Company, Deal, Interaction, Refusal, User
    from kbase_tui.services import passwords
    from kbase_tui.services.setup import open_database
    from kbase_tui.textnorm import fold

    database = open_database(path)  # schema at head + shipped defaults
    database.dispose()
    rng = random.Random(2026)
    now = datetime.now(UTC).replace(microsecond=0)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -400000")
    conn.execute("BEGIN")
    t0 = time.perf_counter()

    # --- users -------------------------------------------------------------------
    password_hash = passwords.hash_password(PASSWORD)  # the production profile: login costs what it costs
    users = Rows(conn, User, username="x", role="caller", password_hash=password_hash)
    counters: dict[str, int] = {}
    user_rows, by_role = [], {}
    for n, role in enumerate(ROLES[: sizes.users], start=1):
        counters[role] = counters.get(role, 0) + 1
        name = f"{role}{counters[role]:02d}"
        user_rows.append(
            users.row(
                username=name,
                full_name=f"{role.title()} {counters[role]:02d}",
                role=role,
                password_hash=password_hash,
                must_change_password=False,
                created_at=now,
            )
        )
        by_role.setdefault(role, []).append(n)
    users.insert(conn, user_rows)
    callers, closers, accounts = by_role["caller"], by_role["closer"], by_role["account"]

    # --- companies -----------------------------------------------------------------
    # ids 1..deals: pipeline (closer01 first), then accounts (account01 first), then refused, then cold.
    n_deals = min(sizes.closer_deals + 500, sizes.companies // 4)
    n_accounts = min(sizes.accounts + 2_000, sizes.companies // 4)
    n_refused = min(sizes.refusals, sizes.companies // 4)
    first_account = n_deals + 1
    first_refused = first_account + n_accounts
    first_cold = first_refused + n_refused
    companies = Rows(conn, Company, name="x")
    epoch = datetime(1970, 1, 1, tzinfo=UTC)

    def company_rows():
        for cid in range(1, sizes.companies + 1):
            form, word, city = FORMS[cid % 4], WORDS[cid % len(WORDS)], CITIES[cid % len(CITIES)]
            name = f"{form} «{word} {cid}»"
            common = dict(
                name=name,
                name_search=fold(name),
                city=city,
                city_search=fold(city),
                industry=INDUSTRIES[cid % len(INDUSTRIES)],
                channel=CHANNELS[cid % len(CHANNELS)],
                inn=f"{7700000000 + cid}",
                created_at=now,
                updated_at=now,
            )
            if cid < first_account:
                closer = closers[0] if cid <= sizes.closer_deals else closers[1 + cid % (len(closers) - 1)]
                yield companies.row(stage="pipeline", category="potential", owner_id=closer, **common)
            elif cid < first_refused:
                k = cid - first_account
                manager = accounts[0] if k < sizes.accounts else accounts[1 + k % (len(accounts) - 1)]
                last = (now - timedelta(days=rng.randrange(400))).date()
                yield companies.row(
                    stage="account",
                    category="active",
                    owner_id=manager,
                    orders_count=1 + k % 7,
                    revenue_total=Decimal(100_000 + (k * 7919) % 5_000_000),
                    first_order_at=last - timedelta(days=200),
                    last_order_at=last,
                    next_purchase_at=last + timedelta(days=90),
                    abcde_class="ABCDE"[k % 5],
                    **common,
                )
            elif cid < first_cold:
                yield companies.row(
                    stage="cold",
                    category="refused",
                    in_queue=False,
                    attempts=1,
                    last_outcome="refused",
                    last_tried_at=now - timedelta(days=cid % 50),
                    **common,
                )
            else:
                tried = rng.random() < 0.3
                yield companies.row(
                    stage="cold",
                    category="potential",
                    in_queue=True,
                    queue_rank=rng.choice((50, 100, 100, 100, 150)),
                    priority=100,
                    last_tried_at=now - timedelta(days=rng.randrange(1, 90)) if tried else epoch,
                    attempts=rng.randrange(1, 4) if tried else 0,
                    **common,
                )

    companies.insert(conn, company_rows())
    log(f"  users and {sizes.companies:,} companies: {time.perf_counter() - t0:.1f} s")

    # --- deals, orders, refusals -------------------------------------------------------
    stages = [
        r[0]
        for r in conn.execute(
            "SELECT code FROM pipeline_stage WHERE NOT is_won AND NOT is_lost AND active ORDER BY position"
        )
    ]
    deals = Rows(conn, Deal, company_id=1, stage_code=stages[0])
    deals.insert(
        conn,
        (
            deals.row(
                company_id=cid,
                closer_id=closers[0] if cid <= sizes.closer_deals else closers[1 + cid % (len(closers) - 1)],
                handed_over_by_id=callers[cid % len(callers)],
                stage_code=stages[cid % len(stages)],
                expected_amount=Decimal(50_000 + cid * 37 % 900_000),
                next_step="Отправить КП",
                next_step_due=(now + timedelta(days=cid % 20 - 5)).date(),
                created_at=now - timedelta(days=cid % 60),
                updated_at=now,
                last_activity_at=now - timedelta(days=cid % 9),
            )
            for cid in range(1, first_account)
        ),
    )
    orders = Rows(conn, ClientOrder, company_id=1, ordered_at=now.date(), amount=Decimal(1))
    orders.insert(
        conn,
        (
            orders.row(
                company_id=cid,
                ordered_at=(now - timedelta(days=cid % 400)).date(),
                items="Поставка",
                amount=Decimal(100_000 + cid % 50_000),
                created_at=now,
            )
            for cid in range(first_account, first_refused)
        ),
    )
    reasons = [r[0] for r in conn.execute("SELECT code FROM reason WHERE kind = 'refusal' ORDER BY position")] or [
        "other"
    ]
    refusals = Rows(conn, Refusal, company_id=1, reason_code=reasons[0])
    refusals.insert(
        conn,
        (
            refusals.row(
                company_id=cid,
                caller_id=callers[cid % len(callers)],
                reason_code=reasons[cid % len(reasons)],
                refused_at=now - timedelta(minutes=(cid * 37) % (8 * 7 * 24 * 60)),
                comment="Дорого, есть поставщик",
            )
            for cid in range(first_refused, first_cold)
        ),
    )
    log(f"  deals, orders, {n_refused:,} refusals: {time.perf_counter() - t0:.1f} s")

    # --- interactions: the history, over the last 12 weeks ----------------------------------
    outcomes = [r[0] for r in conn.execute("SELECT code FROM call_outcome ORDER BY position")] or ["no_answer"]
    interactions = Rows(conn, Interaction, company_id=1, kind="call")
    span = 12 * 7 * 24 * 3600
    texts = ["", "", "Перезвонить после обеда", "Секретарь не соединяет", "Интересно, просили КП"]
    interactions.insert(
        conn,
        (
            interactions.row(
                company_id=rng.randrange(1, sizes.companies + 1),
                user_id=callers[k % len(callers)],
                at=now - timedelta(seconds=rng.randrange(span)),
                kind="call",
                outcome=outcomes[k % len(outcomes)],
                text=texts[k % len(texts)],
            )
            for k in range(sizes.interactions)
        ),
    )
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    log(f"  {sizes.interactions:,} interactions: {time.perf_counter() - t0:.1f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (50,000 companies)")
    parser.add_argument("--force", action="store_true", help="rebuild even if cached")
    args = parser.parse_args()
    sizes = sizes_for(args.quick)
    started = time.perf_counter()
    path = ensure_database(sizes, force=args.force)
    print(f"{path} ({path.stat().st_size / 1e6:.0f} MB) ready in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
