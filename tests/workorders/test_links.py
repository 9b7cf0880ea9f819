"""Related orders are linked both ways; merged callers hear what happened to their demand."""

import pytest
from sqlalchemy import select

from gridcare.core.errors import InvalidInput, NotFound
from gridcare.notify.models import Notification
from gridcare.workorders import links, service
from gridcare.workorders.models import OrderEvent, WorkOrder
from tests.support import org as demo_org
from tests.support.web import client_for, sign_in


def _create(db, clock, actor, **kw):
    with db.write() as session:
        return service.create_order(session, actor=actor, now=clock.now(), intake=service.Intake(category=kw.pop("category", "repair"), channel="hotline", **kw)).order


def test_it_links_two_orders_both_ways_once(database, clock, org):
    agent = org.principal("agent")
    repair = _create(database, clock, agent, account="E001", description="停电")
    complaint = _create(database, clock, agent, category="complaint", account="E001", description="抢修太慢")
    for _ in range(2):
        with database.write() as session:
            links.link(session, actor=agent, now=clock.now(), order_id=complaint.id, other=repair.number, note="投诉针对该次抢修")
    with database.read() as session:
        assert session.get(WorkOrder, complaint.id).attributes["links"] == [repair.number]
        assert session.get(WorkOrder, repair.id).attributes["links"] == [complaint.number]
        kinds = session.scalars(select(OrderEvent.kind).where(OrderEvent.kind == "order.linked")).all()
        assert len(kinds) == 2  # one on each timeline, not repeated by the second call
        assert [o.id for o in links.linked(session, actor=agent, order=session.get(WorkOrder, repair.id))] == [complaint.id]


def test_bad_links_name_the_field_and_change_nothing(database, clock, org):
    agent = org.principal("agent")
    order = _create(database, clock, agent, account="E001")
    with database.write() as session, pytest.raises(InvalidInput) as caught:
        links.link(session, actor=agent, now=clock.now(), order_id=order.id, other=order.number)
    assert caught.value.problems[0].field == "other"
    with database.write() as session, pytest.raises(NotFound, match="other"):
        links.link(session, actor=agent, now=clock.now(), order_id=order.id, other="GD19990101-000001")
    with database.read() as session:
        assert "links" not in session.get(WorkOrder, order.id).attributes


def test_merged_callers_are_told_and_hear_the_outcome(database, clock, org):
    agent = org.principal("agent")
    parent = _create(database, clock, agent, account="E001", description="整栋楼停电")
    child = _create(database, clock, agent, account="E003", description="楼里没电")
    with database.write() as session:
        service.execute(session, actor=org.principal("supervisor"), now=clock.now(), order_id=child.id, command="merge_into", args={"parent_id": parent.id})
    rep = org.principal("rep")
    for command, args in (("accept", {}), ("arrive", {"lon": 112.93, "lat": 28.2}), ("resolve", {"resolution": "更换熔断器"}), ("callback", {"satisfaction": 5})):
        with database.write() as session:
            service.execute(session, actor=rep if command != "callback" else agent, now=clock.now(), order_id=parent.id, command=command, args=args)
    with database.read() as session:
        to_child = session.scalars(select(Notification).where(Notification.source_kind == "order", Notification.source_id == child.id, Notification.channel == "sms").order_by(Notification.id)).all()
        status = session.get(WorkOrder, child.id).status
    assert status == "closed"
    assert [n.event for n in to_child] == ["order.merged", "order.resolved"]
    assert parent.number in to_child[0].body


def test_links_over_rest_and_on_the_page(settings, database, clock, org):
    first = _create(database, clock, org.principal("agent"), account="E001")
    second = _create(database, clock, org.principal("agent"), account="E001", category="consultation")
    with client_for(settings, database, clock) as client:
        _, token = sign_in(client, "agent", demo_org.PASSWORD)
        bad = client.post(f"/api/v1/work-orders/{first.id}/links", json={"other": ""}, headers={"X-CSRF-Token": token})
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "other"
        ok = client.post(f"/api/v1/work-orders/{first.id}/links", json={"other": second.number}, headers={"X-CSRF-Token": token})
        assert ok.status_code == 200 and [o["number"] for o in ok.json()] == [second.number]
        page = client.get(f"/orders/{second.id}").text
        assert first.number in page and 'action="/orders/' in page
