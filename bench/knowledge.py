"""Knowledge-base search with N articles, next to one LIKE scan of the same table in the same run.

    python bench/knowledge.py [--articles 5000] [--queries 300] [--seed 1] [--postgres] [--json]

Writes N articles (the demo's, each again with other words mixed in) into a scratch SQLite
database, or PostgreSQL with ``--postgres``, analyzes it, then times
``knowledge.service.search`` for callers' questions as an agent asks them. The baseline is one ``SELECT id FROM
knowledge_articles WHERE body LIKE '%<word>%'`` per query: the least a search of the text can
cost. Prints p50/p99 of each and the ratio of their medians. With ``--json`` the last line is
one JSON object: ``articles``, ``search_p50_ms``, ``search_p99_ms``, ``baseline_p50_ms``, ``ratio``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import tempfile
import time
from pathlib import Path

from _common import percentiles, postgres_database
from sqlalchemy import text

from gridcare.core.clock import system_clock
from gridcare.core.principal import system_principal
from gridcare.db import Database
from gridcare.demo.org import load_org
from gridcare.knowledge import service
from gridcare.knowledge.demo import ELECTRIC, WATER
from gridcare.migrations_runner import upgrade

QUESTIONS = ["电费到底怎么算", "家里没电了", "电表走得快", "新装用电要带什么", "停电什么时候来电", "水发黄能喝吗", "水压低怎么办", "交了费多久复电", "电压低灯一闪一闪", "水费怎么算的"]
FILLER = "客户反映情况核实处理供电所营业厅网格经理现场检查线路设备计量账户缴费查询通知公告抢修班组回访满意度社区物业小区楼栋单元"


def build(db: Database, n: int, rng: random.Random) -> None:
    now = system_clock.now()
    actor = system_principal("bench")
    with db.write() as session:
        load_org(session, actor=actor, now=now)
    seeds = ELECTRIC + WATER
    with db.write() as session:
        for i in range(n):
            title, body, keywords, topic, utility = seeds[i % len(seeds)]
            noise = "".join(rng.choice(FILLER) for _ in range(rng.randint(40, 400)))
            service.write(session, actor=actor, now=now, title=f"{title}（{i}）" if i >= len(seeds) else title, body=f"{noise}\n{body}\n{noise[::-1]}", keywords=keywords, topic=topic, utility=utility)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp, (postgres_database("gridcare_bench_kb") if args.postgres else contextlib.nullcontext(f"sqlite:///{Path(tmp) / 'bench.db'}")) as url:
        upgrade(url)
        db = Database(url)
        started = time.perf_counter()
        build(db, args.articles, rng)
        print(f"{args.articles} articles written in {time.perf_counter() - started:.1f} s")
        with db.engine.begin() as conn:  # as autovacuum would soon after; an import does it itself
            conn.execute(text("ANALYZE"))
        actor, searched, scanned = system_principal("bench"), [], []
        for i in range(args.queries):
            question = QUESTIONS[i % len(QUESTIONS)]
            with db.read() as session:
                t0 = time.perf_counter()
                hits = service.search(session, actor=actor, text=question, limit=20)
                searched.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                session.execute(text("SELECT id FROM knowledge_articles WHERE body LIKE :w"), {"w": f"%{question[:2]}%"}).all()
                scanned.append(time.perf_counter() - t0)
            assert hits, f"nothing found for {question}"
        s50, s99 = percentiles(searched, 50, 99)
        b50, b99 = percentiles(scanned, 50, 99)
        print(f"search   p50 {s50:7.2f} ms  p99 {s99:7.2f} ms")
        print(f"baseline p50 {b50:7.2f} ms  p99 {b99:7.2f} ms  (one LIKE scan of the bodies)")
        print(f"ratio (search / baseline, p50): {s50 / b50:.1f}")
        if args.json:
            print(json.dumps({"articles": args.articles, "search_p50_ms": round(s50, 2), "search_p99_ms": round(s99, 2), "baseline_p50_ms": round(b50, 2), "ratio": round(s50 / b50, 2)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
