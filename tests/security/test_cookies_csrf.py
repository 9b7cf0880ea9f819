"""Session cookie flags, CSRF on every cookie-authenticated write (pages and API, read from the
app's routes), bearer clients exempt, and the security headers on every kind of response."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from gridcare.auth import service as auth
from gridcare.core.principal import system_principal
from gridcare.main import create_app
from tests.security.routes import app_routes
from tests.support import area
from tests.support import org as demo_org
from tests.support.web import csrf_of

TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "gridcare" / "web" / "templates"
WRITES = {"POST", "PUT", "PATCH", "DELETE"}
# Posted by clients that hold no session: an Open311 key in the form, or a member of the public
# with a code sent to their phone. A forged cross-site request acts as nobody there.
NO_SESSION = ("/open311/", "/api/v1/cards/public/")
ORDER = {"category": "consultation", "channel": "web", "description": "问询"}


@pytest.fixture
def world(database, clock):
    org = demo_org.load(database, clock)
    area.load(org, clock)
    return org


def _client(settings, database, clock, **overrides) -> TestClient:
    s = settings.model_copy(update=overrides)
    return TestClient(
        create_app(s, db=database, clock=clock, run_worker=False),
        base_url="https://testserver",
        follow_redirects=False,
    )


def _signed_in(client: TestClient, login: str = "admin") -> str:
    token = csrf_of(client)
    response = client.post(
        "/login",
        data={"login": login, "password": demo_org.PASSWORD, "csrf_token": token, "next": "/"},
    )
    assert response.status_code == 303, response.text
    return csrf_of(client, "/")


def _cookie(response) -> str:
    found = [
        v
        for k, v in response.headers.multi_items()
        if k == "set-cookie" and v.startswith("gridcare_session=")
    ]
    assert found, "no session cookie set"
    return found[-1].lower()


@pytest.mark.parametrize("secure", [True, False])
def test_the_session_cookie_is_httponly_samesite_and_secure_when_asked(
    settings, database, clock, world, secure
) -> None:
    with _client(settings, database, clock, secure_cookies=secure) as client:
        token = csrf_of(client)
        response = client.post(
            "/login",
            data={
                "login": "agent",
                "password": demo_org.PASSWORD,
                "csrf_token": token,
                "next": "/",
            },
        )
    cookie = _cookie(response)
    assert "httponly" in cookie and re.search(r"samesite=(lax|strict)", cookie)
    assert ("; secure" in cookie) is secure


def test_every_page_form_refuses_a_post_without_or_with_a_wrong_csrf_token(
    settings, database, clock, world
) -> None:
    with _client(settings, database, clock) as client:
        _signed_in(client)
        routes = [
            r
            for r in app_routes(client.app)
            if r.method in WRITES and not r.path.startswith(("/api/", *NO_SESSION))
        ]
        assert len(routes) > 50, "the page forms were not found"
        problems = []
        for route in routes:
            url = re.sub(r"{(\w+)}", "1", route.path)
            for data in ({}, {"csrf_token": "forged-token"}):
                response = client.request(route.method, url, data=data)
                if response.status_code != 403 or "csrf_token" not in response.text:
                    problems.append(
                        f"{route.key} with {data or 'no token'}: {response.status_code}"
                    )
        assert not problems, "\n".join(problems)


def test_every_cookie_authenticated_api_write_needs_the_csrf_header(
    settings, database, clock, world
) -> None:
    with _client(settings, database, clock) as client:
        _signed_in(client)
        routes = [
            r
            for r in app_routes(client.app)
            if r.method in WRITES
            and r.path.startswith("/api/")
            and not r.path.startswith(NO_SESSION)
        ]
        assert len(routes) > 50, "the API writes were not found"
        problems = []
        for route in routes:
            url = re.sub(r"{(\w+)}", "1", route.path)
            for headers in ({}, {"X-CSRF-Token": "forged-token"}):
                response = client.request(route.method, url, json={}, headers=headers)
                if response.status_code != 403 or "csrf_token" not in response.text:
                    problems.append(
                        f"{route.key} with {headers or 'no header'}: {response.status_code}"
                    )
        assert not problems, "\n".join(problems)


def test_the_right_csrf_header_or_a_bearer_token_lets_an_api_write_through(
    settings, database, clock, world
) -> None:
    with world.db.write() as session:
        user = auth.find_user_by_login(session, login="agent")
        _row, bearer = auth.create_token(
            session, actor=system_principal("test"), now=clock.now(), user_id=user.id, name="pbx"
        )
    with _client(settings, database, clock) as client:
        token = _signed_in(client, "agent")
        assert client.post("/api/v1/work-orders", json=ORDER).status_code == 403
        assert (
            client.post(
                "/api/v1/work-orders", json=ORDER, headers={"X-CSRF-Token": token}
            ).status_code
            == 201
        )
    with _client(settings, database, clock) as machine:
        # No cookie at all: a browser never sends a bearer token on its own, so none is needed.
        assert (
            machine.post(
                "/api/v1/work-orders", json=ORDER, headers={"Authorization": f"Bearer {bearer}"}
            ).status_code
            == 201
        )


def test_security_headers_are_on_pages_api_errors_and_static_files(
    settings, database, clock, world
) -> None:
    with _client(settings, database, clock) as client:
        responses = {
            "login page": client.get("/login"),
            "redirect": client.get("/orders"),
            "api": client.get("/api/v1/me"),
            "not found": client.get("/api/v1/nothing-here"),
            "static": client.get("/static/js/app.js"),
            "health": client.get("/healthz"),
        }
    for what, response in responses.items():
        h = response.headers
        assert h["x-content-type-options"] == "nosniff", what
        assert h["x-frame-options"] == "DENY", what
        assert h["referrer-policy"] in (
            "same-origin",
            "strict-origin-when-cross-origin",
            "no-referrer",
        ), what
        csp = h["content-security-policy"]
        assert (
            "frame-ancestors 'none'" in csp
            and "default-src 'self'" in csp
            and "base-uri 'self'" in csp
        ), what
        script = re.search(r"script-src ([^;]+)", csp)
        assert (
            script and "'unsafe-inline'" not in script.group(1) and "http" not in script.group(1)
        ), f"{what}: scripts only from this server, none inline"


def test_no_template_has_an_inline_script_or_handler_the_policy_would_block() -> None:
    """The policy forbids inline scripts; a template that has one breaks silently in the browser."""
    problems = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for m in re.finditer(
            r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", text
        ):
            problems.append(f"{path.relative_to(TEMPLATES)}: inline {m.group(0)}")
        for m in re.finditer(r"\son[a-z]+\s*=\s*[\"']", text):
            problems.append(
                f"{path.relative_to(TEMPLATES)}: inline handler near {text[max(0, m.start() - 40) : m.end() + 20]!r}"
            )
        for m in re.finditer(r"href\s*=\s*[\"']javascript:", text):
            problems.append(f"{path.relative_to(TEMPLATES)}: javascript: link")
    assert not problems, "\n".join(problems)
