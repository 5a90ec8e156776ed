"""`kill -9` during an import, twenty times at random moments.

A CSV of 20,000 rows (with duplicates: the same row again, the same company spelt otherwise in the
same city, the same phone written another way) is imported by the real `kbase import FILE --db X`
in a subprocess that is killed with SIGKILL at a random moment, twenty times into one database.
After every kill the database passes `PRAGMA integrity_check`, every committed batch is whole (the
companies in the base are exactly those counted by the `import_batch` audit events, each with its
import history entry) and the audit chain verifies.  Then the import runs to completion, and the
companies equal those of one clean import into a fresh database: same count, same INN/name/city
set, same phones and contact persons, nothing doubled.

Marked slow (about a minute); run by default.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROUNDS = 20
UNIQUE = 16_000
DUPLICATES = 4_000
KBASE = str(Path(sys.executable).with_name("kbase"))
CITIES = ("Москва", "Казань", "Тула", "Пермь", "Омск", "Самара", "Уфа", "Тверь")
FORMS = ("ООО", "АО", "ИП", "ЗАО")
_INN_10 = (2, 4, 10, 3, 5, 9, 4, 6, 8)


def inn_for(n: int) -> str:
    """A valid 10-digit INN (checksum) made from n."""
    body = f"77{n:07d}"
    check = sum(int(d) * w for d, w in zip(body, _INN_10, strict=True)) % 11 % 10
    return body + str(check)


def phone_for(n: int) -> tuple[str, str]:
    """The same number written two ways."""
    digits = f"{1_000_000 + n:07d}"
    return (f"+7 495 {digits[:3]} {digits[3:5]} {digits[5:]}", f"8 (495) {digits[:3]}-{digits[3:5]}-{digits[5:]}")


def write_csv(path: Path, seed: int = 10) -> None:
    rng = random.Random(seed)
    rows: list[list[str]] = []
    companies = []
    for n in range(UNIQUE):
        form = FORMS[n % len(FORMS)]
        name = f"Северный поток {n}"
        city = CITIES[n % len(CITIES)]
        inn = inn_for(n) if n % 5 < 3 else ""
        phone = phone_for(n)[0] if n % 7 else ""
        contact = f"Иван Петров {n}" if n % 3 else ""
        companies.append((n, form, name, city, inn, phone, contact))
        rows.append([f"{form} «{name}»", inn, phone, city, contact, "Директор" if contact else "", "Оптовая торговля"])
    for k in range(DUPLICATES):
        n, form, name, city, inn, phone, contact = companies[rng.randrange(UNIQUE)]
        kind = k % 3
        if kind == 0:  # the same row again
            row = [f"{form} «{name}»", inn, phone, city, contact, "Директор" if contact else "", "Оптовая торговля"]
        elif kind == 1:  # another spelling in the same city, with a new contact person
            row = [f"{name} {form}", "", "", city, f"Мария Соколова {n}", "Бухгалтер", ""]
        else:  # the same phone written another way, with an INN where there was none
            if not phone:
                row = [f"«{name}»", inn, "", city, "", "", ""]
            else:
                row = [f"Компания {name}", inn or inn_for(n), phone_for(n)[1], "", "", "", ""]
        # somewhere after the original row
        rows.insert(rng.randrange(n + 1, len(rows) + 1), row)
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write("Наименование;ИНН;Телефон;Город;Контактное лицо;Должность;Отрасль\n")
        for row in rows:
            handle.write(";".join(row) + "\n")


def second_spellings(csv_path: Path) -> set[int]:
    """The n of the «Компания Северный поток n» rows (the same phone written another way)."""
    found = set()
    for line in csv_path.read_text(encoding="utf-8").splitlines():
        if line.startswith("Компания Северный поток "):
            found.add(int(line.split(";", 1)[0].rsplit(" ", 1)[1]))
    return found


def _env() -> dict[str, str]:
    env = dict(os.environ, KBASE_FAST_HASH="1", KBASE_LANG="en")
    return env


BATCH = 500  # rows per committed batch: 40 commits in the file, so kills land between and inside them


def start_import(csv_path: Path, db_path: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [KBASE, "import", str(csv_path), "--db", str(db_path), "--batch", str(BATCH)],
        env=_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def run_import(csv_path: Path, db_path: Path) -> float:
    started = time.monotonic()
    proc = start_import(csv_path, db_path)
    _out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err.decode(errors="replace")
    return time.monotonic() - started


def check_intact(db_path: Path) -> int:
    """integrity_check ok, every committed batch whole, audit chain intact; returns the company count."""
    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        companies = conn.execute("SELECT count(*) FROM company").fetchone()[0]
        counted = sum(
            json.loads(detail)["imported"]
            for (detail,) in conn.execute("SELECT detail FROM audit_event WHERE action = 'import_batch'")
        )
        assert companies == counted, "a batch was written in part"
        without_history = conn.execute(
            "SELECT count(*) FROM company c WHERE NOT EXISTS (SELECT 1 FROM interaction i WHERE i.company_id = c.id)"
        ).fetchone()[0]
        assert without_history == 0
        events = conn.execute("SELECT count(*) FROM audit_event").fetchone()[0]
    finally:
        conn.close()
    if not events:  # killed before its first batch: no chain begun, nothing to verify
        return companies
    from kbase_tui.services import audit
    from kbase_tui.services.setup import open_database

    database = open_database(db_path)
    try:
        with database.read() as session:
            assert audit.verify_chain(session) == []
    finally:
        database.dispose()
    return companies


def snapshot(db_path: Path) -> dict[str, object]:
    conn = sqlite3.connect(db_path)
    try:
        companies = conn.execute("SELECT inn, name, city, industry FROM company").fetchall()
        phones = conn.execute(
            "SELECT c.name, c.city, p.number FROM phone p JOIN company c ON c.id = p.company_id"
        ).fetchall()
        contacts = conn.execute(
            "SELECT c.name, c.city, k.full_name FROM contact k JOIN company c ON c.id = k.company_id"
        ).fetchall()
    finally:
        conn.close()
    return {
        "count": len(companies),
        "companies": Counter(companies),
        "phones": Counter(phones),
        "contacts": Counter(contacts),
    }


def test_kill_9_during_an_import_twenty_times(tmp_path, sqlite_template):
    csv_path = tmp_path / "leads.csv"
    write_csv(csv_path)
    clean_db, killed_db = tmp_path / "clean.sqlite3", tmp_path / "killed.sqlite3"
    for target in (clean_db, killed_db):
        shutil.copy(sqlite_template, target)
        os.chmod(target, 0o600)

    # The start of the command (Python, SQLAlchemy, the base's keys) and a whole clean import.
    tiny = tmp_path / "one.csv"
    tiny.write_text("Наименование;Город\nООО «Проба»;Тула\n", encoding="utf-8")
    shutil.copy(sqlite_template, tmp_path / "scratch.sqlite3")
    start_seconds = run_import(tiny, tmp_path / "scratch.sqlite3")
    clean_seconds = run_import(csv_path, clean_db)
    expected = snapshot(clean_db)
    # The duplicates were merged (a few remain two companies: a row whose only link to the first
    # spelling arrives after both were saved as separate companies is merged into one of them), except
    # "Компания X" with the phone of «X» that had no INN: a shared phone under another name is a possible
    # duplicate, kept apart (one for each such X).
    possible = len({n for n in range(UNIQUE) if n % 7 and n % 5 >= 3} & second_spellings(csv_path))
    assert possible and UNIQUE * 0.99 < expected["count"] - possible < UNIQUE * 1.01
    inns = Counter(inn for (inn, _name, _city, _industry) in expected["companies"] if inn)
    assert inns and max(inns.values()) == 1  # no INN twice

    seed = int(os.environ.get("KBASE_KILL_SEED", str(random.randrange(1 << 30))))
    rng = random.Random(seed)
    counts = []
    finished_first = 0
    for round_ in range(ROUNDS):
        proc = start_import(csv_path, killed_db)
        # From before the import begins to a quarter of the way in (each run first re-reads the
        # part already saved, quickly, as "already in the base").
        time.sleep(rng.uniform(start_seconds * 0.5, start_seconds + (clean_seconds - start_seconds) * 0.25))
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        if proc.returncode != -signal.SIGKILL:
            assert proc.returncode == 0, proc.stderr.read().decode(errors="replace")
            finished_first += 1
        proc.stderr.close()
        counts.append(check_intact(killed_db))
        assert counts[-1] <= expected["count"], f"seed {seed}, round {round_}: more companies than a clean import"
    run_import(csv_path, killed_db)
    assert check_intact(killed_db) == expected["count"]
    got = snapshot(killed_db)
    assert got == expected, f"seed {seed}"
    mid_import = sum(1 for c in counts if 0 < c < expected["count"])
    print(
        f"\nseed {seed}; start {start_seconds:.1f} s, clean import {clean_seconds:.1f} s; companies after each kill: {counts}; "
        f"{mid_import} kills with a part imported, {finished_first} runs finished before the kill; "
        f"final {got['count']}"
    )
