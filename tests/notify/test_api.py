"""REST: the scoped notification log, acknowledgement, retry, WeCom groups, campaigns —
and problem+json naming the field on bad input, with nothing written."""

import os
import subprocess
import sys

import pytest
from sqlalchemy import func, select

from gridcare.notify import service
from gridcare.notify.models import Campaign, Notification, WecomGroup
from tests.notify.conftest import customer_id
from tests.support.demo_client import open_client
from tests.support.web import sign_in

ORDER = {"number": "GD-1", "address": "五一大道1号", "description": "停电"}


@pytest.fixture
def client(settings, database, clock, world):
    with open_client(settings, database, clock, org=world) as c:
        yield c


def seed(db, clock, org):
    """Pop-ups to the electric rep and the water rep, an SMS to an electric customer, and a dead one."""
    with db.write() as session:
        rep = service.notify_user(session, now=clock.now(), user_id=org.user_id("rep"), event="order.dispatched", context=ORDER, source=("order", 1), ladder=True)
        service.notify_user(session, now=clock.now(), user_id=org.user_id("w_rep"), event="order.dispatched", context=ORDER, source=("order", 2))
        sms = service.notify_customer(session, now=clock.now(), customer_id=customer_id(db, "E002"), event="order.accepted", context={"number": "GD-1"}, source=("order", 1))
        session.get(Notification, sms[0]).state = "dead"
        session.get(Notification, sms[0]).last_error = "sms channel is not configured"
    return rep[0], sms[0]


def count(db, model):
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_it_scopes_the_log_to_the_subtree_for_managers_and_to_oneself_for_others(client, database, clock):
    popup, sms = seed(database, clock, client.org)
    sign_in(client, "supervisor", "gridcare-demo")
    seen = client.get("/api/v1/notifications")
    assert seen.status_code == 200 and {n["id"] for n in seen.json()} == {popup, sms}  # not the water company's
    assert seen.headers["X-Total-Count"] == "2"
    assert [n["id"] for n in client.get("/api/v1/notifications", params={"state": "dead", "channel": "sms"}).json()] == [sms]
    assert [n["id"] for n in client.get("/api/v1/notifications", params={"source": "order:1", "channel": "popup"}).json()] == [popup]
    assert [n["id"] for n in client.get("/api/v1/notifications", params={"recipient": f"customer:{customer_id(database, 'E002')}"}).json()] == [sms]
    assert client.get("/api/v1/notifications", params={"since": "2026-11-25T00:00:00+08:00"}).json() == []
    summary = {(c["state"], c["channel"]): c["count"] for c in client.get("/api/v1/notifications/summary").json()}
    assert summary == {("queued", "popup"): 1, ("dead", "sms"): 1}
    client.cookies.clear()
    sign_in(client, "rep", "gridcare-demo")
    mine = client.get("/api/v1/notifications").json()
    assert [n["id"] for n in mine] == [popup]
    assert [n["id"] for n in client.get("/api/v1/notifications", params={"unacknowledged": "true"}).json()] == [popup]
    assert client.get(f"/api/v1/notifications/{sms}").status_code == 404


def test_it_answers_bad_filters_with_problem_json_naming_the_field(client, database, clock):
    seed(database, clock, client.org)
    sign_in(client, "supervisor", "gridcare-demo")
    for params, field in (({"state": "lost"}, "state"), ({"channel": "fax"}, "channel"), ({"source": "order-1"}, "source"), ({"recipient": "robot:1"}, "recipient"), ({"since": "yesterday"}, "since")):
        answer = client.get("/api/v1/notifications", params=params)
        assert answer.status_code == 422 and answer.headers["content-type"].startswith("application/problem+json"), params
        assert answer.json()["errors"][0]["field"] == field


def test_it_acknowledges_a_popup_and_shows_it_with_its_fallbacks(client, database, clock):
    popup, _sms = seed(database, clock, client.org)
    _, token = sign_in(client, "agent", "gridcare-demo")
    assert client.post(f"/api/v1/notifications/{popup}/ack", headers={"X-CSRF-Token": token}).status_code == 404
    client.cookies.clear()
    _, token = sign_in(client, "rep", "gridcare-demo")
    assert client.post(f"/api/v1/notifications/{popup}/ack").status_code == 403  # no CSRF token
    acked = client.post(f"/api/v1/notifications/{popup}/ack", headers={"X-CSRF-Token": token})
    assert acked.status_code == 200 and acked.json()["acknowledged_at"] and acked.json()["ladder_next_at"] is None and acked.json()["ladder_stopped"] == "acknowledged"
    detail = client.get(f"/api/v1/notifications/{popup}").json()
    assert detail["context"] == ORDER and detail["fallbacks"] == [] and detail["subject"] == "新工单 GD-1"
    assert client.get("/api/v1/notifications", params={"unacknowledged": "true"}).json() == []


def test_it_lets_managers_retry_dead_letters_only(client, database, clock):
    popup, sms = seed(database, clock, client.org)
    _, token = sign_in(client, "agent", "gridcare-demo")
    assert client.post(f"/api/v1/notifications/{sms}/retry", headers={"X-CSRF-Token": token}).status_code == 403
    client.cookies.clear()
    _, token = sign_in(client, "supervisor", "gridcare-demo")
    again = client.post(f"/api/v1/notifications/{sms}/retry", headers={"X-CSRF-Token": token})
    assert again.status_code == 200 and again.json()["state"] == "queued"
    conflict = client.post(f"/api/v1/notifications/{popup}/retry", headers={"X-CSRF-Token": token})
    assert conflict.status_code == 409 and "only dead letters are retried" in conflict.json()["detail"]


