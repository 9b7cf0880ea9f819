"""Demo step: the synthetic city (grids, reps, customers, electric and water networks)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridcare.auth import service as auth
from gridcare.auth.passwords import hash_password
from gridcare.core.principal import Principal
from gridcare.customers import service as customers
from gridcare.customers.importing import CustomerImport, CustomerRow
from gridcare.demo.city import City
from gridcare.demo.org import DEMO_PASSWORD
from gridcare.grids import service as grids
from gridcare.grids.models import Grid
from gridcare.network import service as network
from gridcare.network.topology import AssetRecord, WaterNode, WaterPipe

Progress = Callable[[str, int, int], None]


def load_city(session: Session, *, actor: Principal, now: datetime, city: City, units: dict[str, int], progress: Progress) -> None:
    shared_hash = hash_password(DEMO_PASSWORD)
    electric_team, water_team = units["XC-E-FR-WY-T1"], units["XC-W-TX-T1"]

    def user_id(login: str, name: str, phone: str, team: int) -> int:
        found = auth.find_user_by_login(session, login=login)
        if found is not None:
            return found.id
        return auth.create_user(
            session, actor=actor, now=now, login=login, display_name=name, role="rep", org_unit_id=team, password=DEMO_PASSWORD, phone=phone, password_hash=shared_hash
        ).id

    grids.set_service_area(session, actor=actor, now=now, org_unit_id=units["XC"], name="星城服务区", geometry=city.service_area)
    progress("grids", 0, len(city.grids) + len(city.dmas))
    demo_rep = auth.find_user_by_login(session, login="rep")
    for i, g in enumerate(city.grids):
        rep = demo_rep.id if i == 0 and demo_rep else user_id(g.rep.login, g.rep.name, g.rep.phone, electric_team)
        backup = user_id(g.backup.login, g.backup.name, g.backup.phone, electric_team)
        grids.create_grid(
            session, actor=actor, now=now, code=g.code, name=g.name, org_unit_id=electric_team, rep_id=rep, backup_id=backup, geometry=g.polygon, area_class=g.area_class, district=g.district
        )
    # Water grids follow the DMAs, as the water article recommends.
    w_rep = auth.find_user_by_login(session, login="w_rep")
    for i, d in enumerate(city.dmas):
        rep = w_rep.id if i == 0 and w_rep else user_id(f"wrep{i + 1:02d}", f"水务网格员{i + 1:02d}", f"+86139{i + 1:08d}", water_team)
        grids.create_grid(session, actor=actor, now=now, code=f"W-{d.code}", name=f"{d.name}供水网格", org_unit_id=water_team, rep_id=rep, geometry=d.polygon, area_class="urban", district="")
    progress("grids", len(city.grids) + len(city.dmas), len(city.grids) + len(city.dmas))
    session.flush()

    progress("networks", 0, 2)
    network.import_electric(
        session, actor=actor, now=now, records=[AssetRecord(code=a.code, kind=a.kind, parent=a.parent, name=a.name, lon=a.lon, lat=a.lat, attributes={}) for a in city.assets]
    )
    progress("networks", 1, 2)
    network.import_water(
        session,
        actor=actor,
        now=now,
        nodes=[WaterNode(code=n.code, kind=n.kind, lon=n.lon, lat=n.lat, attributes={}) for n in city.water_nodes],
        pipes=[WaterPipe(code=p.code, from_code=p.from_code, to_code=p.to_code, material=p.material, diameter_mm=p.diameter_mm, year=p.year, attributes={}) for p in city.water_pipes],
        dmas=[(d.code, d.polygon) for d in city.dmas],
    )
    progress("networks", 2, 2)

    rows = tuple(
        CustomerRow(
            line=i + 2,
            account=c.account,
            name=c.name,
            phones=c.phones,
            address=c.address.text,
            lon=c.lon,
            lat=c.lat,
            utility=c.utility,
            supply_point=c.supply_point,
            tags=frozenset(c.tags),
            meters=c.meters,
            notes="",
            attributes={"segment": c.segment, "community": c.address.community, "road": c.address.road},
        )
        for i, c in enumerate(city.customers)
    )
    team_path = session.scalar(select(Grid.org_path).limit(1)) or "/"
    customers.import_customers(session, actor=actor, now=now, parsed=CustomerImport(rows=rows, problems=(), total_rows=len(rows)), org_path=team_path, progress=progress)
    grids.reassign_all(session, now=now, reason="demo", progress=progress)


def load_history(session: Session, *, actor: Principal, now: datetime, city: City, seed: int, progress: Progress) -> None:
    """Twelve months of closed orders with the articles' category mix and response times."""
    from gridcare.demo.history import generate_history
    from gridcare.workorders.history import PastOrder, load_closed_orders

    past = [
        PastOrder(
            key=h.key, account=h.account, grid_code=h.grid_code if h.utility == "electric" else _water_grid(city, h), utility=h.utility, category=h.category,
            channel=h.channel, description=h.description, created_at=h.created_at, accepted_at=h.accepted_at, arrived_at=h.arrived_at,
            resolved_at=h.resolved_at, callback_at=h.callback_at, closed_at=h.closed_at, satisfaction=h.satisfaction, escalations=h.escalations,
            by_backup=h.handled_by == "backup",
        )
        for h in generate_history(city, end=now, seed=seed)
    ]
    load_closed_orders(session, actor=actor, now=now, orders=past, progress=progress)


def _water_grid(city: City, order: object) -> str:
    """Water orders belong to the water grid (a DMA) holding the customer."""
    return _dma_codes(city).get(order.account, "")  # type: ignore[attr-defined]


_dma_cache: dict[int, dict[str, str]] = {}


