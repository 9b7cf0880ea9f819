"""Call routing from facts: outage answer, then the grid's rep, then experts, then the queue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from gridcare.calls.routing import (
    Destination,
    OutageFact,
    RouteFacts,
    Seat,
    SeatStatus,
    effective_status,
    route,
)

NOW = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
REP = Seat(user_id=5, name="张台区经理", extension="8301", phone="+8613800000005", status=SeatStatus.AVAILABLE)
EXPERT = Seat(user_id=4, name="陈专家", extension="8101", phone=None, status=SeatStatus.AVAILABLE)


def facts(**kw) -> RouteFacts:
    base = {"customers": 1, "grid_codes": ("E-WEST",), "rep": REP, "experts": (EXPERT,), "outage": None}
    return RouteFacts(**(base | kw))


def test_it_sends_the_call_to_the_grid_rep_on_duty_and_free():
    r = route(facts())
    assert r.destination is Destination.REP and r.seat == REP and "E-WEST" in r.reason


def test_it_sends_it_to_a_rep_without_an_extension_by_phone_when_not_on_another_call():
    no_ext = Seat(user_id=5, name="张台区经理", extension=None, phone="+8613800000005", status=None)
    assert route(facts(rep=no_ext)).destination is Destination.REP
    assert route(facts(rep=Seat(**{**no_ext.__dict__, "on_call": True}))).destination is Destination.EXPERT


def test_it_goes_to_an_expert_when_the_rep_is_off_duty_busy_or_away():
    for rep in (
        Seat(**{**REP.__dict__, "on_duty": False}),
        Seat(**{**REP.__dict__, "status": SeatStatus.BUSY}),
        Seat(**{**REP.__dict__, "status": SeatStatus.AWAY}),
        Seat(**{**REP.__dict__, "on_call": True}),
    ):
        r = route(facts(rep=rep))
        assert r.destination is Destination.EXPERT and r.seat == EXPERT
        assert "张台区经理" in r.reason


def test_it_names_why_in_the_reason():
    assert "off duty" in route(facts(rep=Seat(**{**REP.__dict__, "on_duty": False}))).reason
    assert "matches no customer" in route(facts(customers=0, grid_codes=(), rep=None)).reason
    assert "2 grids" in route(facts(grid_codes=("E-EAST", "E-WEST"), rep=None)).reason
    assert "has no rep" in route(facts(rep=None)).reason


def test_it_falls_back_to_the_general_queue_when_no_expert_is_free():
    busy_expert = Seat(**{**EXPERT.__dict__, "status": SeatStatus.BUSY})
    r = route(facts(rep=None, experts=(busy_expert,)))
    assert r.destination is Destination.GENERAL and r.seat is None and "no expert seat is free" in r.reason


def test_it_picks_the_first_free_expert_in_the_given_order():
    other = Seat(user_id=9, name="王专家", extension="8102", phone=None, status=SeatStatus.AVAILABLE)
    away = Seat(**{**EXPERT.__dict__, "status": SeatStatus.AWAY})
    assert route(facts(rep=None, experts=(away, other))).seat == other


def test_it_answers_callers_inside_an_outage_first():
    outage = OutageFact(id=7, title="10kV 测试线故障停电", eta=NOW + timedelta(hours=2))
    r = route(facts(outage=outage))
    assert r.destination is Destination.OUTAGE and r.outage == outage and r.seat is None


def test_it_ends_after_call_work_on_its_own():
    since = NOW - timedelta(seconds=30)
    assert effective_status("after_call", since, NOW) is SeatStatus.AFTER_CALL
    assert effective_status("after_call", NOW - timedelta(minutes=5), NOW) is SeatStatus.AVAILABLE
    assert effective_status("busy", NOW - timedelta(hours=5), NOW) is SeatStatus.BUSY
    assert effective_status("nonsense", since, NOW) is SeatStatus.AWAY
