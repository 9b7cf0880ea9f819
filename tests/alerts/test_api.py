"""REST and pages: list with filters, the wall's open list, detail with evidence and orders,
acknowledge / close / tag with problem+json naming the field, both languages."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from gridcare.alerts import service
from tests.alerts.conftest import take
from tests.support.demo_client import as_user


@pytest.fixture
def raised(world, database, clock):
    """A spike in E-WEST yesterday (nine repairs on T1: also repeated repairs of T1)
    and a sensitive-tag suggestion for E003 in E-EAST."""
    now = clock.now()
    for w in range(1, 9):
        take(database, at=now - timedelta(days=1, weeks=w), account="E001")
    take(database, at=now - timedelta(days=1), account="E001", n=9)
    for d in (3, 2, 1):
        take(database, at=now - timedelta(days=d), account="E003", category="complaint")
    with database.write() as session:
        service.scan(session, now=now, hourly=False)
    return now


def test_it_lists_shows_and_acknowledges_alerts_over_rest(client, raised):
    headers = as_user(client, "supervisor")
    listed = client.get("/api/v1/alerts").json()
    kinds = {a["kind"]: a for a in listed["alerts"]}
    assert listed["total"] == 3 and set(kinds) == {"spike", "sensitive", "repeat_repairs"}
    assert [a["kind"] for a in client.get("/api/v1/alerts", params={"kind": "sensitive"}).json()["alerts"]] == ["sensitive"]
    assert client.get("/api/v1/alerts", params={"grid": "E-EAST"}).json()["total"] == 1
    wall = client.get("/api/v1/alerts/open").json()
    assert {a["kind"] for a in wall} == {"spike", "sensitive", "repeat_repairs"} and set(wall[0]) == {"id", "kind", "grid_code", "category", "title", "severity", "raised_at", "evidence"}
    spike = client.get(f"/api/v1/alerts/{kinds['spike']['id']}").json()
    assert spike["observed"] == 9 and spike["evidence"]["history"] == [1] * 8 and len(spike["orders"]) == 9
    bad = client.post(f"/api/v1/alerts/{spike['id']}/acknowledge", json={"note": ""}, headers=headers)
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json") and "note" in bad.json()["detail"]
    done = client.post(f"/api/v1/alerts/{spike['id']}/acknowledge", json={"note": "已安排巡视"}, headers=headers)
    assert done.status_code == 200 and done.json()["status"] == "acknowledged" and done.json()["acknowledged_by"] == "supervisor"
    assert client.get("/api/v1/alerts", params={"status": "open"}).json()["total"] == 2
    tagged = client.post(f"/api/v1/alerts/{kinds['sensitive']['id']}/apply-tag", headers=headers)
    assert tagged.status_code == 200 and tagged.json()["status"] == "closed"
    wrong = client.post(f"/api/v1/alerts/{spike['id']}/apply-tag", headers=headers)
    assert wrong.status_code == 422 and "alert_id" in wrong.json()["detail"]
    assert client.get("/api/v1/alerts", params={"status": "nope"}).status_code == 422


def test_it_lets_only_supervisors_act_and_reps_see_their_grids(client, raised):
    headers = as_user(client, "rep")
    listed = client.get("/api/v1/alerts").json()
    assert {a["grid_code"] for a in listed["alerts"]} == {"E-WEST"} and listed["total"] == 2
    assert client.post(f"/api/v1/alerts/{listed['alerts'][0]['id']}/acknowledge", json={"note": "x"}, headers=headers).status_code == 403
    assert client.post("/api/v1/alerts/scan", json={}, headers=headers).status_code == 403


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_it_renders_the_pages_and_their_forms(client, raised, locale):
    headers = as_user(client, "supervisor")
    client.post("/settings/locale", data={"csrf_token": headers["X-CSRF-Token"], "locale": locale, "next": "/alerts"})
    page = client.get("/alerts")
    assert page.status_code == 200
    assert ("预警" in page.text) if locale == "zh_CN" else ("Alerts" in page.text and "Unusual volume" in page.text)
    ids = [int(x) for x in re.findall(r'data-alert="(\d+)"', page.text)]
    assert len(ids) == 3
    for alert_id in ids:
        detail = client.get(f"/alerts/{alert_id}")
        assert detail.status_code == 200 and "/orders/" in detail.text
    spike = next(i for i in ids if 'id="alert-chart"' in client.get(f"/alerts/{i}").text)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get(f"/alerts/{spike}").text).group(1)
    empty = client.post(f"/alerts/{spike}/do", data={"action": "acknowledge", "note": "", "csrf_token": token})
    assert empty.status_code == 303 and "error=note" in empty.headers["location"]
    done = client.post(f"/alerts/{spike}/do", data={"action": "acknowledge", "note": "已安排巡视", "csrf_token": token})
    assert done.status_code == 303 and "已安排巡视" in client.get(f"/alerts/{spike}").text
    assert client.get("/alerts", params={"status": "acknowledged"}).text.count("data-alert=") == 1


@pytest.mark.parametrize(("locale", "device", "severity"), [("zh_CN", "设备 ", "警告"), ("en", "Device ", "Warning")])
def test_the_wall_shows_open_alerts_in_its_readers_language_and_links_them(client, raised, locale, device, severity):
    headers = as_user(client, "agent")
    client.post("/settings/locale", data={"csrf_token": headers["X-CSRF-Token"], "locale": locale, "next": "/"})
    tiles = client.get("/analytics/wall/tiles").text
    rows = re.search(r'id="wall-alerts">(.*?)</table>', tiles, re.DOTALL).group(1)
    assert device in rows and f">{severity}<" in rows and ">warning<" not in rows
    assert ("设备" in rows) is (locale == "zh_CN")  # the stored title is Chinese; English readers get theirs
    ids = {a["id"] for a in client.get("/api/v1/alerts/open").json()}
    assert set(map(int, re.findall(r'href="/alerts/(\d+)"', rows))) == ids and len(ids) == 3
    for alert_id in ids:  # the agent may open what the wall links to
        assert client.get(f"/alerts/{alert_id}").status_code == 200


def test_it_scans_on_request_reading_a_bare_time_as_local(client, raised):
    headers = as_user(client, "supervisor")
    scanned = client.post("/api/v1/alerts/scan", json={"since": "2026-11-23T00:00", "daily": False, "rules": False}, headers=headers)
    assert scanned.status_code == 200 and scanned.json()["raised"] == 1 and scanned.json()["cells"] > 0
    hourly = [a for a in client.get("/api/v1/alerts", params={"kind": "spike"}).json()["alerts"] if a["evidence"]["hour"] is not None]
    assert [(a["grid_code"], a["evidence"]["hour"], a["observed"]) for a in hourly] == [("E-WEST", 9, 9)]
    late = client.post("/api/v1/alerts/scan", json={"since": "2030-01-01T00:00"}, headers=headers)
    assert late.status_code == 422 and "since" in late.json()["detail"]
    # A scan from year 1 would judge millions of hourly cells and hold a web worker for hours.
    ancient = client.post("/api/v1/alerts/scan", json={"since": "0001-01-01T00:00:00+08:00"}, headers=headers)
    assert ancient.status_code == 422 and ancient.json()["errors"] == [{"field": "since", "reason": "must be within the last 92 days"}]
    in_chinese = client.post("/api/v1/alerts/scan", json={"since": "2020-01-01T00:00"}, headers={**headers, "Accept-Language": "zh-CN"})
    assert in_chinese.json()["errors"] == [{"field": "since", "reason": "必须在最近 92 天之内"}]
