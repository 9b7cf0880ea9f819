"""Request and response bodies of the planning API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class LatticeIn(BaseModel):
    utility: str = "electric"
    cell_m: float = Field(500.0, description="Cell size in metres (flat to flat for hexagons).")
    lattice: str = Field("hex", description="hex or square")


class ProposalIn(BaseModel):
    utility: str = "electric"
    name: str = ""
    k: int | None = Field(None, description="Number of grids; or give capacity_hours.")
    capacity_hours: float | None = Field(None, description="Rep-hours per month one rep can carry; the fewest grids that fit are designed.")
    minimum_disruption: bool = False
    use_forecast: bool = False
    barrier_ids: list[int] = []
    weights: dict[str, Any] | None = None
    seed: int = 0


class AdoptIn(BaseModel):
    effective_from: datetime | None = Field(None, description="When the new grids take effect; now if left out, else the worker applies them then.")
    rehome: str = Field("follow", description="keep: open orders stay with their rep; follow: they go to the rep of their new grid.")


class UnitCount(BaseModel):
    utility: str
    units: int


class ProposalOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    utility: str
    name: str
    status: str
    k: int
    capacity_hours: float | None
    minimum_disruption: bool
    use_forecast: bool
    barrier_ids: list[int]
    scores: dict[str, Any]
    current_scores: dict[str, Any]
    forecast: dict[str, Any]
    seconds: float
    created_by: str
    created_at: datetime
    effective_from: datetime | None
    adopted_at: datetime | None
    adoption: dict[str, Any]


class GridOut(BaseModel):
    index: int
    grid_id: int | None
    code: str
    name: str
    units: int
    workload: float
    customers: int
    customers_moved_in: int


class ProposalDetail(ProposalOut):
    grids: list[GridOut]


class BarrierOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    utility: str
    name: str
    kind: str
    created_at: datetime
