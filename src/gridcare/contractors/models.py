"""Tables of the contractors domain: third-party projects (外包项目) in grids, their items,
the rep's supervision logs, spot checks of completed items and customer feedback."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gridcare.db import Base, UTCDateTime


class Project(Base):
    """Planned contractor work. The spot-check rule (``sample_min``, ``sample_share``,
    ``sample_seed``) is stored with the project, so a sample drawn again is the same sample."""

    __tablename__ = "contractor_projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(30), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(30))
    utility: Mapped[str] = mapped_column(String(10))
    contractor_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    org_path: Mapped[str] = mapped_column(String(400), index=True)
    status: Mapped[str] = mapped_column(String(12), index=True)  # planned | active | completed | cancelled
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    notice_text: Mapped[str] = mapped_column(String(500), default="")
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sample_min: Mapped[int] = mapped_column(Integer, default=3)
    sample_share: Mapped[float] = mapped_column(Float, default=0.1)
    sample_seed: Mapped[int] = mapped_column(Integer, default=0)
    rep_rating: Mapped[int | None] = mapped_column(Integer)  # 1..5, the supervising rep's
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ProjectGrid(Base):
    __tablename__ = "contractor_project_grids"

    project_id: Mapped[int] = mapped_column(ForeignKey("contractor_projects.id", ondelete="CASCADE"), primary_key=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"), primary_key=True, index=True)


class ProjectItem(Base):
    """One unit of the scope: a customer's meter, a tank, a pump room, a pipe section."""

    __tablename__ = "contractor_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("contractor_projects.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(200))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"))
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending | done
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    note: Mapped[str] = mapped_column(String(400), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SupervisionLog(Base):
    """The rep's record from site (现场监管); the photo's bytes live in the data directory."""

    __tablename__ = "contractor_logs"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("contractor_projects.id", ondelete="CASCADE"), index=True)
    author: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text)
    photo_path: Mapped[str | None] = mapped_column(String(300))
    photo_type: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SpotCheck(Base):
    """A completed item drawn for checking (抽查), then passed or failed with evidence."""

    __tablename__ = "contractor_spot_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("contractor_projects.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("contractor_items.id", ondelete="CASCADE"), unique=True)
    result: Mapped[str] = mapped_column(String(10), default="pending")  # pending | pass | fail
    evidence: Mapped[str] = mapped_column(String(1000), default="")
    checked_by: Mapped[str | None] = mapped_column(String(64))
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Feedback(Base):
    """What a customer said of the contractor's work (客户反馈), 1 to 5."""

    __tablename__ = "contractor_feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("contractor_projects.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(String(500), default="")
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
