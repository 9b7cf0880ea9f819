"""Trouble-call analysis on small networks with known faults."""

from datetime import datetime, timedelta
from itertools import count

from hypothesis import given
from hypothesis import strategies as st

from gridcare.outages.triage import KnownOutage, TriageRules, TroubleCall, analyse

NOW = datetime(2026, 11, 24, 9, 0)
# SUB → F1 (SW1: T1–T4, SW2: T5–T8), F2 (SW3: T9–T12); ten customers per transformer.
SWITCH_OF = {f"T{i}": "SW1" if i <= 4 else "SW2" if i <= 8 else "SW3" for i in range(1, 13)}
FEEDER_OF = {"SW1": "F1", "SW2": "F1", "SW3": "F2"}
FEEDS = {"SW1": 4, "SW2": 4, "SW3": 4, "F1": 8, "F2": 4, "SUB": 12}  # supply points fed
_ids = count(1)


def chain(transformer: str) -> tuple[str, ...]:
    switch = SWITCH_OF[transformer]
    return (transformer, switch, FEEDER_OF[switch], "SUB")


def calls_under(transformer: str, customers: range, minutes_ago: int = 5) -> list[TroubleCall]:
    base = int(transformer[1:]) * 100
    return [TroubleCall(next(_ids), base + k, NOW - timedelta(minutes=minutes_ago), chain(transformer)) for k in customers]


def devices(result) -> list[str]:
    return [p.device for p in result.predictions]


def test_customers_of_one_transformer_point_at_the_transformer():
    result = analyse(calls_under("T1", range(3)), now=NOW, feeds=FEEDS)
    assert devices(result) == ["T1"] and result.predictions[0].customers == 3 and result.single == ()


def test_one_caller_is_a_single_call_not_an_outage():
    result = analyse(calls_under("T1", range(1)), now=NOW, feeds=FEEDS)
    assert devices(result) == [] and len(result.single) == 1


def test_calls_under_most_transformers_of_a_switch_point_at_the_switch():
    calls = calls_under("T1", range(1)) + calls_under("T2", range(2)) + calls_under("T3", range(1))
    result = analyse(calls, now=NOW, feeds=FEEDS)
    assert devices(result) == ["SW1"] and len(result.predictions[0].order_ids) == 4


def test_a_feeder_is_blamed_when_its_switches_are():
    calls = [c for t in ("T1", "T2", "T3", "T5", "T6", "T8") for c in calls_under(t, range(2))]
    assert devices(analyse(calls, now=NOW, feeds=FEEDS)) == ["F1"]


def test_two_faults_under_one_feeder_stay_two_faults():
    calls = calls_under("T1", range(3)) + calls_under("T6", range(4))
    result = analyse(calls, now=NOW, feeds=FEEDS)
    assert devices(result) == ["T1", "T6"]
    assert [p.customers for p in result.predictions] == [3, 4]


def test_a_fault_plus_unrelated_calls():
    fault = calls_under("T2", range(5))
    noise = calls_under("T7", range(1)) + calls_under("T10", range(1)) + calls_under("T12", range(1))
    result = analyse(fault + noise, now=NOW, feeds=FEEDS)
    assert devices(result) == ["T2"]
    assert set(result.single) == {c.order_id for c in noise}


def test_calls_with_wrong_addresses_are_left_for_normal_dispatch():
    lost = [TroubleCall(next(_ids), None, NOW, ()), TroubleCall(next(_ids), 999_999, NOW, ())]
    result = analyse(calls_under("T4", range(3)) + lost, now=NOW, feeds=FEEDS)
    assert devices(result) == ["T4"] and set(result.unplaced) == {c.order_id for c in lost}


def test_a_known_outage_takes_the_calls_under_its_devices():
    calls = calls_under("T5", range(4)) + calls_under("T9", range(3))
    result = analyse(calls, now=NOW, feeds=FEEDS, known=[KnownOutage("TD-1", frozenset({"SW2"}))])
    assert result.known == {"TD-1": tuple(sorted(c.order_id for c in calls[:4]))}
    assert devices(result) == ["T9"]


