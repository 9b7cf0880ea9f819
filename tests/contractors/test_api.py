"""Contractor projects end to end over REST: plan, tell customers once, complete items,
spot checks drawn deterministically, feedback, rating, and the scorecard from known records."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from gridcare.contractors import rules
from gridcare.contractors.models import Project, ProjectItem
from tests.contractors.world import as_user, messages

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def plan(client, world, clock, headers, **extra):
    body = {
        "name": "五一片区水表更换", "kind": "meter_replacement", "contractor_id": world.units["HC"], "grid_ids": [world.grids["east"], world.grids["west"]],
        "starts_at": (clock.now() + timedelta(days=2)).isoformat(), "due_at": (clock.now() + timedelta(days=9)).isoformat(),
        "notice_text": "施工期间请留人在家。", "customers_as_items": True, "sample_min": 2, "sample_share": 0.5, "sample_seed": 42,
    } | extra
    return client.post("/api/v1/contractors/projects", json=body, headers=headers)


def test_it_plans_a_project_and_tells_its_customers_once(client, world, clock, database):
    headers = as_user(client, "supervisor")
    made = plan(client, world, clock, headers)
    assert made.status_code == 201, made.text
    project = made.json()
    assert project["status"] == "planned" and project["items"] == 3 and {g["code"] for g in project["grids"]} == {"E-EAST", "E-WEST"}
    told = client.post(f"/api/v1/contractors/projects/{project['id']}/notify", headers=headers)
    assert told.status_code == 200 and told.json() == {"customers": 3}
    sms = messages(database, "contractor_project", project["id"])
    assert len(sms) == 3 and all(m.channel == "sms" and "湘楚管网工程有限公司" in m.body and "施工期间请留人在家" in m.body for m in sms)
    assert all("进行水表/电表更换与维修。" in m.body and "Meter" not in m.body for m in sms), sms[0].body  # the work in the reader's language
    again = client.post(f"/api/v1/contractors/projects/{project['id']}/notify", headers=headers)
    assert again.status_code == 409 and again.headers["content-type"].startswith("application/problem+json")
    assert len(messages(database, "contractor_project", project["id"])) == 3


def test_it_answers_bad_input_naming_each_field_and_writes_nothing(client, world, clock, database):
    headers = as_user(client, "supervisor")
    bad = plan(client, world, clock, headers, kind="digging", contractor_id=world.units["XC-E-MKT"], due_at=clock.now().isoformat(), sample_share=2)
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"kind", "contractor_id", "due_at", "sample_share"}
    with database.read() as session:
        assert session.scalar(select(func.count(Project.id))) == 0
    assert plan(client, world, clock, as_user(client, "rep")).status_code == 403


def test_it_supervises_the_work_and_scores_the_contractor(client, world, clock, database):
    headers = as_user(client, "supervisor")
    project = plan(client, world, clock, headers, customers_as_items=False, items=[f"水箱{i}" for i in range(1, 11)]).json()
    pid = project["id"]
    items = [i["id"] for i in client.get(f"/api/v1/contractors/projects/{pid}").json()["item_list"]]
    early = client.post(f"/api/v1/contractors/projects/{pid}/items/done", json={"item_ids": items[:2]}, headers=headers)
    assert early.status_code == 422 and early.json()["errors"][0]["field"] == "project_id"
    assert client.post(f"/api/v1/contractors/projects/{pid}/commands", json={"command": "start"}, headers=headers).json()["status"] == "active"

    contractor = as_user(client, "contractor")
    assert [p["id"] for p in client.get("/api/v1/contractors/projects").json()] == [pid]
    done = client.post(f"/api/v1/contractors/projects/{pid}/items/done", json={"item_ids": items[:8], "note": "已清洗消毒"}, headers=contractor)
    assert done.json() == {"changed": 8}
    assert client.post(f"/api/v1/contractors/projects/{pid}/spot-checks", headers=contractor).status_code == 403

    rep = as_user(client, "rep")  # supervises: the project touches E-WEST
    drawn = client.post(f"/api/v1/contractors/projects/{pid}/spot-checks", headers=rep).json()
    assert len(drawn) == rules.sample_size(8, rules.SampleRule(2, 0.5)) == 4
    assert [d["item_id"] for d in drawn] == rules.draw_sample(items[:8], 4, seed=42 * 1_000_003)
    assert client.post(f"/api/v1/contractors/projects/{pid}/spot-checks", headers=rep).json() == []  # the sample is complete
    fail = client.post(f"/api/v1/contractors/projects/{pid}/spot-checks/{drawn[0]['id']}", json={"result": "fail"}, headers=rep)
    assert fail.status_code == 422 and fail.json()["errors"][0]["field"] == "evidence"
    for n, check in enumerate(drawn):
        result = {"result": "fail", "evidence": "水箱底部仍有沉积物"} if n == 0 else {"result": "pass"}
        assert client.post(f"/api/v1/contractors/projects/{pid}/spot-checks/{check['id']}", json=result, headers=rep).status_code == 200
    for score in (5, 3):
        assert client.post(f"/api/v1/contractors/projects/{pid}/feedback", json={"score": score, "comment": "施工及时"}, headers=rep).status_code == 201
    assert client.post(f"/api/v1/contractors/projects/{pid}/rating", json={"rating": 4}, headers=rep).json()["rep_rating"] == 4
    log = client.post(f"/api/v1/contractors/projects/{pid}/logs", data={"note": "现场检查施工围挡"}, files={"photo": ("site.png", PNG, "image/png")}, headers=rep)
    assert log.status_code == 201 and log.json()["photo"] is True
    photo = client.get(f"/api/v1/contractors/projects/{pid}/logs/{log.json()['id']}/photo")
    assert photo.status_code == 200 and photo.content == PNG

    card = client.get(f"/api/v1/contractors/projects/{pid}").json()["scorecard"]
    # spot checks 3/4 = 75; feedback mean 4 → 75; all 8 items done before due → 100; rating 4 → 75
    assert card["components"] == {"spot_checks": 75.0, "feedback": 75.0, "timeliness": 100.0, "rating": 75.0}
    assert card["score"] == pytest.approx(0.4 * 75 + 0.2 * 75 + 0.2 * 100 + 0.2 * 75)
    cards = client.get("/api/v1/contractors/scorecards", params={"weights": "spot_checks=1,feedback=0,timeliness=0,rating=0"}, headers=rep).json()
    assert [(c["contractor"], c["score"]) for c in cards] == [("湘楚管网工程有限公司", 75.0)]
    assert client.get("/api/v1/contractors/scorecards", params={"weights": "speed=1"}).json()["errors"][0]["field"] == "weights"

    # Completed, its score is the month's "contractor score" on the analytics board.
    from gridcare.analytics import periods, queries

    month = periods.current("month", clock.now())
    with database.read() as session:
        assert queries.field_figures(session, actor=world.principal("supervisor"), period=month)["contractor_score"] is None  # not completed yet
    assert client.post(f"/api/v1/contractors/projects/{pid}/commands", json={"command": "complete"}, headers=as_user(client, "supervisor")).json()["status"] == "completed"
    with database.read() as session:
        assert queries.field_figures(session, actor=world.principal("supervisor"), period=month)["contractor_score"] == pytest.approx(card["score"], abs=0.05)
        assert queries.field_figures(session, actor=world.principal("w_supervisor"), period=month)["contractor_score"] is None  # another company's


def test_it_tells_customers_from_the_job_a_day_before_the_work(client, world, clock, database):
    from gridcare.contractors import service

    headers = as_user(client, "supervisor")
    project = plan(client, world, clock, headers).json()
    with database.write() as session:
        assert service.tell_due(session, now=clock.now()) == 0  # starts in two days
        assert service.tell_due(session, now=clock.now() + timedelta(days=1, minutes=1)) == 3
        assert service.tell_due(session, now=clock.now() + timedelta(days=1, minutes=2)) == 0
    assert len(messages(database, "contractor_project", project["id"])) == 3


def test_it_marks_at_most_a_projects_item_cap_done_at_once(client, world, clock, database):
    headers = as_user(client, "supervisor")
    project = plan(client, world, clock, headers, customers_as_items=False, items=[f"水表{i}" for i in range(20_000)]).json()
    pid = project["id"]
    client.post(f"/api/v1/contractors/projects/{pid}/commands", json={"command": "start"}, headers=headers)
    with database.read() as session:
        items = list(session.scalars(select(ProjectItem.id).where(ProjectItem.project_id == pid).order_by(ProjectItem.id)))
    assert len(items) == 20_000
    for item_ids in ([*items, max(items) + 1], list(range(1, 70_001))):  # the second, in one IN, passed PostgreSQL's 65,535 parameters
        refused = client.post(f"/api/v1/contractors/projects/{pid}/items/done", json={"item_ids": item_ids}, headers=headers)
        assert refused.status_code == 422 and refused.json()["errors"] == [{"field": "item_ids", "reason": "at most 20000 items"}], refused.text[:300]
    done = client.post(f"/api/v1/contractors/projects/{pid}/items/done", json={"item_ids": items}, headers=headers)
    assert done.status_code == 200 and done.json() == {"changed": 20_000}


def test_it_reads_the_items_to_mark_in_chunks(client, world, clock, database, monkeypatch):
    from gridcare.contractors import service

    monkeypatch.setattr(service, "IN_CHUNK", 3)
    headers = as_user(client, "supervisor")
    pid = plan(client, world, clock, headers, customers_as_items=False, items=[f"水箱{i}" for i in range(1, 11)]).json()["id"]
    client.post(f"/api/v1/contractors/projects/{pid}/commands", json={"command": "start"}, headers=headers)
    items = [i["id"] for i in client.get(f"/api/v1/contractors/projects/{pid}").json()["item_list"]]
    stranger = client.post(f"/api/v1/contractors/projects/{pid}/items/done", json={"item_ids": [*items[:7], max(items) + 1]}, headers=headers)
    assert stranger.status_code == 422 and stranger.json()["errors"][0]["reason"] == f"not items of this project: {max(items) + 1}"
    assert client.post(f"/api/v1/contractors/projects/{pid}/items/done", json={"item_ids": items[:8]}, headers=headers).json() == {"changed": 8}
