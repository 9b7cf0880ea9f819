"""Tables of the planning domain: basic units, barriers, and grid design proposals.

A proposal keeps its own copy of the grids it proposes (unit codes, shapes, workloads) and
of its scores, so re-importing units later never changes what was compared or adopted."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gridcare.db import Base, JSONData, UTCDateTime


class PlanningUnit(Base):
    """A basic unit (community, block, 台区, or a lattice cell) with its measures."""

    __tablename__ = "planning_units"
    __table_args__ = (UniqueConstraint("utility", "code", name="uq_planning_units_utility_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    utility: Mapped[str] = mapped_column(String(10), index=True)
    code: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(200), default="")
    kind: Mapped[str] = mapped_column(String(20), default="block")  # community | block | station | lattice
    geometry: Mapped[str] = mapped_column(Text)  # GeoJSON polygon, WGS84
    lon: Mapped[float] = mapped_column(Float)  # a point inside the unit
    lat: Mapped[float] = mapped_column(Float)
    customers: Mapped[int] = mapped_column(Integer, default=0)
    meters: Mapped[int] = mapped_column(Integer, default=0)
    line_km: Mapped[float] = mapped_column(Float, default=0.0)  # line (electric) or pipe (water) length
    orders: Mapped[dict[str, Any]] = mapped_column(JSONData, default=dict)  # category -> count over history_months
    monthly: Mapped[dict[str, Any]] = mapped_column(JSONData, default=dict)  # "YYYY-MM" -> orders
    history_months: Mapped[int] = mapped_column(Integer, default=12)
    current_grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PlanningBarrier(Base):
    """A line (river, major road) or polygon (DMA, feeder area) no grid may straddle."""

    __tablename__ = "planning_barriers"

    id: Mapped[int] = mapped_column(primary_key=True)
    utility: Mapped[str] = mapped_column(String(10), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))  # river | road | dma | feeder | other
    geometry: Mapped[str] = mapped_column(Text)  # GeoJSON, WGS84
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PlanningProposal(Base):
    """One grid design: how it was asked for, the grids it proposes and how they score."""

    __tablename__ = "planning_proposals"

    id: Mapped[int] = mapped_column(primary_key=True)
    utility: Mapped[str] = mapped_column(String(10), index=True)
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(12), index=True)  # draft | adopted | discarded
    k: Mapped[int] = mapped_column(Integer)
    capacity_hours: Mapped[float | None] = mapped_column(Float)
    minimum_disruption: Mapped[bool] = mapped_column(Boolean, default=False)
    use_forecast: Mapped[bool] = mapped_column(Boolean, default=False)
    weights: Mapped[dict[str, Any]] = mapped_column(JSONData, default=dict)
    barrier_ids: Mapped[list[Any]] = mapped_column(JSONData, default=list)
    grids: Mapped[list[Any]] = mapped_column(JSONData, default=list)
    scores: Mapped[dict[str, Any]] = mapped_column(JSONData, default=dict)
    current_scores: Mapped[dict[str, Any]] = mapped_column(JSONData, default=dict)
    forecast: Mapped[dict[str, Any]] = mapped_column(JSONData, default=dict)
    seconds: Mapped[float] = mapped_column(Float, default=0.0)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    effective_from: Mapped[datetime | None] = mapped_column(UTCDateTime())
    adopted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    adopted_by: Mapped[str | None] = mapped_column(String(64))
    adoption: Mapped[dict[str, Any]] = mapped_column(JSONData, default=dict)
