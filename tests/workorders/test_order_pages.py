import pytest

from tests.support import org as demo_org
from tests.support.demo_client import load_world, open_client
from tests.support.web import sign_in


@pytest.fixture
def client(settings, database, clock):
    load_world(database, clock)
    with open_client(settings, database, clock) as c:
        yield c


def test_it_shows_the_sla_policies_with_the_published_repair_targets(client):
    sign_in(client, "supervisor", demo_org.PASSWORD)
    page = client.get("/admin/sla").text
    assert "时限标准" in page and "45 分钟" in page and "90 分钟" in page and "2 小时" in page and "自到场起" in page


def test_it_puts_an_escalated_order_on_the_supervision_board(client, clock):
    from datetime import timedelta

    from gridcare.config import load_settings
    from gridcare.main import load_plugins
    from gridcare.pubsub import Broadcaster
    from gridcare.worker import Worker, WorkerContext

    _, token = sign_in(client, "agent", demo_org.PASSWORD)
    made = client.post("/api/v1/work-orders", json={"category": "repair", "account": "E001"}, headers={"X-CSRF-Token": token}).json()
    clock.advance(timedelta(minutes=10))
    s = load_settings()
    load_plugins(s)
    Worker(WorkerContext(db=client.app.state.gridcare.db, broadcaster=Broadcaster(), settings=s, clock=clock), name="w").run_once()
    client.cookies.clear()
    sign_in(client, "supervisor", demo_org.PASSWORD)
    board = client.get("/orders/board").text
    assert made["number"] in board and "级别 1" in board


def test_it_lets_a_supervisor_redispatch_from_the_order_page_with_a_reason(client):
    import re

    _, token = sign_in(client, "agent", demo_org.PASSWORD)
    made = client.post("/api/v1/work-orders", json={"category": "repair", "account": "E001"}, headers={"X-CSRF-Token": token}).json()
    client.cookies.clear()
    sign_in(client, "supervisor", demo_org.PASSWORD)
    page = client.get(f"/orders/{made['id']}").text
    assert 'data-form="redispatch"' in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    agent2 = re.search(r'<option value="(\d+)">王座席', page)
    assert agent2 is None  # agents do not take orders over; reps, experts and departments do
    expert = re.search(r'<option value="(\d+)">陈专家', page).group(1)
    done = client.post(f"/orders/{made['id']}/do", data={"command": "redispatch", "handler_id": expert, "reason": "需专家现场处理", "csrf_token": token})
    assert done.status_code == 303 and "error" not in done.headers["location"]
    detail = client.get(f"/api/v1/work-orders/{made['id']}").json()
    assert detail["handler_id"] == int(expert) and detail["timeline"][-1]["note"] == "需专家现场处理"


def test_it_sends_new_orders_to_the_backup_while_the_rep_is_on_the_duty_roster(client, clock):
    import re

    from gridcare.core.clock import SHANGHAI
    from gridcare.core.principal import system_principal
    from gridcare.grids import service as grids

    db = client.app.state.gridcare.db
    with db.write() as session:
        west = grids.find_grid_by_code(session, code="E-WEST")
        from gridcare.auth import service as auth

        grids.change_grid(session, actor=system_principal("t"), now=clock.now(), grid=west, backup_id=auth.find_user_by_login(session, login="expert").id, reason="backup")
        rep_id = auth.find_user_by_login(session, login="rep").id
    sign_in(client, "supervisor", demo_org.PASSWORD)
    page = client.get("/admin/duty").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    local = clock.now().astimezone(SHANGHAI)
    added = client.post("/admin/duty", data={"user_id": rep_id, "starts_at": (local.replace(tzinfo=None)).isoformat(timespec="minutes"), "ends_at": local.replace(tzinfo=None, hour=23).isoformat(timespec="minutes"), "reason": "年假", "csrf_token": token})
    assert added.status_code == 303 and "error" not in added.headers["location"]
    assert "年假" in client.get("/admin/duty").text
    client.cookies.clear()
    _, token = sign_in(client, "agent", demo_org.PASSWORD)
    made = client.post("/api/v1/work-orders", json={"category": "repair", "account": "E001"}, headers={"X-CSRF-Token": token}).json()
    assert "backup of grid E-WEST (rep off duty)" == made["dispatch_reason"]


