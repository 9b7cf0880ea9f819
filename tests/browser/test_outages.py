"""The outage pages in a real browser: the live map draws the affected area, the devices
and the call clusters; the detail page records a call's outcome; the calendar shows the
planned outage on its day."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tests.support import area
from tests.support import org as demo_org
from tests.support.browser import sign_in
from tests.support.live import live_site

from gridcare.outages import service
from gridcare.workorders import service as orders

pytestmark = pytest.mark.browser


@pytest.fixture
def site(sqlite_database, clock, tmp_path):
    org = demo_org.load(sqlite_database, clock)
    area.load(org, clock)
    with sqlite_database.write() as session:
        admin = org.principal("admin")
        active = service.create_outage(session, actor=admin, now=clock.now(), utility="electric", kind="unplanned", devices=["SW1"], area="五一大道东段", cause="开关跳闸", eta=clock.now() + timedelta(hours=2))
        service.predict(session, now=clock.now(), utility="electric", device="T1")
        start = clock.now() + timedelta(days=1)
        service.create_outage(session, actor=admin, now=clock.now(), utility="electric", kind="planned", devices=["T1"], area="五一大道西段", reason="配变增容", starts_at=start, ends_at=start + timedelta(hours=6))
        for account in ("E002", "E003"):
            orders.create_order(session, actor=org.principal("agent"), now=clock.now(), intake=orders.Intake(category="repair", channel="hotline", account=account, description="停电"))
        oid = active.id
    with live_site(sqlite_database, clock, tmp_path) as url:
        yield url, oid


def test_it_draws_the_live_outage_map_and_works_the_call_list(browser, site, screenshot_dir):
    url, oid = site
    page = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 860})
    sign_in(page, url, "supervisor")
    page.goto(url + "/outages")
    page.wait_for_selector("#outage-map[data-ready]")
    assert int(page.get_attribute("#outage-map", "data-ready")) >= 5  # 2 areas, 2 devices, customers, a call cluster
    assert page.locator("#outage-map path.leaflet-interactive").count() >= 4
    assert "五一大道东段" in page.locator("#outages").inner_text()
    page.screenshot(path=str(screenshot_dir / "outages-list-zh.png"), full_page=True)
    page.click(f"tr[data-outage='{oid}'] a")
    page.wait_for_url(url + f"/outages/{oid}")
    page.wait_for_selector("#outage-map[data-ready]")
    assert "长沙市第一中学" in page.locator("#call-list").inner_text()
    page.screenshot(path=str(screenshot_dir / "outage-detail-zh.png"), full_page=True)
    first = page.locator("#call-list tbody tr").first
    first.locator("input[name=note]").fill("已电话告知")
    first.locator("button[value=reached]").click()
    page.wait_for_url(url + f"/outages/{oid}")
    assert "已电话告知" in page.locator("#call-list tbody tr").first.inner_text()
    page.goto(url + "/outages/calendar?month=2026-11")
    assert "五一大道西段" in page.locator("td[data-day='2026-11-25']").inner_text()
    page.screenshot(path=str(screenshot_dir / "outages-calendar-zh.png"), full_page=True)
    page.goto(url + "/outages/new")
    page.screenshot(path=str(screenshot_dir / "outage-new-zh.png"), full_page=True)
    page.close()
