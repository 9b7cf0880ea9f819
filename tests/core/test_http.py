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
    assert chinese.json()["errors"] == [{"field": "limit", "reason": "须在 1 到 1000 之间"}]
    assert chinese.json()["title"] == "输入有误" and chinese.json()["detail"] == "limit：须在 1 到 1000 之间"



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