def test_it_applies_a_utilitys_own_sla_target_saved_as_data(client):
    import re

    sign_in(client, "supervisor", demo_org.PASSWORD)
    page = client.get("/admin/sla").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    # The configurable reconnection commitment: 12 h instead of 24 h after payment.
    saved = client.post("/admin/sla", data={"utility": "electric", "category": "reconnection", "area_class": "urban", "step": "resolve", "minutes": "720", "clock": "calendar", "from_step": "paid", "csrf_token": token})
    assert saved.status_code == 303 and "error" not in saved.headers["location"]
    bad = client.post("/admin/sla", data={"utility": "electric", "category": "reconnection", "area_class": "urban", "step": "resolve", "minutes": "-5", "csrf_token": token})
    assert "minutes" in bad.headers["location"]
    from urllib.parse import unquote

    for typed in ("twelve", "²"):  # not a number: the field is named, the target kept
        refused = client.post("/admin/sla", data={"utility": "electric", "category": "reconnection", "area_class": "urban", "step": "resolve", "minutes": typed, "csrf_token": token})
        assert "minutes：必须是整数" in unquote(refused.headers["location"])
    assert "12 小时" in client.get("/admin/sla").text
    client.cookies.clear()
    _, token = sign_in(client, "agent", demo_org.PASSWORD)
    paid = "2026-11-24T00:30:00+00:00"
    made = client.post("/api/v1/work-orders", json={"category": "reconnection", "account": "E001", "paid_at": paid}, headers={"X-CSRF-Token": token}).json()
    resolve = next(c for c in client.get(f"/api/v1/work-orders/{made['id']}").json()["countdowns"] if c["step"] == "resolve")
    assert resolve["due_at"].startswith("2026-11-24T12:30:00")


def test_it_shows_the_dispatch_reason_in_the_readers_language(client):
    from gridcare.core.i18n import translations
    from gridcare.workorders.labels import reason_text

    zh = translations("zh_CN").gettext

    def _(message, **values):
        return zh(message) % values if values else zh(message)

    assert reason_text("rep of grid E-WEST", _) == "网格 E-WEST 的网格经理"
    assert reason_text("level 2: accept, arrive overdue", _) == "2 级督办：接单、到场超时"
    assert reason_text("换人处理：原经理病假", _) == "换人处理：原经理病假"  # typed by a supervisor
    _, token = sign_in(client, "agent", demo_org.PASSWORD)
    made = client.post("/api/v1/work-orders", json={"category": "repair", "account": "E001"}, headers={"X-CSRF-Token": token}).json()
    assert "网格 E-WEST 的网格经理" in client.get(f"/orders/{made['id']}").text


def test_it_adds_a_note_from_the_order_page(client):
    import re

    _, token = sign_in(client, "agent", demo_org.PASSWORD)
    made = client.post("/api/v1/work-orders", json={"category": "repair", "account": "E001"}, headers={"X-CSRF-Token": token}).json()
    page = client.get(f"/orders/{made['id']}").text
    assert 'data-form="add_note"' in page and '<textarea name="text" required' in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    empty = client.post(f"/orders/{made['id']}/do", data={"command": "add_note", "text": "", "csrf_token": token})
    assert "error" in empty.headers["location"]
    done = client.post(f"/orders/{made['id']}/do", data={"command": "add_note", "text": "已电话联系客户", "csrf_token": token})
    assert done.status_code == 303 and "error" not in done.headers["location"]
    timeline = client.get(f"/api/v1/work-orders/{made['id']}").json()["timeline"]
    assert timeline[-1]["kind"] == "order.note_added" and timeline[-1]["note"] == "已电话联系客户"
