"""Follow-up list with 10,000 accounts for one manager: first page, a later page, an order.

    .venv/bin/python benchmarks/bench_follow_up_list.py [--db URL] [--n 10000]

Prints the time of `accounts.follow_up_list` (first page, with the lost check), a page deep in
the list, and `accounts.record_order` (which also reclassifies the channel and the key clients).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal

os.environ.setdefault("KBASE_FAST_HASH", "1")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default=None)
    parser.add_argument("--n", type=int, default=10_000)
    args = parser.parse_args()
    from kbase_tui.models import Category, Company, Contact, Stage
    from kbase_tui.services import accounts, users
    from kbase_tui.services.dto import Actor
    from kbase_tui.services.setup import open_database

    url = args.db or os.path.join(tempfile.mkdtemp(prefix="kbase-bench-"), "bench.sqlite3")
    db = open_database(url)
    today = date.today()
    rng = random.Random(5)
    with db.write() as session:
        user = users.add_user(
            session,
            "local:bench",
            f"km{rng.randint(0, 10**9)}",
            "account",
            "Bench-Password-2026",
            full_name="Ольга",
            must_change_password=False,
        )
        km = Actor(id=user.id, username=user.username, role="account", full_name="Ольга")
        channels = ["Розница", "Дилеры", "Интернет-магазины", "B2B", "B2G"]
        rows = []
        for i in range(args.n):
            first = today - timedelta(days=rng.randint(60, 900))
            count = rng.randint(1, 20)
            last = min(today - timedelta(days=rng.randint(0, 40)), first + timedelta(days=30 * count))
            rows.append(
                Company(
                    name=f"ООО «Клиент {i}»",
                    channel=rng.choice(channels),
                    stage=Stage.ACCOUNT,
                    category=Category.ACTIVE,
                    owner_id=km.id,
                    orders_count=count,
                    revenue_total=Decimal(rng.randint(1_000, 5_000_000)),
                    first_order_at=first,
                    last_order_at=last,
                    next_purchase_at=last + timedelta(days=rng.randint(5, 90)),
                    next_follow_up_at=accounts.local_at(today + timedelta(days=rng.randint(-10, 60))),
                    potential_score=rng.randint(0, 100),
                )
            )
        session.add_all(rows)
        session.flush()
        for company in rows[::3]:
            session.add(
                Contact(
                    company_id=company.id,
                    full_name="Иван Петров",
                    birthday=date(1980, rng.randint(1, 12), rng.randint(1, 28)),
                )
            )
    first_id = rows[0].id

    def timed(label, function, repeat=5):
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            result = function()
            times.append((time.perf_counter() - start) * 1000)
        print(f"{label:<55} median {statistics.median(times):7.1f} ms  max {max(times):7.1f} ms")
        return result

    print(f"{args.n} accounts of one manager on {db.engine.dialect.name}")
    start = time.perf_counter()
    page = accounts.follow_up_list(db, km, limit=100)
    print(
        f"first load: {(time.perf_counter() - start) * 1000:.0f} ms, moved {page.moved_to_lost} silent clients to lost "
        f"(one-time, on a freshly imported base)"
    )
    page = timed("follow_up_list first page (100 rows, lost check)", lambda: accounts.follow_up_list(db, km, limit=100))
    print(f"  total {page.total}, due {page.due}")
    timed("follow_up_list page at offset 9,000", lambda: accounts.follow_up_list(db, km, offset=9_000, limit=100))
    timed(
        "record_order (+ reclassify channel and key clients)",
        lambda: accounts.record_order(db, km, first_id, today, "1000"),
        repeat=5,
    )
    timed("account_card", lambda: accounts.account_card(db, km, first_id))


if __name__ == "__main__":
    main()
