"""`benchmarks/run.py --quick` runs end to end and prints every figure as JSON (no timing assertions)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
KEYS = {"name", "value", "unit", "target", "baseline"}
FIGURES = {
    "start_to_login_painted",
    "take_next_lead_p50_1p", "take_next_lead_p99_1p", "take_next_lead_p50_16p", "take_next_lead_p99_16p",
    "outcome_to_next_lead_1op", "outcome_to_next_lead_64op", "client_rss_signed_in",
    "login_to_first_lead", "pipeline_board_5000_deals", "refusal_list_open", "refusal_list_scroll_page",
    "account_list_10000", "import_rows_per_second", "import_peak_memory", "weekly_report_3m_interactions",
}


def test_run_quick_prints_every_figure_as_json(tmp_path):
    env = dict(os.environ)
    # Tiny sizes (companies, interactions, deals, accounts, refusals, CSV rows) in a private folder.
    env.update(KBASE_BENCH_SIZES="3000,6000,200,200,400,500", KBASE_BENCH_OUT=str(tmp_path))
    result = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    figures = [json.loads(line) for line in lines]  # every line is one JSON object
    for figure in figures:
        assert KEYS <= set(figure), figure
        assert isinstance(figure["name"], str) and isinstance(figure["unit"], str)
        # A number, or null with a note saying why (never a made-up figure).
        assert figure["value"] is None and figure.get("note") or isinstance(figure["value"], (int, float)), figure
        assert "measurement failed" not in (figure.get("note") or ""), figure
    assert {f["name"] for f in figures} == FIGURES, result.stdout
