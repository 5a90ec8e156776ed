"""`benchmarks/run.py --quick` runs end to end and prints every figure as a number (no timing assertions)."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
KEYS = {"name", "value", "unit", "target", "baseline", "met", "database"}
PROCESSES = (1, 16, 64)
FIGURES = {
    "start_to_login_usable",
    "start_with_server_to_login_usable",
    "signin_to_first_lead",
    "signin_to_board",
    "signin_to_follow_up_list",
    *(f"take_next_lead_{n}p" for n in PROCESSES),
    *(f"outcome_to_next_lead_{n}op" for n in PROCESSES),
    "client_rss_signed_in",
    "pipeline_board_5000_deals",
    "refusal_list_open",
    "refusal_list_scroll_page",
    "account_list_10000",
    "import_rows_per_second",
    "import_peak_memory",
    "weekly_report_3m_interactions",
}
# The figures whose samples are latencies: each carries p50, p99, p99.9 and max (for the claims and the
# shift cycle, of the product and of its baseline).
LATENCY_KEYS = {"p50", "p99", "p99_9", "max", "n"}
NESTED = {"take_next_lead": ("service", "bare"), "outcome_to_next_lead": ("server", "in_process")}


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def check_latency(figure: dict) -> None:
    for prefix, parts in NESTED.items():
        if figure["name"].startswith(prefix):
            for part in parts:
                assert set(figure[part]) >= LATENCY_KEYS, figure
                assert all(_number(figure[part][k]) for k in LATENCY_KEYS), figure
            return
    if figure["unit"] == "ms":
        assert set(figure) >= LATENCY_KEYS, figure
        assert all(_number(figure[k]) for k in LATENCY_KEYS), figure


def test_run_quick_prints_every_figure_as_a_number(tmp_path):
    env = dict(os.environ)
    # Tiny sizes (companies, interactions, deals, accounts, refusals, CSV rows) in a private folder.
    env.update(KBASE_BENCH_SIZES="3000,6000,200,200,400,500", KBASE_BENCH_OUT=str(tmp_path))
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    figures = [json.loads(line) for line in lines]  # every line is one JSON object
    for figure in figures:
        assert set(figure) >= KEYS, figure
        assert isinstance(figure["name"], str) and isinstance(figure["unit"], str)
        assert _number(figure["value"]), figure  # never null: a figure that vanishes fails here
        assert figure["baseline"] is None or _number(figure["baseline"]), figure
        assert isinstance(figure["met"], bool), figure
        assert figure["database"] == "sqlite", figure
        check_latency(figure)
    names = [f["name"] for f in figures]
    assert len(names) == len(set(names)), names
    assert set(names) == FIGURES, result.stdout
