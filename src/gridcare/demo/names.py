"""Chinese vocabulary for the demo city: people, places, businesses and numbers.

Every function draws only from the numpy ``Generator`` it is given, so the city built
from these names is a pure function of its seed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.random import Generator

CITY = "长沙市"


@dataclass(frozen=True, slots=True)
class DistrictVocab:
    name: str
    abbr: str
    # Rough position inside the service area's bounding box, each axis in -1..1, so the
    # districts sit where they do in the real Changsha (岳麓 west of the Xiang, 开福 north…).
    anchor: tuple[float, float]
    landmarks: tuple[str, ...]  # names for urban grids, core first
    towns: tuple[str, ...]  # names for rural and remote grids


DISTRICTS: tuple[DistrictVocab, ...] = (
    DistrictVocab(
        "芙蓉区", "FR", (0.18, 0.05),
        ("五一广场", "定王台", "火星", "东湖", "马王堆", "朝阳", "韭菜园", "文艺路", "荷花园",
         "湘湖", "八一桥", "浏正街", "东屯渡", "蔡锷", "人民东路", "古汉"),
        ("东岸", "隆平", "合平", "龙马", "浏阳河", "马坡岭", "鸭子铺", "花侯"),
    ),
    DistrictVocab(
        "岳麓区", "YL", (-0.55, 0.0),
        ("橘子洲", "望月湖", "银盆岭", "观沙岭", "望城坡", "西湖", "麓谷", "梅溪湖", "咸嘉湖",
         "天顶", "洋湖", "望岳", "桃花岭", "岳麓山", "潇湘"),
        ("含浦", "莲花", "雨敞坪", "坪塘", "学士", "东方红", "白箬铺", "黄金园"),
    ),
    DistrictVocab(
        "天心区", "TX", (0.0, -0.5),
        ("坡子街", "城南路", "裕南街", "金盆岭", "新开铺", "赤岭路", "青园", "桂花坪", "黑石铺",
         "文源", "先锋", "天心阁", "南湖", "书院路"),
        ("暮云", "南托", "大托", "新路", "牛角塘", "披塘", "许兴", "高云"),
    ),
    DistrictVocab(
        "开福区", "KF", (0.05, 0.55),
        ("伍家岭", "四方坪", "新河", "东风路", "湘雅路", "清水塘", "望麓园", "月湖", "洪山",
         "通泰", "芙蓉北", "马栏山", "德雅", "新港"),
        ("捞刀河", "沙坪", "青竹湖", "秀峰", "福元", "丁字湾", "大明", "金霞"),
    ),
    DistrictVocab(
        "雨花区", "YH", (0.6, -0.3),
        ("井湾子", "洞井", "侯家塘", "左家塘", "东塘", "砂子塘", "圭塘", "高桥", "雨花亭", "东山",
         "黎托", "长沙大道", "万家丽", "中南"),
        ("跳马", "同升", "石燕湖", "柏家", "田心桥", "关刀", "白竹", "石门"),
    ),
)

SURNAMES: tuple[tuple[str, float], ...] = (
    ("刘", 6.0), ("李", 6.0), ("陈", 5.5), ("王", 5.0), ("张", 5.0), ("周", 3.5), ("彭", 3.0),
    ("谭", 3.0), ("罗", 3.0), ("唐", 3.0), ("黄", 3.0), ("曾", 2.5), ("胡", 2.5), ("邓", 2.5),
    ("杨", 2.5), ("肖", 2.2), ("易", 2.0), ("吴", 2.0), ("赵", 1.8), ("贺", 1.8), ("龙", 1.5),
    ("蒋", 1.5), ("朱", 1.5), ("何", 1.5), ("徐", 1.5), ("廖", 1.3), ("邹", 1.3), ("欧阳", 1.2),
    ("向", 1.2), ("郭", 1.2), ("谢", 1.2), ("颜", 1.0), ("汤", 1.0), ("戴", 1.0), ("文", 1.0),
    ("袁", 1.0), ("孙", 1.0), ("马", 1.0), ("高", 1.0), ("林", 1.0), ("宋", 0.9), ("田", 0.9),
    ("熊", 0.9), ("姚", 0.8), ("钟", 0.8), ("夏", 0.8), ("梁", 0.8), ("范", 0.7), ("段", 0.7),
    ("雷", 0.7), ("尹", 0.7), ("石", 0.7), ("许", 0.7), ("龚", 0.7), ("左", 0.6), ("卢", 0.6),
    ("伍", 0.6), ("苏", 0.6), ("丁", 0.6), ("毛", 0.6), ("粟", 0.5), ("万", 0.5), ("秦", 0.5),
    ("方", 0.5), ("司马", 0.1),
)
_SURNAME_P = np.array([w for _, w in SURNAMES]) / sum(w for _, w in SURNAMES)

# Given-name characters by the sex they usually suggest, so names read naturally.
GIVEN_MALE = tuple(
    "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆旭宁龙林阳洋文博志建国海峰亮晨智睿"
    "轩泽嘉航宏兵春德立成荣新正毅恒坤彬卓子安家湘"
)
GIVEN_FEMALE = tuple(
    "芳娜敏静丽艳娟霞秀英玲燕红梅琳雪慧颖佳欣怡婷倩雯琴兰萍桂珍丹璐瑶晶思雨诗梦涵菲蓉"
    "楚岚若可雅紫欢霖湘"
)

# Mobile prefixes of the three carriers (13x/15x/18x/19x); E.164 drops the trunk 0.
MOBILE_PREFIXES: tuple[str, ...] = (
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "150", "151", "152",
    "153", "155", "156", "157", "158", "159", "180", "181", "182", "183", "184", "185", "186",
    "187", "188", "189", "191", "193", "195", "198", "199",
)
CHANGSHA_AREA_CODE = "731"

ARTERIAL_ROADS: tuple[str, ...] = (
    "五一大道", "芙蓉路", "韶山路", "人民路", "劳动路", "湘江路", "解放路", "黄兴路", "东风路",
    "岳麓大道", "潇湘大道", "万家丽路", "长沙大道", "湘府路", "三一大道", "远大路", "金星路",
    "枫林路", "车站路", "雨花路", "洪山路", "浏阳河大道", "时代阳光大道", "桐梓坡路",
)
STREET_ROADS: tuple[str, ...] = (
    "蔡锷路", "八一路", "营盘路", "建湘路", "曙光路", "书院路", "麓山路", "银盆岭路", "望城坡路",
    "马王堆路", "中意路", "新韶路", "井湾路", "洞井路", "木莲路", "香樟路", "桂花路", "城南路",
    "坡子街", "太平街", "白沙路", "天心路", "友谊路", "侯家塘路", "五一西路", "浏城桥路",
    "识字岭路", "韭菜园路", "文艺路", "朝阳路", "荷花路", "东屯渡路", "杉木冲路", "劳动西路",
    "赤岭路", "新开铺路", "青园路", "南湖路", "西湖路", "咸嘉湖路", "梅溪湖路", "麓谷大道",
    "观沙岭路", "银杉路", "湘雅路", "伍家岭路", "四方坪路", "德雅路", "月湖路", "三湘路",
    "万芙路", "东二环", "高桥路", "圭塘路", "砂子塘路", "左家塘路", "东塘路", "树木岭路",
)
_ROAD_SYLLABLES = tuple(
    "东西南北中新兴华安宁福康和平桂兰松柏竹梅荷桃杏枫樟银金玉石泉湖塘岭坡冲湾桥洲园坪"
)
_ROAD_SUFFIXES = ("路", "街", "巷", "大道")

ESTATE_PREFIXES: tuple[str, ...] = (
    "枫林", "湘江", "麓山", "橘洲", "芙蓉", "锦绣", "金色", "阳光", "碧水", "翠竹", "银杉", "东方",
    "新城", "明珠", "星河", "天韵", "望月", "梅溪", "桃花", "紫薇", "香樟", "丽景", "书香", "晨曦",
    "湘府", "金桂", "时代", "盛世", "江景", "楚天", "玉兰", "蓝湾",
)
ESTATE_SUFFIXES: tuple[str, ...] = (
    "绿洲", "花园", "家园", "小区", "公寓", "华府", "苑", "新村", "名城", "雅居", "嘉园", "佳园",
    "府", "星城", "庭院", "湾", "山庄", "国际",
)
VILLAGE_PREFIXES: tuple[str, ...] = (
    "桐木", "白鹤", "石", "枫树", "新", "黄", "杨", "龙", "金", "青", "双", "大", "小", "高", "长",
    "上", "下", "团", "梅", "莲", "桃", "柏", "竹", "荷", "栗", "茶", "观音", "马", "狮子", "花",
)
VILLAGE_SUFFIXES: tuple[str, ...] = (
    "塘", "冲", "山", "桥", "湾", "坪", "岭", "铺", "坝", "湖", "园", "洲", "田", "港",
)
_VILLAGE_ROUNDS = ("", "新", "上", "下", "东", "西", "南", "北")

SHOP_PREFIXES: tuple[str, ...] = (
    "湘江", "星城", "橘洲", "麓山", "芙蓉", "华天", "金太阳", "好又多", "新华", "红星", "盛世",
    "鑫源", "恒通", "佳乐", "福临", "兴旺", "德润", "和顺", "万福", "开元", "长盛", "宏发", "百合",
    "锦江", "国泰", "大富", "永安", "湘楚", "潇湘", "楚天", "天天", "好运", "顺达", "华联",
)
_COMMERCIAL = (
    "{p}大酒店", "{p}宾馆", "{p}超市", "{p}便利店", "{p}湘菜馆", "{p}大药房", "{p}商贸有限公司",
    "{p}茶楼", "{p}五金店", "{p}物业管理有限公司", "{p}洗车店", "{p}粉店", "{p}百货",
    "{p}房地产开发有限公司", "{p}汽车销售服务有限公司",
)
_INDUSTRIAL = (
    "长沙{p}机械制造有限公司", "{p}食品厂", "{p}建材有限公司", "{p}印刷厂", "{p}电子科技有限公司",
    "{p}纺织厂", "{p}混凝土有限公司", "湖南{p}新材料有限公司", "{p}冷链物流有限公司",
)
_SCHOOL_FAMOUS = (
    "中南大学", "湖南大学", "湖南师范大学", "长沙理工大学", "湖南师大附中", "长郡中学", "雅礼中学",
    "明德中学", "周南中学", "长沙市第一中学",
)
_SCHOOL = ("长沙市第{n}中学", "{place}小学", "{place}中学", "{place}幼儿园", "{district}实验小学")
_HOSPITAL_FAMOUS = (
    "中南大学湘雅医院", "中南大学湘雅二医院", "中南大学湘雅三医院", "湖南省人民医院",
    "长沙市中心医院", "湖南省儿童医院",
)
_HOSPITAL = (
    "长沙市第{n}医院", "{district}人民医院", "{place}社区卫生服务中心", "{place}卫生院",
    "{p}口腔诊所",
)
_GOVERNMENT = (
    "{district}人民政府", "{place}街道办事处", "长沙市公安局{district}分局{place}派出所",
    "{place}社区居民委员会", "{place}村民委员会", "{district}税务局", "{district}教育局",
)

BUSINESS_SEGMENTS = ("commercial", "industrial", "school", "hospital", "government")
PROTECTED_SEGMENTS = frozenset({"school", "hospital", "government"})

WATER_PLANTS = ("第二水厂", "第三水厂", "第五水厂", "第八水厂", "望城坡水厂", "黑石铺水厂")


def cn_numeral(n: int) -> str:
    """Chinese numeral for 1..99, as used in names like 第二十一中学."""
    digits = "零一二三四五六七八九"
    if not 0 < n < 100:
        raise ValueError(f"only 1..99 supported, got {n}")
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else digits[tens] + "十")
    return head + (digits[ones] if ones else "")


class UniqueDraw:
    """Distinct integers in [0, high), never repeated across calls on the same instance."""

    def __init__(self, rng: Generator, high: int) -> None:
        self._rng = rng
        self._high = high
        self._seen: set[int] = set()

    def reserve(self, values: Iterable[int]) -> None:
        self._seen.update(values)

    def take(self, n: int) -> list[int]:
        if len(self._seen) + n > self._high // 2:
            raise ValueError("number space too small for the requested draw")
        out: list[int] = []
        while len(out) < n:
            batch = self._rng.integers(0, self._high, size=n - len(out) + 8).tolist()
            for value in batch:
                if value not in self._seen:
                    self._seen.add(value)
                    out.append(value)
                    if len(out) == n:
                        break
        return out


class PhoneBook:
    """Hands out distinct E.164 numbers: Chinese mobiles and Changsha landlines."""

    def __init__(self, rng: Generator) -> None:
        self._mobile = UniqueDraw(rng, len(MOBILE_PREFIXES) * 10**8)
        # +86 138/139 0000 0xxx are left to hand-made demo accounts (the organisation's users).
        self._mobile.reserve(MOBILE_PREFIXES.index(prefix) * 10**8 + k
                             for prefix in ("138", "139") for k in range(1000))
        # Changsha landlines are eight digits; the demo keeps to the 8xxxxxxx block.
        self._landline = UniqueDraw(rng, 10**7)

    def mobiles(self, n: int) -> list[str]:
        return [
            f"+86{MOBILE_PREFIXES[v // 10**8]}{v % 10**8:08d}" for v in self._mobile.take(n)
        ]

    def landlines(self, n: int) -> list[str]:
        return [f"+86{CHANGSHA_AREA_CODE}8{v:07d}" for v in self._landline.take(n)]


def person_names(rng: Generator, n: int) -> list[str]:
    surname = rng.choice(len(SURNAMES), size=n, p=_SURNAME_P).tolist()
    female = (rng.random(n) < 0.5).tolist()
    two_chars = (rng.random(n) < 0.72).tolist()
    first = rng.random(n).tolist()
    second = rng.random(n).tolist()
    out = []
    for s, f, two, a, b in zip(surname, female, two_chars, first, second, strict=True):
        pool = GIVEN_FEMALE if f else GIVEN_MALE
        given = pool[int(a * len(pool))] + (pool[int(b * len(pool))] if two else "")
        out.append(SURNAMES[s][0] + given)
    return out


def _combinations(
    rng: Generator, n: int, prefixes: Sequence[str], suffixes: Sequence[str]
) -> list[tuple[int, str]]:
    """n distinct (round, prefix+suffix) pairs; rounds restart the shuffled list once exhausted."""
    combos = [p + s for p in prefixes for s in suffixes]
    out: list[tuple[int, str]] = []
    round_no = 0
    while len(out) < n:
        order = rng.permutation(len(combos)).tolist()
        out.extend((round_no, combos[i]) for i in order[: n - len(out)])
        round_no += 1
    return out


def estate_names(rng: Generator, n: int) -> list[str]:
    return [
        base if r == 0 else f"{base}{cn_numeral(r + 1)}期"
        for r, base in _combinations(rng, n, ESTATE_PREFIXES, ESTATE_SUFFIXES)
    ]


def village_names(rng: Generator, n: int) -> list[str]:
    out = []
    for r, base in _combinations(rng, n, VILLAGE_PREFIXES, VILLAGE_SUFFIXES):
        lead = _VILLAGE_ROUNDS[r] if r < len(_VILLAGE_ROUNDS) else cn_numeral(r)
        out.append(f"{lead}{base}村")
    return out


def road_names(rng: Generator, n: int, curated: Sequence[str], taken: set[str]) -> list[str]:
    """n road names not in ``taken``: the curated ones in shuffled order, then invented ones."""
    pool = [curated[i] for i in rng.permutation(len(curated)).tolist()]
    out: list[str] = []
    for name in pool:
        if len(out) == n:
            break
        if name not in taken:
            taken.add(name)
            out.append(name)
    while len(out) < n:
        a, b = rng.integers(0, len(_ROAD_SYLLABLES), size=2).tolist()
        suffix = _ROAD_SUFFIXES[int(rng.integers(0, len(_ROAD_SUFFIXES)))]
        name = _ROAD_SYLLABLES[a] + _ROAD_SYLLABLES[b] + suffix
        if a != b and name not in taken:
            taken.add(name)
            out.append(name)
    return out


def rural_road_names(rng: Generator, n: int, taken: set[str]) -> list[str]:
    out: list[str] = []
    while len(out) < n:
        base = VILLAGE_PREFIXES[int(rng.integers(0, len(VILLAGE_PREFIXES)))]
        tail = VILLAGE_SUFFIXES[int(rng.integers(0, len(VILLAGE_SUFFIXES)))]
        name = base + tail + ("公路" if rng.random() < 0.6 else "大道")
        if name not in taken:
            taken.add(name)
            out.append(name)
    return out


def business_names(
    rng: Generator,
    segments: Sequence[str],
    places: Sequence[str],
    districts: Sequence[str],
    villages: Sequence[bool],
) -> list[str]:
    """One distinct name per business, drawn from templates fitting its segment.

    ``places`` gives the neighbourhood a name may borrow (community or grid place) and
    ``villages`` whether the business sits in a village, where 卫生院 and 村委会 fit better.
    """
    used: set[str] = set()
    famous = {"school": list(_SCHOOL_FAMOUS), "hospital": list(_HOSPITAL_FAMOUS)}
    out: list[str] = []
    for segment, place, district, village in zip(segments, places, districts, villages,
                                                 strict=True):
        name = ""
        for _ in range(6):
            if segment in famous and famous[segment] and not village and rng.random() < 0.15:
                name = famous[segment].pop(0)
            else:
                name = _fill(rng, segment, place, district, village)
            if name not in used:
                break
        else:
            # Chains open several shops; number the branches rather than invent odd names.
            base, branch = name, 2
            while name in used:
                name = f"{base}（{branch}号店）"
                branch += 1
        used.add(name)
        out.append(name)
    return out


def _fill(rng: Generator, segment: str, place: str, district: str, village: bool) -> str:
    templates = {
        "commercial": _COMMERCIAL,
        "industrial": _INDUSTRIAL,
        "school": _SCHOOL,
        "hospital": _HOSPITAL,
        "government": _GOVERNMENT,
    }[segment]
    if village and segment == "government":
        templates = ("{place}村民委员会", "{place}村民委员会", "{district}{place}派出所")
    if village and segment == "hospital":
        templates = ("{place}卫生院", "{place}卫生室")
    template = templates[int(rng.integers(0, len(templates)))]
    place = place.removesuffix("村") if "村民" in template else place
    # A city has a few dozen numbered middle schools but only a handful of numbered hospitals.
    highest = 12 if segment == "hospital" else 40
    return template.format(
        p=SHOP_PREFIXES[int(rng.integers(0, len(SHOP_PREFIXES)))],
        n=cn_numeral(int(rng.integers(2, highest))),
        place=place,
        district=district,
    )


def line_root(road: str) -> str:
    """The part of a road name a 10 kV line is named after: 五一大道 -> 五一, 芙蓉中路 -> 芙蓉."""
    root = road
    for suffix in ("公路", "大道", "路", "街", "巷", "环"):
        if root.endswith(suffix) and len(root) > len(suffix) + 1:
            root = root[: -len(suffix)]
            break
    if len(root) > 2 and root[-1] in "东西南北中":
        root = root[:-1]
    return root
