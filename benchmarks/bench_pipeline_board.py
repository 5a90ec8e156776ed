"""How long the closer's board takes with many deals: service call and the screen's first paint.

    .venv/bin/python benchmarks/bench_pipeline_board.py [--deals 500] [--db URL]

Creates a fresh SQLite database (or uses --db), one closer with N open deals spread over the
stages, then times `pipeline.board()` (median of 20) and the Textual board until its columns are
filled.  Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

os.environ.setdefault("KBASE_FAST_HASH", "1")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--deals", type=int, default=500)
    parser.add_argument("--db", default="")
    args = parser.parse_args()
    from kbase_tui.models import Company, Deal, Stage
    from kbase_tui.services import pipeline, users
    from kbase_tui.services.dto import Actor
    from kbase_tui.services.setup import open_database

    url = args.db or str(Path(tempfile.mkdtemp()) / "bench.sqlite3")
    db = open_database(url)
    with db.write() as session:
        user = users.add_user(session, "local:bench", f"bench{int(time.time())}", "closer", "Bench-Password-2026",
                              full_name="Бенч Клоузер", must_change_password=False)
        actor = Actor(user.id, user.username, user.role, user.full_name)
        codes = [s.code for s in pipeline.open_stages(session)]
        for n in range(args.deals):
            company = Company(name=f"ООО «Компания {n}»", city="Москва", stage=Stage.PIPELINE, owner_id=user.id)
            session.add(company)
            session.flush()
            session.add(Deal(company_id=company.id, closer_id=user.id, stage_code=codes[n % len(codes)],
                             expected_amount=Decimal(n * 1000), next_step="Позвонить",
                             next_step_due=date.today() + timedelta(days=n % 30 - 5)))
    times = []
    for _ in range(20):
        start = time.perf_counter()
        board = pipeline.board(db, actor)
        times.append(time.perf_counter() - start)
    print(f"deals: {board.count}  board() median {statistics.median(times) * 1000:.1f} ms, "
          f"max {max(times) * 1000:.1f} ms")

    from kbase_tui.ui.app import KbaseApp
    from kbase_tui.ui.pipeline.board import CloserBoard, StageList

    async def paint() -> float:
        app = KbaseApp(db.url, database=db)
        async with app.run_test(size=(200, 60)) as pilot:
            app.actor = actor
            start = time.perf_counter()
            await app.push_screen(CloserBoard())
            while True:
                await pilot.pause(0.01)
                lists = list(app.screen.query(StageList))
                if lists and sum(len(w.deals) for w in lists) == board.count:
                    break
            return time.perf_counter() - start

    print(f"board screen filled in {asyncio.run(paint()) * 1000:.0f} ms (200x60, {board.count} deals)")
    db.dispose()


if __name__ == "__main__":
    sys.exit(main())
