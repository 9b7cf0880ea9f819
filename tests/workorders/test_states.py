from functools import cache
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gridcare.core.principal import Role
from gridcare.workorders.states import (
    DEFAULT_CATEGORY_STEPS,
    GUARDS,
    REFUSAL,
    ROUTES,
    TRANSITIONS,
    Category,
    CategorySteps,
    Command,
    Decision,
    Group,
    OrderFacts,
    Status,
    TransitionRefused,
    answerable,
    apply,
    available_commands,
    decide,
    on_create,
    on_create_answered,
    unsettled,
)

REP = 7
Step = tuple[str, str, bool, dict[str, Any]]  # command, role, is the handler, args


def new(category: str, handler_id: int | None = REP, **steps: Any) -> OrderFacts:
    created = on_create(handler_id)
    kwargs = {"steps": {category: CategorySteps(**steps)}} if steps else {}
    return apply(OrderFacts.for_category(category, created.status, order_id=1, **kwargs), created)


def run(order: OrderFacts, steps: list[Step]) -> tuple[OrderFacts, list[Decision]]:
    decisions = []
    for command, role, is_handler, args in steps:
        decision = decide(order, command, actor_role=role, actor_is_handler=is_handler, args=args)
        decisions.append(decision)
        order = apply(order, decision)
    return order, decisions


ACCEPT: Step = ("accept", "rep", True, {})
ARRIVE: Step = ("arrive", "rep", True, {"lat": 30.27, "lon": 120.15})
RESOLVE: Step = ("resolve", "rep", True, {"resolution": "replaced the blown fuse"})


def callback(satisfaction: Any) -> Step:
    return ("callback", "agent", False, {"satisfaction": satisfaction})


def refused(order: OrderFacts, step: Step) -> TransitionRefused:
    command, role, is_handler, args = step
    with pytest.raises(TransitionRefused) as caught:
        decide(order, command, actor_role=role, actor_is_handler=is_handler, args=args)
    return caught.value


def test_it_walks_a_repair_from_dispatch_to_archive():
    order, decisions = run(new("repair"), [ACCEPT, ARRIVE, RESOLVE, callback(5)])
    assert [d.status for d in decisions] == [
        Status.ACCEPTED,
        Status.ARRIVED,
        Status.CALLBACK_PENDING,
        Status.CLOSED,
    ]
    assert decisions[1].events[0].data == {"lat": 30.27, "lon": 120.15}
    assert decisions[-1].event_names == ["order.callback_done", "order.closed"]
    assert order.status.group is Group.CLOSED and order.reopen_count == 0


def test_it_refuses_to_resolve_a_repair_before_arrival_but_not_a_consultation():
    repair, _ = run(new("repair"), [ACCEPT])
    assert refused(repair, RESOLVE).reason == "this category needs an arrival on site first"
    consultation, _ = run(new("consultation"), [ACCEPT, RESOLVE])
    assert consultation.status is Status.CALLBACK_PENDING


def test_it_skips_callback_where_the_category_needs_none():
    praise, _ = run(new("praise"), [ACCEPT, RESOLVE])
    assert praise.status is Status.RESOLVED
    assert Command.CALLBACK not in available_commands(praise, "agent", False)
    closed, _ = run(praise, [("close", "agent", False, {})])
    assert closed.status is Status.CLOSED
    # The steps are data: a utility that wants callbacks on praise gets them.
    wanted, _ = run(new("praise", needs_arrival=False, needs_callback=True), [ACCEPT, RESOLVE])
    assert wanted.status is Status.CALLBACK_PENDING


