"""The staffing forecast (``calls.staffing.plan``) for a large hotline, next to one pass that
only groups the same call buckets by weekday and hour, in the same run.

    python bench/staffing.py [--agents 150] [--weeks 4] [--peak 3000] [--repeat 7] [--json]

Builds the buckets the statistics query returns for ``weeks`` weeks of a hotline whose busiest
hour offers ``peak`` calls, answered by ``agents`` agents over three queues, then times the
plan (averaging and Erlang C for 168 hours, the head count searched from one agent up) and the
baseline (summing the buckets' calls per weekday and hour: what any forecast must read).
Prints the medians and their ratio. Then the shift plan (``calls.shifts.plan``: the fewest
eight-hour shifts, any start hour, solved exactly) over the forecast's head counts, next to
the greedy cover it falls back on, with the shifts each needs. Last, a week's roster: the
plan's shifts handed to agents (``calls.rostering.assign``: their shifts a week, one a day,
rest between; agents found through an index of their load and hours), next to the same rule
scanning every agent for every shift (``assign_by_scan``). And a week with twenty planned
outages: their calls spread over it and Erlang C asked again where they fall
(``calls.surge``), next to asking it once more for every hour. And a Tuesday morning running
half as busy again: whom to ask to cover the short hours ahead (``calls.cover.plan``), next
to the same rule working out every agent's asks again for every ask. With ``--json`` the last
line is one JSON object: ``buckets``, ``plan_ms``, ``baseline_ms``, ``ratio``, ``peak_needed``,
``shifts_ms``, ``greedy_ms``, ``shifts_ratio``, ``shifts``, ``greedy_shifts``, ``roster_ms``,
``scan_ms``, ``roster_ratio``, ``roster_agents``, ``unfilled``, ``outages_ms``, ``erlang_ms``,
``outages_ratio``, ``outages_raised_hours``, ``cover_ms``, ``rescan_ms``, ``cover_ratio``,
``cover_asks``, ``cover_left``.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from datetime import date, datetime, timedelta

from gridcare.calls import cover, rostering, shifts, staffing, surge
from gridcare.calls.stats import Bucket
from gridcare.core.clock import SHANGHAI

# A weekday's calls by hour, as a share of the busiest hour (a utility hotline's day).
SHAPE = [0.04, 0.02, 0.01, 0.01, 0.01, 0.03, 0.1, 0.35, 0.75, 1.0, 0.95, 0.8, 0.55, 0.6, 0.9, 0.95, 0.8, 0.6, 0.45, 0.4, 0.35, 0.25, 0.15, 0.08]


def buckets(agents: int, weeks: int, peak: int, rng: random.Random) -> tuple[list[Bucket], list[date]]:
    first = date(2026, 11, 2)  # a Monday
    days = [first + timedelta(days=i) for i in range(7 * weeks)]
    out = []
    for day in days:
        weekend = 0.6 if day.weekday() >= 5 else 1.0
        for hour, share in enumerate(SHAPE):
            calls = int(peak * share * weekend)
            on = max(1, min(agents, calls // 15))
            for queue in ("general", "repair", "expert"):
                part = calls // 3
                abandoned = part // 20
                per_agent = max(1, (part - abandoned) // on)
                for agent in rng.sample(range(1, agents + 1), on):
                    out.append(Bucket(day.isoformat(), hour, queue, agent, None, "answered", per_agent, per_agent * 12, per_agent * rng.randint(150, 260), per_agent))
                out.append(Bucket(day.isoformat(), hour, queue, None, None, "abandoned", abandoned, abandoned * 60, 0, 0))
    return out, days


def baseline(found: list[Bucket]) -> dict[tuple[int, int], int]:
    offered: dict[tuple[int, int], int] = {}
    for b in found:
        key = (date.fromisoformat(b.day).weekday(), b.hour)
        offered[key] = offered.get(key, 0) + b.calls
    return offered


def timed(fn, repeat: int) -> float:  # noqa: ANN001 - a bench's callable
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - start) * 1000)
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=150)
    parser.add_argument("--weeks", type=int, default=4)
    parser.add_argument("--peak", type=int, default=3000, help="calls offered in the busiest hour")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    found, days = buckets(args.agents, args.weeks, args.peak, random.Random(1))
    plan_ms = timed(lambda: staffing.plan(found, days=days), args.repeat)
    baseline_ms = timed(lambda: baseline(found), args.repeat)
    slots = staffing.plan(found, days=days)
    peak_needed = max(s.needed for s in slots)
    needs = [s.rostered for s in slots]
    shifts_ms = timed(lambda: shifts.plan(needs), args.repeat)
    greedy_ms = timed(lambda: shifts.greedy(needs, 8, lambda h: True), args.repeat)
    exact, greedy = shifts.plan(needs).total, sum(shifts.greedy(needs, 8, lambda h: True)[0].values())
    monday = datetime(2026, 12, 7, tzinfo=SHANGHAI)
    week = [
        rostering.Slot(monday + timedelta(days=s.weekday, hours=s.hour), monday + timedelta(days=s.weekday, hours=s.hour + s.hours))
        for s in shifts.plan(needs).shifts for _ in range(s.agents)
    ]
    people = [rostering.Agent(i) for i in range(1, -(-len(week) // 5) + 1)]  # five shifts a week each, none to spare
    roster_ms = timed(lambda: rostering.assign(week, people, workdays=5, zone=SHANGHAI), args.repeat)
    scan_ms = timed(lambda: rostering.assign_by_scan(week, people, workdays=5, zone=SHANGHAI), args.repeat)
    unfilled = len(rostering.assign(week, people, workdays=5, zone=SHANGHAI)[1])
    # A week with twenty planned outages of 2,000 customers each, spread and staffed for,
    # against asking Erlang C once more for every hour of the typical week.
    learned = surge.Learned(20, 40_000, 6_000, 0.15, {"before": 0.3, "during": 0.55, "after": 0.15})
    coming = [surge.Coming(monday + timedelta(hours=8 * k + 9), monday + timedelta(hours=8 * k + 15), 2_000) for k in range(20)]
    baseline_calls = [s.calls for s in slots]

    def with_outages() -> list[int]:
        extra = [0.0] * 168
        for o in coming:
            extra = [a + b for a, b in zip(extra, surge.spread(o, learned, week_start=monday, baseline=baseline_calls), strict=True)]
        return surge.need(slots, extra, target_seconds=20, level=0.8, shrinkage=0.3)

    usual_aht = staffing.mean_aht((s.calls, s.aht_seconds) for s in slots)
    outages_ms = timed(with_outages, args.repeat)
    erlang_ms = timed(lambda: [staffing.rostered(staffing.agents_needed(s.calls, s.aht_seconds or usual_aht)) for s in slots], args.repeat)
    raised = sum(1 for a, b in zip(with_outages(), needs, strict=True) if a > b)
    # Tuesday at 09:20, the day running half as busy again as the forecast: the hours ahead
    # short by half their need, covered from the roster's agents (``calls.cover.plan``), next
    # to the same rule working out every agent's asks again for every ask (``plan_by_scan``).
    given, _ = rostering.assign(week, people, workdays=5, zone=SHANGHAI)
    now = monday + timedelta(days=1, hours=9, minutes=20)
    day_end = monday + timedelta(days=2)
    mine: dict[int, list[rostering.Slot]] = {}
    for slot, who in given:
        mine.setdefault(who, []).append(slot)
    staff = [cover.Agent(a.user_id, tuple(mine.get(a.user_id, ())), (), 8.0 * len(mine.get(a.user_id, ())), a.user_id % 10 == 0) for a in people]
    short_today = {monday + timedelta(days=1, hours=h): -(-needs[24 + h] // 2) for h in range(9, 24) if needs[24 + h]}
    cover_ms = timed(lambda: cover.plan(short_today, staff, now=now, day_end=day_end), args.repeat)
    rescan_ms = timed(lambda: cover.plan_by_scan(short_today, staff, now=now, day_end=day_end), args.repeat)
    asks, left = cover.plan(short_today, staff, now=now, day_end=day_end)
    print(f"{len(found):,} buckets ({args.weeks} weeks, {args.agents} agents, {args.peak} calls in the busiest hour)")
    print(f"plan     {plan_ms:8.1f} ms  (168 hours; the busiest needs {peak_needed} agents on the phones)")
    print(f"baseline {baseline_ms:8.1f} ms  (grouping the buckets only)")
    print(f"ratio    {plan_ms / baseline_ms:8.2f}")
    print(f"shifts   {shifts_ms:8.1f} ms  ({exact} eight-hour shifts a week, solved exactly)")
    print(f"greedy   {greedy_ms:8.1f} ms  ({greedy} shifts)")
    print(f"ratio    {shifts_ms / greedy_ms:8.2f}")
    print(f"roster   {roster_ms:8.1f} ms  ({len(week)} shifts to {len(people)} agents; {unfilled} unfilled)")
    print(f"scan     {scan_ms:8.1f} ms  (the same rule, every agent scanned for every shift)")
    print(f"ratio    {roster_ms / scan_ms:8.2f}")
    print(f"outages  {outages_ms:8.1f} ms  (20 planned outages of 2,000 customers spread over the week; {raised} hours need more)")
    print(f"erlang   {erlang_ms:8.1f} ms  (Erlang C once more for every hour of the typical week)")
    print(f"ratio    {outages_ms / erlang_ms:8.2f}")
    print(f"cover    {cover_ms:8.1f} ms  ({sum(short_today.values())} agent-hours short today, {len(staff)} agents: {len(asks)} asks, {sum(left.values())} agent-hours left)")
    print(f"rescan   {rescan_ms:8.1f} ms  (the same rule, every agent's asks again for every ask)")
    print(f"ratio    {cover_ms / rescan_ms:8.2f}")
    if args.json:
        print(json.dumps({
            "buckets": len(found), "plan_ms": round(plan_ms, 1), "baseline_ms": round(baseline_ms, 1), "ratio": round(plan_ms / baseline_ms, 2), "peak_needed": peak_needed,
            "shifts_ms": round(shifts_ms, 1), "greedy_ms": round(greedy_ms, 1), "shifts_ratio": round(shifts_ms / greedy_ms, 2), "shifts": exact, "greedy_shifts": greedy,
            "roster_ms": round(roster_ms, 1), "scan_ms": round(scan_ms, 1), "roster_ratio": round(roster_ms / scan_ms, 2), "roster_agents": len(people), "unfilled": unfilled,
            "outages_ms": round(outages_ms, 1), "erlang_ms": round(erlang_ms, 1), "outages_ratio": round(outages_ms / erlang_ms, 2), "outages_raised_hours": raised,
            "cover_ms": round(cover_ms, 1), "rescan_ms": round(rescan_ms, 1), "cover_ratio": round(cover_ms / rescan_ms, 2), "cover_asks": len(asks), "cover_left": sum(left.values()),
        }))


if __name__ == "__main__":
    main()
