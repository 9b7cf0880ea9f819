"""Addresses: parse what a caller says and find the known addresses it most likely means.

A hotline caller says "五一大道那个枫林绿洲小区三栋" while the system stores
"长沙市芙蓉区五一大道188号枫林绿洲3栋2单元502". Both sides go through one parser, so quirks
of normalisation cancel out. The index matches names (roads, communities) over a small
vocabulary first, then flats inside the few blocks those names lead to: postings are per
distinct name, never per address, so a million addresses take about 20 MB.

Pure and deterministic: no I/O, never raises on bad input.
"""

from __future__ import annotations

import heapq
import re
import unicodedata
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

__all__ = ["AddressIndex", "AddressParts", "Match", "address_key", "parse_address"]

_MAX_RAW = 200  # longer input is not an address; the cap keeps hostile input cheap
_HAN = "\u3400-\u4dbf\u4e00-\u9fff"
_CN_DIGITS = dict(zip("零〇幺一二两三四五六七八九", (0, 0, 1, 1, 2, 2, 3, 4, 5, 6, 7, 8, 9),
                      strict=True))
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_CN = "".join(_CN_DIGITS) + "".join(_CN_UNITS)
# Numerals become digits only beside a marker: 五一大道, 三湘路 and 八一路 must stay names.
_CN_BEFORE = re.compile(f"[{_CN}]+(?=号|栋|幢|座|单元|组|室|层|楼|期|户|房)")
_CN_AFTER = re.compile(f"(?<=[栋幢座元组])[{_CN}]+(?=$|[^{_HAN}]|室|号|户|房)")
_FILLERS = re.compile("|".join(sorted((
    "我家住在", "我家在", "我住在", "就住在", "住在", "就在", "我家", "我住", "我们", "那个",
    "这个", "那边", "这边", "那里", "这里", "附近", "旁边", "对面", "里面", "就是", "请问",
    "你好", "您好", "麻烦", "地址是", "地址", "大概", "好像", "一下", "的", "在", "嗯", "啊",
    "呢", "吧", "哦", "呀", "了"), key=len, reverse=True)))
_SYNONYM_TRIGGER = re.compile("第|#|号楼|号栋|幢|座|室|房|-")  # stored addresses skip them all
_SYNONYMS = (
    (re.compile(r"第(?=[0-9])"), ""),
    (re.compile(r"(?<![0-9])([0-9]+)#楼?"), r"\1栋"),
    (re.compile(r"(?<![0-9A-Z])([0-9]+|[A-Z])(?:号楼|号栋|幢|座)"), r"\1栋"),
    (re.compile(r"(?<![0-9])([0-9]+)(?:室|房)"), r"\1"),
    (re.compile(r"(?<![0-9])([0-9]+)-([0-9]+)-([0-9]+)"), r"\1栋\2单元\3"),
    (re.compile(r"(?<=栋)([0-9]+)-([0-9]+)"), r"\1单元\2"),
    (re.compile(r"(?<![0-9])([0-9]+)-([0-9]+)"), r"\1栋\2"),
)
_DASH = re.compile("[\u2010-\u2015\u2212\ufe63\u30fc~]")  # hyphens, dashes, minus, ー
_PUNCT = re.compile(f"[^0-9A-Z{_HAN}#-]+")
_JUNK = re.compile(f"[^0-9A-Z{_HAN}]+")
_TOKEN = re.compile(f"([0-9]+)(号|栋|单元|组|期|层|楼|户)?|([A-Z]+)(栋)?|([{_HAN}]+)")
_ASCII_RUN = re.compile("[0-9]+")
_ADMIN = (("province", re.compile(f"[{_HAN}]{{2,7}}?(?:省|自治区)")),
          ("city", re.compile(f"[{_HAN}]{{2,5}}?(?<![城超菜门])市")),
          ("district", re.compile(f"[{_HAN}]{{1,5}}?(?<![小社园校景厂营])(?:区|县)")))
_COUNTY_CITY = re.compile(f"[{_HAN}]{{2,4}}?(?<![城超菜门])市")
_ROAD = re.compile("(.+?(?:大道|大街|公路|路|街(?!道)|巷))")  # a 街道 is a subdistrict
_ROAD_SUFFIX = re.compile("(?:大道|大街|公路|路|街|巷)$")
_COMMUNITY_SUFFIXES = ("小区", "花园", "苑", "庭院", "新村", "公寓")
# Which field a number fills, from its marker or else from what came just before it.
_BY_MARKER = {"栋": "building", "单元": "unit", "组": "group", "户": "room"}
_AFTER_HAO = {"road": "number", "village": "room", "group": "room", "community": "building?",
              "building": "room", "unit": "room"}
