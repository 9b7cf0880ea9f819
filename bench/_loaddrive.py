"""The load generators of bench/load.py, each run in a process of its own: wrk or Python
processes posting orders, and a process opening screen-pop cards and queue views at a
steady rate. Python drivers write their samples to a JSON file for the parent."""

from __future__ import annotations

import asyncio
import json
import os
import random
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

from _common import cpu_seconds, percentiles
from _rawhttp import Reader

BODY = '{"category":"repair","channel":"web","account":"%s","description":"家里停电了","idempotency_key":"%s"}'

# Each wrk thread numbers its own requests; the key carries the thread's number so keys never
# repeat. Status classes are counted per thread and summed in done().
WRK_SCRIPT = """
local accounts = {%(accounts)s}
local threads = {}
local prefix = "x"
function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end
function init(args)
  prefix = args[1]
  counter = 0
  s2, s4, s5 = 0, 0, 0
end
function request()
  counter = counter + 1
  local account = accounts[((counter * 7919 + tid * 104729) %% #accounts) + 1]
  local body = string.format('%(body)s', account, prefix .. "-" .. tid .. "-" .. counter)
  return wrk.format("POST", nil, {["Content-Type"] = "application/json", ["Authorization"] = "Bearer %(token)s"}, body)
end
function response(status, headers, body)
  if status < 300 then s2 = s2 + 1 elseif status < 500 then s4 = s4 + 1 else s5 = s5 + 1 end
end
function done(summary, latency, requests)
  local a2, a4, a5 = 0, 0, 0
  for _, t in ipairs(threads) do
    a2 = a2 + t:get("s2"); a4 = a4 + t:get("s4"); a5 = a5 + t:get("s5")
  end
  local e = summary.errors
  io.write(string.format("RESULT %%d %%d %%f %%f %%d %%d %%d %%d\\n", summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), a2, a4, a5, e.connect + e.read + e.write + e.timeout))
end
"""


