"""An agent answers the caller on the call (当场解答): the demand is recorded as a work order,
closed as it is taken with nobody dispatched, and the knowledge-base article that answered it
counts the use and lists the demand. On both databases, over REST and the console's pages."""

from __future__ import annotations

from urllib.parse import unquote

from sqlalchemy import func, select

from gridcare.calls.models import CallRecord
from gridcare.customers.models import Customer
from gridcare.knowledge.models import Use
from gridcare.notify.models import Notification
from gridcare.workorders import states
from gridcare.workorders.models import WorkOrder
from tests.calls.test_card_and_route import as_agent
from tests.support import org as demo_org
from tests.support.web import sign_in

TARIFF = {"title": "居民阶梯电价怎么计算？", "body": "居民生活用电按年累计电量分三档。", "keywords": "电费怎么算", "topic": "电费电价", "utility": "electric"}
WATER_PRICE = {"title": "居民水价是多少？", "body": "居民生活用水实行阶梯水价。", "keywords": "水费", "topic": "水费", "utility": "water"}


def article(client, body) -> int:
    client.cookies.clear()
    _, token = sign_in(client, "expert", demo_org.PASSWORD)
    made = client.post("/api/v1/knowledge", json=body, headers={"X-CSRF-Token": token})
    assert made.status_code == 201, made.text
    return made.json()["id"]


def counts(database) -> tuple[int, int]:
    with database.read() as session:
        return session.scalar(select(func.count(WorkOrder.id))), session.scalar(select(func.count(Use.id)))


def test_an_answered_consultation_is_closed_as_it_is_taken_and_the_article_counts_the_demand(pbx, client, org, database):
    tariff = article(client, TARIFF)
    call = pbx.post("ringing", caller="0731-88881234", agent_extension="8001").json()
    headers = as_agent(client)
    body = {"category": "consultation", "description": "问电费怎么算的", "knowledge_article_id": tariff, "idempotency_key": "answer-1"}
    made = client.post(f"/api/v1/calls/{call['id']}/work-order", json=body, headers=headers)
    assert made.status_code == 201, made.text
    assert made.json()["status"] == "closed" and made.json()["dispatch_reason"] == states.ANSWERED_AT_INTAKE
    order = client.get(f"/api/v1/work-orders/{made.json()['id']}").json()
    agent_id = org.user_id("agent")
    assert order["handler_id"] == agent_id and order["customer_id"] == call["customer_id"]
    assert order["created_at"] == order["accepted_at"] == order["resolved_at"]
    # Each step met as it was taken, and no callback: the customer heard the answer.
    assert {c["step"]: c["met_at"] for c in order["countdowns"]} == {"accept": order["created_at"], "resolve": order["created_at"]}
    assert [e["kind"] for e in order["timeline"]] == ["order.created", "order.answered"]
    assert order["timeline"][1]["data"]["article_id"] == tariff
    with database.read() as session:
        stored = session.get(WorkOrder, order["id"])
        assert stored.closed_at == stored.created_at and stored.next_check_at is None and stored.resolution_note == TARIFF["title"]
        # Nobody was dispatched, so nobody is told to take it.
        assert session.scalar(select(func.count(Notification.id)).where(Notification.source_kind == "order", Notification.source_id == order["id"])) == 0
    assert client.get(f"/api/v1/calls/{call['id']}").json()["work_order_id"] == order["id"]

    again = client.post(f"/api/v1/calls/{call['id']}/work-order", json=body, headers=headers)
    assert again.status_code == 200 and again.json()["id"] == order["id"]
    assert client.get(f"/api/v1/knowledge/{tariff}").json()["uses"] == 1  # the retry counted nothing

    page = client.get(f"/knowledge/{tariff}").text
    assert order["number"] in page and "问电费怎么算的" in page and 'id="kb-answered"' in page
    shown = client.get(f"/orders/{order['id']}").text
    assert f'href="/knowledge/{tariff}"' in shown and TARIFF["title"] in shown and "当场解答" in shown


def test_a_typed_answer_closes_a_demand_of_an_unknown_caller_through_the_general_intake(client, org, database):
    headers = as_agent(client)
    made = client.post("/api/v1/work-orders", json={"category": "suggestion", "channel": "letter", "description": "建议营业厅周末开门", "answer": "已转营业部门，周末开门时间另行公告"}, headers=headers)
    assert made.status_code == 201, made.text
    assert made.json()["status"] == "closed" and made.json()["handler_id"] == org.user_id("agent")
    with database.read() as session:
        assert session.get(WorkOrder, made.json()["id"]).resolution_note == "已转营业部门，周末开门时间另行公告"


