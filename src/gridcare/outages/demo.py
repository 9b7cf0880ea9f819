"""Demo outages on the demo network: a planned one next week, a planned one today and an
active unplanned one, each over a fuse, switch or transformer with a few hundred customers at most (so the demo's
notices stay a demo's size). Deterministic per seed.

Called by the demo loader after the network and customers exist: ``load_outages(db, clock, seed)``."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import numpy as np
from sqlalchemy import select

from gridcare.core.clock import SHANGHAI, Clock, to_local
from gridcare.core.principal import system_principal
from gridcare.customers import service as customers
from gridcare.db import Database
from gridcare.network import service as network
from gridcare.network.models import Asset
from gridcare.outages import service

MAX_CUSTOMERS = 300


def _fuses(session, rng: np.random.Generator, n: int) -> list[str]:  # noqa: ANN001
    codes = list(session.scalars(select(Asset.code).where(Asset.utility == "electric", Asset.kind.in_(("fuse", "switch", "transformer"))).order_by(Asset.code)))
    chosen: list[str] = []
    for i in rng.permutation(len(codes)):
        points = network.downstream_supply_points(session, utility="electric", device=codes[i])
        served = sum(customers.counts_by_supply_point(session, codes=sorted(points)).values())
        if 0 < served <= MAX_CUSTOMERS:
            chosen.append(codes[i])
            if len(chosen) == n:
                break
    return chosen


def load_outages(db: Database, clock: Clock, seed: int = 7) -> list[int]:
    rng = np.random.default_rng(seed)
    now = clock.now()
    actor = system_principal("demo")
    today = to_local(now).date()
    with db.write() as session:
        devices = _fuses(session, rng, 3)
        if len(devices) < 3:
            return []
        next_week = datetime.combine(today + timedelta(days=7), time(8, 30), tzinfo=SHANGHAI)
        later_today = max(now + timedelta(hours=1), datetime.combine(today, time(14, 0), tzinfo=SHANGHAI))
        made = [
            service.create_outage(session, actor=actor, now=now, utility="electric", kind="planned", devices=[devices[0]], starts_at=next_week, ends_at=next_week + timedelta(hours=8),
                                  reason="线路检修及设备消缺", notice_days=2),
            service.create_outage(session, actor=actor, now=now, utility="electric", kind="planned", devices=[devices[1]], starts_at=later_today, ends_at=later_today + timedelta(hours=4),
                                  reason="配变增容改造", notice_days=1),
            service.create_outage(session, actor=actor, now=now - timedelta(minutes=40), utility="electric", kind="unplanned", devices=[devices[2]], cause="熔断器熔断",
                                  eta=now + timedelta(hours=2)),
        ]
        ids = [o.id for o in made]
        storm_under = _transformer_with_callers(session, rng, exclude=set(devices))
    if storm_under is not None:
        _demo_storm(db, clock, *storm_under)
    return ids


def _transformer_with_callers(session, rng: np.random.Generator, exclude: set[str]) -> tuple[str, list[str]] | None:  # noqa: ANN001
    """A transformer with a handful of customers, for the demo's storm of repair calls."""
    codes = list(session.scalars(select(Asset.code).where(Asset.utility == "electric", Asset.kind == "transformer").order_by(Asset.code)))
    for i in rng.permutation(len(codes)):
        if codes[i] in exclude:
            continue
        accounts = [c.account for c in customers.customers_on_supply_points(session, actor=system_principal("demo"), codes=[codes[i]], limit=41)]
        if 6 <= len(accounts) <= 40:
            return codes[i], accounts
    return None


def _demo_storm(db: Database, clock: Clock, transformer: str, accounts: list[str]) -> None:
    """Five customers of one transformer call about a power cut a few minutes apart; triage
    predicts the outage and merges their calls, for the supervisor to confirm or correct."""
    from gridcare.outages import storm
    from gridcare.workorders import service as orders

    agent = system_principal("demo")
    start = clock.now() - timedelta(minutes=12)
    for k, account in enumerate(accounts[:5]):
        with db.write() as session:
            intake = orders.Intake(category="repair", channel="hotline", account=account, description="家里突然停电了，邻居家也没电", idempotency_key=f"demo-storm-{k}")
            orders.create_order(session, actor=agent, now=start + timedelta(minutes=2 * k), intake=intake)
    storm.triage_call(db, now=clock.now(), supply_point=transformer, utility="electric")
