"""What browser tests share: signing in the way a user does."""

from __future__ import annotations

from typing import Any

from tests.support import org as demo_org


def sign_in(page: Any, url: str, login: str) -> None:
    page.goto(url + "/login")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", demo_org.PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url(url + "/")
