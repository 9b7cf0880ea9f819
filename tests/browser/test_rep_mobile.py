import pytest
from tests.support import area
from tests.support import org as demo_org
from tests.support.live import live_site

from gridcare.workorders import service

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def site(sqlite_database, clock, tmp_path):
    org = demo_org.load(sqlite_database, clock)
    area.load(org, clock)
    with sqlite_database.write() as session:
        order = service.create_order(session, actor=org.principal("agent"), now=clock.now(), intake=service.Intake(category="repair", channel="hotline", account="E001", description="家里停电了")).order
    with live_site(sqlite_database, clock, tmp_path) as url:
        yield url, order.id


def test_it_lets_a_rep_accept_arrive_and_resolve_on_a_phone(browser, site, screenshot_dir):
    url, order_id = site
    context = browser.new_context(viewport=PHONE, locale="zh-CN", geolocation={"longitude": 112.921, "latitude": 28.121}, permissions=["geolocation"], is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(url + "/login")
    page.fill("input[name=login]", "rep")
    page.fill("input[name=password]", demo_org.PASSWORD)
    page.click("button.primary")
    page.goto(url + "/m")
    # The new order arrives as a forced pop-up: nothing else can be touched until it is acknowledged.
    page.wait_for_selector("#popup-modal:not([hidden])")
    assert "新工单" in page.locator("#popup-title").inner_text()
    page.screenshot(path=str(screenshot_dir / "rep-mobile-popup.png"))
    page.click("#popup-ack")
    page.wait_for_selector("#popup-modal", state="hidden")
    card = page.locator(f"article[data-order='{order_id}']")
    assert "家里停电了" in card.inner_text()
    page.screenshot(path=str(screenshot_dir / "rep-mobile.png"))
    card.locator("button:has-text('接单')").click()
    page.wait_for_url(url + "/m")
    page.wait_for_function("document.querySelector('.gps-lon') && document.querySelector('.gps-lon').value !== ''")
    page.locator(f"article[data-order='{order_id}'] button:has-text('到场')").click()
    page.wait_for_url(url + "/m")
    card = page.locator(f"article[data-order='{order_id}']")
    card.locator(".resolve-form summary:has-text('处理完成')").click()  # on the card: no trip to the order's page
    card.locator("input[name=resolution]").fill("更换熔断器")
    card.locator("button:has-text('记录处理结果')").click()
    page.wait_for_selector(f"article[data-order='{order_id}'] .status-callback_pending")
    page.goto(url + f"/orders/{order_id}")
    assert "待回访" in page.locator("h1").inner_text()
    timeline = page.locator("ol.timeline").inner_text()
    assert "已接单" in timeline and "已到场" in timeline and "处理完成" in timeline
    page.screenshot(path=str(screenshot_dir / "order-detail-mobile.png"), full_page=True)
    context.close()
