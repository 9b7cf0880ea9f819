"""The batch commands: field generate (idempotent, with its progress bar), flag and visits,
errors as one line."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

import gridcare.field.cli  # noqa: F401
from gridcare.cli import app
from gridcare.config import get_settings
from gridcare.field import patrols
from gridcare.field.models import PatrolTask, VisitPlan


@pytest.fixture
def cli(world, database, tmp_path, monkeypatch):
    monkeypatch.setenv("GRIDCARE_DATABASE_URL", database.url)
    monkeypatch.setenv("GRIDCARE_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    yield lambda *args: CliRunner().invoke(app, list(args))
    get_settings.cache_clear()


def test_generate_creates_tasks_once_and_refuses_a_bad_horizon(cli, world, clock):
    with world.db.write() as session:
        patrols.create_plan(session, actor=world.principal("w_supervisor"), now=clock.now(), name="阀门巡视", grid_id=world.grids["water"], rrule="FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", kinds=["valve"])
    first = cli("field", "generate", "--days", "13")
    assert first.exit_code == 0, first.output
    assert "patrol plans" in first.output  # the progress bar's stage
    # The CLI runs on the wall clock: two weeks hold 1 to 10 working days (fewer around the Spring Festival).
    created = int(re.search(r"(\d+) patrol tasks created", first.output).group(1))
    assert 1 <= created <= 10
    again = cli("field", "generate", "--days", "13")
    assert again.exit_code == 0 and "0 patrol tasks created" in again.output
    with world.db.read() as session:
        assert session.scalar(select(func.count()).select_from(PatrolTask)) == created
    bad = cli("field", "generate", "--days", "999")
    assert bad.exit_code == 1 and "days: must be between 0 and 366" in bad.output


def test_visits_and_flag_run_over_the_whole_database(cli, world):
    made = cli("field", "visits")
    assert made.exit_code == 0 and "1 visit plans created or changed" in made.output
    with world.db.read() as session:
        assert session.scalar(select(func.count()).select_from(VisitPlan)) == 1
    flagged = cli("field", "flag")
    assert flagged.exit_code == 0 and "0 patrols late, 0 missed; 0 overdue visits flagged" in flagged.output
