"""``gridcare alerts scan`` and ``list`` as a user runs them (on the wall clock)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

from sqlalchemy import select

from gridcare.alerts.models import Alert
from tests.alerts.conftest import take


def test_it_scans_from_a_date_with_a_progress_bar_and_lists_the_alerts(database, world, clock, tmp_path):
    now = clock.now()
    for w in range(1, 9):
        take(database, at=now - timedelta(days=1, weeks=w), account="E003")
    take(database, at=now - timedelta(days=1), account="E003", n=9)
    env = {**os.environ, "GRIDCARE_DATABASE_URL": database.url, "GRIDCARE_DATA_DIR": str(tmp_path)}
    run = subprocess.run([sys.executable, "-m", "gridcare", "alerts", "scan", "--since", "2026-11-23", "--no-rules"], capture_output=True, text=True, env=env, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "cells" in run.stderr and "new alerts" in run.stdout  # the progress bar, then the summary
    with database.read() as session:
        found = session.scalars(select(Alert).where(Alert.kind == "spike", Alert.category == "repair", Alert.window_end.is_not(None))).all()
        assert {a.grid_code for a in found} == {"E-EAST"} and any(a.evidence["hour"] is None and a.observed == 9 for a in found)
    listed = subprocess.run([sys.executable, "-m", "gridcare", "alerts", "list", "--kind", "spike"], capture_output=True, text=True, env=env, timeout=120)
    assert listed.returncode == 0 and "E-EAST" in listed.stdout and f"{len(found)} alerts" in listed.stdout
    bad = subprocess.run([sys.executable, "-m", "gridcare", "alerts", "scan", "--since", "last tuesday"], capture_output=True, text=True, env=env, timeout=120)
    assert bad.returncode == 1 and "--since" in bad.stderr
    wrong = subprocess.run([sys.executable, "-m", "gridcare", "alerts", "list", "--status", "nope"], capture_output=True, text=True, env=env, timeout=120)
    assert wrong.returncode == 1 and "status: must be one of" in wrong.stderr
