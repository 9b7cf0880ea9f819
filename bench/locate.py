"""GET /api/v1/grids/locate latency with G grids, next to GET /healthz on the same server.

    python bench/locate.py [--grids 1000] [--requests 2000] [--seed 1] [--json]

Builds G Voronoi grids in a scratch SQLite database, starts the real app in its own process
(`gridcare serve`, one uvicorn worker) and times sequential requests from this process with
a keep-alive client.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

try:
    import gridcare  # noqa: F401
except ImportError:  # run from a checkout without installing
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx  # noqa: E402
from assign import make_grids  # noqa: E402
from tests.support.live import free_port  # noqa: E402

from gridcare.auth import service as auth  # noqa: E402
from gridcare.core.clock import system_clock  # noqa: E402
from gridcare.core.principal import system_principal  # noqa: E402
from gridcare.db import Database  # noqa: E402
from gridcare.demo.org import load_org  # noqa: E402
from gridcare.grids import service as grids  # noqa: E402
from gridcare.migrations_runner import upgrade  # noqa: E402


def wait_until_up(base: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError("server did not start")


def percentiles(samples: list[float]) -> tuple[float, float]:
    arr = np.array(samples) * 1000
    return float(np.percentile(arr, 50)), float(np.percentile(arr, 99))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--grids", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    os.environ.setdefault("GRIDCARE_PASSWORD_HASH_PROFILE", "cheapest")
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.sqlite3"
        upgrade(url)
        db = Database(url)
        actor, now = system_principal("bench"), system_clock.now()
        shapes = make_grids(args.grids, rng)
        with db.write() as session:
            units = load_org(session, actor=actor, now=now)
            for i, geom in enumerate(shapes):
                grids.create_grid(session, actor=actor, now=now, code=f"G{i:05d}", name=f"网格{i}", org_unit_id=units["XC-E-FR-WY-T1"], geometry=geom)
            admin = auth.find_user_by_login(session, login="admin")
            _row, token = auth.create_token(session, actor=actor, now=now, user_id=admin.id, name="bench")
        bounds = np.array([g.bounds for g in shapes])
        x0, y0, x1, y1 = bounds[:, 0].min(), bounds[:, 1].min(), bounds[:, 2].max(), bounds[:, 3].max()
        points = np.column_stack([rng.uniform(x0, x1, args.requests), rng.uniform(y0, y1, args.requests)])
        db.dispose()
        port = free_port()
        env = {**os.environ, "GRIDCARE_DATABASE_URL": url, "GRIDCARE_DATA_DIR": tmp, "GRIDCARE_SECRET_KEY": "bench-secret-key-0123456789", "GRIDCARE_LOG_LEVEL": "WARNING", "GRIDCARE_EMBEDDED_WORKER": "false"}
        server = subprocess.Popen([sys.executable, "-m", "gridcare", "serve", "--port", str(port), "--no-migrate"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(base)
            client = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"})
            for lon, lat in points[:50]:  # warm the locator cache and the connection
                client.get("/api/v1/grids/locate", params={"lon": lon, "lat": lat})
            base_times, times = [], []
            for lon, lat in points:
                t = time.perf_counter()
                client.get("/healthz")
                base_times.append(time.perf_counter() - t)
                t = time.perf_counter()
                r = client.get("/api/v1/grids/locate", params={"lon": lon, "lat": lat, "utility": "electric"})
                times.append(time.perf_counter() - t)
                assert r.status_code == 200, r.text
            client.close()
        finally:
            server.terminate()
            server.wait(10)
    p50, p99 = percentiles(times)
    b50, b99 = percentiles(base_times)
    print(f"{args.grids} grids, {args.requests} sequential requests")
    print(f"{'GET /api/v1/grids/locate':<28} p50 {p50:6.2f} ms  p99 {p99:6.2f} ms")
    print(f"{'GET /healthz (baseline)':<28} p50 {b50:6.2f} ms  p99 {b99:6.2f} ms")
    print(f"{'ratio p99 locate/baseline':<28} {p99 / b99:.2f}x")
    if args.json:
        print(json.dumps({"p50_ms": round(p50, 3), "p99_ms": round(p99, 3), "baseline_p99_ms": round(b99, 3), "ratio": round(p99 / b99, 3)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
