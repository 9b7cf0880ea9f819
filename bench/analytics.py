"""Benchmark: do the analytics dashboard tiles answer within a second over millions of orders?

    python bench/analytics.py [--orders N] [--grids G] [--days D] [--seed S] [--runs R] [--json]

Creates a scratch PostgreSQL database (``gridcare_bench_analytics``, dropped at the end),
migrates it, and bulk-loads N historical work orders spread over D days and G grids with
COPY (categories, channels, response times, escalations, reopens, repeat callers and
callback scores drawn from the seed; a few hundred still open). It builds the daily rollup
once (``rollup.rebuild_all``, timed and reported but not a tile), then times each tile the
management dashboard and the wall run — KPI board with month-on-month and year-on-year,
breakdowns by category, channel, grid and rep, the twelve-month trend, the choropleth
values, the accept/arrive/resolve percentiles, the drill-down list and the wall's live
counts — best of R runs each, next to a plain ``SELECT count(*)`` over the same orders table
in the same run (the baseline). With ``--json`` the last line is a JSON object with
``max_tile_ms``, ``baseline_count_ms``, ``ratio`` and every tile's time.

Needs PostgreSQL at GRIDCARE_BENCH_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/postgres).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import numpy as np

try:
    import gridcare  # noqa: F401
except ImportError:  # running from a checkout without installing
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "src"))

from gridcare.analytics import periods, queries, rollup, wall
from gridcare.core.clock import SHANGHAI
from gridcare.core.principal import system_principal
from gridcare.db import Database
from gridcare.migrations_runner import upgrade

ADMIN_URL = os.environ.get("GRIDCARE_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
NAME = "gridcare_bench_analytics"
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=SHANGHAI).astimezone(UTC)
CATEGORIES = np.array(["consultation", "repair", "complaint", "reconnection", "service_request", "suggestion", "praise"])
MIX = np.array([0.32, 0.50, 0.02, 0.06, 0.07, 0.02, 0.01])
CHANNELS = np.array(["hotline", "web", "onsite", "visit", "letter", "patrol"])
CHANNEL_MIX = np.array([0.62, 0.22, 0.08, 0.04, 0.02, 0.02])


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def scratch_database() -> str:
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{NAME}"')
    url = "postgresql+psycopg://" + ADMIN_URL.split("://", 1)[1].rsplit("/", 1)[0] + f"/{NAME}"
    upgrade(url)
    return url


def drop_database() -> None:
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{NAME}" WITH (FORCE)')


def _ts(values: np.ndarray) -> list[str]:
    """Epoch seconds (NaN: none) as timestamptz text for COPY."""
    out = []
    for v in values:
        out.append("\\N" if np.isnan(v) else datetime.fromtimestamp(float(v), UTC).strftime("%Y-%m-%d %H:%M:%S+00"))
    return out


def _copy(conn: Any, table: str, columns: list[str], rows: Any) -> None:
    with conn.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        buf = io.StringIO()
        for i, row in enumerate(rows, start=1):
            buf.write("\t".join(row))
            buf.write("\n")
            if i % 50_000 == 0:
                copy.write(buf.getvalue())
                buf = io.StringIO()
        copy.write(buf.getvalue())


def load(url: str, *, orders: int, grids: int, days: int, seed: int) -> None:
    import psycopg

    rng = np.random.default_rng(seed)
    customers = max(1000, orders // 25)
    raw = url.replace("postgresql+psycopg://", "postgresql://")
    created = NOW.timestamp()
    with psycopg.connect(raw) as conn:
        conn.execute("INSERT INTO org_units (id, kind, code, name, utility, path, created_at) VALUES (1, 'company', 'B', 'bench', 'electric', '/1/', now())")
        _copy(conn, "grids", ["id", "code", "name", "utility", "org_unit_id", "org_path", "area_class", "district", "properties", "version", "created_at"],
              ([str(g), f"G{g:05d}", f"grid {g}", "electric", "1", "/1/", "urban", "", "{}", "1", "2025-01-01 00:00:00+00"] for g in range(1, grids + 1)))  # fmt: skip
        cust_grid = rng.integers(1, grids + 1, customers)
        _copy(conn, "customers", ["id", "account", "name", "address", "utility", "org_path", "tags", "notes", "attributes", "created_at", "updated_at", "grid_id"],
              ([str(c), f"A{c:08d}", "bench", "", "electric", "/1/", "[]", "", "{}", "2025-01-01 00:00:00+00", "2025-01-01 00:00:00+00", str(cust_grid[c - 1])] for c in range(1, customers + 1)))  # fmt: skip
        conn.execute("SELECT setval(pg_get_serial_sequence('grids', 'id'), %s)", (grids,))
        conn.execute("SELECT setval(pg_get_serial_sequence('customers', 'id'), %s)", (customers,))
        log(f"loading {orders:,} orders over {days} days, {grids} grids, {customers:,} customers")
        t0 = time.perf_counter()
        chunk = 500_000
        for start in range(0, orders, chunk):
            n = min(chunk, orders - start)
            at = created - rng.uniform(0, days * 86400, n)
            cust = rng.integers(1, customers + 1, n)
            cat = CATEGORIES[rng.choice(len(CATEGORIES), n, p=MIX)]
            chan = CHANNELS[rng.choice(len(CHANNELS), n, p=CHANNEL_MIX)]
            accept = at + rng.gamma(2.0, 120, n)
            arrive = np.where(cat == "repair", accept + rng.gamma(2.0, 600, n), np.nan)
            resolve = np.where(np.isnan(arrive), accept, arrive) + rng.gamma(1.5, 3600, n)
            still_open = at > created - 86400 * rng.uniform(0, 1.5, n)
            resolve = np.where(still_open, np.nan, resolve)
            due = at + np.where(cat == "repair", 45 * 60, 3 * 86400)
            sat = np.where(still_open | (rng.random(n) < 0.3), 0, rng.choice([1, 2, 3, 4, 5], n, p=[0.02, 0.03, 0.05, 0.2, 0.7]))
            esc = (rng.random(n) < 0.04).astype(int)
            reopen = (rng.random(n) < 0.02).astype(int)
            cols = {
                "ts": _ts(at), "acc": _ts(accept), "arr": _ts(arrive), "res": _ts(resolve), "due": _ts(due),
            }  # fmt: skip
            rows = (
                [
                    f"B{start + i:09d}", chan[i], cat[i], "electric", "dispatched" if still_open[i] else "closed", "", str(cust[i]), "", "", "",
                    str(cust_grid[cust[i] - 1]), "urban", "/1/", "bench", "", cols["ts"][i], cols["acc"][i], cols["arr"][i], cols["res"][i],
                    "\\N" if still_open[i] else cols["res"][i], str(sat[i]) if sat[i] else "\\N", "", "", str(reopen[i]), "f", str(esc[i]), "{}",
                    cols["due"][i] if cat[i] == "repair" else "\\N",
                ]
                for i in range(n)
            )  # fmt: skip
            _copy(conn, "work_orders", [
                "number", "channel", "category", "utility", "status", "description", "customer_id", "caller_name", "caller_phone", "address",
                "grid_id", "area_class", "org_path", "originator", "dispatch_reason", "created_at", "accepted_at", "arrived_at", "resolved_at",
                "closed_at", "satisfaction", "resolution_code", "resolution_note", "reopen_count", "transfer_pending", "escalation_level", "attributes",
                "arrive_due",
            ], rows)  # fmt: skip
            conn.commit()
            log(f"  {start + n:,} orders ({time.perf_counter() - t0:.0f} s)")
        conn.execute("ANALYZE")
        conn.commit()


def best_ms(fn: Callable[[], Any], runs: int) -> float:
    best = float("inf")
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        best = min(best, (time.perf_counter() - t) * 1000)
    return best


def tiles(db: Database, runs: int) -> dict[str, float]:
    actor = system_principal("bench")
    month = periods.current("month", NOW)
    scope = queries.Scope()
    grid = queries.Scope(grid_id=7)
    out: dict[str, float] = {}

    def timed(name: str, fn: Callable[[Any], Any]) -> None:
        with db.read() as session:
            out[name] = round(best_ms(lambda: fn(session), runs), 1)
        log(f"  {name:<22} {out[name]:>9.1f} ms")

    timed("kpi_board", lambda s: queries.kpi_board(s, actor=actor, scope=scope, period=month))
    timed("kpi_board_grid", lambda s: queries.kpi_board(s, actor=actor, scope=grid, period=month))
    timed("by_category", lambda s: queries.breakdown(s, actor=actor, scope=scope, period=month, by="category"))
    timed("by_channel", lambda s: queries.breakdown(s, actor=actor, scope=scope, period=month, by="channel"))
    timed("by_grid", lambda s: queries.breakdown(s, actor=actor, scope=scope, period=month, by="grid_id"))
    timed("by_rep", lambda s: queries.breakdown(s, actor=actor, scope=scope, period=month, by="handler_id"))
    timed("trend_12_months", lambda s: queries.trend(s, actor=actor, scope=scope, last=month, months=12))
    timed("year_by_category", lambda s: queries.breakdown(s, actor=actor, scope=scope, period=periods.current("year", NOW), by="category"))
    timed("choropleth", lambda s: queries.by_grid(s, actor=actor, scope=scope, period=month, kpi="sla_compliance"))
    timed("durations_month", lambda s: queries.duration_stats(s, actor=actor, scope=scope, period=month))
    timed("drill_escalated", lambda s: queries.drill(s, actor=actor, scope=scope, start=month.utc_bounds()[0], end=month.utc_bounds()[1], flag="escalated", limit=100, period=month))
    timed("wall", lambda s: wall.order_tiles(s, actor=actor, now=NOW))
    return out


def baseline_ms(db: Database, runs: int) -> float:
    from sqlalchemy import text

    with db.read() as session:
        return round(best_ms(lambda: session.execute(text("SELECT count(*) FROM work_orders")).scalar(), runs), 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=5_000_000)
    parser.add_argument("--grids", type=int, default=400)
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    url = scratch_database()
    db = Database(url)
    try:
        t0 = time.perf_counter()
        load(url, orders=args.orders, grids=args.grids, days=args.days, seed=args.seed)
        load_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        with db.write() as session:
            rows = rollup.rebuild_all(session, now=NOW)
        with db.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE analytics_daily_orders")
            conn.commit()
        rollup_s = time.perf_counter() - t0
        log(f"loaded in {load_s:.0f} s; rollup of {rows:,} rows built in {rollup_s:.0f} s")
        found = tiles(db, args.runs)
        base = baseline_ms(db, args.runs)
    finally:
        db.dispose()
        drop_database()
    worst = max(found.values())
    print(f"orders {args.orders:,}: slowest tile {worst:.1f} ms ({max(found, key=found.get)}); SELECT count(*) {base:.1f} ms; ratio {worst / base:.2f}")
    if args.json:
        print(json.dumps({"orders": args.orders, "max_tile_ms": worst, "baseline_count_ms": base, "ratio": round(worst / base, 3), "rollup_rows": rows, "rollup_build_s": round(rollup_s, 1), "load_s": round(load_s, 1), "tiles_ms": found}))


if __name__ == "__main__":
    main()
