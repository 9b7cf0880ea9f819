from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from gridcare.db import Base, UTCDateTime


class Grid(Base):
    """A grid (网格 / 台区 / 辖区) with its one responsible rep and an optional backup."""

    __tablename__ = "grids"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    utility: Mapped[str] = mapped_column(String(10))
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    org_path: Mapped[str] = mapped_column(String(400), index=True)
    rep_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    backup_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
