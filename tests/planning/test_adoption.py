"""Adoption with many customers: each ends in exactly one grid, the one that holds it; open
orders follow the rule chosen; the reps whose grids changed are told."""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry import box
from sqlalchemy import select

from gridcare.core.principal import system_principal
from gridcare.customers import service as customers
from gridcare.customers.importing import parse_customers
from gridcare.customers.models import Customer
from gridcare.grids import service as grids
from gridcare.grids.models import Grid
from gridcare.notify.models import Notification
from gridcare.planning import adoption, proposals, service
from gridcare.planning.files import BarrierRow
from gridcare.workorders import service as orders
from gridcare.workorders.models import WorkOrder

ACTOR = system_principal("test")
STRIP = box(112.90, 28.10, 112.93, 28.15)  # a DMA at the west edge: its units make one grid


def add_customers(world, database, clock, n: int = 80) -> None:
    rng = np.random.default_rng(5)
    lines = ["account,name,phones,address,lon,lat,utility,supply_point,tags,meters,notes"]
    for i in range(n):
        lon, lat = rng.uniform(112.901, 112.999), rng.uniform(28.101, 28.149)
        lines.append(f"X{i:03d},客户{i},1390000{i:04d},测试路{i}号,{lon:.5f},{lat:.5f},electric,T1,,XM{i:03d},")
    with database.write() as session:
        customers.import_customers(session, actor=ACTOR, now=clock.now(), parsed=parse_customers("\n".join(lines).encode(), filename="c.csv"), org_path=world.unit_path("XC"))


def test_every_customer_lands_in_exactly_the_grid_that_holds_it(world, database, clock):
    add_customers(world, database, clock)
    with database.write() as session:
        service.generate_units(session, actor=ACTOR, now=clock.now(), utility="electric", cell_m=800, lattice="square")
        p = proposals.design_proposal(session, actor=ACTOR, now=clock.now(), utility="electric", k=4)
        adoption.adopt(session, actor=ACTOR, now=clock.now(), proposal_id=p.id)
    with database.read() as session:
        shapes = {g.id: shapely.from_geojson(g.geometry) for g in session.scalars(select(Grid).where(Grid.utility == "electric"))}
        people = list(session.scalars(select(Customer).where(Customer.utility == "electric")))
    assert len(shapes) == 4 and len(people) == 83
    for c in people:
        holding = [gid for gid, s in shapes.items() if s.covers(shapely.Point(c.lon, c.lat))]
        assert c.grid_id in holding, f"{c.account} is in grid {c.grid_id}, held by {holding}"
    union = shapely.union_all(list(shapes.values()))
    assert union.symmetric_difference(box(112.90, 28.10, 113.00, 28.15)).area < 1e-9  # no gap, nothing outside
    assert sum(s.area for s in shapes.values()) - union.area < 1e-9  # no overlap


def test_open_orders_follow_their_new_grid_and_both_reps_are_told(world, database, clock):
    east_rep = world.user_id("w_rep")
    with database.write() as session:
        east = grids.get_grid(session, actor=ACTOR, grid_id=world.grids["east"])
        grids.change_grid(session, actor=ACTOR, now=clock.now(), grid=east, rep_id=east_rep, reason="test")
        made = orders.create_order(session, actor=world.principal("agent"), now=clock.now(), intake=orders.Intake(category="repair", channel="hotline", utility="electric", lon=112.94, lat=28.12, description="路灯不亮"))
        order_id = made.order.id
        assert made.order.handler_id == world.user_id("rep")  # today 112.94 lies in E-WEST
        service.generate_units(session, actor=ACTOR, now=clock.now(), utility="electric", cell_m=1000, lattice="hex")
        [dma] = service.add_barriers(session, actor=ACTOR, now=clock.now(), utility="electric", rows=[BarrierRow("DMA-W", "dma", STRIP)])
        p = proposals.design_proposal(session, actor=ACTOR, now=clock.now(), utility="electric", k=2, barrier_ids=[dma.id])
        done = adoption.adopt(session, actor=ACTOR, now=clock.now(), proposal_id=p.id, rehome="follow").adoption
    with database.read() as session:
        order = session.get(WorkOrder, order_id)
        told = {n.recipient_id for n in session.scalars(select(Notification).where(Notification.event == "planning.adopted"))}
    assert order.handler_id == east_rep and order.status == "dispatched"
    assert done["orders_rehomed"] == 1 and done["customers_moved"] >= 0
    assert told == {world.user_id("rep"), east_rep}
