"""Card PDFs (one page per grid, each grid's report link inside) and the public report
page end to end: code by SMS, wrong code refused, the right one files an order that lands
with the grid's rep, and the rate limit answers 429 problem+json."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from gridcare.cards import pdf, rules, service
from gridcare.cards import views as cards_views
from gridcare.cards.models import GridToken
from gridcare.core.principal import system_principal
from gridcare.workorders.models import WorkOrder
from tests.contractors.world import as_user, messages

PAGE = re.compile(rb"/Type /Page\b(?!s)")


def tokens(database):
    with database.read() as session:
        return {gid: tok for gid, tok in session.execute(select(GridToken.grid_id, GridToken.token))}


def test_it_prints_one_page_per_grid_with_the_grids_report_link(world, database, clock):
    with database.write() as session:
        cards = service.cards_for(session, actor=system_principal("test"), now=clock.now(), base_url="https://gc.example.cn/")
    data = pdf.render(cards)
    assert data.startswith(b"%PDF-") and len(PAGE.findall(data)) == 3
    known = tokens(database)
    assert {c.url for c in cards} == {f"https://gc.example.cn/r/{t}" for t in known.values()}
    for card in cards:
        assert card.url.encode() in data  # the QR's link annotation carries it
    west = next(c for c in cards if c.grid_code == "E-WEST")
    assert (west.rep_name, west.rep_phone) == ("张台区经理", "138 0000 0005")
    with database.write() as session:  # tokens are stable: printed cards keep working
        again = service.cards_for(session, actor=system_principal("test"), now=clock.now(), base_url="https://gc.example.cn", grid_codes=["E-WEST"])
    assert [c.url for c in again] == [west.url]


def test_it_serves_the_pdf_and_the_card_page_to_reps_for_their_grids(client, world, database):
    as_user(client, "rep")
    assert tokens(database) == {}
    first = client.get("/api/v1/cards/grids").json()
    # The first print issued the grid's token in its GET, and kept it: the link stays.
    assert first == client.get("/api/v1/cards/grids").json() and first[0]["url"].endswith("/r/" + tokens(database)[world.grids["west"]])
    answer = client.get("/api/v1/cards/pdf")
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/pdf" and len(PAGE.findall(answer.content)) == 1
    assert [g["grid_code"] for g in client.get("/api/v1/cards/grids").json()] == ["E-WEST"]
    assert client.get("/api/v1/cards/pdf", params={"grid": "E-EAST"}).json()["errors"][0]["field"] == "grid"
    page = client.get("/cards")
    assert page.status_code == 200 and "E-WEST" in page.text and "/r/" in page.text
    # The page links each card's code as an image of its own, drawn when the browser asks.
    [src] = re.findall(r'<img src="([^"]+)"', page.text)
    token = tokens(database)[world.grids["west"]]
    assert src == f"/r/{token}/qr.svg"
    client.cookies.clear()  # public, like the page the code opens
    code = client.get(src)
    assert code.status_code == 200 and code.headers["content-type"] == "image/svg+xml" and code.content.startswith(b"<svg")
    assert code.content == cards_views._qr_svg(first[0]["url"]) and "max-age" in code.headers["cache-control"]
    assert client.get("/r/no-such-token/qr.svg").status_code == 404


def the_code(database):
    sms = messages(database, "report_code")[-1]
    return re.search(r"\d{6}", sms.body).group(0), sms


def test_it_files_a_public_report_with_the_grids_rep_after_the_phone_is_confirmed(client, world, database, clock):
    with database.write() as session:
        token = service.token_for(session, grid_id=world.grids["west"], now=clock.now())
    client.cookies.clear()
    page = client.get(f"/r/{token}")
    assert page.status_code == 200 and "张台区经理" in page.text and "tel:+8613800000005" in page.text
    assert client.post(f"/api/v1/cards/public/{token}/code", json={"phone": "12345"}).json()["errors"][0]["field"] == "phone"
    sent = client.post(f"/api/v1/cards/public/{token}/code", json={"phone": "139 0000 1111"})
    assert sent.status_code == 202
    code, sms = the_code(database)
    assert sms.address == "+8613900001111" and sms.channel == "sms" and sms.urgent
    report = {"phone": "13900001111", "category": "repair", "description": "楼道灯不亮，表箱门损坏", "address": "五一大道1号3栋"}
    wrong = client.post(f"/api/v1/cards/public/{token}/reports", json=report | {"code": "000000" if code != "000000" else "111111"})
    assert wrong.status_code == 422 and wrong.headers["content-type"].startswith("application/problem+json") and wrong.json()["errors"][0]["field"] == "code"
    filed = client.post(f"/api/v1/cards/public/{token}/reports", json=report | {"code": code})
    assert filed.status_code == 201, filed.text
    with database.read() as session:
        order = session.scalars(select(WorkOrder).where(WorkOrder.number == filed.json()["number"])).one()
    assert (order.channel, order.category, order.grid_id, order.handler_id) == ("web", "repair", world.grids["west"], world.user_id("rep"))
    assert order.attributes["reporter_phone"] == "+8613900001111" and "表箱门损坏" in order.description
    reused = client.post(f"/api/v1/cards/public/{token}/reports", json=report | {"code": code})
    assert reused.status_code == 422 and reused.json()["errors"][0]["field"] == "code"  # a code files one report


def test_it_spends_a_code_after_too_many_wrong_tries(client, world, database, clock):
    with database.write() as session:
        token = service.token_for(session, grid_id=world.grids["east"], now=clock.now())
    client.post(f"/api/v1/cards/public/{token}/code", json={"phone": "13700002222"})
    code, _ = the_code(database)
    wrong = "999999" if code != "999999" else "888888"
    body = {"phone": "13700002222", "category": "consultation", "description": "咨询电价"}
    for _ in range(rules.LIMITS.max_attempts):
        assert client.post(f"/api/v1/cards/public/{token}/reports", json=body | {"code": wrong}).status_code == 422
    spent = client.post(f"/api/v1/cards/public/{token}/reports", json=body | {"code": code})
    assert spent.status_code == 429 and spent.headers["content-type"].startswith("application/problem+json")


def test_it_rate_limits_code_requests_with_429_problem_json(client, world, database, clock):
    with database.write() as session:
        token = service.token_for(session, grid_id=world.grids["west"], now=clock.now())
    for _ in range(rules.LIMITS.codes_per_phone_per_hour):
        assert client.post(f"/api/v1/cards/public/{token}/code", json={"phone": "13812345678"}).status_code == 202
    limited = client.post(f"/api/v1/cards/public/{token}/code", json={"phone": "13812345678"})
    assert limited.status_code == 429 and limited.headers["content-type"].startswith("application/problem+json")
    assert limited.json()["type"].endswith("/rate-limited") and limited.json()["errors"][0]["field"] == "phone"
    assert len(messages(database, "report_code")) == rules.LIMITS.codes_per_phone_per_hour
    clock.advance(timedelta(hours=1, seconds=1))
    assert client.post(f"/api/v1/cards/public/{token}/code", json={"phone": "13812345678"}).status_code == 202
    assert client.post("/api/v1/cards/public/not-a-token/code", json={"phone": "13812345678"}).status_code == 404


def test_the_report_page_walks_a_caller_through_code_and_report(client, world, database, clock):
    with database.write() as session:
        token = service.token_for(session, grid_id=world.grids["west"], now=clock.now())
    client.cookies.clear()
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get(f"/r/{token}").text).group(1)
    step2 = client.post(f"/r/{token}", data={"csrf_token": csrf, "step": "code", "phone": "13900001111"})
    assert step2.status_code == 200 and 'id="report-form"' in step2.text
    code, _ = the_code(database)
    bad = client.post(f"/r/{token}", data={"csrf_token": csrf, "step": "report", "phone": "13900001111", "code": "x", "category": "repair", "description": "停电"})
    assert bad.status_code == 422 and 'role="alert"' in bad.text
    done = client.post(f"/r/{token}", data={"csrf_token": csrf, "step": "report", "phone": "13900001111", "code": code, "category": "repair", "description": "停电"})
    assert done.status_code == 200 and 'id="done"' in done.text and "GD" in done.text
    client.cookies.clear()
    english = client.get(f"/r/{token}", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert "Report to your grid rep" in english.text and "Send me a code" in english.text
