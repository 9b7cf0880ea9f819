"""Grid planning in a real browser: the units map by workload, the design form, the
proposal beside today's grids with its scores, adoption, the comparison, and the
proposal page on a phone."""

from __future__ import annotations

import pytest
from shapely.geometry import LineString
from tests.support import area
from tests.support import org as demo_org
from tests.support.browser import sign_in
from tests.support.live import live_site

from gridcare.planning import proposals, service
from gridcare.planning.files import BarrierRow

pytestmark = pytest.mark.browser


@pytest.fixture
def site(sqlite_database, clock, tmp_path):
    org = demo_org.load(sqlite_database, clock)
    area.load(org, clock)
    with sqlite_database.write() as session:
        admin = org.principal("admin")
        service.generate_units(session, actor=admin, now=clock.now(), utility="electric", cell_m=600, lattice="hex")
        service.add_barriers(session, actor=admin, now=clock.now(), utility="electric", rows=[BarrierRow("浏阳河", "river", LineString([(112.95, 28.09), (112.95, 28.16)]))])
        first = proposals.design_proposal(session, actor=admin, now=clock.now(), utility="electric", k=2, name="两网格均衡").id
    with live_site(sqlite_database, clock, tmp_path) as url:
        yield url, first


def test_it_designs_compares_and_adopts_a_proposal(browser, site, screenshot_dir):
    url, first = site
    page = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})
    sign_in(page, url, "admin")
    page.goto(url + "/planning")
    page.wait_for_selector("#plan-units[data-ready]")
    assert int(page.get_attribute("#plan-units", "data-ready")) > 40
    assert page.locator("#plan-units path.leaflet-interactive").count() > 40
    assert "两网格均衡" in page.locator("#proposals").inner_text()
    page.screenshot(path=str(screenshot_dir / "planning-index-zh.png"), full_page=True)
    page.fill("#design-form input[name=name]", "三网格最小调整")
    page.fill("#design-form input[name=k]", "3")
    page.check("#design-form input[name=minimum_disruption]")
    page.click("#design-form button.primary")
    page.wait_for_url(url + "/planning/proposals/*")
    page.wait_for_selector("#map-proposal[data-ready]")
    page.wait_for_selector("#map-today[data-ready]")
    assert page.get_attribute("#map-proposal", "data-ready") == "3" and page.get_attribute("#map-today", "data-ready") == "2"
    assert page.locator("#proposed-grids tbody tr").count() == 3
    page.screenshot(path=str(screenshot_dir / "planning-proposal-zh.png"), full_page=True)
    page.select_option("#adopt-form select[name=rehome]", "keep")
    page.click("#adopt-form button[value=adopt]")
    page.wait_for_selector("#adopted")
    assert "已采用" in page.locator("h1").inner_text()
    second = page.url.rsplit("/", 1)[1]
    page.goto(url + f"/planning/compare?ids={first}&ids={second}")
    page.wait_for_selector(".plan-map-grids[data-ready]")
    assert page.locator("#scores thead th").count() == 4  # label, today, two proposals
    page.wait_for_timeout(300)
    page.screenshot(path=str(screenshot_dir / "planning-compare-zh.png"), full_page=True)


def test_the_proposal_page_fits_a_phone(browser, site, screenshot_dir):
    url, first = site
    page = browser.new_page(locale="en", viewport={"width": 390, "height": 844})
    sign_in(page, url, "supervisor")
    page.goto(url + f"/planning/proposals/{first}")
    page.wait_for_selector("#map-proposal[data-ready]")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, f"the page scrolls sideways: {width}px"
    page.screenshot(path=str(screenshot_dir / "planning-proposal-phone.png"), full_page=True)
