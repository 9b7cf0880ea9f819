"""The management dashboard in a real browser: charts and the choropleth draw, a click on a
figure drills down to the orders behind it and on to one order; the wall and a phone view."""

import pytest
from tests.analytics.conftest import load_history, local, past
from tests.support import area
from tests.support import org as demo_org
from tests.support.browser import sign_in
from tests.support.live import live_site

from gridcare.analytics import rollup

pytestmark = pytest.mark.browser


@pytest.fixture
def site(sqlite_database, clock, tmp_path):
    org = demo_org.load(sqlite_database, clock)
    ids = area.load(org, clock)
    load_history(sqlite_database, clock, [
        past("b1", created=local(2026, 11, 3, 10), category="complaint", escalations=1, satisfaction=2),
        past("b2", created=local(2026, 11, 5, 10), account="E002", grid="E-EAST", channel="web"),
        past("b3", created=local(2026, 11, 9, 10), account="E003", grid="E-EAST"),
        past("b4", created=local(2026, 10, 7, 10), category="consultation", arrive_min=None),
    ])  # fmt: skip
    with sqlite_database.write() as session:
        rollup.rebuild_all(session, now=clock.now())
    with live_site(sqlite_database, clock, tmp_path) as url:
        yield url, ids


def test_it_drills_down_from_the_dashboard_to_an_order(browser, site, screenshot_dir):
    url, ids = site
    page = browser.new_page(locale="zh-CN", viewport={"width": 1366, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    sign_in(page, url, "supervisor")
    page.goto(url + "/analytics?period=month&at=2026-11")
    page.wait_for_selector("#chart-categories[data-ready='1']")
    page.wait_for_selector("#kpi-map[data-ready='2']")
    assert page.locator("#kpi-map path.leaflet-interactive").count() == 2
    assert page.locator("#kpi-orders .kpi-value").inner_text() == "3"
    page.screenshot(path=str(screenshot_dir / "analytics-dashboard.png"), full_page=True)
    page.locator("#kpi-map").screenshot(path=str(screenshot_dir / "analytics-choropleth.png"))
    # The escalation rate's figure links to the escalated orders of the period.
    page.click("#kpi-escalation_rate .kpi-value a")
    page.wait_for_url("**/analytics/orders?**flag=escalated**")
    rows = page.locator("#drill-orders tbody tr")
    assert rows.count() == 1
    page.click("#drill-orders tbody tr a")
    page.wait_for_url("**/orders/*")
    assert "LS20261103" in page.content()
    # A click on the map's grid opens the orders of that grid.
    page.goto(url + "/analytics?period=month&at=2026-11")
    page.wait_for_selector("#kpi-map[data-ready='2']")
    page.locator("#kpi-map path.leaflet-interactive").nth(1).click()
    page.click("a.map-drill")
    page.wait_for_url("**/analytics/orders?**grid=**")
    assert page.locator("#drill-orders tbody tr").count() in (1, 2)
    assert errors == []
    page.close()


def test_it_shows_the_wall_and_a_phone_view(browser, site, screenshot_dir):
    url, _ids = site
    page = browser.new_page(locale="zh-CN", viewport={"width": 1600, "height": 900})
    sign_in(page, url, "supervisor")
    page.goto(url + "/analytics/wall")
    page.wait_for_selector("#tile-open")
    assert page.locator(".wall-tile").count() >= 5
    page.screenshot(path=str(screenshot_dir / "analytics-wall.png"), full_page=True)
    page.close()
    phone = browser.new_page(locale="zh-CN", viewport={"width": 390, "height": 844})
    sign_in(phone, url, "supervisor")
    phone.goto(url + "/analytics/scorecards?month=2026-11")
    phone.wait_for_selector("#ranking")
    phone.screenshot(path=str(screenshot_dir / "analytics-scorecards-phone.png"), full_page=True)
    phone.close()
