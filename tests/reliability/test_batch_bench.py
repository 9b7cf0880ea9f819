"""bench/batch.py on a test city: both kinds of batch land every order, and the figures come
out. No timing is asserted: CI machines are too uneven for that."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from gridcare.workorders.models import WorkOrder
from tests.support import area
from tests.support import org as demo_org

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_it_lands_every_batch_and_prints_the_ratio(database, clock) -> None:
    org = demo_org.load(database, clock)
    area.load(org, clock)
    run = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "batch.py"), "--url", database.url, "--rounds", "5", "--size", "3", "--json"],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    figures = json.loads(run.stdout.strip().splitlines()[-1])
    assert figures["batches"] == 2 and figures["size"] == 3  # 5 rounds, 3 of them warm-up
    assert figures["ms_per_order"] > 0 and figures["baseline_ms_per_order"] > 0 and figures["ratio"] > 0
    with database.read() as session:
        assert session.scalar(select(func.count()).select_from(WorkOrder)) == 5 * 2 * 3
