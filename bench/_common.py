"""Helpers the benchmarks share: server processes, scratch databases and a private Redis,
bulk loading, the phone numbers of synthetic customers, percentiles."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
try:
    import gridcare  # noqa: F401
except ImportError:  # run from a checkout without installing
    sys.path.insert(0, str(ROOT / "src"))
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.support.live import free_port

PG_ADMIN_URL = os.environ.get("GRIDCARE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
MOBILE = (
    "130",
    "131",
    "132",
    "133",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "155",
    "156",
    "158",
    "159",
    "186",
    "188",
    "189",
)

__all__ = [
    "PG_ADMIN_URL",
    "ROOT",
    "bulk_insert",
    "free_port",
    "percentiles",
    "phone_of",
    "postgres_database",
    "redis_server",
    "spawn",
    "start",
    "stop",
    "wait_for_line",
    "wait_ready",
    "written",
]


def wait_ready(
    base: str, proc: subprocess.Popen[bytes] | None = None, *, path: str = "/openapi.json", limit_s: float = 60
) -> None:
    deadline = time.monotonic() + limit_s
    last = "no answer"
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"the server at {base} exited with {proc.returncode} while starting")
        try:
            answer = httpx.get(base + path, timeout=1)
            if answer.status_code < 500:
                return
            last = f"{answer.status_code} {answer.text[:300]}"
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the server at {base} did not start within {limit_s:.0f} s; {path} said: {last}")


def wait_for_line(log: Path, text: str, proc: subprocess.Popen[bytes], *, limit_s: float = 60) -> None:
    """Wait until a process started with ``spawn`` has written ``text`` to its log."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{log.name}: the process exited with {proc.returncode} while starting")
        if log.exists() and text in log.read_text(errors="replace"):
            return
        time.sleep(0.1)
    raise RuntimeError(f"{log.name}: no {text!r} within {limit_s:.0f} s")


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process has used so far, from /proc; 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def spawn(cmd: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """A process in a session of its own (stopped with its children), its output in ``log``."""
    with open(log, "wb") as sink:
        return subprocess.Popen(cmd, env=env, stdout=sink, stderr=subprocess.STDOUT, cwd=ROOT, start_new_session=True)


def start(
    cmd: list[str], env: dict[str, str], base: str, *, log: Path | None = None, path: str = "/openapi.json"
) -> subprocess.Popen[bytes]:
    """Start a server process and wait until it answers; its output goes to ``log`` if given."""
    proc = spawn(cmd, env, log or Path(os.devnull))
    try:
        wait_ready(base, proc, path=path)
    except RuntimeError:
        stop(proc)
        raise
    return proc


def stop(*procs: subprocess.Popen[bytes], timeout: float = 15) -> None:
    """SIGTERM to all, then SIGKILL to those still there after ``timeout``; uvicorn with
    --workers has children, so each whole process group goes."""
    running = [p for p in procs if p.poll() is None]
    for proc in running:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, 15)
    deadline = time.monotonic() + timeout
    for proc in running:
        try:
            proc.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, 9)
            proc.wait(5)


@contextlib.contextmanager
def postgres_database(prefix: str, admin_url: str = PG_ADMIN_URL, *, keep: bool = False) -> Iterator[str]:
    """A scratch PostgreSQL database of its own (``<prefix>_<random>``), dropped afterwards
    unless ``keep``. Yields its SQLAlchemy URL."""
    import psycopg

    name = f"{prefix}_{uuid.uuid4().hex[:10]}".lower()
    admin = admin_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        if not keep:
            drop_postgres_database(name, admin_url)


@contextlib.contextmanager
def scratch_database(kind: str, prefix: str) -> Iterator[str]:
    """A scratch database of ``kind`` (``postgresql`` or ``sqlite``), gone afterwards; yields its URL."""
    if kind == "postgresql":
        with postgres_database(prefix) as url:
            yield url
    else:
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{tmp}/{prefix}.sqlite3"


def drop_postgres_database(name_or_url: str, admin_url: str = PG_ADMIN_URL) -> None:
    import psycopg

    name = name_or_url.rsplit("/", 1)[-1]
    with psycopg.connect(
        admin_url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True, connect_timeout=5
    ) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def redis_server(url: str | None = None) -> Iterator[str]:
    """``url`` as given, or a private redis-server on a free port: pub/sub channels are
    shared by every database index of a server, so a bench's pushes would reach the
    subscribers of tests running beside it on the shared one."""
    if url:
        yield url
        return
    if shutil.which("redis-server") is None:
        raise RuntimeError("no redis-server on PATH: give --redis-url")
    port = free_port()
    proc = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        import redis

        client = redis.Redis(port=port)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        client.close()
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        stop(proc)


def bulk_insert(conn: Any, table: Any, rows: Sequence[dict[str, Any]]) -> None:
    """Insert many rows fast: COPY on PostgreSQL, one executemany on SQLite. The columns are
    the first row's keys; on PostgreSQL values skip the column types' Python-side processing
    (aware datetimes, dicts for JSON columns)."""
    if not rows:
        return
    if conn.dialect.name != "postgresql":
        conn.execute(table.insert(), list(rows))
        return
    from psycopg.types.json import Jsonb

    columns = list(rows[0])
    raw = conn.connection.driver_connection
    with (
        raw.cursor() as cursor,
        cursor.copy(f'COPY "{table.name}" ({", ".join(f"{c}" for c in columns)}) FROM STDIN') as copy,
    ):
        for row in rows:
            copy.write_row([Jsonb(v) if isinstance(v, dict) else v for v in (row[c] for c in columns)])


def phone_of(i: int) -> str:
    """A distinct valid number per index: mobiles, and every tenth a 0731 landline."""
    if i % 10 == 0:
        return f"+86731{2 + (i // 10) % 7}{(i // 10):07d}"
    return f"+86{MOBILE[i % len(MOBILE)]}{i:08d}"


def written(e164: str, rng: np.random.Generator) -> str:
    """The number as a PBX might present it."""
    national = e164.removeprefix("+86")
    if national.startswith("1"):
        return (
            national,
            "+86 " + national[:3] + " " + national[3:7] + " " + national[7:],
            "9" + national,
            "0086" + national,
        )[rng.integers(4)]
    return ("0" + national[:3] + "-" + national[3:], "9" + "0" + national, "+86 " + national[:3] + " " + national[3:])[
        rng.integers(3)
    ]


def percentiles(seconds: Sequence[float], *qs: float) -> list[float]:
    """Percentiles in milliseconds (NaN for no samples)."""
    if not seconds:
        return [float("nan")] * len(qs)
    arr = np.asarray(seconds) * 1000
    return [float(np.percentile(arr, q)) for q in qs]
