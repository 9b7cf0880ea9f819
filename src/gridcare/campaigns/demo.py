"""Demo campaigns: a sent policy campaign to a grid's major customers, a water-outage notice
scheduled for tomorrow morning, and an opt-out taken by reply. Deterministic per seed."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from typing import Any

from gridcare.campaigns import audience, service
from gridcare.core.clock import SHANGHAI, Clock, to_local
from gridcare.core.principal import system_principal
from gridcare.db import Database


def load_demo(db: Database, clock: Clock, *, seed: int, progress: Any) -> None:
    from gridcare.grids import service as grids

    rng = random.Random(seed)
    actor, now = system_principal("demo"), clock.now()
    progress("campaigns", 0, 2)
    with db.write() as session:
        everything = grids.list_grids(session, actor=actor)
        electric = [g for g in everything if g.utility == "electric"]
        water = [g for g in everything if g.utility == "water"]
        if not electric or not water:
            return
        sent = service.create_campaign(
            session, actor=actor, now=now - timedelta(hours=3), title="冬季安全用电提醒", topic="safety",
            text="冬季取暖用电负荷大，请勿私拉乱接电线，大功率电器错峰使用。如遇停电请联系您的台区经理。",
            target={"grid_ids": [g.id for g in rng.sample(electric, min(3, len(electric)))], "tag": "major"},
        )
        service.send(session, actor=actor, now=now - timedelta(hours=3), campaign_id=sent.id)
        progress("campaigns", 1, 2)
        target_grid = rng.choice(water)
        residents = sorted(audience.in_grids(session, grid_ids=[target_grid.id]))
        if residents:  # one resident already replied "TD" to an earlier message
            service.opt_out(session, actor=actor, now=now - timedelta(days=2), customer_id=rng.choice(residents), channel="sms", via="reply", note="TD")
        tomorrow = datetime.combine(to_local(now).date() + timedelta(days=1), time(9, 0), tzinfo=SHANGHAI)
        service.create_campaign(
            session, actor=actor, now=now, title="计划停水通知", topic="water_outage", send_at=tomorrow - timedelta(hours=20),
            text=f"因管网维护，{to_local(tomorrow):%m月%d日}9:00至17:00停水，请提前储水。",
            target={"grid_ids": [target_grid.id]},
        )
        progress("campaigns", 2, 2)
