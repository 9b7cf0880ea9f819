from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text, case, func
from sqlalchemy.orm import Mapped, mapped_column

from gridcare.db import Base, JSONData, UTCDateTime
from gridcare.workorders.states import QUEUE_STATUSES


class WorkOrder(Base):
    """One customer demand or internal task, tracked to closure.

    Deadlines are stored columns recomputed on every transition, and ``next_check_at`` (the
    next warning or escalation instant) is indexed, so a worker sweep finds due orders with
    one range scan and a restart loses nothing."""

    __tablename__ = "work_orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(30), unique=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    channel: Mapped[str] = mapped_column(String(12))
    category: Mapped[str] = mapped_column(String(20), index=True)
    utility: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    caller_name: Mapped[str] = mapped_column(String(100), default="")
    caller_phone: Mapped[str] = mapped_column(String(32), default="")
    address: Mapped[str] = mapped_column(String(400), default="")
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"))  # indexed first in ix_work_orders_open_grid
    area_class: Mapped[str] = mapped_column(String(10), default="urban")
    org_path: Mapped[str] = mapped_column(String(400), index=True)
    handler_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # indexed first in ix_work_orders_handler_status
    originator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    originator: Mapped[str] = mapped_column(String(64), default="")
    dispatch_reason: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    arrived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    arrived_lon: Mapped[float | None] = mapped_column(Float)
    arrived_lat: Mapped[float | None] = mapped_column(Float)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    callback_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    satisfaction: Mapped[int | None] = mapped_column(Integer)
    resolution_code: Mapped[str] = mapped_column(String(40), default="")
    resolution_note: Mapped[str] = mapped_column(Text, default="")
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    transfer_pending: Mapped[bool] = mapped_column(Boolean, default=False)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("work_orders.id"), index=True)
    paused_from: Mapped[str | None] = mapped_column(String(20))
    accept_due: Mapped[datetime | None] = mapped_column(UTCDateTime())
    arrive_due: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolve_due: Mapped[datetime | None] = mapped_column(UTCDateTime())
    callback_due: Mapped[datetime | None] = mapped_column(UTCDateTime())
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    next_check_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSONData, default=dict)
    # Where the order sits on the network (the customer's transformer or service node), so
    # fault triage finds a feeder's recent calls without asking the customers domain.
    supply_point: Mapped[str | None] = mapped_column(String(60))


class OrderEvent(Base):
    """The timeline: every step with who, when and from where."""

    __tablename__ = "work_order_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor: Mapped[str] = mapped_column(String(64))
    origin: Mapped[str] = mapped_column(String(120), default="")
    kind: Mapped[str] = mapped_column(String(40))
    status_from: Mapped[str | None] = mapped_column(String(20))
    status_to: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSONData, default=dict)


