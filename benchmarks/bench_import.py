"""Import speed and peak memory: generate N messy rows (10% duplicates in other spellings), import, print figures.

    .venv/bin/python benchmarks/bench_import.py [ROWS] [--db URL]
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("KBASE_FAST_HASH", "1")
os.environ.setdefault("KBASE_KEYSTORE", "file")


def make_file(path: Path, rows: int) -> None:
    rng = random.Random(1)
    cities = ["Москва", "Санкт-Петербург", "Тула", "Казань", "Екатеринбург", "Новосибирск"]
    industries = ["Металлургия", "Машиностроение", "Розница", "Строительство"]
    with open(path, "w", encoding="utf-8-sig", newline="") as out:
        out.write("Наименование;ИНН;Телефон;Контактное лицо;Должность;Город;Отрасль\n")
        for n in range(rows):
            if n and rng.random() < 0.1:  # a duplicate of an earlier row, spelled differently
                k = rng.randrange(n)
                out.write(f"ооо компания №{k};;8 ({495 if k % 2 else 812}) {k // 10000 % 1000:03d}-{k // 100 % 100:02d}-{k % 100:02d};"
                          f"Другой Контакт {k};;{cities[k % 6]};\n")
                continue
            out.write(f"ООО «Компания №{n}»;;+7 {495 if n % 2 else 812} {n // 10000 % 1000:03d} {n // 100 % 100:02d} {n % 100:02d};"
                      f"Иванов {n};Директор;{cities[n % 6]};{industries[n % 4]}\n")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("rows", type=int, nargs="?", default=100_000)
    parser.add_argument("--db")
    args = parser.parse_args()
    from kbase_tui.services import importer, users
    from kbase_tui.services.setup import open_database

    work = Path(tempfile.mkdtemp(prefix="kbase-bench-import-"))
    source = work / "leads.csv"
    make_file(source, args.rows)
    database = open_database(args.db or work / "bench.sqlite3")
    actor = users.local_actor()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    report = importer.run_import(database, actor, source)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"rows {report.rows:,}  imported {report.imported:,}  merged {report.merged:,}  unchanged {report.unchanged:,}  "
          f"rejected {report.rejected:,}")
    print(f"time {seconds:.1f} s  → {report.rows / seconds:,.0f} rows/s   peak RSS {peak / 1024:.0f} MiB "
          f"(before import {before / 1024:.0f} MiB)   db {database.url}")
    started = time.perf_counter()
    again = importer.run_import(database, actor, source)
    seconds = time.perf_counter() - started
    print(f"same file again: imported {again.imported}, merged {again.merged}; {again.rows / seconds:,.0f} rows/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
