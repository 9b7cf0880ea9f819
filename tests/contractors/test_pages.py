"""Every page of the four packages renders in Chinese (default) and English, and its forms
change what they say they change."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from gridcare.arrears import service as arrears
from gridcare.campaigns import service as campaigns
from gridcare.contractors import service as contractors
from tests.contractors.world import as_user, customer_id

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def seeded(world, database, clock):
    admin = world.principal("admin")
    with database.write() as session:
        project = contractors.create_project(session, actor=admin, now=clock.now(), name="水箱清洗", kind="tank_cleaning", contractor_id=world.units["HC"], grid_ids=[world.grids["water"]],
                                             starts_at=clock.now() + timedelta(days=1), due_at=clock.now() + timedelta(days=5), items=["1号楼水箱", "2号楼水箱"], sample_seed=1)
        campaigns.create_campaign(session, actor=admin, now=clock.now(), title="阶梯水价", text="阶梯水价说明", target={"grid_ids": [world.grids["water"]]}, send_at=clock.now() + timedelta(hours=1))
        case = arrears.open_case(session, actor=admin, now=clock.now(), customer_id=customer_id(database, "W001"), amount_fen=56_700, months=4, reason="长期无人居住")
    return {"project": project.id, "case": case.id}


def switch_to_english(client):
    token = CSRF.search(client.get("/").text).group(1)
    client.post("/settings/locale", data={"locale": "en", "next": "/", "csrf_token": token})


@pytest.mark.parametrize(
    ("path", "zh", "en"),
    [
        ("/contractors", "外包项目", "Contractor projects"),
        ("/contractors/new", "创建项目", "Plan project"),
        ("/contractors/{project}", "抽取抽查样本", "Draw the sample"),
        ("/campaigns", "退订名单", "Opt-outs"),
        ("/cards", "全部网格 PDF", "PDF of all grids"),
        ("/arrears", "疑难欠费", "Hard arrears cases"),
        ("/arrears/{case}", "登记跟进", "Record a follow-up"),
    ],
)
def test_it_renders_each_page_in_chinese_and_english(client, seeded, path, zh, en):
    as_user(client, "w_supervisor")
    url = path.format(**seeded)
    page = client.get(url)
    assert page.status_code == 200 and zh in page.text, page.text[:400]
    switch_to_english(client)
    page = client.get(url)
    assert page.status_code == 200 and en in page.text


def test_the_forms_plan_record_and_close(client, world, seeded, database, clock):
    as_user(client, "w_supervisor")
    token = CSRF.search(client.get("/contractors").text).group(1)
    pid = seeded["project"]
    assert client.post(f"/contractors/{pid}/do", data={"csrf_token": token, "action": "start"}).status_code == 303
    page = client.get(f"/contractors/{pid}").text
    item = re.search(r'name="item_ids" value="(\d+)"', page).group(1)
    client.post(f"/contractors/{pid}/do", data={"csrf_token": token, "action": "done", "item_ids": item, "note": "完成"})
    client.post(f"/contractors/{pid}/do", data={"csrf_token": token, "action": "sample"})
    bad = client.post(f"/contractors/{pid}/do", data={"csrf_token": token, "action": "rate", "rating": "9"})
    assert "error=rating" in bad.headers["location"]
    page = client.get(f"/contractors/{pid}").text
    assert "待抽查" in page and "1/2" in page

    made = client.post("/contractors/new", data={"csrf_token": token, "name": "", "kind": "pump_room", "contractor_id": str(world.units["HC"]), "starts_at": "2026-11-25T09:00", "due_at": "2026-11-24T09:00"})
    assert made.status_code == 422 and "name：" in made.text and "due_at：" in made.text  # a zh-CN user reads zh-CN errors

    client.post("/campaigns/do", data={"csrf_token": token, "action": "opt_out", "account": "W001", "channel": "sms", "topic": "*"})
    assert "W001" in client.get("/campaigns").text
    for action, field in (("opt_in", "opt_out_id"), ("send", "campaign_id")):  # each names its own field
        bad = client.post("/campaigns/do", data={"csrf_token": token, "action": action, field: "abc"}, follow_redirects=True)
        assert f"{field}：必须是整数" in bad.text, action
    planned = client.post("/campaigns", data={"csrf_token": token, "title": "停水通知", "text": "明日停水", "topic": "water_outage", "channel": "sms", "grid_ids": str(world.grids["water"])})
    assert planned.status_code == 303

    case = seeded["case"]
    client.post(f"/arrears/{case}/do", data={"csrf_token": token, "action": "follow_up", "method": "notice", "note": "送达书面通知", "paid": "100.00"})
    refused = client.post(f"/arrears/{case}/do", data={"csrf_token": token, "action": "close", "outcome": "disconnected"})
    assert "error=outcome" in refused.headers["location"]
    client.post(f"/arrears/{case}/do", data={"csrf_token": token, "action": "close", "outcome": "instalment", "note": "分两期"})
    page = client.get(f"/arrears/{case}").text
    assert "分期缴费" in page and "送达书面通知" in page and "100.00" in page


def test_the_pages_keep_people_to_what_they_may_do(client, seeded):
    as_user(client, "contractor")
    assert client.get("/contractors").status_code == 200
    assert client.get("/arrears").status_code == 403
    as_user(client, "agent")
    assert client.get("/campaigns").status_code == 403
