"""The pages work under the Content-Security-Policy they are sent with: no page reports a
violation in a real browser, and a filter that submits on change still does (it used an
inline handler, which the policy blocks)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from gridcare.config import load_settings
from gridcare.core.principal import system_principal
from gridcare.main import create_app
from gridcare.workorders import service as orders
from tests.support import area
from tests.support import org as demo_org
from tests.support.browser import sign_in
from tests.support.live import live_server

pytestmark = pytest.mark.browser

WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) { window.__csp.push(e.violatedDirective + " " + e.blockedURI); });
"""
PAGES = {
    "admin": ["/", "/orders", "/orders/board", "/grids", "/customers", "/calls/stats", "/calls/lines", "/outages", "/outages/new", "/notifications", "/admin/users", "/admin/sla", "/admin/audit",
              "/analytics", "/analytics/scorecards", "/analytics/wall", "/field", "/field/changes", "/contractors", "/campaigns", "/arrears", "/alerts", "/planning", "/cards", "/network?utility=electric&code=SW1"],
    "agent": ["/calls", "/experts"],
    "rep": ["/m", "/field/today"],
}  # fmt: skip


@pytest.fixture
def site(sqlite_database, clock, tmp_path) -> Iterator[tuple[str, int]]:
    org = demo_org.load(sqlite_database, clock)
    area.load(org, clock)
    with sqlite_database.write() as session:
        order = orders.create_order(
            session,
            actor=system_principal("test"),
            now=clock.now(),
            intake=orders.Intake(
                category="repair", channel="hotline", account="E001", description="停电"
            ),
        ).order
    settings = load_settings(
        data_dir=tmp_path,
        database_url=sqlite_database.url,
        secret_key="browser-test-secret-0123456789",
    )
    with live_server(
        create_app(settings, db=sqlite_database, clock=clock, run_worker=False)
    ) as url:
        yield url, order.id


def test_no_page_breaks_the_content_security_policy(browser, site) -> None:
    url, order_id = site
    violations = []
    for login, paths in PAGES.items():
        context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
        context.add_init_script(WATCH)
        page = context.new_page()
        page.on(
            "console",
            lambda m: (
                violations.append(f"console: {m.text}")
                if "Content Security Policy" in m.text
                else None
            ),
        )
        sign_in(page, url, login)
        for path in [*paths, f"/orders/{order_id}"]:
            page.goto(url + path)
            page.wait_for_load_state("networkidle")
            violations.extend(f"{login} {path}: {v}" for v in page.evaluate("window.__csp"))
        context.close()
    assert not violations, "\n".join(violations)


def test_a_filter_still_submits_when_it_changes(browser, site) -> None:
    url, _order_id = site
    context = browser.new_context(locale="zh-CN")
    context.add_init_script(WATCH)
    page = context.new_page()
    sign_in(page, url, "admin")
    page.goto(url + "/outages")
    with page.expect_navigation():
        page.select_option("select[name=status]", index=1)
    assert "status=" in page.url
    assert page.evaluate("window.__csp") == []
    context.close()
