"""The network page in a real browser: a supervisor looks a switch up from the form and reads
its upstream chain and the customers downstream, then asks which customers closing a valve
cuts off; the page runs under the CSP without a console error."""

from __future__ import annotations

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


def test_it_looks_a_device_up_and_the_valves_to_close(browser, site, screenshot_dir):
    url = site
    page = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    sign_in(page, url, "admin")  # holds both networks
    page.click("nav.sidenav a[href='/network']")
    page.wait_for_url(url + "/network")
    page.select_option("#lookup-form select[name=utility]", "electric")
    page.fill("#lookup-form input[name=code]", "SW1")
    page.click("#lookup-form button[type=submit]")
    page.wait_for_selector("#asset-result")
    assert page.locator("#upstream li").all_inner_texts() == ["变电站 测试变电站 SUB", "馈线 10kV 测试线 F1", "开关 1号开关 SW1"]
    assert page.inner_text("#downstream [data-figure=customers]") == "2"
    assert "东网格" in page.inner_text("#downstream [data-table=grids]")
    page.screenshot(path=str(screenshot_dir / "network-lookup-zh.png"), full_page=True)

    page.click("#upstream a:has-text('F1')")  # walk up the chain
    page.wait_for_url("**/network?utility=electric&code=F1")
    assert page.inner_text("#downstream [data-figure=customers]") == "3"

    page.fill("#valves-form input[name=valves]", "V1")
    page.click("#valves-form button[type=submit]")
    page.wait_for_selector("#isolation-result")
    assert page.inner_text("#isolation [data-figure=customers]") == "1"
    assert "全域供水网格" in page.inner_text("#isolation [data-table=grids]")
    page.screenshot(path=str(screenshot_dir / "network-valves-zh.png"), full_page=True)

    page.fill("#lookup-form input[name=code]", "NOPE")
    page.click("#lookup-form button[type=submit]")
    page.wait_for_selector("#network-error")
    assert "NOPE" in page.inner_text("#network-error")
    page.set_viewport_size({"width": 390, "height": 844})  # a rep's phone
    page.goto(url + "/network?utility=electric&code=T2")
    page.wait_for_selector("#asset-result")
    page.screenshot(path=str(screenshot_dir / "network-lookup-phone-zh.png"), full_page=True)
    assert problems == [] or all("404" in p for p in problems), problems  # the not-found answer is a 404
