"""`kbase catalog import FILE`: the owner reads a price list into the catalog from the shell."""

from __future__ import annotations

import os
import subprocess
import sys

KBASE = [sys.executable, "-m", "kbase_tui.cli.main"]


def test_catalog_import_reads_a_price_list_and_says_what_it_did(tmp_path):
    from kbase_tui.services import catalog, users
    from kbase_tui.services.setup import open_database

    path = tmp_path / "kbase.sqlite3"
    open_database(path).dispose()
    price = tmp_path / "price.csv"
    price.write_bytes(
        "Артикул;Наименование;Группа;Цена\nA-1;Перчатки;Спецодежда;120\nA-2;Каска;Спецодежда;x\n".encode("cp1251")
    )
    env = {**os.environ, "KBASE_LANG": "en"}
    done = subprocess.run(
        [*KBASE, "catalog", "import", str(price), "--db", str(path)], capture_output=True, text=True, env=env
    )
    assert done.returncode == 0, done.stderr
    assert "price.csv: 2 rows, 1 products added, 0 updated, 1 new categories" in done.stdout
    assert "line 3: the price x is not a number" in done.stdout
    database = open_database(path)
    try:
        assert [p.name for p in catalog.products(database, users.local_actor()).rows] == ["Перчатки"]
    finally:
        database.dispose()
    missing = subprocess.run(
        [*KBASE, "catalog", "import", str(tmp_path / "none.csv"), "--db", str(path)],
        capture_output=True,
        text=True,
        env=env,
    )
    assert missing.returncode == 1 and "File not found" in missing.stderr