def test_what_needs_the_rep_or_another_article_is_refused_naming_the_field_and_nothing_is_written(pbx, client, org, database):
    water = article(client, WATER_PRICE)
    retired = article(client, TARIFF | {"title": "旧电价说明"})
    expert = as_agent(client, "expert")
    assert client.post(f"/api/v1/knowledge/{retired}/status", json={"status": "retired"}, headers=expert).status_code == 200
    call = pbx.post("ringing", caller="0731-88881234", agent_extension="8001").json()
    headers = as_agent(client)
    before = counts(database)
    url = f"/api/v1/calls/{call['id']}/work-order"
    cases = [
        ({"category": "repair", "description": "没电了", "answer": "请检查空开"}, "answer", "故障报修"),
        ({"category": "complaint", "description": "投诉", "answer": "已解释"}, "answer", "投诉"),
        ({"category": "consultation", "description": "水费", "knowledge_article_id": water}, "knowledge_article_id", "water"),
        ({"category": "consultation", "description": "电价", "knowledge_article_id": retired}, "knowledge_article_id", "no article"),  # not the agent's to read
        ({"category": "consultation", "description": "电价", "knowledge_article_id": 999999}, "knowledge_article_id", "999999"),
    ]
    for body, field, said in cases:
        refused = client.post(url, json=body, headers=headers | {"Accept-Language": "zh-CN" if said in ("故障报修", "投诉") else "en"})
        assert refused.status_code == 422, (body, refused.text)
        (error,) = refused.json()["errors"]
        assert error["field"] == field and said in error["reason"], error
    too_long = client.post(url, json={"category": "consultation", "answer": "长" * 4001}, headers=headers)
    assert too_long.status_code == 422 and too_long.json()["errors"][0]["field"] == "answer"
    assert counts(database) == before


def test_the_console_card_answers_with_a_picked_article_and_never_dispatches_an_empty_answer(pbx, client, org, database):
    tariff = article(client, TARIFF)
    call = pbx.post("ringing", caller="0731-88881234", agent_extension="8001").json()
    headers = as_agent(client)
    card = client.get(f"/calls/{call['id']}/card").text
    assert "当场解答" in card and 'name="answered" value="1"' in card and f'hx-target="#kb-pick-{call["id"]}-{call["customer_id"]}"' in card
    picked = client.get("/knowledge/search", params={"description": "电费怎么算", "pick": "1", "utility": "electric"}).text
    assert f'name="knowledge_article_id" value="{tariff}"' in picked
    assert 'name="knowledge_article_id"' not in client.get("/knowledge/search", params={"q": "电费怎么算"}).text

    before = counts(database)
    form = {"answered": "1", "category": "consultation", "description": "电费怎么算", "customer_id": str(call["customer_id"]), "idempotency_key": "card-1", "csrf_token": headers["X-CSRF-Token"]}
    empty = client.post(f"/calls/{call['id']}/order", data=form, follow_redirects=False)
    assert empty.status_code == 303 and "error=" in empty.headers["location"] and "answer" in unquote(empty.headers["location"])
    assert counts(database) == before  # not dispatched instead

    done = client.post(f"/calls/{call['id']}/order", data=form | {"knowledge_article_id": str(tariff)}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].startswith("/orders/")
    order_id = int(done.headers["location"].rsplit("/", 1)[1])
    with database.read() as session:
        stored = session.get(WorkOrder, order_id)
        assert (stored.status, stored.handler_id, stored.channel, stored.caller_phone) == ("closed", org.user_id("agent"), "hotline", "+8673188881234")
    # The caller's number as it is dialled here, not as stored.
    assert '<a href="tel:+8673188881234">0731 8888 1234</a>' in client.get(f"/orders/{order_id}").text
    assert counts(database) == (before[0] + 1, before[1] + 1)


def test_the_intake_form_closes_an_answered_consultation_and_dispatches_what_is_not_answered(client, org, database):
    headers = as_agent(client)
    form = {"category": "consultation", "channel": "visit", "account": "E001", "description": "营业厅几点关门", "csrf_token": headers["X-CSRF-Token"]}
    answered = client.post("/orders", data=form | {"answer": "工作日17:30关门"}, follow_redirects=False)
    dispatched = client.post("/orders", data=form | {"description": "想改户名，需要带什么"}, follow_redirects=False)
    with database.read() as session:
        first, second = (session.get(WorkOrder, int(r.headers["location"].rsplit("/", 1)[1])) for r in (answered, dispatched))
        assert (first.status, first.handler_id, first.resolution_note) == ("closed", org.user_id("agent"), "工作日17:30关门")
        assert second.status == "dispatched" and second.handler_id == org.user_id("rep")
    assert '<textarea name="answer"' in client.get("/orders").text
    before = counts(database)
    refused = client.post("/orders", data=form | {"category": "repair", "answer": "请检查空开"}, follow_redirects=False)
    assert refused.status_code == 422 and "故障报修不能当场解答办结" in refused.text
    assert counts(database) == before


