import re

import pytest
from tests.support import org as demo_org
from tests.support.web import client_for, sign_in


@pytest.fixture
def client(settings, database, clock):
    demo_org.load(database, clock)
    with client_for(settings, database, clock) as c:
        yield c


def test_it_answers_bad_input_with_problem_json_naming_the_field(client):
    _, token = sign_in(client, "admin", demo_org.PASSWORD)
    response = client.post("/api/v1/users", json={"login": "x", "display_name": "", "role": "pilot", "org_unit_id": "one", "password": "p"}, headers={"X-CSRF-Token": token})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    fields = {e["field"] for e in body["errors"]}
    assert {"login", "display_name", "role", "org_unit_id"} <= fields
    assert body["type"].endswith("/invalid-input") and body["status"] == 422


def test_it_names_the_field_when_a_service_rule_refuses(client):
    _, token = sign_in(client, "admin", demo_org.PASSWORD)
    response = client.post(
        "/api/v1/users", json={"login": "newagent", "display_name": "新座席", "role": "agent", "org_unit_id": 1, "password": "aaaaaaaaaa"}, headers={"X-CSRF-Token": token}
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "password", "reason": "is too repetitive"}]


def test_it_leaves_nothing_half_written_when_a_form_is_refused(client, database):
    from gridcare.auth import service as auth

    _, token = sign_in(client, "admin", demo_org.PASSWORD)
    with database.read() as session:
        before = auth.count_users(session)
    page = client.post("/admin/users", data={"login": "admin", "display_name": "重复", "role": "agent", "org_unit_id": "1", "password": "grid-care-9", "csrf_token": token})
    # The page speaks the admin's language (zh-CN); the API answers English unless asked.
    assert page.status_code == 409 and "login：账号 &#39;admin&#39; 已被占用" in page.text
    with database.read() as session:
        assert auth.count_users(session) == before


