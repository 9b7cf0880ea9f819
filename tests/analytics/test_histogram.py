"""Percentiles read from duration histograms stay within the stated error of the raw ones."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridcare.analytics import histogram, kpis


def counts_of(values: list[float]) -> list[tuple[int, int]]:
    out: dict[int, int] = {}
    for v in values:
        b = histogram.bucket(v)
        out[b] = out.get(b, 0) + 1
    return list(out.items())


def within(found: float, exact: float) -> bool:
    return abs(found - exact) <= histogram.RELATIVE_ERROR * abs(exact) + histogram.ABSOLUTE_ERROR + 1e-9


durations = st.lists(st.floats(min_value=0, max_value=40 * 86400, allow_nan=False), min_size=1, max_size=300)


@given(durations, st.floats(min_value=0, max_value=100))
def test_a_percentile_from_the_buckets_is_within_the_relative_error(values, q):
    assert within(histogram.percentile(counts_of(values), q), kpis.percentile(values, q))


@given(st.floats(min_value=1, max_value=1e8, allow_nan=False))
def test_every_value_is_within_the_error_of_its_bucket(seconds):
    assert abs(histogram.value(histogram.bucket(seconds)) - seconds) <= histogram.RELATIVE_ERROR * seconds * (1 + 1e-9)


def test_buckets_are_ordered_like_the_values():
    assert [histogram.bucket(s) for s in (0, 0.5, 1, 1.02, 1.03, 60, 3600)] == sorted(histogram.bucket(s) for s in (0, 0.5, 1, 1.02, 1.03, 60, 3600))
    assert histogram.bucket(0.99) == 0 and histogram.bucket(1) == 1 and histogram.bucket(1.021) == 2


def test_no_values_no_percentile_and_q_is_checked():
    assert histogram.percentile([], 50) is None
    with pytest.raises(ValueError):
        histogram.percentile([(3, 1)], 101)
