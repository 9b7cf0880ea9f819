"""The rep's patrol without signal, in a real browser: the page opens from the phone's copy,
a check-in and a finding are kept on the phone with their photos, and both are sent once the
signal returns, counted from when they were made."""

import re
from datetime import datetime, timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from sqlalchemy import select
from tests.field.conftest import PNG, add_hydrant
from tests.support import area
from tests.support import org as demo_org
from tests.support.browser import phone_on, sign_in
from tests.support.live import live_site

from gridcare.core.clock import SHANGHAI
from gridcare.field import patrols, visits
from gridcare.field.models import Finding, PatrolStop, Visit, VisitPlan
from gridcare.workorders import support

pytestmark = pytest.mark.browser
AT_H1 = {"longitude": 112.93102, "latitude": 28.12103}  # a few metres from hydrant H1
KEPT = "caches.open('gridcare-field').then(c => Promise.all([c.match(location.origin + '/field/today'), c.match(location.origin + '/static/js/offline.js')])).then(r => r.every(Boolean))"


@pytest.fixture
def site(sqlite_database, clock, tmp_path):
    org = demo_org.load(sqlite_database, clock)
    org.grids = area.load(org, clock)
    add_hydrant(org, clock)
    with sqlite_database.write() as session:
        patrols.create_plan(session, actor=org.principal("w_supervisor"), now=clock.now(), name="消火栓日巡", grid_id=org.grids["water"], rrule="FREQ=DAILY", kinds=["hydrant", "valve"], far_policy="flag")
        patrols.generate(session, now=clock.now(), days=0)
        stakeholder = visits.add_stakeholder(session, actor=org.principal("w_rep"), now=clock.now(), grid_id=org.grids["water"], kind="property_management", name="银杏物业")
        session.flush()
        plan = session.scalars(select(VisitPlan).where(VisitPlan.stakeholder_id == stakeholder.id)).one()
        plan.next_due = clock.now().date() + timedelta(days=2)  # due this week: on the patrol page
    with live_site(sqlite_database, clock, tmp_path) as url:
        yield url, sqlite_database


def test_a_check_in_and_a_finding_made_without_signal_are_sent_when_it_returns(browser, site, screenshot_dir):
    url, db = site
    context, page, errors = phone_on(browser, url, "w_rep", "/field/today", geolocation=AT_H1, kept=KEPT, clock=True)

    context.set_offline(True)
    page.reload()
    page.wait_for_selector("#offline-queue:not([hidden])")
    assert "无信号" in page.locator("#offline-queue .offline-status").inner_text()
    hydrant = page.locator("article[data-code='H1']")
    hydrant.locator("label.check", has_text="消火栓可见、未被埋压").locator("input").check()
    hydrant.locator("input[name=photos]").set_input_files(files=[{"name": "h1.png", "mimeType": "image/png", "buffer": PNG}])
    hydrant.locator("button:has-text('在此签到')").click()
    page.wait_for_selector("#offline-queue[data-pending='1']")
    assert "kept" in (hydrant.get_attribute("class") or "") and "已保存在手机上" in hydrant.locator(".kept-line").inner_text()

    hydrant.locator(".finding-form summary").click()
    hydrant.locator("select[name=kind]").select_option("hydrant_blocked")
    hydrant.locator(".finding-form textarea[name=note]").fill("消火栓被货车圈占")
    hydrant.locator("input[name=photo]").set_input_files(files=[{"name": "blocked.png", "mimeType": "image/png", "buffer": PNG}])
    hydrant.locator("button:has-text('上报并生成工单')").click()
    page.wait_for_selector("#offline-queue[data-pending='2']")
    assert "2 条记录待上传" in page.locator("#offline-queue .offline-status").inner_text()
    page.screenshot(path=str(screenshot_dir / "field-offline-kept.png"), full_page=False)
    violations = Axe().run(page, context="#offline-queue", options={"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa"]}}).response["violations"]
    assert [v["id"] for v in violations] == []
    with db.read() as session:
        assert session.get(PatrolStop, _stop(session, "H1")).status == "pending"  # nothing has reached the server

    page.click("a:has-text('银杏物业')")  # a visit due this week: the phone kept its page too
    page.fill("input[name=contact_met]", "王经理")
    page.fill("#visit-form textarea[name=issues]", "二次供水箱需清洗")
    page.click("#visit-form button[type=submit]")
    page.wait_for_selector("#offline-queue[data-pending='3']")
    assert "已保存在手机上" in page.locator("#visit-form + .kept-line").inner_text()

    page.clock.fast_forward("40:00")  # forty minutes later, the signal returns
    context.set_offline(False)
    page.wait_for_selector("#offline-queue[data-pending='0']", timeout=30000)
    assert "已上传 3 条记录" in page.locator("#offline-queue .offline-status").inner_text()
    page.goto(url + "/field/today")
    checked = page.locator("article[data-code='H1'] .checked-line")
    assert re.search(r"08:(19|20) 已签到.*已上传 11-24 09:00", checked.inner_text())  # made forty minutes before it arrived
    page.screenshot(path=str(screenshot_dir / "field-offline-sent.png"), full_page=False)
    assert errors == []
    page.add_style_tag(content="#popup-modal{display:none!important}")
    page.click("form[action='/logout'] button")  # signed out, the phone's copies of the pages go
    page.wait_for_selector("input[name=login]")
    for _ in range(50):
        if not page.evaluate("caches.has('gridcare-field')"):
            break
        page.wait_for_timeout(100)
    assert page.evaluate("caches.has('gridcare-field')") is False
    context.close()

    with db.read() as session:
        stop = session.get(PatrolStop, _stop(session, "H1"))
        arrived = datetime(2026, 11, 24, 9, 0, tzinfo=SHANGHAI)
        assert stop.status == "checked" and stop.sent_at == arrived and abs(stop.checked_at - (arrived - timedelta(minutes=40))) < timedelta(seconds=30)
        assert stop.checklist["Hydrant visible and not buried"] is True and len(stop.photos) == 1
        finding = session.scalars(select(Finding)).one()
        assert finding.sent_at == arrived and abs(finding.created_at - (arrived - timedelta(minutes=40))) < timedelta(seconds=30)
        assert len(support.attachments_of(session, order_id=finding.order_id)) == 1
        visit = session.scalars(select(Visit)).one()
        assert (visit.contact_met, visit.sent_at) == ("王经理", arrived) and visit.visited_at < arrived


