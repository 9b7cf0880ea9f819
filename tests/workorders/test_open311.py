"""Open311 GeoReport v2, and the issue's end-to-end check: an order posted through Open311
lands with the right rep, escalates when its accept deadline passes while the server is
down, is accepted, resolved, called back and closed, all visible in the timeline."""

from datetime import timedelta
from xml.etree import ElementTree

import pytest

from gridcare.config import load_settings
from gridcare.main import load_plugins
from gridcare.open311 import service as open311
from gridcare.pubsub import Broadcaster
from gridcare.worker import Worker, WorkerContext
from tests.support import area
from tests.support import org as demo_org
from tests.support.web import client_for, sign_in


@pytest.fixture
def setup(settings, database, clock):
    org = demo_org.load(database, clock)
    area.load(org, clock)
    with database.write() as session:
        key = open311.create_key(session, now=clock.now(), name="wechat")
    return org, key


def test_it_lists_services_in_json_and_xml(settings, database, clock, setup):
    with client_for(settings, database, clock) as client:
        services = client.get("/open311/v2/services.json").json()
        assert {s["service_code"] for s in services} >= {"repair", "consultation", "complaint"}
        assert next(s for s in services if s["service_code"] == "repair")["service_name"] == "故障报修"
        xml = ElementTree.fromstring(client.get("/open311/v2/services.xml").content)
        assert xml.tag == "services" and len(xml.findall("service")) == len(services)
        assert client.get("/open311/v2/services/nope.json").json() == [{"code": 404, "description": "service_code: no service 'nope'"}]


def test_it_refuses_posts_without_a_valid_key_in_the_specs_error_format(settings, database, clock, setup):
    with client_for(settings, database, clock) as client:
        missing = client.post("/open311/v2/requests.json", data={"service_code": "repair", "lat": "28.12", "long": "112.92"})
        assert missing.status_code == 401 and missing.json()[0]["description"].startswith("api_key:")
        _, key = setup
        bad = client.post("/open311/v2/requests.json", data={"api_key": key, "service_code": "weather", "lat": "28.12", "long": "112.92"})
        assert bad.status_code == 400 and bad.json()[0]["description"].startswith("service_code:")


def test_it_runs_an_open311_request_through_the_whole_loop_across_a_restart(settings, database, clock, setup):
    org, key = setup
    with client_for(settings, database, clock) as client:
        posted = client.post(
            "/open311/v2/requests.json",
            data={"api_key": key, "service_code": "repair", "lat": "28.12", "long": "112.92", "description": "小区停电", "first_name": "芳", "last_name": "王", "phone": "13812345678"},
            headers={"Idempotency-Key": "wx-1"},
        )
        assert posted.status_code == 201
        request_id = posted.json()[0]["service_request_id"]
        again = client.post("/open311/v2/requests.json", data={"api_key": key, "service_code": "repair", "lat": "28.12", "long": "112.92"}, headers={"Idempotency-Key": "wx-1"})
        assert again.json()[0]["service_request_id"] == request_id
        public = client.get(f"/open311/v2/requests/{request_id}.json").json()[0]
        assert public["status"] == "open" and "西网格" in public["agency_responsible"] and "张台区经理" in public["agency_responsible"]
        assert "13812345678" not in str(public) and "王" not in public["description"]
        xml = ElementTree.fromstring(client.get(f"/open311/v2/requests/{request_id}.xml").content)
        assert xml.find("request/service_request_id").text == request_id
        assert client.get(f"/open311/v2/tokens/{request_id}.json").json() == [{"service_request_id": request_id, "token": request_id}]

    # The server goes down; the accept deadline (5 min) passes; on restart the worker escalates.
    clock.advance(timedelta(minutes=30))
    s = load_settings()
    load_plugins(s)
    Worker(WorkerContext(db=database, broadcaster=Broadcaster(), settings=s, clock=clock), name="after-restart").run_once()

    with client_for(settings, database, clock) as client:
        _, token = sign_in(client, "rep", demo_org.PASSWORD)
        mine = client.get("/api/v1/work-orders", params={"mine": "true"}).json()
        assert [o["number"] for o in mine] == [request_id] and mine[0]["escalation_level"] == 1
        order_id = mine[0]["id"]
        h = {"X-CSRF-Token": token}
        for command, args in (("accept", {}), ("arrive", {"lon": 112.92, "lat": 28.12}), ("resolve", {"resolution": "fuse_replaced"})):
            clock.advance(timedelta(minutes=5))
            assert client.post(f"/api/v1/work-orders/{order_id}/commands", json={"command": command, "args": args}, headers=h).status_code == 200
        client.cookies.clear()
        _, token = sign_in(client, "agent", demo_org.PASSWORD)
        closed = client.post(f"/api/v1/work-orders/{order_id}/commands", json={"command": "callback", "args": {"satisfaction": 5}}, headers={"X-CSRF-Token": token}).json()
        assert closed["status"] == "closed"
        kinds = [e["kind"] for e in client.get(f"/api/v1/work-orders/{order_id}").json()["timeline"]]
        assert kinds == ["order.created", "order.dispatched", "order.escalated", "order.accepted", "order.arrived", "order.resolved", "order.callback_done", "order.closed"]
        assert client.get(f"/open311/v2/requests/{request_id}.json").json()[0]["status"] == "closed"
