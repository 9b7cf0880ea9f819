"""In a real browser: the public report page at a phone's size, from code to order, and the
staff pages of the four packages (screenshots kept in screenshots/ for review)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select
from tests.contractors.world import customer_id
from tests.support import area
from tests.support import org as demo_org
from tests.support.browser import sign_in
from tests.support.live import live_server

from gridcare.arrears import service as arrears
from gridcare.campaigns import service as campaigns
from gridcare.cards import service as cards
from gridcare.config import load_settings
from gridcare.contractors import service as contractors
from gridcare.contractors import supervision
from gridcare.contractors.models import ProjectItem
from gridcare.main import create_app
from gridcare.notify.models import Notification
from gridcare.workorders.models import WorkOrder

pytestmark = pytest.mark.browser


@pytest.fixture
def site(sqlite_database, clock, tmp_path):
    db = sqlite_database
    org = demo_org.load(db, clock)
    grid_ids = area.load(org, clock)
    admin = org.principal("admin")
    now = clock.now()
    with db.write() as session:
        token = cards.token_for(session, grid_id=grid_ids["west"], now=now)
        project = contractors.create_project(session, actor=admin, now=now - timedelta(days=3), name="天心片区二次供水水箱清洗", kind="tank_cleaning", contractor_id=org.units["HC"],
                                             grid_ids=[grid_ids["water"]], starts_at=now - timedelta(days=2), due_at=now + timedelta(days=3), items=[f"{n}号楼水箱" for n in range(1, 9)], sample_seed=3)
        contractors.execute(session, actor=admin, now=now - timedelta(days=2), project_id=project.id, command="start")
        items = list(session.scalars(select(ProjectItem.id).where(ProjectItem.project_id == project.id).order_by(ProjectItem.id)))
        contractors.complete_items(session, actor=admin, now=now - timedelta(days=1), project_id=project.id, item_ids=items[:6], note="清洗消毒完成")
        checks = supervision.draw_spot_checks(session, actor=admin, now=now, project_id=project.id)
        supervision.record_check(session, actor=admin, now=now, project_id=project.id, check_id=checks[0].id, result="fail", evidence="水箱底部仍有沉积物")
        supervision.add_feedback(session, actor=admin, now=now, project_id=project.id, score=4, comment="提前告知，施工规范")
        supervision.add_log(session, actor=admin, now=now, project_id=project.id, note="现场检查：清洗前已停水并张贴公告")
        sent = campaigns.create_campaign(session, actor=admin, now=now, title="冬季安全用电提醒", text="冬季用电注意安全，勿私拉乱接。", topic="safety", target={"grid_ids": [grid_ids["east"], grid_ids["west"]]})
        campaigns.send(session, actor=admin, now=now, campaign_id=sent.id)
        campaigns.create_campaign(session, actor=admin, now=now, title="计划停水通知", text="明日9时至17时停水，请提前储水。", topic="water_outage", target={"grid_ids": [grid_ids["water"]]},
                                  send_at=now + timedelta(hours=5))
        campaigns.opt_out(session, actor=admin, now=now, customer_id=customer_id(db, "E002"), via="reply")
        case = arrears.open_case(session, actor=admin, now=now - timedelta(days=10), customer_id=customer_id(db, "E001"), amount_fen=123_450, months=6, reason="租户已搬离，房东拒缴")
        arrears.follow_up(session, actor=admin, now=now - timedelta(days=9), case_id=case.id, method="visit", note="上门见到房东，承诺分期", paid_fen=20_000, next_follow_up_at=now - timedelta(days=1))
        arrears.open_case(session, actor=admin, now=now, customer_id=customer_id(db, "E003"), amount_fen=880_000, months=2, reason="对计量有异议")
        pid = project.id
    settings = load_settings(data_dir=tmp_path, database_url=db.url, secret_key="browser-test-secret-0123456789")
    with live_server(create_app(settings, db=db, clock=clock, run_worker=False)) as url:
        yield url, token, pid, db


def test_a_caller_reports_from_a_phone_and_the_order_lands_with_the_grids_rep(browser, site, screenshot_dir):
    url, token, _pid, db = site
    page = browser.new_page(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page.goto(f"{url}/r/{token}")
    assert "张台区经理" in page.inner_text("main") and page.get_attribute("a.call", "href") == "tel:+8613800000005"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
    page.screenshot(path=str(screenshot_dir / "cards-report-phone-zh.png"), full_page=True)
    page.fill("#phone", "13900001111")
    page.click("#code-form button")
    page.wait_for_selector("#report-form")
    with db.read() as session:
        body = session.scalars(select(Notification.body).where(Notification.source_kind == "report_code")).one()
    page.fill("#code", "000000" if "000000" not in body else "111111")
    page.fill("#description", "楼道表箱门损坏，电线外露")
    page.fill("#address", "五一大道1号3栋")
    page.click("#report-form button")
    page.wait_for_selector("[role=alert]")
    page.screenshot(path=str(screenshot_dir / "cards-report-wrong-code-phone-zh.png"), full_page=True)
    page.fill("#code", re.search(r"\d{6}", body).group(0))
    page.fill("#description", "楼道表箱门损坏，电线外露")
    page.click("#report-form button")
    page.wait_for_selector("#done")
    page.screenshot(path=str(screenshot_dir / "cards-report-done-phone-zh.png"), full_page=True)
    number = re.search(r"GD\d{8}-\d{6}", page.inner_text("#done")).group(0)
    with db.read() as session:
        order = session.scalars(select(WorkOrder).where(WorkOrder.number == number)).one()
        assert (order.channel, order.category) == ("web", "repair") and order.handler_id is not None


def test_the_staff_pages_show_projects_campaigns_cards_and_arrears(browser, site, screenshot_dir):
    url, _token, pid, _db = site
    page = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})
    sign_in(page, url, "admin")
    for path, name, expect in (
        ("/contractors", "contractors-list-zh", "天心片区二次供水水箱清洗"),
        (f"/contractors/{pid}", "contractors-detail-zh", "水箱底部仍有沉积物"),
        ("/campaigns", "campaigns-zh", "冬季安全用电提醒"),
        ("/cards", "cards-zh", "/r/"),
        ("/arrears", "arrears-zh", "已逾期"),
    ):
        page.goto(url + path)
        assert expect in page.inner_text("main"), path
        page.screenshot(path=str(screenshot_dir / f"{name}.png"), full_page=True)
    page.goto(url + "/campaigns")
    page.wait_for_selector("#campaign-map[data-ready]")
    area_map = page.locator("#campaign-map")
    box = area_map.bounding_box()
    for fx, fy in ((0.2, 0.1), (0.5, 0.1), (0.5, 0.9), (0.2, 0.9)):  # the western half: E001 and W001
        area_map.click(position={"x": box["width"] * fx, "y": box["height"] * fy})
    page.wait_for_function("document.getElementById('audience').textContent.includes('2')")
    assert '"Polygon"' in page.input_value("#new-campaign textarea[name=polygon]")
    page.screenshot(path=str(screenshot_dir / "campaigns-area-zh.png"), full_page=True)
    page.click("#clear-area")
    page.select_option("#new-campaign select[name=grid_ids]", index=0)
    page.wait_for_function("document.getElementById('audience').textContent.length > 0")
    assert "覆盖" in page.inner_text("#audience")
    rep = browser.new_page(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True)
    sign_in(rep, url, "rep")
    rep.goto(url + "/arrears")
    assert "租户已搬离" in rep.inner_text("main")
    rep.screenshot(path=str(screenshot_dir / "arrears-rep-phone-zh.png"), full_page=True)
    water_rep = browser.new_page(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True)
    sign_in(water_rep, url, "w_rep")
    water_rep.goto(f"{url}/contractors/{pid}")
    water_rep.fill("#logs-form textarea", "围挡已设置，施工人员持证上岗")
    water_rep.click("#logs-form button")
    water_rep.wait_for_url(f"{url}/contractors/{pid}")
    assert "围挡已设置" in water_rep.inner_text("#logs")
    assert water_rep.evaluate("document.documentElement.scrollWidth") <= 400
    water_rep.screenshot(path=str(screenshot_dir / "contractors-detail-rep-phone-zh.png"), full_page=True)