def _dma_codes(city: City) -> dict[str, str]:
    key = id(city)
    if key not in _dma_cache:
        import numpy as np
        import shapely

        water = [c for c in city.customers if c.utility == "water"]
        lons = np.array([c.lon for c in water])
        lats = np.array([c.lat for c in water])
        codes: dict[str, str] = {}
        for d in city.dmas:
            inside = shapely.contains_xy(d.polygon, lons, lats)
            for i in np.flatnonzero(inside):
                codes.setdefault(water[i].account, f"W-{d.code}")
        _dma_cache.clear()
        _dma_cache[key] = codes
    return _dma_cache[key]


def load_open_orders(session: Session, *, actor: Principal, now: datetime, city: City, seed: int, count: int = 40) -> None:
    """Today's work: open orders in every state, so the queue and the rep's phone have content."""
    import random

    from gridcare.core.principal import system_principal
    from gridcare.workorders import service as orders

    rng = random.Random(seed)
    agents = {}
    for utility, login in (("electric", "agent"), ("water", "w_agent")):
        found = auth.find_user_by_login(session, login=login)
        agents[utility] = auth.principal_for(session, user=found, origin="demo") if found else system_principal("demo")
    texts = {
        "electric": {"repair": ["家里突然停电了", "楼道灯不亮，整栋楼没电", "电表箱冒烟"], "consultation": ["咨询阶梯电价", "咨询电费账单"], "reconnection": ["已缴清欠费，申请复电"], "complaint": ["抢修人员迟迟未到"], "service_request": ["申请增容", "过户办理"]},
        "water": {"repair": ["水管爆裂，路面冒水", "停水了，什么时候来水", "水压太低"], "consultation": ["咨询阶梯水价", "咨询水费账单"], "reconnection": ["已缴清欠费，申请恢复供水"], "complaint": ["维修人员迟迟未到"], "service_request": ["水表过户", "新装水表"]},
    }
    demo_rep = auth.find_user_by_login(session, login="rep")
    first_grid = city.grids[0].code
    accepted: dict[str, list[tuple[int, Any]]] = {}
    kept_for_rep = False
    people = [c for c in city.customers if c.grid_code == first_grid and c.utility == "electric"][:8] + rng.sample(list(city.customers), count - 8)
    for i, customer in enumerate(people):
        category = rng.choices(list(texts["electric"]), weights=[55, 20, 8, 3, 14])[0]
        created = orders.create_order(
            session,
            actor=agents.get(customer.utility, system_principal("demo")),
            # Most arrived in the last half hour; a few are hours old, so the board has work.
            now=now - timedelta(minutes=rng.randint(1, 30) if i % 8 else rng.randint(60, 300)),
            intake=orders.Intake(category=category, channel="hotline", account=customer.account, description=rng.choice(texts[customer.utility][category]), idempotency_key=f"demo-open-{seed}-{i}"),
        ).order
        handler = session.get(type(demo_rep), created.handler_id) if created.handler_id else None
        # Calls of one fault may have been merged into one order by triage: only the order
        # still standing on its own is accepted.
        if handler is not None and i % 3 == 1 and created.status == "dispatched":
            rep = auth.principal_for(session, user=handler, origin="demo")
            # Some repairs were worked in a basement: the demo rep's first among them.
            if category == "repair" and (i % 8 == 0 or (i < 8 and not kept_for_rep)):
                kept_for_rep = kept_for_rep or i < 8
                _worked_without_signal(session, rep=rep, now=now, order=created, at=(customer.lon, customer.lat), key=f"demo-{seed}-{i}")
            else:
                orders.execute(session, actor=rep, now=now, order_id=created.id, command="accept")
            accepted.setdefault(customer.utility, []).append((created.id, handler))
    _pull_in_support(session, now=now, accepted=accepted)


def _worked_without_signal(session: Session, *, rep: Any, now: datetime, order: Any, at: tuple[float, float], key: str) -> None:
    """A repair the rep accepted and reached in a basement switch room: the phone sent both
    steps when the rep came up, just now (离线工单)."""
    from gridcare.workorders import from_phone

    age = now - order.created_at
    for command, share, args in (("accept", 0.1, {}), ("arrive", 0.6, {"lon": at[0], "lat": at[1]})):
        from_phone.execute(session, actor=rep, now=now, order_id=order.id, command=command, args=args, made_at=order.created_at + age * share, phone_time=now, submission=f"{key}-{command}")


# What the reps asked of others today: a department's and a contractor's tasks and a
# question for the expert seats, so each of those roles has work on its workbench.
_SUPPORT = {
    "electric": ("department", [("核实客户电费账单并出具说明", 90), ("现场核查计量装置接线", 30)]),
    "water": ("contractor", [("开挖抢修破损管道并恢复路面", 240), ("更换损坏的水表阀门", 20)]),
}


def _pull_in_support(session: Session, *, now: datetime, accepted: dict[str, list[tuple[int, Any]]]) -> None:
    from gridcare.workorders import support

    for utility, (login, tasks) in _SUPPORT.items():
        unit_user = auth.find_user_by_login(session, login=login)
        for (order_id, handler), (title, due_minutes) in zip(accepted.get(utility, []), tasks, strict=False):
            if unit_user is not None and unit_user.org_unit_id is not None:
                rep = auth.principal_for(session, user=handler, origin="demo")
                support.add_task(session, actor=rep, now=now, order_id=order_id, unit_id=unit_user.org_unit_id, title=title, due_minutes=due_minutes)
    for order_id, handler in accepted.get("electric", [])[2:3]:
        support.ask_expert(session, actor=auth.principal_for(session, user=handler, origin="demo"), now=now, order_id=order_id, question="客户对阶梯电价分档有异议，请专家核对本户年度用电量与分档结果")
