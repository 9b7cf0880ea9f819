"""bench/load.py in a tiny scaled configuration (two web processes, two workers sharing the
queue and fault triage's record, 2,000 customers, seconds of load): whatever the machine's speed, every order answered 2xx is in the
database exactly once with the id it was answered with, nothing answers 5xx, and the figures
come out with all their keys. No timing is asserted: CI machines are too uneven for that."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import PG_ADMIN_URL, REDIS_URL, unavailable

ROOT = Path(__file__).resolve().parents[2]
KEYS = ("orders_per_s", "p99_ms", "screenpop_p99_ms", "baseline_inserts_per_s", "ratio")

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


def _require_services() -> list[str]:
    """PostgreSQL to create the bench's database in; a redis-server binary for a private
    Redis (pub/sub is shared by all database indexes of a server), else the shared one."""
    import psycopg
    import redis

    try:
        psycopg.connect(PG_ADMIN_URL.replace("postgresql+psycopg://", "postgresql://"), connect_timeout=3).close()
    except psycopg.OperationalError as exc:
        unavailable("postgres", str(exc).splitlines()[0])
    if shutil.which("redis-server"):
        return []
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        unavailable("redis", str(exc))
    finally:
        client.close()
    return ["--redis-url", REDIS_URL]


def test_it_answers_every_order_once_and_prints_the_figures(tmp_path: Path) -> None:
    extra = _require_services()
    record = tmp_path / "responses.jsonl"
    args = [
        sys.executable,
        str(ROOT / "bench" / "load.py"),
        "--mode",
        "scaled",
        "--web",
        "2",
        "--workers",
        "2",
        "--customers",
        "2000",
        "--demo-customers",
        "1000",
        "--lean",
        "--seconds",
        "4",
        "--warm-up",
        "1",
        "--clients",
        "8",
        "--client",
        "python",
        "--screenpop-rate",
        "10",
        "--queue-rate",
        "2",
        "--calls",
        "50",
        "--pg-admin-url",
        PG_ADMIN_URL,
        "--keep",
        "--record",
        str(record),
        "--json",
        *extra,
    ]
    done = subprocess.run(args, check=False, capture_output=True, text=True, timeout=150, cwd=ROOT)
    lines = done.stdout.strip().splitlines()
    assert lines, f"no output; stderr:\n{done.stderr[-3000:]}"
    figures = json.loads(lines[-1])
    url = figures.get("database_url")
    try:
        assert done.returncode == 0, f"exit {done.returncode}\n{done.stdout}\n{done.stderr[-3000:]}"
        assert all(figures.get(key) is not None for key in KEYS), figures
        assert any(line.startswith("gridcare orders") for line in lines) and any(
            line.startswith("screen pop") for line in lines
        )

        responses = [json.loads(line) for line in record.read_text().splitlines()]
        assert not [r for r in responses if r["status"] >= 500 or r["status"] == 0], (
            "server errors or requests without an answer"
        )
        answered = {r["key"]: r["id"] for r in responses if 200 <= r["status"] < 300}
        assert len(answered) > 20  # a few seconds of load on any machine
        assert len(set(answered.values())) == len(answered)  # two keys never got the same order

        engine = create_engine(url)
        try:
            with engine.connect() as conn:
                rows = conn.execute(
                    text("SELECT idempotency_key, id, number FROM work_orders WHERE idempotency_key = ANY(:keys)"),
                    {"keys": list(answered)},
                ).all()
        finally:
            engine.dispose()
        stored: dict[str, list[int]] = {}
        for key, order_id, _number in rows:
            stored.setdefault(key, []).append(order_id)
        assert {key: ids for key, ids in stored.items() if len(ids) != 1} == {}
        assert {key: order_id for key, order_id in answered.items() if stored.get(key) != [order_id]} == {}
        assert len({number for *_, number in rows}) == len(rows)  # order numbers stay unique under concurrency

        assert figures["server_errors"] == 0 and figures["orders_missing"] == 0 and figures["orders_duplicated"] == 0
        assert figures["orders_4xx"] == 0  # every storm order is valid: none refused, none rate-limited
        assert (
            figures["screenpop_count"] > 0 and figures["screenpop_errors"] == 0 and figures["screenpop_unmatched"] == 0
        )
        assert figures["queue_count"] > 0 and figures["queue_errors"] == 0
        # Every dispatched order's pop-up reached its rep once the workers caught up.
        assert figures["popup_count"] > 0 and figures["popups_not_pushed"] == 0
        assert 0 < figures["popup_p50_ms"] <= figures["popup_p99_ms"]
    finally:
        if url:
            _drop(url)


def _drop(url: str) -> None:
    import psycopg

    with psycopg.connect(
        PG_ADMIN_URL.replace("postgresql+psycopg://", "postgresql://"), autocommit=True, connect_timeout=5
    ) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
