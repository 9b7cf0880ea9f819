import pytest

from tests.support import org as demo_org
from tests.support.demo_client import load_world, open_client
from tests.support.web import sign_in


@pytest.fixture
def client(settings, database, clock):
    with open_client(settings, database, clock, org=load_world(database, clock)) as c:
        yield c


def test_it_takes_an_order_over_rest_idempotently_and_shows_its_countdowns(client):
    _, token = sign_in(client, "agent", demo_org.PASSWORD)
    headers = {"X-CSRF-Token": token, "Idempotency-Key": "web-123"}
    body = {"category": "repair", "channel": "web", "account": "E002", "description": "整栋楼停电"}
    first = client.post("/api/v1/work-orders", json=body, headers=headers)
    again = client.post("/api/v1/work-orders", json=body, headers=headers)
    assert first.status_code == 201 and again.status_code == 200 and first.json()["id"] == again.json()["id"]
    detail = client.get(f"/api/v1/work-orders/{first.json()['id']}").json()
    assert detail["status"] == "unassigned" and detail["dispatch_reason"] == "grid E-EAST has no rep: command-center queue"
    steps = {c["step"]: c for c in detail["countdowns"]}
    assert steps["arrive"]["remaining_seconds"] == 90 * 60  # E-EAST is rural: 90 minutes
    assert [e["kind"] for e in detail["timeline"]] == ["order.created", "order.unassigned"]


def test_it_answers_bad_orders_and_bad_commands_with_problem_json(client):
    _, token = sign_in(client, "agent", demo_org.PASSWORD)
    bad = client.post("/api/v1/work-orders", json={"category": "weather"}, headers={"X-CSRF-Token": token})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "category"
    made = client.post("/api/v1/work-orders", json={"category": "repair", "account": "E001"}, headers={"X-CSRF-Token": token}).json()
    nope = client.post(f"/api/v1/work-orders/{made['id']}/commands", json={"command": "teleport"}, headers={"X-CSRF-Token": token})
    assert nope.status_code == 422 and nope.json()["errors"] == [{"field": "command", "reason": "unknown command 'teleport'"}]


def test_it_hides_other_grids_orders_from_a_rep(client):
    _, token = sign_in(client, "agent", demo_org.PASSWORD)
    east = client.post("/api/v1/work-orders", json={"category": "repair", "account": "E002"}, headers={"X-CSRF-Token": token}).json()
    client.cookies.clear()
    sign_in(client, "rep", demo_org.PASSWORD)
    assert client.get(f"/api/v1/work-orders/{east['id']}").status_code == 404
    assert client.get("/api/v1/work-orders").json() == []
