"""Hot topics (热点诉求): what customers raise far more often in the last hours than before.
Pure: the orders' texts come in as arguments.

A supervisor cannot read every order, and a category ("consultation") hides what is new: ten
calls today about white flakes in the tap water are ten consultations, as every day. So the
texts are cut into short phrases (runs of two to four Han characters, and whole Latin words:
"APP登录不上" is about the APP), and a phrase is hot when the recent orders holding it far
outnumber what its share of the earlier orders would give, by more than chance explains among
all the phrases tested. Each hot phrase is then widened
to the longest wording most of its orders share ("白色絮状物" rather than "絮状"), less the
function words at its edges, and a phrase whose orders an earlier topic already holds is not
told twice. Every text is normalised first (full-width and lower-case letters as capitals), so
"app", "ＡＰＰ" and "APP" are one word."""

from __future__ import annotations

import math
import re
import unicodedata
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
# A Latin word: a whole run of letters and digits holding a letter ("APP", "4G"). Han characters
# are \w too, so the edges are looked at, not \b. Digits alone (house numbers, accounts,
# 95598) name no demand.
_LATIN = r"(?<![A-Z0-9])[A-Z0-9]*[A-Z][A-Z0-9]*(?![A-Z0-9])"
_RUNS = re.compile(f"{_HAN.pattern}|{_LATIN}")
_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
# How a demand is framed, not what it is about ("什么时候来水" keeps its question word: it is the topic).
FILLER = frozenset({"客户", "反映", "来电", "咨询", "请问", "我家", "家里", "我们", "要求", "希望", "一下"})
_FILLER = re.compile("|".join(sorted(FILLER, key=len, reverse=True)))
# Function words at a wording's edges say how it was said, not what about: widening keeps a
# leading 有 when nearly every caller said it ("有白色絮状物"), or a trailing 了 ("突然停电了").
LEADING = frozenset("有的了是在也都就还又很说")
TRAILING = frozenset("了的啊呢吗吧呀是在有说")


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


def normalise(text: str) -> str:
    """The text as it is compared: full-width letters and digits as ASCII, letters as capitals
    (callers and agents type "app", "App" and "ＡＰＰ" alike); Han is unchanged."""
    return unicodedata.normalize("NFKC", text).upper()


def phrases(text: str) -> set[str]:
    """The phrases of a text: every run of two to four characters within a run of Han
    characters, and every Latin word of two characters or more. The wording (``FILLER``) cuts
    runs as punctuation does: "客户反映水表漏水" is about 水表漏水, not about 户反."""
    return _cut(normalise(text))


def _cut(text: str) -> set[str]:
    """``phrases`` of a text already normalised (``hot_topics`` normalises each text once)."""
    found = set()
    for run in _RUNS.findall(_FILLER.sub(" ", text)):
        if run[0] in _ALNUM:
            if len(run) > 1:
                found.add(run)
            continue
        found.update([run[i:i + size] for size in SIZES for i in range(len(run) - size + 1)])  # one call a run: quicker
    return found


def trim(phrase: str) -> str:
    """The phrase without function words at its edges (``LEADING``, ``TRAILING``), kept two
    characters long at least: "有白色絮状物" is about 白色絮状物, "有电" stays itself."""
    while len(phrase) > 2 and (phrase[0] in LEADING or phrase[-1] in TRAILING):
        phrase = phrase[1:] if phrase[0] in LEADING else phrase[:-1]
    return phrase


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


def _finder(wording: str) -> re.Pattern[str]:
    """Where a wording stands in a normalised text: a Latin word at its edge stands whole there
    (APP is not in WHATSAPP)."""
    left = r"(?<![A-Z0-9])" if wording[:1] in _ALNUM else ""
    right = r"(?![A-Z0-9])" if wording[-1:] in _ALNUM else ""
    return re.compile(left + re.escape(wording) + right)


def _grown(phrase: str, texts: Sequence[str]) -> Counter[str]:
    """How many of the texts hold each wording one step wider than the phrase: a Han character
    more on either side, or a whole Latin word ("APP登录不上", never "PP登录不上")."""
    at = re.compile(f"(?={_finder(phrase).pattern})")  # overlapping: 哈哈 twice in 哈哈哈
    held: Counter[str] = Counter()
    for text in texts:
        wider = set()
        for m in at.finditer(text):
            head, tail = text[:m.start()], text[m.start() + len(phrase):]
            right = tail[:len(tail) - len(tail.lstrip(_ALNUM))] or (tail[:1] if _HAN.match(tail[:1]) else "")
            left = head[len(head.rstrip(_ALNUM)):] or (head[-1:] if _HAN.match(head[-1:]) else "")
            wider.update(w for w in (phrase + right, left + phrase) if w != phrase)
        held.update(wider)
    return held


def _widen(phrase: str, texts: Sequence[str]) -> str:
    """The phrase grown a step at a time (``_grown``), left or right, while ``SHARED`` of the
    texts that hold it still hold the wider wording, up to ``WIDEST`` characters."""
    need = math.ceil(SHARED * len(texts))
    while True:
        best = max(((n, w) for w, n in _grown(phrase, texts).items() if len(w) <= WIDEST), default=(0, ""))
        if best[0] < need:
            return phrase
        phrase = best[1]


def hot_topics(recent: Sequence[tuple[int, str]], earlier: Sequence[str], *, limit: int = 20) -> list[Topic]:
    """The hot topics of ``recent`` (order id, text) against ``earlier`` texts, best first.
    A phrase's expected count is its share of the earlier orders times the recent orders: by
    share, not by hour, so the daytime peak of calls and a day busier all round are not a
    topic. With no earlier text there is no share to exceed: nothing is hot (a new
    installation's first day is not a storm). Phrases and orders are in normalised text."""
    if not earlier or not recent:
        return []
    ratio = len(recent) / len(earlier)
    recent = [(order_id, normalise(text)) for order_id, text in recent]
    earlier = [normalise(text) for text in earlier]
    holders: dict[str, list[int]] = defaultdict(list)
    text_of = dict(recent)
    for order_id, text in recent:
        for phrase in _cut(text):
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
        wide = trim(_widen(phrase, [_FILLER.sub(" ", text_of[i]) for i in ids]))
        if any(wide in t.phrase or t.phrase in wide for t in topics):
            continue
        finder = _finder(wide)  # the wording may span more than a phrase: looked for in each text
        held = tuple(sorted((i for i in ids if finder.search(text_of[i])), reverse=True))
        seen = sum(1 for text in earlier if finder.search(text))
        if not is_hot(len(held), seen, ratio, tested=tested):
            continue
        topics.append(Topic(wide, len(held), round(seen * ratio, 2), round(surprise(len(held), seen, ratio), 1), held))
        told.update(ids)
        if len(topics) >= limit:
            break
    return sorted(topics, key=lambda t: (-t.score, -t.orders, t.phrase))


def _count(texts: Iterable[str], wanted: set[str]) -> Counter[str]:
    """How many of the normalised texts hold each wanted phrase (once per text). The wanted are
    phrases as ``phrases`` cuts them, so one cut of a text answers for all of them; a widened
    wording is looked for with ``_finder`` instead."""
    counted: Counter[str] = Counter()
    if wanted:
        for text in texts:
            counted.update(_cut(text) & wanted)
    return counted