_AFTER_BARE = {"road": "number", "community": "building?"}

# Weights of the fields a caller gave; a score is the share of that weight an address matches.
_WEIGHTS = {"district": 0.5, "road": 1.0, "number": 1.0, "community": 3.0, "building": 3.0,
            "unit": 1.0, "room": 1.5}
_BITS = 21  # building, unit and room token ids packed into one 63-bit integer per flat
_MASK = (1 << _BITS) - 1
_SHIFTS = (2 * _BITS, _BITS, 0)  # building, unit, room
_MAX_BLOCKS = 32
_MAX_PLANS = 1 << 16
_POOL = 48


@dataclass(frozen=True, slots=True)
class AddressParts:
    """One address split into fields; numbers are ASCII digit strings, absent fields ""."""

    province: str = ""
    city: str = ""
    district: str = ""
    road: str = ""
    number: str = ""
    community: str = ""
    building: str = ""
    unit: str = ""
    room: str = ""  # a flat, or a house number within a village group
    village: str = ""
    group: str = ""
    rest: str = ""


@dataclass(frozen=True, slots=True)
class Match:
    id: int
    score: float  # 0..1: the share of what the caller said that this address matches
    matched: tuple[str, ...]  # fields equal to what the caller said
    fuzzy: tuple[str, ...]  # fields only similar: a typo, 路 for 大道, part of a name


def _cn_number(run: str) -> str:
    if not any(c in _CN_UNITS for c in run):
        return "".join(str(_CN_DIGITS[c]) for c in run)  # read digit by digit: 五零二
    total = current = 0
    unit = 1
    for c in run:
        if c in _CN_UNITS:
            unit = _CN_UNITS[c]
            total, current = total + (current or 1) * unit, 0
        else:
            current = _CN_DIGITS[c]
    if current and unit >= 100 and run[-2] in _CN_UNITS:
        current *= unit // 10  # 一百八 is 180 in speech, not 108
    return str(total + current)


def _normalise(text: str) -> str:
    s = unicodedata.normalize("NFKC", text[:_MAX_RAW]).upper()
    s = _FILLERS.sub("", _PUNCT.sub("", _DASH.sub("-", s)))
    s = _CN_BEFORE.sub(lambda m: _cn_number(m.group()), s)
    s = _CN_AFTER.sub(lambda m: _cn_number(m.group()), s)
    if _SYNONYM_TRIGGER.search(s):
        for pattern, repl in _SYNONYMS:
            s = pattern.sub(repl, s)
    return _JUNK.sub("", s)


def _split_words(text: str, road_like: bool, have: set[str]) -> list[tuple[str, str]]:
    """(field, value) pairs in one run of Han characters, given the fields already filled."""
    out: list[tuple[str, str]] = []
    for field, pattern in _ADMIN:
        m = pattern.match(text)
        if m and field not in have:
            out.append((field, m.group()))
            text = text[m.end():]
    filled = have | {f for f, _ in out}
    m = _COUNTY_CITY.match(text) if "city" in filled and "district" not in filled else None
    if m and m.end() < len(text):
        out.append(("district", m.group()))
        text = text[m.end():]
    if not text:
        return [*out, ("admin", "")]
    m = _ROAD.match(text)
    if "road" not in have and (m or road_like):
        road = m.group() if m else text
        out.append(("road", road))
        text = text[len(road):]
    if text:
        # "枫林绿洲小区门口": a recognised estate suffix ends the name; what follows is chatter.
        end = max((text.rfind(x) + len(x) for x in _COMMUNITY_SUFFIXES if x in text), default=0)
        text, tail = (text[:end], text[end:]) if end else (text, "")
        out.append(("village" if text.endswith("村") and not text.endswith("新村")
                    else "community", text))
        if tail:
            out.append(("rest", tail))
    return out


# Where each piece of the text goes: (field, text, k, suffix). A field's value is its pieces
# joined; a piece with k >= 0 is the k-th run of digits (leading zeros dropped) plus suffix.
# A plan never looks at digit values, so one plan serves every address of the same shape.
_Piece = tuple[str, str, int, str]


