"""bench/topology.py runs every case, its baselines answer as gridcare does, and the figures
come out. No timing is asserted: CI machines are too uneven for that."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_it_times_every_case_next_to_its_baseline() -> None:
    run = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "topology.py"), "--repeat", "1", "--json"],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    figures = json.loads(run.stdout.strip().splitlines()[-1])
    assert set(figures) == {"electric_build", "electric_lca", "water_cut_off", "locate_one", "coverage", "junk_import"}
    for case in figures.values():
        assert case["ms"] > 0 and case["baseline_ms"] > 0
        assert abs(case["ratio"] - case["ms"] / case["baseline_ms"]) < 0.01


def test_it_refuses_a_repeat_below_one() -> None:
    run = subprocess.run([sys.executable, str(ROOT / "bench" / "topology.py"), "--repeat", "0"], capture_output=True, text=True, timeout=60, check=False)
    assert run.returncode == 2 and "--repeat: must be at least 1" in run.stderr
