"""Arrears cases over REST: opened with the grid's rep, followed up, overdue follow-ups
flagged to the rep once per deadline, closed with an outcome per the rules."""

from __future__ import annotations

from datetime import datetime, timedelta

from gridcare.arrears import service
from tests.contractors.world import as_user, customer_id, messages


def open_case(client, database, headers, account="E001", amount="1234.50"):
    return client.post("/api/v1/arrears", json={"customer_id": customer_id(database, account), "amount": amount, "months": 5, "reason": "租户已搬离，房东拒缴"}, headers=headers)


def test_it_assigns_a_case_to_the_grids_rep_and_records_follow_ups_and_payments(client, world, database, clock):
    made = open_case(client, database, as_user(client, "supervisor"))
    assert made.status_code == 201, made.text
    case = made.json()
    assert (case["assignee"], case["amount"], case["status"], case["overdue"]) == ("张台区经理", 1234.5, "open", False)
    assert datetime.fromisoformat(case["next_follow_up_at"].replace("Z", "+00:00")) == clock.now() + timedelta(days=7)

    rep = as_user(client, "rep")
    assert [c["number"] for c in client.get("/api/v1/arrears").json()] == [case["number"]]
    followed = client.post(f"/api/v1/arrears/{case['id']}/follow-ups", json={"method": "visit", "note": "上门见到房东，承诺月底前缴一半", "paid": "600"}, headers=rep)
    assert followed.status_code == 201 and followed.json()["paid"] == 600.0 and len(followed.json()["follow_ups"]) == 1
    too_much = client.post(f"/api/v1/arrears/{case['id']}/follow-ups", json={"method": "call", "note": "x", "paid": "700"}, headers=rep)
    assert too_much.status_code == 422 and too_much.json()["errors"][0]["field"] == "paid"
    early = client.post(f"/api/v1/arrears/{case['id']}/close", json={"outcome": "paid"}, headers=rep)
    assert early.status_code == 422 and early.json()["errors"][0]["field"] == "outcome"
    client.post(f"/api/v1/arrears/{case['id']}/follow-ups", json={"method": "call", "note": "已缴清", "paid": "634.50"}, headers=rep)
    closed = client.post(f"/api/v1/arrears/{case['id']}/close", json={"outcome": "paid"}, headers=rep).json()
    assert (closed["status"], closed["outcome"], closed["paid"], closed["next_follow_up_at"]) == ("closed", "paid", 1234.5, None)

    as_user(client, "w_rep")
    assert client.get("/api/v1/arrears", params={"status": ""}).json() == []  # another grid's rep


def test_it_flags_overdue_follow_ups_to_the_rep_once_per_deadline(client, world, database, clock):
    headers = as_user(client, "supervisor")
    case = open_case(client, database, headers).json()
    with database.write() as session:
        assert service.flag_overdue(session, now=clock.now() + timedelta(days=6)) == 0
        assert service.flag_overdue(session, now=clock.now() + timedelta(days=8)) == 1
        assert service.flag_overdue(session, now=clock.now() + timedelta(days=9)) == 0
    popups = messages(database, "arrears_case", case["id"])
    assert [(m.channel, m.recipient_id) for m in popups] == [("popup", world.user_id("rep"))] and case["number"] in popups[0].body
    clock.advance(timedelta(days=8))
    overdue = client.get("/api/v1/arrears", params={"overdue": "true"}).json()
    assert [(c["number"], c["overdue"]) for c in overdue] == [(case["number"], True)]
    rep = as_user(client, "rep")
    client.post(f"/api/v1/arrears/{case['id']}/follow-ups", json={"method": "notice", "note": "送达书面催缴通知"}, headers=rep)
    assert client.get("/api/v1/arrears", params={"overdue": "true"}).json() == []
    with database.write() as session:
        assert service.flag_overdue(session, now=clock.now() + timedelta(days=8)) == 1  # the new deadline passed too
    assert len(messages(database, "arrears_case", case["id"])) == 2


def test_it_refuses_disconnection_without_notice_and_for_protected_customers(client, world, database, clock):
    headers = as_user(client, "supervisor")
    school = open_case(client, database, headers, account="E003").json()
    client.post(f"/api/v1/arrears/{school['id']}/follow-ups", json={"method": "notice", "note": "送达停电通知书"}, headers=headers)
    clock.advance(timedelta(days=8))
    refused = client.post(f"/api/v1/arrears/{school['id']}/close", json={"outcome": "disconnected"}, headers=headers)
    assert refused.status_code == 422 and "protected" in refused.json()["detail"]
    shop = open_case(client, database, headers, account="E002").json()
    too_soon = client.post(f"/api/v1/arrears/{shop['id']}/close", json={"outcome": "disconnected"}, headers=headers)
    assert too_soon.status_code == 422 and "7 days" in too_soon.json()["detail"]


def test_it_answers_bad_cases_naming_the_field(client, world, database):
    headers = as_user(client, "supervisor")
    assert open_case(client, database, headers, amount="12.345").json()["errors"][0]["field"] == "amount"
    assert open_case(client, database, headers, amount="-5").json()["errors"][0]["field"] == "amount"
    assert open_case(client, database, headers).status_code == 201
    again = open_case(client, database, headers)
    assert again.status_code == 422 and again.json()["errors"][0]["field"] == "customer_id"
    assert open_case(client, database, as_user(client, "rep")).status_code == 403


def test_it_answers_for_one_case_however_many_come_before_it_in_the_list(client, world, database, clock):
    """The list holds at most 10,000 cases; a case's own answers once looked for it there."""
    from sqlalchemy import insert

    from gridcare.arrears.models import ArrearsCase

    headers = as_user(client, "supervisor")
    case = client.post("/api/v1/arrears", json={"customer_id": customer_id(database, "E001"), "amount": "88", "next_follow_up_at": (clock.now() + timedelta(days=30)).isoformat()}, headers=headers).json()
    with database.write() as session:
        mine = session.get(ArrearsCase, case["id"])
        earlier = {k: getattr(mine, k) for k in ("customer_id", "grid_id", "assignee_id", "utility", "org_path", "amount_fen", "created_by", "created_at", "updated_at")}
        session.execute(insert(ArrearsCase), [earlier | {"number": f"QF-OLD-{i:05d}", "status": "closed", "next_follow_up_at": clock.now() + timedelta(days=1)} for i in range(10_000)])
    later = client.post("/api/v1/arrears", json={"customer_id": customer_id(database, "E002"), "amount": "66", "next_follow_up_at": (clock.now() + timedelta(days=40)).isoformat()}, headers=headers)
    assert later.status_code == 201 and later.json()["amount"] == 66.0, later.text[:300]
    got = client.get(f"/api/v1/arrears/{case['id']}", headers=headers)
    assert got.status_code == 200 and got.json()["number"] == case["number"], got.text[:300]
    followed = client.post(f"/api/v1/arrears/{case['id']}/follow-ups", json={"method": "call", "note": "已电话联系", "paid": "88"}, headers=headers)
    assert followed.status_code == 201 and followed.json()["paid"] == 88.0
    closed = client.post(f"/api/v1/arrears/{case['id']}/close", json={"outcome": "paid"}, headers=headers)
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    other = as_user(client, "w_rep")  # another grid's rep: the case is still out of their scope
    assert client.get(f"/api/v1/arrears/{case['id']}", headers=other).status_code == 404
