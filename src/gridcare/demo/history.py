"""Closed historical work orders (工单) on a demo city, so pages and reports have a past.

``generate_history`` is pure: the city, the end instant and the seed decide everything. The
shape follows two published accounts of State Grid's 网格化 reform: the category and
channel mix of its 181,855 / 165,780 yearly orders, mean response times after the reform
(consultation 102 min, repair arrival 23 min, arrears reconnection 27 min), and arrival
targets of 45 / 90 / 120 min for urban / rural / remote grids. Response times shrink over
the window (normalised so the last three months hit the published means), so month-on-month
and year-on-year views show the improvement. Electric repairs peak in summer and on storm
days in a few neighbouring grids; water repairs peak in winter cold snaps.

Everything is drawn as numpy arrays of epoch seconds and only turned into records at the
end; China has kept UTC+8 without daylight saving since 1991, so local time is an offset.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
import shapely
from numpy.random import Generator
from numpy.typing import NDArray

from gridcare.core.workdays import WorkCalendar
from gridcare.demo.city import AREA_CLASSES, City
from gridcare.demo.network import BoolArray, FloatArray, IntArray

__all__ = ["CATEGORIES", "CHANNELS", "REPAIR_TARGET_MIN", "HistoricalOrder", "generate_history"]

CATEGORIES = ("consultation", "repair", "complaint", "reconnection", "service_request",
              "suggestion", "praise")
CHANNELS = ("hotline", "letter", "visit", "web", "onsite", "patrol")
REPAIR_TARGET_MIN = {"urban": 45.0, "rural": 90.0, "remote": 120.0}  # created -> arrived

_CONSULT, _REPAIR, _COMPLAINT, _SERVICE = (CATEGORIES.index(c) for c in (
    "consultation", "repair", "complaint", "service_request"))
_MIX = np.array([0.32, 0.50, 0.006, 0.06, 0.084, 0.02, 0.01])
_CHANNEL_MIX = np.array([  # rows follow CATEGORIES, columns CHANNELS
    [0.79, 0.02, 0.04, 0.13, 0.02, 0.00],
    [0.72, 0.00, 0.01, 0.08, 0.11, 0.08],  # patrols and on-site reports only find faults
    [0.70, 0.15, 0.08, 0.07, 0.00, 0.00],
    [0.60, 0.00, 0.08, 0.30, 0.02, 0.00],
    [0.40, 0.02, 0.22, 0.26, 0.10, 0.00],
    [0.45, 0.30, 0.05, 0.20, 0.00, 0.00],
    [0.55, 0.30, 0.10, 0.05, 0.00, 0.00],
])
_NEEDS_ARRIVAL = np.array([False, True, False, False, True, False, False])
_NEEDS_CALLBACK = np.array([True, True, True, True, True, False, False])
# Minutes: mean to accept; mean, spread and deadline of the headline step (arrival where
# there is one, else resolution); mean on-site work for electric / water. Repair arrival
# means are set per area class in ``_repair_arrival``.
_ACCEPT_MEAN = np.array([8.0, 4.0, 15.0, 3.0, 25.0, 60.0, 30.0])
_MAIN_MEAN = np.array([102.0, 23.0, 1200.0, 27.0, 1080.0, 2880.0, 240.0])
_MAIN_SIGMA = np.array([0.5, 0.55, 0.8, 0.5, 0.7, 0.6, 0.8])
_DEADLINE = np.array([240.0, np.nan, 4320.0, 60.0, 4320.0, 10080.0, np.inf])
_WORK_MEAN = {"electric": 75.0, "water": 160.0}  # burst mains take longer than a breaker
_REPAIR_REL = np.array([1.0, 1.9, 2.6])  # body of the arrival time by AREA_CLASSES
_LATE_SHARE = 0.04  # repairs that miss the target outright (traffic, wrong address, ...)
_IMPROVEMENT = 0.45  # the first month is ~1.4x slower than the last
_RECENT_MONTHS = 3  # "after the reform": the window the published means describe
_GOOD_SCORES = np.array([0.003, 0.007, 0.055, 0.195, 0.74])  # satisfaction 1..5
_POOR_SCORES = np.array([0.04, 0.08, 0.22, 0.33, 0.33])  # escalated, complaint or repeat call
_REACHED = 0.93  # callbacks that reach the customer and get a score
_REPEAT_SHARE = 0.02
_UTC_OFFSET_S = 8 * 3600
_DAY_S = 86_400
Seconds = NDArray[np.int64]  # epoch seconds
_OFFICE_HOURS = np.array([0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.5, 1.5, 4, 7, 8, 7.5, 5, 5.5, 7, 7.5,
                          7, 6, 4.5, 5, 5, 4, 2, 0.8])
_REPAIR_HOURS = np.array([1.2, 0.8, 0.6, 0.5, 0.5, 0.7, 1.5, 3, 4.5, 5, 5, 5, 4.5, 4.5, 5, 5,
                          5, 5.5, 6.5, 7.5, 7.5, 6, 4, 2.2])
_STORM_HOURS = np.array([1, 1, 0.5, 0.5, 0.5, 0.5, 0.5, 1, 1, 1, 1, 1.5, 2, 3, 4, 6, 8, 9, 9,
                         8, 6, 4, 3, 2], dtype=float)  # convective storms break in the afternoon

_TEXTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {  # (electric, water)
    "consultation": (("咨询电费账单", "咨询阶梯电价怎么算", "咨询峰谷分时电价", "询问计划停电时间",
                      "咨询电费缴纳方式", "咨询光伏并网流程"),
                     ("咨询水费账单", "咨询阶梯水价怎么算", "询问计划停水时间", "咨询水费缴纳方式",
                      "咨询水表更换政策")),
    "repair": (("家里停电了，整栋楼都没电", "家中跳闸，合不上闸", "电压不稳，灯一直闪",
                "楼道电表箱冒烟", "门口电线杆倾斜，电线下垂", "部分插座没电"),
               ("水管爆裂，路面冒水", "家里停水了，没有提前通知", "水压太低，高楼层没水",
                "水表前阀门漏水", "自来水发黄有异味", "小区主管道漏水")),
    "complaint": (("抢修人员迟迟未到", "停电未提前通知", "电费比上月高很多，怀疑电表有问题",
                   "工作人员服务态度差"),
                  ("抢修人员迟迟未到", "停水未提前通知", "停水时间过长，多次打电话无人回复",
                   "水费突然增加，怀疑水表有问题")),
    "reconnection": (("已缴清欠费，申请复电", "交了电费还没来电", "欠费停电，已在网上缴费"),
                     ("已缴清水费，申请恢复供水", "交了水费还没恢复供水")),
    "service_request": (("申请新装电表", "申请电表移位", "申请增容", "办理过户更名",
                         "申请安装充电桩"),
                        ("申请新装水表", "申请水表移位", "办理过户更名", "申请开具水费发票")),
    "suggestion": (("建议停电通知提前发短信", "建议抢修进度能在手机上查询", "建议小区增设缴费点"),
                   ("建议停水通知提前发短信", "建议增加网上缴费渠道", "建议小区增设缴费点")),
    "praise": (("表扬抢修师傅冒雨抢修", "感谢网格经理上门服务", "表扬客服耐心解答"),
               ("感谢及时恢复供水", "感谢网格经理上门服务", "表扬客服耐心解答")),
}
_STORM_TEXTS = ("雷雨大风后整片停电", "大风刮断树枝压在电线上", "雷击后变压器异响，全村停电",
                "暴雨后配电房进水，小区停电")
_FREEZE_TEXTS = ("寒潮水表冻裂，漏水严重", "水管冻住了，家里没水", "室外水管冻裂，地面结冰")
_REPEAT_PREFIX = "再次来电："


@dataclass(frozen=True, slots=True)
class HistoricalOrder:
    key: str
    account: str
    grid_code: str
    utility: str
    category: str
    channel: str
    area_class: str
    created_at: datetime
    accepted_at: datetime
    arrived_at: datetime | None
    resolved_at: datetime
    callback_at: datetime | None
    closed_at: datetime
    satisfaction: int | None
    escalations: int
    description: str
    handled_by: str  # "rep" or "backup"


def generate_history(city: City, *, end: datetime, months: int = 12, seed: int = 7,
                     orders_per_customer_year: float = 0.35) -> list[HistoricalOrder]:
    """Closed orders created and closed within the ``months`` before ``end``, oldest first."""
    if end.tzinfo is None or end.utcoffset() is None:
        raise ValueError("end must be an aware datetime")
    if months < 1 or orders_per_customer_year < 0:
        raise ValueError("months must be >= 1 and orders_per_customer_year >= 0")
    total = round(len(city.customers) * orders_per_customer_year * months / 12)
    if total == 0:
        return []
    rng = dict(zip(("mix", "when", "storm", "time", "after", "text"),
                   map(np.random.default_rng, np.random.SeedSequence(seed % 2**64).spawn(6)),
                   strict=True))
    hi = int(end.astimezone(UTC).timestamp())
    lo = int(_months_before(end.astimezone(UTC), months).timestamp())
    days = _Days(lo, hi)
    people = _People(city)

    n_repeat = round(total * _REPEAT_SHARE)
    n = total - n_repeat
    cust = rng["mix"].integers(0, people.count, n)
    cat = rng["mix"].choice(len(CATEGORIES), n, p=_MIX)
    created = np.empty(n, dtype=np.int64)
    water = people.water[cust]
    cold_spells = days.spells(rng["storm"], (12, 1, 2), round(3 * months / 12), 2, 3)
    cold_days = np.concatenate(cold_spells) if cold_spells else np.empty(0, dtype=np.intp)
    for c in range(len(CATEGORIES)):
        for w in (False, True):
            group = np.flatnonzero((cat == c) & (water == w))
            weights = days.weights(c, w, cold_days)
            hours = _REPAIR_HOURS if c == _REPAIR else _OFFICE_HOURS
            created[group] = days.draw(rng["when"], group.size, weights, hours)
    storm = _storms(rng["storm"], city, people, days, cust, cat, created, months)
    cold = (cat == _REPAIR) & people.water[cust] & np.isin(days.index(created), cold_days)

    # Repeat calls: the same customer chases the same repair within a week.
    first = np.flatnonzero((cat == _REPAIR) & (created < hi - 10 * _DAY_S))
    orig = rng["mix"].choice(first, min(n_repeat, first.size), replace=False)
    gap = np.clip(_lognormal(rng["mix"], np.full(orig.size, 1700.0), 0.9), 20, 7 * 1440 - 1)
    cust = np.concatenate([cust, cust[orig]])
    cat = np.concatenate([cat, np.full(orig.size, _REPAIR)])
    created = np.concatenate([created, created[orig] + (gap * 60).astype(np.int64)])
    storm = np.concatenate([storm, storm[orig]])
    cold = np.concatenate([cold, cold[orig]])
    repeat_of = np.concatenate([np.full(n, -1), orig])

    return _finish(rng, days, people, cust, cat, created, storm, cold, repeat_of, lo, hi, months)


class _People:
    """The city's customers as arrays."""

    def __init__(self, city: City) -> None:
        grid_index = {g.code: i for i, g in enumerate(city.grids)}
        self.accounts = [c.account for c in city.customers]
        self.grid = np.array([grid_index[c.grid_code] for c in city.customers], dtype=np.intp)
        self.water = np.array([c.utility == "water" for c in city.customers])
        self.grid_codes = [g.code for g in city.grids]
        self.grid_class = np.array([AREA_CLASSES.index(g.area_class) for g in city.grids])
        self.count = len(self.accounts)


