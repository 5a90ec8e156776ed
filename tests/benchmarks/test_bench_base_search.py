"""`benchmarks/bench_base_search.py` runs end to end on a tiny base and prints a figure per case (no timing assertions)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_base_search_prints_every_case(tmp_path):
    env = dict(os.environ)
    env.update(KBASE_CONFIG_DIR=str(tmp_path / "config"), KBASE_DATA_DIR=str(tmp_path / "data"), TMPDIR=str(tmp_path))
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_base_search.py"), "--n", "2000", "--repeat", "2"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    for case in ("everything, by name", "common word", "INN, whole", "phone, whole", "stage pipeline", "company card"):
        assert case in out, out
    assert out.count("p99.9") >= 14
