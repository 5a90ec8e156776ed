"""Run every benchmark figure and print one JSON object per line.

    .venv/bin/python benchmarks/run.py [--quick] [--db postgresql+psycopg://…] [--only NAME[,NAME...]]

Each line: {"name", "value", "unit", "target", "baseline"} plus "met" (target reached or not),
"database" and, for every latency, p50, p99, p99.9 and max with the number of samples.  Every
figure sits beside a baseline measured in the same run on the same machine.  No figure is ever
null: a figure that cannot be measured stops the run with the reason.

The database: SQLite by default, built by benchmarks/generate.py (1,000,000 companies and
3,000,000 interactions; --quick: 50,000 and 150,000) and cached under benchmarks/out/.  With
--db URL (PostgreSQL) the same generated data is copied into that database once with
`kbase db copy` (its tables are replaced if it holds another size; the database name must
contain "bench" for that), then analysed, and every figure runs against it.

The app always reaches the base through a real `kbase serve` process on a Unix socket, as in
production.  Sections, in order (--only):
  start    `kbase --db DB` from spawn until the login is painted and its private server answers; and
           `kbase --server ADDR` of a running `kbase serve` until painted and the server answered (cold.py)
  signin   Enter on the password → first lead / board / follow-up list painted, a new process each (cold.py)
  claims   take-next-lead, service vs the bare statement, 1, 16 and 64 processes (claims.py)
  cycle    outcome key → next lead through the server vs in-process, 1, 16, 64 operators (bench_server.py)
  rss      memory of a signed-in client process vs a bare Textual app (bench_server.py)
  screens  screens opened again once signed in, warm (screens.py)
  import   a CSV import into an empty database
  report   every weekly report through the server (screens.py)
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "src"))

import generate  # noqa: E402
from common import PYTHON, Serve, bench_env, db_label, emit, is_postgresql  # noqa: E402


class FigureFailed(Exception):
    """A figure could not be measured: the run stops and says why (never a null figure)."""


# --- the database ----------------------------------------------------------------------------


def _pg(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def ensure_postgresql(url: str, source: Path, sizes: generate.Sizes) -> None:
    """The generated data in the PostgreSQL database at *url*: copied once, reused while the size matches."""
    import psycopg

    with psycopg.connect(_pg(url), autocommit=True) as conn:
        tables = [r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")]
        if "company" in tables:
            companies = conn.execute("SELECT max(id) FROM company").fetchone()[0] or 0
            if companies == sizes.companies:
                return
        if tables:
            name = conn.info.dbname
            if "bench" not in name:
                raise FigureFailed(f"{name} holds other tables: give a database whose name contains 'bench'")
            print(f"# replacing the tables of {name} ({sizes.label})", file=sys.stderr)
            conn.execute("DROP SCHEMA public CASCADE")
            conn.execute("CREATE SCHEMA public")
    started = time.perf_counter()
    result = subprocess.run(
        [PYTHON, "-m", "kbase_tui.cli.main", "db", "copy", "--from", str(source), "--to", url, "--quiet"],
        env=bench_env(),
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise FigureFailed(f"kbase db copy failed: {(result.stderr or result.stdout).strip()[-500:]}")
    with psycopg.connect(_pg(url), autocommit=True) as conn:
        conn.execute("ANALYZE")
    print(f"# copied into PostgreSQL in {time.perf_counter() - started:.1f} s", file=sys.stderr)


def run_child(argv: list[str], timeout: float = 7200) -> None:
    """A benchmark script in its own process: its JSON lines are passed on; a failure stops the run."""
    result = subprocess.run([PYTHON, *argv], env=bench_env(), capture_output=True, text=True, timeout=timeout)
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    for line in lines:
        print(line, flush=True)
    if result.returncode != 0 or not lines:
        tail = "\n".join(result.stderr.strip().splitlines()[-5:]) or "no output"
        raise FigureFailed(f"{argv[0]} {argv[1] if len(argv) > 1 else ''} failed: {tail}")


# --- import ------------------------------------------------------------------------------------

IMPORT_CHILD = """
import json, resource, sys, time
from pathlib import Path
from kbase_tui.services import importing, users
from kbase_tui.services.setup import open_database
database = open_database(sys.argv[2])
def cpu(who):
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime
started, writer, parser = time.perf_counter(), cpu(resource.RUSAGE_SELF), cpu(resource.RUSAGE_CHILDREN)
report = importing.run_import(database, users.local_actor(), Path(sys.argv[1]))
seconds = time.perf_counter() - started
# The importer may parse in a child process of its own (services/importing/importer.py, _ParseProcess): its peak, joined
# by now, is reported so that the memory figure is the sum of both processes; its CPU likewise.
print(json.dumps({"rows": report.rows, "imported": report.imported, "merged": report.merged,
                  "rejected": report.rejected, "seconds": seconds,
                  "writer_cpu_s": cpu(resource.RUSAGE_SELF) - writer, "parser_cpu_s": cpu(resource.RUSAGE_CHILDREN) - parser,
                  "parser_peak_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))
"""


def write_csv(path: Path, rows: int) -> None:
    """Leads with Russian headers; one row in ten repeats an earlier company spelled differently."""
    import random

    rng = random.Random(1)
    cities = ["Москва", "Санкт-Петербург", "Тула", "Казань", "Екатеринбург", "Новосибирск"]
    industries = ["Металлургия", "Машиностроение", "Розница", "Строительство"]
    with open(path, "w", encoding="utf-8-sig", newline="") as out:
        out.write("Наименование;ИНН;Телефон;Контактное лицо;Должность;Город;Отрасль\n")
        for n in range(rows):
            if n and rng.random() < 0.1:
                k = rng.randrange(n)
                out.write(
                    f"ооо компания №{k};;8 ({495 if k % 2 else 812}) {k // 10000 % 1000:03d}-"
                    f"{k // 100 % 100:02d}-{k % 100:02d};Другой Контакт {k};;{cities[k % 6]};\n"
                )
            else:
                out.write(
                    f"ООО «Компания №{n}»;;+7 {495 if n % 2 else 812} {n // 10000 % 1000:03d} "
                    f"{n // 100 % 100:02d} {n % 100:02d};Иванов {n};Директор;{cities[n % 6]};"
                    f"{industries[n % 4]}\n"
                )


@contextmanager
def empty_database(db: str, work: Path):
    """An empty database of the same kind as *db* for the import: a SQLite file, or a fresh PostgreSQL
    database `<name>_import` on the same server (dropped afterwards)."""
    if not is_postgresql(db):
        yield str(work / "import.sqlite3")
        return
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(db)
    name = f"{url.database}_import"
    admin = _pg(url.set(database="postgres").render_as_string(hide_password=False))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def bench_import(db: str, rows: int) -> None:
    work = Path(tempfile.mkdtemp(prefix="kbase-bench-import-", dir=generate.OUT))
    try:
        source = work / "leads.csv"
        write_csv(source, rows)
        # A fresh wrapper process per child, so RUSAGE_CHILDREN holds that child's peak alone (Linux keeps
        # ru_maxrss across exec: a child forked straight from this process would inherit this one's peak).
        wrapper = (
            "import resource, subprocess, sys; r = subprocess.run(sys.argv[1:], capture_output=True, text=True);"
            "sys.stderr.write(r.stderr); print(r.stdout.strip());"
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(r.returncode)"
        )
        # The memory baseline: a child that only imports the same modules.
        base = subprocess.run(
            [PYTHON, "-c", wrapper, PYTHON, "-c", "import kbase_tui.services.importing, kbase_tui.services.setup"],
            env=bench_env(),
            capture_output=True,
            text=True,
            check=True,
        )
        base_kib = int(base.stdout.strip().splitlines()[-1])
        with empty_database(db, work) as target:
            result = subprocess.run(
                [PYTHON, "-c", wrapper, PYTHON, "-c", IMPORT_CHILD, str(source), target],
                env=bench_env(),
                capture_output=True,
                text=True,
                timeout=3600,
            )
        if result.returncode != 0:
            tail = (result.stderr.strip().splitlines() or ["no output"])[-1]
            raise FigureFailed(f"the import failed: {tail}")
        out_lines = result.stdout.strip().splitlines()
        stats, peak_kib = json.loads(out_lines[-2]), int(out_lines[-1])
        rate = stats["rows"] / stats["seconds"]
        emit(
            "import_rows_per_second",
            round(rate),
            "rows/s",
            ">= 20000",
            None,
            met=rate >= 20_000,
            rows=stats["rows"],
            imported=stats["imported"],
            merged=stats["merged"],
            rejected=stats["rejected"],
            # CPU seconds of the importing process and of its parsing process: on a shared machine the rate
            # above falls with the load, these much less.
            writer_cpu_s=round(stats["writer_cpu_s"], 1),
            parser_cpu_s=round(stats["parser_cpu_s"], 1),
            database=db_label(db),
            note="CSV (Russian headers, ';', BOM) into an empty database, 10% duplicates merged; no baseline: "
            "the target is absolute",
        )
        parser_kib = stats.get("parser_peak_kib", 0)
        total_kib = peak_kib + parser_kib
        emit(
            "import_peak_memory",
            round(total_kib / 1024, 1),
            "MiB",
            "< 500 MiB",
            round(base_kib / 1024, 1),
            met=total_kib / 1024 < 500,
            rows=stats["rows"],
            importer_mib=round(peak_kib / 1024, 1),
            parser_mib=round(parser_kib / 1024, 1),
            database=db_label(db),
            note="peak RSS of the importing process (RUSAGE_CHILDREN) plus that of its parsing process, if it "
            "started one; baseline: the same imports, no work",
        )
    finally:
        import shutil

        shutil.rmtree(work, ignore_errors=True)


# --- main ---------------------------------------------------------------------------------------

SECTIONS = ["start", "signin", "claims", "cycle", "rss", "screens", "import", "report"]
SCREEN_FIGURES = ["pipeline_board", "refusal_list", "account_list"]


@dataclass(frozen=True)
class Effort:
    """How many samples each section takes: the test's tiny run, --quick, and the full run."""

    cold_runs: int
    claims: int  # per figure, spread over the processes
    calls: int  # outcomes per figure, spread over the operators
    screen_opens: int


TINY = Effort(cold_runs=2, claims=64, calls=64, screen_opens=3)
QUICK = Effort(cold_runs=5, claims=600, calls=200, screen_opens=10)
FULL = Effort(cold_runs=15, claims=3000, calls=600, screen_opens=20)


def main() -> int:
    parser = argparse.ArgumentParser(description="kbase benchmarks: one JSON object per line")
    parser.add_argument("--quick", action="store_true", help="small database; a few minutes on 2 cores")
    parser.add_argument(
        "--db",
        help="a PostgreSQL URL (postgresql+psycopg://…) to run every figure on; default: the generated SQLite file",
    )
    parser.add_argument("--only", help="comma-separated sections: " + ",".join(SECTIONS))
    parser.add_argument("--processes", default="1,16,64", help="process counts of the claims and the shift cycle")
    args = parser.parse_args()
    sections = args.only.split(",") if args.only else SECTIONS
    unknown = set(sections) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections: {', '.join(sorted(unknown))}")
    if args.db and not is_postgresql(args.db):
        parser.error("--db takes a PostgreSQL URL; the SQLite database is the generated one")
    sizes = generate.sizes_for(args.quick)
    effort = TINY if os.environ.get("KBASE_BENCH_SIZES") else QUICK if args.quick else FULL
    os.environ.update({k: v for k, v in bench_env().items() if k.startswith("KBASE_")})
    # Measured as installed: pip compiles every module of a wheel when it installs it (common.bench_env).
    compileall.compile_dir(str(ROOT / "src" / "kbase_tui"), quiet=1)
    started = time.perf_counter()
    sqlite_file = generate.ensure_database(sizes, log=lambda line: print(line, file=sys.stderr))
    db = str(sqlite_file)
    if args.db:
        ensure_postgresql(args.db, sqlite_file, sizes)
        db = args.db
    print(f"# database {db_label(db)} {sizes.label} ready in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    processes = args.processes
    steps: list[tuple[str, list[str]]] = []
    if "start" in sections:
        steps.append(("start", [str(HERE / "cold.py"), "--db", db, "--runs", str(effort.cold_runs), "--only", "start"]))
    if "signin" in sections:
        steps.append(
            ("signin", [str(HERE / "cold.py"), "--db", db, "--runs", str(effort.cold_runs), "--only", "signin"])
        )
    if "claims" in sections:
        steps.append(
            ("claims", [str(HERE / "claims.py"), "--db", db, "--processes", processes, "--claims", str(effort.claims)])
        )
    if "cycle" in sections:
        steps.append(
            (
                "cycle",
                [
                    str(HERE / "bench_server.py"),
                    "--db",
                    db,
                    "--operators",
                    processes,
                    "--calls",
                    str(effort.calls),
                    "--only",
                    "outcomes",
                ],
            )
        )
    if "rss" in sections:
        steps.append(("rss", [str(HERE / "bench_server.py"), "--db", db, "--only", "rss"]))
    failed: list[str] = []
    for section, argv in steps:  # a failing section is reported and the others still run
        try:
            run_child(argv)
        except FigureFailed as error:
            print(f"# {section}: a figure could not be measured: {error}", file=sys.stderr)
            failed.append(section)
    try:
        if "screens" in sections or "report" in sections:
            with Serve(db) as server:
                figures = SCREEN_FIGURES if "screens" in sections else []
                for figure in figures + (["weekly_report"] if "report" in sections else []):
                    try:
                        run_child(
                            [
                                str(HERE / "screens.py"),
                                figure,
                                "--db",
                                db,
                                "--server",
                                server.address,
                                "--repeat",
                                str(effort.screen_opens),
                            ]
                        )
                    except FigureFailed as error:
                        print(f"# {figure}: a figure could not be measured: {error}", file=sys.stderr)
                        failed.append(figure)
        if "import" in sections:
            bench_import(db, sizes.import_rows)
    except (FigureFailed, RuntimeError) as error:
        print(f"# a figure could not be measured: {error}", file=sys.stderr)
        failed.append("import/screens")
    print(f"# total {time.perf_counter() - started:.1f} s", file=sys.stderr)
    if failed:
        print(f"# not measured: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
