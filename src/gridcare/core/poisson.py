"""The Poisson distribution's tail, for counts of orders judged against an expected level
(characteristic-value alerts, hot topics). Pure."""

from __future__ import annotations

import math


def poisson_sf(k: int, mean: float) -> float:
    """P(X > k) for X ~ Poisson(mean). Written out (scipy.stats takes two seconds to import,
    which every start of the platform would pay)."""
    if k < 0:
        return 1.0
    if mean <= 0:
        return 0.0

    def term(i: int) -> float:
        return math.exp(i * math.log(mean) - mean - math.lgamma(i + 1))

    if k + 1 > mean:  # the upper tail converges fast: sum it
        total, i = 0.0, k + 1
        while True:
            t = term(i)
            total += t
            if t < 1e-17 * total or i > k + 10_000:
                return min(total, 1.0)
            i += 1
    return max(0.0, 1.0 - math.fsum(term(i) for i in range(k + 1)))


def poisson_isf(alpha: float, mean: float) -> int:
    """The smallest k with P(X > k) ≤ alpha."""
    k = max(int(mean) - 1, 0)
    while poisson_sf(k, mean) > alpha:
        k += 1
    while k > 0 and poisson_sf(k - 1, mean) <= alpha:
        k -= 1
    return k