def test_answers_typed_by_hand_show_writers_what_the_base_lacks_until_an_article_is_written_from_one(client, org, database):
    tariff = article(client, TARIFF)
    headers = as_agent(client)
    typed = client.post("/api/v1/work-orders", json={"category": "consultation", "account": "E001", "description": "峰谷电价怎么申请", "answer": "可在网上国网APP申请峰谷电价"}, headers=headers).json()
    client.post("/api/v1/work-orders", json={"category": "consultation", "account": "E001", "description": "电费怎么算", "knowledge_article_id": tariff}, headers=headers)
    dispatched = client.post("/api/v1/work-orders", json={"category": "repair", "account": "E001", "description": "没电"}, headers=headers).json()
    assert client.get("/api/v1/knowledge/answered-by-hand").status_code == 403  # agents answer; writers write
    listed = client.get("/orders", params={"view": "answered"}).text
    assert f'<a href="/knowledge/{tariff}">知识库：' in listed and "可在网上国网APP申请峰谷电价" in listed and dispatched["number"] not in listed

    expert = as_agent(client, "expert")
    lacking = client.get("/api/v1/knowledge/answered-by-hand").json()
    assert [(d["number"], d["question"], d["answer"], d["answered_by"]) for d in lacking] == [(typed["number"], "峰谷电价怎么申请", "可在网上国网APP申请峰谷电价", "agent")]
    page = client.get("/knowledge").text
    assert 'id="kb-by-hand"' in page and f'href="/knowledge/new?order={typed["id"]}"' in page
    assert '<small class="muted">李座席</small>' in page  # who answered, by name, not login
    as_agent(client, "w_supervisor")  # the water company's writer: not their demand
    assert client.get("/api/v1/knowledge/answered-by-hand").json() == []

    expert = as_agent(client, "expert")
    draft = client.get(f"/api/v1/knowledge/from-order/{typed['id']}").json()
    assert (draft["title"], draft["body"], draft["utility"], draft["order_id"]) == ("峰谷电价怎么申请", "可在网上国网APP申请峰谷电价", "electric", typed["id"])
    form = client.get(f"/knowledge/new?order={typed['id']}").text
    assert f'name="order_id" value="{typed["id"]}"' in form and "峰谷电价怎么申请" in form
    for bad in (dispatched["id"], 999999):
        refused = client.post("/api/v1/knowledge", json=draft | {"order_id": bad, "title": "x"}, headers=expert)
        assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "order_id"
    assert f'href="/knowledge/new?order={typed["id"]}"' in client.get(f"/orders/{typed['id']}").text
    written = client.post("/api/v1/knowledge", json=draft, headers=expert)
    assert written.status_code == 201, written.text
    assert f'href="/knowledge/{written.json()["id"]}"' in client.get(f"/orders/{typed['id']}").text  # written: the order links it
    assert client.get("/api/v1/knowledge/answered-by-hand").json() == []
    article_page = client.get(f"/knowledge/{written.json()['id']}").text
    assert typed["number"] in article_page and ">陈专家</td>" in article_page  # the writer tied it to the article


