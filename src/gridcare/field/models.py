"""Tables of the field domain: patrol plans and their generated tasks and stops, findings,
key-customer and stakeholder visits, data changes submitted by reps, and road-works watches."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gridcare.db import Base, JSONData, UTCDateTime


class PatrolPlan(Base):
    """A recurring patrol (巡视) over a route of assets in one grid. ``rrule`` is an RFC 5545
    rule (python-dateutil) over local dates from ``starts_on``; ``holidays`` says what a
    date falling on a day off does: ``keep``, ``skip`` or ``next_workday``."""

    __tablename__ = "field_patrol_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    utility: Mapped[str] = mapped_column(String(10))
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"), index=True)
    org_path: Mapped[str] = mapped_column(String(400), index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    rrule: Mapped[str] = mapped_column(String(200))
    starts_on: Mapped[date] = mapped_column(Date)
    holidays: Mapped[str] = mapped_column(String(12), default="next_workday")
    stops: Mapped[list[Any]] = mapped_column(JSONData, default=list)  # [{"kind": "hydrant", "code": "H1"}, …] in route order
    max_distance_m: Mapped[int] = mapped_column(Integer, default=100)
    distances: Mapped[dict[str, Any]] = mapped_column(JSONData, default=dict)  # per asset kind, overriding max_distance_m
    far_policy: Mapped[str] = mapped_column(String(8), default="flag")  # flag | reject
    grace_days: Mapped[int] = mapped_column(Integer, default=2)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PatrolTask(Base):
    """One patrol due on one local day (from a plan, or from a road-works watch). ``key`` is
    unique, so generating twice creates nothing new."""

    __tablename__ = "field_patrol_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80), unique=True)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("field_patrol_plans.id"), index=True)
    watch_id: Mapped[int | None] = mapped_column(ForeignKey("field_watches.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    utility: Mapped[str] = mapped_column(String(10))
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"), index=True)
    org_path: Mapped[str] = mapped_column(String(400), index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    due_on: Mapped[date] = mapped_column(Date, index=True)
    planned_on: Mapped[date] = mapped_column(Date)  # the rule's date, before a holiday moved it
    status: Mapped[str] = mapped_column(String(10), default="open", index=True)  # open | done | missed
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    late_flagged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    missed_flagged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    grace_days: Mapped[int] = mapped_column(Integer, default=2)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PatrolStop(Base):
    """One asset (or place) to check on a task: the check-in's GPS and distance, the
    checklist answers and the photos (stored in the data directory, not here)."""

    __tablename__ = "field_patrol_stops"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("field_patrol_tasks.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    asset_kind: Mapped[str] = mapped_column(String(20))
    asset_code: Mapped[str | None] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(200), default="")
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    max_distance_m: Mapped[int] = mapped_column(Integer)
    far_policy: Mapped[str] = mapped_column(String(8), default="flag")
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending | checked
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    checked_by: Mapped[str | None] = mapped_column(String(64))
    checked_lon: Mapped[float | None] = mapped_column(Float)
    checked_lat: Mapped[float | None] = mapped_column(Float)
    distance_m: Mapped[float | None] = mapped_column(Float)
    far: Mapped[bool] = mapped_column(Boolean, default=False)
    checklist: Mapped[dict[str, Any]] = mapped_column(JSONData, default=dict)
    note: Mapped[str] = mapped_column(Text, default="")
    photos: Mapped[list[Any]] = mapped_column(JSONData, default=list)
    # Made on the phone without signal: when it arrived, the phone's time if not believed,
    # and the phone's own id for it, so a resend changes nothing.
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    submission: Mapped[str | None] = mapped_column(String(64))


class Finding(Base):
    """Something wrong found on patrol; it becomes a work order with the evidence attached."""

    __tablename__ = "field_findings"

    id: Mapped[int] = mapped_column(primary_key=True)
    stop_id: Mapped[int] = mapped_column(ForeignKey("field_patrol_stops.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    note: Mapped[str] = mapped_column(Text, default="")
    order_id: Mapped[int | None] = mapped_column(ForeignKey("work_orders.id"), index=True)
    order_number: Mapped[str] = mapped_column(String(30), default="")
    department_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())  # when found (on the phone)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    submission: Mapped[str | None] = mapped_column(String(64), unique=True)


class Checklist(Base):
    """A utility's own checklist for one asset kind, replacing the shipped default."""

    __tablename__ = "field_checklists"

    asset_kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    items: Mapped[list[Any]] = mapped_column(JSONData, default=list)
    updated_by: Mapped[str] = mapped_column(String(64), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class FindingRoute(Base):
    """Which department a kind of finding goes to (data; a default applies without a row)."""

    __tablename__ = "field_finding_routes"

    kind: Mapped[str] = mapped_column(String(30), primary_key=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    updated_by: Mapped[str] = mapped_column(String(64), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Stakeholder(Base):
    """Someone in a grid the rep keeps in touch with: a property-management company, a
    residents' committee, a village head (物业, 居委会, 村委会)."""

    __tablename__ = "field_stakeholders"

    id: Mapped[int] = mapped_column(primary_key=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"), index=True)
    org_path: Mapped[str] = mapped_column(String(400), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(String(200))
    contact: Mapped[str] = mapped_column(String(100), default="")
    phone: Mapped[str] = mapped_column(String(32), default="")
    address: Mapped[str] = mapped_column(String(400), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class VisitRule(Base):
    """How often a kind of key customer or stakeholder is visited (data; shipped defaults
    apply without a row). ``subject``: a customer tag, or ``stakeholder:<kind>``."""

    __tablename__ = "field_visit_rules"

    subject: Mapped[str] = mapped_column(String(40), primary_key=True)
    every_months: Mapped[int] = mapped_column(Integer)
    unannounced: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_by: Mapped[str] = mapped_column(String(64), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class VisitPlan(Base):
    """The standing visit of one rep to one key customer or stakeholder, with its next due date."""

    __tablename__ = "field_visit_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(60), unique=True)  # customer:<id> | stakeholder:<id>
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    stakeholder_id: Mapped[int | None] = mapped_column(ForeignKey("field_stakeholders.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    basis: Mapped[str] = mapped_column(String(40))  # the visit rule's subject that set the rhythm
    rep_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"), index=True)
    org_path: Mapped[str] = mapped_column(String(400), index=True)
    every_months: Mapped[int] = mapped_column(Integer)
    unannounced: Mapped[bool] = mapped_column(Boolean, default=False)
    next_due: Mapped[date] = mapped_column(Date, index=True)
    last_visit_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    overdue_told_for: Mapped[date | None] = mapped_column(Date)  # the due date the rep was told is overdue
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Visit(Base):
    __tablename__ = "field_visits"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("field_visit_plans.id"), index=True)
    visited_at: Mapped[datetime] = mapped_column(UTCDateTime())
    visitor: Mapped[str] = mapped_column(String(64))
    contact_met: Mapped[str] = mapped_column(String(100))
    notes: Mapped[str] = mapped_column(Text, default="")
    issues: Mapped[str] = mapped_column(Text, default="")
    satisfaction: Mapped[int] = mapped_column(Integer)
    due_on: Mapped[date] = mapped_column(Date)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # kept on the phone: when it arrived
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    submission: Mapped[str | None] = mapped_column(String(64), unique=True)


class DataChange(Base):
    """A change to basic records reported from the field (基础信息采集), reviewed before it
    touches a customer or asset. ``before``/``after`` keep what the approval changed."""

    __tablename__ = "field_data_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # new_resident | shop_transfer | new_building | road_works
    utility: Mapped[str] = mapped_column(String(10))
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"), index=True)
    org_path: Mapped[str] = mapped_column(String(400), index=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    asset_code: Mapped[str | None] = mapped_column(String(60))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONData, default=dict)
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)  # pending | approved | rejected
    submitted_by: Mapped[str] = mapped_column(String(64))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime())  # when the rep made it (on the phone)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    submission: Mapped[str | None] = mapped_column(String(64), unique=True)
    reviewed_by: Mapped[str | None] = mapped_column(String(64))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reason: Mapped[str] = mapped_column(Text, default="")
    before: Mapped[dict[str, Any]] = mapped_column(JSONData, default=dict)
    after: Mapped[dict[str, Any]] = mapped_column(JSONData, default=dict)


class Watch(Base):
    """Road works near pipes or lines: a patrol-like task at the place, every ``every_days``,
    until someone closes the watch."""

    __tablename__ = "field_watches"

    id: Mapped[int] = mapped_column(primary_key=True)
    change_id: Mapped[int | None] = mapped_column(ForeignKey("field_data_changes.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    utility: Mapped[str] = mapped_column(String(10))
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"), index=True)
    org_path: Mapped[str] = mapped_column(String(400), index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    near: Mapped[list[Any]] = mapped_column(JSONData, default=list)  # asset codes within reach
    every_days: Mapped[int] = mapped_column(Integer, default=7)
    starts_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(8), default="open", index=True)  # open | closed
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_by: Mapped[str | None] = mapped_column(String(64))


Index("ix_field_tasks_assignee_due", PatrolTask.assignee_id, PatrolTask.due_on)
