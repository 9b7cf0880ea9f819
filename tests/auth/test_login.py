import pytest
from tests.support import org as demo_org
from tests.support.web import client_for, csrf_of, sign_in


@pytest.fixture
def org(database, clock):
    return demo_org.load(database, clock)


@pytest.fixture
def client(settings, database, clock, org):
    with client_for(settings, database, clock) as c:
        yield c


def test_it_signs_in_and_shows_the_shell_in_chinese(client):
    status, _ = sign_in(client, "agent", demo_org.PASSWORD)
    assert status == 303
    page = client.get("/")
    assert page.status_code == 200
    assert '<html lang="zh-CN">' in page.text and "工作台" in page.text and "座席" in page.text


def test_it_switches_a_user_to_english_and_remembers_it(client):
    _, token = sign_in(client, "agent", demo_org.PASSWORD)
    assert client.post("/settings/locale", data={"locale": "en", "next": "/", "csrf_token": token}).status_code == 303
    assert "Dashboard" in client.get("/").text
    client.post("/logout", data={"csrf_token": token})
    sign_in(client, "agent", demo_org.PASSWORD)
    assert '<html lang="en">' in client.get("/").text


def test_it_refuses_a_wrong_password_without_saying_which_part_was_wrong(client):
    status, _ = sign_in(client, "agent", "not-the-password")
    assert status == 401
    status, _ = sign_in(client, "nobody", "not-the-password")
    assert status == 401


def test_it_locks_after_five_failures_until_an_admin_unlocks(client, settings, org):
    for _ in range(4):
        assert sign_in(client, "rep", "wrong-password")[0] == 401
    assert sign_in(client, "rep", "wrong-password")[0] == 423
    # Even the right password is refused while locked.
    assert sign_in(client, "rep", demo_org.PASSWORD)[0] == 423
    client.cookies.clear()
    _, token = sign_in(client, "admin", demo_org.PASSWORD)
    users = client.get("/admin/users").text
    assert "已锁定" in users
    rep_id = org.user_id("rep")
    assert client.post(f"/admin/users/{rep_id}/unlock", data={"csrf_token": token}).status_code == 303
    client.cookies.clear()
    assert sign_in(client, "rep", demo_org.PASSWORD)[0] == 303


def test_it_rejects_a_write_without_the_csrf_token(client):
    _, token = sign_in(client, "admin", demo_org.PASSWORD)
    body = {"login": "newrep", "display_name": "新经理", "role": "rep", "org_unit_id": "1", "password": "grid-care-9"}
    refused = client.post("/admin/users", data=body)
    assert refused.status_code == 403 and "csrf_token" in refused.text
    wrong = client.post("/api/v1/users", json={**body, "org_unit_id": 1}, headers={"X-CSRF-Token": "forged"})
    assert wrong.status_code == 403 and wrong.headers["content-type"] == "application/problem+json"
    accepted = client.post("/admin/users", data={**body, "csrf_token": token})
    assert accepted.status_code == 303
    assert "newrep" in client.get("/admin/users").text


def test_it_rejects_a_login_post_without_the_csrf_token(client):
    csrf_of(client)
    response = client.post("/login", data={"login": "admin", "password": demo_org.PASSWORD})
    assert response.status_code == 403


def test_it_lets_bearer_tokens_write_without_csrf_and_only_stores_their_hash(client, database, org):
    from sqlalchemy import select

    from gridcare.auth.models import ApiToken

    _, token = sign_in(client, "admin", demo_org.PASSWORD)
    created = client.post(f"/api/v1/users/{org.user_id('admin')}/tokens", json={"name": "pbx"}, headers={"X-CSRF-Token": token})
    assert created.status_code == 201
    plain = created.json()["token"]
    client.cookies.clear()
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {plain}"})
    assert me.status_code == 200 and me.json()["login"] == "admin"
    made = client.post("/api/v1/org-units", json={"code": "T1", "name": "测试班", "kind": "team", "utility": "electric", "parent_id": org.units["XC-E"]}, headers={"Authorization": f"Bearer {plain}"})
    assert made.status_code == 201
    with database.read() as session:
        stored = session.scalars(select(ApiToken.token_hash)).all()
    assert plain not in stored and len(stored) == 1


def test_it_ends_sessions_when_the_password_changes(client, settings, database, clock, org):
    _, _token = sign_in(client, "agent", demo_org.PASSWORD)
    assert client.get("/api/v1/me").status_code == 200
    with client_for(settings, database, clock) as admin:
        _, admin_token = sign_in(admin, "admin", demo_org.PASSWORD)
        changed = admin.patch(f"/api/v1/users/{org.user_id('agent')}", json={"password": "brand-new-pass"}, headers={"X-CSRF-Token": admin_token})
        assert changed.status_code == 200
    assert client.get("/api/v1/me").status_code == 401


def test_it_refuses_a_deactivated_user(client, org, settings, database, clock):
    with client_for(settings, database, clock) as admin:
        _, token = sign_in(admin, "admin", demo_org.PASSWORD)
        admin.post(f"/admin/users/{org.user_id('viewer')}/deactivate", data={"csrf_token": token})
    assert sign_in(client, "viewer", demo_org.PASSWORD)[0] == 401


def test_it_sends_anonymous_pages_to_the_login_and_keeps_the_target(client):
    response = client.get("/admin/users")
    assert response.status_code == 303 and response.headers["location"] == "/login?next=/admin/users"
