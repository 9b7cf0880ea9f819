"""bench/staffing.py runs every step next to its baseline and the figures come out, the
planned outages' step among them. No timing is asserted: CI machines are too uneven for that."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_it_times_every_step_next_to_its_baseline() -> None:
    run = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "staffing.py"), "--agents", "40", "--weeks", "1", "--peak", "600", "--repeat", "1", "--json"],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    figures = json.loads(run.stdout.strip().splitlines()[-1])
    for step, base, ratio in (("plan_ms", "baseline_ms", "ratio"), ("shifts_ms", "greedy_ms", "shifts_ratio"), ("roster_ms", "scan_ms", "roster_ratio"), ("outages_ms", "erlang_ms", "outages_ratio"), ("cover_ms", "rescan_ms", "cover_ratio")):
        assert figures[step] > 0 and figures[base] > 0 and figures[ratio] > 0  # the ratio is of the unrounded times
    assert figures["peak_needed"] > 0 and figures["unfilled"] == 0 and figures["shifts"] <= figures["greedy_shifts"]
    assert 0 < figures["outages_raised_hours"] <= 168
    assert figures["cover_asks"] > 0
