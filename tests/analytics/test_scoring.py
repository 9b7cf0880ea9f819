"""Scorecard arithmetic: measure scores, weighted totals over the measures present, ranking."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gridcare.analytics import scoring
from gridcare.core.errors import InvalidInput


def test_it_turns_each_measure_into_a_score():
    assert scoring.measure_score("sla_compliance", 0.93) == pytest.approx(93)
    assert scoring.measure_score("satisfaction", 4.5) == pytest.approx(90)
    assert scoring.measure_score("complaints_per_10k", 2.5) == 75 and scoring.measure_score("complaints_per_10k", 40) == 0
    assert scoring.measure_score("nrw", 0.15) == pytest.approx(70)
    assert scoring.measure_score("collection_rate", 1.05) == 100
    assert scoring.measure_score("rating_departments", 88) == 88 and scoring.measure_score("read_rate", None) is None


def test_it_weights_only_the_measures_a_subject_has():
    weights = {"sla_compliance": 20, "nrw": 10, "rating_key_customers": 10}
    electric = {"sla_compliance": 0.9, "nrw": None, "rating_key_customers": 60}
    assert scoring.total(electric, weights) == pytest.approx((20 * 90 + 10 * 60) / 30)
    assert scoring.total({}, weights) is None


def test_it_ranks_ties_together_and_the_unscored_last():
    assert scoring.ranked([(1, 80.0), (2, 90.0), (3, 80.0), (4, None), (5, 70.0)]) == {2: 1, 1: 2, 3: 2, 5: 4, 4: 5}


@settings(deadline=None)
@given(st.dictionaries(st.sampled_from([m.key for m in scoring.MEASURES]), st.floats(min_value=0, max_value=1)))
def test_it_keeps_totals_between_0_and_100(values):
    found = scoring.total(values, scoring.DEFAULT_WEIGHTS)
    assert found is None or 0 <= found <= 100


def test_it_refuses_bad_weights_and_ratings_naming_the_field():
    with pytest.raises(InvalidInput) as info:
        scoring.check_weights({"sla_compliance": "lots", "nrw": -1, "bogus": 3})
    assert {p.field for p in info.value.problems} == {"sla_compliance", "nrw", "bogus"}
    with pytest.raises(InvalidInput) as info:
        scoring.check_weights({m.key: 0 for m in scoring.MEASURES})
    assert info.value.problems[0].field == "weights"
    with pytest.raises(InvalidInput) as info:
        scoring.check_rating("team", "mayor", 120)
    assert [p.field for p in info.value.problems] == ["subject_kind", "rater", "score"]