class _Days:
    """Local (Beijing) calendar days covering the window."""

    def __init__(self, lo: int, hi: int) -> None:
        self.lo, self.hi = lo, hi
        first = datetime.fromtimestamp(lo + _UTC_OFFSET_S, UTC).date()
        self.count = (hi + _UTC_OFFSET_S) // _DAY_S - (lo + _UTC_OFFSET_S) // _DAY_S + 1
        self.dates = [first + timedelta(days=i) for i in range(self.count)]
        self.midnight0 = (lo + _UTC_OFFSET_S) // _DAY_S * _DAY_S - _UTC_OFFSET_S
        self.month = np.array([d.month for d in self.dates])
        doy = np.array([d.timetuple().tm_yday - 1 for d in self.dates], dtype=float)
        work = WorkCalendar.china()
        self.workday = np.array([work.is_workday(d) for d in self.dates])

        def bump(centre: float, width: float) -> FloatArray:
            d = np.abs(doy - centre)
            return np.exp(-0.5 * (np.minimum(d, 365 - d) / width) ** 2)

        summer, winter = bump(212, 30), bump(15, 25)  # 31 July, 15 January
        self.season = {
            (_REPAIR, False): 1 + 0.95 * summer + 0.25 * winter,  # air conditioning, heaters
            (_REPAIR, True): 1 + 0.6 * winter,
            (_CONSULT, False): 1 + 0.25 * summer + 0.15 * winter,  # big bills
        }

    def index(self, t: Seconds) -> IntArray:
        return (t - self.midnight0) // _DAY_S

    def spells(self, rng: Generator, months: tuple[int, ...], count: int, shortest: int,
               longest: int) -> list[IntArray]:
        """Up to ``count`` runs of consecutive day indices starting in the given months."""
        candidates = np.flatnonzero(np.isin(self.month, months))
        if candidates.size == 0 or count < 1:
            return []
        starts = rng.choice(candidates, min(count, candidates.size), replace=False)
        runs = [np.arange(s, min(s + rng.integers(shortest, longest + 1), self.count))
                for s in np.sort(starts).tolist()]
        return [run[np.isin(self.month[run], months)] for run in runs]  # no spill-over

    def weights(self, category: int, water: bool, cold_days: IntArray) -> FloatArray:
        w = self.season.get((category, water), np.ones(self.count)).copy()
        if category == _REPAIR:
            w[~self.workday] *= 1.08  # people are at home to notice
        else:
            w[~self.workday] *= 0.45 if category == _SERVICE else 0.6
        if category == _REPAIR and water:
            w[cold_days] *= 4.0
        return w

    def draw(self, rng: Generator, n: int, day_weights: FloatArray, hours: FloatArray,
             days: IntArray | None = None) -> Seconds:
        """Instants on days drawn by weight (or the given days), hours by profile."""
        t = np.empty(n, dtype=np.int64)
        todo = np.arange(n)
        for _ in range(50):  # only the partial first and last days need redraws
            if todo.size == 0:
                break
            d = days[todo] if days is not None else rng.choice(
                self.count, todo.size, p=day_weights / day_weights.sum())
            h = rng.choice(24, todo.size, p=hours / hours.sum())
            t[todo] = self.midnight0 + d * _DAY_S + h * 3600 + rng.integers(0, 3600, todo.size)
            todo = todo[(t[todo] < self.lo) | (t[todo] > self.hi)]
        t[todo] = np.clip(t[todo], self.lo, self.hi)
        return t


