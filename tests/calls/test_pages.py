"""The calls pages without a browser: who may see what, forms and their errors, English."""

from __future__ import annotations

import re

from tests.support import org as demo_org
from tests.support.web import sign_in


def test_it_shows_the_console_with_the_agents_extension_and_current_call(pbx, client):
    pbx.post("ringing", caller="0731-88881234", agent_extension="8001")
    _, token = sign_in(client, "agent", demo_org.PASSWORD)
    page = client.get("/calls").text
    assert 'id="my-extension">8001<' in page and "李强" in page and "0731 8888 1234" in page
    assert 'class="current-caller">0731 8888 1234<' in page and "/static/js/console.js" in page
    done = client.post("/calls/status", data={"status": "away", "csrf_token": token})
    assert done.status_code == 303
    assert 'class="st-away active"' in client.get("/calls").text
    bad = client.post("/calls/status", data={"status": "asleep", "csrf_token": token})
    assert "error=" in bad.headers["location"] and "status" in client.get(bad.headers["location"]).text


def test_it_shows_an_agent_without_a_call_the_extension_on_their_account(client):
    sign_in(client, "agent2", demo_org.PASSWORD)
    page = client.get("/calls").text
    assert 'id="my-extension">8002<' in page and 'class="waiting muted"' in page


def test_it_keeps_reps_out_of_the_console_and_agents_out_of_qa(client):
    sign_in(client, "rep", demo_org.PASSWORD)
    assert client.get("/calls").status_code == 403
    client.cookies.clear()
    sign_in(client, "agent", demo_org.PASSWORD)
    assert client.get("/calls/qa").status_code == 403
    assert client.get("/api/v1/calls/qa/queue").status_code == 403


def test_it_registers_a_local_line_from_the_page_and_says_why_one_was_refused(client, org):
    _, token = sign_in(client, "supervisor", demo_org.PASSWORD)
    page = client.get("/calls/lines").text
    assert "五一供电所" in page and "供电服务指挥中心" not in re.sub(r"<nav.*?</nav>", "", page, flags=re.S)
    bad = client.post("/calls/lines", data={"number": "hello", "name": "x", "org_unit_id": org.units["XC-E-FR-WY"], "csrf_token": token})
    assert "number" in client.get(bad.headers["location"]).text
    ok = client.post("/calls/lines", data={"number": "0731-8488 1234", "name": "五一供电所抢修", "org_unit_id": org.units["XC-E-FR-WY"], "csrf_token": token})
    assert ok.status_code == 303 and "error" not in ok.headers["location"]
    listed = client.get("/calls/lines").text
    assert "五一供电所抢修" in listed and "+8673184881234" in listed
    line_id = re.search(r'name="line_id" value="(\d+)"', listed).group(1)
    client.post("/calls/lines", data={"line_id": line_id, "active": "0", "csrf_token": token})
    assert client.get("/api/v1/calls/lines").json()[0]["active"] is False


def test_it_speaks_english_to_an_english_user(pbx, client):
    pbx.post("ringing", caller="13700002222", agent_extension="8001")
    _, token = sign_in(client, "agent", demo_org.PASSWORD)
    client.post("/settings/locale", data={"locale": "en", "csrf_token": token, "next": "/calls"})
    page = client.get("/calls").text
    assert '<html lang="en">' in page and "Agent console" in page and "New work order" in page and "Quick actions" in page
