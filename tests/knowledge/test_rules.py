"""The pure rules of the knowledge base: what a query asks, how an article scores, the passage
shown, who reads and writes, the review dates, and the spreadsheet read back as written."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from gridcare.core.principal import Principal, Role
from gridcare.knowledge import importing, rules

HAN = st.characters(min_codepoint=0x4E00, max_codepoint=0x4FFF)
WORDS = st.text(alphabet=st.one_of(HAN, st.sampled_from("abcXYZ019 ，,。？?-_")), max_size=60)
NOW = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)


def someone(role: Role, path: str = "/1/2/") -> Principal:
    return Principal(user_id=1, login="x", role=role, org_unit_id=1, org_path=path)


def test_a_callers_question_is_searched_by_its_words_and_their_pairs_without_the_asking():
    asked = rules.query("电费到底怎么算  10kV线路")
    assert asked.words == ("电费到底怎么算", "10kv线路")
    assert asked.pairs == ("电费", "费到", "底怎", "么算", "10kv", "线路")
    assert rules.query("电费").pairs == () and rules.query("A座").pairs == ()
    assert not rules.query(" ，。 ") and rules.query("x")


@given(WORDS)
def test_every_part_is_lower_case_from_the_query_and_there_are_few(text):
    asked = rules.query(text)
    lowered = text[: rules.QUERY_MAX].lower()
    assert len(asked.parts) <= rules.MAX_PARTS and len(set(asked.parts)) == len(asked.parts)
    for part in asked.parts:
        assert part and part == part.lower() and part in lowered
    for pair in asked.pairs:
        assert pair not in rules.ASKING and pair not in asked.words


@given(WORDS, st.text(max_size=40), st.text(max_size=40), st.text(max_size=200))
def test_an_article_holding_no_part_scores_nothing_and_one_holding_the_query_in_its_title_scores(text, title, keywords, body):
    asked = rules.query(text)
    s = rules.score(asked, title=title, keywords=keywords, body=body)
    holds = any(p in f"{title}\n{keywords}\n{body}".lower() for p in asked.parts)
    assert (s > 0) == holds
    if asked:
        assert rules.score(asked, title=title + " " + text, keywords=keywords, body=body) >= max(s, rules.TITLE_WEIGHT)


@given(st.sampled_from(["停电", "电费", "跳闸"]), st.text(max_size=30))
def test_the_same_words_weigh_more_in_the_title_than_in_the_keywords_than_in_the_body(word, filler):
    asked = rules.query(word)
    other = filler.replace(word[0], "")
    in_title = rules.score(asked, title=word, keywords=other, body=other)
    in_keywords = rules.score(asked, title=other, keywords=word, body=other)
    in_body = rules.score(asked, title=other, keywords=other, body=word)
    assert in_title > in_keywords > in_body > 0


@given(st.lists(st.tuples(st.text(max_size=20), st.text(max_size=20), st.integers(0, 50)), max_size=12), WORDS, st.integers(1, 15))
def test_ranking_is_best_first_then_most_used_and_leaves_out_what_holds_nothing(articles, text, limit):
    asked = rules.query(text)
    rows = [(i, title, "", body, uses) for i, (title, body, uses) in enumerate(articles)]
    out = rules.ranked(asked, rows, limit=limit)
    assert len(out) <= limit and all(s > 0 for _i, s in out)
    keys = [(s, rows[i][4], i) for i, s in out]
    assert keys == sorted(keys, reverse=True)
    assert len(out) == min(limit, sum(1 for r in rows if rules.score(asked, title=r[1], keywords="", body=r[3]) > 0))


@given(st.text(max_size=400), WORDS, st.integers(20, 200))
def test_the_passage_is_the_bodys_own_text_and_marks_what_the_query_holds(body, text, width):
    asked = rules.query(text)
    p = rules.passage(body, asked, width=width)
    flat = " ".join(body.split())
    assert p.before + p.match + p.after in flat
    if p.match:
        assert any(part in p.match.lower() for part in asked.parts)
    else:
        assert not any(part in flat.lower() for part in asked.parts)
    shown = p.before + p.match + p.after
    assert p.cut_before or flat.startswith(shown)
    assert p.cut_after or flat.endswith(shown)
    assert len(shown) <= max(width, len(p.match) + width // 3)


def test_the_passage_joins_overlapping_pairs_into_one_mark():
    p = rules.passage("第一档执行基础电价，第二档加价。", rules.query("基础电价是多少"))
    assert (p.before, p.match, p.after) == ("第一档执行", "基础电价", "，第二档加价。")


def test_an_article_serves_its_node_and_below_and_who_manages_the_node_reads_what_is_below():
    assert rules.applies_to("/1/", "/1/4/") and rules.applies_to("/1/4/", "/1/") and rules.applies_to("/", "/9/")
    assert not rules.applies_to("/1/4/", "/1/5/")
    assert rules.may_read(someone(Role.AGENT)) and not rules.may_read(someone(Role.CONTRACTOR))
    assert rules.may_write(someone(Role.EXPERT)) and not rules.may_write(someone(Role.REP))
    assert rules.shown_statuses(someone(Role.AGENT), "retired") == ("published",)
    assert rules.shown_statuses(someone(Role.SUPERVISOR), "retired") == ("retired",)
    assert rules.shown_statuses(someone(Role.SUPERVISOR), None) == ("draft", "published")


@given(st.integers(-400, 400))
def test_review_is_overdue_past_its_date_soon_within_a_month_and_else_quiet(days):
    review_by = NOW + timedelta(days=days)
    due = rules.review_due(review_by, NOW)
    assert due == ("overdue" if days <= 0 else "soon" if days <= 30 else "")
    assert rules.next_review(NOW, None) == NOW + rules.REVIEW_EVERY and rules.next_review(NOW, review_by) == review_by


def test_keywords_split_on_any_comma_once_each():
    assert rules.keyword_list("电费, 电价；电费、阶梯，分档;") == ["电费", "电价", "阶梯", "分档"]


def test_problems_name_each_field():
    found = rules.problems(title="", body="x" * (rules.BODY_MAX + 1), keywords="k" * 401, topic="t" * 41, utility="gas", review_by=NOW, now=NOW)
    assert [p.field for p in found] == ["title", "body", "keywords", "topic", "utility", "review_by"]
    assert rules.problems(title="t", body="b", keywords="", topic="", utility=None, review_by=None, now=NOW) == []


CELL = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=30).map(str.strip)


@given(st.lists(st.tuples(CELL.filter(bool), CELL.filter(bool), CELL, CELL, st.sampled_from([None, "electric", "water"])), min_size=1, max_size=8))
def test_a_spreadsheet_written_is_read_back_as_it_was(articles):
    articles = [a for a in articles if not any(c[:1] in "=+-@" for c in a[:4])]  # those gain a quote, by design
    if not articles:
        return
    rows = importing.read(importing.as_csv(articles))
    assert [(r.title, r.body, r.keywords, r.topic, r.utility) for r in rows] == articles


def test_a_formula_in_a_cell_is_written_inert():
    text = importing.as_csv([("=HYPERLINK(\"x\")", "答案", "", "", None)]).decode("utf-8-sig")
    assert "'=HYPERLINK" in text


@given(st.text(alphabet=st.one_of(HAN, st.sampled_from("abc019 ，。")), min_size=1, max_size=80), st.data())
def test_every_pair_and_word_a_query_takes_from_an_articles_text_is_in_its_index_with_its_fields_weight(body, data):
    title = data.draw(st.text(alphabet=st.one_of(HAN, st.sampled_from("ab ")), max_size=20))
    index = rules.terms(title=title, keywords="", body=body)
    start = data.draw(st.integers(0, len(body) - 1))
    asked = rules.query(body[start:start + data.draw(st.integers(1, 12))])
    for part in rules.indexed(asked):
        if len(part) >= 2 and part in asked.pairs:
            assert part in index
            assert index[part] == (rules.TITLE_WEIGHT if part in title.lower() else rules.BODY_WEIGHT)
    assert all(len(t) <= rules.TERM_MAX for t in index)


def test_the_index_holds_pairs_words_and_the_pieces_of_mixed_words():
    index = rules.terms(title="家里停电", keywords="10kV线路", body="meter 跳闸")
    assert {"家里", "里停", "停电", "10kv", "线路", "meter", "跳闸"} <= set(index)
    assert (index["停电"], index["线路"], index["meter"]) == (rules.TITLE_WEIGHT, rules.KEYWORD_WEIGHT, rules.BODY_WEIGHT)
    assert rules.indexed(rules.query("电费怎么算")) == ("电费", "费怎", "么算")


def test_latin_words_are_looked_up_as_the_start_of_a_term_and_han_by_its_pairs():
    asked = rules.query("Smart METER 电表读数 kV 10kV线路 12345")
    assert rules.prefixed(asked) == ("smart", "meter", "10kv")  # not "kv" (short), "12345" (no letter) nor the Han word
    assert rules.after_prefix("meter") == "metes" and "meters" < rules.after_prefix("meter")


@given(st.text(alphabet="abcxyz09", min_size=3, max_size=8), st.text(alphabet="abcxyz09-", max_size=8), st.text(alphabet="abcxyz09", min_size=1, max_size=8))
def test_the_range_of_a_prefix_holds_exactly_the_terms_that_start_with_it(prefix, tail, other):
    end = rules.after_prefix(prefix)
    assert prefix <= prefix + tail < end
    if not other.startswith(prefix):
        assert not (prefix <= other < end)


PATHS = st.sampled_from(["/", "/1/", "/1/4/", "/1/4/7/", "/1/5/", "/2/"])


@given(st.sampled_from(list(Role)), PATHS, PATHS, st.sampled_from(sorted(rules.STATUSES)))
def test_a_draft_is_seen_only_by_who_may_change_it_and_a_published_article_wherever_it_applies(role, reader_path, article_path, status):
    actor = someone(role, reader_path)
    seen = rules.sees(actor, article_path, status)
    if status == "published":
        assert seen == (rules.may_read(actor) and rules.applies_to(article_path, reader_path))
    else:
        assert seen == (rules.may_change(actor, article_path) and rules.may_read(actor))
    if seen and rules.may_change(actor, article_path):
        assert article_path.startswith(reader_path)  # nothing a writer changes lies above them
