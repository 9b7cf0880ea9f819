"""Duration histograms with a guaranteed relative error, so medians and p90s of millions of
orders can be read from a rollup instead of sorting the raw orders.

Percentiles cannot be summed, but counts per bucket can. A duration of ``s`` seconds falls
in bucket ``ceil(ln s / ln GAMMA)`` (logarithmic buckets, the DDSketch mapping); every
value in bucket ``i`` lies in (GAMMA^(i-1), GAMMA^i], and the bucket is represented by
``2·GAMMA^i / (GAMMA + 1)``, which is within ``RELATIVE_ERROR`` of each of them. A
percentile interpolated between two representatives is therefore within the same relative
error of the percentile of the raw values (plus ``ABSOLUTE_ERROR`` for durations under one
second, which all share bucket 0). ``tests/analytics/test_histogram.py`` holds it to that."""

from __future__ import annotations

import math
from collections.abc import Iterable

GAMMA = 1.02
RELATIVE_ERROR = (GAMMA - 1) / (GAMMA + 1)  # just under 1 %
ABSOLUTE_ERROR = 1.0  # seconds: everything below one second is bucket 0, shown as 0
LN_GAMMA = math.log(GAMMA)


def bucket(seconds: float) -> int:
    """The bucket of a duration; durations under a second (and clock-skewed negatives) are 0."""
    if seconds < 1:
        return 0
    return max(1, math.ceil(math.log(seconds) / LN_GAMMA - 1e-9))


def value(index: int) -> float:
    """The representative of a bucket, in seconds."""
    if index <= 0:
        return 0.0
    return 2 * GAMMA**index / (GAMMA + 1)


def percentile(counts: Iterable[tuple[int, int]], q: float) -> float | None:
    """The q-th percentile (0–100) in seconds of the values counted per bucket, with the
    same closest-ranks interpolation as ``kpis.percentile`` over the raw values."""
    if not 0 <= q <= 100:
        raise ValueError("q is a percentage, 0 to 100")
    ordered = sorted((b, n) for b, n in counts if n > 0)
    total = sum(n for _, n in ordered)
    if not total:
        return None
    pos = (total - 1) * q / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    lo_value = hi_value = None
    seen = 0
    for b, n in ordered:
        if lo_value is None and lo < seen + n:
            lo_value = value(b)
        if hi < seen + n:
            hi_value = value(b)
            break
        seen += n
    assert lo_value is not None and hi_value is not None
    return lo_value + (hi_value - lo_value) * (pos - lo)
