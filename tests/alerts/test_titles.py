"""An alert's title written in each reader's language from the facts kept with it."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from gridcare.alerts.titles import alert_title, titles_by_language
from gridcare.core import i18n

ZH, EN = i18n.translator("zh_CN"), i18n.translator("en")
SPIKE = {"title_args": {"grid": "西网格", "when": "11-23", "category": "repair", "observed": 9, "expected": "1.0"}}


def test_a_spike_reads_in_chinese_and_in_english():
    assert alert_title("spike", SPIKE, "", ZH) == "西网格 11-23 故障报修工单异常增多：9 单（预期 1.0）"
    assert alert_title("spike", SPIKE, "", EN) == "西网格 11-23: Repair orders up to 9 (expected 1.0)"


def test_each_rule_alert_has_its_own_sentence():
    sensitive = {"complaints": 3, "days": 30, "title_args": {"who": "张三（E001）"}}
    repairs = {"repairs": 4, "days": 7, "customers": 2, "title_args": {"device": "T1"}}
    calls = {"days": 7, "title_args": {"grid": "东网格", "rate": "40%", "past": "10%"}}
    assert alert_title("sensitive", sensitive, "", ZH) == "客户 张三（E001） 30 天内投诉 3 次，建议标记为敏感客户"
    assert alert_title("sensitive", sensitive, "", EN) == "Customer 张三（E001） complained 3 times in 30 days: tag as sensitive?"
    assert alert_title("repeat_repairs", repairs, "", ZH) == "设备 T1 7 天内重复报修 4 次（2 户）"
    assert alert_title("repeat_repairs", repairs, "", EN) == "Device T1: 4 repair orders in 7 days, customers: 2"
    assert alert_title("repeat_calls", calls, "", ZH) == "东网格 近 7 天重复来电率 40%（此前 10%）"
    assert alert_title("repeat_calls", calls, "", EN) == "东网格: repeat-call rate 40% over the last 7 days (before: 10%)"


def test_an_alert_without_its_facts_keeps_the_stored_title():
    assert alert_title("spike", None, "旧的标题", EN) == "旧的标题"
    assert alert_title("sensitive", {"days": 3}, "旧的标题", EN) == "旧的标题"


@given(grid=st.text(min_size=1, max_size=20), observed=st.integers(0, 10_000), category=st.sampled_from(["repair", "complaint", "consultation", "praise"]))
def test_every_language_gets_the_same_facts(grid, observed, category):
    facts = {"title_args": {"grid": grid, "when": "11-23 07:00", "category": category, "observed": observed, "expected": "2.5"}}
    written = titles_by_language("spike", facts, "", {"zh_CN": ZH, "en": EN})
    assert set(written) == {"zh_CN", "en"}
    for text in written.values():
        assert grid in text and str(observed) in text and "2.5" in text and "11-23 07:00" in text
    assert "orders up to" in written["en"] and "工单异常增多" in written["zh_CN"]