def _on_patrol_page(browser, url, *, init_script=None):
    """The water rep's phone at hydrant H1, signed in, on today's patrol page with its worker ready."""
    return phone_on(browser, url, "w_rep", "/field/today", geolocation=AT_H1, init_script=init_script)


def _stop(session, code):
    return session.scalars(select(PatrolStop.id).where(PatrolStop.asset_code == code)).one()


def test_a_record_kept_through_an_expired_session_is_sent_after_signing_in_again(browser, site):
    url, db = site
    context, page, _ = _on_patrol_page(browser, url)
    context.set_offline(True)
    hydrant = page.locator("article[data-code='H1']")
    hydrant.locator("button:has-text('在此签到')").click()
    page.wait_for_selector("#offline-queue[data-pending='1']", state="attached")

    context.clear_cookies()  # the session ran out while the phone was out of signal
    context.set_offline(False)
    page.wait_for_function("document.getElementById('offline-queue').dataset.stuck === 'signed_out'")
    assert "请重新登录后上传" in page.locator("#offline-queue .offline-status").inner_text()
    with db.read() as session:
        assert session.get(PatrolStop, _stop(session, "H1")).status == "pending"

    sign_in(page, url, "w_rep")  # a new session, a new CSRF token: the record is sent with it
    page.goto(url + "/field/today")
    page.wait_for_selector("article[data-code='H1'].checked")  # sent on arrival, and the page shown again
    with db.read() as session:
        assert session.get(PatrolStop, _stop(session, "H1")).status == "checked"
    context.close()


def test_a_phone_that_cannot_keep_records_says_so_and_leaves_the_form_as_typed(browser, site):
    url, db = site
    # As in some private modes: the phone's store refuses to open.
    context, page, errors = _on_patrol_page(browser, url, init_script="indexedDB.open = function () { throw new DOMException('blocked', 'SecurityError'); };")
    context.set_offline(True)
    hydrant = page.locator("article[data-code='H1']")
    hydrant.locator(".checkin textarea[name=note]").fill("井盖松动")
    hydrant.locator("button:has-text('在此签到')").click()
    page.wait_for_function("document.querySelector('#offline-queue .offline-status').textContent.includes('无法保存')")
    assert hydrant.locator(".checkin textarea[name=note]").input_value() == "井盖松动"
    assert hydrant.locator("button:has-text('在此签到')").is_enabled()
    assert errors == []
    context.close()


def test_a_kept_record_the_server_refuses_stays_on_the_phone_with_the_reason_until_discarded(browser, site):
    url, db = site
    context, page, _ = _on_patrol_page(browser, url)
    context.set_offline(True)
    hydrant = page.locator("article[data-code='H1']")
    hydrant.locator(".checkin textarea[name=note]").fill("长" * 2001)  # over the note's limit: the server will say so
    hydrant.locator("button:has-text('在此签到')").click()
    page.wait_for_selector("#offline-queue[data-pending='1']", state="attached")
    context.set_offline(False)
    refused = page.locator("#offline-queue li[data-state='refused']")
    refused.wait_for()
    assert "未被接受" in refused.inner_text() and "2000" in refused.inner_text()
    assert page.locator("#offline-queue").get_attribute("data-pending") == "0"
    refused.get_by_role("button").click()  # discard
    page.wait_for_selector("#offline-queue li", state="detached")
    with db.read() as session:
        assert session.get(PatrolStop, _stop(session, "H1")).status == "pending"
    context.close()


def test_the_phone_keeps_the_latest_sixty_pages(browser, site):
    url, _ = site
    context, page, _ = _on_patrol_page(browser, url)
    # Seventy pages kept before, oldest first (as a supervisor's browsing would leave them).
    page.evaluate("caches.open('gridcare-field').then(c => Promise.all([...Array(70).keys()].map(i => c.put(location.origin + '/field/old/' + i, new Response('x', {headers: {'content-type': 'text/html'}})))))")
    page.goto(url + "/field/visits")  # kept with signal, and the oldest go
    pages = "caches.open('gridcare-field').then(c => c.keys()).then(k => k.map(r => new URL(r.url).pathname).filter(p => !p.startsWith('/static/')))"
    for _ in range(50):
        kept = page.evaluate(pages)
        if len(kept) <= 60:
            break
        page.wait_for_timeout(100)
    assert len(kept) == 60 and kept[-1] == "/field/visits" and "/field/old/69" in kept and "/field/old/0" not in kept
    assert any(p.startswith("/static/") for p in page.evaluate("caches.open('gridcare-field').then(c => c.keys()).then(k => k.map(r => new URL(r.url).pathname))"))  # the files stay
    context.close()