def test_it_sends_a_complaint_through_supervisor_review():
    order, decisions = run(new("complaint"), [ACCEPT, RESOLVE])
    assert order.status is Status.REVIEW_PENDING
    assert decisions[-1].event_names == ["order.resolved", "review.requested"]
    assert refused(order, ("approve_review", "supervisor", True, {})).reason.startswith(
        "a handler cannot"
    )
    assert refused(order, ("reject_review", "supervisor", False, {})).field == "reason"
    order, _ = run(
        order, [("reject_review", "supervisor", False, {"reason": "no call to the customer"})]
    )
    assert order.status is Status.ACCEPTED
    order, _ = run(order, [RESOLVE, ("approve_review", "supervisor", False, {})])
    assert order.status is Status.CALLBACK_PENDING


@pytest.mark.parametrize(
    ("satisfaction", "reopens"), [(1, True), (2, True), (3, False), (5, False)]
)
def test_it_reopens_after_a_dissatisfied_callback_and_raises_a_complaint(satisfaction, reopens):
    order, decisions = run(new("repair"), [ACCEPT, ARRIVE, RESOLVE, callback(satisfaction)])
    if reopens:
        assert (
            order.status is Status.DISPATCHED
            and order.handler_id == REP
            and order.reopen_count == 1
        )
        assert decisions[-1].event_names == [
            "order.callback_done",
            "order.reopened",
            "complaint.raised",
        ]
        order, _ = run(order, [ACCEPT, ARRIVE, RESOLVE, callback(4)])  # the second round
        assert order.status is Status.CLOSED and order.reopen_count == 1
    else:
        assert order.status is Status.CLOSED


def test_it_does_not_raise_a_complaint_about_a_complaint():
    order, _ = run(new("complaint"), [ACCEPT, RESOLVE, ("approve_review", "admin", False, {})])
    _, decisions = run(order, [callback(1)])
    assert decisions[-1].event_names == ["order.callback_done", "order.reopened"]


@pytest.mark.parametrize("bad", [0, 6, "5", True, None, 3.5])
def test_it_refuses_a_satisfaction_outside_1_to_5(bad):
    order, _ = run(new("repair"), [ACCEPT, ARRIVE, RESOLVE])
    problem = refused(order, callback(bad))
    assert (problem.field, problem.reason, problem.status) == ("satisfaction", "must be 1–5", 422)
    assert refused(order, ("callback", "agent", True, {"satisfaction": 4})).reason.startswith(
        "the callback"
    )


def test_it_never_lets_a_rep_refuse_but_lets_them_ask_for_a_transfer():
    order = new("repair")
    problem = refused(order, ("refuse", "rep", True, {}))
    assert problem.reason == REFUSAL and problem.status == 403
    asked, decisions = run(order, [("request_transfer", "rep", True, {"reason": "not my area"})])
    assert asked.transfer_pending and decisions[-1].event_names == ["transfer.requested"]
    assert refused(asked, ACCEPT).reason == "a transfer is pending; wait for the supervisor"
    assert refused(asked, ("approve_transfer", "rep", True, {"handler_id": 8})).status == 403
    denied, _ = run(asked, [("deny_transfer", "supervisor", False, {"reason": "it is your grid"})])
    assert not denied.transfer_pending and denied.status is Status.DISPATCHED
    moved, decisions = run(
        denied,
        [
            ("request_transfer", "rep", True, {"reason": "on leave"}),
            ("approve_transfer", "supervisor", False, {"handler_id": 8}),
        ],
    )
    assert (moved.status, moved.handler_id, moved.transfer_pending) == (Status.DISPATCHED, 8, False)
    assert decisions[-1].event_names == ["transfer.approved", "order.redispatched"]


def test_it_sends_an_approved_transfer_without_a_new_handler_to_the_command_center():
    order, _ = run(
        new("repair"), [ACCEPT, ("request_transfer", "rep", True, {"reason": "water, not power"})]
    )
    order, decisions = run(order, [("approve_transfer", "supervisor", False, {})])
    assert (order.status, order.handler_id) == (Status.UNASSIGNED, None)
    assert decisions[-1].event_names == ["transfer.approved", "order.unassigned"]
    order, _ = run(order, [("dispatch", "agent", False, {"handler_id": 9})])
    assert (order.status, order.handler_id) == (Status.DISPATCHED, 9)


