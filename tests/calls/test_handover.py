"""The shift handover through the REST API and the pages, on both databases: an agent hands
the shift over to the incoming shift on the roster, who is told, reads it and takes it over;
a handover nobody takes over shows late to the supervisor."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text

from gridcare.calls import handovers
from tests.support import org as demo_org
from tests.support.web import sign_in


def _as(client, login):
    client.cookies.clear()
    return {"X-CSRF-Token": sign_in(client, login, demo_org.PASSWORD)[1]}


def _roster(client, org):
    """Today (Tuesday 24 November, 09:00 now): the agent worked the night to 09:00, agent2
    begins at 09:00, the expert at 12:00."""
    h = _as(client, "supervisor")
    for login, start in (("agent", "2026-11-24T01:00:00"), ("agent2", "2026-11-24T09:00:00"), ("expert", "2026-11-24T12:00:00")):
        made = client.post("/api/v1/calls/roster/shifts", json={"user_id": org.user_id(login), "starts_at": start, "hours": 8}, headers=h)
        assert made.status_code == 201, made.text


def _count(org, table):
    with org.db.read() as session:
        return session.execute(text(f"SELECT count(*) FROM {table}")).scalar()


def test_the_incoming_shift_is_told_reads_and_takes_over(client, org, clock):
    _roster(client, org)
    h = _as(client, "agent")
    # One order goes to the grid's rep; the other waits in the command center's queue (no rep in E-EAST).
    client.post("/api/v1/work-orders", json={"category": "repair", "account": "E001", "description": "家里停电"}, headers=h)
    order = client.post("/api/v1/work-orders", json={"category": "repair", "account": "E002", "description": "整栋楼停电"}, headers=h).json()
    assert order["status"] == "unassigned"
    draft = client.get("/api/v1/calls/handovers/draft").json()
    assert draft["shift"]["starts_at"].startswith("2026-11-23T17:00:00")  # 01:00 in Shanghai
    assert [p["name"] for p in draft["incoming"]] == ["王座席"]  # the expert begins three hours on
    assert [o["number"] for o in draft["still_open"]] == [order["number"]]  # the rep's order is the rep's
    assert set(draft["figures"]) >= {"orders.unassigned", "orders.late", "outages.active"}
    # A follow-up that names no order the agent may see is refused, naming it, and nothing is written.
    bad = client.post("/api/v1/calls/handovers", json={"notes": "五一路停电", "follow_ups": [{"number": order["number"]}, {"number": "GD20261124-999999"}]}, headers=h)
    assert bad.status_code == 422 and [(e["field"], e["reason"]) for e in bad.json()["errors"]] == [("follow_ups", "no work order GD20261124-999999 that you may see")]
    twice = client.post("/api/v1/calls/handovers", json={"notes": "x", "follow_ups": [{"number": order["number"]}, {"number": order["number"].lower()}]}, headers=h)
    assert twice.status_code == 422 and twice.json()["errors"][0]["field"] == "follow_ups[1].number"
    blank = client.post("/api/v1/calls/handovers", json={"notes": "   "}, headers=h)
    assert blank.status_code == 422 and blank.json()["errors"][0]["field"] == "notes"
    assert _count(org, "shift_handovers") == 0 and _count(org, "shift_handover_parties") == 0
    given = client.post("/api/v1/calls/handovers", json={"notes": "五一路 10kV 故障停电，预计 12:00 复电。", "follow_ups": [{"number": order["number"], "note": "客户 10:00 再来电"}]}, headers=h)
    assert given.status_code == 201, given.text
    body = given.json()
    assert body["state"] == "waiting" and body["giver"] == "李座席" and [p["name"] for p in body["parties"]] == ["王座席"]
    assert body["follow_ups"] == [{"order_id": order["id"], "number": order["number"], "note": "客户 10:00 再来电"}]
    assert body["receive_due_at"].startswith("2026-11-24T01:30:00")  # half an hour after agent2's 09:00 start
    mine = client.post(f"/api/v1/calls/handovers/{body['id']}/receive", json={}, headers=h)
    assert mine.status_code == 409
    # agent2 hears of it, sees it on the console and the workbench, and takes it over.
    h2 = _as(client, "agent2")
    told = [n for n in client.get("/api/v1/notifications").json() if n["event"] == "handover.given"]
    assert len(told) == 1 and "李座席" in told[0]["subject"] and "待跟进工单 1 张" in told[0]["body"] and not told[0]["urgent"]
    assert [w["id"] for w in client.get("/api/v1/calls/handovers/waiting").json()["handovers"]] == [body["id"]]
    console = client.get("/calls").text
    assert f'data-handover="{body["id"]}"' in console
    assert '<p class="muted" id="my-shifts">您的班次：11-24 09:00–17:00 (进行中) · <a href="/calls/handover#handover-give">交班</a></p>' in console
    tiles = {t["key"]: t["count"] for t in client.get("/api/v1/workbench").json()["tiles"]}
    assert tiles["handovers.waiting"] == 1
    with org.db.write() as session:
        assert handovers.tell_late(session, now=clock.now()) == []  # not late yet
    clock.advance(timedelta(minutes=45))
    _as(client, "supervisor")
    assert {t["key"]: t["count"] for t in client.get("/api/v1/workbench").json()["tiles"]}["handovers.late"] == 1
    # The supervisors hear of it, once, with a pop-up that opens it.
    with org.db.write() as session:
        assert handovers.tell_late(session, now=clock.now()) == handovers.tell_late(session, now=clock.now()) == [body["id"]]
    late = [n for n in client.get("/api/v1/notifications").json() if n["event"] == "handover.late"]
    assert len(late) == 1 and late[0]["subject"] == "无人接班：李座席 09:00 的交班" and "到 09:30 仍无人接班" in late[0]["body"]
    assert client.get("/api/v1/calls/handovers").json()["handovers"][0]["state"] == "late"
    h2 = _as(client, "agent2")
    taken = client.post(f"/api/v1/calls/handovers/{body['id']}/receive", json={"note": "收到"}, headers=h2)
    assert taken.status_code == 200 and taken.json()["state"] == "received"
    assert taken.json()["parties"][0]["received_at"].startswith("2026-11-24T01:45:00") and taken.json()["parties"][0]["note"] == "收到"
    again = client.post(f"/api/v1/calls/handovers/{body['id']}/receive", json={}, headers=h2)
    assert again.status_code == 409 and "11-24 09:45" in again.json()["detail"]
    assert client.get("/api/v1/calls/handovers/waiting").json()["handovers"] == []
    # The expert, not on the incoming shift, takes it over too.
    he = _as(client, "expert")
    also = client.post(f"/api/v1/calls/handovers/{body['id']}/receive", json={}, headers=he).json()
    assert [(p["name"], p["named"]) for p in also["parties"]] == [("王座席", True), ("陈专家", False)]
    one = client.get(f"/api/v1/calls/handovers/{body['id']}").json()
    assert one["follow_ups_now"][0]["order"]["status"] == order["status"] and not one["follow_ups_now"][0]["order"]["done"]
    assert [c["key"] for c in one["changes"]][:2] == ["orders.unassigned", "orders.late"]
    page = client.get(f"/calls/handover/{body['id']}").text
    assert "五一路 10kV 故障停电" in page and f'href="/orders/{order["id"]}"' in page and "客户 10:00 再来电" in page and "（不在接班人之列）" in page
    _as(client, "supervisor")
    assert {t["key"]: t["count"] for t in client.get("/api/v1/workbench").json()["tiles"]}["handovers.late"] == 0
    log = client.get("/calls/handover", params={"days": 7}).text
    assert 'data-state="received"' in log and "已接班" in log
    with org.db.read() as session:
        actions = [a for (a,) in session.execute(text("SELECT action FROM audit_entries WHERE entity='shift_handover' ORDER BY id"))]
    assert actions == ["handover.give", "handover.receive", "handover.receive"]


def test_another_company_and_a_viewer_stay_out(client, org):
    h = _as(client, "agent")
    made = client.post("/api/v1/calls/handovers", json={"notes": "平稳"}, headers=h)
    assert made.status_code == 201 and made.json()["parties"] == []  # nobody on the roster: whoever comes
    handover_id = made.json()["id"]
    hw = _as(client, "w_agent")
    assert client.get(f"/api/v1/calls/handovers/{handover_id}").status_code == 404
    assert client.post(f"/api/v1/calls/handovers/{handover_id}/receive", json={}, headers=hw).status_code == 404
    assert client.get("/api/v1/calls/handovers").json()["handovers"] == []
    hv = _as(client, "viewer")
    assert client.post("/api/v1/calls/handovers", json={"notes": "x"}, headers=hv).status_code == 403
    assert client.get("/api/v1/calls/handovers", params={"company": "XC-E"}).json()["handovers"][0]["id"] == handover_id
    assert client.get("/api/v1/calls/handovers", params={"days": 40}).json()["errors"][0]["field"] == "days"
    page = client.get("/calls/handover", params={"company": "XC-E"}).text
    assert 'id="handover-give"' not in page and 'id="handover-log"' in page  # a viewer reads, gives nothing
    hs = _as(client, "supervisor")  # the shift lead (值班长) hands over too, by name
    lead = client.post("/api/v1/calls/handovers", json={"notes": "交接完毕"}, headers=hs).json()
    assert lead["giver"] == "周督办" and client.get("/api/v1/calls/handovers").json()["handovers"][0]["id"] == lead["id"]


def test_the_page_keeps_what_was_typed_and_says_which_line_is_wrong(client, org):
    token = _as(client, "agent")["X-CSRF-Token"]
    refused = client.post("/calls/handover", data={"notes": "夜班平稳，五一路停电已复电", "follow_ups": "请关注五一路", "csrf_token": token})
    assert refused.status_code == 422 and "第 1 行" in refused.text and "夜班平稳，五一路停电已复电" in refused.text and "请关注五一路" in refused.text
    assert _count(org, "shift_handovers") == 0
    done = client.post("/calls/handover", data={"notes": "夜班平稳", "follow_ups": "", "csrf_token": token}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].endswith("?done=given")
    twice = client.post("/calls/handover", data={"notes": "夜班平稳", "follow_ups": "", "csrf_token": token}, follow_redirects=False)
    assert twice.headers["location"] == done.headers["location"] and _count(org, "shift_handovers") == 1  # a second click gives nothing new
    assert "已交班" in client.get(done.headers["location"]).text
    assert client.post("/settings/locale", data={"csrf_token": token, "locale": "en", "next": "/calls/handover"}, follow_redirects=False).status_code == 303
    en = client.get("/calls/handover").text
    assert "Hand over your shift" in en and "Handover log" in en and "交接班" not in en
