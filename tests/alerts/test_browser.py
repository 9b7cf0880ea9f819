"""The alert pages in a real browser: the list, the evidence chart drawn by ECharts, the
acknowledge form; desktop and phone, Chinese and English. Screenshots go to screenshots/."""

from __future__ import annotations

from datetime import timedelta

import pytest

from gridcare.alerts import service
from gridcare.config import load_settings
from gridcare.main import create_app
from tests.alerts.conftest import take
from tests.support import area
from tests.support import org as demo_org
from tests.support.browser import sign_in
from tests.support.live import live_server

pytestmark = pytest.mark.browser


@pytest.fixture
def site(sqlite_database, clock, tmp_path):
    org = demo_org.load(sqlite_database, clock)
    area.load(org, clock)
    now = clock.now()
    for w in range(1, 9):
        take(sqlite_database, at=now - timedelta(days=1, weeks=w, hours=w % 3), account="E001", n=1 + w % 2)
    take(sqlite_database, at=now - timedelta(days=1), account="E001", n=11)
    for d in (12, 6, 2):
        take(sqlite_database, at=now - timedelta(days=d), account="E003", category="complaint")
    with sqlite_database.write() as session:
        service.scan(session, now=now, hourly=False)
    settings = load_settings(data_dir=tmp_path, database_url=sqlite_database.url, secret_key="browser-test-secret-0123456789")
    with live_server(create_app(settings, db=sqlite_database, clock=clock, run_worker=False)) as url:
        yield url


def acknowledge_popups(page, shot=None) -> int:
    """Supervisors are told of each new alert by a forced pop-up; clear them one by one."""
    page.wait_for_selector("#popup-modal:not([hidden])", timeout=5000)
    if shot:
        page.screenshot(path=shot)
    seen = 0
    while page.locator("#popup-modal").is_visible():
        title = page.locator("#popup-title").inner_text()
        page.click("#popup-ack")
        page.wait_for_function("t => document.getElementById('popup-modal').hidden || document.getElementById('popup-title').textContent !== t", arg=title)
        seen += 1
    return seen


def test_it_shows_the_evidence_chart_and_takes_an_acknowledgement(browser, site, screenshot_dir):  # noqa: F811
    url = site
    page = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})
    sign_in(page, url, "supervisor")
    page.goto(url + "/alerts")
    assert acknowledge_popups(page, str(screenshot_dir / "alert-popup-zh.png")) == 3
    assert page.locator("#alerts tbody tr.alert-row").count() == 3
    page.screenshot(path=str(screenshot_dir / "alerts-list-zh.png"), full_page=True)
    page.click("#alerts tr.alert-row a:has-text('异常增多')")
    page.wait_for_selector("#alert-chart svg")
    assert page.locator("#alert-chart svg path").count() >= 9  # eight history bars and the observed one
    assert page.locator("#alert-orders tbody tr").count() == 11
    page.screenshot(path=str(screenshot_dir / "alert-detail-zh.png"), full_page=True)
    page.fill("textarea[name=note]", "已安排台区经理巡视")
    page.click("button[value=acknowledge]")
    page.wait_for_selector(".alert-status-acknowledged")
    assert "已安排台区经理巡视" in page.locator("#alert-facts").inner_text()
    page.close()


def test_it_fits_a_phone_in_english(browser, site, screenshot_dir):  # noqa: F811
    url = site
    page = browser.new_page(locale="en", viewport={"width": 390, "height": 844})
    sign_in(page, url, "supervisor")
    page.goto(url + "/alerts")
    acknowledge_popups(page)
    page.click("button[name=locale][value=en]")
    page.wait_for_selector("html[lang=en]")
    page.goto(url + "/alerts")
    assert page.locator("#alerts").inner_text().count("Open") == 3  # the kind column is hidden on a phone
    page.screenshot(path=str(screenshot_dir / "alerts-list-en-phone.png"), full_page=True)
    page.click("#alerts tr.alert-row a >> nth=0")
    page.wait_for_selector("#alert-facts")
    assert page.locator("#alert-facts h2").inner_text() in ("Unusual volume", "Repeat complainer", "Repeated repairs")
    assert page.evaluate("document.documentElement.scrollWidth") <= 400
    page.screenshot(path=str(screenshot_dir / "alert-detail-en-phone.png"), full_page=True)
    page.close()
