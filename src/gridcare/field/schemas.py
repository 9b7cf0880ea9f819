"""What the field API takes and gives."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from gridcare.web.phone import KeptOnPhone, SentLater


class PlanIn(BaseModel):
    name: str
    grid_id: int
    rrule: str = Field(description="RFC 5545 recurrence rule, e.g. FREQ=WEEKLY;BYDAY=MO or FREQ=MONTHLY;BYMONTHDAY=1")
    starts_on: date | None = None
    holidays: str = Field("next_workday", description="keep, skip, or next_workday: what a date on a day off does")
    kinds: list[str] = Field(default_factory=list, description="hydrant, valve, pipe, line, transformer: every such asset of the grid")
    codes: list[str] = Field(default_factory=list, description="or a route: asset or pipe codes in order")
    max_distance_m: int = 100
    distances: dict[str, int] = Field(default_factory=dict, description="per asset kind, overriding max_distance_m")
    far_policy: str = Field("flag", description="flag or reject a check-in farther than the distance")
    grace_days: int = 2
    assignee_id: int | None = None


class PlanPatch(BaseModel):
    name: str | None = None
    rrule: str | None = None
    starts_on: date | None = None
    holidays: str | None = None
    kinds: list[str] | None = None
    codes: list[str] | None = None
    max_distance_m: int | None = None
    distances: dict[str, int] | None = None
    far_policy: str | None = None
    grace_days: int | None = None
    assignee_id: int | None = None
    active: bool | None = None


class PlanOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    utility: str
    grid_id: int
    assignee_id: int | None
    rrule: str
    starts_on: date
    holidays: str
    stops: list[dict[str, Any]]
    max_distance_m: int
    distances: dict[str, Any]
    far_policy: str
    grace_days: int
    active: bool


class GenerateIn(BaseModel):
    days: int = 7


class StopOut(SentLater):
    model_config = ConfigDict(from_attributes=True)
    id: int
    seq: int
    asset_kind: str
    asset_code: str | None
    name: str
    lon: float | None
    lat: float | None
    max_distance_m: int
    far_policy: str
    status: str
    checked_at: datetime | None
    checked_by: str | None
    distance_m: float | None
    far: bool
    checklist: dict[str, Any]
    note: str
    photos: list[dict[str, Any]]
    checklist_items: list[str] = Field(default_factory=list)
    findings: list[dict[str, Any]] = Field(default_factory=list)


class TaskOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    plan_id: int | None
    watch_id: int | None
    title: str
    utility: str
    grid_id: int | None
    assignee_id: int | None
    due_on: date
    planned_on: date
    status: str
    late: bool
    done_at: datetime | None
    stops: list[StopOut] = Field(default_factory=list)


class FindingOut(SentLater):
    model_config = ConfigDict(from_attributes=True)
    id: int
    stop_id: int
    kind: str
    note: str
    order_id: int | None
    order_number: str
    department_id: int | None
    created_at: datetime


class ChecklistIn(BaseModel):
    items: list[str]


class RouteIn(BaseModel):
    org_unit_id: int


class StakeholderIn(BaseModel):
    grid_id: int
    kind: str = Field(description="property_management, residents_committee or village_head")
    name: str
    contact: str = ""
    phone: str = ""
    address: str = ""


class StakeholderOut(StakeholderIn):
    model_config = ConfigDict(from_attributes=True)
    id: int


class VisitRuleIn(BaseModel):
    every_months: int
    unannounced: bool = False


class VisitPlanOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    key: str
    customer_id: int | None
    stakeholder_id: int | None
    title: str
    basis: str
    rep_id: int | None
    grid_id: int | None
    every_months: int
    unannounced: bool
    next_due: date
    last_visit_at: datetime | None
    state: str = ""


class VisitFields(BaseModel):
    contact_met: str
    satisfaction: int = Field(description="1 (very dissatisfied) to 5 (very satisfied)")
    notes: str = ""
    issues: str = ""


class VisitIn(VisitFields, KeptOnPhone):
    pass


class VisitOut(VisitFields, SentLater):
    model_config = ConfigDict(from_attributes=True)
    id: int
    plan_id: int
    visited_at: datetime
    visitor: str
    due_on: date
    late: bool


class ChangeIn(KeptOnPhone):
    kind: str = Field(description="new_resident, shop_transfer, new_building or road_works")
    payload: dict[str, str] = Field(default_factory=dict, description="new_resident: account, name, phone, address; shop_transfer: name (phone, address); new_building: name (households, address); road_works: description")
    utility: str | None = None
    customer_id: int | None = None
    asset_code: str | None = None
    lon: float | None = None
    lat: float | None = None
    note: str = ""


class ChangeOut(SentLater):
    model_config = ConfigDict(from_attributes=True)
    id: int
    kind: str
    utility: str
    grid_id: int | None
    customer_id: int | None
    asset_code: str | None
    payload: dict[str, Any]
    lon: float | None
    lat: float | None
    note: str
    status: str
    submitted_by: str
    submitted_at: datetime
    reviewed_by: str | None
    reviewed_at: datetime | None
    reason: str
    before: dict[str, Any]
    after: dict[str, Any]


class ReviewIn(BaseModel):
    reason: str = ""


class WatchOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    change_id: int | None
    title: str
    utility: str
    grid_id: int | None
    assignee_id: int | None
    lon: float
    lat: float
    near: list[Any]
    every_days: int
    status: str
    created_at: datetime
    closed_at: datetime | None