def _plan(tokens: list[tuple[str, str, str, str, str]]) -> list[_Piece]:
    pieces: list[_Piece] = []
    have: set[str] = set()
    last = ""  # what the previous token was: a bare number takes its meaning from it
    run = -1

    def put(field: str, text: str = "", k: int = -1, suffix: str = "") -> str:
        taken = field.rstrip("?")
        field = "rest" if taken in have else field
        have.add(taken)
        pieces.append((field, text, k, suffix))
        return field.rstrip("?")

    for i, (_, marker, letters, letter_mark, words) in enumerate(tokens):
        if words:
            # A name followed by "N号" and then another name is a road with its door number.
            road_like = i + 2 < len(tokens) and tokens[i + 1][1] == "号" and bool(tokens[i + 2][4])
            for field, value in _split_words(words, road_like, have):
                last = field if field == "admin" else put(field, value)
        elif letters:
            last = put("building" if letter_mark else "rest", letters)
        else:
            run += 1
            if marker == "期" and last in ("community", "village"):
                pieces.append((last, "", run, "期"))  # 枫林绿洲二期 is one estate's name
            elif marker in ("期", "层", "楼"):
                put("rest", "", run, marker)
                last = "floor"
            elif marker == "号":
                last = put(_AFTER_HAO.get(last, "number"), "", run)
            else:
                last = put(_BY_MARKER.get(marker) or _AFTER_BARE.get(last, "room"), "", run)
    return pieces


def _template_plan(template: str) -> tuple[_Piece, ...] | None:
    """The plan for text whose ASCII digit runs were each replaced by "0", or None when
    normalising merged digit runs so that raw runs no longer map one to one.

    Stored addresses share a few thousand templates ("长沙市芙蓉区井湾路0号湘府嘉园0栋0单元0"),
    so building an index normalises each template once instead of each address. A twin with
    "1" for "0" tells the raw runs apart from digits that numerals (二期) turned into.
    """
    tokens = _TOKEN.findall(_normalise(template))
    twin = _TOKEN.findall(_normalise(template.replace("0", "1")))
    if len(twin) != len(tokens):
        return None
    slots: list[int | str] = []  # per digit token: the raw run it holds, or its literal digits
    for ours, theirs in zip(tokens, twin, strict=True):
        if ours[1:] != theirs[1:] or bool(ours[0]) != bool(theirs[0]):
            return None
        if (ours[0], theirs[0]) == ("0", "1"):
            slots.append(sum(isinstance(x, int) for x in slots))
        elif ours[0] and ours[0] == theirs[0]:
            slots.append(ours[0].lstrip("0") or "0")
        elif ours[0]:
            return None
    if sum(isinstance(x, int) for x in slots) != template.count("0"):
        return None
    plan = []
    for field, text, k, suffix in _plan(tokens):
        slot = slots[k] if k >= 0 else -1
        plan.append((field, slot + suffix, -1, "") if isinstance(slot, str)
                    else (field, text, slot, suffix))
    return tuple(plan)


def _parse(text: str, plans: dict[str, tuple[_Piece, ...] | None] | None = None
           ) -> dict[str, str]:
    """Fields of ``text``; ``plans`` memoises plans by template while an index is built."""
    plan: Iterable[_Piece] | None = None
    if plans is not None and len(text) <= _MAX_RAW:
        template = _ASCII_RUN.sub("0", text)
        if template in plans:
            plan = plans[template]
        else:
            plan = _template_plan(template)
            if len(plans) < _MAX_PLANS:  # a free-text store may have no two addresses alike
                plans[template] = plan
        runs = _ASCII_RUN.findall(text)
    if plan is None:
        tokens = _TOKEN.findall(_normalise(text))
        plan, runs = _plan(tokens), [t[0] for t in tokens if t[0]]
    f: dict[str, str] = {}
    for field, value, k, suffix in plan:
        if k >= 0:
            value = (runs[k].lstrip("0") or "0") + suffix
        if field == "building?":  # "枫林绿洲3" is building 3, "枫林绿洲502" is flat 502
            field = "room" if len(value) >= 3 and "room" not in f else "building"
        f[field] = f[field] + value if field in f else value
    return f


