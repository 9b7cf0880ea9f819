"""Demo hard arrears cases in grids with reps: open ones with follow-ups (one overdue) and a
closed instalment plan. Deterministic per seed."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from gridcare.arrears import service
from gridcare.core.clock import Clock
from gridcare.core.principal import system_principal
from gridcare.customers.models import Customer
from gridcare.db import Database

REASONS = ["租户已搬离，房东拒缴", "企业停产，法人联系不上", "对计量有异议，拒绝缴费", "长期无人居住", "家庭困难，申请缓缴"]


def load_demo(db: Database, clock: Clock, *, seed: int, progress: Any) -> None:
    from gridcare.grids import service as grids

    rng = random.Random(seed)
    actor, now = system_principal("demo"), clock.now()
    with db.write() as session:
        staffed = [g.id for g in grids.list_grids(session, actor=actor) if g.rep_id]
        if not staffed:
            return
        # The first staffed grids' customers, so the rep signing in sees cases in their grid.
        candidates = list(session.scalars(select(Customer.id).where(Customer.grid_id.in_(staffed[:3])).order_by(Customer.id).limit(200)))
        chosen = rng.sample(candidates, min(6, len(candidates)))
        for n, cid in enumerate(chosen):
            opened = now - timedelta(days=20 - n)
            case = service.open_case(session, actor=actor, now=opened, customer_id=cid, amount_fen=rng.randrange(30_000, 900_000, 50), months=rng.randint(3, 18), reason=rng.choice(REASONS))
            if n % 3 != 2:  # some followed up, the rest left to go overdue
                service.follow_up(session, actor=actor, now=opened + timedelta(days=2), case_id=case.id, method="visit", note="上门催缴，客户承诺分期缴纳",
                                  paid_fen=case.amount_fen // 4, next_follow_up_at=now + timedelta(days=rng.randint(1, 10)))
            if n == 0:
                service.close(session, actor=actor, now=now - timedelta(days=1), case_id=case.id, outcome="instalment", note="分3期，每月10日前缴清")
            progress("arrears cases", n + 1, len(chosen))
