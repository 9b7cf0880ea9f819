"""Supervisor control of predicted outages: split, move to another device, release wrongly
merged calls — with audit — and merged calls closing when supply is restored.

Test network: SUB → F1 → {T1 (E001), SW1 → T2 (E002, E003)}."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import unquote

import pytest
from sqlalchemy import select

from gridcare.audit.models import AuditEntry
from gridcare.outages import control, service, storm
from gridcare.outages.models import Outage
from gridcare.workorders import service as orders
from gridcare.workorders.models import OrderEvent, WorkOrder
from tests.support.demo_client import as_user
from tests.support.web import client_for


def call(db, clock, world, account: str) -> int:
    clock.advance(timedelta(seconds=30))
    with db.write() as session:
        intake = orders.Intake(category="repair", channel="hotline", account=account, description="停电了", idempotency_key=f"c-{account}-{clock.now().timestamp()}")
        return orders.create_order(session, actor=world.principal("agent"), now=clock.now(), intake=intake).order.id


@pytest.fixture
def storm_at_f1(database, clock, world):
    """Three calls that triage put down to one fault at F1: the first is the master."""
    ids = [call(database, clock, world, a) for a in ("E001", "E002", "E003")]
    with database.write() as session:
        outage = service.predict(session, now=clock.now(), utility="electric", device="F1", order_ids=ids)
        storm.merge(session, now=clock.now(), master=ids[0], order_ids=ids[1:], note="test")
        return outage.id, ids


def state(db, ids):
    with db.read() as session:
        return {o.id: (o.status, o.parent_id) for o in session.scalars(select(WorkOrder).where(WorkOrder.id.in_(ids)))}


def open_outages(db):
    with db.read() as session:
        rows = session.scalars(select(Outage).where(Outage.status == "predicted").order_by(Outage.id)).all()
        return {service.devices_of(session, o.id)[0].code: o.master_order_id for o in rows}


def test_a_split_gives_each_fault_its_own_master_and_leaves_an_audit_trail(database, clock, world, storm_at_f1):
    outage_id, (o1, o2, o3) = storm_at_f1
    with database.write() as session:
        made = control.split(session, actor=world.principal("supervisor"), now=clock.now(), outage_id=outage_id, devices=["T1", "T2"], reason="两处故障")
        assert [service.devices_of(session, o.id)[0].code for o in made] == ["T1", "T2"]
    assert open_outages(database) == {"T1": o1, "T2": o2}
    found = state(database, [o1, o2, o3])
    assert found[o1][0] == "dispatched" and found[o1][1] is None
    assert found[o2][0] in ("dispatched", "unassigned") and found[o2][1] is None  # released to be the T2 master
    assert found[o3] == ("merged", o2)
    with database.read() as session:
        assert session.get(Outage, outage_id).status == "cancelled"
        actions = set(session.scalars(select(AuditEntry.action).where(AuditEntry.entity == "outage", AuditEntry.entity_id == str(outage_id))))
        assert {"outage.split", "outage.cancel"} <= actions
        released = session.scalars(select(OrderEvent.kind).where(OrderEvent.order_id == o2)).all()
        assert "order.released" in released


def test_moving_an_outage_keeps_the_calls_the_device_feeds_and_releases_the_rest(database, clock, world, storm_at_f1):
    outage_id, (o1, o2, o3) = storm_at_f1
    with database.write() as session:
        moved = control.rehome(session, actor=world.principal("supervisor"), now=clock.now(), outage_id=outage_id, device="SW1", reason="开关跳闸")
        assert moved.id != outage_id
    assert open_outages(database) == {"SW1": o2}
    found = state(database, [o1, o2, o3])
    assert found[o1] == ("dispatched", None)  # T1 is not fed through SW1: the first master goes its own way
    assert found[o3] == ("merged", o2)


def test_released_calls_go_back_to_normal_dispatch(database, clock, world, storm_at_f1):
    outage_id, (o1, o2, o3) = storm_at_f1
    with database.write() as session:
        assert control.release_calls(session, actor=world.principal("supervisor"), now=clock.now(), outage_id=outage_id, order_ids=[o3], reason="地址错误") == 1
    found = state(database, [o2, o3])
    assert found[o2] == ("merged", o1)
    assert found[o3][0] in ("dispatched", "unassigned") and found[o3][1] is None
    with database.read() as session:
        assert session.get(WorkOrder, o3).dispatch_reason  # the reason of the new dispatch is recorded


def test_triage_does_not_draw_over_a_supervisors_split(database, clock, world, storm_at_f1, monkeypatch):
    monkeypatch.setenv("GRIDCARE_TRIAGE_RULES", "leaf=2")
    outage_id, _ids = storm_at_f1
    with database.write() as session:
        control.split(session, actor=world.principal("supervisor"), now=clock.now(), outage_id=outage_id, devices=["T1", "T2"], reason="两处故障")
    with database.read() as session:
        assert storm.findings(session, now=clock.now(), supply_point="T2", utility="electric") == []


def test_restoration_closes_the_merged_calls_and_leaves_the_master_with_its_rep(database, clock, world, storm_at_f1):
    outage_id, (o1, o2, o3) = storm_at_f1
    with database.write() as session:
        service.restore(session, actor=world.principal("supervisor"), now=clock.now(), outage_id=outage_id)
    found = state(database, [o1, o2, o3])
    assert found[o1][0] == "dispatched" and found[o2][0] == found[o3][0] == "closed"
    with database.read() as session:
        data = session.scalars(select(OrderEvent.data).where(OrderEvent.order_id == o2, OrderEvent.kind == "order.closed")).one()
        assert data["with_outage"]


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("split", {"devices": ["T1"], "reason": "x"}, "devices"),
        ("split", {"devices": ["T2", "SW1"], "reason": "x"}, "devices[0]"),
        ("split", {"devices": ["T1", "T2"], "reason": " "}, "reason"),
        ("rehome", {"device": "NOPE", "reason": "x"}, "device"),
        ("release", {"order_ids": [999999], "reason": "x"}, "order_ids[0]"),
    ],
)
def test_bad_control_input_names_the_field_and_changes_nothing(settings, database, clock, world, storm_at_f1, path, body, field):
    outage_id, ids = storm_at_f1
    before = state(database, ids)
    with client_for(settings, database, clock) as client:
        answer = client.post(f"/api/v1/outages/{outage_id}/{path}", json=body, headers=as_user(client, "supervisor"))
    assert answer.status_code == 422 and answer.headers["content-type"].startswith("application/problem+json")
    assert field in [e["field"] for e in answer.json()["errors"]]
    assert state(database, ids) == before
    assert open_outages(database) == {"F1": ids[0]}


def test_a_split_into_more_than_twenty_devices_is_refused_before_they_are_looked_at(settings, database, clock, world, storm_at_f1):
    outage_id, ids = storm_at_f1
    before = state(database, ids)
    codes = [f"T{i}" for i in range(1, 22)]  # T1 and T2 exist below F1, the rest nowhere
    with client_for(settings, database, clock) as client:
        headers = as_user(client, "supervisor")
        too_many = client.post(f"/api/v1/outages/{outage_id}/split", json={"devices": codes, "reason": "x"}, headers=headers)
        twenty = client.post(f"/api/v1/outages/{outage_id}/split", json={"devices": codes[:20], "reason": "x"}, headers=headers)
        page = client.post(f"/outages/{outage_id}/do", data={"action": "split", "devices": "\n".join(codes), "reason": "x", "csrf_token": headers["X-CSRF-Token"]})
    assert too_many.status_code == 422 and too_many.json()["errors"] == [{"field": "devices", "reason": "must have at most 20 items"}]
    # Twenty pass the count: each device is then checked on its own.
    assert twenty.status_code == 422 and [e["field"] for e in twenty.json()["errors"]] == [f"devices[{i}]" for i in range(2, 20)]
    said = unquote(page.headers["location"])
    assert page.status_code == 303 and said.startswith(f"/outages/{outage_id}?error=devices") and "devices[" not in said and "20" in said
    assert state(database, ids) == before
    assert open_outages(database) == {"F1": ids[0]}


def test_the_detail_page_offers_the_supervisor_control_forms(settings, database, clock, world, storm_at_f1):
    outage_id, ids = storm_at_f1
    with client_for(settings, database, clock) as client:
        headers = as_user(client, "supervisor")
        page = client.get(f"/outages/{outage_id}")
        assert page.status_code == 200 and 'id="supervisor-control"' in page.text and f'value="{ids[2]}"' in page.text
        token = headers["X-CSRF-Token"]
        done = client.post(f"/outages/{outage_id}/do", data={"action": "split", "devices": "T1\nT2", "reason": "两处", "csrf_token": token})
        assert done.status_code == 303 and done.headers["location"] != f"/outages/{outage_id}"
    assert set(open_outages(database)) == {"T1", "T2"}


def test_triage_narrows_its_own_prediction_when_the_calls_point_lower(database, clock, world, storm_at_f1):
    outage_id, (o1, o2, o3) = storm_at_f1
    with database.write() as session:
        made = control.narrow(session, now=clock.now(), outage_id=outage_id, device="F1", devices=["T2"])
        assert [service.devices_of(session, o.id)[0].code for o in made] == ["T2"]
        assert made[0].created_by == storm.TRIAGE_LOGIN  # triage may narrow or widen it again
    assert open_outages(database) == {"T2": o2}
    found = state(database, [o1, o2, o3])
    assert found[o1] == ("dispatched", None) and found[o3] == ("merged", o2)
    with database.read() as session:
        actions = set(session.scalars(select(AuditEntry.action).where(AuditEntry.entity == "outage", AuditEntry.entity_id == str(outage_id))))
    assert "outage.narrow" in actions
    # Asked again (another worker's stale analysis), nothing happens.
    with database.write() as session:
        assert control.narrow(session, now=clock.now(), outage_id=outage_id, device="F1", devices=["T2"]) == []


def test_triage_leaves_confirmed_and_supervisor_drawn_outages_alone(database, clock, world, storm_at_f1):
    outage_id, ids = storm_at_f1
    with database.write() as session:
        service.confirm(session, actor=world.principal("supervisor"), now=clock.now(), outage_id=outage_id)
    with database.write() as session:
        assert control.narrow(session, now=clock.now(), outage_id=outage_id, device="F1", devices=["T2"]) == []
    more = [call(database, clock, world, a) for a in ("E002", "E003")]
    with database.write() as session:
        drawn = service.predict(session, now=clock.now(), utility="electric", device="SW1", order_ids=more, actor=world.principal("supervisor"))
    with database.write() as session:
        assert control.narrow(session, now=clock.now(), outage_id=drawn.id, device="SW1", devices=["T2"]) == []


def test_only_fresh_triage_predictions_that_the_analysis_no_longer_names_are_narrowed(database, clock, world, storm_at_f1):
    from gridcare.network import service as network

    outage_id, ids = storm_at_f1
    with database.read() as session:
        tree = network.electric_tree(session)
        standing = storm._predicted(session, utility="electric", codes={"F1"})
    assert storm._narrowings(tree, standing, {"T1", "T2"}, analysed=frozenset(ids)) == [storm.Narrowing(outage_id, "F1", ("T1", "T2"))]
    assert storm._narrowings(tree, standing, {"F1", "T2"}, analysed=frozenset(ids)) == []  # still named
    assert storm._narrowings(tree, standing, {"T2"}, analysed=frozenset(ids[1:])) == []  # its calls aged out of the window
