"""QA rules: scoring against a checklist, sampling per line and agent, results."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from gridcare.calls import qa

ITEMS = [{"key": "greeting", "label": "Greeting", "weight": 10}, {"key": "accuracy", "label": "Accuracy", "weight": 20}]


def test_it_totals_a_complete_score():
    scored = qa.score(ITEMS, {"greeting": 8, "accuracy": "20"})
    assert isinstance(scored, qa.Scored) and scored.total == 28 and scored.max_total == 30 and scored.passed


def test_it_names_every_bad_item():
    problems = qa.score(ITEMS, {"greeting": 11, "courtesy": 5, "accuracy": 2.5})
    assert isinstance(problems, list)
    assert {p.field for p in problems} == {"scores.greeting", "scores.courtesy", "scores.accuracy"}
    assert "from 0 to 10" in next(p.reason for p in problems if p.field == "scores.greeting")
    missing = qa.score(ITEMS, {"greeting": 5})
    assert [p.field for p in missing] == ["scores.accuracy"] and missing[0].reason == "is missing"
    assert [p.field for p in qa.score(ITEMS, {"greeting": True, "accuracy": "x"})] == ["scores.greeting", "scores.accuracy"]


def test_it_ships_a_default_checklist_of_one_hundred_points():
    assert qa.checklist_problems(qa.DEFAULT_ITEMS) == []
    assert sum(i["weight"] for i in qa.DEFAULT_ITEMS) == 100


def test_it_checks_a_checklist_before_it_is_used():
    bad = [{"key": "a", "label": "", "weight": 0}, {"key": "a", "label": "x", "weight": 5}]
    assert {p.field for p in qa.checklist_problems(bad)} == {"items[0].label", "items[0].weight", "items[1].key"}
    assert qa.checklist_problems([])[0].field == "items"


def test_it_samples_every_line_and_agent_at_least_once():
    calls = [qa.Candidate(i, "hotline", "3") for i in range(1, 101)] + [qa.Candidate(200, "7", "3"), qa.Candidate(201, "hotline", "4")]
    chosen = qa.sample(calls, 5)
    assert len([c for c in chosen if c <= 100]) == 5
    assert 200 in chosen and 201 in chosen
    assert qa.sample(list(reversed(calls)), 5) == chosen  # a hash of the ids, not the order


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 10_000), st.sampled_from(["hotline", "1", "2"]), st.sampled_from(["", "3", "4"])), unique_by=lambda t: t[0], max_size=60), st.floats(0.5, 100))
def test_it_samples_the_asked_share_of_each_group(rows, percent):
    import math

    calls = [qa.Candidate(*r) for r in rows]
    chosen = set(qa.sample(calls, percent))
    groups: dict[tuple[str, str], list[int]] = {}
    for c in calls:
        groups.setdefault((c.line, c.agent), []).append(c.call_id)
    for ids in groups.values():
        assert len(chosen & set(ids)) == max(1, math.ceil(len(ids) * percent / 100))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 10_000), st.sampled_from(["hotline", "1"]), st.sampled_from(["", "3"]), st.one_of(st.none(), st.integers(1, 5))), unique_by=lambda t: t[0], max_size=60), st.floats(0.5, 100))
def test_every_dissatisfied_caller_is_sampled_on_top_of_the_share(rows, percent):
    rated = [qa.Candidate(*r) for r in rows]
    unrated = [qa.Candidate(c.call_id, c.line, c.agent) for c in rated]
    low = {c.call_id for c in rated if c.rating is not None and c.rating <= 2}
    assert set(qa.sample(rated, percent)) == set(qa.sample(unrated, percent)) | low


def test_a_dissatisfied_caller_is_one_who_rated_two_or_less():
    assert [qa.dissatisfied(r) for r in (None, 1, 2, 3, 5)] == [False, True, True, False, False]


def test_it_ranks_results_worst_first_with_pass_rates():
    found = qa.results([("a", 90, 100), ("a", 70, 100), ("b", 95, 100), ("c", 30, 50)])
    assert [r.key for r in found] == ["c", "a", "b"]
    a = next(r for r in found if r.key == "a")
    assert (a.scored, a.average, a.passed, a.lowest, a.highest, a.pass_rate) == (2, 80.0, 1, 70.0, 90.0, 0.5)
