"""Key-customer and stakeholder visits, and data changes with their review, on both databases."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from gridcare.audit.models import AuditEntry
from gridcare.core.errors import Conflict, Forbidden, InvalidInput
from gridcare.customers import service as customers
from gridcare.customers.models import Customer
from gridcare.field import changes, patrols, visits
from gridcare.field.models import PatrolTask, VisitPlan, Watch
from gridcare.network.models import Asset
from gridcare.notify.models import Notification
from tests.field.conftest import customer_id


def sync(world, clock):
    with world.db.write() as session:
        return visits.sync_plans(session, now=clock.now())


def test_key_customers_get_visit_plans_at_the_rhythm_of_their_tags(world, clock):
    sync(world, clock)
    school = customer_id(world.db, "E003")  # tagged protected and major: the monthly rhythm wins
    with world.db.read() as session:
        plan = session.scalars(select(VisitPlan).where(VisitPlan.customer_id == school)).one()
        assert (plan.basis, plan.every_months, plan.next_due, plan.rep_id) == ("major", 1, date(2026, 12, 24), None)
        assert session.scalar(select(func.count()).select_from(VisitPlan)) == 1  # the sensitive-only customer gets none
    assert sync(world, clock) == 0  # nothing changes the second time


def test_a_changed_rhythm_moves_the_due_date(world, clock):
    sync(world, clock)
    with world.db.write() as session:
        visits.set_visit_rule(session, actor=world.principal("supervisor"), now=clock.now(), subject="major", every_months=2)
    sync(world, clock)
    with world.db.read() as session:
        plan = session.scalars(select(VisitPlan)).one()
        assert (plan.basis, plan.every_months, plan.next_due) == ("major", 2, date(2027, 1, 24))


def test_a_bad_rhythm_is_refused(world, clock):
    with pytest.raises(InvalidInput, match="subject"):
        with world.db.write() as session:
            visits.set_visit_rule(session, actor=world.principal("supervisor"), now=clock.now(), subject="vip", every_months=1)
    with pytest.raises(Forbidden):
        with world.db.write() as session:
            visits.set_visit_rule(session, actor=world.principal("rep"), now=clock.now(), subject="major", every_months=1)


def test_a_stakeholder_gets_a_quarterly_plan_for_the_grids_rep(world, clock):
    with world.db.write() as session:
        s = visits.add_stakeholder(session, actor=world.principal("w_rep"), now=clock.now(), grid_id=world.grids["water"], kind="residents_committee", name="五一社区居委会", contact="刘主任", phone="0731-8888")
        sid = s.id
    with world.db.read() as session:
        plan = session.scalars(select(VisitPlan).where(VisitPlan.stakeholder_id == sid)).one()
        assert (plan.rep_id, plan.every_months, plan.next_due) == (world.user_id("w_rep"), 3, date(2027, 2, 24))


def test_a_visit_sets_the_next_due_date_and_overdue_visits_are_flagged_once(world, clock):
    with world.db.write() as session:
        sid = visits.add_stakeholder(session, actor=world.principal("w_rep"), now=clock.now(), grid_id=world.grids["water"], kind="property_management", name="银杏物业").id
    with world.db.read() as session:
        plan_id = session.scalars(select(VisitPlan.id).where(VisitPlan.stakeholder_id == sid)).one()
    clock.advance(timedelta(days=92))  # due 2027-02-24; now 2027-02-24 + 0 … past it
    clock.advance(timedelta(days=2))
    with world.db.read() as session:
        today = date(2027, 2, 26)
        assert [p.id for p in visits.plans(session, actor=world.principal("w_supervisor"), overdue_on=today)] == [plan_id]
    with world.db.write() as session:
        assert visits.flag_overdue(session, now=clock.now()) == 1
    with world.db.write() as session:
        assert visits.flag_overdue(session, now=clock.now()) == 0
    with world.db.read() as session:
        told = session.scalars(select(Notification).where(Notification.source_kind == "visit_plan")).all()
        assert [(n.recipient_id, n.event) for n in told] == [(world.user_id("w_rep"), "field.visit_overdue")]
    with world.db.write() as session:
        visit = visits.record_visit(session, actor=world.principal("w_rep"), now=clock.now(), plan_id=plan_id, contact_met="王经理", satisfaction=4, issues="小区二次供水箱需清洗")
        assert visit.late is True
    with world.db.read() as session:
        plan = session.get(VisitPlan, plan_id)
        assert plan.next_due == date(2027, 5, 26)
        assert visits.plans(session, actor=world.principal("w_supervisor"), overdue_on=date(2027, 2, 26)) == []


def test_a_visit_needs_whom_was_met_and_a_score_from_1_to_5(world, clock):
    with world.db.write() as session:
        sid = visits.add_stakeholder(session, actor=world.principal("w_rep"), now=clock.now(), grid_id=world.grids["water"], kind="village_head", name="李村长").id
        plan_id = session.scalars(select(VisitPlan.id).where(VisitPlan.stakeholder_id == sid)).one()
    with pytest.raises(InvalidInput) as err:
        with world.db.write() as session:
            visits.record_visit(session, actor=world.principal("w_rep"), now=clock.now(), plan_id=plan_id, contact_met=" ", satisfaction=6)
    assert {p.field for p in err.value.problems} == {"contact_met", "satisfaction"}


# --- data changes -----------------------------------------------------------------------


def submit(world, clock, login="rep", **kw):
    with world.db.write() as session:
        return changes.submit(session, actor=world.principal(login), now=clock.now(), **kw).id


def review(world, clock, change_id, approve, reason="", login="supervisor"):
    with world.db.write() as session:
        return changes.review(session, actor=world.principal(login), now=clock.now(), change_id=change_id, approve=approve, reason=reason)


def test_an_approved_shop_transfer_updates_the_customer_with_history(world, clock):
    cid = customer_id(world.db, "E001")
    change_id = submit(world, clock, kind="shop_transfer", customer_id=cid, payload={"name": "李记便利店", "phone": "13911112222"})
    review(world, clock, change_id, True)
    with world.db.read() as session:
        customer = session.get(Customer, cid)
        assert customer.name == "李记便利店"
        assert customers.phones_of(session, customer_ids=[cid])[cid] == ["+8613911112222"]
        history = session.scalars(select(AuditEntry).where(AuditEntry.entity == "customer", AuditEntry.entity_id == str(cid), AuditEntry.action == "customer.update")).one()
        assert "王芳" in history.before and "李记便利店" in history.after
        change = changes.get_change(session, actor=world.principal("supervisor"), change_id=change_id)
        assert (change.status, change.before["name"], change.after["name"]) == ("approved", "王芳", "李记便利店")


def test_a_rejected_change_changes_nothing_and_needs_a_reason(world, clock):
    cid = customer_id(world.db, "E001")
    change_id = submit(world, clock, kind="shop_transfer", customer_id=cid, payload={"name": "李记便利店"})
    with pytest.raises(InvalidInput, match="reason"):
        review(world, clock, change_id, False)
    review(world, clock, change_id, False, reason="营业执照未变更")
    with world.db.read() as session:
        assert session.get(Customer, cid).name == "王芳"
        change = changes.get_change(session, actor=world.principal("supervisor"), change_id=change_id)
        assert (change.status, change.reason, change.after) == ("rejected", "营业执照未变更", {})
    with pytest.raises(Conflict):
        review(world, clock, change_id, True)


def test_an_approved_new_resident_becomes_a_customer_in_the_grid(world, clock):
    change_id = submit(world, clock, kind="new_resident", lon=112.921, lat=28.122, payload={"account": "E100", "name": "赵新", "phone": "13700001111", "address": "五一大道8号"})
    review(world, clock, change_id, True)
    with world.db.read() as session:
        customer = session.scalars(select(Customer).where(Customer.account == "E100")).one()
        assert (customer.name, customer.grid_id) == ("赵新", world.grids["west"])


def test_an_approved_new_building_is_noted_on_its_supply_point(world, clock):
    change_id = submit(world, clock, kind="new_building", asset_code="T1", payload={"name": "芙蓉苑3栋", "households": "120"})
    review(world, clock, change_id, True)
    with world.db.read() as session:
        t1 = session.scalars(select(Asset).where(Asset.utility == "electric", Asset.code == "T1")).one()
        assert [b["name"] for b in t1.attributes["buildings"]] == ["芙蓉苑3栋"]


def test_a_change_missing_fields_is_refused_naming_them(world, clock):
    with pytest.raises(InvalidInput) as err:
        submit(world, clock, kind="new_resident", payload={"name": "赵新"})
    assert {p.field for p in err.value.problems} == {"payload.account", "payload.phone", "payload.address", "lon"}


def test_road_works_near_a_pipe_start_a_recurring_watch_until_closed(world, clock):
    change_id = submit(world, clock, login="w_rep", kind="road_works", utility="water", lon=112.9305, lat=28.1203, payload={"description": "五一路燃气管道开挖"})
    review(world, clock, change_id, True, login="w_supervisor")
    with world.db.read() as session:
        watch = session.scalars(select(Watch)).one()
        assert watch.near[:2] == ["J1", "H1"] and watch.assignee_id == world.user_id("w_rep")
        assert session.scalar(select(func.count()).select_from(PatrolTask).where(PatrolTask.watch_id == watch.id)) == 1
    with world.db.write() as session:
        patrols.generate(session, now=clock.now(), days=14)
    with world.db.read() as session:
        dues = list(session.scalars(select(PatrolTask.due_on).where(PatrolTask.watch_id == watch.id).order_by(PatrolTask.due_on)))
        assert dues == [date(2026, 11, 24), date(2026, 12, 1), date(2026, 12, 8)]
    with world.db.write() as session:
        changes.close_watch(session, actor=world.principal("w_rep"), now=clock.now(), watch_id=watch.id)
        patrols.generate(session, now=clock.now(), days=30)
    with world.db.read() as session:
        assert session.scalar(select(func.count()).select_from(PatrolTask).where(PatrolTask.watch_id == watch.id)) == 0


def test_road_works_far_from_the_network_start_no_watch(world, clock):
    change_id = submit(world, clock, login="w_rep", kind="road_works", utility="water", lon=112.905, lat=28.145, payload={"description": "人行道翻修"})
    change = review(world, clock, change_id, True, login="w_supervisor")
    assert change.after == {"near": []}
    with world.db.read() as session:
        assert session.scalar(select(func.count()).select_from(Watch)) == 0
