from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class OutageIn(BaseModel):
    utility: str = Field(default="electric", description="electric, water or gas")
    kind: str = Field(description="planned or unplanned")
    devices: list[str] = Field(default_factory=list, description="codes of the devices (switches, transformers, valves …) taken off")
    polygon: dict[str, Any] | None = Field(default=None, description="GeoJSON Polygon of the area, instead of or besides devices")
    dma: str | None = Field(default=None, max_length=40, description="water: a DMA code")
    starts_at: datetime | None = Field(default=None, description="planned: required; unplanned: defaults to now")
    ends_at: datetime | None = Field(default=None, description="planned: when supply is back")
    eta: datetime | None = Field(default=None, description="unplanned: expected restoration")
    cause: str = Field(default="", max_length=200)
    reason: str = Field(default="", max_length=400, description="planned: the work done")
    area: str = Field(default="", max_length=200, description="how notices name the place; defaults to the devices' names")
    notice_days: int = Field(default=1, description="planned: days ahead customers are told")


class OutagePatch(BaseModel):
    eta: datetime | None = None
    cause: str | None = Field(default=None, max_length=200)
    reason: str | None = Field(default=None, max_length=400)
    area: str | None = Field(default=None, max_length=200)
    devices: list[str] | None = None
    polygon: dict[str, Any] | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    notice_days: int | None = None


class RestoreIn(BaseModel):
    devices: list[str] | None = Field(default=None, description="the devices back on supply; none: everything")


class SplitIn(BaseModel):
    devices: list[str] = Field(description="two or more devices below the predicted one; each becomes a predicted outage")
    reason: str = Field(max_length=200, description="why, for the audit trail")


class RehomeIn(BaseModel):
    device: str = Field(max_length=60, description="the device the fault is really at")
    reason: str = Field(max_length=200)


class ReleaseIn(BaseModel):
    order_ids: list[int] = Field(description="calls wrongly merged into this outage; they go back to normal dispatch")
    reason: str = Field(max_length=200)


class ReleasedOut(BaseModel):
    released: int


class ConfirmIn(BaseModel):
    cause: str | None = Field(default=None, max_length=200)
    eta: datetime | None = None


class CancelIn(BaseModel):
    reason: str = Field(default="", max_length=200)


class CallOutcomeIn(BaseModel):
    task_id: int
    state: str = Field(description="reached, unreachable or pending")
    note: str = Field(default="", max_length=400)


class DeviceOut(BaseModel):
    code: str
    restored_at: datetime | None


class OutageOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    number: str
    utility: str
    kind: str
    status: str
    area: str
    cause: str
    reason: str
    dma: str | None
    starts_at: datetime
    ends_at: datetime | None
    eta: datetime | None
    restored_at: datetime | None
    notice_days: int
    version: int
    master_order_id: int | None
    created_by: str
    created_at: datetime
    updated_at: datetime
    devices: list[DeviceOut] = []
    customers: int = 0
    key_customers: int = 0
    still_off: int = 0


class GridCount(BaseModel):
    grid_id: int | None
    code: str
    name: str
    customers: int
    key_customers: int


class HotlineCalls(BaseModel):
    """The calls a planned outage is expected to bring the hotline: in all, the day before, while
    supply is off and in the two hours after; at ``calls_per_customer``, learned from the
    company's past planned outages unless ``assumed``."""

    calls: float
    before: float
    during: float
    after: float
    calls_per_customer: float
    assumed: bool


class OutageDetail(OutageOut):
    polygon: dict[str, Any] | None = None
    by_grid: list[GridCount]
    notices: dict[str, int]
    commands: list[str]
    hotline_calls: HotlineCalls | None = None  # a planned outage not yet over
