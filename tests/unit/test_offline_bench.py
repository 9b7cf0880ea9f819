"""bench/offline.py sends a round as made, as kept and again, and the figures come out with
every kept check-in marked sent later and every round done; bench/offline_orders.py does the
same with order steps. No timing is asserted."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_it_times_kept_and_resent_check_ins_next_to_those_sent_as_made() -> None:
    run = subprocess.run([sys.executable, str(ROOT / "bench" / "offline.py"), "--reps", "2", "--stops", "3", "--json"], capture_output=True, text=True, timeout=300, check=False)
    assert run.returncode == 0, run.stderr[-2000:]
    figures = json.loads(run.stdout.strip().splitlines()[-1])
    assert figures["records"] == 6
    assert min(figures["online_ms"], figures["kept_ms"], figures["resent_ms"], figures["kept_ratio"], figures["resent_ratio"]) > 0


def test_it_times_kept_and_resent_order_steps_next_to_those_sent_as_made() -> None:
    run = subprocess.run([sys.executable, str(ROOT / "bench" / "offline_orders.py"), "--database", "sqlite", "--orders", "3", "--json"], capture_output=True, text=True, timeout=600, check=False)
    assert run.returncode == 0, run.stderr[-2000:]
    figures = json.loads(run.stdout.strip().splitlines()[-1])
    assert (figures["database"], figures["steps"]) == ("sqlite", 6)
    assert min(figures["online_ms"], figures["kept_ms"], figures["resent_ms"], figures["kept_ratio"], figures["resent_ratio"]) > 0
