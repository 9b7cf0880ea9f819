"""bench/merge.py on a scratch city: every call is merged in both chunk sizes (the bench
fails otherwise) and the figures come out. No timing is asserted."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_it_merges_every_call_and_prints_the_ratio() -> None:
    run = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "merge.py"), "--calls", "15", "--database", "sqlite", "--json"],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    figures = json.loads(run.stdout.strip().splitlines()[-1])
    assert figures["database"] == "sqlite" and figures["calls"] == 15 and figures["shipped_chunk"] == 50
    assert min(figures["ms_per_call_10"], figures["ms_per_call_shipped"], figures["baseline_ms_per_call"], figures["ratio"]) > 0
