"""The workbench on the home page and at /api/v1/workbench: each role's figures are what
the pages behind them list."""

from datetime import timedelta

import pytest

from gridcare.core.principal import Role
from tests.support.demo_client import as_user, load_world, open_client


@pytest.fixture
def client(settings, database, clock):
    with open_client(settings, database, clock, org=load_world(database, clock)) as c:
        yield c


def new_order(client, account="E001", agent="agent"):
    h = as_user(client, agent)
    made = client.post("/api/v1/work-orders", json={"category": "repair", "account": account, "description": "家里停电"}, headers=h)
    assert made.status_code == 201, made.text
    return made.json()


def tiles(client, language="en"):
    got = client.get("/api/v1/workbench", headers={"Accept-Language": language})
    assert got.status_code == 200, got.text
    return got.json(), {t["key"]: t for t in got.json()["tiles"]}


def run_worker(client, clock):
    from gridcare.config import load_settings
    from gridcare.main import load_plugins
    from gridcare.pubsub import Broadcaster
    from gridcare.worker import Worker, WorkerContext

    s = load_settings()
    load_plugins(s)
    Worker(WorkerContext(db=client.app.state.gridcare.db, broadcaster=Broadcaster(), settings=s, clock=clock), name="w").run_once()


def test_the_rep_sees_first_what_waits_on_them_and_their_most_urgent_orders(client):
    first, second = new_order(client), new_order(client)
    h = as_user(client, "rep")
    assert client.post(f"/api/v1/work-orders/{first['id']}/commands", json={"command": "accept"}, headers=h).status_code == 200
    body, by_key = tiles(client)
    assert [t["key"] for t in body["tiles"]][:2] == ["orders.to_accept", "orders.mine"]
    assert by_key["orders.to_accept"]["count"] == 1 and by_key["orders.to_accept"]["tone"] == "alert"
    assert by_key["orders.mine"]["count"] == 2 and by_key["orders.mine"]["href"] == "/m"
    assert by_key["orders.late"] == {"key": "orders.late", "label": "Late and escalated", "count": 0, "href": "/orders?view=late", "tone": "calm"}
    assert "orders.open" not in by_key and "tasks.open" not in by_key
    assert {o["id"] for o in body["next_orders"]} == {first["id"], second["id"]}
    assert all(o["next_due_at"] for o in body["next_orders"])
    page = client.get("/").text
    assert "待您接单" in page and first["number"] in page and second["number"] in page and "您最紧急的工单" in page


def test_a_late_order_counts_for_the_supervisor_in_their_language(client, clock):
    made = new_order(client)
    clock.advance(timedelta(minutes=10))
    run_worker(client, clock)
    as_user(client, "supervisor")
    body, by_key = tiles(client, "zh-CN")
    assert body["tiles"][0]["key"] == "orders.late"
    assert by_key["orders.late"]["count"] == 1 and by_key["orders.late"]["label"] == "超时督办" and by_key["orders.late"]["tone"] == "alert"
    assert by_key["orders.open"]["count"] == 1 and by_key["orders.due_soon"]["count"] == 0
    assert body["next_orders"][0]["number"] == made["number"] and body["next_orders"][0]["escalation_level"] == 1
    late_page = client.get(by_key["orders.late"]["href"]).text
    assert made["number"] in late_page
    # The SMS to the rep found no gateway configured: a message that could not be sent.
    dead = client.get(by_key["notify.dead"]["href"].replace("/notifications", "/api/v1/notifications")).json()
    assert by_key["notify.dead"]["count"] == len(dead) == 1 and by_key["notify.dead"]["tone"] == "alert"


def test_a_department_sees_its_tasks_and_when_they_run_late(client, clock):
    made = new_order(client)
    h = as_user(client, "rep")
    task = client.post(f"/api/v1/work-orders/{made['id']}/tasks", json={"unit_id": client.org.units["XC-E-MKT"], "title": "核实电费账单", "due_minutes": 30}, headers=h)
    assert task.status_code == 201, task.text
    as_user(client, "department")
    body, by_key = tiles(client)
    assert [t["key"] for t in body["tiles"]][:2] == ["tasks.overdue", "tasks.open"]
    assert by_key["tasks.open"]["count"] == 1 and by_key["tasks.overdue"]["count"] == 0
    assert [(t["order_number"], t["title"], t["overdue"]) for t in body["unit_tasks"]] == [(made["number"], "核实电费账单", False)]
    page = client.get("/").text
    assert "核实电费账单" in page and made["number"] in page and 'id="unit-tasks"' in page
    assert 'data-state="ok"' in page and '<b class="cd-left">30′</b>' in page  # counts down in the browser
    clock.advance(timedelta(minutes=31))
    body, by_key = tiles(client)
    assert by_key["tasks.overdue"]["count"] == 1 and by_key["tasks.overdue"]["tone"] == "alert" and body["unit_tasks"][0]["overdue"] is True
    assert 'class="cd cd-overdue"' in client.get("/").text
    as_user(client, "contractor")  # another unit: none of it
    body, by_key = tiles(client)
    assert by_key["tasks.open"]["count"] == 0 and body["unit_tasks"] == [] and body["next_orders"] == []


def test_every_tile_links_to_a_page_its_reader_may_open(client):
    new_order(client)
    for role in (r.value for r in Role):
        as_user(client, role)
        body, _ = tiles(client)
        assert body["tiles"], role
        home = client.get("/")
        assert home.status_code == 200
        for t in body["tiles"]:
            assert f'data-key="{t["key"]}"' in home.text
            if not t["href"].startswith("#"):
                assert client.get(t["href"]).status_code == 200, (role, t["href"])


