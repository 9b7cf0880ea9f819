"""REST and pages: problem+json naming the field, the list with ``?status=predicted``,
detail with devices and counts by grid, the call list, and every page in both languages."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from gridcare.outages import service
from gridcare.outages.models import Outage
from tests.support.demo_client import as_user


def test_it_creates_lists_and_shows_an_outage_with_devices_and_counts_by_grid(client, world, clock):
    headers = as_user(client, "supervisor")
    made = client.post("/api/v1/outages", json={"kind": "unplanned", "devices": ["F1"], "cause": "线路跳闸", "eta": (clock.now() + timedelta(hours=2)).isoformat()}, headers=headers)
    assert made.status_code == 201, made.text
    body = made.json()
    assert [d["code"] for d in body["devices"]] == ["F1"] and body["customers"] == 3 and body["key_customers"] == 2 and body["status"] == "active"
    assert {g["code"]: g["customers"] for g in body["by_grid"]} == {"E-EAST": 2, "E-WEST": 1}
    assert body["notices"].get("queued", 0) >= 3 and "restore" in body["commands"]
    listed = client.get("/api/v1/outages").json()
    assert [o["number"] for o in listed] == [body["number"]]
    assert client.get("/api/v1/outages", params={"status": "predicted"}).json() == []
    calls = client.get(f"/api/v1/outages/{body['id']}/calls").json()
    assert sorted(t["name"] for t in calls) == ["李强", "长沙市第一中学"] and {t["state"] for t in calls} == {"pending"}
    done = client.post(f"/api/v1/outages/{body['id']}/calls", json={"task_id": calls[0]["id"], "state": "reached", "note": "已告知"}, headers=headers)
    assert done.status_code == 200 and done.json()["done_by"] == "supervisor"
    customers = client.get(f"/api/v1/outages/{body['id']}/customers", params={"limit": 2}).json()
    assert customers["total"] == 3 and [c["priority"] for c in customers["customers"]] == [True, True]
    restored = client.post(f"/api/v1/outages/{body['id']}/restore", json={"devices": None}, headers=headers)
    assert restored.status_code == 200 and restored.json()["status"] == "restored" and restored.json()["still_off"] == 0


def test_it_lists_predicted_outages_from_triage(client, world, database, clock):
    with database.write() as session:
        service.predict(session, now=clock.now(), utility="electric", device="SW1")
    as_user(client, "agent")
    found = client.get("/api/v1/outages", params={"status": "predicted"}).json()
    assert [(o["status"], [d["code"] for d in o["devices"]]) for o in found] == [("predicted", ["SW1"])]


def test_it_answers_bad_input_with_problem_json_naming_the_field_and_writes_nothing(client, world, database, clock):
    headers = as_user(client, "supervisor")
    bad = client.post(
        "/api/v1/outages",
        json={"kind": "planned", "devices": ["XX9"], "starts_at": (clock.now() + timedelta(days=1)).isoformat(), "ends_at": clock.now().isoformat()},
        headers=headers,
    )
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")
    assert {e["field"] for e in bad.json()["errors"]} == {"devices[0]", "ends_at"}
    drawn = client.post("/api/v1/outages", json={"kind": "unplanned", "polygon": {"type": "Point", "coordinates": [1, 2]}}, headers=headers)
    assert drawn.status_code == 422 and drawn.json()["errors"][0]["field"] == "polygon"
    assert client.get("/api/v1/outages", params={"status": "broken"}).json()["errors"][0]["field"] == "status"
    with database.read() as session:
        assert session.scalar(select(func.count(Outage.id))) == 0
    as_user(client, "agent")
    assert client.post("/api/v1/outages", json={"kind": "unplanned", "devices": ["T1"]}, headers=as_user(client, "agent")).status_code == 403


def test_it_renders_the_pages_in_chinese_and_english(client, world, database, clock):
    with database.write() as session:
        active = service.create_outage(session, actor=world.principal("admin"), now=clock.now(), utility="electric", kind="unplanned", devices=["SW1"], area="五一大道东段")
        service.create_outage(session, actor=world.principal("admin"), now=clock.now(), utility="electric", kind="planned", devices=["T1"], area="五一大道西段",
                              starts_at=clock.now() + timedelta(days=3), ends_at=clock.now() + timedelta(days=3, hours=6), reason="配变增容")
        oid = active.id
    headers = as_user(client, "supervisor")
    page = client.get("/outages").text
    assert "五一大道东段" in page and "停电停水" in page, page[-3000:]
    assert 'id="outage-map"' in page and "status-active" in page
    detail = client.get(f"/outages/{oid}").text
    assert "长沙市第一中学" in detail and "李强" in detail and 'value="reached"' in detail
    cal = client.get("/outages/calendar", params={"month": "2026-11"}).text
    assert 'data-day="2026-11-27"' in cal and "五一大道西段" in cal.split('data-day="2026-11-27"')[1].split("</td>")[0]
    # A month it cannot read: this month's calendar, saying why.
    bad = client.get("/outages/calendar", params={"month": "11/2026"})
    assert bad.status_code == 303 and bad.headers["location"] == "/outages/calendar"
    assert "已忽略此筛选条件：month：" in client.get("/outages/calendar").text
    assert "<form" in client.get("/outages/new").text
    made = client.post("/outages/new", data={"csrf_token": headers["X-CSRF-Token"], "kind": "unplanned", "utility": "electric", "devices": "NOPE"})
    assert made.status_code == 422 and "devices[0]" in made.text
    made = client.post("/outages/new", data={"csrf_token": headers["X-CSRF-Token"], "kind": "unplanned", "utility": "electric", "devices": "T1", "area": "西配变台区"})
    assert made.status_code == 303
    task_page = client.get(f"/outages/{oid}")
    assert task_page.status_code == 200
    client.post("/settings/locale", data={"csrf_token": headers["X-CSRF-Token"], "locale": "en", "next": "/outages"})
    english = client.get("/outages").text
    assert "Open outages" in english and "Planned-outage calendar" in english
