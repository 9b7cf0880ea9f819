"""The screen pop in a real browser: a CTI ringing event makes the caller's card appear on
the signed-in agent's console in under 500 ms from the POST; and screenshots of the calls
pages for review."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest

from gridcare.config import load_settings
from gridcare.main import create_app
from tests.calls.conftest import make_pbx_token
from tests.support import area
from tests.support import org as demo_org
from tests.support.browser import sign_in
from tests.support.live import live_server

pytestmark = pytest.mark.browser
POP_BUDGET_SECONDS = 0.5  # demanded by the issue: from the POST to the visible card


@pytest.fixture
def site(sqlite_database, clock, tmp_path) -> Iterator[tuple[str, str, object]]:
    org = demo_org.load(sqlite_database, clock)
    area.load(org, clock)
    token = make_pbx_token(org, clock)
    # The embedded worker runs as under `gridcare serve`, polling every second: the pop
    # must not wait for it.
    settings = load_settings(data_dir=tmp_path, database_url=sqlite_database.url, secret_key="browser-test-secret-0123456789")
    with live_server(create_app(settings, db=sqlite_database, clock=clock, run_worker=True)) as url:
        yield url, token, org


def post_event(client: httpx.Client, token: str, **body) -> httpx.Response:
    response = client.post("/api/v1/calls/events", json=body, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    return response


def test_it_pops_the_callers_card_on_the_agents_console_within_500_ms(browser, site, clock, screenshot_dir):
    url, token, _org = site
    page = browser.new_page(locale="zh-CN", viewport={"width": 1366, "height": 900})
    sign_in(page, url, "agent")
    page.goto(url + "/calls")
    page.wait_for_selector("#live-status:has-text('已连接')")  # the push stream is open
    assert page.locator("#call-card").inner_text().strip() == "等待来电…"
    with httpx.Client(base_url=url) as client:
        post_event(client, token, call_id="warm-up", event="ringing", caller="13700002222", agent_extension="8002")  # another agent's call
        # A console that has taken a call before: the first card of a fresh server pays for
        # compiling templates and filling caches, which is not what an agent waits for.
        post_event(client, token, call_id="warm-up-2", event="ringing", caller="0731-8555 0000", agent_extension="8001")
        page.wait_for_selector("#call-card .caller.unknown", timeout=5000)
        post_event(client, token, call_id="warm-up-2", event="ended", agent_extension="8001")
        started = time.perf_counter()
        post_event(client, token, call_id="pbx-1", event="ringing", caller="0731-8888 1234", callee="95598", agent_extension="8001", timestamp=clock.now().isoformat())
        page.wait_for_selector("#call-card .customer-name:has-text('李强')", timeout=5000)
        elapsed = time.perf_counter() - started
    print(f"screen pop: card visible {elapsed * 1000:.0f} ms after the POST")
    assert elapsed < POP_BUDGET_SECONDS, f"card visible {elapsed * 1000:.0f} ms after the POST"
    card = page.locator("#call-card").inner_text()
    assert "E002" in card and "敏感" in card and "东网格" in card and "0731 8888 1234" in card
    assert "长沙市第一中学" not in card  # the other agent's caller never shows here
    page.screenshot(path=str(screenshot_dir / "calls-console.png"), full_page=True)

    with httpx.Client(base_url=url) as client:
        post_event(client, token, call_id="pbx-1", event="answered", agent_extension="8001", timestamp=(clock.now() + timedelta(seconds=4)).isoformat())
    page.wait_for_selector("#call-card .call-state:has-text('通话中')", timeout=5000)
    page.click("#call-card .new-order summary")
    form = page.locator("#call-card .new-order form")
    assert form.locator("[name=caller_name]").input_value() == "李强"
    assert form.locator("[name=address]").input_value() == "芙蓉区五一大道2号"
    form.locator("textarea[name=description]").fill("整栋楼停电")
    form.locator("button.primary").click()
    page.wait_for_selector("h1:has-text('咨询')")
    assert "李强" in page.locator("main").inner_text()
    page.close()


def test_it_offers_search_and_a_new_customer_form_for_an_unknown_number(browser, site, clock, screenshot_dir):
    url, token, _org = site
    page = browser.new_page(locale="zh-CN", viewport={"width": 1366, "height": 900})
    sign_in(page, url, "agent")
    page.goto(url + "/calls")
    page.wait_for_selector("#live-status:has-text('已连接')")
    with httpx.Client(base_url=url) as client:
        post_event(client, token, call_id="pbx-unknown", event="ringing", caller="0731-8555 0000", agent_extension="8001")
    page.wait_for_selector("#call-card .caller.unknown")
    page.fill("#call-card .card-search", "五一大道3号")
    page.wait_for_selector("#call-card .suggestion:has-text('长沙市第一中学')")
    page.screenshot(path=str(screenshot_dir / "calls-console-unknown.png"), full_page=True)
    page.click("#call-card .suggestion:has-text('长沙市第一中学')")
    page.wait_for_selector("#call-card .customer-name:has-text('长沙市第一中学')")
    page.close()


def test_it_renders_the_statistics_and_qa_pages(browser, site, clock, screenshot_dir):
    url, token, _org = site
    with httpx.Client(base_url=url) as client:
        for i in range(24):
            at = clock.now() - timedelta(hours=20) + timedelta(minutes=47 * i)
            ext = ("8001", "8002")[i % 2]
            call_id = f"s{i}"
            post_event(client, token, call_id=call_id, event="ringing", caller="13812345678", agent_extension=ext, queue=("general", "expert")[i % 3 == 0], timestamp=at.isoformat())
            if i % 5 != 4:
                post_event(client, token, call_id=call_id, event="answered", agent_extension=ext, timestamp=(at + timedelta(seconds=4 + i)).isoformat())
            post_event(client, token, call_id=call_id, event="ended", timestamp=(at + timedelta(seconds=90 + 7 * i)).isoformat(), recording_url=f"{url}/static/css/app.css")
    page = browser.new_page(locale="zh-CN", viewport={"width": 1366, "height": 900})
    sign_in(page, url, "supervisor")
    page.goto(url + "/calls/stats?from=2026-11-23&to=2026-11-24")
    page.wait_for_selector("#chart-hours svg")
    assert page.locator("#kpi-offered").inner_text() == "24"
    page.screenshot(path=str(screenshot_dir / "calls-stats.png"), full_page=True)
    page.goto(url + "/calls/qa?from=2026-11-23&to=2026-11-24")
    page.click("text=抽检此期间")
    page.wait_for_selector("#qa-queue tr.sampled")
    page.locator("#qa-queue a:has-text('评分')").first.click()
    page.wait_for_selector("audio.recording")
    page.fill("input[name='score.courtesy']", "8")
    page.screenshot(path=str(screenshot_dir / "calls-qa-score.png"), full_page=True)
    page.click("text=保存评分")
    page.wait_for_selector("text=评分已保存。")
    page.goto(url + "/calls/qa?from=2026-11-23&to=2026-11-24")
    assert "93" in page.locator("#qa-results").inner_text()
    page.screenshot(path=str(screenshot_dir / "calls-qa.png"), full_page=True)
    page.goto(url + "/calls/lines")
    page.fill("input[name=number]", "0731-8488 1234")
    page.fill("input[name=name]", "五一供电所抢修电话")
    page.click("form.form-grid button.primary")
    page.wait_for_selector("#lines td:has-text('五一供电所抢修电话')")
    page.screenshot(path=str(screenshot_dir / "calls-lines.png"), full_page=True)
    page.close()
