"""Demo step: the synthetic city (grids, reps, customers, electric and water networks)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select

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
from sqlalchemy.orm import Session

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
