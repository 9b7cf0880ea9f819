"""Premises and accounts of the demo city: who lives where and what they pay for.

Each community gets its flats or houses and its businesses; each premise a holder, phones,
a structured address and tags; each account a number, meters and a supply point on the
electric tree or the water network (``network.py``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.random import Generator

from gridcare.demo import names as vocab
from gridcare.demo.gridding import _GridMeta
from gridcare.demo.network import (
    Asset,
    BoolArray,
    Consumers,
    FloatArray,
    IntArray,
    Pipe,
    Site,
    WaterNode,
    build_electric,
    build_water,
    groups,
)
from gridcare.demo.records import TAGS, Address, Customer, Progress
from gridcare.demo.terrain import _Communities, _Frame, _Roads

# A share of households hold both an electric and a water account at the same premise;
# with the single-utility split below this gives roughly 60 % electric accounts.
_BOTH_UTILITIES_SHARE = 1 / 6
_ELECTRIC_SHARE_OF_SINGLE = 0.65
_BUSINESS_SHARE = 0.08
# Chance that a business is a major (大客户) account, by segment.
_MAJOR_ODDS = {"industrial": 0.45, "commercial": 0.12, "hospital": 0.6, "school": 0.15}


@dataclass(slots=True)
class _Premises:
    community: IntArray
    both: BoolArray
    business: BoolArray
    xy: FloatArray
    ll: FloatArray
    grid: IntArray
    segment: list[str]
    holder: list[str]
    phones: list[tuple[str, ...]]
    address: list[Address]
    major: BoolArray
    tags: list[tuple[str, ...]]


def _disc(rng: Generator, n: int, radius: FloatArray) -> FloatArray:
    r = radius * np.sqrt(rng.random(n))
    angle = rng.uniform(0.0, 2 * math.pi, n)
    return np.column_stack([r * np.cos(angle), r * np.sin(angle)])


def _premises(rng: Generator, name_rng: Generator, comm: _Communities, frame: _Frame,
              meta: _GridMeta, road_names: Sequence[str], phonebook: vocab.PhoneBook
              ) -> _Premises:
    district_of, place_of = meta.district, meta.place
    n_comm = len(comm.size)
    n_both = np.minimum(np.floor(comm.size * _BOTH_UTILITIES_SHARE + rng.random(n_comm)),
                        comm.size // 2).astype(np.intp)
    n_both[meta.e_only[comm.grid]] = 0
    per_comm = comm.size - n_both
    pc = np.repeat(np.arange(n_comm), per_comm)
    n = len(pc)
    start = np.cumsum(per_comm) - per_comm
    order = np.lexsort((rng.random(n), pc))
    rank = np.empty(n, dtype=np.intp)
    rank[order] = np.arange(n) - start[pc[order]]
    both = rank < n_both[pc]
    business = rng.random(n) < _BUSINESS_SHARE

    # Residential slots: each premise gets a distinct flat (estates) or house (villages).
    building = [""] * n
    unit_room = [""] * n
    unit_of = np.zeros(n, dtype=np.intp)
    unit_xy: list[FloatArray] = []
    unit_comm: list[int] = []
    residents = np.flatnonzero(~business)
    for c, members in groups(pc[residents], residents):
        k = len(members)
        if comm.estate[c]:
            units, floors, rooms = (int(v) for v in rng.integers([1, 6, 2], [5, 34, 5]))
            per_building = units * floors * rooms
            count = max(int(rng.integers(3, 19)), math.ceil(k / per_building))
            slot = rng.choice(count * per_building, size=k, replace=False)
            block, rest = np.divmod(slot, per_building)
            unit, rest = np.divmod(rest, floors * rooms)
            floor, room = np.divmod(rest, rooms)
            labels = [f"{b + 1}栋" for b in block.tolist()]
            flats = [f"{u + 1}单元{f + 1}{r + 1:02d}"
                     for u, f, r in zip(unit.tolist(), floor.tolist(), room.tolist(), strict=True)]
        else:
            count = max(int(rng.integers(3, 11)), math.ceil(k / 60))
            block, house = np.divmod(rng.choice(count * 60, size=k, replace=False), 60)
            labels = [f"{b + 1}组" for b in block.tolist()]
            flats = [f"{h + 1}号" for h in house.tolist()]
        for i, label, flat in zip(members.tolist(), labels, flats, strict=True):
            building[i] = label
            unit_room[i] = flat
        unit_of[members] = len(unit_xy) + block
        offsets = _disc(rng, count, np.full(count, comm.radius[c]))
        unit_xy.extend(comm.xy[c] + offsets)
        unit_comm.extend([c] * count)

    u_comm = np.array(unit_comm, dtype=np.intp)
    u_xy, _, _ = frame.place(np.array(unit_xy).reshape(-1, 2), comm.xy[u_comm],
                             comm.grid[u_comm])
    proposed = np.empty((n, 2))
    anchor = np.empty((n, 2))
    jitter = np.where(comm.estate, 5.0, 35.0)
    proposed[residents] = u_xy[unit_of[residents]] + rng.normal(
        0.0, 1.0, (len(residents), 2)) * jitter[pc[residents], None]
    anchor[residents] = u_xy[unit_of[residents]]
    shops = np.flatnonzero(business)
    proposed[shops] = comm.xy[pc[shops]] + _disc(rng, len(shops), comm.radius[pc[shops]])
    anchor[shops] = comm.xy[pc[shops]]
    xy, ll, grid = frame.place(proposed, anchor, comm.grid[pc])

    segment = np.full(n, "residential", dtype=object)
    village = ~comm.estate[pc]
    for mask, p in ((business & ~village, (0.66, 0.06, 0.12, 0.06, 0.10)),
                    (business & village, (0.40, 0.30, 0.12, 0.08, 0.10))):
        segment[mask] = np.array(vocab.BUSINESS_SEGMENTS, dtype=object)[
            rng.choice(len(p), size=int(mask.sum()), p=p)]
    odds = np.array([_MAJOR_ODDS.get(s, 0.0) for s in segment.tolist()])
    major = rng.random(n) < odds
    sensitive = ~business & (rng.random(n) < 0.012)

    holder = np.empty(n, dtype=object)
    holder[residents] = vocab.person_names(name_rng, len(residents))
    holder[shops] = vocab.business_names(
        name_rng, segment[shops].tolist(),
        [comm.name[c] if not comm.estate[c] else place_of[comm.grid[c]] for c in pc[shops]],
        [district_of[comm.grid[c]] for c in pc[shops]], village[shops].tolist())

    phones = _phones(rng, business, phonebook)
    addresses = _addresses(comm, pc, business, rank, building, unit_room, district_of,
                           road_names)
    tags = [tuple(t for t, on in zip(TAGS, flags, strict=True) if on) for flags in zip(
        major.tolist(), [s in vocab.PROTECTED_SEGMENTS for s in segment.tolist()],
        sensitive.tolist(), [False] * n, strict=True)]
    return _Premises(pc, both, business, xy, ll, grid, segment.tolist(), holder.tolist(), phones,
                     addresses, major, tags)


def _phones(rng: Generator, business: BoolArray, book: vocab.PhoneBook) -> list[tuple[str, ...]]:
    """Mostly one mobile; some second numbers; elderly households and firms use landlines."""
    n = len(business)
    roll, second = rng.random(n), rng.random(n)
    plans: list[str] = []
    for b, r, s in zip(business.tolist(), roll.tolist(), second.tolist(), strict=True):
        if b:
            plans.append(("L" + ("M" if s < 0.5 else "")) if r < 0.7 else
                         ("M" + ("L" if s < 0.3 else "")))
        else:
            plans.append("L" if r < 0.05 else ("M" + ("M" if s < 0.5 else "L")) if r < 0.2
                         else "M")
    joined = "".join(plans)
    mobiles = iter(book.mobiles(joined.count("M")))
    landlines = iter(book.landlines(joined.count("L")))
    return [tuple(next(mobiles) if k == "M" else next(landlines) for k in plan) for plan in plans]


def _addresses(comm: _Communities, pc: IntArray, business: BoolArray, rank: IntArray,
               building: list[str], unit_room: list[str], district_of: list[str],
               road_names: Sequence[str]) -> list[Address]:
    roads = [road_names[r] for r in comm.road.tolist()]
    numbers = comm.number.tolist()
    # Businesses front the road a few doors up from their community's gate.
    door = np.where(business, 2 * (rank + 1), 0)
    out: list[Address] = []
    for i, (c, is_shop) in enumerate(zip(pc.tolist(), business.tolist(), strict=True)):
        district = district_of[comm.grid[c]]
        road = roads[c]
        number = f"{numbers[c] + int(door[i])}号"
        community = "" if is_shop else comm.name[c]
        text = f"{vocab.CITY}{district}{road}{number}{community}{building[i]}{unit_room[i]}"
        out.append(Address(vocab.CITY, district, road, number, community, building[i],
                           unit_room[i], text))
    return out


def _accounts(rngs: dict[str, Generator], prem: _Premises, comm: _Communities, frame: _Frame,
              meta: _GridMeta, roads: _Roads, customers: int, report: Progress
              ) -> tuple[tuple[Customer, ...], tuple[Asset, ...], tuple[WaterNode, ...],
                         tuple[Pipe, ...]]:
    rng = rngs["accounts"]
    n_prem = len(prem.community)
    single_electric = (rng.random(n_prem) < _ELECTRIC_SHARE_OF_SINGLE) | meta.e_only[prem.grid]
    first = np.where(prem.both | single_electric, "electric", "water")
    # A household with both utilities gets a second, water, account listed right after.
    second = np.flatnonzero(prem.both)
    premise = np.concatenate([np.arange(n_prem), second])
    utility = np.concatenate([first, np.full(len(second), "water")])
    order = np.argsort(premise, kind="stable")
    premise, utility = premise[order], utility[order]
    if len(premise) != customers:
        raise RuntimeError(f"built {len(premise)} accounts, wanted {customers}")

    site = Site(frame.place, meta.code, meta.place, roads.names_at, comm.name)
    is_e = utility == "electric"
    shop_major = prem.business & prem.major
    dedicated = shop_major[premise] & (rng.random(len(premise)) < 0.5)
    e_idx, w_idx = np.flatnonzero(is_e), np.flatnonzero(~is_e)

    def consumers(idx: IntArray) -> Consumers:
        p = premise[idx]
        return Consumers(prem.xy[p], prem.grid[p], prem.community[p],
                         [prem.holder[i] for i in p.tolist()], dedicated[idx])

    assets, e_supply = build_electric(consumers(e_idx), site, rngs["electric"], report)
    nodes, pipes, w_supply = build_water(consumers(w_idx), site, rngs["water"], report)
    supply = np.empty(len(premise), dtype=object)
    supply[e_idx] = e_supply
    supply[w_idx] = w_supply

    e_accounts = iter(f"E{v + 10**9:010d}" for v in vocab.UniqueDraw(rng, 9 * 10**9).take(
        len(e_idx)))
    w_accounts = iter(f"W{v + 10**9:010d}" for v in vocab.UniqueDraw(rng, 9 * 10**9).take(
        len(w_idx)))
    n_meters = 1 + np.where(prem.business[premise], (rng.random(len(premise)) < 0.35)
                            + np.where(prem.major[premise],
                                       rng.integers(1, 3, len(premise)), 0), 0)
    e_meters = iter(f"DB{v:012d}" for v in vocab.UniqueDraw(rng, 10**12).take(
        int(n_meters[e_idx].sum())))
    w_meters = iter(f"SB{v:010d}" for v in vocab.UniqueDraw(rng, 10**10).take(
        int(n_meters[w_idx].sum())))
    supervised = rng.random(len(premise)) < 0.006

    out: list[Customer] = []
    total = len(premise)
    chunk = max(1, total // 10)
    report("customers", 0, total)
    codes = meta.code
    for i, (p, util, sup, k) in enumerate(zip(premise.tolist(), utility.tolist(),
                                              supervised.tolist(), n_meters.tolist(),
                                              strict=True)):
        electric = util == "electric"
        tags = prem.tags[p] if not sup else tuple(
            t for t in TAGS if t in prem.tags[p] or t == "supervised")
        meters = e_meters if electric else w_meters
        out.append(Customer(
            next(e_accounts) if electric else next(w_accounts), prem.holder[p], prem.phones[p],
            prem.address[p], float(prem.ll[p, 0]), float(prem.ll[p, 1]), util, supply[i], tags,
            tuple(next(meters) for _ in range(k)), codes[prem.grid[p]], prem.segment[p]))
        if (i + 1) % chunk == 0 or i + 1 == total:
            report("customers", i + 1, total)
    return tuple(out), tuple(assets), tuple(nodes), tuple(pipes)
