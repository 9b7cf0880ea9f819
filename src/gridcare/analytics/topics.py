"""Hot topics (热点诉求): what customers raise far more often in the last hours than before.
Pure: the orders' texts come in as arguments.

A supervisor cannot read every order, and a category ("consultation") hides what is new: ten
calls today about white flakes in the tap water are ten consultations, as every day. So the
texts are cut into short phrases (runs of two to four Han characters), and a phrase is hot when
the recent orders holding it far outnumber what its share of the earlier orders would give,
by more than chance explains among all the phrases tested. Each hot phrase is then widened
to the longest wording most of its orders share ("白色絮状物" rather than "絮状"), and a phrase
whose orders an earlier topic already holds is not told twice."""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from gridcare.core.poisson import poisson_sf

SIZES = (2, 3, 4)
MIN_ORDERS = 3  # fewer is chance, not a topic
LIFT = 3.0  # times the earlier share, at least
# How unlikely a count must be by chance, over all the phrases tested together: thousands are
# tested each time, so one in a hundred of each would let dozens through (street names,
# house numbers) where one in a hundred of all of them lets about none.
ALPHA = 0.01
SHARED = 0.9  # a wider wording is kept while this share of the topic's orders still holds it
SAME_TOPIC = 0.6  # a phrase whose orders are this much another topic's is that topic
WIDEST = 16
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
# How a demand is framed, not what it is about ("什么时候来水" keeps its question word: it is the topic).
FILLER = frozenset({"客户", "反映", "来电", "咨询", "请问", "我家", "家里", "我们", "要求", "希望", "一下"})
_FILLER = re.compile("|".join(sorted(FILLER, key=len, reverse=True)))


@dataclass(frozen=True)
class Topic:
    """A hot phrase: the recent orders holding it, how many its earlier share would give
    (``expected``), and how unlikely its count is by chance (``score``: 4 is one in 10,000)."""

    phrase: str
    orders: int
    expected: float
    score: float
    order_ids: tuple[int, ...]

    @property
    def lift(self) -> float | None:
        return round(self.orders / self.expected, 1) if self.expected else None


def phrases(text: str) -> set[str]:
    """The phrases of a text: every run of two to four characters within a run of Han
    characters. The wording (``FILLER``) cuts runs as punctuation does: "客户反映水表漏水" is
    about 水表漏水, not about 户反."""
    found = set()
    for run in _HAN.findall(_FILLER.sub(" ", text)):
        for size in SIZES:
            found.update(run[i:i + size] for i in range(len(run) - size + 1))
    return found


def surprise(orders: int, earlier: int, ratio: float) -> float:
    """How unlikely ``orders`` recent orders are when the phrase kept the share it had in the
    earlier orders (``earlier`` of them, ``ratio`` recent orders per earlier one): -log10 of
    the Poisson chance of that many or more. Half an order more of doubt on the earlier count:
    a phrase never seen before is rare, not impossible."""
    rate = (earlier + 0.5) * ratio
    if orders <= rate:
        return 0.0
    chance = poisson_sf(orders - 1, rate)
    return -math.log10(chance) if chance > 0 else 300.0  # past a double's range: certain


def is_hot(orders: int, earlier: int, ratio: float, *, tested: int = 1) -> bool:
    """Enough orders, well above the earlier share, and too many for chance among the
    ``tested`` phrases."""
    return orders >= MIN_ORDERS and orders >= LIFT * earlier * ratio and surprise(orders, earlier, ratio) >= -math.log10(ALPHA / max(tested, 1))


def _widen(phrase: str, texts: Sequence[str]) -> str:
    """The phrase grown one character at a time, left or right, while ``SHARED`` of the texts
    that hold it still hold the wider wording."""
    need = math.ceil(SHARED * len(texts))
    while len(phrase) < WIDEST:
        wider = set()
        for text in texts:
            for m in re.finditer(re.escape(phrase), text):
                if m.end() < len(text) and _HAN.match(text[m.end()]):
                    wider.add(phrase + text[m.end()])
                if m.start() > 0 and _HAN.match(text[m.start() - 1]):
                    wider.add(text[m.start() - 1] + phrase)
        best = max(((sum(w in t for t in texts), w) for w in wider), default=(0, ""))
        if best[0] < need:
            return phrase
        phrase = best[1]
    return phrase


def hot_topics(recent: Sequence[tuple[int, str]], earlier: Sequence[str], *, limit: int = 20) -> list[Topic]:
    """The hot topics of ``recent`` (order id, text) against ``earlier`` texts, best first.
    A phrase's expected count is its share of the earlier orders times the recent orders: by
    share, not by hour, so the daytime peak of calls and a day busier all round are not a
    topic. With no earlier text there is no share to exceed: nothing is hot (a new
    installation's first day is not a storm)."""
    if not earlier or not recent:
        return []
    ratio = len(recent) / len(earlier)
    holders: dict[str, list[int]] = defaultdict(list)
    text_of = dict(recent)
    for order_id, text in recent:
        for phrase in phrases(text):
            holders[phrase].append(order_id)
    wanted = {p for p, ids in holders.items() if len(ids) >= MIN_ORDERS}
    tested = len(wanted)
    before = _count(earlier, wanted)
    candidates = sorted(
        ((surprise(len(holders[p]), before[p], ratio), len(p), p) for p in wanted if is_hot(len(holders[p]), before[p], ratio, tested=tested)),
        reverse=True,
    )
    topics: list[Topic] = []
    told: set[int] = set()
    for _score, _size, phrase in candidates:
        ids = holders[phrase]
        if sum(i in told for i in ids) >= SAME_TOPIC * len(ids):
            continue
        wide = _widen(phrase, [_FILLER.sub(" ", text_of[i]) for i in ids])
        if any(wide in t.phrase or t.phrase in wide for t in topics):
            continue
        held = tuple(sorted((i for i in ids if wide in text_of[i]), reverse=True))
        seen = _count(earlier, {wide})[wide]
        if not is_hot(len(held), seen, ratio, tested=tested):
            continue
        topics.append(Topic(wide, len(held), round(seen * ratio, 2), round(surprise(len(held), seen, ratio), 1), held))
        told.update(ids)
        if len(topics) >= limit:
            break
    return sorted(topics, key=lambda t: (-t.score, -t.orders, t.phrase))


def _count(texts: Iterable[str], wanted: set[str]) -> Counter[str]:
    """How many of the texts hold each wanted phrase (once per text)."""
    counted: Counter[str] = Counter()
    if not wanted:
        return counted
    sizes = sorted({len(p) for p in wanted})
    if max(sizes) <= max(SIZES):
        for text in texts:
            counted.update(phrases(text) & wanted)
    else:
        for text in texts:
            counted.update(p for p in wanted if p in text)
    return counted
