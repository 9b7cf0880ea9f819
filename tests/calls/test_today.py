"""Today's hotline against its forecast: a morning twice as busy as the usual Tuesday's
makes the hours ahead need more agents than the roster holds, on both databases."""

from __future__ import annotations

from sqlalchemy import select

from gridcare.calls import busy_day, staffing
from gridcare.notify.models import Notification
from tests.calls.test_stats import call
from tests.calls.test_targets import _as

DAY = 86400
HOUR = 3600


def busy_morning(pbx) -> None:
    """The last three Tuesdays: seven calls an hour from 06:00 to 09:00, five from 09:00 to
    12:00. This morning: fourteen an hour from 06:00 to 09:00 (the clock stands at 09:00)."""
    for weeks_ago in (1, 2, 3):
        for hour in range(6, 12):
            for k in range(7 if hour < 9 else 5):
                call(pbx, f"w{weeks_ago}-{hour}-{k}", at=-weeks_ago * 7 * DAY + (hour - 9) * HOUR + 500 * k, wait=5, talk=180)
    for hour in range(6, 9):
        for k in range(14):
            call(pbx, f"t-{hour}-{k}", at=(hour - 9) * HOUR + 250 * k, wait=5, talk=180)


def test_a_busy_morning_is_reckoned_into_the_hours_ahead(pbx, client, org, clock):
    busy_morning(pbx)
    _as(client, "supervisor")
    found = client.get("/api/v1/calls/roster/today").json()
    assert (found["company"], found["day"], found["offered_so_far"], found["expected_so_far"], found["ratio"]) == ("XC-E", "2026-11-24", 42, 21.0, 2.0)
    hours = {h["hour"]: h for h in found["hours"]}
    assert sorted(hours) == list(range(9, 24))
    assert (hours[10]["expected"], hours[10]["projected"]) == (5.0, 10.0) and (hours[13]["expected"], hours[13]["projected"]) == (0.0, 0.0)
    assert hours[10]["needed"] == staffing.rostered(staffing.agents_needed(10, 180)) and hours[10]["forecast_needed"] == staffing.rostered(staffing.agents_needed(5, 180))
    assert hours[10]["on_roster"] == 0 and 10 in found["short"] and 13 not in found["short"]
    tiles = {t["key"]: t for t in client.get("/api/v1/workbench").json()["tiles"]}
    assert tiles["hotline.short_today"]["count"] == len(found["short"]) > 0 and tiles["hotline.short_today"]["tone"] == "alert"
    page = client.get("/calls/roster").text
    assert 'id="roster-today"' in page and "+100%" in page and "截至 09:00 来电 42 通，预测 21 通" in page
    # The supervisors hear of it: twice the forecast with the roster short, told once.
    with org.db.write() as session:
        assert busy_day.tell(session, now=clock.now()) == busy_day.tell(session, now=clock.now()) == [("XC-E", 100)]
    with org.db.read() as session:
        notes = session.scalars(select(Notification).where(Notification.event == "hotline.busy")).all()
    told = [n.recipient_id for n in notes]
    assert len(told) == len(set(told)) and org.user_id("supervisor") in told and org.user_id("w_supervisor") not in told
    assert "截至 09:00 来电 42 通，预测 21 通（高 100%）" in notes[0].body and "10:00 (0/" in notes[0].body
    assert "可请：" in notes[0].body and "来班 10:00–14:00" in notes[0].body  # whom to ask, as the roster page names them
    assert 'id="roster-today"' not in client.get("/calls/roster", params={"week": "2026-11-30"}).text  # another week: no today
    # Early in a day with too few calls expected, nothing is reckoned.
    _as(client, "w_supervisor")
    quiet = client.get("/api/v1/calls/roster/today").json()
    assert quiet["ratio"] is None and quiet["offered_so_far"] == 0 and quiet["short"] == [h["hour"] for h in quiet["hours"] if h["on_roster"] < h["needed"]]


def test_an_unknown_company_is_named(client):
    _as(client, "supervisor")
    r = client.get("/api/v1/calls/roster/today", params={"company": "XX"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "company"
