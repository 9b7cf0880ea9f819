"""Every page each role reaches from home, in a real browser: no script error, no console
error (a script or style the CSP blocks shows as one), no request of the page that fails, and
no WCAG 2 A/AA violation that axe-core finds (contrast, a field without a name, a link told
from its text by colour alone); each page shape is audited once, by the first role to open it.

Other browser tests drive one page's flow; a page none of them opens could break its script
unseen. The world is the security matrix's (every role, rows of every kind); one page of each
shape (``/orders/N``) is opened per role."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from tests.security.world import World, build
from tests.support.live import live_server

from gridcare.main import create_app

pytestmark = pytest.mark.browser

LOGINS = ["rep", "admin", "supervisor", "agent", "expert", "department", "contractor"]
WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
AUDITED: set[str] = set()
NOT_PAGES = re.compile(r"^/(static|api|open311|r)/|^/logout|/export|\.(csv|xlsx|pdf|png|json|geojson|zip)(\?|$)")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[tuple[str, World]]:
    world = build(tmp_path_factory.mktemp("every-page"), sqlite_template)
    with live_server(create_app(world.settings, db=world.db, clock=world.clock, run_worker=False)) as url:
        yield url, world
    world.db.dispose()


def _shape(path: str) -> str:
    return re.sub(r"\d+", "N", path.partition("?")[0])


@pytest.mark.parametrize("login", LOGINS)
def test_every_page_a_role_reaches_runs_without_an_error(browser: Any, site: tuple[str, World], login: str) -> None:
    url, world = site
    # A rep works from a phone on the round; the others at a desk.
    viewport = {"width": 390, "height": 844} if login == "rep" else {"width": 1280, "height": 900}
    context = browser.new_context(locale="zh-CN", viewport=viewport, extra_http_headers={"Authorization": f"Bearer {world.tokens[login]}"})
    page = context.new_page()
    problems: list[str] = []
    where = {"page": "/"}
    page.on("console", lambda m: problems.append(f"{where['page']}: console: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"{where['page']}: script: {e}"))
    # Leaving a page aborts its open requests (the push stream): that is not a failure.
    page.on("requestfailed", lambda r: problems.append(f"{where['page']}: {r.url} failed: {r.failure}") if "ERR_ABORTED" not in (r.failure or "") else None)
    page.on("response", lambda r: problems.append(f"{where['page']}: {r.url} answered {r.status}") if r.status >= 400 else None)
    queue, shapes = ["/"], {_shape("/")}
    opened = 0
    try:
        while queue:
            path = queue.pop(0)
            where["page"] = path
            response = page.goto(url + path, wait_until="load")
            opened += 1
            if response is None or not response.headers.get("content-type", "").startswith("text/html"):
                continue
            if _shape(path) not in AUDITED:
                AUDITED.add(_shape(path))
                for v in Axe().run(page, options=WCAG).response["violations"]:
                    node = v["nodes"][0]
                    problems.append(f"{path}: {v['id']} ({v['impact']}, {len(v['nodes'])}×) at {node['target']}: {node['html'][:100]}")
            for href in page.eval_on_selector_all("a[href^='/']", "links => links.map(a => a.getAttribute('href'))"):
                href = href.partition("#")[0]
                if href and not NOT_PAGES.search(href) and _shape(href) not in shapes:
                    shapes.add(_shape(href))
                    queue.append(href)
    finally:
        context.close()
    assert opened > 3, f"{login} opened only {opened} pages"
    assert not problems, f"{login}, {len(problems)} problems:\n  " + "\n  ".join(problems)


def test_the_pages_opened_without_signing_in_pass_the_audit_too(browser: Any, site: tuple[str, World]) -> None:
    """The sign-in page, and the report page a customer opens from a grid card's QR code on
    their own phone."""
    url, world = site
    token = world.samples["card_token"][0].params["token"]
    problems: list[str] = []
    for path, viewport in (("/login", {"width": 1280, "height": 900}), (f"/r/{token}", {"width": 390, "height": 844})):
        page = browser.new_page(locale="zh-CN", viewport=viewport)
        page.on("console", lambda m, path=path: problems.append(f"{path}: console: {m.text}") if m.type == "error" else None)
        assert page.goto(url + path).status == 200
        problems += [f"{path}: {v['id']} ({v['impact']}) at {v['nodes'][0]['target']}" for v in Axe().run(page, options=WCAG).response["violations"]]
        page.close()
    assert not problems, "\n".join(problems)