def test_old_calls_fall_outside_the_window():
    old = calls_under("T3", range(3), minutes_ago=45)
    result = analyse(old, now=NOW, feeds=FEEDS, rules=TriageRules(window=timedelta(minutes=30)))
    assert devices(result) == [] and set(result.outside_window) == {c.order_id for c in old}


def test_a_repeat_caller_counts_once():
    again = [TroubleCall(next(_ids), 101, NOW, chain("T1")) for _ in range(3)]
    result = analyse(again, now=NOW, feeds=FEEDS)
    assert devices(result) == [] and len(result.single) == 3


transformers = st.sampled_from(sorted(SWITCH_OF))
storms = st.lists(st.tuples(transformers, st.integers(0, 9), st.integers(0, 40), st.booleans()), max_size=60)


@given(storms)
def test_every_call_lands_in_exactly_one_place_and_predictions_never_nest(storm):
    calls = [TroubleCall(i, None if lost else int(t[1:]) * 100 + k, NOW - timedelta(minutes=m), () if lost else chain(t)) for i, (t, k, m, lost) in enumerate(storm)]
    result = analyse(calls, now=NOW, feeds=FEEDS)
    places = [o for p in result.predictions for o in p.order_ids] + list(result.single) + list(result.unplaced) + list(result.outside_window)
    places += [o for ids in result.known.values() for o in ids]
    assert sorted(places) == sorted(c.order_id for c in calls)
    predicted = set(devices(result))
    for call in calls:
        assert len(predicted.intersection(call.chain)) <= 1


@given(storms, transformers)
def test_more_callers_under_a_faulted_transformer_keep_it_explained(storm, faulted):
    calls = [TroubleCall(i, int(t[1:]) * 100 + k, NOW, chain(t)) for i, (t, k, _m, _l) in enumerate(storm)]
    calls += [TroubleCall(1000 + k, int(faulted[1:]) * 100 + 50 + k, NOW, chain(faulted)) for k in range(3)]
    result = analyse(calls, now=NOW, feeds=FEEDS)
    # The faulted transformer's callers are always explained by it or by a device above it.
    for k in range(3):
        device = result.device_of(1000 + k)
        assert device is not None and device in chain(faulted)


def test_two_unrelated_callers_under_a_big_transformer_are_not_a_fault():
    calls = calls_under("T1", range(2))
    assert devices(analyse(calls, now=NOW, feeds={**FEEDS, "T1": 80})) == []
    assert devices(analyse(calls + calls_under("T1", range(10, 18)), now=NOW, feeds={**FEEDS, "T1": 80})) == ["T1"]


POINTS_UNDER = {"SW1": ["T1", "T2", "T3", "T4"], "SW2": ["T5", "T6", "T7", "T8"], "SW3": ["T9", "T10", "T11", "T12"], "F1": [f"T{i}" for i in range(1, 9)], "F2": ["T9", "T10", "T11", "T12"]}


def test_a_switch_whose_big_branches_stay_quiet_is_not_blamed():
    # T1 and T2 (of SW1's four) called hard, T3 and T4 feed 200 customers each and are silent.
    feeds = {**FEEDS, "T1": 10, "T2": 10, "T3": 200, "T4": 200}
    calls = calls_under("T1", range(8)) + calls_under("T2", range(8))
    assert devices(analyse(calls, now=NOW, feeds=feeds)) == ["SW1"]  # without knowing who stays quiet
    assert devices(analyse(calls, now=NOW, feeds=feeds, points_under=POINTS_UNDER)) == ["T1", "T2"]
    # The same calls with small silent branches still point at the switch.
    small = {**FEEDS, "T1": 10, "T2": 10, "T3": 3, "T4": 3}
    assert devices(analyse(calls, now=NOW, feeds=small, points_under=POINTS_UNDER)) == ["SW1"]


