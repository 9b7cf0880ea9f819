"""The detector on hand-made and generated series: flat series never alert, a big spike
always does, the score is scale-free where the MAD (not Poisson noise) sets the spread,
and sparse cells need real evidence."""

from __future__ import annotations

import math
from datetime import date

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from gridcare.alerts import detector
from gridcare.alerts.detector import DEFAULTS, Series, build_series, detect, judge

counts_ = st.integers(min_value=0, max_value=500)
history_ = st.lists(counts_, min_size=DEFAULTS.min_history, max_size=60)


@given(level=counts_, n=st.integers(min_value=DEFAULTS.min_history, max_value=60))
def test_it_never_alerts_on_a_constant_series(level, n):
    j = judge([level] * n, level)
    assert not j.flagged and j.score <= 0


@given(history=history_)
def test_it_always_flags_a_large_spike(history):
    spike = 10 * max(history) + 20
    j = judge(history, spike)
    assert j.flagged and j.upper < spike and j.expected <= max(history) + DEFAULTS.min_rate


@settings(max_examples=200)
@given(base=st.integers(min_value=50, max_value=300), spread=st.integers(min_value=10, max_value=60), bump=st.integers(min_value=-50, max_value=400),
       factor=st.integers(min_value=2, max_value=10), n=st.integers(min_value=2, max_value=7))
def test_it_is_scale_free_where_the_spread_of_the_history_sets_the_band(base, spread, bump, factor, n):
    assume(detector.MAD_SCALE * spread >= math.sqrt(base))  # the MAD, not Poisson noise, sets the spread
    history = [base - spread, base, base + spread] * n  # median = base, MAD = spread
    observed = base + bump
    small, large = judge(history, observed), judge([v * factor for v in history], observed * factor)
    assert large.score == pytest.approx(small.score)
    assert large.flagged == small.flagged


def test_it_needs_more_than_one_order_in_a_sparse_cell():
    quiet = [0] * 50 + [1] * 6  # an hour that sees a repair about once in nine days
    assert not judge(quiet, 1).flagged and not judge(quiet, 2).flagged
    assert judge(quiet, 4).flagged
    j = judge(quiet, 4)
    assert j.expected == pytest.approx(5 / 55) or j.expected == DEFAULTS.min_rate
    assert j.p_value < DEFAULTS.alpha


def test_it_uses_poisson_noise_when_the_history_is_flat():
    # Eight weeks of exactly ten orders: MAD is 0, yet 14 is ordinary Poisson noise at 10.
    assert not judge([10] * 8, 14).flagged
    assert judge([10] * 8, 30).flagged


def test_it_does_not_judge_a_series_without_enough_history():
    assert not judge([0, 0], 50).flagged


def test_it_builds_same_weekday_and_same_hour_series_with_zeros_for_missing_cells():
    day = date(2026, 11, 24)
    counts = {("G1", "repair", date(2026, 11, 17), None): 2, ("G1", "repair", day, None): 9, ("G1", "repair", date(2026, 11, 23), 10): 1, ("G1", "repair", day, 10): 5}
    [daily] = build_series(counts, day=day, hour=None)
    assert daily.history == (0,) * 7 + (2,) and daily.observed == 9 and daily.history_days[-1] == date(2026, 11, 17)
    [hourly] = build_series(counts, day=day, hour=10)
    assert len(hourly.history) == 56 and hourly.history[-1] == 1 and hourly.observed == 5


def test_it_returns_flags_with_their_evidence_highest_score_first():
    day = date(2026, 11, 24)
    series = [Series("G1", "repair", day, None, (1,) * 8, 9), Series("G2", "repair", day, None, (1,) * 8, 20), Series("G3", "repair", day, None, (1,) * 8, 1)]
    flags = detect(series)
    assert [f.series.grid for f in flags] == ["G2", "G1"]
    ev = flags[0].evidence
    assert ev["history"] == [1] * 8 and ev["observed"] == 20 and ev["expected"] == 1.0 and ev["lower"] <= 1.0 < ev["upper"] < 20


def test_its_settings_are_data():
    strict = detector.Settings(min_count=30)
    assert judge([1] * 8, 20).flagged and not judge([1] * 8, 20, strict).flagged


def test_the_poisson_tail_matches_values_worked_out_by_hand():
    import math

    from gridcare.alerts.detector import poisson_isf, poisson_sf

    assert math.isclose(poisson_sf(2, 1.0), 1 - math.exp(-1) * 2.5, rel_tol=1e-12)
    assert math.isclose(poisson_sf(0, 3.0), 1 - math.exp(-3), rel_tol=1e-12)
    assert math.isclose(poisson_sf(10, 1.0), sum(math.exp(-1) / math.factorial(i) for i in range(11, 40)), rel_tol=1e-9)
    assert poisson_sf(-1, 2.0) == 1.0 and poisson_sf(3, 0.0) == 0.0
    # The smallest k with P(X > k) ≤ alpha: P(X > 4 | 1) ≈ 0.00366, P(X > 5 | 1) ≈ 0.000594.
    assert poisson_isf(0.001, 1.0) == 5 and poisson_isf(0.004, 1.0) == 4
