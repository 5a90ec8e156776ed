"""The table of docs/performance.md from the JSON lines of two runs of run.py.

    .venv/bin/python benchmarks/run.py > sqlite.jsonl
    .venv/bin/python benchmarks/run.py --db postgresql+psycopg://… > postgresql.jsonl
    .venv/bin/python benchmarks/table.py sqlite.jsonl postgresql.jsonl [more.jsonl …]

One row per figure, what the person waits for first; for each database (the lines' "database")
the figure's p50 / p99 / p99.9 / max (ms) and its baseline's, or the single value for a rate or
a size.  A figure printed again in a later file (a section run again) replaces the earlier one.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

# name -> what the user waits for (in the order of the table)
WAITS = {
    "start_to_login_usable": "start `kbase --db …` → login painted and its server answering",
    "start_with_server_to_login_usable": "start `kbase --server …` (a running server) → login painted and the server answered",
    "signin_to_first_lead": "caller: Enter on the password → first lead painted (new process)",
    "signin_to_board": "closer: Enter on the password → board painted (5,000 deals, new process)",
    "signin_to_follow_up_list": "account manager: Enter on the password → follow-up list painted (10,000 accounts)",
    "outcome_to_next_lead_1op": "caller: outcome key → next lead, through the server, 1 operator",
    "outcome_to_next_lead_16op": "the same, 16 operators at once",
    "outcome_to_next_lead_64op": "the same, 64 operators at once",
    "take_next_lead_1p": "the claim inside it (database work), 1 process",
    "take_next_lead_16p": "the claim, 16 processes",
    "take_next_lead_64p": "the claim, 64 processes",
    "pipeline_board_5000_deals": "closer: open the board again (warm)",
    "refusal_list_open": "supervisor: open the refusal review (100,000 refusals)",
    "refusal_list_scroll_page": "supervisor: page-down in the review",
    "account_list_10000": "account manager: open the follow-up list again (warm)",
    "weekly_report_3m_interactions": "supervisor: every weekly report (3,000,000 interactions)",
    "import_rows_per_second": "import of a 1,000,000-row CSV (rows/s)",
    "import_peak_memory": "import peak memory (MiB)",
    "client_rss_signed_in": "memory of one signed-in app (MiB)",
}
NESTED = {"take_next_lead": ("service", "bare"), "outcome_to_next_lead": ("server", "in_process")}


def load(paths: list[str]) -> dict[str, dict[str, dict]]:
    """database -> name -> figure."""
    figures: dict[str, dict[str, dict]] = {"sqlite": {}, "postgresql": {}}
    for path in paths:
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            if line.startswith("{"):
                figure = json.loads(line)
                figures[figure["database"]][figure["name"]] = figure
    return figures


def _fmt(x: float) -> str:
    return f"{x:,.0f}" if x >= 100 else f"{x:.1f}" if x >= 10 else f"{x:.2f}"


def stats(d: dict) -> str:
    return " / ".join(_fmt(d[k]) for k in ("p50", "p99", "p99_9", "max"))


def cells(figure: dict | None) -> tuple[str, str, str]:
    """(value, baseline, met) cells of one figure."""
    if figure is None:
        return "not measured", "", ""
    met = "yes" if figure.get("met") else "**no**"
    for prefix, (product, base) in NESTED.items():
        if figure["name"].startswith(prefix):
            return stats(figure[product]), stats(figure[base]), met
    if "p50" in figure:
        base = figure.get("baseline_stats")
        return stats(figure), stats(base) if base else _fmt(figure["baseline"]), met
    baseline = figure.get("baseline")
    return _fmt(figure["value"]), "" if baseline is None else _fmt(baseline), met


def main() -> int:
    figures = load(sys.argv[1:])
    sqlite, postgresql = figures["sqlite"], figures["postgresql"]
    print("| what the person waits for | target | SQLite | baseline | met | PostgreSQL | baseline | met |")
    print("|---|---|---|---|---|---|---|---|")
    for name, what in WAITS.items():
        s, p = sqlite.get(name), postgresql.get(name)
        target = (s or p or {}).get("target", "")
        print(f"| {what} | {target} | {' | '.join(cells(s))} | {' | '.join(cells(p))} |")
    loads = [f["load"] for db in figures.values() for f in db.values() if "load" in f]
    if loads:
        print(f"\nLoad average (1 min) as the figures were printed: {min(loads)}–{max(loads)}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