def _storms(rng: Generator, city: City, people: _People, days: _Days, cust: IntArray,
            cat: IntArray, created: Seconds, months: int) -> BoolArray:
    """Move some electric repairs onto storm days in a few neighbouring grids (in place)."""
    storm = np.zeros(cust.size, dtype=bool)
    pool = np.flatnonzero((cat == _REPAIR) & ~people.water[cust])
    spells = days.spells(rng, (4, 5, 6, 7, 8, 9), round(5 * months / 12), 1, 2)
    if pool.size == 0 or not spells:
        return storm
    rng.shuffle(pool)
    normal = pool.size / days.count
    centres = shapely.get_coordinates(shapely.centroid(
        np.array([g.polygon for g in city.grids], dtype=object)))
    electric = np.flatnonzero(~people.water)
    per_grid = np.bincount(people.grid[electric], minlength=len(city.grids))
    taken = 0
    for spell in spells:
        seed_grid = rng.choice(per_grid.size, p=per_grid / per_grid.sum())
        near = np.argsort(np.hypot(*(centres - centres[seed_grid]).T))[: rng.integers(2, 5)]
        who = electric[np.isin(people.grid[electric], near)]
        for day in spell.tolist():
            count = min(round(rng.uniform(2.5, 5.0) * normal), pool.size - taken)
            if count <= 0 or who.size == 0:
                continue
            orders = pool[taken: taken + count]
            taken += count
            cust[orders] = rng.choice(who, count)
            created[orders] = days.draw(rng, count, np.ones(days.count), _STORM_HOURS,
                                        np.full(count, day))
            storm[orders] = True
    return storm


