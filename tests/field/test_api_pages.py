"""REST and pages: plans, tasks, check-ins and findings over HTTP, problem+json naming the
field, data changes submitted and reviewed from the pages, every page in both languages."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import unquote

import pytest

from gridcare.auth import service as auth
from gridcare.core.principal import system_principal
from tests.field.conftest import PNG, as_user


def test_a_patrol_runs_end_to_end_over_the_api(client, world):
    headers = as_user(client, "w_supervisor")
    bad = client.post("/api/v1/field/plans", json={"name": "x", "grid_id": world.grids["water"], "rrule": "daily please", "kinds": ["hydrant"]}, headers=headers)
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")
    assert [p["field"] for p in bad.json()["errors"]] == ["rrule"] if "errors" in bad.json() else "rrule" in bad.json()["detail"]
    made = client.post("/api/v1/field/plans", json={"name": "消火栓日巡", "grid_id": world.grids["water"], "rrule": "FREQ=DAILY", "kinds": ["hydrant"]}, headers=headers)
    assert made.status_code == 201, made.text
    assert client.post("/api/v1/field/generate", json={"days": 2}, headers=headers).json() == {"created": 3}
    assert client.post("/api/v1/field/generate", json={"days": 2}, headers=headers).json() == {"created": 0}

    headers = as_user(client, "w_rep")
    tasks = client.get("/api/v1/field/tasks", params={"mine": True}).json()
    assert len(tasks) == 1 and tasks[0]["stops"][0]["asset_code"] == "H1"
    stop = tasks[0]["stops"][0]
    assert "Hydrant visible and not buried" in stop["checklist_items"]
    checked = client.post(
        f"/api/v1/field/stops/{stop['id']}/check-in", data={"lon": "112.9311", "lat": "28.1210", "checklist": json.dumps({"No leak": True})},
        files=[("photos", ("h1.png", PNG, "image/png"))], headers=headers,
    )
    assert checked.status_code == 200, checked.text
    assert checked.json()["status"] == "checked" and checked.json()["checklist"]["No leak"] is True and len(checked.json()["photos"]) == 1
    found = client.post(f"/api/v1/field/stops/{stop['id']}/findings", data={"kind": "hydrant_blocked", "note": "被埋压"}, files={"photo": ("x.png", PNG, "image/png")}, headers=headers)
    assert found.status_code == 201, found.text
    order = client.get(f"/api/v1/work-orders/{found.json()['order_id']}").json()
    assert order["channel"] == "patrol" and order["number"] == found.json()["order_number"]
    bad_kind = client.post(f"/api/v1/field/stops/{stop['id']}/findings", data={"kind": "ufo"}, headers=headers)
    assert bad_kind.status_code == 422 and "kind" in bad_kind.text

    photo = client.get(f"/api/v1/field/stops/{stop['id']}/photos/0")
    assert (photo.status_code, photo.headers["content-type"], photo.content) == (200, "image/png", PNG)
    assert client.get(f"/api/v1/field/stops/{stop['id']}/photos/1").status_code == 404
    page = as_user(client, "w_supervisor") and client.get(f"/field/tasks/{tasks[0]['id']}")
    assert page.status_code == 200 and "五一路消火栓" in page.text and f"/api/v1/field/stops/{stop['id']}/photos/0" in page.text
    as_user(client, "rep")  # an electric rep: the water patrol is not in their scope
    assert client.get(f"/api/v1/field/stops/{stop['id']}/photos/0").status_code == 404


def test_a_rep_submits_a_change_on_the_page_and_the_supervisor_approves_it(client, world):
    from tests.field.conftest import customer_id

    cid = customer_id(world.db, "E001")
    headers = as_user(client, "rep")
    sent = client.post("/field/changes", data={"csrf_token": headers["X-CSRF-Token"], "kind": "shop_transfer", "utility": "electric", "customer_id": str(cid), "p_name": "新开便利店"})
    assert sent.status_code == 303 and "msg=submitted" in sent.headers["location"]
    missing = client.post("/field/changes", data={"csrf_token": headers["X-CSRF-Token"], "kind": "shop_transfer", "utility": "electric", "p_name": "x"})
    assert "error=customer_id" in missing.headers["location"]
    headers = as_user(client, "supervisor")
    page = client.get("/field/changes")
    assert "新开便利店" in page.text and 'value="approve"' in page.text
    change_id = client.get("/api/v1/field/changes").json()[0]["id"]
    rejected = client.post(f"/field/changes/{change_id}/review", data={"csrf_token": headers["X-CSRF-Token"], "decision": "reject"})
    assert "error=reason" in rejected.headers["location"]
    approved = client.post(f"/field/changes/{change_id}/review", data={"csrf_token": headers["X-CSRF-Token"], "decision": "approve"})
    assert "msg=approved" in approved.headers["location"]
    assert client.get(f"/api/v1/customers/{cid}").json()["name"] == "新开便利店"


def test_a_visit_is_recorded_from_its_page(client, world):
    headers = as_user(client, "w_rep")
    made = client.post("/api/v1/field/stakeholders", json={"grid_id": world.grids["water"], "kind": "village_head", "name": "张村长"}, headers=headers)
    assert made.status_code == 201
    plan = client.get("/api/v1/field/visit-plans", params={"mine": True}).json()[0]
    assert (plan["title"], plan["state"]) == ("张村长", "upcoming")
    bad = client.post(f"/field/visits/{plan['id']}", data={"csrf_token": headers["X-CSRF-Token"], "contact_met": "", "satisfaction": "5"})
    assert "error=contact_met" in bad.headers["location"]
    ok = client.post(f"/field/visits/{plan['id']}", data={"csrf_token": headers["X-CSRF-Token"], "contact_met": "张村长", "satisfaction": "4", "issues": "村口水压低"})
    assert "msg=recorded" in ok.headers["location"]
    visits = client.get(f"/api/v1/field/visit-plans/{plan['id']}/visits").json()
    assert [(v["contact_met"], v["satisfaction"]) for v in visits] == [("张村长", 4)]


@pytest.mark.parametrize("locale,word", [("zh_CN", "巡视计划"), ("en", "Patrol plans")])
def test_every_field_page_renders_in_both_languages(client, world, locale, word):
    headers = as_user(client, "w_supervisor")
    client.post("/settings/locale", data={"csrf_token": headers["X-CSRF-Token"], "locale": locale, "next": "/"})
    client.post("/api/v1/field/plans", json={"name": "阀门巡视", "grid_id": world.grids["water"], "rrule": "FREQ=DAILY", "kinds": ["valve"]}, headers=headers)
    client.post("/api/v1/field/generate", json={"days": 0}, headers=headers)
    overview = client.get("/field")
    assert overview.status_code == 200 and word in overview.text and "阀门巡视" in overview.text
    for path in ("/field/today", "/field/plans/new", "/field/plans/1", "/field/tasks/1", "/field/visits", "/field/stakeholders", "/field/changes", "/field/settings"):
        assert client.get(path).status_code == 200, path


def test_a_supervisor_edits_a_checklist_and_routes_a_finding_from_the_settings_page(client, world):
    headers = as_user(client, "w_supervisor")
    saved = client.post("/field/settings/checklist", data={"csrf_token": headers["X-CSRF-Token"], "kind": "hydrant", "items": "出水口完好\n\n周边无占压\n"})
    assert "msg=saved" in saved.headers["location"]
    assert client.get("/api/v1/field/checklists").json()["hydrant"] == ["出水口完好", "周边无占压"]
    empty = client.post("/field/settings/checklist", data={"csrf_token": headers["X-CSRF-Token"], "kind": "hydrant", "items": "\n"})
    assert "error=items" in empty.headers["location"]
    outside = client.post("/field/settings/route", data={"csrf_token": headers["X-CSRF-Token"], "kind": "leak", "org_unit_id": str(world.units["HC"])})
    assert "error=org_unit_id" in outside.headers["location"]  # the contractor company is outside the water company
    other = client.post("/field/settings/route", data={"csrf_token": headers["X-CSRF-Token"], "kind": "line_clearance", "org_unit_id": str(world.units["XC-W-NET"])})
    assert "此发现属于 供电" in unquote(other.headers["location"])  # the supervisor reads the utility by its label
    with world.db.write() as session:
        repairs = auth.create_org_unit(session, actor=system_principal("test"), now=datetime.now(UTC), code="XC-W-OPS", name="抢修所", kind="department", utility="water", parent_id=world.units["XC-W"]).id
    routed = client.post("/field/settings/route", data={"csrf_token": headers["X-CSRF-Token"], "kind": "leak", "org_unit_id": str(repairs)})
    assert "msg=saved" in routed.headers["location"]
    kinds = {k["code"]: k["department_id"] for k in client.get("/api/v1/field/finding-kinds").json()}
    assert kinds["leak"] == repairs and kinds["valve_covered"] == world.units["XC-W-NET"]
    headers = as_user(client, "w_rep")
    refused = client.post("/field/settings/route", data={"csrf_token": headers["X-CSRF-Token"], "kind": "leak", "org_unit_id": str(world.units["XC-W-NET"])})
    assert "角色“台区经理/网格经理”无权管理现场工作" in unquote(refused.headers["location"])
