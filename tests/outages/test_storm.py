"""The storm of repair calls one fault causes becomes one order (intake + triage)."""

import pytest
from sqlalchemy import select

from gridcare.config import load_settings
from gridcare.main import load_plugins
from gridcare.notify.models import Notification
from gridcare.outages import service as outages
from gridcare.outages.storm import TRIAGE_DELAY
from gridcare.pubsub import Broadcaster
from gridcare.worker import Worker, WorkerContext
from gridcare.workorders import service
from gridcare.workorders.models import WorkOrder
from tests.support import area
from tests.support import org as demo_org


@pytest.fixture
def org(database, clock):
    o = demo_org.load(database, clock)
    area.load(o, clock)
    return o


def call(db, clock, org, account, key):
    """Take a repair call, then let the worker triage it (as it does right after the commit)."""
    with db.write() as session:
        order_id = service.create_order(session, actor=org.principal("agent"), now=clock.now(), intake=service.Intake(category="repair", channel="hotline", account=account, description="停电了", idempotency_key=key)).order.id
    settings = load_settings()
    load_plugins(settings)
    clock.advance(TRIAGE_DELAY)
    Worker(WorkerContext(db=db, broadcaster=Broadcaster(), settings=settings, clock=clock), name="triage").drain()
    return order_id


def orders(db):
    with db.read() as session:
        return {o.id: o for o in session.scalars(select(WorkOrder))}


def test_two_customers_under_one_transformer_become_one_predicted_outage_and_one_order(database, clock, org, monkeypatch):
    # The test area's transformers feed two customers each: two callers must be enough here.
    monkeypatch.setenv("GRIDCARE_TRIAGE_RULES", "leaf=2")
    first = call(database, clock, org, "E002", "a")
    assert orders(database)[first].status in ("dispatched", "unassigned")
    second = call(database, clock, org, "E003", "b")  # the same transformer, T2
    found = orders(database)
    assert found[second].status == "merged" and found[second].parent_id == first
    with database.read() as session:
        predicted = outages.list_outages(session, actor=org.principal("supervisor"), status="predicted")
        assert len(predicted) == 1 and predicted[0].master_order_id == first
        assert [d.code for d in outages.devices_of(session, predicted[0].id)] == ["T2"]
    # A third call inside the predicted outage joins the master at once: nobody is dispatched.
    third = call(database, clock, org, "E003", "c")
    found = orders(database)
    assert found[third].status == "merged" and found[third].parent_id == first and found[third].handler_id is None
    assert found[third].dispatch_reason.startswith("inside outage ")
    with database.read() as session:
        popups = session.scalars(select(Notification).where(Notification.source_kind == "order", Notification.source_id == third, Notification.channel == "popup")).all()
        told = session.scalars(select(Notification.event).where(Notification.source_kind == "order", Notification.source_id == third, Notification.channel == "sms")).all()
    assert popups == [] and told == ["order.merged"]


def test_a_lone_call_elsewhere_is_dispatched_as_usual(database, clock, org):
    call(database, clock, org, "E002", "a")
    lone = call(database, clock, org, "E001", "b")  # T1: another branch of the feeder
    found = orders(database)
    assert found[lone].status == "dispatched" and found[lone].parent_id is None
    with database.read() as session:
        assert outages.list_outages(session, actor=org.principal("supervisor"), status="predicted") == []
