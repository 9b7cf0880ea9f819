from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gridcare.db import Base, JSONData, UTCDateTime


class Grid(Base):
    """A grid (网格 / 台区 / 辖区) with its one responsible rep and an optional backup.

    The row holds the version in force; ``GridVersion`` keeps every version with its dates.
    Geometry is GeoJSON text in WGS84 (what Leaflet and the API serve), with its bounding box
    in columns so a map can ask for the grids in view."""

    __tablename__ = "grids"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    utility: Mapped[str] = mapped_column(String(10))
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    org_path: Mapped[str] = mapped_column(String(400), index=True)
    rep_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    backup_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    area_class: Mapped[str] = mapped_column(String(10), default="urban")  # urban | rural | remote: SLA targets differ
    district: Mapped[str] = mapped_column(String(60), default="")
    geometry: Mapped[str | None] = mapped_column(Text)
    min_lon: Mapped[float | None] = mapped_column(Float)
    min_lat: Mapped[float | None] = mapped_column(Float)
    max_lon: Mapped[float | None] = mapped_column(Float)
    max_lat: Mapped[float | None] = mapped_column(Float)
    area_m2: Mapped[float | None] = mapped_column(Float)
    properties: Mapped[dict[str, Any]] = mapped_column(JSONData, default=dict)
    version: Mapped[int] = mapped_column(Integer, default=1)
    effective_from: Mapped[datetime | None] = mapped_column(UTCDateTime())
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # merged into others by a new grid design
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class GridVersion(Base):
    """Every shape and staffing a grid has had, with the dates it was in force."""

    __tablename__ = "grid_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    geometry: Mapped[str | None] = mapped_column(Text)
    rep_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    backup_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    effective_from: Mapped[datetime] = mapped_column(UTCDateTime())
    effective_to: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reason: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ServiceArea(Base):
    """The boundary a company serves; grids must tile it with no gap and no overlap."""

    __tablename__ = "service_areas"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    geometry: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AssignmentChange(Base):
    """A record moved from one grid to another (or in or out of every grid), and why."""

    __tablename__ = "grid_assignment_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    entity: Mapped[str] = mapped_column(String(20))  # customer | asset
    entity_id: Mapped[int] = mapped_column(Integer)
    old_grid_id: Mapped[int | None] = mapped_column(Integer)
    new_grid_id: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(200))


Index("ix_grids_bbox", Grid.min_lon, Grid.max_lon, Grid.min_lat, Grid.max_lat)
Index("ix_grid_assignment_changes_entity", AssignmentChange.entity, AssignmentChange.entity_id)
