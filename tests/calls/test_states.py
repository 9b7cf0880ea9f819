"""The call state machine: a fold over distinct events, whatever order they came in."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gridcare.calls.states import CtiEvent, Kind, Outcome, State, dedupe_key, derive

T0 = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)


def ev(kind: str, seconds: float, **kw: object) -> CtiEvent:
    return CtiEvent(kind=Kind(kind), at=T0 + timedelta(seconds=seconds), **kw)


def test_it_follows_an_answered_call_to_its_end_with_wait_and_handling_time():
    facts = derive([ev("ringing", 0, caller="13812345678", agent_extension="8001"), ev("answered", 12), ev("ended", 192, recording_url="http://pbx/r.wav")])
    assert facts.state is State.ENDED and facts.outcome is Outcome.ANSWERED
    assert (facts.wait_seconds, facts.duration_seconds) == (12, 180)
    assert facts.agent_extension == "8001" and facts.recording_url == "http://pbx/r.wav" and facts.caller == "13812345678"


def test_it_counts_a_call_that_ended_unanswered_as_abandoned_with_its_wait():
    facts = derive([ev("ringing", 0), ev("ended", 40)])
    assert facts.outcome is Outcome.ABANDONED and facts.wait_seconds == 40 and facts.duration_seconds is None


def test_it_takes_ended_before_answered_as_the_same_call():
    in_order = derive([ev("ringing", 0), ev("answered", 5), ev("ended", 65)])
    out_of_order = derive([ev("ended", 65), ev("answered", 5), ev("ringing", 0)])
    assert in_order == out_of_order and out_of_order.outcome is Outcome.ANSWERED


def test_it_hands_the_call_to_the_transfer_target():
    facts = derive([ev("ringing", 0, agent_extension="8001"), ev("answered", 3, agent_extension="8001"), ev("transferred", 30, agent_extension="8101")])
    assert facts.state is State.TRANSFERRED and facts.agent_extension == "8101" and facts.transfers == 1
    answered_again = derive([*[ev("ringing", 0, agent_extension="8001"), ev("answered", 3, agent_extension="8001"), ev("transferred", 30, agent_extension="8101")], ev("answered", 36, agent_extension="8101")])
    assert answered_again.state is State.ANSWERED and answered_again.answered_at == T0 + timedelta(seconds=3)


def test_it_starts_a_call_known_only_by_its_end_at_that_end():
    facts = derive([ev("ended", 10)])
    assert facts.started_at == T0 + timedelta(seconds=10) and facts.wait_seconds == 0 and facts.outcome is Outcome.ABANDONED


def test_it_needs_an_event():
    with pytest.raises(ValueError):
        derive([])


def test_it_keys_an_event_by_the_pbx_id_or_by_what_happened_when():
    assert dedupe_key(call_id="c1", kind=Kind.RINGING, at=T0, event_id="e-9") == "id:e-9"
    assert dedupe_key(call_id="c1", kind=Kind.RINGING, at=T0, event_id=None) == dedupe_key(call_id="c1", kind=Kind.RINGING, at=T0, event_id="")
    assert dedupe_key(call_id="c1", kind=Kind.RINGING, at=T0, event_id=None) != dedupe_key(call_id="c1", kind=Kind.ANSWERED, at=T0, event_id=None)


def test_it_gives_the_local_day_and_hour_of_the_start():
    facts = derive([CtiEvent(kind=Kind.RINGING, at=datetime(2026, 11, 24, 16, 30, tzinfo=UTC))])
    assert (facts.local_day, facts.local_hour) == ("2026-11-25", 0)


extensions = st.sampled_from(["", "8001", "8002", "8101"])
events = st.builds(
    CtiEvent,
    kind=st.sampled_from(list(Kind)),
    at=st.integers(0, 600).map(lambda s: T0 + timedelta(seconds=s)),
    caller=st.sampled_from(["", "13812345678"]),
    queue=st.sampled_from(["", "general", "expert"]),
    agent_extension=extensions,
    recording_url=st.sampled_from(["", "http://pbx/a.wav"]),
    score=st.sampled_from([None, 1, 3, 5, 9]),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(events, min_size=1, max_size=8), st.randoms(use_true_random=False))
def test_it_derives_the_same_call_from_any_order_and_any_repeats(evts, rnd):
    shuffled = list(evts)
    rnd.shuffle(shuffled)
    repeated = shuffled + rnd.sample(shuffled, k=rnd.randint(0, len(shuffled)))
    assert derive(shuffled) == derive(evts) == derive(repeated)


@settings(max_examples=300, deadline=None)
@given(st.lists(events, min_size=1, max_size=8))
def test_it_keeps_the_invariants_of_a_call(evts):
    facts = derive(evts)
    kinds = {e.kind for e in evts}
    assert (facts.state is State.ENDED) == (Kind.ENDED in kinds)
    assert (facts.outcome is not None) == (Kind.ENDED in kinds)
    if facts.outcome is not None:
        assert (facts.outcome is Outcome.ANSWERED) == (Kind.ANSWERED in kinds)
    assert facts.started_at == min(e.at for e in evts)
    assert facts.transfers == len({e for e in evts if e.kind is Kind.TRANSFERRED})
    assert facts.wait_seconds is None or facts.wait_seconds >= 0
    assert facts.duration_seconds is None or facts.duration_seconds >= 0
    if facts.state is State.RINGING:
        assert kinds - {Kind.SURVEY} <= {Kind.RINGING}  # a survey (even one come first) moves no call on
    rated = [e for e in evts if e.kind is Kind.SURVEY and e.score in range(1, 6)]
    assert (facts.satisfaction is None) == (not rated)
    if rated:
        assert facts.satisfaction == max(rated, key=CtiEvent.sort_key).score


def test_a_survey_rates_the_call_without_changing_its_state_or_times():
    ended = [ev("ringing", 0), ev("answered", 10, agent_extension="8001"), ev("ended", 130)]
    rated = derive([*ended, ev("survey", 150, score=4)])
    assert rated == replace(derive(ended), satisfaction=4)
    assert derive([*ended, ev("survey", 150, score=4), ev("survey", 160, score=2)]).satisfaction == 2  # they pressed again
    assert derive([*ended, ev("survey", 150, score=0)]).satisfaction is None
