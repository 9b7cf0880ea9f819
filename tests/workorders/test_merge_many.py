"""Triage merges a storm's standing calls many at a time: the batch does what merging them
one by one does (timeline, audit chain, pop-ups stopped, callers told), and skips calls
that moved on."""

from sqlalchemy import select

from gridcare.audit import service as audit
from gridcare.audit.models import AuditEntry
from gridcare.core.principal import system_principal
from gridcare.notify.models import Notification
from gridcare.workorders import merging, service
from gridcare.workorders.models import OrderEvent, WorkOrder


def _create(db, clock, actor, account, key):
    with db.write() as session:
        return service.create_order(session, actor=actor, now=clock.now(), intake=service.Intake(category="repair", channel="hotline", account=account, description="停电", idempotency_key=key)).order


def test_a_batch_merge_matches_one_by_one_and_skips_calls_that_moved_on(database, clock, org):
    agent = org.principal("agent")
    master = _create(database, clock, agent, "E002", "m")
    calls = [_create(database, clock, agent, account, f"c{i}") for i, account in enumerate(("E001", "E001", "E003"))]
    for command, args in (("accept", {}), ("arrive", {"lon": 112.93, "lat": 28.12})):  # the rep is on site for the first: it stays its own
        with database.write() as session:
            service.execute(session, actor=org.principal("rep"), now=clock.now(), order_id=calls[0].id, command=command, args=args)
    triage = system_principal("triage")
    with database.write() as session:
        merged = merging.merge_many(session, actor=triage, now=clock.now(), parent_id=master.id, order_ids=[master.id, *(c.id for c in calls)], note="predicted outage")
    assert merged == [calls[1].id, calls[2].id]
    with database.read() as session:
        found = {o.id: o for o in session.scalars(select(WorkOrder))}
        assert found[calls[0].id].status == "arrived" and found[master.id].status != "merged"
        for call in calls[1:]:
            assert found[call.id].status == "merged" and found[call.id].parent_id == master.id and found[call.id].next_check_at is None
            kinds = session.scalars(select(OrderEvent.kind).where(OrderEvent.order_id == call.id).order_by(OrderEvent.id)).all()
            assert kinds[-1] == "order.merged"
            popups = session.scalars(select(Notification).where(Notification.source_id == call.id, Notification.source_kind == "order", Notification.channel == "popup")).all()
            assert all(p.ladder_next_at is None and p.ladder_stopped == "merged" for p in popups)
            assert popups or found[call.id].handler_id is None  # E003's grid has no rep: nobody was popped
            told = session.scalars(select(Notification.event).where(Notification.source_id == call.id, Notification.source_kind == "order", Notification.channel == "sms")).all()
            assert told == ["order.merged"]
        actions = session.scalars(select(AuditEntry.action).where(AuditEntry.stream == f"order:{calls[1].id}").order_by(AuditEntry.seq)).all()
        assert actions[-1] == "order.merge_into"
        assert audit.verify(session).ok


def test_several_entries_to_one_stream_in_one_append_keep_the_chain(database, clock, org):
    admin = org.principal("admin")
    with database.write() as session:
        audit.record_many(session, actor=admin, at=clock.now(), entries=[audit.Append("thing.step", "thing", 1, {"n": n}, {"n": n + 1}) for n in range(3)] + [audit.Append("thing.step", "thing", 2)])
    with database.write() as session:
        audit.record(session, actor=admin, at=clock.now(), action="thing.step", entity="thing", entity_id=1)
    with database.read() as session:
        seqs = session.scalars(select(AuditEntry.seq).where(AuditEntry.stream == "thing:1").order_by(AuditEntry.seq)).all()
        assert seqs == [1, 2, 3, 4]
        assert audit.verify(session).ok
