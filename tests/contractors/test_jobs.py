"""The periodic jobs as the worker runs them: campaigns released, contractor notices sent
a day ahead, overdue arrears follow-ups flagged — with the worker's settings and clock."""

from __future__ import annotations

from datetime import timedelta

from gridcare.arrears import service as arrears
from gridcare.campaigns import service as campaigns
from gridcare.contractors import service as contractors
from gridcare.jobs import JOBS
from gridcare.worker import WorkerContext
from tests.contractors.world import customer_id, messages


def test_the_jobs_release_campaigns_tell_customers_and_flag_overdue_cases(world, database, clock, settings):
    admin = world.principal("admin")
    with database.write() as session:
        campaign = campaigns.create_campaign(session, actor=admin, now=clock.now(), title="停水通知", text="明日停水", target={"grid_ids": [world.grids["west"]]}, send_at=clock.now() + timedelta(hours=1))
        project = contractors.create_project(session, actor=admin, now=clock.now(), name="换表", kind="meter_replacement", contractor_id=world.units["HC"], grid_ids=[world.grids["east"]],
                                             starts_at=clock.now() + timedelta(days=1, hours=12), due_at=clock.now() + timedelta(days=3), customers_as_items=True, sample_seed=1)
        case = arrears.open_case(session, actor=admin, now=clock.now(), customer_id=customer_id(database, "E001"), amount_fen=10_000)
    ctx = WorkerContext(db=database, broadcaster=None, settings=settings, clock=clock)  # type: ignore[arg-type]

    def run_all() -> None:
        for name in ("campaigns.release", "contractors.notices", "arrears.overdue"):
            JOBS[name].run(ctx)

    run_all()
    assert (messages(database, "campaigns", campaign.id), messages(database, "contractor_project", project.id), messages(database, "arrears_case", case.id)) == ([], [], [])
    clock.advance(timedelta(days=8))
    run_all()
    run_all()
    assert len(messages(database, "campaigns", campaign.id)) == 1
    assert len(messages(database, "contractor_project", project.id)) == 2
    assert [m.channel for m in messages(database, "arrears_case", case.id)] == ["popup"]
