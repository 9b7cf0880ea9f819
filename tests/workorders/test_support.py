"""Departments, contractors, experts and photos around an order."""

import io

import pytest
from sqlalchemy import select

from gridcare.workorders.models import OrderEvent
from tests.support.demo_client import as_user, load_world, open_client

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 200


@pytest.fixture
def client(settings, database, clock):
    with open_client(settings, database, clock, org=load_world(database, clock)) as c:
        yield c


def new_order(client):
    h = as_user(client, "agent")
    return client.post("/api/v1/work-orders", json={"category": "repair", "account": "E001", "description": "水管漏水"}, headers=h).json()["id"]


def test_it_pulls_in_a_contractor_who_sees_only_that_order_and_the_rep_confirms(client):
    order_id = new_order(client)
    other = new_order(client)
    h = as_user(client, "rep")
    task = client.post(f"/api/v1/work-orders/{order_id}/tasks", json={"unit_id": client.org.units["HC"], "title": "开挖抢修", "due_minutes": 240}, headers=h)
    assert task.status_code == 201
    task_id = task.json()["id"]
    h = as_user(client, "contractor")
    assert [t["id"] for t in client.get("/api/v1/support-tasks").json()] == [task_id]
    assert client.get(f"/api/v1/work-orders/{order_id}").status_code == 200
    assert client.get(f"/api/v1/work-orders/{other}").status_code == 404
    assert client.post(f"/api/v1/support-tasks/{task_id}/done", json={"result": "已更换管段"}, headers=h).json()["status"] == "done"
    h = as_user(client, "rep")
    assert client.post(f"/api/v1/support-tasks/{task_id}/confirm", json={"accepted": True}, headers=h).json()["status"] == "confirmed"
    kinds = [e["kind"] for e in client.get(f"/api/v1/work-orders/{order_id}").json()["timeline"]]
    assert kinds[-3:] == ["task.created", "task.done", "task.confirmed"]


def test_it_refuses_a_task_for_a_unit_that_is_not_a_department_or_contractor(client):
    order_id = new_order(client)
    h = as_user(client, "rep")
    bad = client.post(f"/api/v1/work-orders/{order_id}/tasks", json={"unit_id": client.org.units["XC-E-FR-WY"], "title": "x"}, headers=h)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "unit_id"


def test_it_routes_a_question_to_the_experts_and_their_answer_back_to_the_order(client):
    order_id = new_order(client)
    h = as_user(client, "rep")
    asked = client.post(f"/api/v1/work-orders/{order_id}/questions", json={"question": "分时电价怎么计费？"}, headers=h).json()
    h = as_user(client, "expert")
    assert [q["id"] for q in client.get("/api/v1/expert-questions").json()] == [asked["id"]]
    answered = client.post(f"/api/v1/expert-questions/{asked['id']}/answer", json={"answer": "峰谷时段分别计价"}, headers=h).json()
    assert answered["answered_by"] == "expert"
    assert client.get("/api/v1/expert-questions").json() == []
    h = as_user(client, "rep")
    refused = client.post(f"/api/v1/expert-questions/{asked['id']}/answer", json={"answer": "x"}, headers=h)
    assert refused.status_code == 403


def test_it_keeps_photos_outside_the_database_and_rejects_what_is_not_a_photo(client, settings, database):
    order_id = new_order(client)
    h = as_user(client, "rep")
    up = client.post(f"/api/v1/work-orders/{order_id}/attachments", files={"file": ("现场.jpg", io.BytesIO(JPEG), "image/png")}, data={"lon": "112.92", "lat": "28.12"}, headers=h)
    assert up.status_code == 201 and up.json()["media_type"] == "image/jpeg"
    stored = settings.data_dir / "uploads" / up.json()["sha256"][:2] / up.json()["sha256"]
    assert stored.read_bytes() == JPEG
    got = client.get(f"/api/v1/work-orders/{order_id}/attachments/{up.json()['id']}")
    assert got.content == JPEG and got.headers["content-type"] == "image/jpeg" and got.headers["x-content-type-options"] == "nosniff"
    html = client.post(f"/api/v1/work-orders/{order_id}/attachments", files={"file": ("x.jpg", io.BytesIO(b"<script>alert(1)</script>"), "image/jpeg")}, headers=h)
    assert html.status_code == 422 and html.json()["errors"][0]["field"] == "file"
    with database.read() as session:
        assert session.scalars(select(OrderEvent.kind).where(OrderEvent.order_id == order_id, OrderEvent.kind == "attachment.added")).all() == ["attachment.added"]


def test_a_closed_or_cancelled_order_pulls_in_nobody_and_its_page_offers_no_one(client, database):
    h = as_user(client, "agent")
    answered = client.post("/api/v1/work-orders", json={"category": "consultation", "account": "E001", "description": "电价", "answer": "按阶梯计价"}, headers=h).json()["id"]
    cancelled = new_order(client)
    assert client.post(f"/api/v1/work-orders/{cancelled}/commands", json={"command": "cancel", "args": {"reason": "客户撤回"}}, headers=as_user(client, "supervisor")).status_code == 200
    with database.read() as session:
        events = len(session.scalars(select(OrderEvent.id)).all())
    for order_id, status in ((answered, "已归档"), (cancelled, "已撤销")):
        h = as_user(client, "supervisor")
        task = client.post(f"/api/v1/work-orders/{order_id}/tasks", json={"unit_id": client.org.units["HC"], "title": "开挖抢修"}, headers=h)
        question = client.post(f"/api/v1/work-orders/{order_id}/questions", json={"question": "还要做什么？"}, headers=h | {"Accept-Language": "zh-CN"})
        assert task.status_code == question.status_code == 409, (task.text, question.text)
        assert status in question.json()["detail"]
        page = client.get(f"/orders/{order_id}").text
        assert 'name="action" value="task"' not in page and 'name="action" value="ask"' not in page
    with database.read() as session:
        assert len(session.scalars(select(OrderEvent.id)).all()) == events
    # An open order still offers both.
    page = client.get(f"/orders/{new_order(client)}").text
    assert 'name="action" value="ask"' in page
