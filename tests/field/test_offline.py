"""Records made on the phone without signal, on both databases and over HTTP: they count from
when they were made, a resend changes nothing, a patrol marked missed in the meantime still
takes a check-in made in time, and a phone time that cannot be right is kept, not believed."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from gridcare.audit.models import AuditEntry
from gridcare.core.clock import SHANGHAI
from gridcare.core.errors import Conflict
from gridcare.field import checkins, patrols
from gridcare.field.models import Finding, PatrolStop, PatrolTask
from gridcare.workorders import support
from gridcare.workorders.models import WorkOrder
from tests.field.conftest import PNG, as_user
from tests.field.test_patrols import make_plan, today_task

H1 = {"lon": 112.9312, "lat": 28.1211}
V1 = {"lon": 112.96, "lat": 28.13}
V2 = {"lon": 112.94, "lat": 28.125}


def check_ins(session, task_id):
    return session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "patrol_stop.check_in", AuditEntry.entity_id == str(task_id)))


def test_a_check_in_kept_on_the_phone_counts_from_when_it_was_made_and_a_resend_changes_nothing(world, clock):
    task_id, stops = today_task(world, clock, make_plan(world, clock, kinds=["hydrant"]))
    made = datetime(2026, 11, 24, 9, 30, tzinfo=SHANGHAI)
    clock.advance(timedelta(hours=3))  # the signal came back at noon
    received = clock.now()
    slow = timedelta(minutes=7)  # the phone's clock runs seven minutes slow
    for photo in (("h1.png", PNG), ("h1-again.png", PNG + b"\x00")):
        with world.db.write() as session:
            stop = checkins.check_in(
                session, actor=world.principal("w_rep"), now=received, stop_id=stops["H1"], **H1, photo_files=[photo], data_dir=world.data_dir,
                made_at=made - slow, phone_time=received - slow, submission="phone-0001",
            )
            assert (stop.checked_at, stop.sent_at, stop.claimed_at) == (made, received, None)
    with world.db.read() as session:
        stop = session.get(PatrolStop, stops["H1"])
        assert [p["filename"] for p in stop.photos] == ["h1.png"]  # the resend added nothing
        task = session.get(PatrolTask, task_id)
        assert (task.status, task.done_at, task.late) == ("done", made, False)
        assert check_ins(session, task_id) == 1
        after = json.loads(session.scalars(select(AuditEntry.after).where(AuditEntry.action == "patrol_stop.check_in")).one())
        assert (datetime.fromisoformat(after["made_at"]), datetime.fromisoformat(after["sent_at"])) == (made, received)


def test_a_patrol_marked_missed_takes_a_check_in_made_before_it_was_missed(world, clock):
    task_id, stops = today_task(world, clock, make_plan(world, clock, kinds=["hydrant", "valve"], grace_days=1, far_policy="flag"))
    due = clock.now()
    clock.advance(timedelta(days=2))
    with world.db.write() as session:
        assert patrols.flag_overdue(session, now=clock.now()) == (0, 1)
    rep = world.principal("w_rep")
    with world.db.write() as session:  # made on the day, sent two days later: it counts
        checkins.check_in(session, actor=rep, now=clock.now(), stop_id=stops["H1"], **H1, data_dir=world.data_dir, made_at=due + timedelta(hours=1), submission="phone-h1-due")
    with pytest.raises(Conflict, match="missed"):  # made today, after the grace days: the supervisor's
        with world.db.write() as session:
            checkins.check_in(session, actor=rep, now=clock.now(), stop_id=stops["V1"], **V1, data_dir=world.data_dir, made_at=clock.now() - timedelta(minutes=30), submission="phone-v1-now")
    with world.db.read() as session:
        assert session.get(PatrolStop, stops["V1"]).status == "pending" and session.get(PatrolTask, task_id).status == "missed"
    with world.db.write() as session:  # made within the grace days: late, not missed
        checkins.check_in(session, actor=rep, now=clock.now(), stop_id=stops["V2"], **V2, data_dir=world.data_dir, made_at=due + timedelta(days=1, hours=1), submission="phone-v2-grace")
        checkins.check_in(session, actor=rep, now=clock.now(), stop_id=stops["V1"], **V1, data_dir=world.data_dir, made_at=due + timedelta(days=1, hours=2), submission="phone-v1-grace")
    with world.db.read() as session:
        task = session.get(PatrolTask, task_id)
        assert (task.status, task.late, task.done_at) == ("done", True, due + timedelta(days=1, hours=2))


def test_check_ins_sent_out_of_order_finish_the_patrol_on_its_day(world, clock):
    task_id, stops = today_task(world, clock, make_plan(world, clock, kinds=["hydrant", "valve"], grace_days=1, far_policy="flag"))
    due = clock.now()
    clock.advance(timedelta(days=1))
    with world.db.write() as session:
        assert patrols.flag_overdue(session, now=clock.now()) == (1, 0)  # flagged late before the phone was back
    rep = world.principal("w_rep")
    with world.db.write() as session:  # the last stop's record arrives first
        checkins.check_in(session, actor=rep, now=clock.now(), stop_id=stops["V1"], **V1, data_dir=world.data_dir, made_at=due + timedelta(hours=3), submission="phone-third")
        checkins.check_in(session, actor=rep, now=clock.now(), stop_id=stops["V2"], **V2, data_dir=world.data_dir, made_at=due + timedelta(hours=2), submission="phone-second")
        checkins.check_in(session, actor=rep, now=clock.now(), stop_id=stops["H1"], **H1, data_dir=world.data_dir, made_at=due + timedelta(hours=1), submission="phone-first")
    with world.db.read() as session:
        task = session.get(PatrolTask, task_id)
        assert (task.status, task.late, task.done_at) == ("done", False, due + timedelta(hours=3))


def test_a_phone_time_that_cannot_be_right_is_kept_and_the_record_counts_from_arrival(world, clock):
    _, stops = today_task(world, clock, make_plan(world, clock, kinds=["hydrant"]))
    claimed = clock.now() - timedelta(days=5)
    with world.db.write() as session:
        stop = checkins.check_in(session, actor=world.principal("w_rep"), now=clock.now(), stop_id=stops["H1"], **H1, data_dir=world.data_dir, made_at=claimed, submission="phone-wrong-clock")
        assert (stop.checked_at, stop.sent_at, stop.claimed_at) == (clock.now(), clock.now(), claimed)


def test_a_finding_kept_on_the_phone_keeps_when_it_was_found_and_a_resend_attaches_nothing_twice(world, clock):
    _, stops = today_task(world, clock, make_plan(world, clock, kinds=["hydrant", "valve"]))
    found = clock.now() - timedelta(minutes=40)
    rep = world.principal("w_rep")
    for _ in range(2):
        with world.db.write() as session:
            row = checkins.report_finding(
                session, actor=rep, now=clock.now(), stop_id=stops["H1"], kind="hydrant_blocked", note="被货车圈占", photo=("blocked.png", PNG), data_dir=world.data_dir,
                made_at=found, submission="phone-find-01",
            )
            assert (row.created_at, row.sent_at) == (found, clock.now())
    with pytest.raises(Conflict, match="submission"):
        with world.db.write() as session:
            checkins.report_finding(session, actor=rep, now=clock.now(), stop_id=stops["V1"], kind="valve_leak", data_dir=world.data_dir, made_at=found, submission="phone-find-01")
    with world.db.read() as session:
        assert session.scalar(select(func.count()).select_from(Finding)) == 1
        order = session.scalars(select(WorkOrder).where(WorkOrder.channel == "patrol")).one()
        assert order.created_at == clock.now() and "08:20 发现，离线上传" in order.description  # its deadlines run from when it arrived
        assert len(support.attachments_of(session, order_id=order.id)) == 1


def test_offline_records_over_the_api_and_the_page(client, world, clock):
    headers = as_user(client, "w_supervisor")
    assert client.post("/api/v1/field/plans", json={"name": "消火栓日巡", "grid_id": world.grids["water"], "rrule": "FREQ=DAILY", "kinds": ["hydrant"]}, headers=headers).status_code == 201
    client.post("/api/v1/field/generate", json={"days": 0}, headers=headers)
    headers = as_user(client, "w_rep")
    task = client.get("/api/v1/field/tasks", params={"mine": True}).json()[0]
    stop = task["stops"][0]["id"]
    url = f"/api/v1/field/stops/{stop}/check-in"
    for field, value, reason in (("made_at", "yesterday", "expected a time"), ("made_at", "2026-11-24T08:10:00", "offset"), ("phone_time", "2026-11-24T08:10", "offset"), ("submission", "a b", "letters")):
        bad = client.post(url, data={**H1, field: value}, headers=headers)
        assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json"), bad.text
        assert bad.json()["errors"][0]["field"] == field and reason in bad.json()["errors"][0]["reason"]
    made = "2026-11-24T08:10:00+08:00"
    first = client.post(url, data={**H1, "made_at": made}, headers={**headers, "Idempotency-Key": "api-check-in-1"})
    assert first.status_code == 200, first.text
    assert first.json()["checked_at"].startswith("2026-11-24T00:10:00") and first.json()["sent_at"].startswith("2026-11-24T01:00:00")
    again = client.post(url, data={**H1, "made_at": made, "note": "resent"}, headers={**headers, "Idempotency-Key": "api-check-in-1"})
    assert again.json() == first.json()

    page = client.post(
        f"/field/stops/{stop}/finding", data={"csrf_token": headers["X-CSRF-Token"], "kind": "hydrant_blocked", "note": "圈占", "made_at": "2026-11-24T00:25:00Z", "phone_time": "2026-11-24T01:00:00Z", "submission": "page-find-0001"},
    )
    assert page.status_code == 303 and "msg=order" in page.headers["location"]
    today = client.get("/field/today").text
    assert "08:25 发现" in today and "已上传 11-24 09:00" in today and 'data-offline="发现的问题 H1"' in today and "/static/js/offline.js" in today
    refused = client.post(f"/field/stops/{stop}/finding", data={"csrf_token": headers["X-CSRF-Token"], "kind": "hydrant_blocked", "made_at": "soon"})
    assert refused.status_code == 303 and "error=" in refused.headers["location"] and "made_at" in refused.headers["location"]
    worker = client.get("/field/sw.js")
    assert worker.status_code == 200 and worker.headers["content-type"].startswith("text/javascript") and "networkFirst" in worker.text


def _stakeholder_plan(world, clock):
    from gridcare.field import visits
    from gridcare.field.models import VisitPlan

    with world.db.write() as session:
        sid = visits.add_stakeholder(session, actor=world.principal("w_rep"), now=clock.now(), grid_id=world.grids["water"], kind="property_management", name="银杏物业").id
    with world.db.read() as session:
        return session.scalars(select(VisitPlan.id).where(VisitPlan.stakeholder_id == sid)).one()


def test_a_visit_kept_on_the_phone_counts_from_its_day_and_an_older_one_does_not_move_the_rhythm(world, clock):
    from gridcare.field import visits
    from gridcare.field.models import Visit, VisitPlan

    plan_id = _stakeholder_plan(world, clock)  # quarterly, due 2027-02-24
    rep = world.principal("w_rep")
    clock.advance(timedelta(days=30))  # 2026-12-24
    made = clock.now() - timedelta(days=1)
    for _ in range(2):
        with world.db.write() as session:
            visit = visits.record_visit(session, actor=rep, now=clock.now(), plan_id=plan_id, contact_met="王经理", satisfaction=4, made_at=made, submission="phone-visit-01")
            assert (visit.visited_at, visit.sent_at, visit.late) == (made, clock.now(), False)
    with world.db.read() as session:
        assert session.scalar(select(func.count()).select_from(Visit)) == 1
        assert session.get(VisitPlan, plan_id).next_due.isoformat() == "2027-03-23"  # three months from the day it was made
    with world.db.write() as session:  # one made two days ago arrives after the one made yesterday
        older = visits.record_visit(session, actor=rep, now=clock.now(), plan_id=plan_id, contact_met="李主任", satisfaction=5, made_at=made - timedelta(days=1), submission="phone-visit-00")
        assert older.late is False
    with world.db.read() as session:
        plan = session.get(VisitPlan, plan_id)
        assert (plan.next_due.isoformat(), plan.last_visit_at) == ("2027-03-23", made)


def test_a_visit_over_the_api_names_a_time_without_its_offset(client, world, clock):
    plan_id = _stakeholder_plan(world, clock)
    headers = as_user(client, "w_rep")
    url = f"/api/v1/field/visit-plans/{plan_id}/visits"
    bad = client.post(url, json={"contact_met": "王经理", "satisfaction": 4, "made_at": "2026-11-24T08:00:00"}, headers=headers)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "made_at"
    body = {"contact_met": "王经理", "satisfaction": 4, "made_at": "2026-11-24T08:00:00+08:00", "phone_time": "2026-11-24T09:00:00+08:00"}
    first = client.post(url, json=body, headers={**headers, "Idempotency-Key": "api-visit-0001"})
    assert first.status_code == 201 and first.json()["visited_at"].startswith("2026-11-24T00:00:00") and first.json()["sent_at"] is not None
    assert client.post(url, json=body, headers={**headers, "Idempotency-Key": "api-visit-0001"}).json()["id"] == first.json()["id"]
    page = client.get(f"/field/visits/{plan_id}").text
    assert 'id="offline-queue"' in page and "已上传 11-24 09:00" in page


def test_a_data_change_kept_on_the_phone_keeps_when_it_was_made_and_is_taken_once(client, world, clock):
    headers = as_user(client, "w_rep")
    form = {"csrf_token": headers["X-CSRF-Token"], "kind": "road_works", "utility": "water", "p_description": "路口开挖", "lon": "112.931", "lat": "28.121",
            "made_at": "2026-11-24T00:10:00Z", "phone_time": "2026-11-24T00:58:00Z", "submission": "page-change-001"}
    for _ in range(2):
        sent = client.post("/field/changes", data=form)
        assert sent.status_code == 303 and "msg=submitted" in sent.headers["location"]
    rows = client.get("/api/v1/field/changes").json()
    assert len(rows) == 1 and rows[0]["submitted_at"].startswith("2026-11-24T00:12:00") and rows[0]["sent_at"].startswith("2026-11-24T01:00:00")
    assert "已上传 11-24 09:00" in client.get("/field/changes").text
    again = client.post("/api/v1/field/changes", json={"kind": "road_works", "utility": "water", "payload": {"description": "又挖了"}, "lon": 112.931, "lat": 28.121, "submission": "page-change-001"}, headers=headers)
    assert again.status_code == 201 and again.json()["id"] == rows[0]["id"]  # the same id: the one already taken
    as_user(client, "rep")
    other = client.post("/api/v1/field/changes", json={"kind": "road_works", "utility": "electric", "payload": {"description": "x"}, "lon": 112.931, "lat": 28.121, "submission": "page-change-001"}, headers=as_user(client, "rep"))
    assert other.status_code == 409 and other.json()["errors"][0]["field"] == "submission"


def test_the_supervisor_sees_who_sends_records_later_and_a_rep_does_not(client, world, clock):
    _, stops = today_task(world, clock, make_plan(world, clock, kinds=["hydrant", "valve"], far_policy="flag"))
    rep = world.principal("w_rep")
    with world.db.write() as session:
        checkins.check_in(session, actor=rep, now=clock.now(), stop_id=stops["H1"], **H1, data_dir=world.data_dir, made_at=clock.now() - timedelta(hours=3), submission="phone-habit-1")
        checkins.check_in(session, actor=rep, now=clock.now(), stop_id=stops["V1"], **V1, data_dir=world.data_dir)
        checkins.check_in(session, actor=rep, now=clock.now(), stop_id=stops["V2"], **V2, data_dir=world.data_dir, made_at=clock.now() - timedelta(days=9), submission="phone-habit-2")
    as_user(client, "w_supervisor")
    found = client.get("/api/v1/field/sent-later", params={"days": 30}).json()
    assert found["team"] == {"login": None, "records": 3, "sent_later": 2, "share": 0.6667, "doubted": 1, "median_delay_hours": 3.0, "pointed_out": False}
    assert [m["login"] for m in found["makers"]] == ["w_rep"]
    assert client.get("/api/v1/field/sent-later", params={"days": 0}).status_code == 422
    page = client.get("/field").text
    assert "近 30 天离线上传" in page and 'data-rep="w_rep"' in page and "3.0 小时" in page
    as_user(client, "supervisor")  # the electric company's: the water rep is not in their scope
    assert client.get("/api/v1/field/sent-later").json()["makers"] == []
    as_user(client, "w_rep")  # a rep does not read the reps' habits
    assert client.get("/api/v1/field/sent-later").status_code == 403
    assert "sent-later" not in client.get("/field").text