def _finish(rng: dict[str, Generator], days: _Days, people: _People, cust: IntArray,
            cat: IntArray, created: Seconds, storm: BoolArray, cold: BoolArray,
            repeat_of: IntArray, lo: int, hi: int, months: int) -> list[HistoricalOrder]:
    n = cust.size
    water = people.water[cust]
    area = people.grid_class[people.grid[cust]]
    r = rng["time"]
    # Linear improvement, scaled so the most recent months average exactly 1.
    recent = min(1.0, _RECENT_MONTHS / months)
    slow = (1 + _IMPROVEMENT * (hi - created) / (hi - lo)) / (1 + _IMPROVEMENT * recent / 2)

    main = _lognormal(r, _MAIN_MEAN[cat], _MAIN_SIGMA[cat]) * slow
    deadline = _DEADLINE[cat].copy()
    repair = cat == _REPAIR
    main[repair], deadline[repair] = _repair_arrival(r, area[repair], slow[repair],
                                                     storm[repair])
    main = np.maximum(main, 3.0)
    accept = np.clip(np.minimum(_lognormal(r, _ACCEPT_MEAN[cat], 0.6) * slow, 0.5 * main), 1,
                     None)
    arrives = _NEEDS_ARRIVAL[cat]
    t_accept = created + _seconds(accept)
    t_arrive = created + _seconds(main)
    service = cat == _SERVICE  # appointments are kept in the daytime
    t_arrive[service] = _daytime(r, t_arrive[service])
    headline = (t_arrive - created) / 60
    escalations = (headline > deadline).astype(int) + (headline > 2 * deadline)
    escalations += (cat == _COMPLAINT) & (r.random(n) < 0.15)  # sent up for review anyway
    work = _lognormal(r, np.where(water, _WORK_MEAN["water"], _WORK_MEAN["electric"]), 0.8)
    t_resolve = np.where(arrives, t_arrive + _seconds(work * slow), t_arrive)
    calls = _NEEDS_CALLBACK[cat]
    a = rng["after"]
    t_callback = _daytime(a, t_resolve + _seconds(_lognormal(a, np.full(n, 300.0), 0.8)))
    t_callback = np.where(calls, t_callback, t_resolve)
    t_close = _daytime(a, t_callback + _seconds(_lognormal(a, np.full(n, 180.0), 0.9)))

    # Orders that would still be open at ``end`` happened a day or two earlier instead;
    # whole days keep the hour-of-day profiles and the daytime callbacks.
    shift = np.maximum(0, -(-(t_close - hi) // _DAY_S)) * _DAY_S
    stamps = [t - shift for t in (created, t_accept, t_arrive, t_resolve, t_callback, t_close)]
    created, t_accept, t_arrive, t_resolve, t_callback, t_close = stamps

    poor = (escalations > 0) | (cat == _COMPLAINT) | (repeat_of >= 0)
    table = np.cumsum(np.where(poor[:, None], _POOR_SCORES, _GOOD_SCORES), axis=1)
    score = 1 + (a.random(n)[:, None] > table[:, :-1]).sum(axis=1)
    scored = calls & (a.random(n) < _REACHED)

    channel = _channels(a, cat)
    channel[repeat_of >= 0] = 0  # chasing is done by phone
    local_hour = (created + _UTC_OFFSET_S) % _DAY_S // 3600
    off_duty = (local_hour < 7) | (local_hour >= 22)
    weekend = ~days.workday[np.clip(days.index(created), 0, days.count - 1)]
    backup = a.random(n) < 0.07 + 0.25 * off_duty + 0.10 * weekend + 0.3 * storm

    text = _descriptions(rng["text"], cat, water, storm, cold, repeat_of)
    order = np.argsort(created, kind="stable")
    width = max(6, len(str(n)))
    utc = [_as_utc(t) for t in stamps]
    return [
        HistoricalOrder(
            key=f"H-{k + 1:0{width}d}", account=people.accounts[cust[i]],
            grid_code=people.grid_codes[people.grid[cust[i]]],
            utility="water" if water[i] else "electric", category=CATEGORIES[cat[i]],
            channel=CHANNELS[channel[i]], area_class=AREA_CLASSES[area[i]],
            created_at=utc[0][i], accepted_at=utc[1][i],
            arrived_at=utc[2][i] if arrives[i] else None, resolved_at=utc[3][i],
            callback_at=utc[4][i] if calls[i] else None, closed_at=utc[5][i],
            satisfaction=int(score[i]) if scored[i] else None,
            escalations=int(escalations[i]), description=text[i],
            handled_by="backup" if backup[i] else "rep")
        for k, i in enumerate(order.tolist())
    ]


def _repair_arrival(rng: Generator, area: IntArray, slow: FloatArray, storm: BoolArray
                    ) -> tuple[FloatArray, FloatArray]:
    """Minutes to arrival and the class target, meeting the overall mean of 23 minutes.

    Most visits follow a lognormal body that scales with distance; a few are simply late
    (target x 1.02..1.5). The body's scale is solved from this city's class mix so that the
    mean, not the per-class means, matches the published figure.
    """
    target = np.array([REPAIR_TARGET_MIN[c] for c in AREA_CLASSES])[area]
    share = np.bincount(area, minlength=len(AREA_CLASSES)) / max(area.size, 1)
    late_mean = _LATE_SHARE * 1.26 * float(share @ [REPAIR_TARGET_MIN[c] for c in AREA_CLASSES])
    scale = max(5.0, (_MAIN_MEAN[_REPAIR] - late_mean) / ((1 - _LATE_SHARE) * share @ _REPAIR_REL))
    body = _lognormal(rng, scale * _REPAIR_REL[area], _MAIN_SIGMA[_REPAIR]) * slow
    body[storm] *= 1.5  # crews are stretched over many faults at once
    late = rng.random(area.size) < _LATE_SHARE * slow
    return np.where(late, target * rng.uniform(1.02, 1.5, area.size), body), target


def _channels(rng: Generator, cat: IntArray) -> IntArray:
    cumulative = np.cumsum(_CHANNEL_MIX / _CHANNEL_MIX.sum(axis=1, keepdims=True), axis=1)[cat]
    return (rng.random(cat.size)[:, None] > cumulative[:, :-1]).sum(axis=1)


def _descriptions(rng: Generator, cat: IntArray, water: BoolArray, storm: BoolArray,
                  cold: BoolArray, repeat_of: IntArray) -> list[str]:
    pick = rng.integers(0, 1 << 30, cat.size).tolist()
    out: list[str] = []
    for i, (c, w, s, f) in enumerate(zip(cat.tolist(), water.tolist(), storm.tolist(),
                                         cold.tolist(), strict=True)):
        pool = _STORM_TEXTS if s else _FREEZE_TEXTS if f else _TEXTS[CATEGORIES[c]][int(w)]
        out.append(pool[pick[i] % len(pool)])
    for i in np.flatnonzero(repeat_of >= 0).tolist():
        out[i] = _REPEAT_PREFIX + out[int(repeat_of[i])]
    return out


def _lognormal(rng: Generator, mean: FloatArray, sigma: float | FloatArray) -> FloatArray:
    """Lognormal with the given mean, capped at six means so no order drags on for weeks."""
    draw = mean * np.exp(sigma * rng.standard_normal(np.shape(mean)) - sigma**2 / 2)
    return np.minimum(draw, 6 * mean)


def _seconds(minutes: FloatArray) -> Seconds:
    return np.maximum(np.rint(minutes * 60), 60).astype(np.int64)


def _daytime(rng: Generator, t: Seconds, first: int = 8, last: int = 21) -> Seconds:
    """Move instants outside local ``first``..``last`` o'clock to the next morning."""
    into_day = (t + _UTC_OFFSET_S) % _DAY_S
    morning = t - into_day + first * 3600 + rng.integers(0, 3 * 3600, t.size)
    return np.where(into_day < first * 3600, morning,
                    np.where(into_day >= last * 3600, morning + _DAY_S, t))


def _as_utc(t: Seconds) -> list[datetime]:
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    return [epoch + timedelta(seconds=s) for s in t.tolist()]


def _months_before(t: datetime, months: int) -> datetime:
    local = t + timedelta(seconds=_UTC_OFFSET_S)  # count months on the Beijing calendar
    year, month = divmod(local.month - 1 - months, 12)
    year += local.year
    day = min(local.day, calendar.monthrange(year, month + 1)[1])
    return local.replace(year=year, month=month + 1, day=day) - timedelta(seconds=_UTC_OFFSET_S)

