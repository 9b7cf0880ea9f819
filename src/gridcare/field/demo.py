"""Demo field work, deterministic per seed: patrol plans for the demo reps' grids (electric
and water), a week of past patrols (most done, some late or missed), today's and the next
week's tasks, stakeholders, visit plans for key customers (some overdue, some visited) and
a few data changes waiting for review."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from gridcare.core.clock import Clock
from gridcare.core.principal import system_principal
from gridcare.db import Database
from gridcare.field import changes, checkins, patrols, sites, visits
from gridcare.field.models import PatrolStop, PatrolTask, VisitPlan

Progress = Callable[[str, int, int], None]

# (utility, plan name, patrol kinds in order of preference, rrule, how many stops)
PLANS = [
    ("electric", "配变日常巡视", ("transformer",), "FREQ=DAILY", 5),
    ("electric", "线路及开关周巡", ("line", "transformer"), "FREQ=WEEKLY;BYDAY=MO,TH", 3),
    ("water", "消火栓日巡", ("hydrant", "valve"), "FREQ=DAILY", 5),
    ("water", "管线月巡", ("pipe",), "FREQ=MONTHLY;BYMONTHDAY=1", 6),
]
STAKEHOLDERS = [("property_management", "{}物业服务中心", "王经理"), ("residents_committee", "{}社区居委会", "刘主任"), ("village_head", "{}村民委员会", "李村长")]


def _rep_grid(session: Any, login: str) -> Any:
    from gridcare.auth import service as auth
    from gridcare.grids.models import Grid

    user = auth.find_user_by_login(session, login=login)
    if user is None:
        return None
    return session.scalars(select(Grid).where(Grid.rep_id == user.id).order_by(Grid.code)).first()


def _codes(session: Any, *, utility: str, grid_id: int, kinds: tuple[str, ...], n: int) -> list[str]:
    """The first ``n`` placed stops of the first kind the grid has (small demo cities lack some)."""
    for kind in kinds:
        stops, problems = sites.route(session, utility=utility, grid_id=grid_id, kinds=[kind], codes=[])
        placed = [s["code"] for s in stops if s["lon"] is not None]
        if placed and not problems:
            return placed[:n]
    return []


def _make_plans(session: Any, *, now: Any, actor: Any) -> list[int]:
    made = []
    for utility, name, kinds, rule, n in PLANS:
        grid = _rep_grid(session, "rep" if utility == "electric" else "w_rep")
        if grid is None:
            continue
        codes = _codes(session, utility=utility, grid_id=grid.id, kinds=kinds, n=n)
        if codes:
            plan = patrols.create_plan(session, actor=actor, now=now - timedelta(days=30), name=name, grid_id=grid.id, rrule=rule, codes=codes, starts_on=(now - timedelta(days=30)).date(), grace_days=2, max_distance_m=80 if "line" not in kinds else 300)
            made.append(plan.id)
    return made


def _past_week(session: Any, *, now: Any, rng: random.Random) -> None:
    """Patrols of the last week: most done near their assets, one in six never done."""
    patrols.generate(session, now=now - timedelta(days=7), days=6)
    first_of_plan: set[int] = set()
    for task in session.scalars(select(PatrolTask).where(PatrolTask.due_on < (now).date()).order_by(PatrolTask.due_on, PatrolTask.id)):
        if task.plan_id not in first_of_plan or rng.random() < 1 / 6:
            first_of_plan.add(task.plan_id)  # type: ignore[arg-type]
            continue  # never done: the overdue sweep below flags it late, then missed
        done_at = now - timedelta(days=(now.date() - task.due_on).days) + timedelta(hours=rng.randint(-1, 6))
        rep = _principal(session, task.assignee_id)
        if rep is None:
            continue
        # Some rounds had no signal: the phone sent them an hour or three later (no draw from
        # rng, so the rest of the demo stays as it was).
        sent = done_at + timedelta(hours=task.id % 3 + 1) if task.id % 7 == 3 else None
        for stop in session.scalars(select(PatrolStop).where(PatrolStop.task_id == task.id).order_by(PatrolStop.seq)):
            jitter = rng.uniform(-0.0002, 0.0002)
            checkins.check_in(
                session, actor=rep, now=sent or done_at, stop_id=stop.id, lon=(stop.lon or 0) + jitter, lat=(stop.lat or 0) + jitter,
                checklist={item: rng.random() > 0.1 for item in checkins.checklist_for(session, stop.asset_kind)}, data_dir=Path("."),
                made_at=done_at if sent else None, submission=f"demo-{stop.id:08d}" if sent else None,
            )
    patrols.flag_overdue(session, now=now)


_principals: dict[int, Any] = {}


def _principal(session: Any, user_id: int | None) -> Any:
    from gridcare.auth import service as auth

    if user_id is None:
        return None
    if user_id not in _principals:
        user = auth.find_user(session, user_id=user_id)
        _principals[user_id] = auth.principal_for(session, user=user, origin="demo") if user else None
    return _principals[user_id]


def _visits(session: Any, *, now: Any, rng: random.Random) -> None:
    for login in ("rep", "w_rep"):
        grid = _rep_grid(session, login)
        if grid is None:
            continue
        for kind, name, contact in STAKEHOLDERS:
            visits.add_stakeholder(session, actor=system_principal("demo"), now=now - timedelta(days=120), grid_id=grid.id, kind=kind, name=name.format(grid.name.removesuffix("网格").removesuffix("供水")[:6]), contact=contact, phone=f"0731-8{rng.randint(1000000, 9999999)}")
    # Plans made forty days ago: the monthly ones fell due ten days ago.
    visits.sync_plans(session, now=now - timedelta(days=40))
    mine = list(session.scalars(select(VisitPlan).where(VisitPlan.rep_id.is_not(None)).order_by(VisitPlan.id)))
    for plan in rng.sample(mine, k=len(mine) // 2):
        rep = _principal(session, plan.rep_id)
        if rep is not None and rng.random() < 0.6:
            visits.record_visit(session, actor=rep, now=now - timedelta(days=rng.randint(1, 12)), plan_id=plan.id, contact_met=rng.choice(["负责人", "电工", "后勤主任", "物业经理"]), satisfaction=rng.choice([4, 5, 5, 3]), notes="了解近期用电用水情况", issues=rng.choice(["", "", "配电房门锁损坏", "二次供水箱待清洗"]))


def _changes(session: Any, *, now: Any) -> None:
    from gridcare.customers.models import Customer
    from gridcare.network.models import Asset

    rep_grid, w_grid = _rep_grid(session, "rep"), _rep_grid(session, "w_rep")
    rep, w_rep = _principal_by_login(session, "rep"), _principal_by_login(session, "w_rep")
    if rep_grid is not None and rep is not None:
        shop = session.scalars(select(Customer).where(Customer.grid_id == rep_grid.id).order_by(Customer.id)).first()
        if shop is not None:
            changes.submit(session, actor=rep, now=now - timedelta(hours=5), kind="shop_transfer", customer_id=shop.id, payload={"name": "鑫源便利店", "phone": "13875550123"}, note="原店主已转让，新店主办理过户")
        t = session.scalars(select(Asset).where(Asset.grid_id == rep_grid.id, Asset.kind == "transformer").order_by(Asset.code)).first()
        if t is not None:
            changes.submit(session, actor=rep, now=now - timedelta(hours=3), kind="new_building", utility="electric", asset_code=t.code, payload={"name": "锦绣苑 8 栋", "households": "96"})
    if w_grid is not None and w_rep is not None:
        node = session.scalars(select(Asset).where(Asset.grid_id == w_grid.id, Asset.kind == "junction").order_by(Asset.code)).first()
        if node is not None and node.lon is not None:
            changes.submit(session, actor=w_rep, now=now - timedelta(hours=2), kind="road_works", utility="water", lon=node.lon + 0.0003, lat=node.lat, payload={"description": "市政道路开挖铺设雨水管"})


def _principal_by_login(session: Any, login: str) -> Any:
    from gridcare.auth import service as auth

    user = auth.find_user_by_login(session, login=login)
    return _principal(session, user.id) if user else None


def load_demo(db: Database, clock: Clock, *, seed: int, progress: Progress) -> None:
    rng = random.Random(seed * 31 + 14)
    now = clock.now()
    actor = system_principal("demo")
    _principals.clear()
    with db.write() as session:
        progress("field work", 0, 4)
        if not _make_plans(session, now=now, actor=actor):
            return
        progress("field work", 1, 4)
        _past_week(session, now=now, rng=rng)
        patrols.generate(session, now=now, days=7)
        progress("field work", 2, 4)
        _visits(session, now=now, rng=rng)
        progress("field work", 3, 4)
        _changes(session, now=now)
        progress("field work", 4, 4)
