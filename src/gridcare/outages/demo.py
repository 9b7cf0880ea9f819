"""Demo outages on the demo network: two planned ones next week, a planned one today, an
active unplanned one and three planned ones of the last weeks, restored, each over a fuse, switch or transformer with a few hundred customers at most (so the demo's
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
LARGER = 120  # customers at least, for the outages whose calls the hotline plans for


def _fuses(session, rng: np.random.Generator, n: int, *, least: int = 1, exclude: frozenset[str] = frozenset()) -> list[str]:  # noqa: ANN001
    codes = list(session.scalars(select(Asset.code).where(Asset.utility == "electric", Asset.kind.in_(("fuse", "switch", "transformer"))).order_by(Asset.code)))
    chosen: list[str] = []
    for i in rng.permutation(len(codes)):
        if codes[i] in exclude:
            continue
        points = network.downstream_supply_points(session, utility="electric", device=codes[i])
        served = sum(customers.counts_by_supply_point(session, codes=sorted(points)).values())
        if least <= served <= MAX_CUSTOMERS:
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
        # Outages over a few hundred customers, drawn apart so the rest of the demo stays as it was:
        # three of the last weeks the hotline learns from, and one next week it staffs for.
        larger = _fuses(session, np.random.default_rng(seed + 3), 4, least=LARGER, exclude=frozenset(devices))
        _past_planned(session, now=now, today=today, devices=larger[:3])
        next_week = datetime.combine(today + timedelta(days=7), time(8, 30), tzinfo=SHANGHAI)
        later_today = max(now + timedelta(hours=1), datetime.combine(today, time(14, 0), tzinfo=SHANGHAI))
        made = [
            service.create_outage(session, actor=actor, now=now, utility="electric", kind="planned", devices=[devices[0]], starts_at=next_week, ends_at=next_week + timedelta(hours=8),
                                  reason="线路检修及设备消缺", notice_days=2),
            service.create_outage(session, actor=actor, now=now, utility="electric", kind="planned", devices=[devices[1]], starts_at=later_today, ends_at=later_today + timedelta(hours=4),
                                  reason="配变增容改造", notice_days=1),
            service.create_outage(session, actor=actor, now=now - timedelta(minutes=40), utility="electric", kind="unplanned", devices=[devices[2]], cause="熔断器熔断",
                                  eta=now + timedelta(hours=2)),
            *(
                service.create_outage(session, actor=actor, now=now, utility="electric", kind="planned", devices=[device], starts_at=next_week + timedelta(days=1),
                                      ends_at=next_week + timedelta(days=1, hours=6), reason="10kV 线路迁改", notice_days=2)
                for device in larger[3:]
            ),
        ]
        ids = [o.id for o in made]
        storm_under = _transformer_with_callers(session, rng, exclude=set(devices))
    if storm_under is not None:
        _demo_storm(db, clock, *storm_under)
    return ids


def _past_planned(session, *, now: datetime, today, devices: list[str]) -> None:  # noqa: ANN001
    """Planned outages of the last weeks, announced, carried out and restored on time: the
    hotline learns from them how many calls a planned outage brings."""
    actor = system_principal("demo")
    for weeks_ago, device in enumerate(devices, start=1):
        day = today - timedelta(days=7 * weeks_ago - 1)
        day -= timedelta(days=max(0, day.weekday() - 4))  # on a working day
        starts = datetime.combine(day, time(8, 30), tzinfo=SHANGHAI)
        if starts + timedelta(hours=10) > now:
            continue
        outage = service.create_outage(session, actor=actor, now=starts - timedelta(days=3), utility="electric", kind="planned", devices=[device], starts_at=starts,
                                       ends_at=starts + timedelta(hours=7), reason="线路检修", notice_days=2)
        service.begin_due(session, now=starts)
        service.restore(session, actor=actor, now=starts + timedelta(hours=7), outage_id=outage.id)


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
