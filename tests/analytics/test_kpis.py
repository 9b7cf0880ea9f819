"""KPI rules on a small hand-made history with the answers worked out by hand: a complaint
spanning the National Day holiday (its business-day deadline is the stored one), a late
arrival, a reopened order, a repeat call, an open and a merged order."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gridcare.analytics import kpis
from gridcare.core.clock import SHANGHAI


def t(month: int, day: int, hh: int, mm: int = 0) -> datetime:
    return datetime(2026, month, day, hh, mm, tzinfo=SHANGHAI)


HISTORY = [
    # 1. Complaint before the holiday; resolved after it, by its business-day deadline.
    kpis.OrderRow(1, "complaint", "hotline", "closed", t(9, 30, 16), customer_id=10, accepted_at=t(9, 30, 16, 30), resolved_at=t(10, 12, 10),
                  accept_due=t(9, 30, 17), resolve_due=t(10, 14, 16), satisfaction=4),
    # 2. Repair: accepted in 3 min, on site in 50 min against 45: late; escalated once.
    kpis.OrderRow(2, "repair", "hotline", "closed", t(10, 10, 9), customer_id=11, accepted_at=t(10, 10, 9, 3), arrived_at=t(10, 10, 9, 50), resolved_at=t(10, 10, 11),
                  accept_due=t(10, 10, 9, 5), arrive_due=t(10, 10, 9, 45), resolve_due=t(10, 10, 13), escalation_level=1, satisfaction=2),
    # 3. Reopened repair: the stored times are those of its last round; accepted late.
    kpis.OrderRow(3, "repair", "web", "closed", t(10, 15, 8), customer_id=12, accepted_at=t(10, 15, 8, 10), arrived_at=t(10, 15, 8, 40), resolved_at=t(10, 16, 8),
                  accept_due=t(10, 15, 8, 5), reopen_count=1, satisfaction=5),
    # 4. Imported history (no stored deadlines, never escalated): a repeat of order 2's customer.
    kpis.OrderRow(4, "repair", "hotline", "closed", t(10, 20, 9), customer_id=11, accepted_at=t(10, 20, 9, 5), arrived_at=t(10, 20, 9, 30), resolved_at=t(10, 20, 11), satisfaction=5),
    # 5. Still open. 6. Merged into order 4.
    kpis.OrderRow(5, "consultation", "web", "dispatched", t(10, 25, 9), customer_id=13),
    kpis.OrderRow(6, "repair", "hotline", "merged", t(10, 20, 9, 30), customer_id=14, parent_id=4),
]  # fmt: skip


def test_it_computes_every_order_kpi_by_hand():
    repeats = kpis.repeat_ids(HISTORY)
    assert repeats == {4}
    f = kpis.figures(kpis.fold(HISTORY, repeats), complaints=1, customers=2000)
    assert f["orders"] == 6
    assert f["accept_minutes"] == pytest.approx((30 + 3 + 10 + 5) / 4)
    assert f["arrive_minutes"] == pytest.approx((50 + 40 + 30) / 3)
    assert f["resolve_hours"] == pytest.approx((282 + 2 + 24 + 2) / 4)  # 282 h across the holiday
    assert f["sla_compliance"] == 0.5  # orders 1 and 4 on time; 2 arrived late, 3 accepted late
    assert f["escalation_rate"] == pytest.approx(1 / 6)
    assert f["repeat_rate"] == pytest.approx(1 / 6)
    assert f["first_contact_rate"] == 0.5  # 1 and 2; 3 was reopened, 4 is a repeat call
    assert f["reopen_rate"] == 0.25
    assert f["merged_share"] == pytest.approx(1 / 6)
    assert (f["satisfaction"], f["satisfied_rate"]) == (4.0, 0.75)
    assert f["open_now"] == 1
    assert f["complaints_per_10k"] == 5.0


def test_an_order_answered_at_intake_counts_as_demand_and_answer_but_not_as_handling():
    # Taken, answered and closed at 10:00 with nobody dispatched; the caller rated it 5.
    answered = kpis.OrderRow(7, "consultation", "hotline", "closed", t(10, 26, 10), customer_id=15, accepted_at=t(10, 26, 10), resolved_at=t(10, 26, 10),
                             satisfaction=5, answered=True)  # fmt: skip
    rows = [*HISTORY, answered]
    f = kpis.figures(kpis.fold(rows, kpis.repeat_ids(rows)), complaints=1, customers=2000)
    before = kpis.figures(kpis.fold(HISTORY, kpis.repeat_ids(HISTORY)), complaints=1, customers=2000)
    assert f["orders"] == 7 and f["answered_rate"] == pytest.approx(1 / 7)
    # Its zero minutes would pass for a rep's instant fix: every handling figure stays as it was.
    for key in ("accept_minutes", "arrive_minutes", "resolve_hours", "sla_compliance", "first_contact_rate", "reopen_rate"):
        assert f[key] == pytest.approx(before[key]), key
    assert f["satisfaction"] == pytest.approx((4 + 2 + 5 + 5 + 5) / 5)  # the caller's say counts
    assert kpis.durations(rows) == kpis.durations(HISTORY)


def test_it_gives_median_and_p90_of_resolve_times_per_category():
    d = kpis.durations(HISTORY)
    repair = kpis.summary(d["resolve"]["repair"])
    assert repair["n"] == 3 and repair["median"] == 2 and repair["p90"] == pytest.approx(2 + (24 - 2) * 0.8)
    assert kpis.summary(d["resolve"]["complaint"]) == {"n": 1, "mean": 282, "median": 282, "p90": 282}
    assert d["arrive"].get("complaint") is None and kpis.summary([])["median"] is None


def test_it_judges_deadlines_only_where_stored():
    on_time = HISTORY[0]
    assert kpis.on_time(on_time)
    assert not kpis.on_time(HISTORY[1]) and not kpis.on_time(HISTORY[2])
    escalated_import = kpis.OrderRow(9, "repair", "hotline", "closed", t(10, 1, 9), resolved_at=t(10, 1, 10), escalation_level=2)
    assert not kpis.on_time(escalated_import)
    unresolved_step = kpis.OrderRow(8, "repair", "hotline", "closed", t(10, 1, 9), resolved_at=t(10, 1, 10), arrive_due=t(10, 1, 9, 45))
    assert not kpis.on_time(unresolved_step)  # resolved without the arrival its deadline asked for


def test_it_counts_a_repeat_only_within_thirty_days_and_the_same_category():
    rows = [
        kpis.OrderRow(1, "repair", "hotline", "closed", t(9, 1, 9), customer_id=1),
        kpis.OrderRow(2, "repair", "hotline", "closed", t(10, 1, 9, 1), customer_id=1),  # 30 days and 1 minute later
        kpis.OrderRow(3, "complaint", "hotline", "closed", t(10, 2, 9), customer_id=1),
        kpis.OrderRow(4, "repair", "hotline", "closed", t(10, 31, 9), customer_id=1),  # 30 days after order 2
        kpis.OrderRow(5, "repair", "hotline", "closed", t(10, 31, 9), customer_id=None),
    ]
    assert kpis.repeat_ids(rows) == {4}


@settings(deadline=None)
@given(st.lists(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False), min_size=1, max_size=60), st.floats(min_value=0, max_value=100))
def test_it_matches_numpy_percentiles(values, q):
    assert kpis.percentile(values, q) == pytest.approx(float(np.percentile(values, q)), rel=1e-9, abs=1e-6)


@settings(deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=1e5, allow_nan=False), min_size=1, max_size=60))
def test_it_keeps_the_median_between_min_and_p90(values):
    s = kpis.summary(values)
    assert min(values) <= s["median"] <= s["p90"] + 1e-9 <= max(values) + 1e-6


def test_it_defines_every_kpi_in_words():
    assert len({k.key for k in kpis.KPIS}) == len(kpis.KPIS)
    assert all(len(k.definition) > 20 and k.unit in ("count", "pct", "minutes", "hours", "score", "per10k", "seconds") for k in kpis.KPIS)
    assert kpis.format_value(0.1234, "pct") == "12.3%" and kpis.format_value(None, "pct") == "—"