def test_the_callers_survey_rates_the_call_and_the_demand_answered_on_it_whichever_comes_first(pbx, client, org, database):
    def rated_order(order_id):
        with database.read() as session:
            return session.get(WorkOrder, order_id).satisfaction

    headers = as_agent(client)
    # Rated after the agent recorded the answer.
    first = pbx.post("ringing", "r1", caller="0731-88881234", agent_extension="8001").json()
    pbx.post("answered", "r1", agent_extension="8001", after=5)
    with database.read() as session:  # 王芳, in the west grid
        wang = session.scalars(select(Customer.id).where(Customer.account == "E001")).one()
    answered = client.post(f"/api/v1/calls/{first['id']}/work-order", json={"category": "consultation", "description": "电价", "answer": "按阶梯计价", "customer_id": wang}, headers=headers).json()
    pbx.post("ended", "r1", after=60)
    survey = pbx.post("survey", "r1", after=80, score=2)
    assert survey.status_code == 200 and survey.json()["satisfaction"] == 2 and survey.json()["state"] == "ended"
    assert rated_order(answered["id"]) == 2
    timeline = client.get(f"/api/v1/work-orders/{answered['id']}").json()["timeline"]
    rated = timeline[-1]
    assert rated["kind"] == "order.rated" and rated["data"]["satisfaction"] == 2 and rated["data"]["source"] == "survey"
    # Two of five: the caller is not done with, so the grid's rep follows up on a linked order.
    with database.read() as session:
        follow_up = session.scalars(select(WorkOrder).where(WorkOrder.number == rated["data"]["follow_up"])).one()
        assert (follow_up.status, follow_up.handler_id, follow_up.customer_id) == ("dispatched", org.user_id("rep"), wang)
        assert "按阶梯计价" in follow_up.description and follow_up.attributes["follow_up_of"] == answered["number"]
        assert answered["number"] in follow_up.attributes["links"]
    pbx.post("survey", "r1", after=90, score=5)  # pressed again: the call takes it, the demand keeps its first say
    assert rated_order(answered["id"]) == 2

    # Rated before the agent recorded the answer (after-call work).
    second = pbx.post("ringing", "r2", caller="0731-88881234", agent_extension="8001", after=200).json()
    pbx.post("answered", "r2", agent_extension="8001", after=205)
    pbx.post("ended", "r2", after=260)
    pbx.post("survey", "r2", after=280, score=5)
    later = client.post(f"/api/v1/calls/{second['id']}/work-order", json={"category": "praise", "description": "表扬座席耐心", "answer": "已转达"}, headers=headers).json()
    assert rated_order(later["id"]) == 5
    with database.read() as session:  # satisfied: nothing follows
        assert "links" not in session.get(WorkOrder, later["id"]).attributes

    # A demand dispatched to the rep is rated by the callback, not by the call's survey.
    third = pbx.post("ringing", "r3", caller="0731-88881234", agent_extension="8001", after=300).json()
    pbx.post("answered", "r3", agent_extension="8001", after=305)
    dispatched = client.post(f"/api/v1/calls/{third['id']}/work-order", json={"category": "repair", "description": "没电"}, headers=headers).json()
    pbx.post("survey", "r3", after=400, score=1)
    assert rated_order(dispatched["id"]) is None

    bad = [pbx.post("survey", "r4", score=7), pbx.post("survey", "r4"), pbx.post("ringing", "r4", score=3)]
    assert [b.status_code for b in bad] == [422, 422, 422] and {b.json()["errors"][0]["field"] for b in bad} == {"score"}
    as_agent(client, "supervisor")
    stats = client.get("/api/v1/calls/stats", params={"from": "2026-11-24"}).json()
    assert (stats["total"]["rated"], stats["total"]["rating"]) == (3, round((5 + 5 + 1) / 3, 2))


def test_the_statistics_count_the_answered_calls_on_which_the_demand_was_settled_at_once(pbx, client, org, database):
    headers = as_agent(client)
    calls = []
    for n, order in enumerate(({"category": "consultation", "description": "电价", "answer": "按阶梯计价"}, {"category": "repair", "description": "没电"}, None)):
        call = pbx.post("ringing", f"s{n}", caller="0731-88881234", agent_extension="8001", after=100 * n).json()
        pbx.post("answered", f"s{n}", agent_extension="8001", after=100 * n + 5)
        if order is not None:
            assert client.post(f"/api/v1/calls/{call['id']}/work-order", json=order, headers=headers).status_code == 201
        calls.append(pbx.post("ended", f"s{n}", after=100 * n + 60).json())
    assert [c["resolved_on_call"] for c in calls] == [True, False, False]
    as_agent(client, "supervisor")
    stats = client.get("/api/v1/calls/stats", params={"from": "2026-11-24"}).json()
    assert (stats["total"]["answered"], stats["total"]["resolved"], stats["total"]["resolution_rate"]) == (3, 1, 0.3333)
    agents = client.get("/api/v1/calls/stats", params={"from": "2026-11-24", "group": "agent"}).json()["rows"]
    assert [(a["name"], a["resolved"], a["resolution_rate"]) for a in agents] == [("李座席", 1, 0.3333)]
    page = client.get("/calls/stats", params={"from": "2026-11-24"}).text
    assert 'id="kpi-resolved">33.3%' in page and "1 个诉求当场解答" in page

    # Calls answered before the column existed are marked by the migration from their orders.
    from alembic import command

    from gridcare.migrations_runner import alembic_config, upgrade

    command.downgrade(alembic_config(database.url), "0028")
    upgrade(database.url)
    with database.read() as session:
        assert [session.get(CallRecord, c["id"]).resolved_on_call for c in calls] == [True, False, False]
