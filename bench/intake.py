"""Order intake throughput over HTTP, next to a bare insert endpoint on the same database.

    python bench/intake.py [--customers 20000] [--seconds 10] [--clients 32] [--seed 7] [--json]

Builds a demo city in a scratch SQLite database, starts `gridcare serve` (embedded mode,
one process) and the baseline app (bench/baseline_app.py) as separate processes, and drives
each with --clients concurrent keep-alive connections posting repair orders (full intake:
customer match, locate, SLA, dispatch, audit, outbox). The load comes from `wrk` (Debian
package wrk) when it is installed, else from an asyncio httpx client in this process.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
try:
    import gridcare  # noqa: F401
except ImportError:
    sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from _common import cpu_seconds, free_port, spawn, start  # noqa: E402
from _loadcheck import outbox_backlog  # noqa: E402
from _loaddrive import descendants  # noqa: E402  (storm.py imports start from here)

from gridcare.auth import service as auth  # noqa: E402
from gridcare.core.clock import system_clock  # noqa: E402
from gridcare.core.principal import system_principal  # noqa: E402
from gridcare.customers.models import Customer  # noqa: E402
from gridcare.db import Database  # noqa: E402
from gridcare.demo.loader import load_demo  # noqa: E402
from gridcare.migrations_runner import upgrade  # noqa: E402


async def drive(base: str, path: str, bodies: list[dict], headers: dict[str, str], clients: int, seconds: float) -> tuple[int, list[float], int]:
    latencies: list[float] = []
    errors = 0
    done = 0
    stop = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=30) as client:

        async def worker(n: int) -> None:
            nonlocal errors, done
            i = n
            while time.perf_counter() < stop:
                body = bodies[i % len(bodies)]
                i += clients
                t = time.perf_counter()
                r = await client.post(path, json=body)
                latencies.append(time.perf_counter() - t)
                if r.status_code >= 300:
                    errors += 1
                else:
                    done += 1

        await asyncio.gather(*(worker(n) for n in range(clients)))
    return done, latencies, errors


# Each wrk thread numbers its own requests and puts its number in the key: keys never repeat
# (an unseeded math.random gave both threads one prefix, so half the posts were replays).
# Created (201) and replayed (200) answers are counted apart, so a replay can't pass for intake.
WRK_SCRIPT = """
local accounts = {%s}
local threads = {}
function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end
function init(args)
  counter = 0
  created, replayed = 0, 0
