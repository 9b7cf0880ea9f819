"""Outage use cases on both databases: who is affected, who is told and when, the call
list, partial restoration, and what callers see."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from gridcare.core.errors import Conflict, InvalidInput
from gridcare.outages import service
from gridcare.outages.models import Outage, OutageCallTask, OutageCustomer
from tests.outages.conftest import customer_id, messages


def _affected(db, outage_id: int) -> dict[str, bool]:
    from gridcare.customers.models import Customer

    with db.read() as session:
        rows = session.execute(select(Customer.account, OutageCustomer.priority).join(OutageCustomer, OutageCustomer.customer_id == Customer.id).where(OutageCustomer.outage_id == outage_id))
        return dict(rows.all())


def test_it_finds_customers_downstream_of_electric_devices(world, database, clock):
    with database.write() as session:
        feeder = service.create_outage(session, actor=world.principal("supervisor"), now=clock.now(), utility="electric", kind="unplanned", devices=["F1"], cause="线路跳闸")
        switch = service.create_outage(session, actor=world.principal("supervisor"), now=clock.now(), utility="electric", kind="unplanned", devices=["SW1"])
        ids = feeder.id, switch.id
        assert feeder.number.startswith("TD20261124-") and feeder.number != switch.number
        assert feeder.status == "active" and switch.area == "1号开关"
    assert _affected(database, ids[0]) == {"E001": False, "E002": True, "E003": True}
    assert _affected(database, ids[1]) == {"E002": True, "E003": True}


def test_it_finds_water_customers_cut_off_by_valves_in_a_dma_or_a_polygon(world, database, clock):
    actor = world.principal("admin")
    with database.write() as session:
        valve = service.create_outage(session, actor=actor, now=clock.now(), utility="water", kind="unplanned", devices=["V1"])
        dma = service.create_outage(session, actor=actor, now=clock.now(), utility="water", kind="unplanned", dma="DMA-T")
        drawn = service.create_outage(session, actor=actor, now=clock.now(), utility="electric", kind="unplanned", polygon={"type": "Polygon", "coordinates": [[[112.96, 28.11], [112.99, 28.11], [112.99, 28.125], [112.96, 28.125], [112.96, 28.11]]]})
        ids = valve.id, dma.id, drawn.id
    assert set(_affected(database, ids[0])) == {"W001"}
    assert set(_affected(database, ids[1])) == {"W001"}
    assert set(_affected(database, ids[2])) == {"E002"}  # E003 sits at 28.13, outside


def test_it_refuses_bad_input_naming_each_field_and_writes_nothing(world, database, clock):
    actor = world.principal("supervisor")
    with database.write() as session, pytest.raises(InvalidInput) as caught:
        service.create_outage(
            session, actor=actor, now=clock.now(), utility="electric", kind="planned", devices=["NOPE", "T1"],
            starts_at=clock.now() + timedelta(days=2), ends_at=clock.now() + timedelta(days=1), notice_days=40,
        )
    assert {p.field for p in caught.value.problems} == {"devices[0]", "ends_at", "notice_days"}
    with database.write() as session, pytest.raises(InvalidInput) as caught:
        service.create_outage(session, actor=actor, now=clock.now(), utility="electric", kind="unplanned", polygon={"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]})
    assert [p.field for p in caught.value.problems] == ["polygon"] and "valid" in caught.value.problems[0].reason
    with database.read() as session:
        assert session.scalar(select(Outage.id)) is None


def test_it_tells_priority_customers_first_with_call_tasks_and_the_reps(world, database, clock):
    with database.write() as session:
        outage = service.create_outage(session, actor=world.principal("supervisor"), now=clock.now(), utility="electric", kind="unplanned", devices=["F1"], area="五一大道", eta=clock.now() + timedelta(hours=3))
        oid = outage.id
    sms = messages(database, oid, channel="sms", recipient_kind="customer")
    # E002 (sensitive) and E003 (protected, major) before E001; each told once.
    assert [m.recipient_id for m in sms] == [customer_id(database, "E002"), customer_id(database, "E003"), customer_id(database, "E001")]
    assert all(m.urgent and "五一大道" in m.body and "停电" in m.body for m in sms)
    with database.read() as session:
        tasks = {t.customer_id: t for t in session.scalars(select(OutageCallTask).where(OutageCallTask.outage_id == oid))}
    assert set(tasks) == {customer_id(database, "E002"), customer_id(database, "E003")}
    assert {t.queue for t in tasks.values()} == {"agents"}  # the east grid has no rep
    popups = messages(database, oid, channel="popup")
    assert [m.recipient_id for m in popups] == [world.user_id("rep")]  # the west grid's rep


def test_it_sends_nothing_again_on_an_edit_that_changes_nothing(world, database, clock):
    actor = world.principal("supervisor")
    eta = clock.now() + timedelta(hours=3)
    with database.write() as session:
        oid = service.create_outage(session, actor=actor, now=clock.now(), utility="electric", kind="unplanned", devices=["SW1"], eta=eta).id
    before = len(messages(database, oid))
    with database.write() as session:
        same = service.update_outage(session, actor=actor, now=clock.now(), outage_id=oid, eta=eta, devices=["SW1"], cause="树障")
        assert same.version == 1
    assert len(messages(database, oid)) == before
    clock.advance(timedelta(minutes=30))
    with database.write() as session:
        later = service.update_outage(session, actor=actor, now=clock.now(), outage_id=oid, eta=eta + timedelta(hours=1))
        assert later.version == 2
    eta_sms = messages(database, oid, event="outage.eta", channel="sms")
    assert sorted(m.recipient_id for m in eta_sms) == sorted([customer_id(database, "E002"), customer_id(database, "E003")])
    with database.write() as session:  # widening to the feeder tells only the newcomer
        service.update_outage(session, actor=actor, now=clock.now(), outage_id=oid, devices=["F1"])
    notices = messages(database, oid, event="outage.notice", channel="sms")
    assert sorted(m.recipient_id for m in notices) == sorted(customer_id(database, a) for a in ("E001", "E002", "E003"))


def test_it_restores_device_by_device_then_closes(world, database, clock):
    actor = world.principal("supervisor")
    with database.write() as session:
        oid = service.create_outage(session, actor=actor, now=clock.now(), utility="electric", kind="unplanned", devices=["T1", "SW1"]).id
    clock.advance(timedelta(hours=1))
    with database.write() as session:
        partly = service.restore(session, actor=actor, now=clock.now(), outage_id=oid, devices=["T1"])
        assert partly.status == "active"
    restored = messages(database, oid, event="outage.restored", channel="sms")
    assert [m.recipient_id for m in restored] == [customer_id(database, "E001")]
    with database.read() as session:
        covering = service.outages_covering(session, customer_ids=[customer_id(database, a) for a in ("E001", "E002")], now=clock.now())
    assert [o["customer_ids"] for o in covering] == [[customer_id(database, "E002")]]
    with database.write() as session, pytest.raises(InvalidInput) as caught:
        service.restore(session, actor=actor, now=clock.now(), outage_id=oid, devices=["T1"])
    assert caught.value.problems[0].field == "devices[0]"
    with database.write() as session:
        done = service.restore(session, actor=actor, now=clock.now(), outage_id=oid)
        assert done.status == "restored" and done.restored_at == clock.now()
    assert len(messages(database, oid, event="outage.restored", channel="sms")) == 3
    with database.write() as session, pytest.raises(Conflict):
        service.restore(session, actor=actor, now=clock.now(), outage_id=oid)


def test_it_predicts_once_per_device_and_confirms(world, database, clock):
    with database.write() as session:
        first = service.predict(session, now=clock.now(), utility="electric", device="SW1")
        again = service.predict(session, now=clock.now(), utility="electric", device="SW1")
        assert first.id == again.id and first.status == "predicted"
        oid = first.id
    assert messages(database, oid, recipient_kind="customer") == []  # an inference tells no customer
    with database.read() as session:
        assert [o["status"] for o in service.outages_covering(session, customer_ids=[customer_id(database, "E002")], now=clock.now())] == ["predicted"]
    with database.write() as session:
        service.confirm(session, actor=world.principal("expert"), now=clock.now(), outage_id=oid, cause="开关故障")
    assert len(messages(database, oid, recipient_kind="customer", channel="sms")) == 2


def test_it_scopes_outages_to_the_org_and_the_reps_grids(world, database, clock):
    from gridcare.core.errors import NotFound

    with database.write() as session:
        east = service.create_outage(session, actor=world.principal("admin"), now=clock.now(), utility="electric", kind="unplanned", devices=["SW1"]).id
        west = service.create_outage(session, actor=world.principal("admin"), now=clock.now(), utility="electric", kind="unplanned", devices=["T1"]).id
    with database.read() as session:
        assert [o.id for o in service.list_outages(session, actor=world.principal("rep"))] == [west]
        assert {o.id for o in service.list_outages(session, actor=world.principal("agent"))} == {east, west}
        assert service.list_outages(session, actor=world.principal("w_agent")) == []
        with pytest.raises(NotFound):
            service.get_outage(session, actor=world.principal("rep"), outage_id=east)


def test_customers_told_of_an_outage_hear_when_it_is_cancelled_and_a_silent_prediction_stays_silent(world, database, clock):
    actor = world.principal("supervisor")
    with database.write() as session:
        told = service.create_outage(
            session, actor=actor, now=clock.now(), utility="electric", kind="planned", devices=["SW1"], area="五一大道", reason="线路检修",
            starts_at=clock.now() + timedelta(hours=20), ends_at=clock.now() + timedelta(hours=24), notice_days=1,
        )
        quiet = service.predict(session, now=clock.now(), utility="electric", device="T1")
        told_id, quiet_id = told.id, quiet.id
    with database.write() as session:
        service.cancel(session, actor=actor, now=clock.now(), outage_id=told_id, reason="误报")
        service.cancel(session, actor=actor, now=clock.now(), outage_id=quiet_id, reason="误判")
    cancelled = messages(database, told_id, event="outage.cancelled", channel="sms")
    assert sorted(m.recipient_id for m in cancelled) == sorted(customer_id(database, a) for a in ("E002", "E003"))
    assert all("取消" in m.body and "五一大道" in m.body for m in cancelled)
    assert messages(database, quiet_id, event="outage.cancelled") == []


def test_a_large_prediction_refreshes_the_planners_statistics_on_postgresql(world, database, clock, monkeypatch):
    """A storm fills outage_customers within a minute, before autovacuum looks: without fresh
    statistics, PostgreSQL keeps the plans it made for an empty table (a whole-table scan per
    intake)."""
    from sqlalchemy import text

    if database.dialect != "postgresql":
        pytest.skip("SQLite plans each statement afresh")
    postgres_database = database
    monkeypatch.setattr(service, "ANALYZE_AFTER_ROWS", 2)  # the feeder cuts off three customers
    with postgres_database.write() as session:
        service.predict(session, now=clock.now(), utility="electric", device="F1")
    with postgres_database.read() as session:
        after = session.execute(text("SELECT reltuples FROM pg_class WHERE relname = 'outage_customers'")).scalar()
    assert after == 3  # the statistics count the rows just written (F1 feeds three customers)
