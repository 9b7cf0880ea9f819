"""The workbench in a real browser: a new order pushed to the rep counts on their tiles
without a reload, and the page stays clean at phone size."""

import pytest
from tests.support.browser import sign_in

from gridcare.workorders import service as orders

pytestmark = pytest.mark.browser


def to_accept(page):
    return page.locator('#workbench [data-key="orders.to_accept"] .tile-count').inner_text()


def test_a_pushed_order_counts_on_the_reps_tiles_without_a_reload(browser, site, sqlite_database, clock, world_on, screenshot_dir):
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, site, "rep")
    page.goto(site + "/")
    assert to_accept(page) == "0"
    page.wait_for_function("document.getElementById('live-status').textContent === document.getElementById('live-status').dataset.connected")
    with sqlite_database.write() as session:
        made = orders.create_order(session, actor=world_on.principal("agent"), now=clock.now(), intake=orders.Intake(category="repair", channel="hotline", account="E001", description="家里停电")).order
        number, made_id = made.number, made.id
    page.wait_for_function("document.querySelector('#workbench [data-key=\"orders.to_accept\"] .tile-count').textContent === '1'", timeout=15000)
    assert page.locator('#workbench [data-key="orders.to_accept"]').get_attribute("class") == "tile tone-alert"
    page.wait_for_selector(f'#workbench-body article[data-order="{made_id}"]')  # its most urgent list too
    assert number in page.locator("#workbench-body").inner_text()
    page.locator("#popup-ack").click()  # the dispatch pop-up that brought the push
    page.screenshot(path=str(screenshot_dir / "workbench-rep-phone.png"), full_page=True)
    assert errors == []
    context.close()
