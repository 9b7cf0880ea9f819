"""A repair order worked without signal, in a real browser: the rep's order page opens from the
phone's copy, accepting, arriving and resolving (with a photo of the site) are kept on the
phone one after the other (the card goes on to the next step), and all three are sent in
order when the signal returns, each counted from when it was made."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from tests.field.conftest import PNG
from tests.support import area
from tests.support import org as demo_org
from tests.support.browser import phone_on
from tests.support.live import live_site

from gridcare.core.clock import SHANGHAI
from gridcare.workorders import service, support
from gridcare.workorders.models import PhoneCommand, WorkOrder

pytestmark = pytest.mark.browser
AT_E001 = {"longitude": 112.9201, "latitude": 28.1202}
KEPT = "caches.open('gridcare-field').then(c => Promise.all([c.match(location.origin + '/m'), c.match(location.origin + '/static/js/offline.js')])).then(r => r.every(Boolean))"
ARRIVED = datetime(2026, 11, 24, 9, 0, tzinfo=SHANGHAI)  # the server's clock when the signal returns


@pytest.fixture
def site(sqlite_database, clock, tmp_path):
    org = demo_org.load(sqlite_database, clock)
    area.load(org, clock)
    clock.set(ARRIVED - timedelta(hours=1))
    with sqlite_database.write() as session:
        order_id = service.create_order(session, actor=org.principal("agent"), now=clock.now(), intake=service.Intake(category="repair", channel="hotline", account="E001", description="整户停电")).order.id
    clock.set(ARRIVED)
    with live_site(sqlite_database, clock, tmp_path) as url:
        yield url, sqlite_database, order_id


def test_accept_arrive_and_resolve_made_without_signal_are_sent_in_order(browser, site, screenshot_dir):
    url, db, order_id = site
    context, page, errors = phone_on(browser, url, "rep", "/m", geolocation=AT_E001, kept=KEPT, clock=True)

    context.set_offline(True)
    page.reload()
    page.wait_for_selector("#offline-queue:not([hidden])")
    assert "无信号" in page.locator("#offline-queue .offline-status").inner_text()
    card = page.locator(f"article[data-order='{order_id}']")
    card.locator("button:has-text('接单')").click()
    page.wait_for_selector("#offline-queue[data-pending='1']")
    assert card.locator(f"form[data-key='o{order_id}-accept']").is_hidden() and card.locator("button:has-text('到场')").is_visible()

    page.clock.fast_forward("05:00")
    card.locator("button:has-text('到场')").click()
    page.wait_for_selector("#offline-queue[data-pending='2']")
    page.clock.fast_forward("10:00")
    card.locator(".resolve-form summary").click()
    card.locator("input[name=resolution]").fill("更换熔丝")
    card.locator(".resolve-form textarea[name=note]").fill("表箱熔丝熔断，已更换")
    card.locator(".resolve-form input[name=photos]").set_input_files(files=[{"name": "after.png", "mimeType": "image/png", "buffer": PNG}])
    card.locator("button:has-text('记录处理结果')").click()
    page.wait_for_selector("#offline-queue[data-pending='3']")
    assert card.locator("form:not([hidden])").count() == 0

    page.reload()  # still no signal: the page is as of the last signal, the card as the rep left it
    page.wait_for_selector("#offline-queue[data-pending='3']")
    card = page.locator(f"article[data-order='{order_id}']")
    assert card.locator("form:not([hidden])").count() == 0 and card.locator(".kept-line").count() == 3
    assert "3 条记录待上传" in page.locator("#offline-queue .offline-status").inner_text()
    page.screenshot(path=str(screenshot_dir / "orders-offline-kept.png"), full_page=False)
    with db.read() as session:
        assert session.get(WorkOrder, order_id).status == "dispatched"  # nothing has reached the server

    page.clock.fast_forward("40:00")  # the signal returns
    context.set_offline(False)
    # Sent in order; nothing typed since the page came, so it shows the server's page again.
    page.wait_for_selector(f"article[data-order='{order_id}'] .status-callback_pending", timeout=30000)
    assert "待回访" in page.locator(f"article[data-order='{order_id}']").inner_text()
    assert page.locator("#offline-queue").get_attribute("data-pending") == "0"
    page.screenshot(path=str(screenshot_dir / "orders-offline-sent.png"), full_page=False)
    assert errors == []
    context.close()

    with db.read() as session:
        order = session.get(WorkOrder, order_id)
        kept = session.scalars(select(PhoneCommand).order_by(PhoneCommand.made_at)).all()
        photos = support.attachments_of(session, order_id=order_id)
    near = timedelta(seconds=30)
    assert order.status == "callback_pending" and order.resolution_code == "更换熔丝"
    assert abs(order.accepted_at - (ARRIVED - timedelta(minutes=55))) < near
    assert abs(order.arrived_at - (ARRIVED - timedelta(minutes=50))) < near and order.arrived_lat is not None
    assert abs(order.resolved_at - (ARRIVED - timedelta(minutes=40))) < near
    assert [(k.command, k.sent_at) for k in kept] == [("accept", ARRIVED), ("arrive", ARRIVED), ("resolve", ARRIVED)]
    assert [(p.filename, p.media_type, p.lat is not None) for p in photos] == [("after.png", "image/png", True)]  # kept on the phone with the step
