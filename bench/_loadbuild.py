"""The database of bench/load.py: the demo city, then synthetic customers up to the asked
number cloned onto its grids and transformers (so fault triage sees them), a tenth of them
with past orders and calls as bench/screenpop.py builds them, and ringing calls for the
screen pops. Bulk loads go through COPY on PostgreSQL."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
from _common import bulk_insert, phone_of, written

os.environ.setdefault("GRIDCARE_PASSWORD_HASH_PROFILE", "cheapest")

BATCH = 50_000
OPEN = ("dispatched", "accepted", "arrived")


@dataclass(frozen=True)
class Prepared:
    accounts: list[str]  # electric customers with a supply point: the storm's callers
    token: str  # the agent's bearer token
    call_ids: list[int]  # ringing calls, for the screen pops


def prepare(
    url: str, *, customers: int, demo_customers: int, lean: bool, calls: int, seed: int, say: Callable[[str], None]
) -> Prepared:
    """Build the database at ``url`` (empty, or not yet migrated), then ``ready`` it."""
    from sqlalchemy import func, select, text

    from gridcare.customers.models import Customer
    from gridcare.db import Database
    from gridcare.migrations_runner import upgrade

    started = time.perf_counter()
    upgrade(url)
    db = Database(url)
    try:
        _demo(db, customers=demo_customers, lean=lean, seed=seed)
        say(f"demo city with {demo_customers:,} customers ({time.perf_counter() - started:.0f} s)")
        with db.read() as session:
            have = session.scalar(select(func.count()).select_from(Customer)) or 0
        if customers > have:
            _clone(
                db,
                customers - have,
                rng=np.random.default_rng(seed),
                history=not lean,
                say=lambda s: say(f"{s} ({time.perf_counter() - started:.0f} s)"),
            )
        with db.engine.begin() as conn:
            conn.execute(text("ANALYZE"))
        with db.read() as session:
            picks = _phones(session, calls, np.random.default_rng(seed + 1))
        _ringing(db, picks, rng=np.random.default_rng(seed + 2))
        _settle(db, url)
        say(f"the day's periodic jobs have run ({time.perf_counter() - started:.0f} s)")
    finally:
        db.dispose()
    return ready(url, seed=seed, say=say)


def _settle(db, url: str) -> None:
    """Run the city's periodic jobs once and deliver what they send, as on any working day
    before a storm. A new database has never run its daily jobs (alert detection over the
    year of history, campaign releases, visit plans): a worker's first rounds would spend
    the measured storm on them (70 % of the worker's time in a fresh build's first run)."""
    from gridcare.config import load_settings
    from gridcare.core.clock import system_clock
    from gridcare.main import load_plugins
    from gridcare.pubsub import Broadcaster
    from gridcare.worker import Worker, WorkerContext

    settings = load_settings(database_url=url)
    load_plugins(settings)
    Worker(WorkerContext(db=db, broadcaster=Broadcaster(), settings=settings, clock=system_clock), name="bench-settle").drain(max_rounds=100_000)


def ready(url: str, *, seed: int, say: Callable[[str], None], accounts: int = 5000) -> Prepared:
    """What the load needs from a built database: the storm's callers, a fresh token of the
    agent, the ringing calls."""
    from sqlalchemy import func, select

    from gridcare.auth import service as auth
    from gridcare.calls.models import CallRecord
    from gridcare.core.clock import system_clock
    from gridcare.core.principal import system_principal
    from gridcare.customers.models import Customer
    from gridcare.db import Database

    rng = np.random.default_rng(seed + 3)
    db = Database(url)
    try:
        with db.write() as session:
            agent = auth.find_user_by_login(session, login="agent")
            _row, token = auth.create_token(
                session, actor=system_principal("bench"), now=system_clock.now(), user_id=agent.id, name="load"
            )
            electric = select(Customer.account).where(
                Customer.utility == "electric", Customer.supply_point.is_not(None)
            )
            total = session.scalar(select(func.count()).select_from(electric.subquery())) or 0
            # Every n-th row: a spread sample without ORDER BY random() over a million rows.
            step = max(1, total // accounts)
            callers = list(
                session.scalars(electric.order_by(Customer.id).offset(int(rng.integers(step))).limit(total))
            )[::step][:accounts]
            call_ids = list(
                session.scalars(
                    select(CallRecord.id).where(
                        CallRecord.source == "bench",
                        CallRecord.state == "ringing",
                        CallRecord.agent_user_id == agent.id,
                    )
                )
            )
    finally:
        db.dispose()
    say(f"database ready: {len(callers):,} storm callers, {len(call_ids):,} ringing calls")
    return Prepared(accounts=callers, token=token, call_ids=call_ids)


def _phones(session, calls: int, rng: np.random.Generator) -> list[str]:
    from sqlalchemy import select

    from gridcare.customers.models import Customer, CustomerPhone

    # The agent works for the electric company: water customers are outside their scope.
    phones = list(
        session.scalars(
            select(CustomerPhone.e164)
            .join(Customer, Customer.id == CustomerPhone.customer_id)
            .where(Customer.utility == "electric")
            .order_by(CustomerPhone.id)
        )
    )
    return [phones[i] for i in rng.integers(len(phones), size=calls)]


def _demo(db, *, customers: int, lean: bool, seed: int) -> None:
    from gridcare.core.clock import system_clock

    if not lean:
        from gridcare.demo.loader import load_demo

        load_demo(db, clock=system_clock, seed=seed, customers=customers, grids=min(60, max(1, customers // 50)))
        return
    # The organisation, grids, networks and customers only: what intake, triage and the
    # screen pop read. Seconds instead of the full demo's minutes.
    from gridcare.core.principal import system_principal
    from gridcare.demo.city import build_city
    from gridcare.demo.org import load_org
    from gridcare.demo.service_area import load_city

    city = build_city(seed=seed, customers=customers, grids=min(60, max(1, customers // 50)))
    actor, now = system_principal("demo"), system_clock.now()
    with db.write() as session:
        units = load_org(session, actor=actor, now=now)
        load_city(session, actor=actor, now=now, city=city, units=units, progress=lambda *_: None)


def _clone(db, n: int, *, rng: np.random.Generator, history: bool, say: Callable[[str], None]) -> None:
    """``n`` more customers, each a copy of a random demo customer's place (grid, transformer,
    organisation) a few metres away, with a number of their own."""
    from sqlalchemy import func, select

    from gridcare.calls.models import CallRecord
    from gridcare.core.clock import system_clock
    from gridcare.customers.models import Customer, CustomerPhone, CustomerTag
    from gridcare.workorders.models import WorkOrder

    now = system_clock.now()
    with db.read() as session:
        model = session.execute(
            select(
                Customer.grid_id, Customer.supply_point, Customer.org_path, Customer.lon, Customer.lat, Customer.address
            ).where(Customer.utility == "electric")
        ).all()
        first = (session.scalar(select(func.max(Customer.id))) or 0) + 1
    src = rng.integers(len(model), size=n)
    jitter = rng.normal(0, 0.0003, size=(n, 2))
    tags = rng.choice(["", "", "", "", "", "", "", "", "", "sensitive", "major"], size=n)
    with db.engine.begin() as conn:
        for lo in range(0, n, BATCH):
            hi = min(n, lo + BATCH)
            rows, phones, tagged = [], [], []
            for i in range(lo, hi):
                g, sp, path, lon, lat, address = model[src[i]]
                cid = first + i
                rows.append(
                    {
                        "id": cid,
                        "account": f"L{i:08d}",
                        "name": f"客户{i}",
                        "address": f"{address}附{i % 97}号",
                        "lon": None if lon is None else float(lon + jitter[i, 0]),
                        "lat": None if lat is None else float(lat + jitter[i, 1]),
                        "utility": "electric",
                        "supply_point": sp,
                        "grid_id": g,
                        "org_path": path,
                        "tags": str(tags[i]),
                        "notes": "",
                        "attributes": {},
                        "created_at": now,
                        "updated_at": now,
                    }
                )
                phones.append({"customer_id": cid, "e164": phone_of(5_000_000 + i), "position": 0})
                if tags[i]:
                    tagged.append({"customer_id": cid, "tag": str(tags[i])})
            bulk_insert(conn, Customer.__table__, rows)
            bulk_insert(conn, CustomerPhone.__table__, phones)
            bulk_insert(conn, CustomerTag.__table__, tagged)
            say(f"customers cloned {hi:,}/{n:,}")
        if conn.dialect.name == "postgresql":  # explicit ids: move the sequence past them
            conn.exec_driver_sql(
                "SELECT setval(pg_get_serial_sequence('customers', 'id'), (SELECT max(id) FROM customers))"
            )
        if not history:
            return
        # A tenth of them have history: closed orders, a few still open, and past calls.
        with_history = rng.choice(n, size=n // 10, replace=False)
        orders, past_calls = [], []
        for k, i in enumerate(with_history.tolist()):
            g, sp, path, *_ = model[src[i]]
            created = now - timedelta(hours=int(rng.integers(1, 24 * 300)))
            status = OPEN[k % 3] if k % 25 == 0 else "closed"
            orders.append(
                {
                    "number": f"GDL-{k:08d}",
                    "channel": "hotline",
                    "category": "repair",
                    "utility": "electric",
                    "status": status,
                    "description": "停电",
                    "customer_id": first + i,
                    "caller_name": "",
                    "caller_phone": "",
                    "address": "",
                    "grid_id": g,
                    "area_class": "urban",
                    "org_path": path,
                    "handler_id": None,
                    "originator": "bench",
                    "dispatch_reason": "",
                    "created_at": created,
                    "closed_at": None if status in OPEN else created + timedelta(hours=3),
                    "reopen_count": 0,
                    "transfer_pending": False,
                    "escalation_level": 0,
                    "attributes": {},
                    "resolution_code": "",
                    "resolution_note": "",
                    "supply_point": sp,
                }
            )
            at = now - timedelta(hours=int(rng.integers(1, 24 * 300)))
            past_calls.append(
                {
                    "source": "bench",
                    "call_id": f"h{k}",
                    "direction": "inbound",
                    "caller": "",
                    "caller_e164": phone_of(5_000_000 + i),
                    "callee": "95598",
                    "org_path": "/",
                    "queue": "general",
                    "agent_extension": "8001",
                    "state": "ended",
                    "outcome": "answered",
                    "ringing_at": at,
                    "answered_at": at,
                    "ended_at": at,
                    "started_at": at,
                    "local_day": at.strftime("%Y-%m-%d"),
                    "local_hour": 9,
                    "wait_seconds": 5,
                    "duration_seconds": 60,
                    "transfers": 0,
                    "recording_url": "",
                    "customer_id": first + i,
                    "customers_matched": 1,
                    "created_at": at,
                    "updated_at": at,
                }
            )
        for lo in range(0, len(orders), BATCH):
            bulk_insert(conn, WorkOrder.__table__, orders[lo : lo + BATCH])
            bulk_insert(conn, CallRecord.__table__, past_calls[lo : lo + BATCH])
        say(f"history: {len(orders):,} past orders and calls")


def _ringing(db, e164s: list[str], *, rng: np.random.Generator) -> None:
    """Calls ringing at the agent now, one per number, written as a PBX writes it."""
    from gridcare.auth import service as auth
    from gridcare.calls.models import CallRecord
    from gridcare.core.clock import system_clock

    now = system_clock.now()
    with db.read() as session:
        agent_id = auth.find_user_by_login(session, login="agent").id
    rows = [
        {
            "source": "bench",
            "call_id": f"ring{k}",
            "direction": "inbound",
            "caller": written(e164, rng),
            "caller_e164": None,
            "callee": "95598",
            "org_path": "/",
            "queue": "general",
            "agent_extension": "8001",
            "agent_user_id": agent_id,
            "state": "ringing",
            "ringing_at": now,
            "started_at": now,
            "local_day": now.strftime("%Y-%m-%d"),
            "local_hour": 9,
            "transfers": 0,
            "recording_url": "",
            "customers_matched": 0,
            "created_at": now,
            "updated_at": now,
        }
        for k, e164 in enumerate(e164s)
    ]
    with db.engine.begin() as conn:
        bulk_insert(conn, CallRecord.__table__, rows)