def test_it_keeps_the_handlers_commands_to_the_handler():
    order = new("repair")
    assert (
        refused(order, ("accept", "rep", False, {})).reason
        == "only the order's handler may accept it"
    )
    assert refused(order, ("accept", "viewer", True, {})).status == 403
    assert refused(order, ("accept", "root", True, {})).reason == "unknown role 'root'"
    assert refused(order, ("fly", "rep", True, {})).reason == "unknown command 'fly'"
    assert (
        refused(order, ("arrive", "rep", True, {})).reason
        == "cannot arrive an order that is dispatched"
    )


def test_it_pauses_and_resumes_where_it_paused():
    order, _ = run(
        new("repair"), [ACCEPT, ARRIVE, ("wait_customer", "rep", True, {"reason": "nobody home"})]
    )
    assert order.status is Status.WAITING_CUSTOMER and order.paused_from is Status.ARRIVED
    order, _ = run(order, [("resume", "rep", True, {})])
    assert order.status is Status.ARRIVED and order.paused_from is None


def test_it_merges_duplicates_that_close_with_their_parent():
    order = new("repair")
    assert refused(order, ("merge_into", "agent", False, {"parent_id": 1})).field == "parent_id"
    merged, _ = run(order, [("merge_into", "agent", False, {"parent_id": 42})])
    assert (merged.status, merged.merged_into) == (Status.MERGED, 42)
    assert available_commands(merged, "rep", True) == [Command.ADD_NOTE]
    closed, _ = run(merged, [("close", "admin", False, {})])
    assert closed.status is Status.CLOSED


def test_it_lets_only_supervisors_cancel_and_only_with_a_reason():
    order = new("consultation")
    assert refused(order, ("cancel", "agent", False, {"reason": "x"})).status == 403
    assert refused(order, ("cancel", "supervisor", False, {"reason": "  "})).field == "reason"
    cancelled, _ = run(order, [("cancel", "supervisor", False, {"reason": "customer withdrew"})])
    assert cancelled.status is Status.CANCELLED
    for role in Role:
        assert available_commands(cancelled, role, True) == []


def test_it_records_escalations_and_notes_without_moving_the_order():
    order, _ = run(new("repair"), [ACCEPT])
    escalated, decisions = run(
        order, [("escalate", "admin", False, {"reason": "overdue: arrive", "level": 2})]
    )
    assert escalated == order
    assert (
        decisions[0].events[0].name == "order.escalated"
        and decisions[0].events[0].data["level"] == 2
    )


def test_it_shows_buttons_for_what_the_actor_may_do_now():
    order = new("repair")
    assert available_commands(order, "rep", True) == [
        Command.ACCEPT,
        Command.REQUEST_TRANSFER,
        Command.ESCALATE,
        Command.ADD_NOTE,
    ]
    assert Command.ACCEPT not in available_commands(order, "rep", False)
    assert available_commands(order, "viewer", False) == []
    assert Command.RESOLVE not in available_commands(run(order, [ACCEPT])[0], "rep", True)


def test_it_describes_every_status_and_names_only_known_guards_and_routes():
    for status in Status:
        assert status.label and status.colour and isinstance(status.group, Group)
    for (status, command), rule in TRANSITIONS.items():
        assert command is not Command.REFUSE
        assert set(rule.guards) <= set(GUARDS) and (rule.route is None or rule.route in ROUTES)
        assert rule.roles or rule.handler_roles, (status, command)
        assert status not in (Status.CLOSED, Status.CANCELLED)
    assert all(c.event for c in Command if c is not Command.REFUSE)


