"""The screen-pop card and the routing answer, through the REST API on both databases."""

from __future__ import annotations

from datetime import timedelta

from gridcare.core.principal import system_principal
from gridcare.customers import service as customers
from gridcare.workorders import duty
from gridcare.workorders import service as orders
from tests.calls.conftest import make_pbx_token
from tests.support import org as demo_org
from tests.support.demo_client import as_user
from tests.support.web import sign_in
from tests.support.wire import watched


def as_agent(client, login: str = "agent") -> dict[str, str]:
    return as_user(client, login)


def test_it_shows_the_callers_customer_with_tags_grid_rep_and_open_orders(pbx, client, org, clock, database):
    with database.write() as session:
        order = orders.create_order(session, actor=org.principal("agent"), now=clock.now(), intake=orders.Intake(category="repair", channel="hotline", account="E001", description="停电")).order
    earlier = pbx.post("ringing", "earlier", caller="13812345678", agent_extension="8001", after=-3600).json()
    call = pbx.post("ringing", "now", caller="+86 138 1234 5678", agent_extension="8001").json()
    as_agent(client)
    card = client.get(f"/api/v1/calls/{call['id']}/card").json()
    # The number is 王芳's for power and for water; an electric agent sees the power account.
    assert [c["account"] for c in card["customers"]] == ["E001"]
    c = card["customers"][0]
    assert c["name"] == "王芳" and c["grid"]["code"] == "E-WEST" and c["grid"]["rep"] == "张台区经理" and c["grid"]["rep_phone"] == "138 0000 0005"
    assert [o["number"] for o in c["open_orders"]] == [order.number]
    assert c["open_orders"][0]["next_deadline"]["step"] == "accept" and c["open_orders"][0]["next_deadline"]["remaining_seconds"] == 300
    assert [o["number"] for o in c["last_orders"]] == [order.number]
    assert [lc["id"] for lc in card["last_calls"]] == [earlier["id"]]
    assert card["outages"] == [] and card["caller"] == "138 1234 5678"
    client.cookies.clear()
    _, _ = sign_in(client, "admin", demo_org.PASSWORD)
    everyone = client.get(f"/api/v1/calls/{call['id']}/card").json()
    assert sorted(c["account"] for c in everyone["customers"]) == ["E001", "W001"]


def test_the_card_reads_the_waiting_spans_of_all_open_orders_at_once(pbx, client, org, clock, database):
    with database.write() as session:
        for category in ("repair", "consultation", "complaint", "service_request", "reconnection"):
            orders.create_order(session, actor=org.principal("agent"), now=clock.now(), intake=orders.Intake(category=category, channel="hotline", account="E001", description="来电"))
    call = pbx.post("ringing", caller="13812345678", agent_extension="8001").json()
    as_agent(client)
    client.get(f"/api/v1/calls/{call['id']}/card")  # the sign-in's and the caches' reads
    with watched(database) as wire:
        card = client.get(f"/api/v1/calls/{call['id']}/card").json()
    opened = card["customers"][0]["open_orders"]
    assert len(opened) == 5 and all(o["next_deadline"] is not None for o in opened)
    assert len([sql for sql in wire.statements if "FROM work_order_pauses" in sql]) == 1  # not one per order
    if database.dialect == "postgresql":
        # The call, its customers, then orders, pauses, outages and last calls at once.
        assert [len(t) for t in wire.trips] == [1, 1, 4]


def test_it_shows_the_tags_of_a_key_customer(pbx, client):
    call = pbx.post("ringing", caller="13700002222", agent_extension="8001").json()
    as_agent(client)
    card = client.get(f"/api/v1/calls/{call['id']}/card").json()
    assert card["customers"][0]["name"] == "长沙市第一中学" and card["customers"][0]["tags"] == ["major", "protected"]
    page = client.get(f"/calls/{call['id']}/card").text
    assert "长沙市第一中学" in page and "tag-protected" in page and "新建工单" in page


