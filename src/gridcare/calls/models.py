"""Tables of the calls domain: call records and their raw CTI events, agent extensions,
local repair lines (属地抢修电话), QA checklists and scores (质检)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from gridcare.db import Base, JSONData, UTCDateTime


class LocalLine(Base):
    """A service station's own repair number. Its calls arrive as CTI events like the
    hotline's; the callee number tells them apart."""

    __tablename__ = "local_repair_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(64))  # as the station publishes it
    e164: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    org_path: Mapped[str] = mapped_column(String(400), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CallRecord(Base):
    """One call, whatever order its events arrived in. ``started_at`` (the first known
    instant) and its local day and hour are stored so statistics group by plain columns on
    both databases."""

    __tablename__ = "call_records"
    __table_args__ = (UniqueConstraint("source", "call_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(64))  # which PBX: call ids are unique per PBX only
    call_id: Mapped[str] = mapped_column(String(120))
    direction: Mapped[str] = mapped_column(String(10), default="inbound")
    caller: Mapped[str] = mapped_column(String(64), default="")
    caller_e164: Mapped[str | None] = mapped_column(String(20))
    callee: Mapped[str] = mapped_column(String(64), default="")
    line_id: Mapped[int | None] = mapped_column(ForeignKey("local_repair_lines.id"), index=True)
    # The hotline's calls belong to the PBX account's organisation, a local line's to its
    # station: scoping keeps the water company's calls from the electric one's agents.
    org_path: Mapped[str] = mapped_column(String(400), index=True)
    queue: Mapped[str] = mapped_column(String(40), default="")
    agent_extension: Mapped[str] = mapped_column(String(20), default="")
    agent_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    state: Mapped[str] = mapped_column(String(12))
    outcome: Mapped[str | None] = mapped_column(String(10))
    ringing_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    transferred_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    local_day: Mapped[str] = mapped_column(String(10))
    local_hour: Mapped[int] = mapped_column(Integer)
    wait_seconds: Mapped[int | None] = mapped_column(Integer)
    duration_seconds: Mapped[int | None] = mapped_column(Integer)
    transfers: Mapped[int] = mapped_column(Integer, default=0)
    recording_url: Mapped[str] = mapped_column(String(500), default="")
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    customers_matched: Mapped[int] = mapped_column(Integer, default=0)
    work_order_id: Mapped[int | None] = mapped_column(ForeignKey("work_orders.id"), index=True)
    qa_sampled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    satisfaction: Mapped[int | None] = mapped_column(SmallInteger)  # the caller's rating in the IVR survey, 1–5
    resolved_on_call: Mapped[bool] = mapped_column(Boolean, default=False)  # the agent answered a demand at once (当场解答)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


Index("ix_call_records_agent_started", CallRecord.agent_user_id, CallRecord.started_at)
Index("ix_call_records_caller_started", CallRecord.caller_e164, CallRecord.started_at)
Index("ix_call_records_customer_started", CallRecord.customer_id, CallRecord.started_at)


class CallEvent(Base):
    """Every CTI event as received. ``dedupe_key`` is the PBX's event id, or the call id,
    kind and instant: a retried POST finds its row and changes nothing."""

    __tablename__ = "call_events"
    __table_args__ = (UniqueConstraint("source", "dedupe_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_record_id: Mapped[int] = mapped_column(ForeignKey("call_records.id"), index=True)
    source: Mapped[str] = mapped_column(String(64))
    dedupe_key: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(12))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    payload: Mapped[dict[str, Any]] = mapped_column(JSONData, default=dict)


class AgentExtension(Base):
    """An extension (seat) and the person at it, with their status for routing."""

    __tablename__ = "agent_extensions"

    id: Mapped[int] = mapped_column(primary_key=True)
    extension: Mapped[str] = mapped_column(String(20), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    status: Mapped[str] = mapped_column(String(12), default="away")
    status_since: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SeatSpell(Base):
    """A stretch an agent was signed in at their seat (any status but away): the staffing
    forecast sets the agents on duty each hour against the agents the calls needed."""

    __tablename__ = "seat_spells"
    __table_args__ = (Index("ix_seat_spells_user_open", "user_id", "ended_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    org_path: Mapped[str] = mapped_column(String(200), index=True)  # the agent's unit then
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class QaChecklist(Base):
    """What a call is scored against: items with weights, as data."""

    __tablename__ = "qa_checklists"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSONData, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class QaScore(Base):
    """One supervisor's scoring of one call; scoring again replaces it (and is audited)."""

    __tablename__ = "qa_scores"
    __table_args__ = (UniqueConstraint("call_record_id", "scorer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_record_id: Mapped[int] = mapped_column(ForeignKey("call_records.id"), index=True)
    checklist_id: Mapped[int] = mapped_column(ForeignKey("qa_checklists.id"))
    scorer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    scorer: Mapped[str] = mapped_column(String(64))
    agent_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    scores: Mapped[dict[str, Any]] = mapped_column(JSONData, default=dict)
    total: Mapped[int] = mapped_column(Integer)
    max_total: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    scored_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class AgentShift(Base):
    """One agent's shift on the roster (话务排班表): when they are due at their seat."""

    __tablename__ = "agent_shifts"
    __table_args__ = (Index("ix_agent_shifts_user_start", "user_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    org_path: Mapped[str] = mapped_column(String(200), index=True)  # the agent's unit
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ShiftHandover(Base):
    """A shift handed over (交接班): what the outgoing agent wrote down, the figures as they
    stood, and the orders to keep an eye on."""

    __tablename__ = "shift_handovers"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_path: Mapped[str] = mapped_column(String(200), index=True)  # the giver's unit
    given_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    given_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    shift_starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # the giver's shift, if on the roster
    shift_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    takes_over_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # the incoming shift's start, if on the roster
    notes: Mapped[str] = mapped_column(Text)
    figures: Mapped[dict[str, Any]] = mapped_column(JSONData, default=dict)  # handover.FIGURES as counted then
    follow_ups: Mapped[list[Any]] = mapped_column(JSONData, default=list)  # [{order_id, number, note}]


class HandoverParty(Base):
    """Who takes a handover over: the incoming shift's agents, named when it is given, and
    anyone else who took it over. ``received_at`` is set when they do."""

    __tablename__ = "shift_handover_parties"
    __table_args__ = (UniqueConstraint("handover_id", "user_id"), Index("ix_shift_handover_parties_user", "user_id", "received_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    handover_id: Mapped[int] = mapped_column(ForeignKey("shift_handovers.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    named: Mapped[bool] = mapped_column(Boolean, default=True)  # on the incoming shift when it was given; else took it over unasked
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    note: Mapped[str] = mapped_column(String(200), default="")


class HotlineTarget(Base):
    """A company hotline's service target and shift rules, set once by its supervisors: what
    the forecast, the shift plan and the roster are held to unless a reader asks otherwise."""

    __tablename__ = "hotline_targets"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), unique=True)  # the company
    org_path: Mapped[str] = mapped_column(String(200), index=True)
    weeks: Mapped[int] = mapped_column(SmallInteger)
    target_seconds: Mapped[int] = mapped_column(Integer)
    service_level: Mapped[int] = mapped_column(SmallInteger)
    shrinkage: Mapped[int] = mapped_column(SmallInteger)
    shift_hours: Mapped[int] = mapped_column(SmallInteger)
    starts: Mapped[str] = mapped_column(String(100), default="")  # shifts.format_starts; blank: any hour
    workdays: Mapped[int] = mapped_column(SmallInteger)
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
