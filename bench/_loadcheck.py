"""What a bench/load.py run found: the samples summarised over the measured window, the
answered orders checked against the database, the outbox backlog, how soon the reps' pop-ups
were pushed, the printed report."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from _common import percentiles


def window_of(samples: list[list[Any]], window: tuple[float, float]) -> dict[str, Any]:
    """Samples are [sent at (epoch s), seconds, status, matched]; those sent inside the window count."""
    inside = [s for s in samples if window[0] <= s[0] < window[1]]
    ok = [s for s in inside if 200 <= s[2] < 300]
    return {
        "latencies": [s[1] for s in ok],
        "errors": len(inside) - len(ok),
        "server_errors": sum(1 for s in inside if s[2] >= 500 or s[2] == 0),
        "unmatched": sum(1 for s in ok if not s[3]),
        "error_statuses": {
            str(status): sum(1 for s in inside if s[2] == status)
            for status in {s[2] for s in inside} - set(range(200, 300))
        },
    }


def summarise(records: list[dict[str, Any]], window: tuple[float, float]) -> dict[str, Any]:
    """Python-client records: throughput from the 2xx answered inside the window, latency of
    the requests sent inside it; status counts (and the check) over every request."""
    inside = [r for r in records if window[0] <= r["at"] < window[1]]
    done = [r for r in records if window[0] <= r["at"] + r["s"] < window[1] and 200 <= r["status"] < 300]
    p50, p99 = percentiles([r["s"] for r in inside], 50, 99)
    return {
        "per_s": len(done) / (window[1] - window[0]),
        "p50": p50,
        "p99": p99,
        "records": records,
        "n2xx": sum(1 for r in records if 200 <= r["status"] < 300),
        "n4xx": sum(1 for r in records if 400 <= r["status"] < 500),
        "n5xx": sum(1 for r in records if r["status"] >= 500),
        "socket_errors": sum(1 for r in records if r["status"] == 0),
    }


def verify(url: str, prefix: str, measured: dict[str, Any]) -> dict[str, Any]:
    """Each answered order exists, once: with the Python client, every 2xx key is a row with
    the id it answered; with wrk (no per-request record), at least as many rows as 2xx."""
    from sqlalchemy import func, select

    from gridcare.db import Database
    from gridcare.workorders.models import WorkOrder

    db = Database(url)
    try:
        with db.read() as session:
            rows = session.execute(
                select(WorkOrder.idempotency_key, WorkOrder.id).where(WorkOrder.idempotency_key.like(prefix + "%"))
            ).all()
            numbers = session.execute(
                select(func.count(WorkOrder.id), func.count(func.distinct(WorkOrder.number))).where(
                    WorkOrder.idempotency_key.like(prefix + "%")
                )
            ).one()
    finally:
        db.dispose()
    by_key: dict[str, list[int]] = {}
    for key, order_id in rows:
        by_key.setdefault(key, []).append(order_id)
    duplicated = sum(len(ids) - 1 for ids in by_key.values()) + (numbers[0] - numbers[1])
    if "records" in measured:
        answered = [r for r in measured["records"] if 200 <= r["status"] < 300]
        missing = sum(1 for r in answered if by_key.get(r["key"]) != [r["id"]])
        duplicated += len(answered) - len({r["id"] for r in answered})
    else:
        missing = max(0, measured["n2xx"] - len(rows))
    return {"rows": len(rows), "missing": missing, "duplicated": duplicated}


def outbox_backlog(url: str) -> dict[str, int]:
    """Outbox rows due but not yet delivered when the load stops, per topic: whether the
    workers kept up."""
    from sqlalchemy import func, select

    from gridcare.core.clock import system_clock
    from gridcare.db import Database
    from gridcare.outbox import OutboxRow

    db = Database(url)
    try:
        with db.read() as session:
            due = OutboxRow.status.in_(("pending", "processing")) & (
                OutboxRow.available_at <= system_clock.now()
            )  # ladders' later rungs are not due yet
            rows = session.execute(select(OutboxRow.topic, func.count()).where(due).group_by(OutboxRow.topic)).all()
    finally:
        db.dispose()
    return {topic: n for topic, n in rows}


def popup_delays(url: str, prefix: str, *, window: tuple[float, float], drain_s: float = 30.0) -> dict[str, Any]:
    """How long after its order was taken each rep's dispatch pop-up was pushed (the
    notification marked delivered), for the orders taken in the measured ``window`` (epoch
    seconds): a worker started with the storm first works off what the warm-up left. Waits
    up to ``drain_s`` for the workers to push what was still due when the load stopped;
    what any order of the run has left by then is counted as not pushed."""
    from sqlalchemy import func, select

    from gridcare.db import Database
    from gridcare.notify.models import Notification
    from gridcare.workorders.models import WorkOrder

    popups = (
        select(WorkOrder.created_at, Notification.delivered_at)
        .join(Notification, (Notification.source_kind == "order") & (Notification.source_id == WorkOrder.id))
        .where(WorkOrder.idempotency_key.like(prefix + "%"), Notification.channel == "popup", Notification.event == "order.dispatched")
    )
    db = Database(url)
    try:
        deadline = time.monotonic() + drain_s
        while True:
            with db.read() as session:
                waiting = session.scalar(select(func.count()).select_from(popups.where(Notification.delivered_at.is_(None)).subquery()))
            if not waiting or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        with db.read() as session:
            rows = session.execute(popups).all()
    finally:
        db.dispose()
    start, end = (datetime.fromtimestamp(t, UTC) for t in window)
    pushed = [(taken, (at - taken).total_seconds()) for taken, at in rows if at is not None]
    in_window = [delay for taken, delay in pushed if start <= taken < end]
    p50, p99 = percentiles(in_window, 50, 99)
    # With the warm-up too: the storm's first seconds, when the workers meet it.
    (run_p99,) = percentiles([delay for _taken, delay in pushed], 99)
    return {"count": len(in_window), "not_pushed": len(rows) - len(pushed), "p50_ms": p50, "p99_ms": p99, "run_p99_ms": run_p99}


def _ms(value: float | None) -> str:
    return f"{value:7.1f}" if value is not None else "      —"


def report(cfg: Any, r: dict[str, Any]) -> None:  # cfg: load.Config
    print(
        f"{cfg.mode} mode, {cfg.web} web / {cfg.workers} worker process(es), {cfg.customers:,} customers, {cfg.clients} clients ({cfg.client}), {cfg.seconds:.0f} s measured after {cfg.warm_up:.0f} s warm-up"
    )
    print(
        f"load average {r['load_average_before']} before, {r['load_average_after']} after; database built in {r['build_s']:.0f} s"
    )
    print(f"{'baseline inserts':<22} {r['baseline_inserts_per_s']:8.1f} /s   p99 {_ms(r['baseline_p99_ms'])} ms")
    print(
        f"{'gridcare orders':<22} {r['orders_per_s']:8.1f} /s   p50 {_ms(r['p50_ms'])} ms   p99 {_ms(r['p99_ms'])} ms   ratio {r['ratio']:.2f}"
    )
    print(
        f"{'screen pop (card)':<22} {r['screenpop_count']:8d} ×    p50 {_ms(r['screenpop_p50_ms'])} ms   p99 {_ms(r['screenpop_p99_ms'])} ms   errors {r['screenpop_errors']} {r['screenpop_error_statuses'] or ''}, caller not found {r['screenpop_unmatched']}"
    )
    print(
        f"{'queue view':<22} {r['queue_count']:8d} ×    p50 {_ms(r['queue_p50_ms'])} ms   p99 {_ms(r['queue_p99_ms'])} ms   errors {r['queue_errors']} {r['queue_error_statuses'] or ''}"
    )
    print(
        f"orders: {r['orders_2xx']} answered 2xx, {r['orders_4xx']} 4xx, {r['server_errors']} 5xx (all requests), {r['socket_errors']} socket errors; "
        f"{r['orders_in_db']} in the database, {r['orders_missing']} answered but missing, {r['orders_duplicated']} duplicated"
    )
    print(f"outbox rows due but not delivered when the load stopped: {r['outbox_backlog'] or 'none'}")
    print(
        f"{'dispatch pop-ups':<22} {r['popup_count']:8d} ×    pushed p50 {_ms(r['popup_p50_ms'])} ms   p99 {_ms(r['popup_p99_ms'])} ms after the order was taken (measured window; p99 {_ms(r['popup_run_p99_ms'])} ms with the warm-up); {r['popups_not_pushed']} of the run not pushed"
    )
    # On a shared machine the servers get what the other processes leave: CPU per request
    # (servers and their database backends) shows the cost apart from that share.
    print(
        f"CPU during the measured load: gridcare {r['cpu_s']} = {r['cpu_ms_per_order']} ms per order; baseline {r['baseline_cpu_s']} = {r['baseline_cpu_ms_per_insert']} ms per insert; ratio {r['cpu_ratio']}"
    )