ROLES = [str(r) for r in Role]
GOOD_ARGS = st.fixed_dictionaries(
    {
        "reason": st.just("customer asked"),
        "handler_id": st.sampled_from([8, 9]),
        "lat": st.just(30.2),
        "lon": st.just(120.1),
        "resolution": st.just("fixed"),
        "satisfaction": st.integers(1, 5),
        "parent_id": st.just(42),
        "text": st.just("called twice"),
    }
)
ANY_ARGS = st.fixed_dictionaries(
    {},
    optional={
        "reason": st.sampled_from(["", "customer asked", "  "]),
        "handler_id": st.sampled_from([None, REP, 8, 0, True]),
        "lat": st.sampled_from([30.2, 91, "x"]),
        "lon": st.sampled_from([120.1, -181]),
        "resolution": st.sampled_from(["", "fixed"]),
        "satisfaction": st.sampled_from([0, 1, 2, 3, 5, 6, "4"]),
        "parent_id": st.sampled_from([1, 42, -3]),
        "text": st.sampled_from(["", "called twice"]),
    },
)
ARGS = st.one_of(GOOD_ARGS, GOOD_ARGS, ANY_ARGS)  # valid arguments two times in three


def check_invariants(
    before: OrderFacts, command: Command, role: str, is_handler: bool, decision: Decision
) -> None:
    rule = TRANSITIONS[(before.status, command)]
    assert decision.status in rule.targets
    assert role in rule.roles or (is_handler and role in rule.handler_roles)
    assert command in available_commands(before, role, is_handler)
    assert decision.events and decision.events[0].name == command.event
    after = apply(before, decision)
    assert not after.transfer_pending or after.status in (Status.DISPATCHED, Status.ACCEPTED)
    assert (after.paused_from is not None) == (after.status is Status.WAITING_CUSTOMER)
    finished = after.status in (Status.MERGED, Status.CANCELLED, Status.CLOSED)
    assert finished or (after.handler_id is None) == (after.status is Status.UNASSIGNED)
    merged = after.merged_into is not None
    assert merged == (after.status is Status.MERGED) or (merged and after.status is Status.CLOSED)
    assert after.reopen_count >= before.reopen_count
    if command is Command.RESOLVE and before.needs_arrival:
        assert before.status is Status.ARRIVED
    if after.is_complaint and after.status is Status.CALLBACK_PENDING:
        assert before.status in (Status.REVIEW_PENDING, Status.CALLBACK_PENDING)


@cache
def offers(order: OrderFacts) -> dict[Command, list[tuple[str, bool]]]:
    actors: dict[Command, list[tuple[str, bool]]] = {}
    for role in ROLES:
        for is_handler in (True, False):
            for command in available_commands(order, role, is_handler):
                actors.setdefault(command, []).append((role, is_handler))
    return actors


