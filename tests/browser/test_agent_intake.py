import pytest
from tests.support import area
from tests.support import org as demo_org
from tests.support.browser import sign_in
from tests.support.live import live_site

pytestmark = pytest.mark.browser


@pytest.fixture
def site(sqlite_database, clock, tmp_path):
    org = demo_org.load(sqlite_database, clock)
    area.load(org, clock)
    with live_site(sqlite_database, clock, tmp_path) as url:
        yield url


def test_it_finds_the_caller_by_address_and_dispatches_to_the_grids_rep(browser, site, screenshot_dir):
    page = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page.goto(site + "/login")
    page.fill("input[name=login]", "agent")
    page.fill("input[name=password]", demo_org.PASSWORD)
    page.click("button.primary")
    page.goto(site + "/orders")
    page.click("#new-order summary")
    page.select_option("select[name=category]", "repair")
    page.fill("input[name=address]", "五一大道1号")
    page.locator(".suggestion", has_text="王芳").first.click()
    assert page.input_value("input[name=account]") == "E001"
    page.fill("textarea[name=description]", "家里停电了")
    page.screenshot(path=str(screenshot_dir / "agent-intake.png"))
    page.click("text=创建并派单")
    page.wait_for_selector("h1:has-text('故障报修')")
    body = page.locator("main").inner_text()
    assert "张台区经理" in body and "已派单" in body
    page.close()


def test_the_routing_check_answers_in_the_users_language_not_the_browsers(browser, site):
    # The browser asks for English; the agent's setting (zh-CN) is what the page and its API
    # calls speak.
    page = browser.new_page(locale="en-US", viewport={"width": 1280, "height": 900})
    sign_in(page, site, "agent")
    page.goto(site + "/calls")
    page.fill("form[data-route-form] input[name=caller]", "13600009999")
    page.click("form[data-route-form] button")
    answer = page.locator(".route-answer")
    answer.filter(has_text="来电号码未匹配到客户").wait_for()
    assert "caller's number" not in answer.inner_text()
    page.close()
