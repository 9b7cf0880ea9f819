"""Water fault triage: burst and low-pressure calls grouped by valve-bounded segment and DMA.

Network: SRC – V1 – J1 {S1, S2} – V2 – J2 – S3; four customers on each service node."""

from __future__ import annotations

from datetime import timedelta

import pytest
from shapely.geometry import box
from sqlalchemy import select

from gridcare.core.principal import system_principal
from gridcare.customers import service as customers
from gridcare.customers.importing import parse_customers
from gridcare.grids import service as grids
from gridcare.network import service as network
from gridcare.network.topology import WaterNode, WaterPipe
from gridcare.outages import service as outages
from gridcare.outages import storm
from gridcare.workorders import service as orders
from gridcare.workorders.models import WorkOrder
from tests.support import org as demo_org

AREA = box(112.90, 28.10, 113.00, 28.15)
NODES = {"S1": (112.92, 28.12), "S2": (112.93, 28.12), "S3": (112.97, 28.12)}


@pytest.fixture
def water(database, clock):
    org = demo_org.load(database, clock)
    actor, now = system_principal("test"), clock.now()
    rows = ["account,name,phones,address,lon,lat,utility,supply_point,tags,meters,notes"]
    for node, (lon, lat) in NODES.items():
        rows += [f"{node}-{k},住户{k},1380000{int(node[1:]) * 10 + k:04d},五一大道{k}号,{lon},{lat},water,{node},,," for k in range(4)]
    with database.write() as session:
        grids.create_grid(session, actor=actor, now=now, code="W-ALL", name="供水网格", org_unit_id=org.units["XC-W-TX-T1"], rep_id=org.user_id("w_rep"), geometry=AREA)
        network.import_water(
            session, actor=actor, now=now,
            nodes=[WaterNode("SRC", "source", 112.99, 28.14), WaterNode("V1", "valve", 112.96, 28.13), WaterNode("J1", "junction", 112.93, 28.13),
                   *(WaterNode(n, "service", *xy) for n, xy in NODES.items()), WaterNode("V2", "valve", 112.95, 28.12), WaterNode("J2", "junction", 112.96, 28.12)],
            pipes=[WaterPipe("P1", "SRC", "V1"), WaterPipe("P2", "V1", "J1"), WaterPipe("P3", "J1", "S1"), WaterPipe("P4", "J1", "S2"), WaterPipe("P5", "J1", "V2"),
                   WaterPipe("P6", "V2", "J2"), WaterPipe("P7", "J2", "S3")],
            dmas=[("DMA-1", AREA)],
        )
        result = customers.import_customers(session, actor=actor, now=now, parsed=parse_customers("\n".join(rows).encode(), filename="c.csv"), org_path=org.unit_path("XC"))
        assert result.created == 12, result
        grids.reassign_all(session, now=now, reason="test")
    return org


def call(db, clock, org, account):
    clock.advance(timedelta(seconds=20))
    with db.write() as session:
        intake = orders.Intake(category="repair", channel="hotline", account=account, description="没水了", idempotency_key=f"w-{account}-{clock.now().timestamp()}")
        return orders.create_order(session, actor=org.principal("w_agent"), now=clock.now(), intake=intake).order.id


def test_calls_from_one_segment_become_one_predicted_outage_over_its_valve(database, clock, water):
    ids = [call(database, clock, water, a) for a in ("S1-0", "S2-1", "S1-2", "S2-3")]
    predicted = storm.triage_call(database, now=clock.now(), supply_point="S2", utility="water")
    assert len(predicted) == 1 and predicted[0].startswith("segment:")
    with database.read() as session:
        found = outages.list_outages(session, actor=water.principal("w_supervisor"), status="predicted", utility="water")
        assert len(found) == 1 and [d.code for d in outages.devices_of(session, found[0].id)] == ["V1"]
        assert found[0].master_order_id == ids[0]
        status = {o.id: (o.status, o.parent_id) for o in session.scalars(select(WorkOrder).where(WorkOrder.id.in_(ids)))}
    assert status[ids[0]][0] != "merged" and all(status[i] == ("merged", ids[0]) for i in ids[1:])
    # A later caller inside it joins the master at intake.
    later = call(database, clock, water, "S3-0")
    with database.read() as session:
        assert session.get(WorkOrder, later).parent_id == ids[0]


def test_a_lone_water_call_is_dispatched_as_usual(database, clock, water):
    only = call(database, clock, water, "S3-1")
    assert storm.triage_call(database, now=clock.now(), supply_point="S3", utility="water") == []
    with database.read() as session:
        assert session.get(WorkOrder, only).status != "merged"
        assert outages.list_outages(session, actor=water.principal("w_supervisor"), status="predicted", utility="water") == []
