"""Who is acting. Every service call takes a Principal, so scoping and the audit trail
never depend on how the request arrived (page, API token, CLI, worker)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    SUPERVISOR = "supervisor"
    AGENT = "agent"  # 座席
    EXPERT = "expert"  # 专家座席
    REP = "rep"  # 台区经理 / 网格客户服务代表
    DEPARTMENT = "department"  # 专业部门处理人
    CONTRACTOR = "contractor"  # 第三方单位
    VIEWER = "viewer"


# Pulled into an order by a support task, never its handler: their work is their unit's tasks.
TASKED_ROLES = frozenset({Role.DEPARTMENT, Role.CONTRACTOR})


@dataclass(frozen=True)
class Principal:
    user_id: int | None
    login: str
    role: Role
    org_unit_id: int | None
    org_path: str  # materialised path of the user's organisation node, e.g. "/1/4/"
    grid_ids: frozenset[int] = field(default_factory=frozenset)
    origin: str = ""  # where the action came from: "web 10.0.0.5", "api", "cli", "worker"
    locale: str = "zh_CN"

    @property
    def label(self) -> str:
        return self.login

    def with_origin(self, origin: str) -> Principal:
        return Principal(
            user_id=self.user_id,
            login=self.login,
            role=self.role,
            org_unit_id=self.org_unit_id,
            org_path=self.org_path,
            grid_ids=self.grid_ids,
            origin=origin,
            locale=self.locale,
        )


def system_principal(origin: str = "system") -> Principal:
    """The platform itself (CLI, worker, demo loader): sees everything, audited as 'system'."""
    return Principal(user_id=None, login="system", role=Role.ADMIN, org_unit_id=None, org_path="/", origin=origin)
