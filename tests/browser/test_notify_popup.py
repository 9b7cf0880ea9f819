"""The forced pop-up in a real browser: it appears over any page, only "Acknowledge"
closes it, and acknowledging it stops the SMS fallback that the other pop-up gets. (Here,
beside the session's one Playwright instance; the notify tests' stubs are reused.)"""

import time
from datetime import timedelta

import pytest
from sqlalchemy import select
from tests.notify.conftest import customer_id
from tests.notify.stubs import GatewayStub, http_stub
from tests.support.browser import sign_in
from tests.support.live import live_server

from gridcare.config import load_settings
from gridcare.core.i18n import gettext
from gridcare.main import create_app
from gridcare.notify import service
from gridcare.notify.models import Notification

pytestmark = pytest.mark.browser
ORDER = {"address": "芙蓉区五一大道1号", "description": "整栋楼停电，老人被困电梯", "customer": "王芳"}


@pytest.fixture
def site(sqlite_database, clock, tmp_path, world_on):
    stub = GatewayStub()
    with http_stub(stub) as sms_url:
        settings = load_settings(data_dir=tmp_path, database_url=sqlite_database.url, secret_key="browser-test-secret-0123456789", worker_poll_seconds=0.05, sms_http_url=sms_url, notify_quiet_hours="off")
        with live_server(create_app(settings, db=sqlite_database, clock=clock)) as url:
            yield url, stub, settings


def popup(db, clock, org, settings, order_id):
    with db.write() as session:
        [note_id] = service.notify_user(session, now=clock.now(), user_id=org.user_id("rep"), event="order.dispatched", context={**ORDER, "number": f"GD20261124-00000{order_id}"}, source=("order", order_id), ladder=True, config=service.config_from(settings))
    return note_id


def wait_for(check, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return False


def test_it_forces_the_popup_until_acknowledged_and_acknowledging_stops_the_sms(browser, site, sqlite_database, clock, world_on, screenshot_dir):
    url, stub, settings = site
    db = sqlite_database
    waiting = popup(db, clock, world_on, settings, 1)  # arrived while the rep was away: shown on load
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800})
    page = context.new_page()
    sign_in(page, url, "rep")
    modal = page.locator("#popup-modal")
    modal.wait_for(state="visible")
    assert page.locator("#popup-title").inner_text() == "新工单 GD20261124-000001"
    page.wait_for_function("document.getElementById('live-status') === null || document.getElementById('live-status').textContent !== ''")
    pushed = popup(db, clock, world_on, settings, 2)  # pushed over the open page
    page.wait_for_function("document.getElementById('popup-more').textContent !== ''")
    assert page.locator("#popup-more").inner_text() == gettext("zh_CN", "%(n)s more waiting").replace("%(n)s", "1")
    assert "老人被困电梯" in page.locator("#popup-body").inner_text()
    page.screenshot(path=str(screenshot_dir / "notify-popup-zh.png"))
    page.keyboard.press("Escape")
    page.mouse.click(20, 400)  # outside the box
    assert modal.is_visible()
    page.click("#popup-ack")  # acknowledges GD…01, then GD…02 is shown
    page.wait_for_function("document.getElementById('popup-title').textContent.endsWith('000002')")
    page.click("#popup-ack")
    modal.wait_for(state="hidden")
    with db.read() as session:
        acked = {n.id: n.acknowledged_at for n in session.scalars(select(Notification).where(Notification.channel == "popup"))}
    assert acked[waiting] is not None and acked[pushed] is not None
    # A third pop-up stays unacknowledged; past the SMS threshold only it falls back.
    third = popup(db, clock, world_on, settings, 3)
    modal.wait_for(state="visible")
    clock.advance(timedelta(minutes=6))
    assert wait_for(lambda: len(stub.sent) >= 1)
    time.sleep(0.5)
    assert [m["text"][:20] for m in stub.sent] == ["【网格服务】新工单GD20261124-000003"[:20]]
    with db.read() as session:
        fallbacks = session.scalars(select(Notification.parent_id).where(Notification.channel == "sms")).all()
    assert fallbacks == [third]
    context.close()


def test_it_shows_the_notification_log_and_its_settings_pages(browser, site, sqlite_database, clock, world_on, screenshot_dir):
    url, _stub, settings = site
    db = sqlite_database
    popup(db, clock, world_on, settings, 1)
    with db.write() as session:
        for account in ("E001", "E002", "E003"):
            service.notify_customer(session, now=clock.now(), customer_id=customer_id(db, account), event="outage.notice", context={"area": "五一大道1-99号", "starts_at": clock.now() + timedelta(hours=2), "planned": True, "reason": "线路检修"}, source=("outage", 1), config=service.config_from(settings))
        service.notify_address(session, actor=world_on.principal("supervisor"), now=clock.now(), channel="email", address="ops@example.com", event="notify.test", context={"target": "ops"}, config=service.config_from(settings))
    context = browser.new_context(locale="zh-CN", viewport={"width": 1360, "height": 900})
    page = context.new_page()
    sign_in(page, url, "supervisor")
    page.click("nav.sidenav >> text=" + gettext("zh_CN", "Notifications"))
    page.wait_for_url(url + "/notifications")
    page.wait_for_function("document.querySelectorAll('#log tbody tr').length === 5")
    # The SMS went through the stub gateway; the email is a dead letter (no SMTP configured).
    def settled() -> bool:
        page.reload()
        return page.locator("#log .badge.green").count() == 4 and page.locator("button.retry").count() == 1

    assert wait_for(settled)
    assert "ops@example.com" in page.locator("#log").inner_text()
    assert "五一大道1-99号" in page.locator("#log").inner_text()
    page.screenshot(path=str(screenshot_dir / "notify-log-zh.png"), full_page=True)
    page.goto(url + "/notifications/groups")
    page.fill("input[name=name]", "五一大道物业及村委群")
    page.fill("input[name=webhook_url]", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7aaa-4bc4-97a0-0ec2sifa5aaa")
    page.select_option("select[name=audience]", "village_heads")
    page.click("#group-form button.primary")
    page.wait_for_url(url + "/notifications/groups")
    assert "key=693a…5aaa" in page.locator("#groups").inner_text()
    page.screenshot(path=str(screenshot_dir / "notify-groups-zh.png"), full_page=True)
    page.goto(url + "/notifications/campaigns")
    page.fill("textarea[name=text]", "冬季用电安全提示：请勿私拉乱接电线，发现隐患请联系您的网格客户经理。")
    page.click("#campaign-form button.primary")
    page.wait_for_url(url + "/notifications/campaigns?sent=*")
    assert "冬季用电安全提示" in page.locator("#campaigns").inner_text()
    page.screenshot(path=str(screenshot_dir / "notify-campaigns-zh.png"), full_page=True)
    context.close()
