"""Pure campaign rules: targets, combining criteria, opt-outs, reply keywords."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridcare.campaigns import rules
from gridcare.core.errors import InvalidInput


@pytest.mark.parametrize("text", ["TD", "td", " 退订 ", "【退订】", "TD退订", "ｔｄ", "T"])
def test_it_reads_opt_out_replies(text):
    assert rules.is_opt_out_reply(text)


@pytest.mark.parametrize("text", ["", "好的", "TDX", "我要退订报装", "谢谢"])
def test_it_does_not_read_other_replies_as_opt_outs(text):
    assert not rules.is_opt_out_reply(text)


def test_it_names_each_bad_criterion():
    with pytest.raises(InvalidInput) as caught:
        rules.parse_target({"grid_ids": ["x"], "tag": "vip", "polygon": {"type": "Point", "coordinates": [1, 2]}, "node": {"utility": "air", "code": "V1"}})
    assert {p.field for p in caught.value.problems} == {"target.grid_ids", "target.tag", "target.polygon", "target.node"}
    with pytest.raises(InvalidInput) as empty:
        rules.parse_target({})
    assert empty.value.problems[0].field == "target"


sets = st.sets(st.integers(min_value=1, max_value=50), max_size=30)


@given(within=sets, a=st.one_of(st.none(), sets), b=st.one_of(st.none(), sets))
def test_it_combines_given_criteria_as_an_intersection_within_reach(within, a, b):
    chosen = rules.combine([a, b], within)
    assert chosen <= within and (a is None or chosen <= a) and (b is None or chosen <= b)
    assert chosen == within & (a if a is not None else within) & (b if b is not None else within)


def test_it_spares_opt_outs_of_the_channel_and_topic_or_of_every_topic():
    rows = [(1, "sms", "*"), (2, "sms", "billing"), (3, "email", "*"), (4, "sms", "policy")]
    assert rules.spared(rows, channel="sms", topic="policy") == {1, 4}
    assert rules.spared(rows, channel="sms", topic="billing") == {1, 2}
    assert rules.spared(rows, channel="email", topic="policy") == {3}


def test_it_takes_at_most_500_grids():
    assert len(rules.parse_target({"grid_ids": list(range(1, 501))}).grid_ids) == 500
    assert len(rules.parse_target({"grid_ids": [*range(1, 501), 500, "7"]}).grid_ids) == 500  # each grid once
    with pytest.raises(InvalidInput) as caught:
        rules.parse_target({"grid_ids": list(range(1, 502))})
    assert [(p.field, str(p.reason)) for p in caught.value.problems] == [("target.grid_ids", "at most 500 items")]