def test_it_manages_a_grids_wecom_groups_and_never_shows_the_webhook_key(client, database, clock):
    _, token = sign_in(client, "supervisor", "gridcare-demo")
    h = {"X-CSRF-Token": token}
    west = client.org.grids["west"]
    bad = client.post("/api/v1/notifications/groups", json={"grid_id": west, "name": "", "webhook_url": "ftp://x", "audience": "everyone"}, headers=h)
    assert bad.status_code == 422 and {e["field"] for e in bad.json()["errors"]} == {"name", "webhook_url", "audience"}
    assert count(database, WecomGroup) == 0
    url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"
    made = client.post("/api/v1/notifications/groups", json={"grid_id": west, "name": "五一大道物业群", "webhook_url": url, "audience": "property_managers"}, headers=h)
    assert made.status_code == 201 and made.json()["webhook"] == "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a…5aaa"
    gid = made.json()["id"]
    renamed = client.put(f"/api/v1/notifications/groups/{gid}", json={"grid_id": west, "name": "五一大道物业及村委群", "audience": "mixed"}, headers=h)
    assert renamed.status_code == 200 and renamed.json()["webhook"] == made.json()["webhook"]  # kept
    tested = client.post(f"/api/v1/notifications/groups/{gid}/test", headers=h)
    assert tested.status_code == 202 and tested.json()["channel"] == "wecom" and "企业微信群机器人已连通" in tested.json()["body"]
    assert [g["name"] for g in client.get("/api/v1/notifications/groups", params={"grid_id": west}).json()] == ["五一大道物业及村委群"]
    client.cookies.clear()
    _, rep_token = sign_in(client, "agent", "gridcare-demo")
    assert client.post("/api/v1/notifications/groups", json={"grid_id": west, "name": "x", "webhook_url": url}, headers={"X-CSRF-Token": rep_token}).status_code == 403
    client.cookies.clear()
    _, token = sign_in(client, "supervisor", "gridcare-demo")
    assert client.delete(f"/api/v1/notifications/groups/{gid}", headers={"X-CSRF-Token": token}).status_code == 204
    assert count(database, WecomGroup) == 0


def test_it_sends_a_campaign_to_a_grids_customers_signed_by_the_rep(client, database, clock):
    _, token = sign_in(client, "supervisor", "gridcare-demo")
    h = {"X-CSRF-Token": token}
    for body, field in (({"grid_code": "E-WEST", "text": "  "}, "text"), ({"grid_code": "NOPE", "text": "x"}, "grid_code"), ({"text": "x"}, "grid_id"), ({"grid_code": "E-WEST", "text": "x", "to_customers": False, "to_groups": False}, "to_customers")):
        answer = client.post("/api/v1/notifications/campaigns", json=body, headers=h)
        assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == field, body
    assert count(database, Campaign) == 0 and count(database, Notification) == 0
    sent = client.post("/api/v1/notifications/campaigns", json={"grid_code": "E-WEST", "text": "冬季用电安全提示：请勿私拉乱接。"}, headers=h)
    assert sent.status_code == 201 and sent.json()["recipients"] == 1
    [note] = client.get("/api/v1/notifications", params={"source": f"campaign:{sent.json()['id']}"}).json()
    assert note["channel"] == "sms" and note["address"] == "+8613812345678" and note["body"] == "冬季用电安全提示：请勿私拉乱接。【您的网格客户经理：张台区经理 138 0000 0005】"
    assert [c["id"] for c in client.get("/api/v1/notifications/campaigns").json()] == [sent.json()["id"]]


def test_it_runs_a_campaign_from_the_command_line(database, world, tmp_path):
    env = {**os.environ, "GRIDCARE_DATABASE_URL": database.url, "GRIDCARE_DATA_DIR": str(tmp_path)}
    run = subprocess.run([sys.executable, "-m", "gridcare", "notify", "campaign", "--grid", "E-EAST", "--text", "营业厅搬迁通知", "--no-groups"], capture_output=True, text=True, env=env, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "2 messages queued for grid E-EAST" in run.stdout and "customers" in run.stderr  # the progress bar
    with database.read() as session:
        bodies = session.scalars(select(Notification.body).where(Notification.source_kind == "campaign")).all()
    assert sorted(bodies) == ["营业厅搬迁通知", "营业厅搬迁通知"]  # E-EAST has no rep: nothing to sign with
    bad = subprocess.run([sys.executable, "-m", "gridcare", "notify", "campaign", "--grid", "NOPE", "--text", "x"], capture_output=True, text=True, env=env, timeout=120)
    assert bad.returncode == 1 and "--grid: no grid with code 'NOPE'" in bad.stderr
    status = subprocess.run([sys.executable, "-m", "gridcare", "notify", "status"], capture_output=True, text=True, env=env, timeout=120)
    row = status.stdout.splitlines()[1].split()
    # The CLI runs on the wall clock: in quiet hours (21:00–08:00 in Shanghai) the campaign
    # waits as "deferred" instead of "queued".
    assert status.returncode == 0 and row[0] == "sms" and int(row[1]) + int(row[2]) == 2 and row[3:] == ["0", "0", "0", "0"], row
