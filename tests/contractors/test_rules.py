"""The spot-check sample (size rule, determinism, top-ups) and the contractor scorecard."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridcare.contractors import rules
from gridcare.core.errors import InvalidInput

ids = st.sets(st.integers(min_value=1, max_value=10_000), max_size=300)
shares = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)


@given(n=st.integers(min_value=0, max_value=5000), min_n=st.integers(min_value=0, max_value=50), share=shares)
def test_it_sizes_the_sample_as_max_of_min_and_share_capped_at_n(n, min_n, share):
    size = rules.sample_size(n, rules.SampleRule(min_n, share))
    assert 0 <= size <= n
    if n:
        assert size == min(n, max(min_n, math.ceil(round(share * n, 9))))
        assert size >= min(n, min_n) and size >= math.ceil(share * n - 1e-6)


def test_it_sizes_known_cases():
    rule = rules.SampleRule(3, 0.1)
    assert [rules.sample_size(n, rule) for n in (0, 1, 2, 3, 10, 30, 31, 100, 1000)] == [0, 1, 2, 3, 3, 3, 4, 10, 100]


@given(pool=ids, size=st.integers(min_value=0, max_value=400), seed=st.integers(min_value=0, max_value=2**31))
def test_it_draws_the_same_sample_for_the_same_ids_and_seed_whatever_their_order(pool, size, seed):
    forward = rules.draw_sample(sorted(pool), size, seed=seed)
    backward = rules.draw_sample(sorted(pool, reverse=True), size, seed=seed)
    assert forward == backward
    assert len(forward) == min(size, len(pool)) and len(set(forward)) == len(forward) and set(forward) <= pool


@given(pool=st.sets(st.integers(min_value=1, max_value=10_000), min_size=1, max_size=300), min_n=st.integers(min_value=0, max_value=20), share=shares,
       seed=st.integers(min_value=0, max_value=2**31), first=st.floats(min_value=0, max_value=1))
def test_it_tops_the_sample_up_to_the_rule_over_all_completed_items(pool, min_n, share, seed, first):
    rule = rules.SampleRule(min_n, share)
    done = sorted(pool)
    early = done[: max(1, int(len(done) * first))]
    drawn = rules.top_up(early, [], rule, seed=seed)
    more = rules.top_up(done, drawn, rule, seed=seed)
    assert not set(drawn) & set(more)
    assert len(drawn) + len(more) == max(rules.sample_size(len(done), rule), len(drawn))
    assert more == rules.top_up(done, drawn, rule, seed=seed)  # reproducible


def test_it_draws_different_samples_for_different_seeds():
    pool = range(1, 201)
    assert rules.draw_sample(pool, 20, seed=1) != rules.draw_sample(pool, 20, seed=2)


def test_it_refuses_a_bad_sample_rule_naming_the_field():
    with pytest.raises(InvalidInput) as caught:
        rules.SampleRule(3, 1.5)
    assert caught.value.problems[0].field == "sample_share"


T0 = datetime(2026, 11, 1, tzinfo=UTC)


def test_it_scores_a_contractor_from_known_records():
    record = rules.ContractorRecord(
        passed=8, failed=2,  # 80
        feedback=(5, 4, 3),  # mean 4 → 75
        completed=((T0, T0 + timedelta(days=1)),) * 3 + ((T0 + timedelta(days=2), T0 + timedelta(days=1)),),  # 3 of 4 on time → 75
        ratings=(5,),  # 100
    )
    card = rules.scorecard(record)
    assert card.components == {"spot_checks": 80.0, "feedback": 75.0, "timeliness": 75.0, "rating": 100.0}
    assert card.score == pytest.approx(0.4 * 80 + 0.2 * 75 + 0.2 * 75 + 0.2 * 100) and card.grade == "B"
    heavy = rules.scorecard(record, rules.parse_weights("spot_checks=1,feedback=0,timeliness=0,rating=0"))
    assert heavy.score == 80.0


def test_it_leaves_out_components_without_data_instead_of_marking_them_down():
    card = rules.scorecard(rules.ContractorRecord(passed=1, failed=1))
    assert card.score == 50.0 and card.components["feedback"] is None
    assert rules.scorecard(rules.ContractorRecord()).score is None and rules.scorecard(rules.ContractorRecord()).grade == "-"


@pytest.mark.parametrize("text", ["spot=1", "feedback=x", "rating=-1", "spot_checks=0,feedback=0,timeliness=0,rating=0"])
def test_it_refuses_bad_weights_naming_the_field(text):
    with pytest.raises(InvalidInput) as caught:
        rules.parse_weights(text)
    assert caught.value.problems[0].field == "weights"


def test_it_moves_projects_through_their_states_only_by_allowed_commands():
    assert rules.next_status("planned", "start") == "active" and rules.next_status("active", "complete") == "completed"
    with pytest.raises(InvalidInput):
        rules.next_status("completed", "cancel")
    assert rules.available("planned") == ["start", "cancel"]