def test_rules_are_data_and_bad_ones_are_named():
    from gridcare.outages.triage import parse_rules

    assert parse_rules("window=45; leaf=3") == TriageRules(window=timedelta(minutes=45), min_customers_leaf=3)
    assert parse_rules("") == TriageRules()
    for bad in ("leaf", "colour=red", "leaf=three", "point_share=2"):
        try:
            parse_rules(bad)
        except ValueError as exc:
            assert bad.split("=")[0] in str(exc) or "share" in str(exc)
        else:
            raise AssertionError(f"{bad!r} was accepted")


# With the network's customer counts (points_under), triage is a likelihood scan over the tree.
TEN_EACH = {**FEEDS, **{f"T{i}": 10 for i in range(1, 13)}, "SUB": 120}
ALL_UNDER = {**POINTS_UNDER, "SUB": [f"T{i}" for i in range(1, 13)]}


def scan(calls):
    return devices(analyse(calls, now=NOW, feeds=TEN_EACH, points_under=ALL_UNDER))


def test_scan_two_faulted_branches_beside_quiet_ones_stay_two_faults():
    assert scan(calls_under("T1", range(6)) + calls_under("T3", range(6))) == ["T1", "T3"]


def test_scan_blames_the_switch_when_all_its_branches_call():
    calls = [c for t in ("T1", "T2", "T3", "T4") for c in calls_under(t, range(5))]
    assert scan(calls) == ["SW1"]


def test_scan_leaves_scattered_background_calls_alone():
    # One caller under each of nine transformers, and three (of ten) under T9 among them.
    calls = [c for i in (1, 2, 4, 5, 6, 7, 8, 10, 11) for c in calls_under(f"T{i}", range(1))] + calls_under("T9", range(3))
    assert scan(calls) == []
    # The same three callers as the only calls of a quiet feeder are a fault: the background is low there.
    assert scan(calls_under("T9", range(3))) == ["T9"]


def test_scan_measures_the_background_outside_the_faults_it_finds():
    # Thirty customers per transformer, one in twenty of those with supply calling anyway
    # (a storm's noise), and T1 out. Counting only the points with one caller at most puts
    # the background at a third of that, and SW2's 10 callers of 120 look like a fault.
    feeds = {**FEEDS, **{f"T{i}": 30 for i in range(1, 13)}, "SUB": 360}
    noise = {"T3": 2, "T5": 2, "T6": 4, "T7": 2, "T8": 2, "T9": 1, "T10": 4, "T11": 2, "T12": 1}
    calls = [c for t, k in noise.items() for c in calls_under(t, range(k))] + calls_under("T1", range(25))
    assert devices(analyse(calls, now=NOW, feeds=feeds, points_under=ALL_UNDER)) == ["T1"]


def test_scan_a_fault_plus_noise_elsewhere_is_one_fault():
    noise = [c for i in (5, 9, 12) for c in calls_under(f"T{i}", range(1))]
    assert scan(calls_under("T2", range(7)) + noise) == ["T2"]


def test_evidence_grows_with_callers_and_is_nothing_at_the_background_rate():
    from gridcare.outages.triage import evidence

    assert evidence(1, 1000, 0.001) == 0.0 and evidence(0, 10, 0.001) == 0.0
    assert 0 < evidence(3, 10, 0.01) < evidence(6, 10, 0.01) < evidence(6, 6, 0.01)


@given(storms)
def test_scan_predictions_never_nest_and_every_call_lands_once(storm):
    calls = [TroubleCall(i, None if lost else int(t[1:]) * 100 + k, NOW - timedelta(minutes=m), () if lost else chain(t)) for i, (t, k, m, lost) in enumerate(storm)]
    result = analyse(calls, now=NOW, feeds=TEN_EACH, points_under=ALL_UNDER)
    places = [o for p in result.predictions for o in p.order_ids] + list(result.single) + list(result.unplaced) + list(result.outside_window)
    assert sorted(places) == sorted(c.order_id for c in calls)
    predicted = set(devices(result))
    for call in calls:
        assert len(predicted.intersection(call.chain)) <= 1