def guided_pick(order: OrderFacts, pick: int) -> tuple[str, bool, Command]:
    actors = offers(order)
    if not actors:  # closed or cancelled: nobody may do anything
        return "admin", False, Command.ADD_NOTE
    # Mostly move forward: notes, escalations and transfers in place, or ending the walk early
    # by cancelling or merging, would leave the later statuses untried.
    forward = {
        c: a
        for c, a in actors.items()
        if c not in (Command.CANCEL, Command.MERGE_INTO)
        and set(TRANSITIONS[(order.status, c)].targets) != {order.status}
    }
    if pick % 5 and forward:
        actors = forward
    command = sorted(actors)[pick % len(actors)]
    role, is_handler = actors[command][pick // len(actors) % len(actors[command])]
    return role, is_handler, command


STEPS = st.lists(
    st.tuples(st.sampled_from(ROLES), st.booleans(), st.booleans(), st.integers(0, 999), ARGS),
    min_size=5,
    max_size=50,
)


@settings(max_examples=100, deadline=None)
@given(category=st.sampled_from(list(Category)), handler=st.sampled_from([None, REP]), steps=STEPS)
def test_it_never_reaches_an_invalid_state_under_random_commands(category, handler, steps):
    order = new(category, handler)
    for role, is_handler, guided, pick, args in steps:
        if guided:  # a command someone may give now, so walks get deep into the flow
            role, is_handler, command = guided_pick(order, pick)
        else:
            command = list(Command)[pick % len(Command)]
        offered = available_commands(order, role, is_handler)
        try:
            decision = decide(
                order, command, actor_role=role, actor_is_handler=is_handler, args=args
            )
        except TransitionRefused as refusal:
            assert command in offered or refusal.status in (403, 409)
            if command is Command.REFUSE and role == "rep":
                assert refusal.reason == REFUSAL
            continue
        assert command in offered
        check_invariants(order, command, role, is_handler, decision)
        order = apply(order, decision)


def test_it_lets_only_what_needs_no_visit_review_or_rep_be_answered_at_intake():
    assert {c for c in Category if answerable(c)} == {Category.CONSULTATION, Category.SUGGESTION, Category.PRAISE}
    assert not any(answerable(c) and (s.needs_arrival or s.needs_review) for c, s in DEFAULT_CATEGORY_STEPS.items())
    assert not answerable("gossip")
    # A deployment's own steps decide: a water company may answer reconnection questions too.
    assert answerable("reconnection", {**DEFAULT_CATEGORY_STEPS, "reconnection": CategorySteps(needs_arrival=False, needs_callback=True, answerable=True)})


@given(st.integers(min_value=1, max_value=10**6), st.one_of(st.none(), st.integers(min_value=1, max_value=10**6)))
def test_an_answered_demand_is_closed_as_it_is_taken_by_whoever_answered_it(answerer, article):
    decided = on_create_answered(answerer, article)
    assert decided.status is Status.CLOSED and decided.status.group is Group.CLOSED
    assert decided.event_names == ["order.created", "order.answered"] and decided.changes == {"handler_id": answerer}
    assert ("article_id" in decided.events[1].data) is (article is not None)
    # Closed: no command but a note moves it, so nobody is dispatched to it later.
    facts = apply(OrderFacts.for_category("consultation", Status.UNASSIGNED), decided)
    assert set(available_commands(facts, "supervisor", actor_is_handler=False)) <= {Command.ADD_NOTE}


def test_a_score_of_two_or_less_leaves_the_customer_unsettled_whether_a_callback_or_a_survey_gave_it():
    assert [s for s in range(1, 6) if unsettled(s)] == [1, 2]
    called_back = OrderFacts.for_category("consultation", Status.CALLBACK_PENDING, handler_id=REP)
    for score in range(1, 6):
        decided = decide(called_back, Command.CALLBACK, actor_role="agent", actor_is_handler=False, args={"satisfaction": score})
        assert (decided.status is not Status.CLOSED) is unsettled(score)


def test_the_steps_ahead_at_the_door_start_where_the_handler_may_act_now():
    from gridcare.workorders.states import Command, OrderFacts, Status, steps_ahead

    def ahead(category, status, **kw):
        return [c.value for c in steps_ahead(OrderFacts.for_category(category, status, handler_id=7, **kw), "rep", True)]

    assert ahead("repair", Status.DISPATCHED) == ["accept", "arrive", "resolve"]
    assert ahead("repair", Status.ACCEPTED) == ["arrive", "resolve"]
    assert ahead("complaint", Status.ACCEPTED) == ["resolve"]  # answered by contacting the customer: no visit
    assert ahead("repair", Status.ARRIVED) == ["resolve"]
    assert ahead("repair", Status.ACCEPTED, transfer_pending=True) == []  # the supervisor decides first
    assert ahead("repair", Status.WAITING_CUSTOMER) == [] and ahead("repair", Status.CALLBACK_PENDING) == []
    assert [c.value for c in steps_ahead(OrderFacts.for_category("repair", Status.DISPATCHED, handler_id=7), "rep", False)] == []  # not theirs
    assert Command.ACCEPT in steps_ahead(OrderFacts.for_category("consultation", Status.DISPATCHED, handler_id=7), "expert", True)