def test_a_contractor_finds_its_tasks_on_its_phone_list_too(client):
    made = new_order(client, account="W001", agent="w_agent")
    h = as_user(client, "w_rep")
    task = client.post(f"/api/v1/work-orders/{made['id']}/tasks", json={"unit_id": client.org.units["HC"], "title": "开挖抢修", "due_minutes": 240}, headers=h)
    assert task.status_code == 201, task.text
    as_user(client, "contractor")
    page = client.get("/m").text
    assert "本单位协办任务" in page and "开挖抢修" in page and made["number"] in page
    as_user(client, "w_rep")
    assert "本单位协办任务" not in client.get("/m").text


def test_the_workbench_counts_again_without_the_page_around_it(client):
    as_user(client, "rep")
    home = client.get("/").text
    assert 'hx-get="/workbench/body"' in home
    assert 'data-key="orders.to_accept"><b class="tile-count">0</b>' in client.get("/workbench/body").text
    made = new_order(client)
    as_user(client, "rep")
    fragment = client.get("/workbench/body", headers={"HX-Request": "true"}).text
    assert 'data-key="orders.to_accept"><b class="tile-count">1</b>' in fragment and made["number"] in fragment
    assert "<html" not in fragment and 'id="live-status"' not in fragment


def test_outage_and_question_tiles_count_what_their_pages_list_in_the_readers_company(client, clock):
    """Counted in the database, per status and company: the water company's outage and
    question count for its own supervisor and not for the electric one's."""
    from gridcare.outages import service as outages

    with client.app.state.gridcare.db.write() as session:
        admin = client.org.principal("admin")
        outages.create_outage(session, actor=admin, now=clock.now(), utility="electric", kind="unplanned", devices=["SW1"], area="五一大道东段")
        outages.create_outage(session, actor=admin, now=clock.now(), utility="electric", kind="planned", devices=["T1"], starts_at=clock.now() + timedelta(days=2), ends_at=clock.now() + timedelta(days=2, hours=4))
        outages.predict(session, now=clock.now(), utility="electric", device="F1")
        outages.create_outage(session, actor=admin, now=clock.now(), utility="water", kind="unplanned", devices=["V1"], area="滨江路")
    electric, water = new_order(client), new_order(client, account="W001", agent="w_agent")
    for made, login in ((electric, "rep"), (water, "w_rep")):
        h = as_user(client, login)
        assert client.post(f"/api/v1/work-orders/{made['id']}/commands", json={"command": "accept"}, headers=h).status_code == 200
        assert client.post(f"/api/v1/work-orders/{made['id']}/questions", json={"question": "这个怎么处理？"}, headers=h).status_code == 201
    seen = {}
    for login in ("supervisor", "w_supervisor", "admin", "expert"):
        as_user(client, login)
        _, by_key = tiles(client)
        seen[login] = {k: t["count"] for k, t in by_key.items() if k.startswith(("outages.", "questions."))}
        for key, t in by_key.items():
            if key.startswith("outages."):
                assert len(client.get(t["href"].replace("/outages", "/api/v1/outages")).json()) == t["count"], (login, key)
        assert len(client.get("/api/v1/expert-questions").json()) == by_key["questions.open"]["count"], login
    assert seen["supervisor"] == {"outages.predicted": 1, "outages.active": 1, "outages.scheduled": 1, "questions.open": 1}
    assert seen["w_supervisor"] == {"outages.predicted": 0, "outages.active": 1, "outages.scheduled": 0, "questions.open": 1}
    assert seen["admin"] == {"outages.predicted": 1, "outages.active": 2, "outages.scheduled": 1, "questions.open": 2}
    assert seen["expert"] == seen["supervisor"]


def test_the_rep_hears_of_the_demands_in_their_grids_the_hotline_answered_without_them(client, clock):
    h = as_user(client, "agent")
    asked = {"category": "consultation", "description": "阶梯电价怎么算", "answer": "按年度累计用电量分三档计价"}
    mine = client.post("/api/v1/work-orders", json={**asked, "account": "E001"}, headers=h).json()
    other = client.post("/api/v1/work-orders", json={**asked, "account": "E002", "description": "峰谷电价几点开始"}, headers=h).json()
    assert mine["status"] == other["status"] == "closed"
    new_order(client)  # a repair dispatched to the rep is theirs already: not among these
    as_user(client, "rep")
    _, by_key = tiles(client)
    assert by_key["answered.today"] == {"key": "answered.today", "label": "Answered by the hotline in your grids today", "count": 1, "href": "/orders?view=answered", "tone": "calm"}
    listed = client.get("/api/v1/work-orders/answered").json()
    assert [(d["number"], d["question"], d["answer"], d["answered_by"], d["caller_name"]) for d in listed] == [(mine["number"], "阶梯电价怎么算", "按年度累计用电量分三档计价", "agent", "王芳")]
    page = client.get("/orders", params={"view": "answered"}).text
    assert mine["number"] in page and "按年度累计用电量分三档计价" in page and "李座席" in page and other["number"] not in page
    # The day after, the tile counts today's again; the list keeps the week.
    clock.advance(timedelta(days=1))
    assert tiles(client)[1]["answered.today"]["count"] == 0
    assert len(client.get("/api/v1/work-orders/answered").json()) == 1
    assert client.get("/api/v1/work-orders/answered", params={"days": 0}).json()["errors"][0]["field"] == "days"
    as_user(client, "supervisor")
    assert {d["number"] for d in client.get("/api/v1/work-orders/answered").json()} == {mine["number"], other["number"]}
    assert "answered.today" not in tiles(client)[1]  # the command center's own work: its figure is the answered rate
