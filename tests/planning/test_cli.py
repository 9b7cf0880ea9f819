"""``gridcare plan-grids`` as a user runs it: lattice, barrier file, design, comparison,
GeoJSON export, adoption; bad options named in one line."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from sqlalchemy import select

from gridcare.grids.models import Grid
from gridcare.planning.models import PlanningProposal

RIVER = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"name": "浏阳河", "kind": "river"}, "geometry": {"type": "LineString", "coordinates": [[112.95, 28.09], [112.95, 28.16]]}}]}


def gridcare(database, tmp_path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GRIDCARE_DATABASE_URL": database.url, "GRIDCARE_DATA_DIR": str(tmp_path)}
    return subprocess.run([sys.executable, "-m", "gridcare", "plan-grids", *args], capture_output=True, text=True, env=env, timeout=300)


def test_it_plans_prints_the_comparison_exports_and_adopts(database, world, tmp_path):
    river = tmp_path / "river.geojson"
    river.write_text(json.dumps(RIVER), encoding="utf-8")
    out = tmp_path / "proposal.geojson"
    run = gridcare(database, tmp_path, "--lattice", "hex", "--cell-m", "1000", "--barriers", str(river), "--k", "2", "--geojson", str(out), "--adopt", "--rehome", "keep")
    assert run.returncode == 0, run.stderr
    assert "design" in run.stderr  # the progress bar
    assert "today" in run.stdout and "max/mean" in run.stdout and "adopted:" in run.stdout
    exported = json.loads(out.read_text(encoding="utf-8"))
    assert {f["properties"]["code"] for f in exported["features"]} == {"E-WEST", "E-EAST"}
    with database.read() as session:
        assert session.scalars(select(PlanningProposal.status)).all() == ["adopted"]
        assert {g.version for g in session.scalars(select(Grid).where(Grid.utility == "electric"))} == {2}
    again = gridcare(database, tmp_path, "--k", "3", "--compare", "1")
    assert again.returncode == 0 and "#1" in again.stdout and "#2" in again.stdout


def test_bad_options_are_named_in_one_line(database, world, tmp_path):
    nothing = gridcare(database, tmp_path, "--lattice", "hex", "--cell-m", "1000")
    assert nothing.returncode == 1 and "k: give either k" in nothing.stderr
    missing = gridcare(database, tmp_path, "--k", "2", "--units", str(tmp_path / "none.geojson"))
    assert missing.returncode == 1 and "--units" in missing.stderr
    with database.read() as session:
        assert session.scalars(select(PlanningProposal)).all() == []  # nothing half-written