def parse_address(text: str) -> AddressParts:
    """Split free text into fields after normalising digits, numerals and synonyms."""
    return AddressParts(**_parse(text))


def _community_core(name: str) -> str:
    # Callers add or drop "小区" and "村" freely; other suffixes (花园, 苑...) tell estates apart.
    for suffix in ("小区", "村"):
        if name.endswith(suffix) and not name.endswith("新村") and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


def _road_core(name: str) -> str:
    core = _ROAD_SUFFIX.sub("", name)
    return core if len(core) >= 2 else name


def address_key(parts: AddressParts) -> str:
    """Canonical string for exact-ish matching; a village's group stands in the building slot."""
    return "|".join((parts.district, parts.road, parts.number,
                     _community_core(parts.community or parts.village),
                     parts.building or parts.group, parts.unit, parts.room))


def _grams(core: str) -> set[str]:
    # Skip-grams survive a one-character typo inside a short name; single characters give
    # two-character names ("井湾") a way to be found despite a typo.
    grams = {core[i:i + 2] for i in range(len(core) - 1)}
    grams.update(core[i] + "*" + core[i + 2] for i in range(len(core) - 2))
    return grams | set(core) if len(core) <= 2 else grams


def _within_one_edit(a: str, b: str) -> bool:
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) <= 1 or (len(diff) == 2 and diff[1] == diff[0] + 1
                                  and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    if len(long_) - len(short) > 1:
        return False
    i = next((i for i in range(len(short)) if short[i] != long_[i]), len(short))
    return short[i:] == long_[i + 1:]


def _similarity(query: str, qcore: str, name: str, ncore: str) -> float:
    if query == name:
        return 1.0
    if qcore == ncore:  # 枫林绿洲小区 is 枫林绿洲, but 五一路 is only near 五一大道
        return 0.85 if _ROAD_SUFFIX.search(name) else 1.0
    short = min(len(qcore), len(ncore)) < 3
    if min(len(query), len(name)) >= 3 and (
            _within_one_edit(query, name) if short else _within_one_edit(qcore, ncore)):
        return 0.8
    if len(ncore) >= 2 and ncore in qcore:  # the caller said more than the name
        return 0.5 + 0.3 * len(ncore) / len(qcore)
    if len(qcore) >= 2 and qcore in ncore:  # the caller said part of the name
        return 0.45 + 0.3 * len(qcore) / len(ncore)
    qg, ng = _grams(qcore), _grams(ncore)
    return 0.7 * 2 * len(qg & ng) / (len(qg) + len(ng))


class _Names:
    """Distinct names of one kind (roads or communities) with gram postings for fuzzy lookup."""

    def __init__(self, core: Callable[[str], str]) -> None:
        self.core = core
        self.names, self.cores = [""], [""]
        self.ids: dict[str, int] = {"": 0}
        self.postings: dict[str, list[int]] = {}

    def add(self, name: str) -> int:
        i = self.ids.get(name)
        if i is None:
            i = self.ids[name] = len(self.names)
            self.names.append(name)
            self.cores.append(core := self.core(name))
            for gram in _grams(core):
                self.postings.setdefault(gram, []).append(i)
        return i

    def similarity(self, query: str, i: int) -> float:
        if not (i and query):
            return 0.0
        return _similarity(query, self.core(query), self.names[i], self.cores[i])

    def lookup(self, query: str, k: int, floor: float) -> list[tuple[int, float]]:
        counts: dict[int, int] = {}
        for gram in _grams(self.core(query)):
            for i in self.postings.get(gram, ()):
                counts[i] = counts.get(i, 0) + 1
        top = max(counts.values(), default=0)
        pool = [i for i, c in counts.items() if c >= top - 1]
        if len(pool) > _POOL:
            pool = heapq.nlargest(_POOL, pool, key=lambda i: (counts[i], -i))
        scored = [(i, s) for i in pool if (s := self.similarity(query, i)) >= floor]
        return heapq.nsmallest(k, scored, key=lambda t: (-t[1], t[0]))


def _door(number: str) -> int:
    return int(number) if number.isascii() and number.isdigit() and len(number) <= 15 else -1


class _Query:
    """One reading of what the caller said, scored against blocks and flats."""

    def __init__(self, index: AddressIndex, q: AddressParts) -> None:
        self.index, self.q = index, q
        self.name = q.community or q.village
        given = {"district": q.district, "road": q.road, "number": q.number,
                 "community": self.name, "building": q.building or q.group, "unit": q.unit,
                 "room": q.room}
        self.total = sum(_WEIGHTS[f] for f, v in given.items() if v)
        self.labels = {"community": "community" if q.community else "village",
                       "building": "building" if q.building else "group"}
        self.door = _door(q.number)
        self.district = index._districts.get(q.district, -1)
        self.want = tuple(index._tokens.get(v, -1) if v else None
                          for v in (q.building or q.group, q.unit, q.room))

    def block(self, blk: int) -> tuple[float, list[str], list[str]]:
        ix, points = self.index, 0.0
        matched: list[str] = []
        fuzzy: list[str] = []
        hits = {"district": float(self.district == ix._blk_district[blk] > 0),
                "road": ix._roads.similarity(self.q.road, ix._blk_road[blk]),
                "number": float(self.door == ix._blk_number[blk] >= 0),
                "community": ix._communities.similarity(self.name, ix._blk_community[blk])}
        for field, sim in hits.items():
            points += _WEIGHTS[field] * sim
            if sim > 0:
                (matched if sim >= 1 else fuzzy).append(self.labels.get(field, field))
        return points, matched, fuzzy

    def flat(self, sub: int) -> tuple[float, list[str]]:
        # Hierarchical: unit 2 room 502 of another building is another flat, not a near one.
        points, matched = 0.0, []
        for want, shift, field in zip(self.want, _SHIFTS, ("building", "unit", "room"),
                                      strict=True):
            if want is None:
                continue
            if want != (sub >> shift) & _MASK:
                break
            points += _WEIGHTS[field]
            matched.append(self.labels.get(field, field))
        return points, matched


class AddressIndex:
    """In-memory lookup over known addresses.

    Addresses sharing district, road, door number and community form a block (an estate, a
    village, a shop). Flats are sorted by block, then by packed building/unit/room token ids,
    so a building or a unit is a contiguous range found by bisection. Ids are 64-bit ints.
    """

    def __init__(self) -> None:
        self._roads, self._communities = _Names(_road_core), _Names(_community_core)
        self._districts: dict[str, int] = {"": 0}
        self._tokens: dict[str, int] = {"": 0}
        self._blk_district, self._blk_road = array("i"), array("i")
        self._blk_number, self._blk_community = array("q"), array("i")
        self._blk_start = array("q", [0])
        self._road_blocks: dict[int, tuple[array[int], array[int]]] = {}
        self._community_blocks: dict[int, array[int]] = {}
        self._row_id, self._row_sub = array("q"), array("q")

    def __len__(self) -> int:
        return len(self._row_id)

    def _token(self, value: str) -> int:
        i = self._tokens.setdefault(value, len(self._tokens))
        return i if i <= _MASK else 0  # past 2 million distinct values a field goes unindexed

    @classmethod
    def build(cls, entries: Iterable[tuple[int, str]]) -> AddressIndex:
        index = cls()
        blocks: dict[tuple[int, int, int, int], int] = {}
        keys: list[int] = []
        ids: list[int] = []
        plans: dict[str, tuple[_Piece, ...] | None] = {}
        for ident, text in entries:
            get = _parse(text, plans).get
            block = (index._districts.setdefault(get("district", ""), len(index._districts)),
                     index._roads.add(get("road", "")), _door(get("number", "")),
                     index._communities.add(get("community") or get("village", "")))
            blk = blocks.setdefault(block, len(blocks))
            sub = (index._token(get("building") or get("group", "")) << 2 * _BITS
                   | index._token(get("unit", "")) << _BITS | index._token(get("room", "")))
            # One int per flat (block, flat, position) sorts far faster than tuples.
            keys.append((blk << 63 | sub) << 32 | len(ids))
            ids.append(ident)
        keys.sort()
        counts = [0] * len(blocks)
        for key in keys:
            index._row_id.append(ids[key & 0xFFFFFFFF])
            index._row_sub.append((key >> 32) & ((1 << 63) - 1))
            counts[key >> 95] += 1
        by_road: dict[int, list[tuple[int, int]]] = {}
        for blk, ((district, road, door, community), n) in enumerate(
                zip(blocks, counts, strict=True)):
            index._blk_district.append(district)
            index._blk_road.append(road)
            index._blk_number.append(door)
            index._blk_community.append(community)
            index._blk_start.append(index._blk_start[-1] + n)
            if road:
                by_road.setdefault(road, []).append((door, blk))
            if community:
                index._community_blocks.setdefault(community, array("i")).append(blk)
        for road, pairs in by_road.items():
            pairs.sort()
            index._road_blocks[road] = (array("q", [d for d, _ in pairs]),
                                        array("i", [b for _, b in pairs]))
        return index

    def search(self, text: str, limit: int = 10) -> list[Match]:
        """Known addresses the caller most likely means, best first (ties by id)."""
        if limit <= 0 or not self._row_id:
            return []
        q = parse_address(text)
        found: dict[int, tuple[tuple[float, int, int], Match]] = {}
        name = q.community or q.village
        if self._collect(q, 1.0, limit, found) < 0.8 and name and not q.road:
            # A misheard road suffix ("五一大到188号") makes the road look like a community.
            door = q.number or q.building or q.room
            alt = replace(q, road=name, community="", village="", number=door,
                          building="" if door == q.building else q.building,
                          room="" if door == q.room else q.room)
            self._collect(alt, 0.9, limit, found)
        return [m for _, m in sorted(found.values(), key=lambda t: t[0])[:limit]]

    def _collect(self, q: AddressParts, factor: float, limit: int,
                 found: dict[int, tuple[tuple[float, int, int], Match]]) -> float:
        """Score the flats of the blocks this reading points to; the best community likeness."""
        query = _Query(self, q)
        comms = self._communities.lookup(query.name, 5, 0.4) if query.name else []
        roads = self._roads.lookup(q.road, 3, 0.5) if q.road else []
        chosen: dict[int, None] = {}  # a road and door number first: they name few blocks
        for r, _ in roads:
            doors, blks = self._road_blocks.get(r, (array("q"), array("i")))
            if query.door >= 0:
                lo = bisect_left(doors, query.door)
                chosen.update(dict.fromkeys(blks[lo:bisect_right(doors, query.door, lo)]))
            elif not comms:
                chosen.update(dict.fromkeys(blks[:limit]))
        for c, _ in comms:
            chosen.update(dict.fromkeys(self._community_blocks.get(c, ())))
        for blk in list(chosen)[:_MAX_BLOCKS]:
            base, matched, fuzzy = query.block(blk)
            spare = int(not query.name and self._blk_community[blk] > 0)
            for pos in self._pick(blk, query.want, limit):
                sub, ident = self._row_sub[pos], self._row_id[pos]
                points, flat_matched = query.flat(sub)
                score = round(min(1.0, factor * (base + points) / query.total), 4)
                # Among equal scores, "三湘路86号" is the shop at 86 more than a flat behind it.
                unasked = sum(w is None and (sub >> s) & _MASK > 0
                              for w, s in zip(query.want, _SHIFTS, strict=True))
                rank = (-score, spare + unasked, ident)
                if ident not in found or rank < found[ident][0]:
                    found[ident] = rank, Match(ident, score, (*matched, *flat_matched),
                                               tuple(fuzzy))
        return comms[0][1] if comms else 0.0

    def _pick(self, blk: int, want: tuple[int | None, ...], limit: int) -> list[int]:
        """Up to ``limit`` flats of a block, those matching more of building/unit/room first.

        Leading fields the caller gave narrow by bisection; after a field the caller skipped
        ("枫林绿洲502": no building, no unit) the later ones can only filter a scan.
        """
        sub = self._row_sub
        tiers: list[Sequence[int]] = [range(self._blk_start[blk], self._blk_start[blk + 1])]
        key, scanning = 0, False
        for shift, w in zip(_SHIFTS, want, strict=True):
            outer = tiers[-1]
            if w is None:
                scanning = True
            elif w <= 0:
                break  # unknown to the index: nothing matches it, nor anything below it
            elif scanning or not isinstance(outer, range):
                tiers.append([p for p in outer if (sub[p] >> shift) & _MASK == w])
            else:
                key |= w << shift
                lo = bisect_left(sub, key, outer.start, outer.stop)
                tiers.append(range(lo, bisect_left(sub, key + (1 << shift), lo, outer.stop)))
        picked: dict[int, None] = {}
        for rows in reversed(tiers):
            for pos in rows:
                if len(picked) >= limit:
                    return list(picked)
                picked[pos] = None
        return list(picked)
