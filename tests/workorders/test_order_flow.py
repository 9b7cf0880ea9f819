"""Work orders end to end through the service, on both databases."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from gridcare.audit.models import AuditEntry
from gridcare.config import load_settings
from gridcare.core.errors import DomainError, InvalidInput
from gridcare.main import load_plugins
from gridcare.notify.models import Notification
from gridcare.pubsub import Broadcaster
from gridcare.worker import Worker, WorkerContext
from gridcare.workorders import service
from gridcare.workorders.models import OffDuty, OrderEvent, WorkOrder


def create(db, clock, actor, **kw):
    kw.setdefault("category", "repair")
    kw.setdefault("channel", "hotline")
    with db.write() as session:
        created = service.create_order(session, actor=actor, now=clock.now(), intake=service.Intake(**kw))
        return created.order.id, created.replayed


def do(db, clock, actor, order_id, command, **args):
    with db.write() as session:
        return service.execute(session, actor=actor, now=clock.now(), order_id=order_id, command=command, args=args).status


def load(db, order_id):
    with db.read() as session:
        return session.get(WorkOrder, order_id)


def test_it_dispatches_to_the_grid_rep_at_once_with_deadlines_and_a_reason(database, clock, org):
    order_id, _ = create(database, clock, org.principal("agent"), account="E001", description="家里停电了")
    order = load(database, order_id)
    assert order.status == "dispatched" and order.handler_id == org.user_id("rep")
    assert order.dispatch_reason == "rep of grid E-WEST"
    assert order.accept_due == clock.now() + timedelta(minutes=5)
    assert order.arrive_due == clock.now() + timedelta(minutes=45)
    with database.read() as session:
        kinds = session.scalars(select(OrderEvent.kind).where(OrderEvent.order_id == order_id).order_by(OrderEvent.id)).all()
        popups = session.scalars(select(Notification).where(Notification.source_kind == "order", Notification.source_id == order_id)).all()
        audited = session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.stream == f"order:{order_id}"))
    assert kinds == ["order.created", "order.dispatched"]
    # A forced pop-up to the rep, with its SMS/voice fallback armed until the order is accepted.
    assert [(n.channel, n.recipient_id, n.ladder_next_at is not None) for n in popups] == [("popup", org.user_id("rep"), True)]
    assert audited == 1


def test_it_returns_the_same_order_for_a_repeated_idempotency_key(database, clock, org):
    first, replayed_first = create(database, clock, org.principal("agent"), account="E001", idempotency_key="pbx-call-77")
    again, replayed_again = create(database, clock, org.principal("agent"), account="E001", idempotency_key="pbx-call-77")
    assert first == again and not replayed_first and replayed_again
    with database.read() as session:
        assert session.scalar(select(func.count()).select_from(WorkOrder)) == 1


def test_a_retry_gets_its_order_even_when_its_intake_would_now_be_refused(database, clock, org):
    first, _ = create(database, clock, org.principal("agent"), account="E001", idempotency_key="pbx-call-78")
    again, replayed = create(database, clock, org.principal("agent"), account="NO-SUCH", idempotency_key="pbx-call-78")
    assert again == first and replayed
    with pytest.raises(InvalidInput) as refused:  # a new key with the same mistake is refused
        create(database, clock, org.principal("agent"), account="NO-SUCH", idempotency_key="pbx-call-79")
    assert refused.value.problems[0].field == "account"


def test_a_key_of_an_order_out_of_sight_is_refused_not_replayed(database, clock, org):
    from gridcare.core.errors import Conflict

    create(database, clock, org.principal("agent"), account="E001", idempotency_key="shared-key")
    # The water rep sees no electric order: replaying its key must not hand it over.
    with pytest.raises(Conflict) as refused:
        create(database, clock, org.principal("w_rep"), account="W001", channel="onsite", idempotency_key="shared-key")
    assert refused.value.problems[0].field == "idempotency_key"
    with database.read() as session:
        assert session.scalar(select(func.count()).select_from(WorkOrder)) == 1


def test_tries_with_a_taken_key_in_a_batch_are_replays_and_the_rest_land(database, clock, org):
    from gridcare.group_commit import GroupCommit

    def intake(key: str):  # noqa: ANN202
        def unit(session):  # noqa: ANN001, ANN202
            created = service.create_order(session, actor=org.principal("agent"), now=clock.now(), intake=service.Intake(category="repair", channel="hotline", account="E001", idempotency_key=key))
            return created.order.id, created.replayed

        return unit

    writes = GroupCommit(database)
    # One batch: the same key twice, as a retry racing its first try.
    [(first, replayed_first), (second, replayed_second)] = [value for value, _error in writes._commit([(intake("twice"), None, None)] * 2)]  # noqa: SLF001
    assert first == second and not replayed_first and replayed_second
    # A later batch: a retry of a committed order beside a new one (on PostgreSQL the batch's
    # rows go out together, the taken key fails them, and the batch runs again unit by unit).
    [(again, replayed_again), (other, replayed_other)] = [value for value, error in writes._commit([(intake("twice"), None, None), (intake("new"), None, None)])]  # noqa: SLF001
    assert again == first and replayed_again and other != first and not replayed_other
    with database.read() as session:
        assert session.scalar(select(func.count()).select_from(WorkOrder)) == 2
        assert session.scalar(select(func.count()).select_from(OrderEvent).where(OrderEvent.order_id == other)) > 0


def test_it_never_loses_an_order_without_a_grid(database, clock, org):
    order_id, _ = create(database, clock, org.principal("agent"), lon=100.0, lat=30.0, utility="electric", description="地址不详")
    order = load(database, order_id)
    assert order.status == "unassigned" and order.handler_id is None and "command-center queue" in order.dispatch_reason


def test_it_sends_to_the_backup_when_the_rep_is_off_duty(database, clock, org):
    from gridcare.core.principal import system_principal
    from gridcare.grids import service as grids

    with database.write() as session:
        west = grids.find_grid_by_code(session, code="E-WEST")
        grids.change_grid(session, actor=system_principal("t"), now=clock.now(), grid=west, backup_id=org.user_id("agent2"), reason="backup named")
        session.add(OffDuty(user_id=org.user_id("rep"), starts_at=clock.now() - timedelta(hours=1), ends_at=clock.now() + timedelta(hours=8), reason="年假"))
    order_id, _ = create(database, clock, org.principal("agent"), account="E001")
    order = load(database, order_id)
    assert order.handler_id == org.user_id("agent2") and "rep off duty" in order.dispatch_reason


def test_it_lets_a_rep_request_a_transfer_but_never_refuse(database, clock, org):
    order_id, _ = create(database, clock, org.principal("agent"), account="E001")
    with pytest.raises(DomainError, match="cannot refuse"):
        do(database, clock, org.principal("rep"), order_id, "refuse")
    assert do(database, clock, org.principal("rep"), order_id, "request_transfer", reason="不在本网格") == "dispatched"
    assert load(database, order_id).transfer_pending
    assert do(database, clock, org.principal("supervisor"), order_id, "approve_transfer", reason="转指挥中心") == "unassigned"


def test_it_runs_the_closed_loop_and_reopens_on_a_dissatisfied_callback(database, clock, org):
    rep, agent = org.principal("rep"), org.principal("agent")
    order_id, _ = create(database, clock, agent, account="E001")
    clock.advance(timedelta(minutes=3))
    assert do(database, clock, rep, order_id, "accept") == "accepted"
    clock.advance(timedelta(minutes=20))
    assert do(database, clock, rep, order_id, "arrive", lon=112.92, lat=28.12) == "arrived"
    clock.advance(timedelta(minutes=40))
    assert do(database, clock, rep, order_id, "resolve", resolution="fuse_replaced", note="更换熔断器") == "callback_pending"
    assert do(database, clock, agent, order_id, "callback", satisfaction=1) != "closed"
    order = load(database, order_id)
    assert order.reopen_count == 1 and order.resolved_at is None
    with database.read() as session:
        kinds = session.scalars(select(OrderEvent.kind).where(OrderEvent.order_id == order_id)).all()
    assert "order.reopened" in kinds and "complaint.raised" in kinds
    assert order.arrived_lon == 112.92


def test_it_closes_after_a_satisfied_callback(database, clock, org):
    rep, agent = org.principal("rep"), org.principal("agent")
    order_id, _ = create(database, clock, agent, account="E001", category="consultation", description="咨询电价")
    do(database, clock, rep, order_id, "accept")
    do(database, clock, rep, order_id, "resolve", resolution="answered")
    assert do(database, clock, agent, order_id, "callback", satisfaction=5) == "closed"
    order = load(database, order_id)
    assert order.closed_at == clock.now() and order.next_check_at is None


def test_it_rejects_bad_intake_naming_each_field(database, clock, org):
    with pytest.raises(InvalidInput) as info:
        create(database, clock, org.principal("agent"), category="weather", channel="pigeon", lon=500.0, lat=1.0)
    assert {p.field for p in info.value.problems} == {"category", "channel", "lon"}


def test_it_escalates_once_per_rung_including_deadlines_that_passed_while_down(database, clock, org):
    s = load_settings()
    load_plugins(s)
    order_id, _ = create(database, clock, org.principal("agent"), account="E001")
    worker = Worker(WorkerContext(db=database, broadcaster=Broadcaster(), settings=s, clock=clock), name="w")
    worker.run_once()
    assert load(database, order_id).escalation_level == 0
    # The platform was down for three hours: accept (5 min) and arrive (45 min) both passed.
    clock.advance(timedelta(hours=3))
    worker.run_once()
    worker.run_once()
    order = load(database, order_id)
    assert order.escalation_level == 2  # at the deadline, then 2 h after it
    clock.advance(timedelta(minutes=1))
    worker.run_once()
    with database.read() as session:
        escalations = session.scalars(select(OrderEvent.data).where(OrderEvent.order_id == order_id, OrderEvent.kind == "order.escalated")).all()
    assert [e["level"] for e in escalations] == [1, 2]


def test_it_flags_a_repeat_call_for_the_same_demand_within_a_week(database, clock, org):
    first, _ = create(database, clock, org.principal("agent"), account="E001")
    clock.advance(timedelta(days=2))
    second, _ = create(database, clock, org.principal("agent"), account="E001")
    clock.advance(timedelta(days=8))
    third, _ = create(database, clock, org.principal("agent"), account="E001")
    assert load(database, second).attributes["repeat_of"] == load(database, first).number
    assert "repeat_of" not in load(database, third).attributes  # eight days after the last one
    other, _ = create(database, clock, org.principal("agent"), account="E001", category="consultation")
    assert "repeat_of" not in load(database, other).attributes


def test_it_closes_merged_duplicates_with_their_parent(database, clock, org):
    rep, agent = org.principal("rep"), org.principal("agent")
    parent, _ = create(database, clock, agent, account="E001", category="consultation")
    child, _ = create(database, clock, agent, account="E001", category="consultation", phone="13812345678")
    with pytest.raises(InvalidInput, match="parent_id"):
        do(database, clock, agent, child, "merge_into", parent_id=child)
    assert do(database, clock, org.principal("supervisor"), child, "merge_into", parent_id=parent) == "merged"
    do(database, clock, rep, parent, "accept")
    do(database, clock, rep, parent, "resolve", resolution="answered")
    assert do(database, clock, agent, parent, "callback", satisfaction=5) == "closed"
    closed_child = load(database, child)
    assert closed_child.status == "closed" and closed_child.closed_at == clock.now() and closed_child.parent_id == parent


def test_an_open_order_keeps_the_commitment_it_was_taken_with(database, clock, org):
    from gridcare.workorders import policies

    first, _ = create(database, clock, org.principal("agent"), account="E001")
    with database.write() as session:
        policies.set_target(session, actor=org.principal("supervisor"), now=clock.now(), utility="electric", category="repair", area_class="urban", step="arrive", minutes=30)
    second, _ = create(database, clock, org.principal("agent"), account="E001", idempotency_key="second")
    do(database, clock, org.principal("rep"), first, "accept")  # a transition recomputes the deadlines
    assert load(database, first).arrive_due == clock.now() + timedelta(minutes=45)
    assert load(database, second).arrive_due == clock.now() + timedelta(minutes=30)


def test_a_wave_of_late_orders_does_not_hold_back_the_outbox(database, clock, org, monkeypatch):
    from gridcare import outbox
    from gridcare.workorders import jobs

    monkeypatch.setattr(jobs, "SWEEP_CHUNK", 2)
    monkeypatch.setattr(jobs, "SWEEP_CHUNKS_PER_ROUND", 1)
    s = load_settings()
    load_plugins(s)
    ids = [create(database, clock, org.principal("agent"), account="E001", category="consultation", description=f"问题 {i}")[0] for i in range(5)]
    worker = Worker(WorkerContext(db=database, broadcaster=Broadcaster(), settings=s, clock=clock), name="w")
    worker.drain()
    clock.advance(timedelta(hours=30))
    with database.write() as session:
        outbox.enqueue(session, topic="push", key="role:agent", payload={"channel": "role:agent", "event": "notice", "data": {}}, now=clock.now())
    assert worker.run_once() > 0
    # One chunk of the sweep, then the outbox: the notice did not wait for every late order.
    assert sum(1 for i in ids if load(database, i).escalation_level > 0) == 2
    with database.read() as session:
        notice = session.scalars(select(outbox.OutboxRow).where(outbox.OutboxRow.key == "role:agent").order_by(outbox.OutboxRow.id)).first()
        assert notice.status == outbox.DELIVERED
    worker.drain()  # the sweep goes on at once, not a period later
    assert all(load(database, i).escalation_level > 0 for i in ids)


def test_a_batch_of_intakes_reserves_its_numbers_with_one_counter_update(database, clock, org):
    from gridcare.group_commit import UNITS
    from gridcare.workorders.models import OrderCounter

    create(database, clock, org.principal("agent"), account="E001")  # the day's first number, alone
    numbers, counter_after_each = [], []
    with database.write() as session:
        session.info[UNITS] = 3  # what group commit tells a batch of three intakes
        for i in range(4):
            intake = service.Intake(category="repair", channel="hotline", account="E001", idempotency_key=f"batch-{i}")
            numbers.append(service.create_order(session, actor=org.principal("agent"), now=clock.now(), intake=intake).order.number)
            counter_after_each.append(session.scalar(select(OrderCounter.last)))
    assert [int(n.rsplit("-", 1)[1]) for n in numbers] == [2, 3, 4, 5]
    # The first intake reserved for the batch; the fourth, beyond it, reserved again.
    assert counter_after_each == [4, 4, 4, 7]


def test_a_group_commit_batch_dispatches_each_order_with_its_own_popup(database, clock, org):
    from gridcare.group_commit import GroupCommit
    from gridcare.outbox import OutboxRow

    writes = GroupCommit(database, max_batch=8)
    accounts = ["E001"] * 6  # one grid, one rep: each order still pops up on its own

    def intake(i: int):  # noqa: ANN202
        def unit(session):  # noqa: ANN001, ANN202
            kw = {"category": "consultation", "channel": "hotline", "account": accounts[i], "description": f"咨询 {i}", "idempotency_key": f"pop-{i}"}
            return service.create_order(session, actor=org.principal("agent"), now=clock.now(), intake=service.Intake(**kw)).order.id

        return unit

    # One batch, run together as the commit thread runs it (a unit failing there, the
    # pop-ups' rows inserted with the batch's others included, would raise).
    order_ids = [value for value, error in writes._together([intake(i) for i in range(len(accounts))]) if error is None]  # noqa: SLF001
    with database.read() as session:
        popups = session.scalars(select(Notification).where(Notification.channel == "popup", Notification.event == "order.dispatched")).all()
        queued = {row.payload["id"] for row in session.scalars(select(OutboxRow).where(OutboxRow.topic == "notify.send"))}
    # One pop-up per order, to its handler, each queued under its own row's id.
    assert sorted(p.source_id for p in popups) == sorted(order_ids)
    assert all(p.recipient_id == load(database, p.source_id).handler_id for p in popups)
    assert {p.id for p in popups} <= queued


def test_a_second_call_in_the_same_batch_is_flagged_as_a_repeat(database, clock, org):
    from gridcare.group_commit import GroupCommit

    def unit(session):  # noqa: ANN001, ANN202
        return service.create_order(session, actor=org.principal("agent"), now=clock.now(), intake=service.Intake(category="repair", channel="hotline", account="E001")).order.id

    [first, second] = [value for value, _error in GroupCommit(database)._together([unit, unit])]  # noqa: SLF001
    second_order = load(database, second)
    assert first != second and second_order.attributes.get("repeat_of") == load(database, first).number


def test_accepting_answers_the_new_order_pop_up_and_no_other(database, clock, org):
    from gridcare.outbox import OutboxRow

    order_id, _ = create(database, clock, org.principal("agent"), account="E001")
    clock.advance(timedelta(hours=1))
    with database.write() as session:
        service.sweep(session, now=clock.now())  # late: the handler's escalation pop-up
    clock.advance(timedelta(minutes=1))
    do(database, clock, org.principal("rep"), order_id, "accept")
    with database.read() as session:
        popups = session.scalars(select(Notification).where(Notification.source_id == order_id, Notification.channel == "popup").order_by(Notification.id)).all()
        closed = [r.payload["data"]["id"] for r in session.scalars(select(OutboxRow).where(OutboxRow.topic == "push")) if r.payload.get("event") == "popup.closed"]
    new, late = popups[0], popups[1]
    assert (new.event, new.acknowledged_at, new.acknowledged_by, new.ladder_next_at) == ("order.dispatched", clock.now(), org.user_id("rep"), None)
    assert late.event == "order.escalated" and late.acknowledged_at is None  # being late is still to be seen
    assert closed == [new.id]  # the rep's other pages close it
