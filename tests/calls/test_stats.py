"""Call statistics on known calls, through the REST API on both databases."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.calls.conftest import make_pbx_token
from tests.support import org as demo_org
from tests.support.web import sign_in


def call(pbx, call_id: str, *, at: float, wait: float | None, talk: float | None = None, ext: str = "8001", queue: str = "general", callee: str = "95598", direction: str = "") -> None:
    """A call that rang at ``at`` seconds after 09:00; answered after ``wait`` and ended after
    ``talk`` more seconds; ``talk`` None with a wait: abandoned after the wait; both None: ringing."""
    pbx.post("ringing", call_id, after=at, caller="13812345678", callee=callee, queue=queue, agent_extension=ext if talk is not None else "", direction=direction)
    if talk is not None:
        pbx.post("answered", call_id, after=at + wait, agent_extension=ext)
        pbx.post("ended", call_id, after=at + wait + talk)
    elif wait is not None:
        pbx.post("ended", call_id, after=at + wait)


@pytest.fixture
def known_calls(pbx, client, org, clock):
    supervisor = make_pbx_token(org, clock, login="stats-sup", role="supervisor")
    line = client.post("/api/v1/calls/lines", json={"number": "0731-8488 1234", "name": "五一供电所抢修", "org_unit_id": org.units["XC-E-FR-WY"]}, headers={"Authorization": f"Bearer {supervisor}"}).json()
    call(pbx, "a1", at=0, wait=5, talk=60)
    call(pbx, "a2", at=600, wait=15, talk=120)
    call(pbx, "a3", at=1200, wait=30, talk=180, queue="expert")
    call(pbx, "ab", at=1800, wait=40)  # abandoned in the queue
    call(pbx, "l1", at=5 * 3600, wait=10, talk=300, ext="8002", queue="repair", callee="84881234")  # 14:00, local repair line
    call(pbx, "rg", at=5 * 3600 + 60, wait=None)  # still ringing
    call(pbx, "out", at=7200, wait=3, talk=50, direction="outbound")  # a callback: not offered
    call(pbx, "old", at=-8 * 86400, wait=2, talk=30)  # the week before
    # Two callers rate their call in the IVR; the callback's rating is no inbound call's.
    for call_id, after, score in (("a1", 100, 5), ("a2", 800, 3), ("out", 7300, 1)):
        pbx.post("survey", call_id, after=after, score=score)
    return {"supervisor": supervisor, "line": line}


def test_it_computes_the_figures_of_a_day(client, known_calls):
    auth = {"Authorization": f"Bearer {known_calls['supervisor']}"}
    out = client.get("/api/v1/calls/stats", params={"from": "2026-11-24", "to": "2026-11-24"}, headers=auth).json()
    assert out["total"] == {
        "offered": 5, "answered": 4, "abandoned": 1, "in_progress": 1, "answer_rate": 0.8, "abandon_rate": 0.2,
        "asa_seconds": 15.0, "aht_seconds": 165.0, "service_level": 0.6, "rated": 2, "rating": 4.0, "resolved": 0, "resolution_rate": 0.0,
    }
    hours = {r["hour"]: r for r in out["rows"] if r["offered"] or r["in_progress"]}
    assert set(hours) == {9, 14} and len(out["rows"]) == 24
    assert (hours[9]["offered"], hours[9]["answered"], hours[9]["abandoned"], hours[9]["asa_seconds"]) == (4, 3, 1, 16.7)
    assert (hours[14]["answered"], hours[14]["in_progress"], hours[14]["aht_seconds"]) == (1, 1, 300.0)


def test_it_breaks_the_figures_down_by_line_queue_and_agent(client, known_calls, org):
    auth = {"Authorization": f"Bearer {known_calls['supervisor']}"}

    def rows(group: str) -> list[dict]:
        return client.get("/api/v1/calls/stats", params={"from": "2026-11-24", "to": "2026-11-24", "group": group}, headers=auth).json()["rows"]

    lines = {r["name"]: (r["offered"], r["answered"], r["in_progress"]) for r in rows("line")}
    assert lines == {"hotline": (4, 3, 1), "五一供电所抢修": (1, 1, 0)}
    queues = {r["queue"]: r["offered"] for r in rows("queue")}
    assert queues == {"general": 3, "expert": 1, "repair": 1}
    agents = {r["name"]: (r["answered"], r["aht_seconds"]) for r in rows("agent")}
    assert agents == {"李座席": (3, 120.0), "王座席": (1, 300.0), "—": (0, None)}
    days = rows("day")
    assert [d["day"] for d in days] == ["2026-11-24"]


def test_it_refuses_a_bad_period_or_group_naming_the_field(client, known_calls):
    auth = {"Authorization": f"Bearer {known_calls['supervisor']}"}
    assert client.get("/api/v1/calls/stats", params={"from": "yesterday"}, headers=auth).json()["errors"][0]["field"] == "from"
    assert client.get("/api/v1/calls/stats", params={"from": "2026-11-24", "to": "2026-11-20"}, headers=auth).json()["errors"][0]["field"] == "to"
    assert client.get("/api/v1/calls/stats", params={"group": "weather"}, headers=auth).json()["errors"][0]["field"] == "group"


def test_it_shows_the_figures_and_agent_status_on_the_statistics_page(client, known_calls):
    sign_in(client, "supervisor", demo_org.PASSWORD)
    page = client.get("/calls/stats", params={"from": "2026-11-24", "to": "2026-11-24"}).text
    assert 'id="kpi-answer-rate">80.0%' in page and 'id="kpi-asa">15 s' in page and 'id="kpi-aht">165 s' in page
    assert "五一供电所抢修" in page and "李座席" in page and 'id="stats-data"' in page
    assert "/static/vendor/echarts/echarts.min.js" in page


def test_it_keeps_the_water_companys_calls_from_the_electric_supervisor(client, known_calls, org, clock):
    water_pbx = make_pbx_token(org, clock, login="water-pbx", unit="XC-W")
    client.post("/api/v1/calls/events", json={"call_id": "w1", "event": "ringing", "caller": "13812345678"}, headers={"Authorization": f"Bearer {water_pbx}"})
    client.post("/api/v1/calls/events", json={"call_id": "w1", "event": "ended", "timestamp": clock.now().isoformat()}, headers={"Authorization": f"Bearer {water_pbx}"})
    electric = client.get("/api/v1/calls/stats", params={"from": "2026-11-24"}, headers={"Authorization": f"Bearer {known_calls['supervisor']}"}).json()
    assert electric["total"]["abandoned"] == 1  # only its own


def test_the_staffing_forecast_reads_the_weeks_before_today_and_names_a_bad_figure(pbx, client, org):
    from gridcare.calls import staffing

    # Last Tuesday (today is Tuesday 2026-11-24) at 09:00: five calls of three minutes for two agents, one abandoned.
    for n in range(5):
        call(pbx, f"t{n}", at=-7 * 86400 + 600 * n, wait=5, talk=180, ext="8001" if n % 2 else "8002")
    call(pbx, "tab", at=-7 * 86400 + 3000, wait=30)
    call(pbx, "today", at=0, wait=5, talk=60)  # today's calls wait for tomorrow's forecast
    client.cookies.clear()
    sign_in(client, "supervisor", demo_org.PASSWORD)
    found = client.get("/api/v1/calls/staffing", params={"weeks": 1}).json()
    assert (found["weeks"], found["target_seconds"], found["service_level"], found["shrinkage"]) == (1, 20, 80, 30)
    tuesday_nine = found["slots"][24 + 9]
    assert (tuesday_nine["weekday"], tuesday_nine["hour"], tuesday_nine["calls"], tuesday_nine["aht_seconds"], tuesday_nine["seen"]) == (1, 9, 6.0, 180.0, 2.0)
    needed = staffing.agents_needed(6, 180)
    assert (tuesday_nine["needed"], tuesday_nine["rostered"]) == (needed, staffing.rostered(needed))
    assert (tuesday_nine["met"], tuesday_nine["short"]) == (5 / 6, False)  # five answered in 5 s, one abandoned
    assert sum(s["calls"] for s in found["slots"]) == 6.0
    # Four weeks asked, one week of calls held: averaged over the days since the first call.
    assert client.get("/api/v1/calls/staffing", params={"weeks": 4}).json()["slots"][24 + 9] == tuesday_nine
    stricter = client.get("/api/v1/calls/staffing", params={"weeks": 1, "target_seconds": 5, "service_level": 95}).json()["slots"][24 + 9]
    assert stricter["needed"] == staffing.agents_needed(6, 180, target_seconds=5, level=0.95) >= tuesday_nine["needed"]
    assert (stricter["met"], stricter["short"]) == (5 / 6, True)  # answered within 5 s, but 95 % was asked
    assert (found["company"], [c["code"] for c in found["companies"]]) == ("XC-E", ["XC-E"])
    # Over both companies, one hotline at a time: their agents are not one pool.
    client.cookies.clear()
    sign_in(client, "admin", demo_org.PASSWORD)
    assert client.get("/api/v1/calls/staffing", params={"weeks": 1}).json()["slots"][24 + 9] == tuesday_nine
    water = client.get("/api/v1/calls/staffing", params={"weeks": 1, "company": "XC-W"}).json()
    assert water["company"] == "XC-W" and sum(s["calls"] for s in water["slots"]) == 0
    assert '<select name="company">' in client.get("/calls/staffing").text
    assert client.get("/api/v1/calls/staffing", params={"company": "XC-X"}).json()["errors"][0]["field"] == "company"
    client.cookies.clear()
    sign_in(client, "supervisor", demo_org.PASSWORD)
    bad = client.get("/api/v1/calls/staffing", params={"weeks": 13, "shrinkage": 90})
    assert bad.status_code == 422 and {e["field"] for e in bad.json()["errors"]} == {"weeks", "shrinkage"}
    page = client.get("/calls/staffing", params={"weeks": 1})
    assert page.status_code == 200 and "话务排班预测" in page.text and "2.0 · 83%" in page.text and 'class="num short"' not in page.text
    assert client.get("/calls/staffing", params={"weeks": 1, "service_level": 90}).text.count('class="num short"') == 1
    refused = client.get("/calls/staffing", params={"weeks": "两周"})
    assert refused.status_code == 422 and "weeks" in refused.text and 'name="weeks" value="两周"' in refused.text


def test_the_shift_plan_rosters_the_forecast_and_names_a_bad_figure(pbx, client):
    from gridcare.calls import staffing

    # Last Tuesday at 09:00: six calls of three minutes, the week's only calls.
    for n in range(6):
        call(pbx, f"s{n}", at=-7 * 86400 + 500 * n, wait=5, talk=180)
    client.cookies.clear()
    sign_in(client, "supervisor", demo_org.PASSWORD)
    rostered = staffing.rostered(staffing.agents_needed(6, 180))
    found = client.get("/api/v1/calls/staffing/shifts", params={"weeks": 1}).json()
    assert (found["shift_hours"], found["workdays"], found["starts"], found["company"]) == (8, 5, list(range(24)), "XC-E")
    assert found["total"] == rostered == found["per_day"][1] and found["agents"] == -(-rostered // 5) and found["agent_hours"] == 8 * rostered
    assert [s["weekday"] for s in found["shifts"]] == [1] * len(found["shifts"]) and found["uncovered"] == []
    assert found["hours"][24 + 9] == {"weekday": 1, "hour": 9, "needed": rostered, "covered": rostered} and found["needed_hours"] == rostered
    # Shifts only from 10:00: nothing reaches 09:00; from 02:00, an eight-hour shift ends at 10:00.
    late = client.get("/api/v1/calls/staffing/shifts", params={"weeks": 1, "starts": "10"}).json()
    assert (late["uncovered"], late["total"]) == ([{"weekday": 1, "hour": 9}], 0)
    early = client.get("/api/v1/calls/staffing/shifts", params={"weeks": 1, "starts": "2, 14"}).json()
    assert [(s["weekday"], s["hour"], s["ends"], s["agents"]) for s in early["shifts"]] == [(1, 2, 10, rostered)] and early["starts"] == [2, 14]
    bad = client.get("/api/v1/calls/staffing/shifts", params={"shift_hours": 1, "workdays": 8, "weeks": 20})
    assert bad.status_code == 422 and {e["field"] for e in bad.json()["errors"]} == {"shift_hours", "workdays", "weeks"}
    assert client.get("/api/v1/calls/staffing/shifts", params={"starts": "25"}).json()["errors"][0]["field"] == "starts"
    page = client.get("/calls/staffing", params={"weeks": 1, "starts": "2"})
    assert page.status_code == 200 and "班次方案" in page.text and f'id="shifts-total">{rostered}<' in page.text and "02:00–10:00" in page.text
    assert 'id="uncovered"' in client.get("/calls/staffing", params={"weeks": 1, "starts": "10"}).text
    assert 'href="/calls/roster?weeks=1&amp;service_level=90" id="to-roster"' in client.get("/calls/staffing", params={"weeks": 1, "service_level": 90}).text
    refused = client.get("/calls/staffing", params={"weeks": 1, "starts": "九点"})
    assert refused.status_code == 422 and 'name="starts" value="九点"' in refused.text and "starts" in refused.text


def test_the_forecast_leaves_national_day_out_of_thursdays(pbx, client):
    # Today is Tuesday 2026-11-24; nine weeks back reach Golden Week. National Day (Thursday
    # 1 October) took 40 calls at 09:00, a usual Thursday (8 October) 4.
    for n in range(40):
        call(pbx, f"nd{n}", at=-54 * 86400 + 60 * n, wait=5, talk=60)
    for n in range(4):
        call(pbx, f"th{n}", at=-47 * 86400 + 600 * n, wait=5, talk=60)
    client.cookies.clear()
    sign_in(client, "supervisor", demo_org.PASSWORD)
    found = client.get("/api/v1/calls/staffing", params={"weeks": 9}).json()
    assert "2026-10-01" in found["left_out"] and "2026-10-10" in found["left_out"] and "2026-10-08" not in found["left_out"]
    thursdays = 8 - 1  # read from the first call (1 October): eight Thursdays, one of them a holiday
    assert found["slots"][3 * 24 + 9]["calls"] == pytest.approx(4 / thursdays)
    assert 'id="left-out"' in client.get("/calls/staffing", params={"weeks": 9}).text
    assert client.get("/api/v1/calls/staffing", params={"weeks": 4}).json()["left_out"] == []


def test_agents_signing_in_and_out_keep_the_spells_the_forecast_counts_on_duty(client, org, clock, database):
    from sqlalchemy import select

    from gridcare.calls.models import SeatSpell

    h = {"X-CSRF-Token": sign_in(client, "agent", demo_org.PASSWORD)[1]}
    assert client.put(f"/api/v1/calls/agents/{org.user_id('agent')}/extension", json={"extension": "8001"}, headers=h).status_code == 200  # registered away
    clock.advance(timedelta(days=-7, hours=-1))  # last Tuesday (today is Tuesday 2026-11-24), 08:00
    for status, after in (("available", 0), ("busy", 30), ("available", 60), ("away", 90)):
        clock.advance(timedelta(minutes=after and 30))
        assert client.put("/api/v1/calls/agents/me/status", json={"status": status}, headers=h).status_code == 200
    with database.read() as session:
        spells = [(s.started_at, s.ended_at) for s in session.scalars(select(SeatSpell).where(SeatSpell.user_id == org.user_id("agent")))]
    assert len(spells) == 1 and spells[0][1] - spells[0][0] == timedelta(minutes=90)  # busy and available again stay one spell
    clock.advance(timedelta(days=7, minutes=-30))  # back to today
    client.cookies.clear()
    sign_in(client, "supervisor", demo_org.PASSWORD)
    slots = client.get("/api/v1/calls/staffing", params={"weeks": 1}).json()["slots"]
    assert [slots[24 + h]["on_duty"] for h in (7, 8, 9, 10)] == [0.0, 1.0, 0.5, 0.0]
