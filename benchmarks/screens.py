"""Screen timings with Textual's Pilot, one figure per process (run by benchmarks/run.py).

    .venv/bin/python benchmarks/screens.py FIGURE --db PATH|URL --server unix:/path/to/socket

The app runs under Pilot in this process and reaches the base through a real `kbase serve`
process on its Unix socket (`--server`; run.py starts it), as in production.  These are the
screens opened again once signed in (warm: the screen's modules loaded); what a person waits
for right after Enter on the password, in a new process, is measured by cold.py.

Prints JSON lines like run.py. "Displayed" means: the screen's data is in its
widgets AND the next refresh (the paint) has happened. Each figure sits
beside a baseline measured in the same process: pushing a screen that paints
one label, or signing in to a screen that loads nothing.

A figure that cannot be measured stops with the reason (run.py then fails): never a null figure.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))

import common  # noqa: E402
from common import PASSWORD, latency  # noqa: E402

SERVER = ""  # --server: the address of the running `kbase serve`
DATABASE = ""  # sqlite or postgresql, from --db


def emit(*args, **extra) -> None:
    common.emit(*args, database=DATABASE, **extra)


SIZE = (120, 36)


async def painted(app) -> None:
    """Wait for the next refresh of the screen (the paint after the data arrived)."""
    done = asyncio.Event()
    app.screen.call_after_refresh(done.set)
    await asyncio.wait_for(done.wait(), 30)


async def wait_for(predicate, timeout: float = 60.0) -> None:
    deadline = time.perf_counter() + timeout
    while not predicate():
        if time.perf_counter() > deadline:
            raise TimeoutError("the screen never showed its data")
        await asyncio.sleep(0.001)


def send_key(app, key: str) -> None:
    """Deliver a key the way the terminal driver does.  Pilot.press also waits until the process looks idle
    (textual/_wait.py: at least two sleeps of 20 ms a key), which is the test harness's time, not the app's."""
    from textual import events

    event = events.Key(key, None)
    event.set_sender(app)
    app._driver.send_message(event)


async def sign_in(app, pilot, username: str) -> float:
    """Type the name and password; return the moment Enter was pressed."""
    await wait_for(lambda: app.screen.query("#password"))
    app.screen.query_one("#username").value = username
    password = app.screen.query_one("#password")
    password.value = PASSWORD
    password.focus()
    await pilot.pause()
    started = time.perf_counter()
    await pilot.press("enter")
    return started


async def baseline_push(app) -> float:
    """The Textual floor: push a screen with one label and wait for its paint."""
    from textual.screen import Screen
    from textual.widgets import Label

    class One(Screen):
        def compose(self):
            yield Label("baseline")

    times = []
    for _ in range(5):
        started = time.perf_counter()
        app.push_screen(One())
        await wait_for(lambda: isinstance(app.screen, One) and app.screen.query(Label))
        await painted(app)
        times.append(time.perf_counter() - started)
        app.pop_screen()
        await asyncio.sleep(0.05)
    return statistics.median(times) * 1000


def _app(db: str):
    from kbase_tui.ui.app import KbaseApp

    return KbaseApp(SERVER)


# --- figures -------------------------------------------------------------------------


async def _open_screen(app, screen, ready) -> float:
    started = time.perf_counter()
    app.push_screen(screen)
    await wait_for(lambda: app.screen is screen and ready(screen))
    await painted(app)
    return (time.perf_counter() - started) * 1000


REPEAT = 20  # opens per screen figure (--repeat)
REPEAT_REPORT = 5


async def _open_repeatedly(app, make_screen, ready) -> tuple[float, dict, object]:
    """Open a new screen REPEAT times, going back in between; (median ms, extra fields, the last screen left open).

    One open moves by ±50 ms on this 2-core machine, so the figure is the median of several opens, each a new
    screen instance loading its data afresh; p99, p99.9, max and the first open (caches cold) beside it."""
    times = []
    screen = None
    for _ in range(REPEAT):
        if screen is not None:
            app.pop_screen()
            await asyncio.sleep(0.2)
        screen = make_screen()
        times.append(await _open_screen(app, screen, ready))
    extra = {**latency(times, 1), "first": round(times[0], 1)}
    return statistics.median(times), extra, screen


async def fig_pipeline_board(db: str) -> None:
    name, target = "pipeline_board_5000_deals", "< 150 ms"
    from kbase_tui.ui.pipeline.board import CloserBoard

    app = _app(db)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(lambda: app.screen.query("#password"))
        base = await baseline_push(app)  # over the login screen, before anything loads
        login_screen = app.screen
        await sign_in(app, pilot, "closer01")
        await wait_for(lambda: app.screen is not login_screen)
        await app.workers.wait_for_complete()

        def ready(screen) -> bool:  # the board pages: the first page of each column is its data
            return screen.board is not None and any(w.deals for w in screen.lists)

        value, extra, _screen = await _open_repeatedly(app, CloserBoard, ready)
        deals = sum(c.count for c in app.screen.board.columns)
        loaded = sum(len(w.deals) for w in app.screen.lists)
        emit(
            name,
            round(value, 1),
            "ms",
            target,
            round(base, 1),
            met=value < 150,
            deals=deals,
            cards_loaded=loaded,
            **extra,
            note="open the closer's board (a new CloserBoard pushed): query + first page of every column, "
            "painted; median of the opens",
        )


async def fig_refusal_list(db: str) -> None:
    name_open, name_scroll, target = "refusal_list_open", "refusal_list_scroll_page", "< 150 ms"
    from kbase_tui.protocol.refusals import RefusalFilter
    from kbase_tui.ui.supervisor.review import RefusalReview

    app = _app(db)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(lambda: app.screen.query("#password"))
        base = await baseline_push(app)  # over the login screen, before anything loads
        login_screen = app.screen
        await sign_in(app, pilot, "supervisor01")
        await wait_for(lambda: app.screen is not login_screen)
        await app.workers.wait_for_complete()

        def make_screen():
            screen = RefusalReview()
            screen.filter = RefusalFilter(status="all") if _has_field(RefusalFilter, "status") else screen.filter
            return screen

        def ready(s) -> bool:
            return not s.page_loading and len(s.rows) > 0 and s.total > 0

        value, extra, screen = await _open_repeatedly(app, make_screen, ready)
        emit(
            name_open,
            round(value, 1),
            "ms",
            target,
            round(base, 1),
            met=value < 150,
            rows_total=screen.total,
            **extra,
            note="every refusal (filter: all): the first page and the count, painted; median of the opens",
        )
        from textual.widgets import DataTable

        from kbase_tui.ui.supervisor.review import LOAD_MORE_AT

        table = screen.query_one(DataTable)
        await app.workers.wait_for_complete()
        await painted(app)
        times, loads = [], 0
        for _ in range(30):  # page down through several pages: some keys load the next page
            before_row, before_rows = table.cursor_row, len(screen.rows)
            if before_row >= table.row_count - 1:
                break  # a small database: the last row is reached
            started = time.perf_counter()
            send_key(app, "pagedown")
            await wait_for(lambda before_row=before_row: table.cursor_row != before_row)
            # The review asks for the next page when the cursor comes within LOAD_MORE_AT rows of the end:
            # such a key press is done when that page is in the table.
            if screen.next_cursor is not None and table.cursor_row >= table.row_count - LOAD_MORE_AT:
                loads += 1
                await wait_for(
                    lambda before_rows=before_rows: len(screen.rows) > before_rows and not screen.page_loading
                )
            await painted(app)
            times.append((time.perf_counter() - started) * 1000)
        if not times:
            raise RuntimeError("the database holds fewer refusals than one page-down moves: nothing to page through")
        worst = max(times)
        emit(
            name_scroll,
            round(worst, 1),
            "ms",
            target,
            round(base, 1),
            met=worst < 150,
            **latency(times, 1),
            rows_loaded=table.row_count,
            presses_loading_a_page=loads,
            note="page-down 30 times, each key sent as the terminal driver sends it, until the rows it brings into "
            "view (and the next page, when it asks for one) are painted; value = the slowest key press",
        )


def _has_field(cls, name: str) -> bool:
    return name in getattr(cls, "__dataclass_fields__", {})


async def fig_account_list(db: str) -> None:
    name, target = "account_list_10000", "< 150 ms"
    from kbase_tui.ui.accounts.follow_up_list import FollowUpList

    app = _app(db)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(lambda: app.screen.query("#password"))
        base = await baseline_push(app)
        login_screen = app.screen
        await sign_in(app, pilot, "account01")
        await wait_for(lambda: app.screen is not login_screen)
        await app.workers.wait_for_complete()
        value, extra, screen = await _open_repeatedly(app, FollowUpList, lambda s: s.page is not None)
        emit(
            name,
            round(value, 1),
            "ms",
            target,
            round(base, 1),
            met=value < 150,
            rows_total=screen.total,
            **extra,
            note="open account01's follow-up list (a new FollowUpList pushed): first page and total, "
            "painted; median of the opens",
        )


async def fig_weekly_report(db: str) -> None:
    """Every report of the supervisor's report screen for the current week, through the server."""
    from sqlalchemy import text

    from kbase_tui.client import KbaseClient
    from kbase_tui.protocol import reports
    from kbase_tui.services.setup import open_existing_database

    name, target = "weekly_report_3m_interactions", "< 2000 ms"
    database = open_existing_database(db if "://" in db else f"sqlite:///{Path(db).resolve()}")
    first, last = reports.default_period()
    with database.read() as session:
        total = session.execute(text("SELECT count(*) FROM interaction")).scalar_one()
    client = KbaseClient.for_address(SERVER)
    await client.sign_in("supervisor01", PASSWORD)
    bases, values, per_report = [], [], {}
    for _ in range(REPEAT_REPORT):
        # Baseline: the floor of any weekly report, counting the week's calls by user and outcome in-process.
        started = time.perf_counter()
        with database.read() as session:
            session.execute(
                text(
                    "SELECT user_id, outcome, count(*) FROM interaction WHERE kind = 'call' "
                    "AND at >= :a AND at < :b GROUP BY user_id, outcome"
                ),
                {"a": first, "b": last + timedelta(days=1)},
            ).all()
        bases.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        for code, _title in reports.report_titles():
            t = time.perf_counter()
            await client.call(reports.run, code, first, last)
            per_report[code] = round((time.perf_counter() - t) * 1000, 1)
        values.append((time.perf_counter() - started) * 1000)
    await client.sign_out()
    await client.aclose()
    database.dispose()
    got, base = latency(values, 1), latency(bases, 1)
    emit(
        name,
        got["p50"],
        "ms",
        target,
        base["p50"],
        met=got["max"] < 2000,
        interactions=total,
        **got,
        baseline_stats=base,
        per_report_ms=per_report,
        note="every report of the report screen for the current week, as supervisor01, through kbase serve; "
        "baseline: one GROUP BY over the week's calls, in-process; met: the slowest run < 2 s",
    )


FIGURES = {
    "pipeline_board": fig_pipeline_board,
    "refusal_list": fig_refusal_list,
    "account_list": fig_account_list,
    "weekly_report": fig_weekly_report,
}


def main() -> int:
    global REPEAT, REPEAT_REPORT, SERVER, DATABASE
    parser = argparse.ArgumentParser()
    parser.add_argument("figure", choices=sorted(FIGURES))
    parser.add_argument("--db", required=True)
    parser.add_argument("--server", required=True, help="unix:/path of the running `kbase serve` for --db")
    parser.add_argument("--repeat", type=int, default=REPEAT, help="opens per screen figure (the median is printed)")
    args = parser.parse_args()
    REPEAT = max(1, args.repeat)
    REPEAT_REPORT = max(1, min(5, args.repeat))
    SERVER = args.server
    DATABASE = common.db_label(args.db)
    os.environ.setdefault("KBASE_LANG", "en")
    from kbase_tui.i18n import set_language

    set_language(os.environ["KBASE_LANG"])
    asyncio.run(FIGURES[args.figure](args.db))
    return 0


if __name__ == "__main__":
    sys.exit(main())
