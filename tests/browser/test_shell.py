import pytest
from tests.support import org as demo_org
from tests.support.live import live_server

from gridcare.config import load_settings
from gridcare.main import create_app

pytestmark = pytest.mark.browser


@pytest.fixture
def site(sqlite_database, clock, tmp_path):
    demo_org.load(sqlite_database, clock)
    settings = load_settings(data_dir=tmp_path, database_url=sqlite_database.url, secret_key="browser-test-secret-0123456789", worker_poll_seconds=0.05)
    with live_server(create_app(settings, db=sqlite_database, clock=clock)) as url:
        yield url


def test_it_signs_in_and_shows_the_shell_in_chinese(browser, site, screenshot_dir):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(site + "/")
    assert page.url.endswith("/login")
    page.fill("input[name=login]", "supervisor")
    page.fill("input[name=password]", demo_org.PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url(site + "/")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.locator("h1").inner_text() == "工作台"
    nav = page.locator("nav.sidenav").inner_text()
    for label in ("工单", "网格", "停电停水", "统计分析", "用户管理", "审计日志"):
        assert label in nav
    # The push stream connects (Alpine and app.js loaded from the package, not a CDN).
    page.wait_for_function("document.getElementById('live-status').textContent === '已连接'")
    page.screenshot(path=str(screenshot_dir / "shell-zh.png"), full_page=True)
    page.click("text=用户管理")
    page.wait_for_url(site + "/admin/users")
    # The electric command center's supervisor sees the electric company's staff, not the water company's.
    rows = page.locator("table.grid-table tbody").inner_text()
    assert "agent" in rows and "expert" in rows and "张台区经理" in rows and "w_agent" not in rows and "钱网格员" not in rows
    page.screenshot(path=str(screenshot_dir / "users-zh.png"), full_page=True)
    context.close()


def test_it_switches_to_english(browser, site):
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.goto(site + "/login")
    page.click("button[name=locale][value=en]")
    page.wait_for_url(site + "/login")
    assert page.locator("button.primary").inner_text() == "Sign in"
    context.close()
