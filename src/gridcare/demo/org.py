"""Demo organisation: a utility group with an electric and a water company side by side,
a command center, stations and teams, a contractor, and one user for every role."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from gridcare.auth import service as auth
from gridcare.core.principal import Principal

DEMO_PASSWORD = "gridcare-demo"


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    kind: str
    utility: str
    parent: str | None


UNITS = [
    Unit("XC", "星城公用事业集团", "group", "multi", None),
    Unit("XC-E", "星城供电公司", "company", "electric", "XC"),
    Unit("XC-E-CC", "供电服务指挥中心", "branch", "electric", "XC-E"),
    Unit("XC-E-FR", "芙蓉供电分公司", "branch", "electric", "XC-E"),
    Unit("XC-E-FR-WY", "五一供电所", "station", "electric", "XC-E-FR"),
    Unit("XC-E-FR-WY-T1", "五一台区经理班", "team", "electric", "XC-E-FR-WY"),
    Unit("XC-E-YL", "岳麓供电分公司", "branch", "electric", "XC-E"),
    Unit("XC-E-YL-LS", "麓山供电所", "station", "electric", "XC-E-YL"),
    Unit("XC-E-YL-LS-T1", "麓山台区经理班", "team", "electric", "XC-E-YL-LS"),
    Unit("XC-E-MKT", "营销部", "department", "electric", "XC-E"),
    Unit("XC-W", "星城水务集团", "company", "water", "XC"),
    Unit("XC-W-CC", "供水服务调度中心", "branch", "water", "XC-W"),
    Unit("XC-W-TX", "天心营业所", "station", "water", "XC-W"),
    Unit("XC-W-TX-T1", "天心网格服务班", "team", "water", "XC-W-TX"),
    Unit("XC-W-NET", "管网管理所", "department", "water", "XC-W"),
    Unit("HC", "湘楚管网工程有限公司", "contractor", "water", None),
]


@dataclass(frozen=True)
class DemoUser:
    login: str
    name: str
    role: str
    unit: str
    phone: str
    extension: str | None = None


# The command center serves the whole company (集中座席), so its staff sit at the company
# node: their scope is every branch, station and grid below it.
USERS = [
    DemoUser("admin", "系统管理员", "admin", "XC", "+8613800000001"),
    DemoUser("supervisor", "周督办", "supervisor", "XC-E", "+8613800000002"),
    DemoUser("agent", "李座席", "agent", "XC-E", "+8613800000003", "8001"),
    DemoUser("agent2", "王座席", "agent", "XC-E", "+8613800000013", "8002"),
    DemoUser("expert", "陈专家", "expert", "XC-E", "+8613800000004", "8101"),
    DemoUser("rep", "张台区经理", "rep", "XC-E-FR-WY-T1", "+8613800000005"),
    DemoUser("department", "刘营销", "department", "XC-E-MKT", "+8613800000006"),
    DemoUser("contractor", "赵施工", "contractor", "HC", "+8613800000007"),
    DemoUser("viewer", "孙领导", "viewer", "XC", "+8613800000008"),
    DemoUser("w_supervisor", "吴调度", "supervisor", "XC-W", "+8613800000009"),
    DemoUser("w_agent", "郑座席", "agent", "XC-W", "+8613800000010", "8201"),
    DemoUser("w_rep", "钱网格员", "rep", "XC-W-TX-T1", "+8613800000011"),
]


def load_org(session: Session, *, actor: Principal, now: datetime) -> dict[str, int]:
    """Create the units and users; returns unit ids by code."""
    ids: dict[str, int] = {}
    for unit in UNITS:
        created = auth.create_org_unit(
            session, actor=actor, now=now, code=unit.code, name=unit.name, kind=unit.kind, utility=unit.utility, parent_id=ids[unit.parent] if unit.parent else None
        )
        ids[unit.code] = created.id
    for user in USERS:
        auth.create_user(
            session,
            actor=actor,
            now=now,
            login=user.login,
            display_name=user.name,
            role=user.role,
            org_unit_id=ids[user.unit],
            password=DEMO_PASSWORD,
            phone=user.phone,
            extension=user.extension,
        )
    return ids
