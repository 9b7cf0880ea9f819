"""What browser tests share: signing in the way a user does, and a rep's phone with its pages kept."""

from __future__ import annotations

from typing import Any

from tests.support import org as demo_org

PHONE = {"width": 390, "height": 844}


def sign_in(page: Any, url: str, login: str) -> None:
    page.goto(url + "/login")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", demo_org.PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url(url + "/")


def phone_on(
    browser: Any, url: str, login: str, path: str, *, geolocation: dict[str, float], kept: str | None = None, clock: bool = False, init_script: str | None = None
) -> tuple[Any, Any, list[str]]:
    """A phone signed in as ``login`` on ``path`` with its service worker ready; with
    ``kept`` (a script that says so), once the worker holds the page and its files; with
    ``clock``, its clock under the test's hand. Returns the context, the page and the script
    errors the page raises."""
    context = browser.new_context(viewport=PHONE, locale="zh-CN", timezone_id="Asia/Shanghai", geolocation=geolocation, permissions=["geolocation"], is_mobile=True, has_touch=True)
    if clock:
        context.clock.install()
    if init_script:
        context.add_init_script(init_script)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(page, url, login)
    page.goto(url + path)
    page.wait_for_selector("#offline-queue[data-ready='1']", state="attached")
    for _ in range(100 if kept else 0):
        if page.evaluate(kept):
            break
        page.wait_for_timeout(100)
    assert not kept or page.evaluate(kept), f"{path} and its files were not kept on the phone"
    return context, page, errors
