"""The roster of a week with a planned outage counts the calls it will bring, at the rate the
company's past planned outages brought them, on both databases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from gridcare.auth import service as auth
from gridcare.calls import outage_roster, staffing
from gridcare.core.principal import system_principal
from gridcare.customers import service as customers
from gridcare.customers.importing import parse_customers
from gridcare.notify.models import Notification
from gridcare.outages import service as outages
from tests.calls.test_targets import _as

DAY = 86400
PHONES = [f"1390000{i:04d}" for i in range(120)]


def _customers_on_t2(org, clock) -> None:
    """120 more customers behind switch SW1 (122 with the area's two)."""
    rows = "".join(f"X{i:03d},客户{i},{phone},五一大道{i}号,112.97,28.12,electric,T2,,XM{i:03d},\n" for i, phone in enumerate(PHONES))
    csv = "account,name,phones,address,lon,lat,utility,supply_point,tags,meters,notes\n" + rows
    with org.db.write() as session:
        customers.import_customers(session, actor=system_principal("test"), now=clock.now(), parsed=parse_customers(csv.encode(), filename="c.csv"), org_path=org.unit_path("XC"))


def _past_outage(org, clock, weeks_ago: int) -> None:
    """A planned outage over SW1, weeks ago on this weekday from 09:00 to 15:00, carried out."""
    start = clock.now() - timedelta(weeks=weeks_ago)
    actor = org.principal("supervisor")
    with org.db.write() as session:
        oid = outages.create_outage(session, actor=actor, now=start - timedelta(days=3), utility="electric", kind="planned", devices=["SW1"], starts_at=start,
                                    ends_at=start + timedelta(hours=6), reason="检修").id
        outages.begin_due(session, now=start)
        outages.restore(session, actor=actor, now=start + timedelta(hours=6), outage_id=oid)


def _caller(pbx, call_id: str, phone: str, at: float) -> None:
    pbx.post("ringing", call_id, after=at, caller=phone, callee="95598", queue="general")
    pbx.post("ended", call_id, after=at + 30)


@pytest.fixture
def outage_history(org, clock, pbx):
    """Three past outages, each bringing 20 calls from its customers: 6 the day before, 12
    while supply was off, 2 after; and calls outside their windows that do not count."""
    _customers_on_t2(org, clock)
    for weeks_ago in (1, 2, 3):
        _past_outage(org, clock, weeks_ago)
        start = -weeks_ago * 7 * DAY
        offsets = [-20 * 3600 + 1800 * k for k in range(6)] + [900 + 1500 * k for k in range(12)] + [6 * 3600 + 600, 6 * 3600 + 4000]
        for k, at in enumerate(offsets):
            _caller(pbx, f"o{weeks_ago}-{k}", PHONES[(20 * weeks_ago + k) % 120], start + at)
        _caller(pbx, f"o{weeks_ago}-early", PHONES[0], start - 30 * 3600)  # before the window
        _caller(pbx, f"o{weeks_ago}-late", PHONES[1], start + 9 * 3600)  # after it
    _caller(pbx, "stranger", "13512340000", -7 * DAY + 3 * 3600)  # nobody the outage cut off: a usual call


def test_a_week_with_a_planned_outage_is_staffed_for_the_calls_it_brings(outage_history, org, clock, client):
    h = _as(client, "supervisor")
    nothing = client.get("/api/v1/calls/roster", params={"week": "2026-11-30"}).json()
    assert nothing["planned_outages"]["outages"] == [] and all(x["outage_calls"] == 0 and x["needed"] == x["usually_needed"] for x in nothing["hours"])
    learned = nothing["planned_outages"]["learned"]
    assert learned == {"outages": 3, "customers": 366, "calls": 60, "calls_per_customer": round(60 / 366, 4), "shares": {"before": 0.3, "during": 0.6, "after": 0.1}, "assumed": False}

    start = clock.now() + timedelta(weeks=1)  # next Tuesday 09:00–15:00
    with org.db.write() as session:
        coming = outages.create_outage(session, actor=org.principal("supervisor"), now=clock.now(), utility="electric", kind="planned", devices=["SW1"], starts_at=start,
                                       ends_at=start + timedelta(hours=6), reason="线路迁改")
        coming_id, number = coming.id, coming.number
    # The outage says what it will bring the hotline, and links to that week's roster.
    told = client.get(f"/api/v1/outages/{coming_id}").json()["hotline_calls"]
    assert told == {"calls": 20.0, "before": 6.0, "during": 12.0, "after": 2.0, "calls_per_customer": round(60 / 366, 4), "assumed": False}
    restored = client.get("/api/v1/outages", params={"status": "restored"}).json()
    assert len(restored) == 3 and client.get(f"/api/v1/outages/{restored[0]['id']}").json()["hotline_calls"] is None  # over: nothing more to bring
    outage_page = client.get(f"/outages/{coming_id}").text
    assert "热线预计来电约 20 通（停电前一天 6 通，停电期间 12 通，复电后两小时内 2 通）" in outage_page and "/calls/roster?week=2026-12-01" in outage_page
    asked = {"week": "2026-11-30"}
    week = client.get("/api/v1/calls/roster", params=asked).json()
    [listed] = week["planned_outages"]["outages"]
    assert (listed["number"], listed["customers"], listed["calls_expected"], listed["calls_this_week"]) == (number, 122, 20.0, 20.0)
    hours = week["hours"]
    assert sum(x["outage_calls"] for x in hours) == pytest.approx(20, abs=0.01)
    assert [hours[24 + h]["outage_calls"] for h in range(9, 15)] == [2.0] * 6 and hours[24 + 15]["outage_calls"] == hours[24 + 16]["outage_calls"] == 1.0
    assert sum(x["outage_calls"] for x in hours[9:33]) == pytest.approx(6, abs=0.01) and hours[24 + 17]["outage_calls"] == 0
    # Erlang C asked again for those hours, on top of the typical Tuesday's calls.
    forecast = client.get("/api/v1/calls/staffing").json()
    typical = forecast["slots"]
    assert forecast["outage_calls_left_out"] == 60 and typical[24 + 12]["calls"] == pytest.approx(1 / 3)  # the stranger's call stays
    [ahead] = forecast["outages_ahead"]
    assert (ahead["number"], ahead["customers"], round(ahead["expected"], 1), ahead["monday"]) == (number, 122, 20.0, "2026-11-30")
    forecast_page = client.get("/calls/staffing").text
    assert 'id="outages-ahead"' in forecast_page and "12-01 09:00–15:00" in forecast_page and 'href="/calls/roster?week=2026-11-30' in forecast_page
    tuesday_ten = 24 + 10
    usual_calls = typical[tuesday_ten]["calls"]
    assert hours[tuesday_ten]["usually_needed"] == typical[tuesday_ten]["rostered"]
    assert hours[tuesday_ten]["needed"] == staffing.rostered(staffing.agents_needed(usual_calls + 2, staffing.DEFAULT_AHT_SECONDS)) > hours[tuesday_ten]["usually_needed"]
    assert all(x["needed"] >= x["usually_needed"] for x in hours) and all(x["needed"] == x["usually_needed"] for x in hours if x["outage_calls"] == 0)
    # The hotline's supervisors hear of it, once; the water company's do not. A one-customer
    # outage at the same hours brings a sixth of a call: it raises nothing and is not named.
    with org.db.write() as session:
        small = outages.create_outage(session, actor=org.principal("supervisor"), now=clock.now(), utility="electric", kind="planned", devices=["T1"], starts_at=start,
                                      ends_at=start + timedelta(hours=6), reason="换表").number
        assert outage_roster.tell(session, now=clock.now()) == outage_roster.tell(session, now=clock.now()) == [number] and small != number
    with org.db.read() as session:
        notes = session.scalars(select(Notification).where(Notification.event == "roster.outage_short")).all()
        told = [n.recipient_id for n in notes]
        assert len(told) == len(set(told)) and org.user_id("supervisor") in told and org.user_id("w_supervisor") not in told  # once each
        body = next(n.body for n in notes if n.recipient_id == org.user_id("supervisor"))
        assert number in body and "11-30 09:00–12-01 12:00 (0/2), 12-01 13:00–17:00 (0/2)" in body and "2026-11-30 起一周" in body
    # Filling the week's gaps fills them for the outage too.
    filled = client.post("/api/v1/calls/roster/generate", json={"week": "2026-11-30"}, headers=h)
    assert filled.status_code == 200, filled.text
    after = client.get("/api/v1/calls/roster", params={"week": "2026-11-30"}).json()["hours"]
    assert all(after[24 + hour]["on_roster"] >= after[24 + hour]["needed"] for hour in range(9, 17)) or filled.json()["unfilled"]
    if not filled.json()["unfilled"]:
        with org.db.read() as session:
            assert outage_roster.short(session, company=auth.get_org_unit(session, actor=org.principal("admin"), org_unit_id=org.units["XC-E"]), now=clock.now()) == []
    # The page says so, with the rate learned.
    page = client.get("/calls/roster", params=asked).text
    assert "本周计划停电" in page and number in page and "每百户 16.4 通" in page and "停电前一天 30%" in page and 'id="roster-raised"' in page
    # The water company's hotline has had no planned outage: it reckons with the assumed rate, and this outage is not its own.
    _as(client, "w_supervisor")
    water = client.get("/api/v1/calls/roster", params={"week": "2026-11-30"}).json()["planned_outages"]
    assert water["outages"] == [] and water["learned"]["assumed"] and water["learned"]["calls_per_customer"] == 0.1
    assert "本周计划停电" not in client.get("/calls/roster", params={"week": "2026-11-30"}).text
