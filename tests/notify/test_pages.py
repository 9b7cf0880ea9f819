"""Pages: the notification log (filters, counts, retry), WeCom groups, campaigns — in
Chinese by default and in English."""

import re
from urllib.parse import unquote

import pytest
from sqlalchemy import func, select

from gridcare.core.i18n import gettext
from gridcare.notify import service
from gridcare.notify.models import Notification, WecomGroup
from tests.notify.conftest import customer_id
from tests.support.demo_client import open_client
from tests.support.web import sign_in


@pytest.fixture
def client(settings, database, clock, world):
    with open_client(settings, database, clock, org=world) as c:
        yield c


def zh(message):
    """The page's Chinese for a msgid (the English one until the catalog has it)."""
    return gettext("zh_CN", message)


def seed(db, clock, org):
    with db.write() as session:
        service.notify_user(session, now=clock.now(), user_id=org.user_id("rep"), event="order.dispatched", context={"number": "GD-1", "address": "五一大道1号", "description": "停电"}, source=("order", 1), ladder=True)
        [sms] = service.notify_customer(session, now=clock.now(), customer_id=customer_id(db, "E002"), event="order.accepted", context={"number": "GD-1"}, source=("order", 1))
        note = session.get(Notification, sms)
        note.state, note.last_error = "dead", "sms channel is not configured: set GRIDCARE_SMS_HTTP_URL"
    return sms


def test_it_shows_the_log_with_counts_and_retries_a_dead_letter(client, database, clock):
    sms = seed(database, clock, client.org)
    _, token = sign_in(client, "supervisor", "gridcare-demo")
    page = client.get("/notifications")
    assert page.status_code == 200 and f"<h1>{zh('Notifications')}</h1>" in page.text and 'lang="zh-CN"' in page.text
    counts = page.text.split('id="counts"')[1].split("</table>")[0]
    assert zh("Pop-up") in counts and zh("SMS") in counts and zh("Dead letter") in counts
    assert "新工单 GD-1" in page.text and "短信通道未配置：请设置 GRIDCARE_SMS_HTTP_URL" in page.text
    assert f'action="/notifications/{sms}/retry"' in page.text
    dead_only = client.get("/notifications", params={"state": "dead"})
    assert "新工单 GD-1" not in dead_only.text and "李强" in dead_only.text
    retried = client.post(f"/notifications/{sms}/retry", data={"csrf_token": token, "back": "/notifications?state=dead"})
    assert retried.status_code == 303 and retried.headers["location"] == "/notifications?state=dead"
    with database.read() as session:
        assert session.get(Notification, sms).state == "queued"
    again = client.post(f"/notifications/{sms}/retry", data={"csrf_token": token})
    assert "只有死信可以重新发送，这条通知的状态是“待发送”" in unquote(again.headers["location"])


def test_it_shows_a_bad_filter_as_a_message_not_an_error_page(client, database, clock):
    seed(database, clock, client.org)
    sign_in(client, "supervisor", "gridcare-demo")
    sent = client.get("/notifications", params={"source": "nonsense", "channel": "sms"})
    assert sent.status_code == 303 and sent.headers["location"] == "/notifications?channel=sms"
    page = client.get(sent.headers["location"])
    assert page.status_code == 200 and "已忽略此筛选条件：source：格式应为 类型:编号" in page.text


def test_it_speaks_english_to_an_english_user(client, database, clock):
    seed(database, clock, client.org)
    _, token = sign_in(client, "supervisor", "gridcare-demo")
    client.post("/settings/locale", data={"csrf_token": token, "locale": "en", "next": "/notifications"})
    page = client.get("/notifications")
    assert "<h1>Notifications</h1>" in page.text and "Dead letter" in page.text and "Retry" in page.text