class OrderPause(Base):
    """Time spent waiting on the customer: the SLA clock stops."""

    __tablename__ = "work_order_pauses"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id"), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class OrderCounter(Base):
    """The last order number issued each local day; the upsert is atomic on both databases."""

    __tablename__ = "work_order_counters"

    day: Mapped[str] = mapped_column(String(8), primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


class OffDuty(Base):
    """A period a rep is away (leave, training, off shift): dispatch goes to the backup."""

    __tablename__ = "off_duty"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reason: Mapped[str] = mapped_column(String(200), default="")


Index("ix_work_orders_open_grid", WorkOrder.grid_id, WorkOrder.status)
Index("ix_work_orders_handler_status", WorkOrder.handler_id, WorkOrder.status)
Index("ix_work_orders_supply_point_created", WorkOrder.supply_point, WorkOrder.created_at)

def queue_due() -> Any:
    """The next deadline that counts for an order, as the queue sorts it."""
    return func.coalesce(
        case((WorkOrder.accepted_at.is_(None), WorkOrder.accept_due), else_=None),
        case((WorkOrder.arrived_at.is_(None), WorkOrder.arrive_due), else_=None),
        case((WorkOrder.resolved_at.is_(None), WorkOrder.resolve_due), else_=None),
        WorkOrder.callback_due,
    )


def next_due(order: WorkOrder) -> datetime | None:
    """``queue_due`` of one loaded order."""
    for met, due in ((order.accepted_at, order.accept_due), (order.arrived_at, order.arrive_due), (order.resolved_at, order.resolve_due)):
        if met is None and due is not None:
            return due
    return order.callback_due


# The queue in its order, so a queue view reads its first rows instead of sorting every open
# order. PostgreSQL only (migration 0021): SQLite cannot keep NULLS LAST order in an index.
Index(
    "ix_work_orders_queue", WorkOrder.escalation_level.desc(), queue_due(), WorkOrder.id,
    postgresql_where=WorkOrder.status.in_(QUEUE_STATUSES),
).ddl_if(dialect="postgresql")


class SupportTask(Base):
    """Work the rep pulls in from a department or contractor (专业部门, 第三方单位), with its
    own deadline; the rep confirms the result before resolving the order."""

    __tablename__ = "work_order_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(12), default="open")  # open | done | confirmed | rejected
    result: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ExpertQuestion(Base):
    """A question a rep escalates to the expert seats (专家座席)."""

    __tablename__ = "work_order_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id"), index=True)
    asked_by: Mapped[str] = mapped_column(String(64))
    question: Mapped[str] = mapped_column(Text)
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    answered_by: Mapped[str | None] = mapped_column(String(64))
    answer: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Attachment(Base):
    """A photo or document on an order; the bytes live in the data directory, not the DB."""

    __tablename__ = "work_order_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(60))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    path: Mapped[str] = mapped_column(String(300))
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    uploaded_by: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SlaTarget(Base):
    """A utility's own target for one step, overriding the shipped default (data, not code)."""

    __tablename__ = "sla_targets"

    utility: Mapped[str] = mapped_column(String(10), primary_key=True)
    category: Mapped[str] = mapped_column(String(20), primary_key=True)
    area_class: Mapped[str] = mapped_column(String(10), primary_key=True)
    step: Mapped[str] = mapped_column(String(10), primary_key=True)
    minutes: Mapped[int | None] = mapped_column(Integer)  # None: the step has no deadline
    clock: Mapped[str] = mapped_column(String(10), default="calendar")
    from_step: Mapped[str] = mapped_column(String(10), default="created")
    warn_at: Mapped[float] = mapped_column(Float, default=0.8)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by: Mapped[str] = mapped_column(String(64), default="")


class EscalationRung(Base):
    """One rung of a utility's escalation ladder: who is called in how long after a missed
    deadline (data, not code; the shipped ladder applies until a utility saves its own)."""

    __tablename__ = "escalation_rungs"

    utility: Mapped[str] = mapped_column(String(10), primary_key=True)
    rung: Mapped[int] = mapped_column(Integer, primary_key=True)  # 1-based
    after_minutes: Mapped[int] = mapped_column(Integer)
    audience: Mapped[str] = mapped_column(String(30))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by: Mapped[str] = mapped_column(String(64), default="")


class CategoryRoute(Base):
    """Orders of this category go to a department instead of the grid rep (e.g. billing)."""

    __tablename__ = "category_routes"

    utility: Mapped[str] = mapped_column(String(10), primary_key=True)
    category: Mapped[str] = mapped_column(String(20), primary_key=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by: Mapped[str] = mapped_column(String(64), default="")


class PhoneCommand(Base):
    """A step a handler took on the phone page (离线工单: accept, arrive, resolve), under the
    phone's own id for it: sent twice, it is taken once; sent later, it says when it was made
    and when it arrived, for the supervisor's look at who sends later."""

    __tablename__ = "work_order_phone_commands"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission: Mapped[str] = mapped_column(String(64), unique=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id"), index=True)
    command: Mapped[str] = mapped_column(String(20))
    made_by: Mapped[str] = mapped_column(String(64))
    made_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)  # what it counts from
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # when it arrived, if well after
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # the phone's time, when not believed
