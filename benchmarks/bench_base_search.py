"""The supervisor's base search and company card on 1,000,000 companies (SQLite).

    .venv/bin/python benchmarks/bench_base_search.py [--n 1000000] [--repeat 30] [--db PATH]

Builds (or reuses, with --db) a database of *n* companies with realistic Cyrillic names
(«ООО «Ромашка-12345»», a few hundred distinct words), cities, channels, INNs and one phone each,
then times `base_search.search` (the first page of 100 and the next one by cursor) for each kind
of query, and `base_search.card`.  Each figure is the whole service call, audit event included.
Prints p50 / p99 / p99.9 / max in milliseconds per case.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))
os.environ.setdefault("KBASE_FAST_HASH", "1")
os.environ.setdefault("KBASE_KEYSTORE", "file")

WORDS = [
    "Ромашка",
    "Вектор",
    "Сталь",
    "Урал",
    "Берёзка",
    "Техно",
    "Снаб",
    "Металл",
    "Строй",
    "Ёлка",
    "Импульс",
    "Восток",
    "Запад",
    "Север",
    "Юг",
    "Альфа",
    "Бета",
    "Гамма",
    "Дельта",
    "Прогресс",
]
SUFFIXES = ["Профи", "Сервис", "Торг", "Групп", "Холдинг", "Инвест", "Трейд", "Маркет", "Плюс", "Центр"]
FORMS = ["ООО", "АО", "ИП", "ЗАО"]
CITIES = [
    "Москва",
    "Санкт-Петербург",
    "Казань",
    "Самара",
    "Екатеринбург",
    "Новосибирск",
    "Пермь",
    "Тула",
    "Омск",
    "Краснодар",
    "Владивосток",
    "Калининград",
]
CHANNELS = ["Розница", "Дилеры", "Интернет-магазины", "B2B", "B2G"]


def build(url: str, n: int) -> None:
    from generate import Rows

    from kbase_tui.models import Company, Phone
    from kbase_tui.services.setup import open_database
    from kbase_tui.textnorm import fold

    open_database(url)  # schema, defaults and the audit key
    path = url.removeprefix("sqlite:///")
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    rng = random.Random(19)
    now = datetime.now(UTC)
    companies = Rows(conn, Company, name="x")
    phones = Rows(conn, Phone, company_id=1, number="+70000000000")

    def company_rows():
        for cid in range(1, n + 1):
            name = f"{FORMS[cid % 4]} «{rng.choice(WORDS)}-{rng.choice(SUFFIXES)} {cid}»"
            city = rng.choice(CITIES)  # not tied to the id: the form (ООО, АО …) follows the id
            stage = "pipeline" if cid % 50 == 0 else "account" if cid % 50 == 1 else "cold"
            yield companies.row(
                name=name,
                name_search=fold(name),
                city=city,
                city_search=fold(city),
                channel=CHANNELS[cid % len(CHANNELS)],
                inn=f"{5000000000 + cid * 7}",
                stage=stage,
                in_queue=stage == "cold",
                needs_data_fix=cid % 997 == 0,
                created_at=now,
                updated_at=now,
            )

    started = time.perf_counter()
    with conn:
        companies.insert(conn, company_rows())
        phones.insert(
            conn, (phones.row(company_id=cid, number=f"+7{9000000000 + cid * 13}") for cid in range(1, n + 1))
        )
    conn.execute("ANALYZE")
    # One transaction of a million rows left them all in the WAL; a server checkpoints every 10,000
    # pages, so a page read never searches a WAL this size there.
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    print(f"built {n:,} companies and phones in {time.perf_counter() - started:.0f} s", flush=True)


def figures(times: list[float]) -> str:
    times = sorted(times)

    def pct(p: float) -> float:
        return times[min(len(times) - 1, round(p * (len(times) - 1)))]

    return (
        f"p50 {statistics.median(times):7.1f}  p99 {pct(0.99):7.1f}  p99.9 {pct(0.999):7.1f}  max {times[-1]:7.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--db", default=None, help="an existing database built by this script")
    args = parser.parse_args()
    if args.db is None:
        folder = tempfile.mkdtemp(prefix="kbase-base-search-")
        os.environ.setdefault("KBASE_CONFIG_DIR", folder)
        os.environ.setdefault("KBASE_DATA_DIR", folder)
        url = f"sqlite:///{folder}/base.sqlite3"
        build(url, args.n)
    else:
        url = f"sqlite:///{args.db}"

    from kbase_tui.protocol.companies import BaseQuery
    from kbase_tui.services import base_search, users
    from kbase_tui.services.dto import Actor
    from kbase_tui.services.setup import open_database

    db = open_database(url)
    with db.write() as session:
        user = users.add_user(
            session,
            "local:bench",
            f"boss{random.randint(0, 10**9)}",
            "supervisor",
            "Bench-Password-2026",
            full_name="Роман",
            must_change_password=False,
        )
        boss = Actor(id=user.id, username=user.username, role="supervisor", full_name="Роман")
    mid = args.n // 2
    cases = {
        "everything, by name": BaseQuery(),
        "common word «ромашка»": BaseQuery(text="ромашка"),
        "two words «ооо елка профи»": BaseQuery(text="ООО Елка профи"),
        "one company by its number word": BaseQuery(text=f"{mid}"[:-1] + " ромашка"),
        "a word nowhere «зюзюка»": BaseQuery(text="зюзюка"),
        "INN, whole": BaseQuery(text=f"{5000000000 + mid * 7}"),
        "INN prefix (6 digits)": BaseQuery(text=f"{5000000000 + mid * 7}"[:6]),
        "phone, whole (8 9xx …)": BaseQuery(text="8" + f"{9000000000 + mid * 13}"),
        "phone, 7 digits from the middle": BaseQuery(text=f"{9000000000 + mid * 13}"[2:9]),
        "city «казань»": BaseQuery(city="казань"),
        "stage pipeline": BaseQuery(stage="pipeline"),
        "mark: bad data": BaseQuery(flag="needs_fix"),
        "word + city + channel": BaseQuery(text="вектор", city="пермь", channel="Дилеры"),
    }
    print(
        f"{args.n:,} companies, {args.repeat} runs per case, first page of 100 (and the next page by cursor); "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    for label, query in cases.items():
        first, second, cpu, found = [], [], [], 0
        for _ in range(args.repeat):
            started, cpu_started = time.perf_counter(), time.process_time()
            page = base_search.search(db, boss, query)
            first.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - cpu_started) * 1000)
            found = len(page.rows)
            if page.next_cursor is not None:
                started = time.perf_counter()
                base_search.search(db, boss, query, after=page.next_cursor)
                second.append((time.perf_counter() - started) * 1000)
        print(f"{label:34s} rows {found:3d}  first page: {figures(first)}")
        print(f"{'':34s}           its CPU:    {figures(cpu)}")
        if second:
            print(f"{'':34s}           next page:  {figures(second)}")
    ids = [random.Random(3).randint(1, args.n) for _ in range(args.repeat)]
    times = []
    for cid in ids:
        started = time.perf_counter()
        base_search.card(db, boss, cid)
        times.append((time.perf_counter() - started) * 1000)
    print(f"{'company card':34s}           {figures(times)}")


if __name__ == "__main__":
    main()
