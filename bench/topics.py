"""Hot topics over a busy city's orders, next to cutting the same texts into phrases once.

    python bench/topics.py [--recent 5000] [--earlier 30000] [--repeat 5] [--seed 1] [--json]

Builds callers' texts (the demo history's wordings with names, places and noise mixed in, and
one new complaint planted in the recent window), then times ``analytics.topics.hot_topics``
over them: the caps of ``analytics.hot`` are 5,000 recent and 30,000 earlier orders, the most
the page ever reads. The baseline is ``topics.phrases`` over every text once, the least any
counting of phrases costs. Prints the median of each and their ratio. With ``--json`` the last
line is one JSON object: ``recent``, ``earlier``, ``topics_ms``, ``baseline_ms``, ``ratio``,
``found`` (the phrases found).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from collections.abc import Callable

import _common  # noqa: F401  (puts src on the path)

from gridcare.analytics import topics

WORDINGS = ["咨询电费缴纳方式", "咨询水表更换政策", "家里停电了，整栋楼都没电", "自来水发黄有异味", "咨询阶梯电价怎么算", "部分插座没电", "家中跳闸，合不上闸",
            "小区主管道漏水", "申请新装电表", "建议停电通知提前发短信", "咨询光伏并网流程", "家里停水了，没有提前通知", "电表箱冒烟", "楼道灯不亮", "水压太低，高层没水"]
PLACES = "芙蓉天心岳麓开福雨花望城星沙梅溪湖洋湖金星"
PLANTED = ["自来水里有白色絮状物，还能喝吗", "水龙头放出来的水有白色絮状物", "烧开的水有白色絮状物沉淀", "家里水有白色絮状物，是不是水管坏了"]


def texts(n: int, rng: random.Random) -> list[str]:
    out = []
    for _ in range(n):
        place = "".join(rng.sample(PLACES, 2))
        out.append(f"{place}区{rng.randint(1, 300)}号：{rng.choice(WORDINGS)}")
    return out


def timed(fn: Callable[[], object], repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - t) * 1000)
    return statistics.median(runs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--recent", type=int, default=5000)
    parser.add_argument("--earlier", type=int, default=30000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    recent = list(enumerate(texts(args.recent - 40, rng) + [rng.choice(PLANTED) for _ in range(40)]))
    earlier = texts(args.earlier, rng)
    found = topics.hot_topics(recent, earlier)
    topics_ms = timed(lambda: topics.hot_topics(recent, earlier), args.repeat)
    baseline_ms = timed(lambda: [topics.phrases(t) for t in earlier + [t for _i, t in recent]], args.repeat)
    print(f"{args.recent:,} recent and {args.earlier:,} earlier orders: hot topics {topics_ms:.1f} ms, cutting every text once {baseline_ms:.1f} ms, ratio {topics_ms / baseline_ms:.2f}")
    print("found:", ", ".join(f"{t.phrase} ({t.orders})" for t in found) or "nothing")
    if args.json:
        print(json.dumps({"recent": args.recent, "earlier": args.earlier, "topics_ms": round(topics_ms, 1), "baseline_ms": round(baseline_ms, 1),
                          "ratio": round(topics_ms / baseline_ms, 2), "found": [t.phrase for t in found]}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
