"""Rule alerts on hand-made order histories."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from gridcare.alerts.rules import (
    Order,
    RuleSettings,
    repeat_call_jumps,
    repeat_flags,
    repeated_repairs,
    sensitive_customers,
)

NOW = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)


def _o(i: int, days_ago: float, category: str = "complaint", customer: int | None = 1, grid: str = "G1", device: str | None = None) -> Order:
    return Order(id=i, created_at=NOW - timedelta(days=days_ago), category=category, customer_id=customer, grid=grid, device=device)


def test_it_suggests_the_sensitive_tag_on_the_third_complaint_in_thirty_days():
    two = [_o(1, 29), _o(2, 3), _o(3, 40)]
    assert sensitive_customers(two, now=NOW, tagged=set()) == []
    three = [*two, _o(4, 1)]
    [hit] = sensitive_customers(three, now=NOW, tagged=set())
    assert (hit.kind, hit.subject, hit.orders, hit.facts["complaints"]) == ("sensitive", "1", (1, 2, 4), 3)
    assert sensitive_customers(three, now=NOW, tagged={1}) == []
    assert sensitive_customers([_o(i, i, category="repair") for i in range(5)], now=NOW, tagged=set()) == []


def test_it_counts_repairs_per_device_inside_the_window():
    orders = [_o(i, d, "repair", customer=i, device="electric:T1") for i, d in enumerate((1, 5, 9, 29))] + [_o(9, 31, "repair", device="electric:T2")]
    orders += [_o(10 + i, 2, "repair", device="electric:T2") for i in range(3)]
    [hit] = repeated_repairs(orders, now=NOW)
    assert hit.subject == "electric:T1" and hit.orders == (3, 2, 1, 0) and hit.facts == {"repairs": 4, "days": 30, "customers": 4}
    assert {h.subject for h in repeated_repairs(orders, now=NOW, settings=RuleSettings(repairs=3))} == {"electric:T1", "electric:T2"}


def test_it_marks_repeat_calls_as_intake_does():
    orders = [_o(1, 12), _o(2, 4), _o(3, 3.5, customer=2), _o(4, 2, category="repair"), _o(5, 1)]
    assert repeat_flags(orders, timedelta(days=7)) == {1: False, 2: False, 3: False, 4: False, 5: True}


def test_it_flags_a_grid_whose_repeat_call_rate_jumps():
    past = [_o(100 + i, 10 + i, "repair", customer=100 + i) for i in range(40)]  # 40 first calls, no repeats
    recent = []
    for c in range(4):  # four customers chase their repair in the last week
        recent += [_o(10 * c, 6, "repair", customer=c), _o(10 * c + 1, 2, "repair", customer=c)]
    [hit] = repeat_call_jumps(past + recent, now=NOW)
    assert hit.kind == "repeat_calls" and hit.subject == "G1" and hit.facts["repeats"] == 4 and hit.facts["rate"] == 0.5 and hit.facts["past_rate"] == 0
    assert sorted(hit.orders) == [1, 11, 21, 31]
    # The same rate all along is no jump.
    steady = [o for c in range(12) for o in (_o(500 + 10 * c, 9 + 4 * c, "repair", customer=500 + c), _o(501 + 10 * c, 7 + 4 * c, "repair", customer=500 + c))]
    assert repeat_call_jumps(steady + recent, now=NOW) == []


def test_a_topic_belongs_to_the_deepest_node_holding_its_orders_and_is_one_topic_while_its_orders_are():
    from gridcare.alerts import rules

    assert rules.company_path(["/1/4/7/", "/1/4/9/"]) == "/1/4/" and rules.company_path(["/1/4/7/"]) == "/1/4/7/"
    assert rules.company_path(["/1/12/", "/1/13/"]) == "/1/"  # not "/1/1": a node, not a prefix of digits
    assert rules.company_path([]) == "/"
    assert rules.same_topic([1, 2, 3, 4], [3, 4, 9]) and not rules.same_topic([1, 2, 3, 4], [4, 9, 10])
    assert not rules.same_topic([], [1]) and not rules.same_topic([1], [])
    assert (rules.topic_severity(rules.TOPIC_CRITICAL_FROM), rules.topic_severity(rules.TOPIC_CRITICAL_FROM - 1)) == ("critical", "warning")
