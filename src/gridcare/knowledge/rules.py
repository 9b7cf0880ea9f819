"""Pure rules of the knowledge base (知识库): what a search asks for, how well an article
answers it, the passage to show, who reads and who writes an article, and when one is due for
review. No database, no clock.

Chinese has no spaces between words and a caller's wording ("电费怎么算") rarely matches an
article's ("电费的计算方法") character for character. So a run of Han characters is searched as
its overlapping pairs (电费, 费怎, 怎么, 么算) as well as whole, and an article ranks by how many
of the query's parts it holds, and where: the title and keywords count more than the body."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from gridcare.core.errors import FieldProblem
from gridcare.core.i18n import N_, T_
from gridcare.core.principal import Principal, Role

TITLE_MAX, BODY_MAX, KEYWORDS_MAX, TOPIC_MAX = 200, 20_000, 400, 40
QUERY_MAX = 200  # characters read of a query: a caller's question, not a document
MAX_PARTS = 16
STATUSES = {"draft": N_("Draft"), "published": N_("Published"), "retired": N_("Retired")}
UTILITIES = ("electric", "water")
# Policies change (tariffs, rules of supply): an article is read again at least yearly.
REVIEW_EVERY = timedelta(days=365)
REVIEW_SOON = timedelta(days=30)
WRITERS = frozenset({Role.ADMIN, Role.SUPERVISOR, Role.EXPERT})
# A contractor's account is for its own jobs, not the utility's answers to customers.
READERS = frozenset(Role) - {Role.CONTRACTOR}

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
# What separates words: anything that is neither a letter, a digit nor a Han character.
_SPLIT = re.compile(r"[^\w\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|_+")
_SCRIPTS = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[^\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
TITLE_WEIGHT, KEYWORD_WEIGHT, BODY_WEIGHT, WHOLE_BONUS = 5, 3, 1, 4
# How a caller asks, not what about: pairs every question holds ("怎么", "请问"), which
# would match every article that is itself a question.
ASKING = frozenset({"怎么", "什么", "如何", "为何", "怎样", "哪里", "哪儿", "可以", "请问", "一下", "为什", "么办", "么样", "多少", "多久", "是否", "是不", "不是",
                    "我家", "我们", "你们", "这个", "那个", "到底", "的话", "了吗", "吗？"})


@dataclass(frozen=True)
class Query:
    """What a search asks for: its words as typed (lower-cased) and the pairs of characters
    of its Han runs, each once."""

    words: tuple[str, ...]
    pairs: tuple[str, ...]

    @property
    def parts(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((*self.words, *self.pairs)))[:MAX_PARTS]

    def __bool__(self) -> bool:
        return bool(self.words)


def query(text: str) -> Query:
    """The query in ``text``: each word, and within a word each run of Han characters of three
    or more as its overlapping pairs; a word mixing scripts ("10kv线路") also as each part."""
    words: list[str] = []
    pairs: list[str] = []
    for word in _SPLIT.split(text[:QUERY_MAX].lower()):
        if not word:
            continue
        words.append(word)
        for piece in _SCRIPTS.findall(word):
            if _HAN.fullmatch(piece) and len(piece) >= 3:
                pairs += [pair for pair in (piece[i:i + 2] for i in range(len(piece) - 1)) if pair not in ASKING]
            elif piece != word and len(piece) >= 2:
                pairs.append(piece)
    words = list(dict.fromkeys(words))[:MAX_PARTS]
    return Query(tuple(words), tuple(p for p in dict.fromkeys(pairs) if p not in words))


def score(asked: Query, *, title: str, keywords: str, body: str) -> int:
    """How well an article answers a query: 0 when it holds none of its parts. Each part counts
    once, where it weighs most; a Han word of three or more characters found whole (the
    caller's words as they said them) adds a bonus."""
    title, keywords, body = title.lower(), keywords.lower(), body.lower()
    total = 0
    for part in asked.parts:
        if part in title:
            total += TITLE_WEIGHT
        elif part in keywords:
            total += KEYWORD_WEIGHT
        elif part in body:
            total += BODY_WEIGHT
    if total:
        whole = f"{title}\n{keywords}\n{body}"
        total += sum(WHOLE_BONUS for w in asked.words if len(w) >= 3 and _HAN.search(w) and w in whole)
    return total


TERM_MAX = 40  # characters of a term in the index (a longer word is found by its pairs, or not)


def _pieces(text: str) -> Iterator[str]:
    """The index's terms of one text: each word, each pair of a Han run, each piece of a word
    mixing scripts: the same cuts ``query`` makes, so a query's pairs and pieces are found."""
    for word in _SPLIT.split(text.lower()):
        if not word:
            continue
        if len(word) <= TERM_MAX:
            yield word
        for piece in _SCRIPTS.findall(word):
            if _HAN.fullmatch(piece):
                yield from (piece[i:i + 2] for i in range(len(piece) - 1))
            elif piece != word and 2 <= len(piece) <= TERM_MAX:
                yield piece


def terms(*, title: str, keywords: str, body: str) -> dict[str, int]:
    """Term -> the weight of the field it counts in (the highest it appears in): the rows an
    article adds to the search index."""
    found: dict[str, int] = {}
    for text, weight in ((body, BODY_WEIGHT), (keywords, KEYWORD_WEIGHT), (title, TITLE_WEIGHT)):
        for term in _pieces(text):
            found[term] = weight
    return found


def indexed(asked: Query) -> tuple[str, ...]:
    """The parts of a query the index answers: pairs and pieces always; words only as whole
    as they are short (a long Han word is found by its pairs)."""
    pairs = tuple(p for p in asked.pairs if len(p) <= TERM_MAX)
    return tuple(dict.fromkeys((*(w for w in asked.words if len(w) <= TERM_MAX and not (_HAN.fullmatch(w) and len(w) > 2)), *pairs)))


def prefixed(asked: Query) -> tuple[str, ...]:
    """The parts the index finds as the start of a term, as a search box is expected to:
    words of three or more characters with a letter and no Han ("meter" finds "meters" and
    "metering"). Han is not: its pairs already find a word anywhere."""
    return tuple(w for w in indexed(asked) if len(w) >= 3 and not _HAN.search(w) and any(c.isalpha() for c in w))


def after_prefix(prefix: str) -> str:
    """The least string greater than every string starting with ``prefix``: the end of the
    index range that holds them."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def ranked(asked: Query, articles: Iterable[tuple[int, str, str, str, int]], *, limit: int) -> list[tuple[int, int]]:
    """(id, score) of the articles that hold any part, best first; ties go to the article used
    more often, then the newer (higher id). Articles are (id, title, keywords, body, uses)."""
    scored = []
    for article_id, title, keywords, body, uses in articles:
        s = score(asked, title=title, keywords=keywords, body=body)
        if s:
            scored.append((s, uses, article_id))
    scored.sort(reverse=True)
    return [(article_id, s) for s, _uses, article_id in scored[:limit]]


@dataclass(frozen=True)
class Passage:
    """Where the body answers the query: the text before, the matched part and after. Kept
    apart so a page escapes each and marks only the match, never building HTML from text."""

    before: str
    match: str
    after: str
    cut_before: bool
    cut_after: bool


def passage(body: str, asked: Query, *, width: int = 120) -> Passage:
    """About ``width`` characters of the body around its longest stretch of matched parts
    (overlapping pairs join: 基础 + 础电 + 电价 mark 基础电价); the start of the body when none
    is found."""
    text = " ".join(body.split())
    lowered = text.lower()
    found = sorted((m.start(), m.start() + len(part)) for part in asked.parts for m in re.finditer(re.escape(part), lowered))
    stretches: list[list[int]] = []
    for begin, end in found:
        if stretches and begin <= stretches[-1][1]:
            stretches[-1][1] = max(stretches[-1][1], end)
        else:
            stretches.append([begin, end])
    if not stretches:
        return Passage(text[:width], "", "", False, len(text) > width)
    at, stop = max(stretches, key=lambda s: s[1] - s[0])
    start = max(0, at - width // 3)
    end = min(len(text), max(stop, start + width))
    return Passage(text[start:at], text[at:stop], text[stop:end], start > 0, end < len(text))


def keyword_list(keywords: str) -> list[str]:
    """Keywords as written, separated by commas (either width), semicolons or enumeration
    commas, each once."""
    return list(dict.fromkeys(k.strip() for k in re.split(r"[,;，；、\n]", keywords) if k.strip()))


def problems(*, title: str, body: str, keywords: str, topic: str, utility: str | None, review_by: datetime | None, now: datetime) -> list[FieldProblem]:
    """What is wrong with an article as written (empty: it may be saved)."""
    found = []
    if not title.strip() or len(title) > TITLE_MAX:
        found.append(FieldProblem("title", T_("must be %(low)s to %(high)s characters", low=1, high=TITLE_MAX)))
    if not body.strip() or len(body) > BODY_MAX:
        found.append(FieldProblem("body", T_("must be %(low)s to %(high)s characters", low=1, high=BODY_MAX)))
    if len(keywords) > KEYWORDS_MAX:
        found.append(FieldProblem("keywords", T_("must be at most %(n)s characters", n=KEYWORDS_MAX)))
    if len(topic) > TOPIC_MAX:
        found.append(FieldProblem("topic", T_("must be at most %(n)s characters", n=TOPIC_MAX)))
    if utility is not None and utility not in UTILITIES:
        found.append(FieldProblem("utility", T_("must be one of %(choices)s", choices=", ".join(UTILITIES))))
    if review_by is not None and review_by <= now:
        found.append(FieldProblem("review_by", T_("must be in the future")))
    return found


def review_due(review_by: datetime, now: datetime) -> str:
    """"overdue" past its review date, "soon" within a month of it, else ""."""
    if review_by <= now:
        return "overdue"
    if review_by <= now + REVIEW_SOON:
        return "soon"
    return ""


def next_review(now: datetime, asked: datetime | None) -> datetime:
    return asked if asked is not None else now + REVIEW_EVERY


def applies_to(article_path: str, reader_path: str) -> bool:
    """An article published at an organisation node serves everyone at or below it; who
    manages a node also sees what was published below it."""
    return reader_path.startswith(article_path) or article_path.startswith(reader_path)


def may_read(actor: Principal) -> bool:
    return actor.role in READERS


def may_write(actor: Principal) -> bool:
    return actor.role in WRITERS


def may_change(actor: Principal, article_path: str) -> bool:
    """A writer changes the articles published at their node or below it, not above."""
    return may_write(actor) and article_path.startswith(actor.org_path)


def sees(actor: Principal, article_path: str, status: str) -> bool:
    """Who may open an article: a reader, what is published where it applies to them; a writer
    also the drafts and retired articles they may change. A draft above them is its keepers'
    work in progress, not an answer yet."""
    if not may_read(actor) or not applies_to(article_path, actor.org_path):
        return False
    return status == "published" or may_change(actor, article_path)


def shown_statuses(actor: Principal, asked: str | None) -> Collection[str]:
    """Which statuses a list shows: a reader who does not write sees published articles only;
    a writer sees what they ask for, by default all but the retired."""
    if not may_write(actor):
        return ("published",)
    if asked in STATUSES:
        return (asked,)
    return ("draft", "published")
