"""Escalation ladders and category routes are data a supervisor keeps."""

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from gridcare.config import load_settings
from gridcare.core.errors import InvalidInput
from gridcare.main import load_plugins
from gridcare.pubsub import Broadcaster
from gridcare.worker import Worker, WorkerContext
from gridcare.workorders import duty, escalation, service
from gridcare.workorders.dispatch import choose_handler
from gridcare.workorders.models import OrderEvent, WorkOrder
from tests.support import org as demo_org
from tests.support.web import client_for, sign_in

minutes = st.integers(min_value=0, max_value=30 * 24 * 60)
audiences = st.sampled_from(escalation.AUDIENCES)


@given(st.lists(st.tuples(minutes, audiences), min_size=1, max_size=escalation.MAX_RUNGS))
def test_any_non_decreasing_ladder_within_bounds_is_accepted(rungs):
    rungs = sorted(rungs)
    assert escalation.ladder_problems(rungs) == []


@given(st.lists(st.tuples(minutes, audiences), min_size=2, max_size=escalation.MAX_RUNGS))
def test_a_ladder_that_goes_back_in_time_is_refused(rungs):
    rungs = sorted(rungs, reverse=True)
    if rungs[0][0] == rungs[-1][0]:
        return  # all equal: that one is fine
    assert any(p.field == "rungs" for p in escalation.ladder_problems(rungs))


def test_a_bad_ladder_names_each_bad_rung():
    problems = escalation.ladder_problems([(-5, "handler"), (60, "mayor")])
    assert {p.field for p in problems} == {"rungs[1].after_minutes", "rungs[2].audience"}
    assert escalation.ladder_problems([]) and escalation.ladder_problems([(0, "handler")] * 7)


def test_a_routed_category_goes_to_the_department_unless_a_rep_registered_it_on_site():
    assert choose_handler(grid_code="G1", rep_id=1, backup_id=2, off_duty=frozenset(), department=("营销部", 9)).handler_id == 9
    nobody = choose_handler(grid_code="G1", rep_id=1, backup_id=2, off_duty=frozenset(), department=("营销部", None))
    assert nobody.handler_id is None and "营销部" in nobody.reason
    assert choose_handler(grid_code="G1", rep_id=1, backup_id=2, off_duty=frozenset(), first_contact_rep=5, department=("营销部", 9)).handler_id == 5


def _create(db, clock, actor, **kw):
    kw.setdefault("channel", "hotline")
    with db.write() as session:
        return service.create_order(session, actor=actor, now=clock.now(), intake=service.Intake(**kw)).order.id


def test_consultations_routed_to_marketing_reach_its_member_on_duty(database, clock, org):
    supervisor = org.principal("supervisor")
    with database.write() as session:
        route = escalation.set_route(session, actor=supervisor, now=clock.now(), utility="electric", category="consultation", org_unit_id=org.units["XC-E-MKT"])
    assert route is not None and route.unit_name == "营销部"
    order_id = _create(database, clock, org.principal("agent"), category="consultation", account="E001", description="咨询阶梯电价")
    repair_id = _create(database, clock, org.principal("agent"), category="repair", account="E001", description="停电")
    with database.read() as session:
        consultation, repair = session.get(WorkOrder, order_id), session.get(WorkOrder, repair_id)
        assert consultation.handler_id == org.user_id("department") and consultation.dispatch_reason == "category routed to department 营销部"
        assert repair.handler_id == org.user_id("rep")  # other categories still go to the grid rep
    # The only member is away: the command center takes it rather than the rep.
    with database.write() as session:
        duty.add_absence(session, actor=supervisor, now=clock.now(), user_id=org.user_id("department"), starts_at=clock.now(), ends_at=clock.now() + timedelta(days=1))
    away_id = _create(database, clock, org.principal("agent"), category="consultation", account="E001")
    with database.read() as session:
        away = session.get(WorkOrder, away_id)
        assert away.handler_id is None and away.status == "unassigned" and "营销部" in away.dispatch_reason


def test_only_a_department_can_take_a_category(database, clock, org):
    with database.write() as session, pytest.raises(InvalidInput) as caught:
        escalation.set_route(session, actor=org.principal("supervisor"), now=clock.now(), utility="electric", category="consultation", org_unit_id=org.units["XC-E"])
    assert [p.field for p in caught.value.problems] == ["org_unit_id"]
    with database.read() as session:
        assert escalation.routes(session) == {}


def test_a_saved_ladder_decides_when_and_whom_the_sweep_calls_in(database, clock, org):
    with database.write() as session:
        escalation.set_ladder(session, actor=org.principal("supervisor"), now=clock.now(), utility="electric", rungs=[(0, "handler"), (30, "role:supervisor")])
    order_id = _create(database, clock, org.principal("agent"), category="repair", account="E001")
    s = load_settings()
    load_plugins(s)
    worker = Worker(WorkerContext(db=database, broadcaster=Broadcaster(), settings=s, clock=clock), name="w")
    clock.advance(timedelta(minutes=5 + 31))  # accept was due at 5 min; 31 min later
    worker.run_once()
    with database.read() as session:
        assert session.get(WorkOrder, order_id).escalation_level == 2  # the shipped ladder would say 1 (next rung at 2 h)
        events = [e.data for e in session.scalars(select(OrderEvent).where(OrderEvent.order_id == order_id, OrderEvent.kind == "order.escalated").order_by(OrderEvent.id))]
    assert [(e["level"], e["audience"]) for e in events] == [(1, "handler"), (2, "role:supervisor")]


def test_the_rules_have_rest_endpoints_and_a_page(settings, database, clock, org):
    with client_for(settings, database, clock) as client:
        _, token = sign_in(client, "supervisor", demo_org.PASSWORD)
        headers = {"X-CSRF-Token": token}
        bad = client.put("/api/v1/escalation-ladders/electric", json=[{"after_minutes": 60, "audience": "handler"}, {"after_minutes": 10, "audience": "role:admin"}], headers=headers)
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "rungs"
        assert client.get("/api/v1/escalation-ladders/electric").json()[1] == {"after_minutes": 120, "audience": "role:supervisor"}  # nothing was written
        ok = client.put("/api/v1/escalation-ladders/electric", json=[{"after_minutes": 0, "audience": "handler"}, {"after_minutes": 45, "audience": "role:agent"}], headers=headers)
        assert ok.status_code == 200 and len(ok.json()) == 2
        routed = client.put("/api/v1/category-routes/electric/consultation", json={"org_unit_id": org.units["XC-E-MKT"]}, headers=headers)
        assert routed.status_code == 200 and routed.json()["unit_name"] == "营销部"
        assert client.get("/api/v1/category-routes").json()[0]["category"] == "consultation"
        assert client.put("/api/v1/category-routes/electric/consultation", json={"org_unit_id": None}, headers=headers).json() is None
        policies = client.get("/api/v1/sla-policies?utility=electric").json()
        assert any(p["category"] == "repair" and p["area_class"] == "urban" and p["arrive"]["minutes"] == 45 for p in policies)
        page = client.get("/admin/sla").text
        assert "升级督办层级" in page and 'name="after_minutes"' in page and "营销部" in page
        saved = client.post("/admin/sla/ladder", data={"utility": "electric", "csrf_token": token, "after_minutes": ["0", "20", ""], "audience": ["handler", "role:supervisor", "role:agent"]})
        assert saved.status_code == 303
        assert client.get("/api/v1/escalation-ladders/electric").json() == [{"after_minutes": 0, "audience": "handler"}, {"after_minutes": 20, "audience": "role:supervisor"}]