def test_it_lets_the_agent_find_link_or_register_an_unknown_caller(pbx, client, database):
    call = pbx.post("ringing", caller="0731-8555 0000", agent_extension="8001").json()
    headers = as_agent(client)
    card = client.get(f"/api/v1/calls/{call['id']}/card").json()
    assert card["known"] is False and card["customers"] == []
    page = client.get(f"/calls/{call['id']}/card").text
    assert f'hx-get="/calls/{call["id"]}/search"' in page and 'action="/calls/%d/new-customer"' % call["id"] in page
    found = client.get(f"/calls/{call['id']}/search", params={"q": "长沙市第一"}).text
    assert "长沙市第一中学" in found and f'action="/calls/{call["id"]}/customer"' in found
    with database.read() as session:
        school = customers.find_by_account(session, actor=system_principal(), account="E003")
    linked = client.post(f"/api/v1/calls/{call['id']}/customer", json={"customer_id": school.id}, headers=headers)
    assert linked.status_code == 200 and linked.json()["customer_id"] == school.id
    assert client.get(f"/api/v1/calls/{call['id']}/card").json()["customers"][0]["account"] == "E003"

    other = pbx.post("ringing", "new-caller", caller="0731-8555 0001", agent_extension="8001").json()
    bad = client.post(f"/api/v1/calls/{other['id']}/new-customer", json={"account": "", "name": "", "utility": "steam"}, headers=headers)
    assert bad.status_code == 422 and {e["field"] for e in bad.json()["errors"]} == {"account", "name", "utility"}
    made = client.post(f"/api/v1/calls/{other['id']}/new-customer", json={"account": "N001", "name": "赵新户", "address": "芙蓉区新路1号"}, headers=headers)
    assert made.status_code == 201 and made.json()["customer_id"] is not None
    again = pbx.post("ringing", "new-caller-2", caller="073185550001", agent_extension="8001").json()
    assert again["customer_id"] == made.json()["customer_id"]  # the number now finds them
    taken = client.post(f"/api/v1/calls/{other['id']}/new-customer", json={"account": "N001", "name": "重复"}, headers=headers)
    assert taken.status_code == 409


def test_it_starts_a_prefilled_work_order_from_the_call(pbx, client, org):
    call = pbx.post("ringing", caller="0731-88881234", agent_extension="8001", queue="repair").json()
    headers = as_agent(client)
    body = {"category": "repair", "description": "楼道没电", "idempotency_key": "call-click-1"}
    made = client.post(f"/api/v1/calls/{call['id']}/work-order", json=body, headers=headers)
    assert made.status_code == 201, made.text
    order = client.get(f"/api/v1/work-orders/{made.json()['id']}").json()
    assert order["customer_id"] == call["customer_id"] and order["channel"] == "hotline" and order["caller_name"] == "李强"
    assert client.get(f"/api/v1/calls/{call['id']}").json()["work_order_id"] == order["id"]
    twice = client.post(f"/api/v1/calls/{call['id']}/work-order", json=body, headers=headers)
    assert twice.status_code == 200 and twice.json()["id"] == order["id"] and twice.json()["replayed"] is True
    bad = client.post(f"/api/v1/calls/{call['id']}/work-order", json={"category": "gossip"}, headers=headers)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "category"
    page = client.post(f"/calls/{call['id']}/order", data={"category": "consultation", "description": "电价咨询", "csrf_token": headers["X-CSRF-Token"]})
    assert page.status_code == 303 and page.headers["location"].startswith("/orders/")


def _west_customer(database, clock, phone: str = "13600001234") -> None:
    with database.write() as session:
        customers.create_customer(session, actor=system_principal(), now=clock.now(), account="E900", name="西区新户", phones=[phone], lon=112.93, lat=28.12)


def test_it_routes_to_the_grid_rep_on_duty_and_free(client, pbx_token, database, clock, org):
    _west_customer(database, clock)
    auth = {"Authorization": f"Bearer {pbx_token}"}
    r = client.get("/api/v1/calls/route", params={"caller": "136-0000-1234"}, headers=auth).json()
    assert r["destination"] == "rep" and r["user"]["name"] == "张台区经理" and r["phone"] == "+8613800000005"
    assert r["extension"] is None and "E-WEST" in r["reason"] and r["outage"] is None
    text = client.get("/api/v1/calls/route", params={"caller": "13600001234", "format": "text"}, headers=auth)
    assert text.text == "rep;;+8613800000005" and text.headers["content-type"].startswith("text/plain")


