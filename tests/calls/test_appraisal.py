"""The agents' month through the REST API, the page and the spreadsheet, on both databases:
three agents' November, one slow, rated low, checked below the pass mark and absent from a shift."""

from __future__ import annotations

from tests.calls.test_qa import FULL
from tests.calls.test_targets import _as

DAY = 86400


def _calls(pbx, prefix, ext, n, talk, rating=None):
    ids = []
    for k in range(n):
        at = -DAY - 600 * k  # yesterday and back, this month
        pbx.post("ringing", f"{prefix}{k}", after=at, caller="13812345678", agent_extension=ext)
        pbx.post("answered", f"{prefix}{k}", after=at + 5, agent_extension=ext)
        ids.append(pbx.post("ended", f"{prefix}{k}", after=at + 5 + talk).json()["id"])
        if rating is not None and k < 10:
            pbx.post("survey", f"{prefix}{k}", after=at + 10 + talk, score=rating)
    return ids


def test_the_month_flags_what_to_look_at(pbx, client, org, clock):
    _calls(pbx, "a", "8001", 25, 180, rating=5)
    slow = _calls(pbx, "b", "8002", 25, 400, rating=2)
    _calls(pbx, "e", "8101", 25, 200, rating=5)
    h = _as(client, "supervisor")
    low = {**FULL, "accuracy": 0, "order": 0}  # 65 of 100: below the pass mark
    assert client.post(f"/api/v1/calls/{slow[0]}/qa", json={"scores": low}, headers=h).status_code in (200, 201)
    # The slow agent was due on Sunday 08:00–16:00 and never signed in.
    assert client.post("/api/v1/calls/roster/shifts", json={"user_id": org.user_id("agent2"), "starts_at": "2026-11-22T08:00:00", "hours": 8}, headers=h).status_code == 201
    found = client.get("/api/v1/calls/appraisal", params={"month": "2026-11"}).json()
    assert (found["company"], found["month"], found["current"]) == ("XC-E", "2026-11", True)
    rows = {a["login"]: a for a in found["agents"]}
    assert found["agents"][0]["login"] == "agent2"
    assert rows["agent2"]["flags"] == ["absent", "qa_fail", "rating_low", "aht_high"]
    assert (rows["agent2"]["answered"], rows["agent2"]["aht_seconds"], rows["agent2"]["rating"], rows["agent2"]["qa_average"], rows["agent2"]["qa_scored"]) == (25, 400.0, 2.0, 65.0, 1)
    assert (rows["agent2"]["shifts_begun"], rows["agent2"]["on_time"], rows["agent2"]["absent"], rows["agent2"]["signed_in_share"]) == (1, 0, 1, 0.0)
    assert rows["agent"]["flags"] == [] and rows["expert"]["flags"] == [] and rows["agent"]["shifts_begun"] == 0
    assert found["team"]["answered"] == 75 and found["team"]["aht_median_seconds"] == 200.0 and found["team"]["rating"] == 4.0
    page = client.get("/calls/appraisal", params={"month": "2026-11"})
    assert page.status_code == 200 and "座席月度考评" in page.text and "王座席" in page.text and "质检低于合格线" in page.text and "本月尚未结束" in page.text
    sheet = client.get("/calls/appraisal.csv", params={"month": "2026-11"})
    lines = sheet.content.decode("utf-8-sig").splitlines()
    assert "appraisal-XC-E-2026-11.csv" in sheet.headers["content-disposition"] and lines[0].startswith("座席,") and lines[1].startswith("王座席,agent2,25,400,2.0,")
    # October had none of it.
    october = client.get("/api/v1/calls/appraisal", params={"month": "2026-10"}).json()
    assert october["current"] is False and all(a["answered"] == 0 and a["flags"] == [] for a in october["agents"])


def test_the_month_is_a_supervisors(client):
    _as(client, "supervisor")
    for month, field in (("2026-12", "month"), ("11月", "month")):
        r = client.get("/api/v1/calls/appraisal", params={"month": month})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == field
    assert client.get("/calls/appraisal", params={"month": "11月"}).status_code == 422
    _as(client, "agent")
    assert client.get("/api/v1/calls/appraisal").status_code == 403


def test_an_agent_sees_their_own_month_and_no_colleagues(pbx, client, org):
    _calls(pbx, "a", "8001", 25, 180, rating=5)
    _calls(pbx, "b", "8002", 25, 400, rating=2)
    _as(client, "agent2")
    mine = client.get("/api/v1/calls/appraisal/me", params={"month": "2026-11"}).json()
    assert "agents" not in mine and mine["agent"]["login"] == "agent2" and mine["agent"]["flags"] == ["rating_low", "aht_high"]
    assert mine["team"]["answered"] == 50 and mine["team"]["rating"] == 3.5
    page = client.get("/calls/appraisal/me", params={"month": "2026-11"}).text
    assert "我的月度考评" in page and "客户评价低于全体" in page and "李座席" not in page
    _as(client, "expert")
    none = client.get("/api/v1/calls/appraisal/me").json()
    assert none["agent"] is not None and none["agent"]["answered"] == 0  # on the hotline, no calls yet
    assert client.get("/api/v1/calls/appraisal/me", params={"month": "2027-01"}).json()["errors"][0]["field"] == "month"


def test_the_supervisors_hear_of_last_months_flags_in_the_first_week(pbx, client, org, clock):
    from datetime import datetime

    from sqlalchemy import select

    from gridcare.calls import appraisals
    from gridcare.core.clock import SHANGHAI
    from gridcare.notify.models import Notification

    _calls(pbx, "a", "8001", 25, 180, rating=5)
    _calls(pbx, "b", "8002", 25, 400, rating=2)
    with org.db.write() as session:
        assert appraisals.tell_month(session, now=clock.now()) == []  # 24 November: no month closed yet
    clock.set(datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI))
    with org.db.write() as session:
        assert appraisals.tell_month(session, now=clock.now()) == [("XC-E", "2026-11")]
        appraisals.tell_month(session, now=clock.now())  # told once
    clock.set(datetime(2026, 12, 8, 9, 0, tzinfo=SHANGHAI))
    with org.db.write() as session:
        assert appraisals.tell_month(session, now=clock.now()) == []  # past the first week: old news
        notes = session.scalars(select(Notification).where(Notification.event == "agents.month", Notification.channel == "popup")).all()
    told = [n.recipient_id for n in notes]
    assert len(told) == len(set(told)) and org.user_id("supervisor") in told and org.user_id("w_supervisor") not in told
    body = next(n for n in notes if n.recipient_id == org.user_id("supervisor")).body
    assert "2026-11" in body and "王座席（客户评价低于全体、通话时长明显偏长）" in body and "李座席" not in body
