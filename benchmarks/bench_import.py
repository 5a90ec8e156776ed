"""Import speed and peak memory: generate N messy rows (10% duplicates in other spellings), import, print figures.

    .venv/bin/python benchmarks/bench_import.py [ROWS] [--db URL] [--no-again] [--profile] [--cprofile] [--base N]
        [--preview]

--base N first fills the base with N companies that have INNs and phones (imported, not timed), and the timed file
then has INNs on half its rows, phones spelled five ways, and 10 % duplicates: of the base (by INN, or by phone
and name) and of earlier rows.

Baselines measured in the same run, so that a loaded machine (2 cores shared by several developers) can be told
apart from the importer's own cost:
- bare csv: `csv.reader` over the same file, nothing else;
- bare SQLite: the same number of companies, phones, contacts and history rows written with the `sqlite3` module's
  executemany into a database of the same schema, committed every 2,000 rows: the storage engine's own share.
CPU seconds (this process, user + system) are printed beside wall seconds: under load the wall time grows by
what other processes take, the CPU time much less.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import sqlite3
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
                out.write(
                    f"ооо компания №{k};;8 ({495 if k % 2 else 812}) {k // 10000 % 1000:03d}-{k // 100 % 100:02d}-{k % 100:02d};"
                    f"Другой Контакт {k};;{cities[k % 6]};\n"
                )
                continue
            out.write(
                f"ООО «Компания №{n}»;;+7 {495 if n % 2 else 812} {n // 10000 % 1000:03d} {n // 100 % 100:02d} {n % 100:02d};"
                f"Иванов {n};Директор;{cities[n % 6]};{industries[n % 4]}\n"
            )


def _inn(n: int) -> str:
    first9 = f"{7700000000 // 10 + n:09d}"[-9:]
    weights = (2, 4, 10, 3, 5, 9, 4, 6, 8)
    return first9 + str(sum(int(d) * w for d, w in zip(first9, weights, strict=True)) % 11 % 10)


_SPELLINGS = ("+7 {a} {b} {c} {d}", "8 ({a}) {b}-{c}-{d}", "7{a}{b}{c}{d}", "+7({a}){b}{c}{d}", "8-{a}-{b}-{c}-{d}")


def _phone(n: int, style: int) -> str:
    a = 495 if n % 2 else 812
    return _SPELLINGS[style % 5].format(
        a=a, b=f"{n // 10000 % 1000:03d}", c=f"{n // 100 % 100:02d}", d=f"{n % 100:02d}"
    )


def make_base_and_file(base_path: Path, path: Path, base: int, rows: int) -> None:
    """A base of *base* companies (INN on each, one phone), and a file of *rows* new companies numbered after them
    (INN on half, phones in five spellings) with 10 % duplicates: of the base by INN, of the base by phone with
    the same name, and of earlier rows of the file."""
    rng = random.Random(2)
    cities = ["Москва", "Санкт-Петербург", "Тула", "Казань", "Екатеринбург", "Новосибирск"]
    header = "Наименование;ИНН;Телефон;Контактное лицо;Должность;Город;Отрасль\n"
    with open(base_path, "w", encoding="utf-8-sig", newline="") as out:
        out.write(header)
        for n in range(base):
            out.write(f"ООО «Компания №{n}»;{_inn(n)};{_phone(n, 0)};Иванов {n};Директор;{cities[n % 6]};Розница\n")
    with open(path, "w", encoding="utf-8-sig", newline="") as out:
        out.write(header)
        for i in range(rows):
            n = base + i
            roll = rng.random()
            if base and roll < 0.04:  # a base company by its INN, another name
                k = rng.randrange(base)
                out.write(f"Компания {k} (филиал);{_inn(k)};;Петров {k};;{cities[k % 6]};\n")
            elif base and roll < 0.07:  # a base company by phone, the same name spelled otherwise
                k = rng.randrange(base)
                out.write(f"компания №{k} ооо;;{_phone(k, i)};Сидоров {k};;;\n")
            elif i and roll < 0.10:  # an earlier row of the file
                k = base + rng.randrange(i)
                out.write(f"ооо компания №{k};;{_phone(k, i + 1)};Другой Контакт {k};;{cities[k % 6]};\n")
            else:
                inn = _inn(n) if n % 2 else ""
                out.write(f"ООО «Компания №{n}»;{inn};{_phone(n, i)};Иванов {n};Директор;{cities[n % 6]};Металлургия\n")


def cpu_seconds(who: int = resource.RUSAGE_SELF) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def bare_csv(source: Path) -> tuple[float, float, int]:
    wall, cpu = time.perf_counter(), cpu_seconds()
    with open(source, encoding="utf-8-sig", newline="") as handle:
        count = sum(1 for _ in csv.reader(handle, delimiter=";")) - 1
    return time.perf_counter() - wall, cpu_seconds() - cpu, count


def bare_sqlite(path: Path, companies: int) -> tuple[float, float]:
    """The storage engine's floor: plain sqlite3 executemany of as many rows as the import writes."""
    from kbase_tui.services.setup import open_database

    open_database(path).engine.dispose()
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = NORMAL")
    now = "2026-01-01 00:00:00.000000"
    company_sql = (
        "INSERT INTO company (id, name, name_search, inn, city, city_search, industry, channel, email, website, address,"
        " size, source, abcde_class, is_key_client, potential_score, category, stage, requirements, in_queue,"
        " queue_rank, priority, last_tried_at, attempts, last_outcome, special_offer, unreachable, needs_data_fix,"
        " orders_count, revenue_total, next_purchase_is_stated, created_at, updated_at, version)"
        " VALUES (?, ?, ?, NULL, ?, ?, ?, '', '', '', '', '', 'import', '', 0, 0, 'potential', 'cold', '', 1, 100,"
        f" 100, '1970-01-01 00:00:00.000000', 0, '', '', 0, 0, 0, 0, 0, '{now}', '{now}', 1)"
    )
    contact_sql = (
        "INSERT INTO contact (id, company_id, full_name, position, is_decision_maker, email, created_at,"
        f" updated_at, version) VALUES (?, ?, ?, ?, 0, '', '{now}', '{now}', 1)"
    )
    phone_sql = "INSERT INTO phone (company_id, contact_id, number, label) VALUES (?, NULL, ?, '')"
    history_sql = (
        "INSERT INTO interaction (company_id, user_id, deal_id, at, kind, outcome, text)"
        f" VALUES (?, NULL, NULL, '{now}', 'system', 'import', ?)"
    )
    wall, cpu = time.perf_counter(), cpu_seconds()
    for start in range(1, companies + 1, 2000):
        ids = range(start, min(start + 2000, companies + 1))
        connection.execute("BEGIN IMMEDIATE")
        connection.executemany(
            company_sql,
            [(n, f"ООО «Компания №{n}»", f"ооо «компания №{n}»", "Москва", "москва", "Металлургия") for n in ids],
        )
        connection.executemany(contact_sql, [(n, n, f"Иванов {n}", "Директор") for n in ids])
        connection.executemany(phone_sql, [(n, f"+7495{n:07d}") for n in ids])
        connection.executemany(history_sql, [(n, f"Imported from leads.csv, line {n + 1}.") for n in ids])
        connection.execute("COMMIT")
    result = time.perf_counter() - wall, cpu_seconds() - cpu
    connection.close()
    return result


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("rows", type=int, nargs="?", default=100_000)
    parser.add_argument("--db")
    parser.add_argument("--no-again", action="store_true", help="skip importing the same file a second time")
    parser.add_argument("--no-baseline", action="store_true", help="skip the bare csv and SQLite baselines")
    parser.add_argument("--profile", action="store_true", help="pyinstrument profile of the import")
    parser.add_argument("--base", type=int, default=0, help="companies in the base before the timed import")
    parser.add_argument(
        "--preview",
        action="store_true",
        help="time the dialog's preview of the file first: once, then with another column mapping (the base's "
        "keys kept between the two)",
    )
    parser.add_argument("--cprofile", action="store_true", help="cProfile of the import (the 25 costliest calls)")
    args = parser.parse_args()
    from kbase_tui.services import importing, users
    from kbase_tui.services.setup import open_database

    work = Path(tempfile.mkdtemp(prefix="kbase-bench-import-"))
    source = work / "leads.csv"
    database = open_database(args.db or work / "bench.sqlite3")
    actor = users.local_actor()
    if args.base:
        import subprocess

        base_file = work / "base.csv"
        make_base_and_file(base_file, source, args.base, args.rows)
        started = time.perf_counter()
        # In another process, so that the peak memory printed below is the timed import's alone.
        subprocess.run(
            [
                sys.executable,
                "-c",
                "import sys; from kbase_tui.services import importing, users; "
                "from kbase_tui.services.setup import open_database; "
                "importing.run_import(open_database(sys.argv[1]), users.local_actor(), sys.argv[2])",
                database.url,
                str(base_file),
            ],
            check=True,
        )
        print(f"base: {args.base:,} companies with INNs in {time.perf_counter() - started:.0f} s (not timed)")
    else:
        make_file(source, args.rows)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    if args.preview:
        first = None
        for label, columns in (("preview", None), ("preview, another mapping", "swap")):
            if columns == "swap" and first is not None:
                mapping = {c.field: [c.index] for c in first.columns if c.field}
                mapping["industry"], mapping["city"] = mapping.get("city", []), mapping.get("industry", [])
                columns = {k: v for k, v in mapping.items() if v}
            started, cpu = time.perf_counter(), cpu_seconds()
            shown = importing.preview(database, actor, source, columns=columns)
            first = first or shown
            print(
                f"{label}: {time.perf_counter() - started:.2f} s wall, {cpu_seconds() - cpu:.2f} s CPU "
                f"({shown.report.rows:,} rows matched against the base)"
            )
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    profiler = None
    if args.profile:
        from pyinstrument import Profiler

        profiler = Profiler()
        profiler.start()
    cprofile = None
    if args.cprofile:
        import cProfile

        cprofile = cProfile.Profile()
        cprofile.enable()
    started, cpu, children = time.perf_counter(), cpu_seconds(), cpu_seconds(resource.RUSAGE_CHILDREN)
    report = importing.run_import(database, actor, source)
    seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
    parser_cpu = cpu_seconds(resource.RUSAGE_CHILDREN) - children  # the parsing process, if one was started
    if cprofile is not None:
        import pstats

        cprofile.disable()
        pstats.Stats(cprofile).sort_stats("tottime").print_stats(25)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if profiler is not None:
        profiler.stop()
        print(profiler.output_text(unicode=True, color=False))
    print(
        f"rows {report.rows:,}  imported {report.imported:,}  merged {report.merged:,}  unchanged {report.unchanged:,}  "
        f"rejected {report.rejected:,}  possible duplicates {report.possible_duplicates:,}  values kept {report.conflicts:,}"
    )
    print(
        f"import: {seconds:.1f} s wall → {report.rows / seconds:,.0f} rows/s;  {cpu:.1f} s CPU → "
        f"{report.rows / cpu:,.0f} rows/s of CPU (+ {parser_cpu:.1f} s CPU of the parsing process);  peak RSS "
        f"{peak / 1024:.0f} MiB (before import {before / 1024:.0f} MiB)   db {database.url}"
    )
    if not args.no_baseline:
        wall, cpu_csv, count = bare_csv(source)
        print(f"bare csv.reader: {wall:.2f} s wall, {cpu_csv:.2f} s CPU ({count:,} rows → {count / wall:,.0f} rows/s)")
        if database.is_sqlite:
            wall, cpu_sql = bare_sqlite(work / "bare.sqlite3", report.imported)
            print(
                f"bare sqlite3 executemany of {report.imported:,} companies + contacts + phones + history: "
                f"{wall:.2f} s wall, {cpu_sql:.2f} s CPU  → the importer's own Python: about "
                f"{max(cpu - cpu_sql - cpu_csv, 0):.1f} s CPU of {cpu:.1f}"
            )
    if not args.no_again:
        started = time.perf_counter()
        again = importing.run_import(database, actor, source)
        seconds = time.perf_counter() - started
        print(f"same file again: imported {again.imported}, merged {again.merged}; {again.rows / seconds:,.0f} rows/s")
    print(f"load average {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
