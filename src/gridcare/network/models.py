from __future__ import annotations

from typing import Any

from sqlalchemy import Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gridcare.db import Base, JSONData


class Asset(Base):
    """A device or node: electric (substation … transformer, a tree by ``parent``) or water
    (source, junction, valve, hydrant, service node; joined by pipes)."""

    __tablename__ = "assets"
    __table_args__ = (UniqueConstraint("utility", "code", name="uq_assets_utility_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    utility: Mapped[str] = mapped_column(String(10))
    code: Mapped[str] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(20), index=True)
    parent: Mapped[str | None] = mapped_column(String(60), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"), index=True)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSONData, default=dict)


class Pipe(Base):
    __tablename__ = "pipes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    from_code: Mapped[str] = mapped_column(String(60), index=True)
    to_code: Mapped[str] = mapped_column(String(60), index=True)
    material: Mapped[str] = mapped_column(String(30), default="")
    diameter_mm: Mapped[int | None] = mapped_column(Integer)
    year: Mapped[int | None] = mapped_column(Integer)
    length_m: Mapped[float | None] = mapped_column(Float)
    geometry: Mapped[str | None] = mapped_column(Text)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"), index=True)


class Dma(Base):
    """A district metered area (分区计量区)."""

    __tablename__ = "dmas"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    geometry: Mapped[str] = mapped_column(Text)
