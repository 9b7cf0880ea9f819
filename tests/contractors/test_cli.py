"""The batch commands: cards print, campaigns list/send, arrears import/overdue,
contractors scorecards/notify — each against the test database, errors as one line."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

import gridcare.arrears.cli  # noqa: F401
import gridcare.campaigns.cli  # noqa: F401
import gridcare.cards.cli  # noqa: F401
import gridcare.contractors.cli  # noqa: F401
from gridcare.arrears.models import ArrearsCase
from gridcare.campaigns import service as campaigns
from gridcare.cli import app
from gridcare.config import get_settings
from gridcare.contractors import service as contractors
from tests.contractors.world import messages

PAGE = re.compile(rb"/Type /Page\b(?!s)")


@pytest.fixture
def cli(world, database, tmp_path, monkeypatch):
    monkeypatch.setenv("GRIDCARE_DATABASE_URL", database.url)
    monkeypatch.setenv("GRIDCARE_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    yield lambda *args: CliRunner().invoke(app, list(args))
    get_settings.cache_clear()


def test_it_prints_cards_for_one_grid_or_all(cli, tmp_path):
    one = cli("cards", "print", "--grid", "E-WEST", "-o", str(tmp_path / "west.pdf"), "--base-url", "https://gc.example.cn")
    assert one.exit_code == 0, one.output
    data = (tmp_path / "west.pdf").read_bytes()
    assert len(PAGE.findall(data)) == 1 and b"https://gc.example.cn/r/" in data
    every = cli("cards", "print", "--all", "-o", str(tmp_path / "all.pdf"))
    assert every.exit_code == 0 and len(PAGE.findall((tmp_path / "all.pdf").read_bytes())) == 3
    bad = cli("cards", "print", "--grid", "NOPE", "-o", str(tmp_path / "x.pdf"))
    assert bad.exit_code == 1 and "grid: no grid 'NOPE'" in bad.output and not (tmp_path / "x.pdf").exists()
    assert cli("cards", "print", "-o", str(tmp_path / "y.pdf")).exit_code == 1


def test_it_lists_and_sends_campaigns(cli, world, database, clock):
    with database.write() as session:
        made = campaigns.create_campaign(session, actor=world.principal("admin"), now=clock.now(), title="停水通知", text="明日停水", target={"grid_ids": [world.grids["east"]]},
                                         send_at=clock.now() + timedelta(days=30))
    listed = cli("campaigns", "list")
    assert listed.exit_code == 0 and "scheduled" in listed.output and "停水通知" in listed.output
    sent = cli("campaigns", "send", str(made.id))
    assert sent.exit_code == 0, sent.output
    assert f"campaign {made.id}: 2 messages queued" in sent.output and len(messages(database, "campaigns", made.id)) == 2
    again = cli("campaigns", "send", str(made.id))
    assert again.exit_code == 1 and "campaign_id" in again.output


def test_it_imports_arrears_cases_all_or_none_and_lists_overdue_ones(cli, database, tmp_path):
    good = tmp_path / "cases.csv"
    good.write_text("account,amount,months,reason\nE001,1200.50,6,房东拒缴\nE002,88,2,\n", encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text("account,amount,months,reason\nE003,10,1,\nX999,5,1,\n", encoding="gbk")
    failed = cli("arrears", "import", str(bad))
    assert failed.exit_code == 1 and "line 3: account" in failed.output
    with database.read() as session:
        assert session.scalar(select(func.count(ArrearsCase.id))) == 0
    done = cli("arrears", "import", str(good))
    assert done.exit_code == 0 and "2 cases opened" in done.output
    overdue = cli("arrears", "overdue")
    assert overdue.exit_code == 0 and "0 overdue" in overdue.output  # due in seven days


def test_it_prints_scorecards_and_tells_a_projects_customers(cli, world, database, clock):
    with database.write() as session:
        project = contractors.create_project(session, actor=world.principal("admin"), now=clock.now(), name="换表", kind="meter_replacement", contractor_id=world.units["HC"],
                                             grid_ids=[world.grids["east"]], starts_at=clock.now() + timedelta(days=3), due_at=clock.now() + timedelta(days=6), customers_as_items=True, sample_seed=1)
    told = cli("contractors", "notify", str(project.id))
    assert told.exit_code == 0 and "2 customers told" in told.output
    assert cli("contractors", "notify", str(project.id)).exit_code == 1
    cards = cli("contractors", "scorecards")
    assert cards.exit_code == 0 and "湘楚管网工程有限公司" in cards.output
    assert "weights" in cli("contractors", "scorecards", "--weights", "speed=1").output
