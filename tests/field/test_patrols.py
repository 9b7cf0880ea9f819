"""Patrol plans and tasks on both databases: generation (idempotent, across holidays), GPS
check-ins, findings that become work orders, and late or missed patrols flagged."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from gridcare.core.clock import SHANGHAI
from gridcare.core.errors import Forbidden, InvalidInput, NotFound
from gridcare.field import checkins, patrols
from gridcare.field.models import PatrolStop, PatrolTask
from gridcare.notify.models import Notification
from gridcare.workorders import support
from gridcare.workorders.models import SupportTask, WorkOrder
from tests.field.conftest import PNG


def make_plan(world, clock, **kw):
    args = dict(name="消火栓周巡", grid_id=world.grids["water"], rrule="FREQ=DAILY", kinds=["hydrant", "valve"], max_distance_m=100, distances={"hydrant": 50})
    args.update(kw)
    with world.db.write() as session:
        return patrols.create_plan(session, actor=world.principal("w_supervisor"), now=clock.now(), **args).id


def today_task(world, clock, plan_id):
    with world.db.write() as session:
        patrols.generate(session, now=clock.now(), days=0)
    with world.db.read() as session:
        task = session.scalars(select(PatrolTask).where(PatrolTask.plan_id == plan_id).order_by(PatrolTask.due_on)).first()
        stops = {s.asset_code: s.id for s in session.scalars(select(PatrolStop).where(PatrolStop.task_id == task.id))}
        return task.id, stops


def test_it_builds_the_route_from_the_grids_assets_of_the_chosen_kinds(world, clock):
    plan_id = make_plan(world, clock)
    with world.db.read() as session:
        plan = patrols.get_plan(session, actor=world.principal("w_supervisor"), plan_id=plan_id)
        assert [(s["kind"], s["code"]) for s in plan.stops] == [("hydrant", "H1"), ("valve", "V1"), ("valve", "V2")]
        assert plan.assignee_id == world.user_id("w_rep")


def test_it_refuses_a_bad_plan_naming_every_field(world, clock):
    with pytest.raises(InvalidInput) as err:
        make_plan(world, clock, rrule="every day", holidays="never", kinds=["tower"], max_distance_m=1)
    assert {p.field for p in err.value.problems} == {"rrule", "holidays", "kinds", "max_distance_m"}


def test_a_rep_may_not_make_plans(world, clock):
    with pytest.raises(Forbidden):
        with world.db.write() as session:
            patrols.create_plan(session, actor=world.principal("w_rep"), now=clock.now(), name="x", grid_id=world.grids["water"], rrule="FREQ=DAILY", kinds=["valve"])


def test_generating_twice_creates_nothing_new(world, clock):
    make_plan(world, clock, rrule="FREQ=WEEKLY;BYDAY=MO,WE,FR")
    with world.db.write() as session:
        first = patrols.generate(session, now=clock.now(), days=13)
    with world.db.write() as session:
        again = patrols.generate(session, now=clock.now(), days=13)
        n = session.scalar(select(func.count()).select_from(PatrolTask))
    # 2026-11-24 is a Tuesday: W, F, M, W, F, M are due in the two weeks.
    assert (first, again, n) == (6, 0, 6)


def test_generation_moves_national_day_tasks_to_the_next_working_day(world, clock):
    clock.set(datetime(2026, 9, 28, 8, 0, tzinfo=SHANGHAI))
    make_plan(world, clock, rrule="FREQ=MONTHLY;BYMONTHDAY=1", holidays="next_workday", starts_on=date(2026, 9, 1))
    with world.db.write() as session:
        patrols.generate(session, now=clock.now(), days=40)
    with world.db.read() as session:
        got = [(t.planned_on, t.due_on) for t in session.scalars(select(PatrolTask).order_by(PatrolTask.due_on))]
    assert got[0][0] == date(2026, 10, 1) and got[0][1] >= date(2026, 10, 8)  # after the Golden Week
    assert got[1] == (date(2026, 11, 1), date(2026, 11, 2))  # a Sunday moves to Monday


def test_a_check_in_near_the_asset_counts_and_the_last_one_finishes_the_task(world, clock):
    plan_id = make_plan(world, clock, kinds=["hydrant"])
    task_id, stops = today_task(world, clock, plan_id)
    with world.db.write() as session:
        stop = checkins.check_in(
            session, actor=world.principal("w_rep"), now=clock.now(), stop_id=stops["H1"], lon=112.9312, lat=28.1211,
            checklist={"Hydrant visible and not buried": True, "No leak": True}, photo_files=[("h1.png", PNG)], data_dir=world.data_dir,
        )
        assert stop.far is False and stop.distance_m < 50
        assert stop.checklist["Nothing parked or built around it"] is False  # unanswered items are recorded as not confirmed
        assert (world.data_dir / stop.photos[0]["path"]).read_bytes() == PNG
    with world.db.read() as session:
        task = session.get(PatrolTask, task_id)
        assert (task.status, task.late) == ("done", False)


def test_a_far_check_in_is_flagged_or_rejected_as_the_plan_says(world, clock):
    flag_plan = make_plan(world, clock, kinds=["hydrant"])
    _, stops = today_task(world, clock, flag_plan)
    with world.db.write() as session:
        stop = checkins.check_in(session, actor=world.principal("w_rep"), now=clock.now(), stop_id=stops["H1"], lon=112.935, lat=28.121, data_dir=world.data_dir)
        assert stop.far is True and stop.distance_m > 300
    reject_plan = make_plan(world, clock, name="阀门巡视", kinds=["valve"], far_policy="reject")
    _, stops = today_task(world, clock, reject_plan)
    with pytest.raises(InvalidInput, match="check in within 100 m") as err:
        with world.db.write() as session:
            checkins.check_in(session, actor=world.principal("w_rep"), now=clock.now(), stop_id=stops["V1"], lon=112.965, lat=28.13, data_dir=world.data_dir)
    assert err.value.problems[0].field == "lon"
    with world.db.read() as session:
        assert session.get(PatrolStop, stops["V1"]).status == "pending"


def test_a_check_in_refuses_a_file_that_is_not_a_photo_and_writes_nothing(world, clock):
    _, stops = today_task(world, clock, make_plan(world, clock, kinds=["hydrant"]))
    with pytest.raises(InvalidInput, match="photo"):
        with world.db.write() as session:
            checkins.check_in(session, actor=world.principal("w_rep"), now=clock.now(), stop_id=stops["H1"], lon=112.931, lat=28.121, photo_files=[("x.png", b"MZ\x90\x00 not an image")], data_dir=world.data_dir)
    with world.db.read() as session:
        assert session.get(PatrolStop, stops["H1"]).status == "pending"


def test_a_finding_becomes_a_patrol_work_order_for_the_department_with_the_photo(world, clock):
    _, stops = today_task(world, clock, make_plan(world, clock, kinds=["hydrant"]))
    with world.db.write() as session:
        finding = checkins.report_finding(session, actor=world.principal("w_rep"), now=clock.now(), stop_id=stops["H1"], kind="hydrant_blocked", note="被货车圈占", photo=("blocked.png", PNG), data_dir=world.data_dir)
        order_id = finding.order_id
    with world.db.write() as session:
        again = checkins.report_finding(session, actor=world.principal("w_rep"), now=clock.now(), stop_id=stops["H1"], kind="hydrant_blocked", note="仍被占用", data_dir=world.data_dir)
        assert again.order_id == order_id  # the same finding again lands on the same order
    with world.db.read() as session:
        order = session.get(WorkOrder, order_id)
        assert (order.channel, order.category, order.utility, order.handler_id) == ("patrol", "repair", "water", world.user_id("w_rep"))
        assert "被货车圈占" in order.description
        task = session.scalars(select(SupportTask).where(SupportTask.order_id == order_id)).one()
        assert task.unit_id == world.units["XC-W-NET"]
        photos = support.attachments_of(session, order_id=order_id)
        assert [(p.media_type, p.size) for p in photos] == [("image/png", len(PNG))]


def test_a_finding_of_the_other_utility_is_refused(world, clock):
    _, stops = today_task(world, clock, make_plan(world, clock, kinds=["hydrant"]))
    with pytest.raises(InvalidInput, match="electric finding"):
        with world.db.write() as session:
            checkins.report_finding(session, actor=world.principal("w_rep"), now=clock.now(), stop_id=stops["H1"], kind="line_clearance", data_dir=world.data_dir)
    with world.db.read() as session:
        assert session.scalar(select(func.count()).select_from(WorkOrder).where(WorkOrder.channel == "patrol")) == 0


def test_another_rep_cannot_check_in_on_someone_elses_patrol(world, clock):
    _, stops = today_task(world, clock, make_plan(world, clock, kinds=["hydrant"]))
    with pytest.raises(NotFound):
        with world.db.write() as session:
            checkins.check_in(session, actor=world.principal("rep"), now=clock.now(), stop_id=stops["H1"], lon=112.931, lat=28.121, data_dir=world.data_dir)


def test_late_then_missed_patrols_are_flagged_to_the_supervisor_once_each(world, clock):
    plan_id = make_plan(world, clock, kinds=["hydrant"], grace_days=1)
    task_id, _ = today_task(world, clock, plan_id)
    clock.advance(timedelta(days=1))
    with world.db.write() as session:
        assert patrols.flag_overdue(session, now=clock.now()) == (1, 0)
    with world.db.write() as session:
        assert patrols.flag_overdue(session, now=clock.now()) == (0, 0)
    clock.advance(timedelta(days=1))
    with world.db.write() as session:
        assert patrols.flag_overdue(session, now=clock.now()) == (0, 1)
    with world.db.read() as session:
        task = session.get(PatrolTask, task_id)
        assert (task.status, task.late) == ("missed", True)
        sent = session.scalars(select(Notification).where(Notification.source_kind == "patrol_task", Notification.source_id == task_id).order_by(Notification.id)).all()
        assert [(n.recipient_id, n.event) for n in sent] == [(world.user_id("w_supervisor"), "field.patrol_overdue")] * 2
        assert "消火栓周巡" in sent[0].subject and "漏巡" in sent[1].subject
        flagged = patrols.tasks(session, actor=world.principal("w_supervisor"), flagged=True)
        assert [t.id for t in flagged] == [task_id]


def test_the_worker_jobs_generate_ahead_and_flag_overdue(world, clock):
    from types import SimpleNamespace

    from gridcare.jobs import JOBS

    make_plan(world, clock, kinds=["hydrant"], grace_days=0)
    ctx = SimpleNamespace(db=world.db, clock=clock)
    JOBS["field.generate"].run(ctx)
    with world.db.read() as session:
        assert session.scalar(select(func.count()).select_from(PatrolTask)) == 6  # today and the working days of the next week
    clock.advance(timedelta(days=1))
    JOBS["field.overdue"].run(ctx)
    JOBS["field.visit_plans"].run(ctx)
    with world.db.read() as session:
        assert [t.status for t in session.scalars(select(PatrolTask).where(PatrolTask.due_on == date(2026, 11, 24)))] == ["missed"]
