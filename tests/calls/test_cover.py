"""Covering today's short hours on both databases: a morning twice as busy as the usual
Tuesday leaves 09:00–12:00 short, and the page says whom to ask: the expert at the seat with
no shift, the agent on the early shift to stay on, the other agent to come in. Asks go on the
roster and the agents are told."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from gridcare.notify.models import Notification
from tests.calls.test_stats import call
from tests.calls.test_targets import _as
from tests.calls.test_today import DAY, HOUR, busy_morning


def _asks(client):
    found = client.get("/api/v1/calls/roster/today").json()
    return found, [(a["login"], a["kind"], a["starts_at"][11:16], a["ends_at"][11:16], a["covers"]) for a in found["cover"]["asks"]]


def test_the_short_hours_ahead_name_whom_to_ask(pbx, client, org, clock):
    busy_morning(pbx)
    h = _as(client, "supervisor")
    # The agent works 05:00–10:00; the other agent worked until 23:00 last night, so 10:00 is
    # the first hour they may start (11 hours' rest), and they are an hour away anyway.
    early = client.post("/api/v1/calls/roster/shifts", json={"user_id": org.user_id("agent"), "starts_at": "2026-11-24T05:00:00", "hours": 5}, headers=h).json()
    assert client.post("/api/v1/calls/roster/shifts", json={"user_id": org.user_id("agent2"), "starts_at": "2026-11-23T15:00:00", "hours": 8}, headers=h).status_code == 201
    # The expert is at the seat with no shift.
    assert client.put(f"/api/v1/calls/agents/{org.user_id('expert')}/extension", json={"extension": "8101"}, headers=h).status_code == 200
    e = _as(client, "expert")
    assert client.put("/api/v1/calls/agents/me/status", json={"status": "available"}, headers=e).status_code == 200
    h = _as(client, "supervisor")
    found, asks = _asks(client)
    assert found["short"] == [9, 10, 11]
    # Times in UTC: 09:00 Shanghai is 01:00.
    assert asks == [
        ("expert", "seated", "01:00", "04:00", [9, 10, 11]),
        ("agent", "stay", "21:00", "04:00", [10, 11]),
        ("agent2", "call_in", "02:00", "06:00", [10, 11]),
    ]
    by_login = {a["login"]: a for a in found["cover"]["asks"]}
    assert by_login["agent"]["shift_id"] == early["id"] and by_login["agent"]["added_hours"] == 2 and by_login["agent2"]["shift_id"] is None
    assert by_login["agent2"]["phone"] == "+8613800000013" and by_login["agent2"]["week_hours"] == 8.0
    hours = {x["hour"]: x for x in found["hours"]}
    assert found["cover"]["uncovered"] == [{"hour": hr, "short": n} for hr, n in ((9, hours[9]["needed"] - 2), (10, hours[10]["needed"] - 4), (11, hours[11]["needed"] - 3)) if n > 0]
    page = client.get("/calls/roster").text
    assert 'id="roster-cover"' in page and "陈专家" in page and "在岗：排入 09:00–12:00" in page and "留到 12:00（班次 05:00 起）" in page and "来班 10:00–14:00" in page

    # The agent agrees to stay until noon: the shift is moved, not doubled, and they are told, urgently.
    stayed = client.patch(f"/api/v1/calls/roster/shifts/{early['id']}", json={"ends_at": "2026-11-24T12:00:00"}, headers=h)
    assert stayed.status_code == 200 and stayed.json()["id"] == early["id"] and stayed.json()["ends_at"].startswith("2026-11-24T04:00")
    # The other agent is put on from the page, as its form posts.
    placed = client.post("/calls/roster/shifts", data={"week": "2026-11-24", "user_id": str(org.user_id("agent2")), "day": "2026-11-24", "hour": "10", "hours": "4", "csrf_token": h["X-CSRF-Token"]}, follow_redirects=True)
    assert placed.status_code == 200 and "班次已添加" in placed.text
    found, asks = _asks(client)
    assert [a[0] for a in asks] == (["expert"] if found["short"] else [])
    with org.db.read() as session:
        told = session.scalars(select(Notification).where(Notification.event == "roster.week", Notification.channel == "popup", Notification.recipient_id == org.user_id("agent"))).all()
    assert told[-1].urgent and "11-24 05:00–12:00" in told[-1].body


def test_hours_short_of_the_forecast_are_covered_before_the_days_ratio_is_known(pbx, client, org):
    # The last three Tuesdays had five calls an hour from 10:00 to 12:00; today none yet (09:00).
    for weeks_ago in (1, 2, 3):
        for hour in (10, 11):
            for k in range(5):
                call(pbx, f"w{weeks_ago}-{hour}-{k}", at=-weeks_ago * 7 * DAY + (hour - 9) * HOUR + 600 * k, wait=5, talk=180)
    _as(client, "supervisor")
    found, asks = _asks(client)
    assert found["ratio"] is None and found["short"] == [10, 11]
    # The agent who took those calls is still signed in at the seat: put on first.
    assert [(a[0], a[1], a[2]) for a in asks] == [("agent", "seated", "02:00"), ("agent2", "call_in", "02:00"), ("expert", "call_in", "02:00")]
    page = client.get("/calls/roster").text
    assert 'id="roster-today-hours"' not in page and 'id="roster-cover"' in page and "来班 10:00–14:00" in page


def test_a_shift_moved_by_hand_keeps_the_rules_and_says_which_field(client, org, clock):
    h = _as(client, "supervisor")
    agent = org.user_id("agent")
    begun = client.post("/api/v1/calls/roster/shifts", json={"user_id": agent, "starts_at": "2026-11-24T08:00:00", "hours": 4}, headers=h).json()
    later = client.post("/api/v1/calls/roster/shifts", json={"user_id": agent, "starts_at": "2026-11-24T14:00:00", "hours": 4}, headers=h).json()

    def patch(shift, **body):
        return client.patch(f"/api/v1/calls/roster/shifts/{shift['id']}", json=body, headers=h)

    def refused(r, status, field=None):
        assert r.status_code == status, r.text
        if field:
            assert r.json()["errors"][0]["field"] == field

    refused(patch(begun), 422, "ends_at")  # nothing to change
    refused(patch(begun, starts_at="2026-11-24T07:00:00"), 422, "starts_at")  # begun at 08:00; it is 09:00
    refused(patch(begun, ends_at="2026-11-24T08:30:00"), 422, "ends_at")  # into the past
    refused(patch(begun, ends_at="2026-11-24T21:00:00"), 422, "ends_at")  # 13 hours
    refused(patch(begun, ends_at="2026-11-24T12:30:00"), 422, "ends_at")  # not whole hours
    refused(patch(later, starts_at="2026-11-24T11:00:00"), 409)  # runs into the morning's shift
    refused(patch(later, starts_at="2026-11-24T15:00:00", ends_at="2026-11-24T14:00:00"), 422, "ends_at")
    assert client.patch("/api/v1/calls/roster/shifts/999999", json={"ends_at": "2026-11-25T18:00:00"}, headers=h).status_code == 404
    went = patch(later, starts_at="2026-11-24T13:00:00+08:00", ends_at="2026-11-24T20:00:00+08:00")
    assert went.status_code == 200 and went.json()["starts_at"].startswith("2026-11-24T05:00") and went.json()["ends_at"].startswith("2026-11-24T12:00")
    # A page form naming a bad time says which.
    back = client.post(f"/calls/roster/shifts/{begun['id']}/change", data={"week": "2026-11-24", "ends_at": "中午", "csrf_token": h["X-CSRF-Token"]}, follow_redirects=True)
    assert back.status_code == 200 and "ends_at" in back.text
    stayed = client.post(f"/calls/roster/shifts/{begun['id']}/change", data={"week": "2026-11-24", "ends_at": "2026-11-24T13:00", "csrf_token": h["X-CSRF-Token"]}, follow_redirects=True)
    assert "班次已调整" in stayed.text and "08:00–13:00" in stayed.text
    # Another company's supervisor finds no such shift; a viewer may not move it.
    w = _as(client, "w_supervisor")
    assert client.patch(f"/api/v1/calls/roster/shifts/{begun['id']}", json={"ends_at": "2026-11-24T15:00:00"}, headers=w).status_code == 404
    v = _as(client, "viewer")
    assert client.patch(f"/api/v1/calls/roster/shifts/{begun['id']}", json={"ends_at": "2026-11-24T15:00:00"}, headers=v).status_code == 403


@pytest.mark.browser
def test_a_supervisor_puts_an_ask_on_the_roster_in_a_browser(pbx, client, org, clock, database, tmp_path, browser, screenshot_dir):
    """The roster page in a real browser: the asks for a busy morning, one put on the roster
    with its button, the page clean of script errors and of what axe-core finds."""
    from axe_playwright_python.sync_playwright import Axe

    from tests.support.browser import sign_in
    from tests.support.live import live_site

    busy_morning(pbx)
    h = _as(client, "supervisor")
    assert client.post("/api/v1/calls/roster/shifts", json={"user_id": org.user_id("agent"), "starts_at": "2026-11-24T05:00:00", "hours": 5}, headers=h).status_code == 201
    with live_site(database, clock, tmp_path) as url:
        context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        sign_in(page, url, "supervisor")
        page.goto(url + "/calls/roster")
        page.add_style_tag(content="#popup-modal{display:none!important}")
        rows = page.locator("#roster-cover-asks tbody tr")
        assert rows.count() == 3  # the agent on the early shift stays on; the other two come in
        stay = page.locator("#roster-cover-asks tbody tr", has_text="留到")
        assert stay.count() == 1 and "李座席" in stay.inner_text()
        violations = Axe().run(page, options={"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa"]}}).response["violations"]
        assert [v["id"] for v in violations] == []
        stay.get_by_role("button").click()
        page.wait_for_selector(".alert.ok")
        assert "班次已调整" in page.locator(".alert.ok").inner_text()
        assert page.locator("#roster-cover-asks tbody tr", has_text="留到").count() == 0
        page.screenshot(path=str(screenshot_dir / "roster-cover.png"), full_page=True)
        assert errors == []
        context.close()
