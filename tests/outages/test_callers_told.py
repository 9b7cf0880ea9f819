"""A caller inside a known or predicted outage is told at intake: on the agent's screen
pop, in the routing answer, and in the Open311 response."""

from __future__ import annotations

from datetime import timedelta

from gridcare.open311 import service as open311
from gridcare.outages import service
from tests.calls.conftest import make_pbx_token
from tests.support.demo_client import as_user
from tests.support.web import client_for


def test_it_shows_the_outage_on_the_screen_pop_and_routes_to_the_outage_answer(settings, database, clock, world):
    with database.write() as session:
        outage = service.create_outage(session, actor=world.principal("supervisor"), now=clock.now(), utility="electric", kind="unplanned", devices=["SW1"], area="五一大道东段", eta=clock.now() + timedelta(hours=2))
        oid, number = outage.id, outage.number
    token = make_pbx_token(world, clock)
    with client_for(settings, database, clock) as client:
        pbx = {"Authorization": f"Bearer {token}"}
        call = client.post("/api/v1/calls/events", json={"call_id": "c1", "event": "ringing", "caller": "13900001111", "agent_extension": "8001", "timestamp": clock.now().isoformat()}, headers=pbx).json()
        as_user(client, "agent")
        card = client.get(f"/api/v1/calls/{call['id']}/card").json()
        assert [(o["id"], o["number"], o["status"]) for o in card["outages"]] == [(oid, number, "active")]
        assert card["customers"][0]["outages"][0]["title"].startswith("五一大道东段")
        assert "五一大道东段" in client.get(f"/calls/{call['id']}/card").text
        route = client.get("/api/v1/calls/route", params={"caller": "13900001111"}).json()
        assert route["destination"] == "outage" and route["outage"]["id"] == oid
        elsewhere = client.get("/api/v1/calls/route", params={"caller": "13812345678"}).json()
        assert elsewhere["destination"] != "outage"  # 王芳 is on T1, still supplied


def test_it_tells_an_open311_requester_inside_the_outage(settings, database, clock, world):
    with database.write() as session:
        service.create_outage(session, actor=world.principal("supervisor"), now=clock.now(), utility="electric", kind="unplanned", devices=["SW1"], area="五一大道东段", eta=clock.now() + timedelta(hours=2))
        key = open311.create_key(session, now=clock.now(), name="wechat")
    with client_for(settings, database, clock) as client:
        inside = client.post("/open311/v2/requests.json", data={"api_key": key, "service_code": "repair", "account_id": "E002", "description": "家里停电"})
        assert inside.status_code == 201, inside.text
        notice = inside.json()[0]["service_notice"]
        assert "五一大道东段" in notice and "2026-11-24 11:00" in notice
        number = inside.json()[0]["service_request_id"]
        assert "五一大道东段" in client.get(f"/open311/v2/requests/{number}.json").json()[0]["service_notice"]
        outside = client.post("/open311/v2/requests.json", data={"api_key": key, "service_code": "repair", "account_id": "E001", "description": "家里停电"})
        assert "五一大道东段" not in outside.json()[0]["service_notice"]