def test_it_routes_to_an_expert_then_to_the_general_queue_when_the_rep_cannot_take_it(client, pbx, pbx_token, database, clock, org):
    _west_customer(database, clock)
    auth = {"Authorization": f"Bearer {pbx_token}"}
    with database.write() as session:
        duty.add_absence(session, actor=system_principal(), now=clock.now(), user_id=org.user_id("rep"), starts_at=clock.now() - timedelta(hours=1), ends_at=clock.now() + timedelta(hours=8), reason="培训")
    general = client.get("/api/v1/calls/route", params={"caller": "13600001234"}, headers=auth).json()
    assert general["destination"] == "general" and "off duty" in general["reason"] and "no expert seat is free" in general["reason"]
    chinese = client.get("/api/v1/calls/route", params={"caller": "13600001234"}, headers={**auth, "Accept-Language": "zh-CN"}).json()
    assert chinese["reason"].endswith("不在岗；没有空闲的专家席")
    headers = as_agent(client, "expert")
    assert client.put("/api/v1/calls/agents/me/status", json={"status": "available"}, headers=headers).json()["extension"] == "8101"
    expert = client.get("/api/v1/calls/route", params={"caller": "13600001234"}, headers=auth).json()
    assert expert["destination"] == "expert" and expert["extension"] == "8101" and expert["user"]["name"] == "陈专家"
    pbx.post("ringing", "expert-busy", agent_extension="8101")
    busy = client.get("/api/v1/calls/route", params={"caller": "13600001234"}, headers=auth).json()
    assert busy["destination"] == "general"


def test_it_does_not_route_to_a_rep_already_on_a_call(client, pbx, pbx_token, database, clock, org):
    _west_customer(database, clock)
    supervisor = make_pbx_token(org, clock, login="sup-bot", role="supervisor")
    put = client.put(f"/api/v1/calls/agents/{org.user_id('rep')}/extension", json={"extension": "8301"}, headers={"Authorization": f"Bearer {supervisor}"})
    assert put.status_code == 200
    taken = client.put(f"/api/v1/calls/agents/{org.user_id('agent2')}/extension", json={"extension": "8301"}, headers={"Authorization": f"Bearer {supervisor}"})
    assert taken.status_code == 409
    pbx.post("ringing", "rep-call", agent_extension="8301")
    r = client.get("/api/v1/calls/route", params={"caller": "13600001234"}, headers={"Authorization": f"Bearer {pbx_token}"}).json()
    assert r["destination"] == "general" and "on another call" in r["reason"]


def test_it_routes_unknown_and_bad_numbers_to_the_general_queue(client, pbx_token):
    auth = {"Authorization": f"Bearer {pbx_token}"}
    unknown = client.get("/api/v1/calls/route", params={"caller": "anonymous"}, headers=auth).json()
    assert unknown["destination"] == "general" and "matches no customer" in unknown["reason"]
    too_long = client.get("/api/v1/calls/route", params={"caller": "1" * 80}, headers=auth)
    assert too_long.status_code == 422 and too_long.json()["errors"][0]["field"] == "caller"


def test_it_refuses_bad_status_and_extensions_naming_the_field(client, org, clock):
    headers = as_agent(client, "agent2")
    bad = client.put("/api/v1/calls/agents/me/status", json={"status": "sleeping"}, headers=headers)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "status"
    supervisor = make_pbx_token(org, clock, login="sup-bot2", role="supervisor")
    wrong = client.put(f"/api/v1/calls/agents/{org.user_id('rep')}/extension", json={"extension": "83x"}, headers={"Authorization": f"Bearer {supervisor}"})
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "extension"
    not_mine = client.put(f"/api/v1/calls/agents/{org.user_id('rep')}/extension", json={"extension": "8888"}, headers=headers)
    assert not_mine.status_code == 403
