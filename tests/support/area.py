"""A small service area with known answers: two electric grids side by side, one water grid
over both, a tiny electric tree and water network, and a few customers."""

from __future__ import annotations

from shapely.geometry import box

from gridcare.core.clock import Clock
from gridcare.core.principal import system_principal
from gridcare.customers import service as customers
from gridcare.customers.importing import parse_customers
from gridcare.grids import service as grids
from gridcare.network import service as network
from gridcare.network.topology import AssetRecord, WaterNode, WaterPipe
from tests.support.org import Org

WEST = box(112.90, 28.10, 112.95, 28.15)
EAST = box(112.95, 28.10, 113.00, 28.15)
BOTH = box(112.90, 28.10, 113.00, 28.15)

CSV = """account,name,phones,address,lon,lat,utility,supply_point,tags,meters,notes
E001,王芳,13812345678,芙蓉区五一大道1号,112.92,28.12,electric,T1,,M001,
E002,李强,0731-88881234;13900001111,芙蓉区五一大道2号,112.97,28.12,electric,T2,sensitive,M002,
E003,长沙市第一中学,13700002222,芙蓉区五一大道3号,112.97,28.13,electric,T2,protected;major,M003,
W001,王芳,13812345678,芙蓉区五一大道1号,112.92,28.12,water,S1,,WM001,
"""


def load(org: Org, clock: Clock) -> dict[str, int]:
    actor = system_principal("test")
    now = clock.now()
    with org.db.write() as session:
        west = grids.create_grid(session, actor=actor, now=now, code="E-WEST", name="西网格", org_unit_id=org.units["XC-E-FR-WY-T1"], rep_id=org.user_id("rep"), geometry=WEST)
        east = grids.create_grid(session, actor=actor, now=now, code="E-EAST", name="东网格", org_unit_id=org.units["XC-E-YL-LS-T1"], geometry=EAST, area_class="rural")
        water = grids.create_grid(session, actor=actor, now=now, code="W-ALL", name="全域供水网格", org_unit_id=org.units["XC-W-TX-T1"], rep_id=org.user_id("w_rep"), geometry=BOTH)
        grids.set_service_area(session, actor=actor, now=now, org_unit_id=org.units["XC"], name="测试服务区", geometry=BOTH)
        network.import_electric(
            session,
            actor=actor,
            now=now,
            records=[
                AssetRecord("SUB", "substation", None, "测试变电站", 112.95, 28.14),
                AssetRecord("F1", "feeder", "SUB", "10kV 测试线", 112.95, 28.13),
                AssetRecord("SW1", "switch", "F1", "1号开关", 112.96, 28.13),
                AssetRecord("T1", "transformer", "F1", "西配变", 112.92, 28.121),
                AssetRecord("T2", "transformer", "SW1", "东配变", 112.97, 28.121),
            ],
        )
        network.import_water(
            session,
            actor=actor,
            now=now,
            nodes=[WaterNode("SRC", "source", 112.99, 28.14), WaterNode("V1", "valve", 112.96, 28.13), WaterNode("J1", "junction", 112.93, 28.12), WaterNode("S1", "service", 112.92, 28.12)],
            pipes=[WaterPipe("P1", "SRC", "V1"), WaterPipe("P2", "V1", "J1"), WaterPipe("P3", "J1", "S1")],
            dmas=[("DMA-T", BOTH)],
        )
        customers.import_customers(session, actor=actor, now=now, parsed=parse_customers(CSV.encode(), filename="c.csv"), org_path=org.unit_path("XC"))
        grids.reassign_all(session, now=now, reason="test")
    return {"west": west.id, "east": east.id, "water": water.id}
