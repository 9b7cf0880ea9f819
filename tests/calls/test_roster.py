"""The agents' roster through the REST API and the page, on both databases: a week filled
from the shift plan, shifts placed and removed by hand, and how a past shift was kept."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text

from gridcare.calls import staffing
from tests.calls.test_stats import call
from tests.support import org as demo_org
from tests.support.web import sign_in


def test_a_week_filled_from_the_plan_reaches_the_agents_console(pbx, client, org):
    # Last Tuesday at 09:00 (today is Tuesday 2026-11-24): six calls of three minutes.
    for n in range(6):
        call(pbx, f"r{n}", at=-7 * 86400 + 500 * n, wait=5, talk=180)
    client.cookies.clear()
    h = {"X-CSRF-Token": sign_in(client, "supervisor", demo_org.PASSWORD)[1]}
    rostered = staffing.rostered(staffing.agents_needed(6, 180))
    assert client.get("/api/v1/calls/staffing/shifts").json()["total"] == rostered == 3
    filled = client.post("/api/v1/calls/roster/generate", json={"week": "2026-11-30"}, headers=h)
    assert filled.status_code == 200 and filled.json() == {"placed": 3, "unfilled": []}
    week = client.get("/api/v1/calls/roster", params={"week": "2026-W49"}).json()
    assert week["monday"] == "2026-11-30" and week["shifts"] == 3 and week["company"] == "XC-E"
    # The electric company's seats, one shift each on Tuesday; no water agent, no PBX bridge.
    assert {a["login"]: len(a["shifts"]) for a in week["agents"]} == {"agent": 1, "agent2": 1, "expert": 1}
    assert {s["starts_at"][:10] for a in week["agents"] for s in a["shifts"]} <= {"2026-11-30", "2026-12-01"}
    tuesday_nine = week["hours"][24 + 9]
    assert tuesday_nine["on_roster"] >= tuesday_nine["needed"] == rostered and week["short"] == []
    assert all(s["kept"]["share"] is None for a in week["agents"] for s in a["shifts"])  # none begun
    again = client.post("/api/v1/calls/roster/generate", json={"week": "2026-11-30"}, headers=h)
    assert again.json() == {"placed": 0, "unfilled": []}  # no gap left
    page = client.get("/calls/roster", params={"week": "2026-12-02"})
    assert page.status_code == 200 and "话务排班表" in page.text and 'id="roster-shifts">3<' in page.text and 'id="roster-short"' in page.text
    client.cookies.clear()
    sign_in(client, "agent", demo_org.PASSWORD)
    assert 'id="my-shifts"' in client.get("/calls").text
    told = [n for n in client.get("/api/v1/notifications").json() if n["event"] == "roster.week"]
    assert len(told) == 1 and "2026-11-30" in told[0]["subject"] and "（共 1 班）" in told[0]["body"] and not told[0]["urgent"]
    client.cookies.clear()
    h = {"X-CSRF-Token": sign_in(client, "supervisor", demo_org.PASSWORD)[1]}
    assert client.post("/api/v1/calls/roster/clear", json={"week": "2026-11-30"}, headers=h).json() == {"removed": 3}
    assert client.get("/api/v1/calls/roster", params={"week": "2026-11-30"}).json()["shifts"] == 0
    with org.db.read() as session:
        bodies = [b for (b,) in session.execute(text("SELECT body FROM notifications WHERE event='roster.week' AND recipient_kind='user' AND recipient_id=:u ORDER BY id"), {"u": org.user_id("agent")})]
    assert len(bodies) == 2 and "已没有班次" in bodies[-1]  # filled, then cleared
    # A shift placed by hand over Tuesday 09:00 leaves two to fill, for the other two agents.
    by_hand = client.post("/api/v1/calls/roster/shifts", json={"user_id": org.user_id("agent2"), "starts_at": "2026-12-01T05:00:00", "hours": 8}, headers=h)
    assert by_hand.status_code == 201
    assert client.post("/api/v1/calls/roster/generate", json={"week": "2026-11-30"}, headers=h).json()["placed"] == 2
    after = {a["login"]: [s["starts_at"] for s in a["shifts"]] for a in client.get("/api/v1/calls/roster", params={"week": "2026-11-30"}).json()["agents"]}
    assert len(after["agent2"]) == 1 and len(after["agent"]) == len(after["expert"]) == 1
    assert client.post("/api/v1/calls/roster/clear", json={"week": "2026-11-30"}, headers=h).json() == {"removed": 3}
    # The expert is on leave on Tuesday (the duty roster): two of the three shifts find an agent.
    leave = {"user_id": org.user_id("expert"), "starts_at": "2026-12-01T00:00:00+08:00", "ends_at": "2026-12-02T00:00:00+08:00", "reason": "年假"}
    assert client.post("/api/v1/duty/absences", json=leave, headers=h).status_code == 201
    on_leave = client.post("/api/v1/calls/roster/generate", json={"week": "2026-11-30"}, headers=h).json()
    assert on_leave["placed"] == 2 and len(on_leave["unfilled"]) == 1
    expert = next(a for a in client.get("/api/v1/calls/roster", params={"week": "2026-11-30"}).json()["agents"] if a["login"] == "expert")
    assert expert["shifts"] == [] and [a["reason"] for a in expert["away"]] == ["年假"]
    assert "不在岗 · 年假" in client.get("/calls/roster", params={"week": "2026-11-30"}).text
    over_leave = client.post("/api/v1/calls/roster/shifts", json={"user_id": org.user_id("expert"), "starts_at": "2026-12-01T09:00:00", "hours": 8}, headers=h)
    assert over_leave.status_code == 409 and "12-01 00:00" in over_leave.json()["detail"]
    assert client.post("/api/v1/calls/roster/clear", json={"week": "2026-11-30"}, headers=h).json() == {"removed": 2}
    # Held to a stricter forecast (99 % within 20 s), Tuesday needs more than the two agents not on leave can give.
    strict = staffing.rostered(staffing.agents_needed(6, 180, level=0.99))
    held = client.get("/api/v1/calls/roster", params={"week": "2026-11-30", "service_level": 99}).json()
    assert held["forecast"]["service_level"] == 99 and held["hours"][24 + 9]["needed"] == strict > rostered
    page = client.get("/calls/roster", params={"week": "2026-11-30", "service_level": 99}).text
    assert 'name="carry" value="service_level=99"' in page and "99% 的来电" in page
    filled = client.post("/calls/roster/generate", data={"week": "2026-11-30", "carry": "service_level=99&evil=1", "csrf_token": h["X-CSRF-Token"]}, follow_redirects=False)
    assert "service_level=99" in filled.headers["location"] and "evil" not in filled.headers["location"]
    assert client.get("/api/v1/calls/roster", params={"week": "2026-11-30"}).json()["shifts"] == 2  # one a day each: the rest unfilled
    assert f"有 {strict - 2} 个班次无人可排" in client.get(filled.headers["location"]).text
    assert client.post("/api/v1/calls/roster/clear", json={"week": "2026-11-30"}, headers=h).json() == {"removed": 2}
    assert client.get("/api/v1/calls/roster", params={"service_level": 100}).json()["errors"][0]["field"] == "service_level"
    # This week (from Monday 23 November): only shifts starting from now (Tuesday 09:00) are placed.
    client.post("/api/v1/calls/roster/generate", json={"week": ""}, headers=h)
    this_week = client.get("/api/v1/calls/roster").json()
    assert this_week["monday"] == "2026-11-23" and all(s["starts_at"] >= "2026-11-24T01:00:00" for a in this_week["agents"] for s in a["shifts"])


def test_a_shift_placed_by_hand_is_set_against_the_agents_sign_ins(client, org, clock):
    h = {"X-CSRF-Token": sign_in(client, "supervisor", demo_org.PASSWORD)[1]}
    agent = org.user_id("agent")
    added = client.post("/api/v1/calls/roster/shifts", json={"user_id": agent, "starts_at": "2026-11-23T08:00:00", "hours": 8}, headers=h)
    assert added.status_code == 201 and added.json()["ends_at"].startswith("2026-11-23T08:00:00") is False
    clash = client.post("/api/v1/calls/roster/shifts", json={"user_id": agent, "starts_at": "2026-11-23T14:00:00+08:00", "hours": 4}, headers=h)
    assert clash.status_code == 409 and "11-23 08:00" in clash.json()["detail"]
    too_long = client.post("/api/v1/calls/roster/shifts", json={"user_id": agent, "starts_at": "2026-11-25T08:00:00", "hours": 13}, headers=h)
    assert too_long.status_code == 422 and too_long.json()["errors"][0]["field"] == "hours"
    water = client.post("/api/v1/calls/roster/shifts", json={"user_id": org.user_id("w_agent"), "starts_at": "2026-11-25T08:00:00", "hours": 8}, headers=h)
    assert water.status_code == 422 and water.json()["errors"][0]["field"] == "user_id"
    # The agent signed in at 08:20 yesterday and went away at 15:00.
    client.cookies.clear()
    a = {"X-CSRF-Token": sign_in(client, "agent", demo_org.PASSWORD)[1]}
    client.put(f"/api/v1/calls/agents/{agent}/extension", json={"extension": "8001"}, headers=a)
    clock.advance(timedelta(days=-1, minutes=-40))
    assert client.put("/api/v1/calls/agents/me/status", json={"status": "available"}, headers=a).status_code == 200
    clock.advance(timedelta(hours=6, minutes=40))
    assert client.put("/api/v1/calls/agents/me/status", json={"status": "away"}, headers=a).status_code == 200
    clock.advance(timedelta(hours=18))
    client.cookies.clear()
    h = {"X-CSRF-Token": sign_in(client, "supervisor", demo_org.PASSWORD)[1]}
    week = client.get("/api/v1/calls/roster", params={"week": "2026-11-23"}).json()
    (shift,) = next(x for x in week["agents"] if x["user_id"] == agent)["shifts"]
    assert shift["kept"] == {"share": round(400 / 480, 3), "late_minutes": 20, "early_minutes": 60, "absent": False}
    assert (week["begun"], week["on_time"]) == (1, 0)
    page = client.get("/calls/roster", params={"week": "2026-11-23"}).text
    assert "迟到 20 分钟" in page and "早退 60 分钟" in page and ">0/1<" in page
    sheet = client.get("/calls/roster.csv", params={"week": "2026-11-23"})
    assert sheet.headers["content-type"].startswith("text/csv") and "roster-XC-E-2026-11-23.csv" in sheet.headers["content-disposition"]
    rows = sheet.content.decode("utf-8-sig").splitlines()
    assert rows[0].startswith("座席,") and "李座席,agent,2026-11-23,08:00,16:00,83,20,60," in rows
    assert client.delete(f"/api/v1/calls/roster/shifts/{shift['id']}", headers=h).status_code == 204
    assert client.delete(f"/api/v1/calls/roster/shifts/{shift['id']}", headers=h).status_code == 404


def test_the_roster_page_keeps_a_bad_week_or_figure_and_says_which(client, org):
    h = sign_in(client, "supervisor", demo_org.PASSWORD)[1]
    refused = client.get("/calls/roster", params={"week": "下周"})
    assert refused.status_code == 422 and "week" in refused.text and "话务排班表" in refused.text
    back = client.post("/calls/roster/generate", data={"week": "2026-11-30", "starts": "25", "csrf_token": h}, follow_redirects=False)
    assert back.status_code == 303 and "error=" in back.headers["location"] and "week=2026-11-30" in back.headers["location"]
    assert "25" in client.get(back.headers["location"]).text
    placed = client.post("/calls/roster/shifts", data={"week": "2026-11-30", "user_id": str(org.user_id("agent2")), "day": "2026-12-01", "hour": "8", "hours": "8", "csrf_token": h}, follow_redirects=True)
    assert placed.status_code == 200 and "班次已添加" in placed.text and "08:00–16:00" in placed.text
    for hour in ("24", "-1"):
        wrong = client.post("/calls/roster/shifts", data={"week": "2026-11-30", "user_id": str(org.user_id("agent2")), "day": "2026-12-01", "hour": hour, "csrf_token": h}, follow_redirects=True)
        assert "hour" in wrong.text and wrong.status_code == 200
    client.cookies.clear()
    v = sign_in(client, "viewer", demo_org.PASSWORD)[1]
    assert client.get("/calls/roster", params={"week": "2026-11-30"}).status_code == 200
    assert client.post("/api/v1/calls/roster/clear", json={"week": "2026-11-30"}, headers={"X-CSRF-Token": v}).status_code == 403


def test_the_seat_board_shows_who_is_due_on_shift_and_away(client, org):
    h = {"X-CSRF-Token": sign_in(client, "supervisor", demo_org.PASSWORD)[1]}
    for login, extension in (("agent", "8001"), ("agent2", "8002")):
        assert client.put(f"/api/v1/calls/agents/{org.user_id(login)}/extension", json={"extension": extension}, headers=h).status_code == 200  # registered away
    # Today (Tuesday) 08:00–12:00 for the first agent; it is 09:00.
    assert client.post("/api/v1/calls/roster/shifts", json={"user_id": org.user_id("agent"), "starts_at": "2026-11-24T08:00:00", "hours": 4}, headers=h).status_code == 201
    board = {s["login"]: s for s in client.get("/api/v1/calls/agents").json()}
    assert board["agent"]["adherence"] == "missing" and board["agent"]["shift_ends_at"].startswith("2026-11-24T04:00")
    assert board["agent2"]["adherence"] is None and board["agent2"]["shift_starts_at"] is None  # away, and due on no shift
    assert "应在岗" in client.get("/calls/stats").text
    missing = next(t for t in client.get("/api/v1/workbench").json()["tiles"] if t["key"] == "agents.missing")
    assert (missing["count"], missing["tone"], missing["href"]) == (1, "alert", "/calls/stats#seats")
    client.cookies.clear()
    for login in ("agent", "agent2"):
        a = {"X-CSRF-Token": sign_in(client, login, demo_org.PASSWORD)[1]}
        assert client.put("/api/v1/calls/agents/me/status", json={"status": "available"}, headers=a).status_code == 200
        client.cookies.clear()
    sign_in(client, "supervisor", demo_org.PASSWORD)
    board = {s["login"]: s["adherence"] for s in client.get("/api/v1/calls/agents").json()}
    assert board == {"agent": None, "agent2": "off_shift"}
    assert next(t for t in client.get("/api/v1/workbench").json()["tiles"] if t["key"] == "agents.missing")["count"] == 0
    assert "班外" in client.get("/calls/stats").text


def test_a_change_within_two_days_is_urgent_and_falls_back_to_an_sms(client, org, clock):
    """Tomorrow's shift reaches an agent who is not signed in: its pop-up is urgent and
    becomes an SMS after half an hour unacknowledged (roster.week=30/-); next week's waits."""
    client.cookies.clear()
    h = {"X-CSRF-Token": sign_in(client, "supervisor", demo_org.PASSWORD)[1]}
    for starts_at in ("2026-11-25T08:00:00", "2026-12-01T08:00:00"):  # tomorrow; next Tuesday
        assert client.post("/api/v1/calls/roster/shifts", json={"user_id": org.user_id("agent"), "starts_at": starts_at, "hours": 8}, headers=h).status_code == 201
    with org.db.read() as session:
        told = session.execute(text(
            "SELECT context, urgent, ladder_sms_after_s, ladder_voice_after_s FROM notifications WHERE event='roster.week' AND channel='popup' AND recipient_id=:u ORDER BY id",
        ), {"u": org.user_id("agent")}).all()
    assert [(bool(urgent), sms, voice) for _context, urgent, sms, voice in told] == [(True, 1800, None), (False, None, None)]