end
request = function()
  counter = counter + 1
  local body = string.format('{"category":"repair","channel":"web","account":"%%s","description":"家里停电了","idempotency_key":"%s-%%d-%%d"}', accounts[((counter * 7919 + tid * 104729) %% #accounts) + 1], tid, counter)
  return wrk.format("POST", nil, {["Content-Type"] = "application/json", ["Authorization"] = "Bearer %s"}, body)
end
function response(status, headers, body)
  if status == 201 then created = created + 1 elseif status == 200 then replayed = replayed + 1 end
end
done = function(summary, latency, requests)
  local c, r = 0, 0
  for _, t in ipairs(threads) do c = c + t:get("created"); r = r + t:get("replayed") end
  io.write(string.format("RESULT %%d %%d %%f %%f %%d %%d %%d\\n", summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), summary.errors.status + summary.errors.timeout + summary.errors.connect, c, r))
end
"""


def drive_wrk(base: str, path: str, accounts: list[str], token: str, clients: int, seconds: float, tmp: str) -> tuple[float, float, float, int, int]:
    """wrk is a C load generator: it leaves the CPU to the server, unlike a Python client.
    Returns requests/s, p50 and p99 (s), errors, and answers that were replays."""
    script = Path(tmp) / "intake.lua"
    prefix = f"wrk{random.randrange(10**9)}"
    script.write_text(WRK_SCRIPT % (",".join(f'"{a}"' for a in accounts[:5000]), prefix, token), encoding="utf-8")
    out = subprocess.run(["wrk", "-t2", f"-c{clients}", f"-d{int(seconds)}s", "-s", str(script), base + path], capture_output=True, text=True, check=True).stdout
    line = next(l for l in out.splitlines() if l.startswith("RESULT"))
    _tag, requests, micros, p50, p99, errors, _created, replayed = line.split()
    return int(requests) / (int(micros) / 1e6), float(p50) / 1000, float(p99) / 1000, int(errors), int(replayed)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--warm-up", type=float, default=5, help="seconds of load before measuring")
    parser.add_argument("--worker-process", action="store_true", help="run the worker as its own process beside `serve` instead of its thread")
    parser.add_argument("--server-log", type=Path, help="keep gridcare's output (slow writers are logged there)")
    parser.add_argument("--python-client", action="store_true", help="use the asyncio httpx client even when wrk is installed")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.sqlite3"
        upgrade(url)
        db = Database(url)
        load_demo(db, clock=system_clock, seed=args.seed, customers=args.customers, grids=60)
        from sqlalchemy import select

        with db.write() as session:
            accounts = list(session.scalars(select(Customer.account).where(Customer.utility == "electric")))
            admin = auth.find_user_by_login(session, login="agent")
            _row, token = auth.create_token(session, actor=system_principal("bench"), now=system_clock.now(), user_id=admin.id, name="bench")
        db.dispose()
        bodies = [{"category": "repair", "channel": "web", "account": rng.choice(accounts), "description": "家里停电了", "idempotency_key": f"bench-{args.seed}-{i}"} for i in range(200_000)]
        env = {**os.environ, "GRIDCARE_DATABASE_URL": url, "GRIDCARE_DATA_DIR": tmp, "GRIDCARE_SECRET_KEY": "bench-secret-key-0123456789", "GRIDCARE_LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT / "src") + os.pathsep + str(ROOT / "bench")}
        results = {}
        for name, cmd, path in (
            ("baseline", [sys.executable, "-m", "uvicorn", "baseline_app:app", "--port", "{port}", "--log-level", "warning", "--app-dir", str(ROOT / "bench")], "/insert"),
            ("gridcare", [sys.executable, "-m", "gridcare", "serve", "--port", "{port}", "--no-migrate"], "/api/v1/work-orders"),
        ):
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            side = None
            if args.server_log:
                env = {**env, "GRIDCARE_LOG_LEVEL": "INFO"}
            if name == "gridcare" and args.worker_process:
                env = {**env, "GRIDCARE_EMBEDDED_WORKER": "false"}
                side = spawn([sys.executable, "-m", "gridcare", "worker"], env, Path(os.devnull))
            proc = start([c.replace("{port}", str(port)) for c in cmd], env, base, log=args.server_log if name == "gridcare" else None)
            try:
                offset = 0 if name == "baseline" else 100_000
                # Warm up, and let the worker's first round after start-up pass: it catches up
                # every periodic job over the demo data at once (measured apart: see docs).
                asyncio.run(drive(base, path, bodies[offset : offset + 500], {"Authorization": f"Bearer {token}"}, args.clients, args.warm_up))
                if shutil.which("wrk") and not args.python_client:
                    # CPU per request of the server and of its worker child: unlike requests/s,
                    # it hardly moves with what else the machine is doing, so it compares builds.
                    pids = {"server": [proc.pid], "worker": descendants(proc.pid)[1:] + ([side.pid] if side is not None else [])}
                    cpu_before = {k: sum(cpu_seconds(p) for p in v) for k, v in pids.items()}
                    per_s, p50, p99, errors, replayed = drive_wrk(base, path, accounts, token, args.clients, args.seconds, tmp)
                    served = max(1.0, per_s * int(args.seconds))
                    cpu = {f"{k}_cpu_ms_per_request": round(1000 * (sum(cpu_seconds(p) for p in v) - cpu_before[k]) / served, 3) for k, v in pids.items()}
                    results[name] = {"per_s": per_s, "p50": p50, "p99": p99, "errors": errors, "replayed": replayed, **cpu}
                else:
                    done, lat, errors = asyncio.run(drive(base, path, bodies[offset + 500 :], {"Authorization": f"Bearer {token}"}, args.clients, args.seconds))
                    ms = np.array(lat) * 1000
                    results[name] = {"per_s": done / args.seconds, "p50": float(np.percentile(ms, 50)), "p99": float(np.percentile(ms, 99)), "errors": errors}
                if name == "gridcare":
                    # Work the load left behind: a worker that fell behind flatters the figures.
                    results[name]["backlog"] = outbox_backlog(url)
            finally:
                for p in (proc, side):
                    if p is not None:
                        p.terminate()
                        p.wait(10)
    g, b = results["gridcare"], results["baseline"]
    print(f"{args.clients} clients, {args.seconds:.0f} s each, embedded SQLite, {args.customers} customers")
    for name, r in results.items():
        cpu = f"   CPU ms/request: server {r['server_cpu_ms_per_request']}, worker {r['worker_cpu_ms_per_request']}" if "server_cpu_ms_per_request" in r else ""
        print(f"{name:<10} {r['per_s']:8.1f} req/s   p50 {r['p50']:7.1f} ms   p99 {r['p99']:7.1f} ms   errors {r['errors']}{cpu}")
    print(f"ratio gridcare/baseline: {g['per_s'] / b['per_s']:.2f}")
    print(f"outbox rows due but not delivered when the load stopped: {g['backlog'] or 'none'}")
    if g.get("replayed"):
        print(f"warning: {g['replayed']} answers were replays of an earlier key, not intakes")
    if args.json:
        print(json.dumps({"orders_per_s": round(g["per_s"], 1), "p50_ms": round(g["p50"], 2), "p99_ms": round(g["p99"], 2), "baseline_inserts_per_s": round(b["per_s"], 1), "ratio": round(g["per_s"] / b["per_s"], 3), "outbox_backlog": g["backlog"], "replayed": g.get("replayed", 0), **{k: v for k, v in g.items() if k.endswith("_cpu_ms_per_request")}}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
