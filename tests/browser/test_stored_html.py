"""HTML stored in an order's text and a customer's name is shown as text, never run, on
the order page, the queue, the rep's phone list and the agent's screen pop.

The browser ignores the Content-Security-Policy here (``bypass_csp``): the policy would
block the inline script anyway, and this test is about escaping, not about that second wall."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import text
from tests.calls.conftest import make_pbx_token
from tests.support import area
from tests.support import org as demo_org
from tests.support.browser import sign_in
from tests.support.live import live_server

from gridcare.config import load_settings
from gridcare.core.principal import system_principal
from gridcare.main import create_app
from gridcare.workorders import service as orders

pytestmark = pytest.mark.browser

PAYLOAD = "<img src=x onerror=window.__xss=1><script>window.__xss=2</script>"
NAME = "王芳<img src=x onerror=window.__xss=3><b>粗</b>"
NOTE = "<svg onload=window.__xss=4></svg>已联系"


@pytest.fixture
def site(sqlite_database, clock, tmp_path) -> Iterator[tuple[str, str, int]]:
    org = demo_org.load(sqlite_database, clock)
    area.load(org, clock)
    token = make_pbx_token(org, clock)
    with sqlite_database.write() as session:
        session.execute(text("UPDATE customers SET name = :n WHERE account = 'E001'"), {"n": NAME})
        created = orders.create_order(
            session,
            actor=system_principal("test"),
            now=clock.now(),
            intake=orders.Intake(
                category="repair",
                channel="hotline",
                account="E001",
                description=PAYLOAD,
                caller_name=PAYLOAD,
            ),
        )
        order_id = created.order.id
    with sqlite_database.write() as session:
        agent = org.principal("agent")
        orders.execute(
            session,
            actor=agent,
            now=clock.now(),
            order_id=order_id,
            command="add_note",
            args={"text": NOTE},
        )
    settings = load_settings(
        data_dir=tmp_path,
        database_url=sqlite_database.url,
        secret_key="browser-test-secret-0123456789",
    )
    with live_server(create_app(settings, db=sqlite_database, clock=clock, run_worker=True)) as url:
        yield url, token, order_id


def _page(browser, url: str, login: str):
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 1280, "height": 900}, bypass_csp=True
    )
    page = context.new_page()
    sign_in(page, url, login)
    return context, page


def _assert_inert(page, *literals: str) -> None:
    assert page.evaluate("window.__xss") is None, f"stored HTML ran on {page.url}"
    assert page.locator("img[src='x'], svg[onload], main b:has-text('粗')").count() == 0, (
        f"stored HTML became elements on {page.url}"
    )
    shown = page.locator("body").inner_text()
    for literal in literals:
        assert literal in shown, f"{literal!r} is not shown as text on {page.url}"


def test_it_shows_stored_html_as_text_on_every_page_that_shows_the_order(browser, site) -> None:
    url, _token, order_id = site
    context, page = _page(browser, url, "rep")
    page.goto(f"{url}/orders/{order_id}")
    _assert_inert(page, PAYLOAD, NOTE)
    page.goto(f"{url}/m")
    _assert_inert(page, PAYLOAD)
    context.close()

    context, page = _page(browser, url, "agent")
    page.goto(f"{url}/orders")
    _assert_inert(page, PAYLOAD)
    page.goto(f"{url}/orders/{order_id}")
    _assert_inert(page, PAYLOAD, NOTE)
    context.close()


def test_it_shows_a_customer_name_with_html_as_text_in_the_screen_pop(browser, site) -> None:
    url, token, _order_id = site
    context, page = _page(browser, url, "agent")
    page.goto(url + "/calls")
    page.wait_for_selector("#live-status:has-text('已连接')")
    with httpx.Client(base_url=url) as client:
        response = client.post(
            "/api/v1/calls/events",
            json={
                "call_id": "xss-1",
                "event": "ringing",
                "caller": "13812345678",
                "agent_extension": "8001",
            },
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 200, response.text
    page.wait_for_selector("#call-card .customer-name", timeout=5000)
    _assert_inert(page, NAME)
    context.close()
