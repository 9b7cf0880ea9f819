"""Load over HTTP, embedded or scaled: an intake storm with screen pops and queue views
beside it, next to a bare FastAPI insert endpoint on the same database in the same run.

    python bench/load.py --mode scaled [--web 2] [--workers 1] [--customers 1000000]
                         [--seconds 15] [--clients 32] [--json]
    python bench/load.py --mode embedded [--customers 100000] [--seconds 15] [--json]

Builds a scratch database (PostgreSQL for scaled mode, its own database dropped at the end;
SQLite for embedded): the demo city (grids, reps, the electric tree, 12 months of history)
at ``--demo-customers``, then synthetic customers up to ``--customers`` cloned onto its
grids and transformers, a tenth of them with past orders and calls, and ``--calls`` ringing
calls from random customers, their numbers written as PBXs write them. Then, each in its own
processes:

1. the baseline: ``bench/baseline_app.py`` (validate the same body, insert one row) under
   uvicorn with ``--web`` processes, driven with ``--clients`` connections;
2. gridcare: ``gridcare serve --workers WEB`` and ``--workers`` ``gridcare worker`` processes
   (scaled; a private redis-server unless ``--redis-url``), or ``gridcare serve`` alone
   (embedded). ``--clients`` connections post repair orders from random customers with
   unique idempotency keys (fault triage is on, so the storm merges into predicted
   outages) while another process opens screen-pop cards (``GET /api/v1/calls/{id}/card``)
   at ``--screenpop-rate`` and queue views (``GET /api/v1/work-orders?limit=50``) at
   ``--queue-rate`` per second.

The intake load comes from ``wrk`` when it is installed (a C client leaves the two cores to
the server), else from Python processes (``--client python`` forces them; they record every
response, which ``--record`` writes out). Every answered order is then checked against the
database: each 2xx exists, once; and, once the workers have pushed what was due (up to
30 s), how long after its order was taken each rep's dispatch pop-up was pushed. With
``--json`` the last line is one JSON object with ``orders_per_s``, ``p99_ms``,
``screenpop_p99_ms``, ``baseline_inserts_per_s``, ``ratio`` (orders/s over baseline
inserts/s), ``popup_p50_ms``, ``popup_p99_ms`` and ``popup_run_p99_ms`` among other figures.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (
    PG_ADMIN_URL,
    ROOT,
    free_port,
    percentiles,
    postgres_database,
    redis_server,
    spawn,
    start,
    stop,
    wait_for_line,
)
from _loadbuild import prepare, ready
from _loadcheck import outbox_backlog, popup_delays, report, summarise, verify, window_of
from _loaddrive import cpu_between, drive_intake, drive_reads, drive_wrk, py_spy, tree_cpu

SECRET = "bench-secret-key-0123456789"


@dataclass
class Config:
    mode: str = "scaled"
    web: int = 2
    workers: int = 1
    customers: int = 1_000_000
    demo_customers: int = 10_000
    lean: bool = False
    seconds: float = 15
    warm_up: float = 5
    clients: int = 32
    screenpop_rate: float = 20
    queue_rate: float = 5
    calls: int = 2000
    seed: int = 7
    client: str = "auto"
    pg_admin_url: str = PG_ADMIN_URL
    redis_url: str | None = None
    keep: bool = False
    reuse: str | None = None
    record: str | None = None
    logs: str | None = None
    py_spy: str | None = None


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    d = Config()
    parser.add_argument("--mode", choices=("embedded", "scaled"), default=d.mode)
    parser.add_argument("--web", type=int, default=None, help="web processes (scaled: default 2; embedded: 1)")
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="`gridcare worker` processes (scaled: default 1; embedded runs its worker inside serve)",
    )
    parser.add_argument("--customers", type=int, default=d.customers)
    parser.add_argument(
        "--demo-customers",
        type=int,
        default=d.demo_customers,
        help="customers of the demo city; the rest are cloned onto it",
    )
    parser.add_argument(
        "--lean", action="store_true", help="the demo city without its history and other domains' data (quick runs, CI)"
    )
    parser.add_argument("--seconds", type=float, default=d.seconds, help="measured seconds of each load")
    parser.add_argument("--warm-up", type=float, default=d.warm_up, help="seconds of load before measuring")
    parser.add_argument("--clients", type=int, default=d.clients, help="concurrent intake connections")
    parser.add_argument(
        "--screenpop-rate",
        type=float,
        default=d.screenpop_rate,
        help="screen-pop cards opened per second during the storm",
    )
    parser.add_argument(
        "--queue-rate", type=float, default=d.queue_rate, help="queue views per second during the storm"
    )
    parser.add_argument("--calls", type=int, default=d.calls, help="ringing calls prepared for the screen pops")
    parser.add_argument("--seed", type=int, default=d.seed)
    parser.add_argument(
        "--client",
        choices=("auto", "wrk", "python"),
        default=d.client,
        help="intake load generator (auto: wrk when installed)",
    )
    parser.add_argument(
        "--pg-admin-url",
        default=d.pg_admin_url,
        help="a PostgreSQL server's maintenance database; the bench creates and drops its own database there",
    )
    parser.add_argument(
        "--redis-url", default=None, help="scaled mode's Redis (default: a private redis-server on a free port)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards (its URL is printed)")
    parser.add_argument(
        "--reuse",
        metavar="URL",
        help="measure on the database a --keep run left (nothing is built or dropped); profiling rounds",
    )
    parser.add_argument(
        "--record", help="write every gridcare intake response (key, status, id) to this JSON-lines file"
    )
    parser.add_argument("--logs", help="keep the servers' output in this directory")
    parser.add_argument(
        "--py-spy",
        help="record py-spy samples (collapsed stacks, idle threads too) of every server process during the measured load into this directory",
    )
    parser.add_argument("--json", action="store_true", help="end with one JSON line of figures")
    args = parser.parse_args(argv)
    if args.mode == "embedded" and (args.web not in (None, 1) or args.workers not in (None, 0)):
        parser.error("--mode embedded runs one web process with its worker inside: leave --web and --workers out")
    web = args.web if args.web is not None else (2 if args.mode == "scaled" else 1)
    workers = args.workers if args.workers is not None else (1 if args.mode == "scaled" else 0)
    if web < 1 or workers < 0 or args.clients < 1 or args.customers < 100 or args.seconds <= 0:
        parser.error("--web ≥ 1, --workers ≥ 0, --clients ≥ 1, --customers ≥ 100 and --seconds > 0")
    client = args.client if args.client != "auto" else ("wrk" if shutil.which("wrk") else "python")
    if client == "wrk" and not shutil.which("wrk"):
        parser.error("--client wrk: wrk is not installed (apt-get install wrk)")
    cfg = Config(
        mode=args.mode,
        web=web,
        workers=workers,
        customers=args.customers,
        demo_customers=min(args.demo_customers, args.customers),
        lean=args.lean,
        seconds=args.seconds,
        warm_up=args.warm_up,
        clients=args.clients,
        screenpop_rate=args.screenpop_rate,
        queue_rate=args.queue_rate,
        calls=args.calls,
        seed=args.seed,
        client=client,
        pg_admin_url=args.pg_admin_url,
        redis_url=args.redis_url,
        keep=args.keep,
        reuse=args.reuse,
        record=args.record,
        logs=args.logs,
        py_spy=args.py_spy,
    )
    result = run(cfg)
    report(cfg, result)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    return 0 if result["orders_missing"] == 0 and result["server_errors"] == 0 else 1


_T0 = time.monotonic()


def say(text: str) -> None:
    print(f"[{time.monotonic() - _T0:5.1f} s] {text}", file=sys.stderr, flush=True)


def run(cfg: Config) -> dict[str, Any]:
    """Build, measure and check; returns the figures."""
    tmp = Path(tempfile.mkdtemp(prefix="gridcare-load-"))
    try:
        if cfg.reuse:
            with redis_server(cfg.redis_url) if cfg.mode == "scaled" else contextlib.nullcontext(None) as redis_url:
                return _measure(cfg, cfg.reuse, tmp, redis_url)
        if cfg.mode == "scaled":
            with (
                postgres_database("gridcare_load", cfg.pg_admin_url, keep=cfg.keep) as url,
                redis_server(cfg.redis_url) as redis_url,
            ):
                result = _measure(cfg, url, tmp, redis_url)
                if cfg.keep:
                    result["database_url"] = url
                return result
        url = f"sqlite:///{tmp}/load.sqlite3"
        result = _measure(cfg, url, tmp, None)
        if cfg.keep:
            result["database_url"] = url
        return result
    finally:
        if not (cfg.keep and cfg.mode == "embedded" and not cfg.reuse):  # there it holds the kept SQLite file
            shutil.rmtree(tmp, ignore_errors=True)


def _env(cfg: Config, url: str, tmp: Path, redis_url: str | None) -> dict[str, str]:
    env = {
        **os.environ,
        "GRIDCARE_DATABASE_URL": url,
        "GRIDCARE_DATA_DIR": str(tmp),
        "GRIDCARE_SECRET_KEY": SECRET,
        "GRIDCARE_LOG_LEVEL": "WARNING",
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT / "bench"), os.environ.get("PYTHONPATH", "")]),
    }
    if redis_url:
        env["GRIDCARE_REDIS_URL"] = redis_url
        env["GRIDCARE_EMBEDDED_WORKER"] = "false"
    return env


def _measure(cfg: Config, url: str, tmp: Path, redis_url: str | None) -> dict[str, Any]:
    started = time.perf_counter()
    load_before = loadavg()
    say(f"building the database ({cfg.customers:,} customers) — load average {load_before}")
    if cfg.reuse:
        from gridcare.migrations_runner import upgrade

        upgrade(url)  # the code may have moved on since the database was built
        prepared = ready(url, seed=cfg.seed, say=say)
    else:
        prepared = prepare(
            url,
            customers=cfg.customers,
            demo_customers=cfg.demo_customers,
            lean=cfg.lean,
            calls=cfg.calls,
            seed=cfg.seed,
            say=say,
        )
    built_s = time.perf_counter() - started
    env = _env(cfg, url, tmp, redis_url)
    logs = Path(cfg.logs) if cfg.logs else tmp / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    run_id = uuid.uuid4().hex[:8]

    # The baseline: the same body validated and one row inserted, with as many web processes.
    subprocess.run(
        [sys.executable, "-c", "import baseline_app"], env=env, cwd=ROOT / "bench", check=True
    )  # creates its table once, not in N racing processes
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    say(f"baseline: {cfg.web} uvicorn process(es) on the same database")
    proc = start(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "baseline_app:app",
            "--port",
            str(port),
            "--workers",
            str(cfg.web),
            "--log-level",
            "warning",
            "--app-dir",
            str(ROOT / "bench"),
        ],
        env,
        base,
        log=logs / "baseline.log",
    )
    try:
        say("baseline up; load starts")
        baseline = _intake(cfg, url, base, "/insert", prepared, f"base-{run_id}", tmp, reads=None, procs=[proc])
    finally:
        stop(proc)

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    say(f"gridcare: {cfg.mode}, {cfg.web} web process(es), {cfg.workers} worker(s)")
    procs = [
        start(
            [sys.executable, "-m", "gridcare", "serve", "--port", str(port), "--workers", str(cfg.web), "--no-migrate"],
            env,
            base,
            log=logs / "serve.log",
            path="/readyz",
        )
    ]
    try:
        for k in range(cfg.workers):
            procs.append(spawn([sys.executable, "-m", "gridcare", "worker"], env, logs / f"worker{k}.log"))
        # A storm meets workers already running: one that starts with it first spends seconds
        # importing on two busy cores while the reps' pop-ups queue.
        for k in range(cfg.workers):
            wait_for_line(logs / f"worker{k}.log", "running", procs[1 + k])
        reads = {"calls": prepared.call_ids, "screenpop_rate": cfg.screenpop_rate, "queue_rate": cfg.queue_rate}
        say("servers up; load starts")
        gridcare = _intake(
            cfg, url, base, "/api/v1/work-orders", prepared, f"load-{run_id}", tmp, reads=reads, procs=procs
        )
        say("load done")
        backlog = outbox_backlog(url)
        say("waiting for the reps' pop-ups to be pushed")
        popups = popup_delays(url, f"load-{run_id}-", window=gridcare["window"])
    finally:
        say("stopping the servers")
        stop(*procs)
    say("checking the answered orders against the database")
    check = verify(url, f"load-{run_id}-", gridcare)
    if cfg.record:
        with open(cfg.record, "w", encoding="utf-8") as out:
            out.writelines(json.dumps(r) + "\n" for r in gridcare.get("records", []))
    sp, q = gridcare["reads"]["screenpop"], gridcare["reads"]["queue"]
    sp50, sp99 = percentiles(sp["latencies"], 50, 99)
    q50, q99 = percentiles(q["latencies"], 50, 99)

    def ms(value: float) -> float | None:  # JSON has no NaN: no samples is null
        return None if math.isnan(value) else round(value, 2)

    return {
        "mode": cfg.mode,
        "web": cfg.web,
        "workers": cfg.workers,
        "customers": cfg.customers,
        "clients": cfg.clients,
        "seconds": cfg.seconds,
        "client": cfg.client,
        "orders_per_s": round(gridcare["per_s"], 1),
        "p50_ms": ms(gridcare["p50"]),
        "p99_ms": ms(gridcare["p99"]),
        "screenpop_p50_ms": ms(sp50),
        "screenpop_p99_ms": ms(sp99),
        "screenpop_count": len(sp["latencies"]),
        "screenpop_errors": sp["errors"],
        "screenpop_unmatched": sp["unmatched"],
        "screenpop_error_statuses": sp["error_statuses"],
        "queue_p50_ms": ms(q50),
        "queue_p99_ms": ms(q99),
        "queue_count": len(q["latencies"]),
        "queue_errors": q["errors"],
        "queue_error_statuses": q["error_statuses"],
        "baseline_inserts_per_s": round(baseline["per_s"], 1),
        "baseline_p99_ms": ms(baseline["p99"]),
        "ratio": round(gridcare["per_s"] / baseline["per_s"], 3) if baseline["per_s"] else 0.0,
        "orders_2xx": gridcare["n2xx"],
        "orders_4xx": gridcare["n4xx"],
        "server_errors": gridcare["n5xx"] + sp["server_errors"] + q["server_errors"],
        "socket_errors": gridcare["socket_errors"],
        "outbox_backlog": backlog,
        "popup_count": popups["count"],
        "popup_p50_ms": ms(popups["p50_ms"]),
        "popup_p99_ms": ms(popups["p99_ms"]),
        "popup_run_p99_ms": ms(popups["run_p99_ms"]),
        "popups_not_pushed": popups["not_pushed"],
        "orders_in_db": check["rows"],
        "orders_missing": check["missing"],
        "orders_duplicated": check["duplicated"],
        "cpu_s": gridcare["cpu"],
        "cpu_ms_per_order": gridcare["cpu_ms_per_request"],
        "baseline_cpu_s": baseline["cpu"],
        "baseline_cpu_ms_per_insert": baseline["cpu_ms_per_request"],
        "cpu_ratio": round(baseline["cpu_ms_per_request"] / gridcare["cpu_ms_per_request"], 3)
        if baseline["cpu_ms_per_request"] and gridcare["cpu_ms_per_request"]
        else None,
        "build_s": round(built_s, 1),
        "load_average_before": load_before,
        "load_average_after": loadavg(),
    }


def _intake(
    cfg: Config,
    url: str,
    base: str,
    path: str,
    prepared: Any,
    prefix: str,
    tmp: Path,
    *,
    reads: dict[str, Any] | None,
    procs: list[subprocess.Popen[bytes]],
) -> dict[str, Any]:
    """Warm up, then measure --seconds of intake (and the reads beside it, if any)."""
    token = prepared.token
    ctx = multiprocessing.get_context("spawn")
    python_client = cfg.client != "wrk"
    # A Python client process carries about eight connections before it, not the server, limits.
    processes = max(1, min(4, cfg.clients // 8))
    parties = (1 if reads is not None else 0) + (processes if python_client else 0)
    sync = (ctx.Barrier(parties + 1), ctx.Value("d", 0.0))
    reader, reads_done = None, ctx.Event()
    if reads is not None:
        reader = ctx.Process(
            target=drive_reads, args=(base, token, reads, sync, reads_done, str(tmp / f"{prefix}-reads.json"), cfg.seed)
        )
        reader.start()
    if python_client:
        outs = [str(tmp / f"{prefix}-intake{k}.json") for k in range(processes)]
        share = [cfg.clients // len(outs) + (1 if k < cfg.clients % len(outs) else 0) for k in range(len(outs))]
        drivers = [
            ctx.Process(
                target=drive_intake,
                args=(
                    base,
                    path,
                    token,
                    prepared.accounts,
                    f"{prefix}-{k}",
                    n,
                    sync,
                    cfg.warm_up + cfg.seconds,
                    out,
                    cfg.seed + k,
                ),
            )
            for k, (n, out) in enumerate(zip(share, outs, strict=True))
        ]
        for p in drivers:
            p.start()
    # Spawned processes import for seconds on a busy machine: everyone starts together.
    sync[0].wait(120)
    start_at = sync[1].value = time.time() + 0.3
    sync[0].wait(10)
    spy = []
    if cfg.client == "wrk":
        time.sleep(max(0.0, start_at - time.time()))
        warm = (
            drive_wrk(base, path, prepared.accounts, token, cfg.clients, cfg.warm_up, f"{prefix}-w", tmp)
            if cfg.warm_up > 0
            else {}
        )
        cpu0 = tree_cpu(procs, url)
        spy = py_spy(cfg.py_spy, cfg.seconds, procs)
        window = (time.time(), 0.0)
        result = drive_wrk(base, path, prepared.accounts, token, cfg.clients, cfg.seconds, f"{prefix}-m", tmp)
        window = (window[0], time.time())
        for key in ("n2xx", "n4xx", "n5xx", "socket_errors"):  # the check covers the warm-up's orders too
            result[key] += warm.get(key, 0)
    else:
        time.sleep(max(0.0, start_at + cfg.warm_up - time.time()))
        cpu0 = tree_cpu(procs, url)
        spy = py_spy(cfg.py_spy, cfg.seconds, procs)
        for p in drivers:
            p.join(cfg.warm_up + cfg.seconds + 120)
        window = (start_at + cfg.warm_up, start_at + cfg.warm_up + cfg.seconds)
        records = [r for out in outs for r in json.loads(Path(out).read_text())]
        result = summarise(records, window)
    cpu1 = tree_cpu(procs, url)
    reads_done.set()
    for s in spy:
        s.wait(30)
    if reader is not None:
        reader.join(cfg.warm_up + cfg.seconds + 120)
        found = json.loads(Path(tmp / f"{prefix}-reads.json").read_text())
        result["reads"] = {kind: window_of(found[kind], window) for kind in ("screenpop", "queue")}
    result["cpu"] = cpu_between(cpu0, cpu1)
    result["window"] = window
    answered = result["per_s"] * (window[1] - window[0])
    result["cpu_ms_per_request"] = round(sum(result["cpu"].values()) * 1000 / answered, 2) if answered else None
    return result


if __name__ == "__main__":
    raise SystemExit(main())
