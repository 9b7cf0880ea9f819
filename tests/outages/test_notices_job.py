"""Planned notices from the worker's periodic job, driven by a FixedClock: the advance
notice the configured days ahead, the reminder on the day, nothing twice."""

from __future__ import annotations

from datetime import datetime, timedelta

from gridcare.core.clock import SHANGHAI
from gridcare.jobs import JOBS
from gridcare.outages import service
from tests.notify.conftest import make_worker, notify_settings
from tests.outages.conftest import messages


def test_it_sends_planned_notices_ahead_and_on_the_day_then_begins(world, database, clock, tmp_path):
    assert "outages.notices" in JOBS
    settings = notify_settings(database, tmp_path)
    worker = make_worker(database, clock, settings)
    start = datetime(2026, 11, 27, 9, 0, tzinfo=SHANGHAI)
    with database.write() as session:
        oid = service.create_outage(session, actor=world.principal("supervisor"), now=clock.now(), utility="electric", kind="planned", devices=["SW1"],
                                    starts_at=start, ends_at=start + timedelta(hours=8), notice_days=2, reason="线路检修", area="五一大道东段").id
    customers = lambda: messages(database, oid, recipient_kind="customer", channel="sms")  # noqa: E731
    assert customers() == []  # three days ahead: too early
    assert [m.channel for m in messages(database, oid, recipient_kind="user")] == []  # the east grid has no rep
    clock.set(datetime(2026, 11, 25, 0, 10, tzinfo=SHANGHAI))
    worker.run_once()
    advance = customers()
    assert len(advance) == 2 and all("线路检修" in m.body and "五一大道东段" in m.body for m in advance)
    clock.advance(timedelta(minutes=10))
    worker.run_once()
    assert len(customers()) == 2  # nothing twice
    clock.set(datetime(2026, 11, 27, 6, 0, tzinfo=SHANGHAI))
    worker.run_once()
    assert len(customers()) == 4  # the day's reminder
    clock.set(datetime(2026, 11, 27, 9, 1, tzinfo=SHANGHAI))
    worker.run_once()
    assert len(customers()) == 4
    with database.read() as session:
        assert service.get_outage(session, actor=world.principal("admin"), outage_id=oid).status == "active"


def test_it_tells_customers_of_a_planned_outage_again_only_when_its_times_change(world, database, clock):
    start = clock.now() + timedelta(hours=30)
    actor = world.principal("supervisor")
    with database.write() as session:
        oid = service.create_outage(session, actor=actor, now=clock.now(), utility="electric", kind="planned", devices=["T1"], starts_at=start, ends_at=start + timedelta(hours=4), notice_days=1).id
    assert len(messages(database, oid, recipient_kind="customer")) == 1  # already within the notice period
    with database.write() as session:
        service.update_outage(session, actor=actor, now=clock.now(), outage_id=oid, starts_at=start, ends_at=start + timedelta(hours=4), reason="换表")
    assert len(messages(database, oid, recipient_kind="customer")) == 1
    with database.write() as session:
        service.update_outage(session, actor=actor, now=clock.now(), outage_id=oid, ends_at=start + timedelta(hours=6))
    assert len(messages(database, oid, recipient_kind="customer")) == 2


def test_it_loads_the_demo_outages_on_a_small_network(world, database, clock):
    from gridcare.outages.demo import load_outages

    ids = load_outages(database, clock, seed=1)
    with database.read() as session:
        found = [service.get_outage(session, actor=world.principal("admin"), outage_id=i) for i in ids]
        assert [(o.kind, o.status) for o in found] == [("planned", "scheduled"), ("planned", "scheduled"), ("unplanned", "active")]
        assert found[0].starts_at - clock.now() > timedelta(days=6) and found[1].starts_at.date() == clock.now().date()