def drive_wrk(
    base: str, path: str, accounts: list[str], token: str, clients: int, seconds: float, prefix: str, tmp: Path
) -> dict[str, Any]:
    """wrk is a C load generator: it leaves the CPU to the server, unlike a Python client."""
    script = tmp / "load.lua"
    if not script.exists():
        quoted = ",".join(f'"{a}"' for a in accounts)
        script.write_text(WRK_SCRIPT % {"accounts": quoted, "body": BODY, "token": token}, encoding="utf-8")
    threads = max(1, min(2, clients))
    out = subprocess.run(
        [
            "wrk",
            f"-t{threads}",
            f"-c{clients}",
            f"-d{max(1, round(seconds))}s",
            "--timeout",
            "10s",
            "-s",
            str(script),
            base + path,
            "--",
            prefix,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    line = next(x for x in out.splitlines() if x.startswith("RESULT"))
    _tag, _requests, micros, p50, p99, n2, n4, n5, sock = line.split()
    return {
        "per_s": int(n2) / (int(micros) / 1e6),
        "p50": float(p50) / 1000,
        "p99": float(p99) / 1000,
        "n2xx": int(n2),
        "n4xx": int(n4),
        "n5xx": int(n5),
        "socket_errors": int(sock),
    }


def synchronised(barrier: Any, start_at: Any) -> float:
    """Every process has imported what it needs and the parent has set the start: returns it."""
    barrier.wait()
    barrier.wait()
    return float(start_at.value)


def drive_intake(
    base: str,
    path: str,
    token: str,
    accounts: list[str],
    prefix: str,
    clients: int,
    sync: tuple[Any, Any],
    seconds: float,
    out: str,
    seed: int,
) -> None:
    """``clients`` keep-alive connections posting orders for ``seconds`` from the common start;
    writes one record per request: sent at, seconds, status (0: no answer), key, id."""
    import httpx  # noqa: F401 - imported before the start, not inside the measured time

    asyncio.run(_drive_intake(base, path, token, accounts, prefix, clients, synchronised(*sync), seconds, out, seed))


async def _drive_intake(
    base: str,
    path: str,
    token: str,
    accounts: list[str],
    prefix: str,
    clients: int,
    start_at: float,
    seconds: float,
    out: str,
    seed: int,
) -> None:
    import httpx

    rng = random.Random(seed)
    records: list[dict[str, Any]] = []
    stop = start_at + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(
        base_url=base,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        limits=limits,
        timeout=30,
    ) as client:
        await asyncio.sleep(max(0.0, start_at - time.time()))
        counter = 0

        async def worker() -> None:
            nonlocal counter
            while time.time() < stop:
                counter += 1
                key = f"{prefix}-{counter}"
                at = time.time()
                t = time.perf_counter()
                try:
                    r = await client.post(path, content=(BODY % (rng.choice(accounts), key)).encode())
                    status, body = r.status_code, r.content
                except httpx.HTTPError:
                    status, body = 0, b""
                s = time.perf_counter() - t
                order_id = json.loads(body).get("id") if 200 <= status < 300 else None
                records.append({"at": at, "s": s, "status": status, "key": key, "id": order_id})

        await asyncio.gather(*(worker() for _ in range(clients)))
    Path(out).write_text(json.dumps(records))


def drive_reads(
    base: str, token: str, reads: dict[str, Any], sync: tuple[Any, Any], done: Any, out: str, seed: int
) -> None:
    """Screen-pop cards and queue views at steady rates, whatever the server's pace (a slow
    answer does not delay the next request), until ``done`` is set (the intake load is over);
    writes [sent at, seconds, status, matched]."""
    asyncio.run(_drive_reads(base, token, reads, synchronised(*sync), done, out, seed))


async def _drive_reads(
    base: str, token: str, reads: dict[str, Any], start_at: float, done: Any, out: str, seed: int
) -> None:
    rng = random.Random(seed)
    found: dict[str, list[list[Any]]] = {"screenpop": [], "queue": []}
    tasks: set[asyncio.Task[None]] = set()
    # Agents are many people at many desks: no request waits in this client for a connection
    # another one holds, or a slow answer would delay the next ones and inflate their latency.
    client = Reader(base, {"Authorization": f"Bearer {token}"}, timeout=30)

    async def one(kind: str, url: str) -> None:
        at = time.time()
        t = time.perf_counter()
        try:
            status, body = await client.get(url)
            matched = bool(json.loads(body).get("customers")) if kind == "screenpop" and status == 200 else True
        except (OSError, ValueError, EOFError, asyncio.LimitOverrunError):
            status, matched = 0, False
        found[kind].append([at, time.perf_counter() - t, status, matched])

    async def pace(kind: str, rate: float) -> None:
        if rate <= 0:
            return
        k = 0
        while not done.is_set():
            due = start_at + k / rate
            await asyncio.sleep(max(0.0, due - time.time()))
            url = (
                f"/api/v1/calls/{rng.choice(reads['calls'])}/card"
                if kind == "screenpop"
                else "/api/v1/work-orders?limit=50"
            )
            task = asyncio.create_task(one(kind, url))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            k += 1

    await asyncio.gather(pace("screenpop", reads["screenpop_rate"]), pace("queue", reads["queue_rate"]))
    if tasks:
        await asyncio.wait(tasks, timeout=60)
    await client.close()
    Path(out).write_text(json.dumps(found))


def descendants(pid: int) -> list[int]:
    """The process and all its descendants (uvicorn's --workers children, their spawn helpers)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        todo.extend(children.get(p, []))
    return found


def backends(url: str | None) -> list[int]:
    """The PostgreSQL server processes serving this database (the pools' connections)."""
    if not url or not url.startswith("postgresql"):
        return []
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        return [
            pid
            for (pid,) in conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", (name,)
            )
        ]


def tree_cpu(procs: list[subprocess.Popen[bytes]], url: str | None = None) -> dict[int, tuple[str, float]]:
    """CPU seconds (user + system) so far per process: of each server process tree ("web" for
    the first, "workers" for the others) and of the database's server processes."""
    found: dict[int, tuple[str, float]] = {}
    for k, proc in enumerate(procs):
        for pid in descendants(proc.pid):
            found[pid] = ("web" if k == 0 else "workers", cpu_seconds(pid))
    for pid in backends(url):
        found[pid] = ("database", cpu_seconds(pid))
    return found


def cpu_between(before: dict[int, tuple[str, float]], after: dict[int, tuple[str, float]]) -> dict[str, float]:
    """CPU seconds spent per group between two readings; a process that appeared in between
    counts from zero."""
    spent: dict[str, float] = {}
    for pid, (group, seconds) in after.items():
        spent[group] = spent.get(group, 0.0) + seconds - before.get(pid, (group, 0.0))[1]
    return {group: round(seconds, 2) for group, seconds in spent.items()}


def py_spy(
    directory: str | None, seconds: float, procs: list[subprocess.Popen[bytes]] | None
) -> list[subprocess.Popen[bytes]]:
    """py-spy recording every Python server process for ``seconds`` (idle threads too, as
    collapsed stacks: where requests wait shows as well as where they run)."""
    if not directory or not procs:
        return []
    spy = shutil.which("py-spy") or "/tmp/tools/bin/py-spy"
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    pids = [pid for p in procs for pid in descendants(p.pid) if _is_python(pid)]
    return [
        subprocess.Popen(
            [
                spy,
                "record",
                "--pid",
                str(pid),
                "-d",
                str(int(seconds)),
                "-o",
                str(out / f"{pid}.txt"),
                "--format",
                "raw",
                "--idle",
                "--nonblocking",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for pid in pids
    ]


def _is_python(pid: int) -> bool:
    try:
        return (
            "python" in Path(f"/proc/{pid}/comm").read_text()
            or b"gridcare" in Path(f"/proc/{pid}/cmdline").read_bytes()
        )
    except OSError:
        return False


__all__ = [
    "backends",
    "cpu_between",
    "descendants",
    "drive_intake",
    "drive_reads",
    "drive_wrk",
    "percentiles",
    "tree_cpu",
]
