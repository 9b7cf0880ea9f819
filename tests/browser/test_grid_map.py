import pytest
from tests.support import area
from tests.support import org as demo_org
from tests.support.browser import sign_in
from tests.support.live import live_site

pytestmark = pytest.mark.browser


@pytest.fixture
def site(sqlite_database, clock, tmp_path):
    org = demo_org.load(sqlite_database, clock)
    ids = area.load(org, clock)
    with live_site(sqlite_database, clock, tmp_path) as url:
        yield url, ids, org


def test_it_draws_the_grids_coloured_with_their_reps_and_opens_a_grid(browser, site, screenshot_dir):
    url, ids, _org = site
    page = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 800})
    sign_in(page, url, "admin")
    page.goto(url + "/grids")
    page.wait_for_selector("#grid-map[data-ready='2']")
    assert page.locator("#grid-map path.leaflet-interactive").count() == 2
    assert "张台区经理" in page.locator(".map-side").inner_text()
    page.screenshot(path=str(screenshot_dir / "grids-map.png"))
    page.click("text=西网格")
    page.wait_for_url(url + f"/grids/{ids['west']}")
    assert "王芳" in page.locator("table.grid-table").first.inner_text()
    page.click("text=E001")
    page.wait_for_selector("ol.chain")
    assert [t.strip() for t in page.locator("ol.chain code").all_inner_texts()] == ["T1", "F1", "SUB"]
    page.screenshot(path=str(screenshot_dir / "customer-zh.png"), full_page=True)
    page.close()


def test_it_shows_a_rep_only_their_own_grid(browser, site):
    url, _ids, _org = site
    page = browser.new_page(locale="zh-CN")
    sign_in(page, url, "rep")
    page.goto(url + "/grids")
    page.wait_for_selector("#grid-map[data-ready='1']")
    assert "东网格" not in page.locator(".map-side").inner_text()
    page.close()


def test_it_draws_a_coverage_gap_in_red_when_asked(browser, site, clock):
    from shapely.geometry import box

    from gridcare.core.principal import system_principal
    from gridcare.grids import service as grids

    url, _ids, org = site
    with org.db.write() as session:
        west = grids.find_grid_by_code(session, code="E-WEST")
        grids.change_grid(session, actor=system_principal("test"), now=clock.now(), grid=west, geometry=box(112.90, 28.10, 112.94, 28.15), reason="shrink")
    page = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 800})
    sign_in(page, url, "supervisor")
    page.goto(url + "/grids")
    page.wait_for_selector("#grid-map[data-ready]")
    page.check("#show-coverage")
    page.wait_for_selector("#coverage-summary.alert")
    assert "覆盖问题：1" in page.locator("#coverage-summary").inner_text()
    assert page.locator("#grid-map path[fill='#ef5350']").count() == 1
    page.close()
