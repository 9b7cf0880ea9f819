"""A company hotline's targets, set once: the forecast, the shift plan and the roster are held
to them unless a reader asks otherwise, on both databases."""

from __future__ import annotations

from sqlalchemy import text

from gridcare.calls import staffing
from tests.calls.test_stats import call
from tests.support import org as demo_org
from tests.support.web import sign_in


def _as(client, login):
    client.cookies.clear()
    return {"X-CSRF-Token": sign_in(client, login, demo_org.PASSWORD)[1]}


def test_the_companys_targets_hold_where_a_reader_asks_nothing(pbx, client, org):
    for n in range(6):  # last Tuesday at 09:00: six calls of three minutes
        call(pbx, f"t{n}", at=-7 * 86400 + 500 * n, wait=5, talk=180)
    h = _as(client, "supervisor")
    assert client.get("/api/v1/calls/targets").json() == {"company": "XC-E"} | staffing.DEFAULTS | {"shift_hours": 8, "workdays": 5, "starts": ""}
    saved = client.put("/api/v1/calls/targets", json={"service_level": 95, "target_seconds": 15, "starts": "8 16 0"}, headers=h)
    assert saved.status_code == 200 and saved.json()["starts"] == "0, 8, 16" and saved.json()["weeks"] == 4
    strict = staffing.rostered(staffing.agents_needed(6, 180, level=0.95, target_seconds=15))
    forecast = client.get("/api/v1/calls/staffing").json()
    assert (forecast["service_level"], forecast["target_seconds"]) == (95, 15) and forecast["slots"][24 + 9]["rostered"] == strict
    assert client.get("/api/v1/calls/staffing", params={"service_level": 80}).json()["service_level"] == 80  # asked otherwise
    plan = client.get("/api/v1/calls/staffing/shifts").json()
    assert plan["starts"] == [0, 8, 16] and plan["service_level"] == 95
    assert client.get("/api/v1/calls/staffing/shifts", params={"starts": ""}).json()["starts"] == list(range(24))
    week = client.get("/api/v1/calls/roster", params={"week": "2026-11-30"}).json()
    assert week["forecast"]["service_level"] == 95 and week["hours"][24 + 9]["needed"] == strict
    filled = client.post("/api/v1/calls/roster/generate", json={"week": "2026-11-30"}, headers=h).json()
    starts = [s["starts_at"] for a in client.get("/api/v1/calls/roster", params={"week": "2026-11-30"}).json()["agents"] for s in a["shifts"]]
    assert filled["placed"] == len(starts) > 0 and {s[11:16] for s in starts} <= {"00:00", "08:00", "16:00"}  # 8:00, 16:00, 0:00 Shanghai in UTC
    # The pages say the company's targets and carry only what differs from them.
    page = client.get("/calls/staffing").text
    assert "公司服务目标：95% 的来电在 15 秒内接通" in page and 'href="/calls/roster?"' in page and "/calls/staffing/targets" not in page
    other = client.get("/calls/staffing", params={"service_level": 90}).text
    assert "service_level=90" in other and 'action="/calls/staffing/targets"' in other
    assert "95% 的来电" in client.get("/calls/roster", params={"week": "2026-11-30"}).text
    # A bad figure is refused, named, and nothing changes; a viewer and an agent set nothing.
    bad = client.put("/api/v1/calls/targets", json={"shrinkage": 90, "workdays": 9}, headers=h)
    assert bad.status_code == 422 and [e["field"] for e in bad.json()["errors"]] == ["shrinkage", "workdays"]
    assert client.put("/api/v1/calls/targets", json={"starts": "25"}, headers=h).json()["errors"][0]["field"] == "starts"
    assert client.get("/api/v1/calls/targets").json()["shrinkage"] == 30
    for login in ("viewer", "agent"):
        hv = _as(client, login)
        assert client.put("/api/v1/calls/targets", json={"service_level": 60}, headers=hv).status_code == 403
    hw = _as(client, "w_supervisor")
    assert client.get("/api/v1/calls/targets").json() == {"company": "XC-W"} | staffing.DEFAULTS | {"shift_hours": 8, "workdays": 5, "starts": ""}
    assert client.put("/api/v1/calls/targets", json={"company": "XC-E", "service_level": 60}, headers=hw).json()["errors"][0]["field"] == "company"
    with org.db.read() as session:
        assert session.execute(text("SELECT count(*) FROM audit_entries WHERE action='hotline.targets'")).scalar() == 1


def test_the_forecast_page_makes_what_it_shows_the_targets(client, org):
    token = _as(client, "supervisor")["X-CSRF-Token"]
    form = {"weeks": "6", "target_seconds": "30", "service_level": "85", "shrinkage": "25", "shift_hours": "10", "starts": "7, 17", "workdays": "4", "company": ""}
    made = client.post("/calls/staffing/targets", data=form | {"csrf_token": token}, follow_redirects=False)
    assert made.status_code == 303 and made.headers["location"] == "/calls/staffing?done=targets"
    page = client.get(made.headers["location"]).text
    assert "已设为本公司的服务目标" in page and 'name="shift_hours" value="10"' in page and 'name="starts" value="7, 17"' in page
    refused = client.post("/calls/staffing/targets", data=form | {"service_level": "101", "csrf_token": token}, follow_redirects=False)
    shown = client.get(refused.headers["location"])
    assert shown.status_code == 422 and "service_level" in shown.text and 'name="service_level" value="101"' in shown.text
    assert client.get("/api/v1/calls/targets").json()["service_level"] == 85
    roster = client.get("/calls/roster").text
    assert 'name="shift_hours" value="10"' in roster and 'name="starts" value="7, 17"' in roster and 'name="workdays" value="4"' in roster
