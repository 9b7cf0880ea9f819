"""The agents' month: flags on enough evidence, against the team where that is fairer. Pure rules."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from gridcare.calls import appraisal
from gridcare.calls.appraisal import AgentMonth
from gridcare.calls.stats import Figures


def agent(user_id, *, answered=0, talk=0, rated=0, rating=0, **kw):
    """An agent who answered ``answered`` calls of ``talk`` seconds, ``rated`` of them rated ``rating``."""
    calls = Figures(answered=answered, handling=answered * talk, rated=rated, rating_sum=rated * rating)
    return AgentMonth(user_id, f"座席{user_id}", f"a{user_id}", calls, **kw)


def test_each_flag_needs_its_evidence():
    steady = agent(1, answered=40, talk=180, rated=20, rating=5, qa_scored=3, qa_average=92.0, shifts_begun=10, on_time=10)
    slow = agent(2, answered=40, talk=400, rated=20, rating=3, qa_scored=2, qa_average=70.0, shifts_begun=10, on_time=6, absent=1)
    quiet = agent(3, answered=5, talk=900, rated=3, rating=1, shifts_begun=2, on_time=0, absent=0)
    listed, team = appraisal.appraise([steady, slow, quiet])
    assert [(a.user_id, a.flags) for a in listed] == [(2, ["absent", "late", "qa_fail", "rating_low", "aht_high"]), (1, []), (3, [])]
    assert team.answered == 85 and team.aht_median == (180 + 400) / 2 and team.absent == 1
    assert team.rating == (100 + 60 + 3) / 43 and team.on_time_rate == 16 / 22 and team.qa_average == (92 * 3 + 70 * 2) / 5


def test_a_slow_month_for_everyone_flags_no_one():
    everyone = [agent(i, answered=30, talk=600) for i in range(1, 4)]
    assert all(a.flags == [] for a in appraisal.appraise(everyone)[0])


def test_no_agents_no_team():
    listed, team = appraisal.appraise([])
    assert listed == [] and team == appraisal.Team(0, None, None, None, None, None, None, 0)


@given(st.lists(st.tuples(st.integers(0, 200), st.integers(0, 900), st.integers(0, 50), st.integers(0, 12), st.integers(0, 3)), max_size=8))
def test_flags_are_known_and_the_worst_come_first(rows):
    agents = [
        agent(i, answered=n, talk=talk, rated=r, rating=4, shifts_begun=b, on_time=max(0, b - absent), absent=min(absent, b))
        for i, (n, talk, r, b, absent) in enumerate(rows)
    ]
    listed, team = appraisal.appraise(agents)
    assert sorted(a.user_id for a in listed) == list(range(len(rows)))
    assert all(f in appraisal.FLAGS for a in listed for f in a.flags)
    assert [len(a.flags) for a in listed] == sorted((len(a.flags) for a in listed), reverse=True)
    assert all(("absent" in a.flags) == (a.absent > 0) for a in listed)
    assert team.answered == sum(n for n, *_ in rows)
