"""The rep's patrol on a phone: today's stops on the map, a check-in with the phone's
position, a finding with a photo that becomes a work order."""

import pytest
from sqlalchemy import select
from tests.field.conftest import PNG, add_hydrant
from tests.support import area
from tests.support import org as demo_org
from tests.support.live import live_site

from gridcare.field import patrols
from gridcare.field.models import PatrolStop
from gridcare.workorders import support
from gridcare.workorders.models import WorkOrder

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def site(sqlite_database, clock, tmp_path):
    org = demo_org.load(sqlite_database, clock)
    org.grids = area.load(org, clock)
    add_hydrant(org, clock)
    with sqlite_database.write() as session:
        patrols.create_plan(session, actor=org.principal("w_supervisor"), now=clock.now(), name="消火栓日巡", grid_id=org.grids["water"], rrule="FREQ=DAILY", kinds=["hydrant", "valve"], far_policy="reject")
        patrols.generate(session, now=clock.now(), days=0)
    with live_site(sqlite_database, clock, tmp_path) as url:
        yield url, sqlite_database, tmp_path


def test_a_rep_checks_in_and_reports_a_finding_that_becomes_a_work_order(browser, site, screenshot_dir):
    url, db, data_dir = site
    # Standing a few metres from hydrant H1 (112.931, 28.121).
    context = browser.new_context(viewport=PHONE, locale="zh-CN", geolocation={"longitude": 112.93102, "latitude": 28.12103}, permissions=["geolocation"], is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(url + "/login")
    page.fill("input[name=login]", "w_rep")
    page.fill("input[name=password]", demo_org.PASSWORD)
    page.click("button.primary")
    page.goto(url + "/field/today")
    page.wait_for_selector("#field-map[data-ready='3']")
    assert page.locator(".leaflet-marker-icon.stop-pin").count() == 3
    hydrant = page.locator("article[data-code='H1']")
    assert "消火栓" in hydrant.inner_text()
    page.wait_for_function("document.querySelector(\"article[data-code='H1'] .gps-lon\").value !== ''")
    page.screenshot(path=str(screenshot_dir / "field-today-phone.png"), full_page=False)

    hydrant.locator("label.check", has_text="消火栓可见、未被埋压").locator("input").check()
    hydrant.locator("input[name=photos]").set_input_files(files=[{"name": "h1.png", "mimeType": "image/png", "buffer": PNG}])
    hydrant.locator("button:has-text('在此签到')").click()
    page.wait_for_selector(".alert.ok[data-msg^='checked:H1']")
    assert "已签到" in page.locator("article[data-code='H1'] .checked-line").inner_text()

    hydrant = page.locator("article[data-code='H1']")
    hydrant.locator("summary").click()
    page.wait_for_function("document.querySelector(\"article[data-code='H1'] .finding-form .gps-lon\").value !== ''")
    hydrant.locator("select[name=kind]").select_option("hydrant_blocked")
    hydrant.locator(".finding-form textarea[name=note]").fill("消火栓被货车圈占")
    hydrant.locator("input[name=photo]").set_input_files(files=[{"name": "blocked.png", "mimeType": "image/png", "buffer": PNG}])
    hydrant.locator("button:has-text('上报并生成工单')").click()
    page.wait_for_selector(".alert.ok[data-msg^='order:']")
    # The order is dispatched to the grid's rep, who is this rep: the forced pop-up comes first.
    page.wait_for_selector("#popup-modal:not([hidden])")
    assert "消火栓被埋压或圈占" in page.locator("#popup-body").inner_text()
    page.click("#popup-ack")
    page.wait_for_selector("#popup-modal", state="hidden")
    number = page.locator(".alert.ok").get_attribute("data-msg").removeprefix("order:")
    assert number in page.locator(".alert.ok").inner_text()
    page.locator(f"article[data-code='H1'] .finding a:has-text('{number}')").scroll_into_view_if_needed()
    page.screenshot(path=str(screenshot_dir / "field-finding-phone.png"), full_page=False)

    # A valve 490 m away: this plan rejects a check-in so far off, and says why.
    valve = page.locator("article[data-code='V1']")
    valve.locator("button:has-text('在此签到')").click()
    page.wait_for_selector(".alert.error")
    assert "请在 100 米内签到" in page.locator(".alert.error").inner_text()

    page.locator(f"article[data-code='H1'] .finding a:has-text('{number}')").click()
    page.wait_for_selector("h1")
    assert number in page.content()
    page.screenshot(path=str(screenshot_dir / "field-finding-order.png"), full_page=True)
    context.close()

    with db.read() as session:
        order = session.scalars(select(WorkOrder).where(WorkOrder.number == number)).one()
        assert (order.channel, order.category) == ("patrol", "repair") and "消火栓被货车圈占" in order.description
        assert [a.media_type for a in support.attachments_of(session, order_id=order.id)] == ["image/png"]
        stop = session.scalars(select(PatrolStop).where(PatrolStop.asset_code == "H1")).one()
        assert stop.status == "checked" and stop.distance_m < 10 and stop.checklist["Hydrant visible and not buried"] is True
        assert (data_dir / stop.photos[0]["path"]).exists()