def test_the_api_answers_in_the_language_the_client_asks_for(client):
    sign_in(client, "admin", demo_org.PASSWORD)
    english = client.get("/api/v1/audit?limit=0")
    chinese = client.get("/api/v1/audit?limit=0", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert english.status_code == chinese.status_code == 422
    assert english.json()["errors"] == [{"field": "limit", "reason": "must be between 1 and 1000"}]
    assert chinese.json()["errors"] == [{"field": "limit", "reason": "必须在 1 到 1000 之间"}]
    assert chinese.json()["title"] == "输入有误" and chinese.json()["detail"] == "limit：必须在 1 到 1000 之间"



def test_an_error_page_speaks_the_users_language_whatever_the_browser_asks_for(client):
    sign_in(client, "admin", demo_org.PASSWORD)
    page = client.get("/orders/999999", headers={"Accept-Language": "en-US"})
    assert page.status_code == 404
    assert "<h1>未找到</h1>" in page.text and "order_id：您的范围内没有工单 999999" in page.text

def test_the_api_says_a_malformed_request_in_chinese_when_asked(client):
    _, token = sign_in(client, "admin", demo_org.PASSWORD)
    body = {"login": "x", "display_name": "", "role": "pilot", "org_unit_id": "one", "password": "p"}
    english = client.post("/api/v1/users", json=body, headers={"X-CSRF-Token": token}).json()
    chinese = client.post("/api/v1/users", json=body, headers={"X-CSRF-Token": token, "Accept-Language": "zh-CN"}).json()
    assert english["title"] == "Invalid input" and chinese["title"] == "输入有误"
    reasons = {e["field"]: e["reason"] for e in chinese["errors"]}
    assert reasons["org_unit_id"] == "必须是整数"
    assert [e["field"] for e in english["errors"]] == [e["field"] for e in chinese["errors"]]
    assert "org_unit_id：必须是整数" in chinese["detail"]


def test_a_page_form_fastapi_cannot_read_gets_an_error_page_naming_the_field(client):
    _, token = sign_in(client, "admin", demo_org.PASSWORD)
    page = client.post("/admin/duty", data={"csrf_token": token, "user_id": "abc", "starts_at": "2026-11-25T08:00", "ends_at": "2026-11-25T18:00"})
    assert page.status_code == 422 and page.headers["content-type"].startswith("text/html")
    assert "user_id：必须是整数" in page.text


def _banner(page) -> str:
    found = re.search(r'id="filter-problem">([^<]*)<', page.text)
    return found.group(1) if found else ""


@pytest.mark.parametrize(
    ("asked", "shown", "reason"),
    [
        # A filter the page checks itself, one FastAPI checks, and one past any id.
        ("/outages?status=bogus&utility=electric", "/outages?utility=electric", "status：必须是以下之一"),
        ("/customers?page=two&q=%E5%BC%A0", "/customers?q=%E5%BC%A0", "page：必须是整数"),
        ("/analytics?period=month&grid=99999999999999999999", "/analytics?period=month", "grid：不能大于 2147483647"),
        # Two bad filters: found one after the other, both named.
        ("/alerts?kind=bogus&status=bogus&grid=3", "/alerts?grid=3", "status：必须为以下之一：open, acknowledged, closed, active, all；kind：必须为以下之一"),
    ],
)
def test_a_page_asked_with_a_filter_it_cannot_use_shows_itself_without_it_and_why(client, asked, shown, reason):
    sign_in(client, "admin", demo_org.PASSWORD)
    sent = client.get(asked)
    while sent.status_code == 303 and sent.headers["location"] != shown:
        sent = client.get(sent.headers["location"])
    assert sent.status_code == 303 and sent.headers["location"] == shown
    page = client.get(shown)
    assert page.status_code == 200
    assert _banner(page).startswith("已忽略此筛选条件：") and reason in _banner(page)
    assert _banner(client.get(shown)) == "", "the reason is said once"


def test_a_comparison_of_nothing_goes_back_to_the_proposals_and_an_export_is_never_swapped(client):
    sign_in(client, "admin", demo_org.PASSWORD)
    # Which proposals to compare is the page itself: without any, back to where they are ticked.
    compare = client.get(client.get("/planning/compare?ids=two").headers["location"])
    assert compare.status_code == 303 and compare.headers["location"].startswith("/planning?error=")
    planning = client.get(compare.headers["location"])
    assert "请至少勾选一个方案进行对比" in planning.text
    # A download with a bad filter is refused, never answered with other data than asked for.
    export = client.get("/analytics/export/orders.csv?period=decade")
    assert export.status_code == 422 and "location" not in export.headers
    # An API read is answered as before.
    assert client.get("/api/v1/outages?status=bogus").headers["content-type"] == "application/problem+json"


def test_the_reason_a_filter_was_ignored_shows_on_that_page_only(client):
    sign_in(client, "admin", demo_org.PASSWORD)
    client.get("/outages?status=bogus")  # its redirect not followed: another tab reads first
    assert _banner(client.get("/alerts")) == ""
    assert _banner(client.get("/outages")) == "", "the reason was for a page read before it"


def test_the_reason_a_filter_was_ignored_is_said_in_the_readers_language(client):
    _, token = sign_in(client, "admin", demo_org.PASSWORD)
    client.post("/settings/locale", data={"locale": "en", "next": "/", "csrf_token": token})
    shown = client.get(client.get("/outages/calendar?month=2026-13").headers["location"])
    assert _banner(shown).startswith("This filter was ignored: month: ")


def test_it_answers_unknown_api_paths_with_problem_json(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404 and response.json()["title"] == "Not found"


def test_it_reports_health_and_readiness(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["checks"]["database"] == "ok"


def test_it_is_not_ready_when_the_schema_is_behind(settings, database, clock):
    from sqlalchemy import text

    from gridcare.migrations_runner import head_revision

    with database.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'old'"))
    try:
        with client_for(settings, database, clock) as c:
            ready = c.get("/readyz")
    finally:
        with database.engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": head_revision()})
    assert ready.status_code == 503 and "gridcare db upgrade" in ready.json()["checks"]["database"]


def test_it_sends_security_headers_and_a_strict_session_cookie(client):
    response = client.get("/login")
    assert response.headers["x-frame-options"] == "DENY"
    assert "script-src 'self'" in response.headers["content-security-policy"]
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie


def test_it_publishes_an_openapi_document(client):
    spec = client.get("/openapi.json").json()
    assert "/api/v1/users" in spec["paths"] and "/api/v1/me" in spec["paths"]