def test_it_lets_the_recipient_acknowledge_from_the_log(client, database, clock):
    seed(database, clock, client.org)
    sign_in(client, "agent", "gridcare-demo")
    assert "新工单" not in client.get("/notifications").text  # not addressed to the agent
    client.cookies.clear()
    _, token = sign_in(client, "rep", "gridcare-demo")
    with database.read() as session:
        popup = session.scalar(select(Notification).where(Notification.channel == "popup"))
    done = client.post(f"/notifications/{popup.id}/ack", data={"csrf_token": token})
    assert done.status_code == 303
    with database.read() as session:
        assert session.get(Notification, popup.id).acknowledged_at is not None


def test_it_saves_a_wecom_group_from_the_form_and_refuses_a_bad_webhook(client, database):
    _, token = sign_in(client, "supervisor", "gridcare-demo")
    west = client.org.grids["west"]
    bad = client.post("/notifications/groups", data={"csrf_token": token, "grid_id": west, "name": "物业群", "webhook_url": "not a url", "audience": "property_managers", "enabled": "true"})
    assert bad.status_code == 303 and "webhook_url" in bad.headers["location"]
    with database.read() as session:
        assert session.scalar(select(func.count()).select_from(WecomGroup)) == 0
    good = client.post("/notifications/groups", data={"csrf_token": token, "grid_id": west, "name": "物业群", "webhook_url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=0123456789abcdef", "audience": "property_managers", "enabled": "true"})
    assert good.status_code == 303
    page = client.get("/notifications/groups")
    assert "物业群" in page.text and zh("Property managers") in page.text and "key=0123…cdef" in page.text and "0123456789abcdef" not in page.text


def test_it_sends_a_campaign_from_the_form(client, database):
    _, token = sign_in(client, "supervisor", "gridcare-demo")
    form = client.get("/notifications/campaigns")
    assert form.status_code == 200 and 'id="campaign-form"' in form.text
    sent = client.post("/notifications/campaigns", data={"csrf_token": token, "grid_id": client.org.grids["east"], "text": "营业厅搬迁通知", "to_customers": "true"})
    assert sent.status_code == 303 and re.search(r"sent=\d+", sent.headers["location"])
    page = client.get(sent.headers["location"])
    assert zh("Campaign queued for %(n)s recipients.") % {"n": 2} in page.text and "营业厅搬迁通知" in page.text
    with database.read() as session:
        assert session.scalar(select(func.count()).select_from(Notification).where(Notification.source_kind == "campaign")) == 2
    empty = client.post("/notifications/campaigns", data={"csrf_token": token, "grid_id": client.org.grids["east"], "text": ""})
    assert "text" in empty.headers["location"]


def test_it_names_an_order_by_its_number_and_links_it(client):
    _, token = sign_in(client, "agent", "gridcare-demo")
    made = client.post("/api/v1/work-orders", json={"category": "repair", "account": "E001", "description": "停电"}, headers={"X-CSRF-Token": token})
    assert made.status_code == 201, made.text
    order = made.json()
    client.cookies.clear()
    sign_in(client, "supervisor", "gridcare-demo")
    page = client.get("/notifications").text
    assert f'<a href="/orders/{order["id"]}">{order["number"]}</a>' in page and f'>order:{order["id"]}<' not in page


def test_it_names_an_outage_by_its_number_and_links_every_other_source_to_its_messages(client, database, clock):
    _, token = sign_in(client, "supervisor", "gridcare-demo")
    made = client.post("/api/v1/outages", json={"kind": "unplanned", "devices": ["F1"], "cause": "线路跳闸"}, headers={"X-CSRF-Token": token})
    assert made.status_code == 201, made.text
    outage = made.json()
    with database.write() as session:
        service.notify_customer(session, now=clock.now(), customer_id=customer_id(database, "E001"), event="campaign", context={"text": "营业厅搬迁"}, source=("campaigns", 7))
    page = client.get("/notifications").text
    assert f'<a href="/outages/{outage["id"]}">{outage["number"]}</a>' in page and f'>outage:{outage["id"]}<' not in page
    assert '<a href="/notifications?source=campaigns%3A7"' in page
    assert "营业厅搬迁" in client.get("/notifications", params={"source": "campaigns:7"}).text
