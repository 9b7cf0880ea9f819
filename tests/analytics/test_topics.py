"""Hot topics (热点诉求): the pure rule over random texts, then the page and REST over orders
made as users make them, kept inside the reader's company."""

from __future__ import annotations

import dataclasses
import math
import random
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridcare.analytics import topics
from gridcare.workorders import merging
from tests.analytics.conftest import as_user, create, load_history, past

WORDINGS = ["咨询电费缴纳方式", "家里停电了整栋楼都没电", "自来水发黄有异味", "咨询阶梯电价怎么算", "部分插座没电", "家中跳闸合不上闸", "小区主管道漏水", "申请新装电表"]
FLAKES = ["自来水里有白色絮状物还能喝吗", "水龙头放出来的水有白色絮状物", "烧开的水有白色絮状物沉淀", "家里水有白色絮状物", "白色絮状物担心水质"]
HAN = st.characters(min_codepoint=0x4E00, max_codepoint=0x4E40)
TEXTS = st.lists(st.text(alphabet=st.one_of(HAN, st.sampled_from("，。 a1")), max_size=24), max_size=40)


def everyday(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return [rng.choice(WORDINGS) for _ in range(n)]


def test_callers_raising_something_new_in_their_own_words_make_one_topic_in_its_widest_shared_wording():
    recent = list(enumerate(everyday(60, 1))) + [(100 + i, t) for i, t in enumerate(FLAKES)]
    found = topics.hot_topics(recent, everyday(400, 2))
    assert [(t.phrase, t.orders, t.expected, t.lift) for t in found] == [("白色絮状物", 5, 0.0, None)]
    assert found[0].order_ids == (104, 103, 102, 101, 100)


def test_what_is_as_common_as_before_is_not_hot_however_busy_the_day():
    earlier = everyday(300, 3)
    assert topics.hot_topics(list(enumerate(earlier * 4)), earlier) == []  # four times the calls, the same mix
    assert topics.hot_topics([(1, "白色絮状物")] * 2, earlier) == []  # two callers are not a topic
    assert topics.hot_topics(list(enumerate(FLAKES)), []) == []  # nothing to compare with


@given(TEXTS, TEXTS, st.sampled_from(FLAKES[:1] + ["跳闸", "app闪退"]), st.integers(0, 8))
def test_every_topic_is_held_by_each_of_its_orders_and_beats_its_earlier_share(recent_texts, earlier, phrase, planted):
    recent = [(i, t) for i, t in enumerate(recent_texts)] + [(1000 + k, f"说{phrase}了") for k in range(planted)]
    found = topics.hot_topics(recent, earlier)
    text_of = {i: topics.normalise(t) for i, t in recent}  # topics are told in normalised text: app is APP
    told: set[int] = set()
    for t in found:
        assert t.order_ids and all(t.phrase in text_of[i] for i in t.order_ids) and t.orders == len(t.order_ids)
        assert t.orders >= topics.MIN_ORDERS and t.orders >= topics.LIFT * t.expected and t.score >= -math.log10(topics.ALPHA)
        assert sum(i in told for i in t.order_ids) < len(t.order_ids)  # a topic is not told twice
        told.update(t.order_ids)
    assert [t.score for t in found] == sorted((t.score for t in found), reverse=True)
    phrase = topics.normalise(phrase)
    new = not any(phrase[:2] in topics.normalise(t) for t in earlier + recent_texts)
    if new and planted >= 6 and len(recent) * 2 <= len(earlier):
        assert any(phrase[:2] in t.phrase or t.phrase in phrase for t in found)  # planted, new, few other orders: found


@given(st.integers(0, 60), st.integers(0, 200), st.floats(0.01, 5), st.integers(1, 5000))
def test_hot_needs_enough_orders_well_above_the_earlier_share_and_beyond_chance(orders, earlier, ratio, tested):
    hot = topics.is_hot(orders, earlier, ratio, tested=tested)
    if orders < topics.MIN_ORDERS or orders < topics.LIFT * earlier * ratio:
        assert not hot
    if hot:
        assert topics.surprise(orders, earlier, ratio) >= -math.log10(topics.ALPHA / tested)
        assert topics.is_hot(orders + 1, earlier, ratio, tested=tested)  # more of the same stays hot
        assert topics.surprise(orders, earlier, ratio) > topics.surprise(orders, earlier + 5, ratio)  # more common before: less surprising


def test_the_chance_of_a_count_is_the_poisson_tail():
    assert topics.surprise(1, 0, 1.0) == pytest.approx(-math.log10(1 - math.exp(-0.5)))  # one or more at a rate of 0.5
    assert topics.surprise(4, 1, 2.0) == pytest.approx(-math.log10(1 - math.exp(-3.0) * (1 + 3.0 + 4.5 + 4.5)))
    assert topics.surprise(2, 10, 1.0) == 0.0  # fewer than expected is no surprise
    assert topics.surprise(500, 0, 0.01) > 100  # far in the tail, still a finite number


def test_phrases_are_han_runs_of_two_to_four_without_the_wording():
    assert topics.phrases("客户反映：水表 漏水a") == {"水表", "漏水"}
    assert {"停电", "停电了", "电了没", "停电了没"} <= topics.phrases("停电了没")


def test_latin_words_are_phrases_whole_in_capitals_and_digits_alone_are_not():
    assert {"APP", "登录", "登录不上"} <= topics.phrases("网上国网APP登录不上") and "PP" not in topics.phrases("网上国网APP登录不上")
    assert "APP" in topics.phrases("app闪退") and "APP" in topics.phrases("ＡＰＰ闪退")  # lower-case and full-width alike
    assert "95598" not in topics.phrases("门牌95598号") and "4G" in topics.phrases("4G信号")


def test_a_storm_about_an_app_is_a_topic_widened_by_whole_words():
    background = list(enumerate(everyday(60, 5)))
    storm = ["网上国网app登录不上", "手机上的APP登录不上", "ａｐｐ登录不上怎么办", "电费App登录不上"] * 2
    found = topics.hot_topics(background + [(100 + i, t) for i, t in enumerate(storm)], everyday(400, 6))
    assert [(t.phrase, t.orders) for t in found] == [("APP登录不上", 8)]
    same = topics.hot_topics(background + [(100 + i, "网上国网app登录不上") for i in range(8)], everyday(400, 6))
    assert same and all("APP" in t.phrase and t.phrase.count("PP登") == t.phrase.count("APP登") for t in same)
    apps = topics.hot_topics(background + [(100 + i, t) for i, t in enumerate(["app登录不上", "whatsapp登录不上"] * 4)], everyday(400, 6))
    assert [(t.phrase, t.orders) for t in apps] == [("登录不上", 8)]  # half APP, half WHATSAPP: neither word, and no PP


def test_function_words_at_a_wordings_edges_are_trimmed_down_to_two_characters():
    assert topics.trim("有白色絮状物") == "白色絮状物"
    assert topics.trim("突然停电了") == "突然停电"
    assert topics.trim("说停电了吗") == "停电"
    assert topics.trim("有电") == "有电" and topics.trim("了") == "了"


@given(st.text(alphabet=st.one_of(HAN, st.sampled_from(sorted(topics.LEADING | topics.TRAILING) + ["A", "1"])), max_size=12))
def test_trimming_keeps_a_piece_of_the_phrase_and_settles(phrase):
    trimmed = topics.trim(phrase)
    assert trimmed in phrase and len(trimmed) >= min(2, len(phrase)) and topics.trim(trimmed) == trimmed


def test_the_page_and_api_show_the_water_companys_hot_topic_to_its_own_people_only(client, database, clock, world):
    load_history(database, clock, [
        dataclasses.replace(past(f"h{i}", account="W001" if i % 2 else "E001", grid="W-ALL" if i % 2 else "E-WEST", utility="water" if i % 2 else "electric",
                                 created=clock.now() - timedelta(days=1 + i % 6, hours=3)), description=text)
        for i, text in enumerate(everyday(80, 4))
    ])  # fmt: skip
    for k, words in enumerate(FLAKES):
        clock.advance(timedelta(minutes=20))
        create(database, clock, world.principal("w_agent"), account="W001", category="consultation", description=words, idempotency_key=f"f{k}")
    create(database, clock, world.principal("agent"), account="E001", description="家中跳闸合不上闸")

    headers = as_user(client, "w_supervisor")
    body = client.get("/api/v1/analytics/topics", params={"hours": 24, "days": 7}).json()
    assert [(t["phrase"], t["orders"]) for t in body["topics"]] == [("白色絮状物", 5)]
    assert body["recent_orders"] == 5 and body["earlier_orders"] == 40 and body["capped"] is False
    assert len(body["topics"][0]["numbers"]) == 5 and all(n.startswith("GD") for n in body["topics"][0]["numbers"])
    page = client.get("/analytics/topics")
    assert page.status_code == 200 and 'data-phrase="白色絮状物"' in page.text and "热点诉求" in page.text
    assert "/knowledge?q=%E7%99%BD%E8%89%B2%E7%B5%AE%E7%8A%B6%E7%89%A9" in page.text  # does the knowledge base answer it?
    assert 'href="/analytics/scorecards"' in page.text  # a supervisor has the analytics tabs
    client.post("/settings/locale", data={"csrf_token": headers["X-CSRF-Token"], "locale": "en", "next": "/analytics/topics"})
    english = client.get("/analytics/topics", params={"hours": "6"})
    assert 'lang="en"' in english.text and "Hot topics" in english.text and 'data-phrase="白色絮状物"' in english.text

    exported = client.get("/analytics/export/topics.csv", params={"hours": 24, "days": 7, "utility": "water"})
    assert exported.status_code == 200 and "白色絮状物,5," in exported.content.decode("utf-8-sig")
    assert all(n in exported.content.decode("utf-8-sig") for n in body["topics"][0]["numbers"])
    assert 'href="/analytics/export/topics.xlsx?hours=6&amp;days=7"' in english.text

    as_user(client, "supervisor")  # the electric company's: not its topic, not its orders
    assert client.get("/api/v1/analytics/topics").json()["topics"] == []
    storm = [create(database, clock, world.principal("agent"), account="E001", description="配电箱着火冒烟", idempotency_key=f"s{k}") for k in range(4)]
    assert [t["phrase"] for t in client.get("/api/v1/analytics/topics").json()["topics"]] == ["配电箱着火冒烟"]
    with database.write() as session:  # merged into one order, the storm is one demand
        merging.merge_many(session, actor=world.principal("supervisor"), now=clock.now(), parent_id=storm[0], order_ids=storm[1:], note="同一故障")
    assert client.get("/api/v1/analytics/topics").json()["topics"] == []
    as_user(client, "agent")  # hears the calls: may see the topics, not the analytics behind them
    page = client.get("/analytics/topics")
    assert page.status_code == 200 and 'href="/analytics/scorecards"' not in page.text and "/analytics/export/topics" not in page.text
    assert client.get("/analytics/export/topics.csv").status_code == 403
    as_user(client, "rep")
    assert client.get("/api/v1/analytics/topics").status_code == 403
    as_user(client, "admin")
    assert [t["phrase"] for t in client.get("/api/v1/analytics/topics", params={"utility": "water"}).json()["topics"]] == ["白色絮状物"]
    consultations = client.get("/api/v1/analytics/topics", params={"utility": "water", "category": "consultation"}).json()
    assert (consultations["recent_orders"], consultations["earlier_orders"], consultations["topics"]) == (5, 0, [])  # no earlier share to exceed
    assert "此前没有可对比的工单" in client.get("/analytics/topics", params={"category": "consultation"}).text


def test_bad_windows_are_refused_naming_the_field(client, world):
    as_user(client, "supervisor")
    refused = client.get("/api/v1/analytics/topics", params={"hours": 0, "days": 400, "limit": 99})
    assert refused.status_code == 422 and {e["field"] for e in refused.json()["errors"]} == {"hours", "days", "limit"}
    assert client.get("/api/v1/analytics/topics", params={"utility": "gas2"}).json()["errors"][0]["field"] == "utility"
    page = client.get("/analytics/topics", params={"hours": "²", "days": "14"})  # the page drops the bad filter and says why
    assert page.status_code == 303 and page.headers["location"] == "/analytics/topics?days=14"
    shown = client.get(page.headers["location"]).text
    assert "hours" in shown and 'data-phrase' not in shown and '<option value="14" selected>' in shown
