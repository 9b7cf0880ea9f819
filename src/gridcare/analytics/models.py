"""Tables of the analytics domain: the daily order rollup and its watermark, monthly meter
and billing aggregates per grid, qualitative ratings, scorecard weights and the monthly
scorecard snapshots."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gridcare.db import Base, JSONData, UTCDateTime


class _OrderSums:
    """Additive sums of orders (``kpis.Totals``), shared by the daily and monthly rollups."""

    utility: Mapped[str] = mapped_column(String(10), primary_key=True)
    grid_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    handler_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    category: Mapped[str] = mapped_column(String(20), primary_key=True)
    channel: Mapped[str] = mapped_column(String(12), primary_key=True)
    org_path: Mapped[str] = mapped_column(String(400), primary_key=True)
    orders: Mapped[int] = mapped_column(Integer, default=0)
    accepted: Mapped[int] = mapped_column(Integer, default=0)
    accept_seconds: Mapped[float] = mapped_column(Float, default=0)
    arrived: Mapped[int] = mapped_column(Integer, default=0)
    arrive_seconds: Mapped[float] = mapped_column(Float, default=0)
    resolved: Mapped[int] = mapped_column(Integer, default=0)
    resolve_seconds: Mapped[float] = mapped_column(Float, default=0)
    sla_met: Mapped[int] = mapped_column(Integer, default=0)
    escalated: Mapped[int] = mapped_column(Integer, default=0)
    reopened: Mapped[int] = mapped_column(Integer, default=0)
    merged: Mapped[int] = mapped_column(Integer, default=0)
    repeats: Mapped[int] = mapped_column(Integer, default=0)
    first_contact: Mapped[int] = mapped_column(Integer, default=0)
    rated: Mapped[int] = mapped_column(Integer, default=0)
    satisfaction_sum: Mapped[int] = mapped_column(Integer, default=0)
    satisfied: Mapped[int] = mapped_column(Integer, default=0)
    open_now: Mapped[int] = mapped_column(Integer, default=0)
    answered: Mapped[int] = mapped_column(Integer, default=0)


class DailyOrders(_OrderSums, Base):
    """Sums of the orders created on one local day, per utility × grid × handler ×
    category × channel × org path (0 where an order has no grid or handler). Rebuilt a whole
    day at a time from the raw orders whenever any order of that day changes, so it always
    equals what a query over the raw orders would give (tests/analytics/test_rollup.py)."""

    __tablename__ = "analytics_daily_orders"

    day: Mapped[str] = mapped_column(String(10), primary_key=True)  # local (Asia/Shanghai) date


class MonthlyOrders(_OrderSums, Base):
    """The daily rollup summed per local month (rebuilt with the days it holds): month and
    year figures and trends read a thirtieth of the rows. Both primary keys lead with the
    period, so a period is one index range."""

    __tablename__ = "analytics_monthly_orders"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # 2026-10


Index("ix_analytics_daily_orders_grid_day", DailyOrders.grid_id, DailyOrders.day)


class _DurationCounts:
    """How many orders took a step (accept, arrive, resolve) in each duration bucket
    (``histogram.bucket``), per utility × org path × category: medians and p90s of a large
    period come from these counts, to within ``histogram.RELATIVE_ERROR``."""

    utility: Mapped[str] = mapped_column(String(10), primary_key=True)
    org_path: Mapped[str] = mapped_column(String(400), primary_key=True)
    category: Mapped[str] = mapped_column(String(20), primary_key=True)
    step: Mapped[str] = mapped_column(String(8), primary_key=True)
    bucket: Mapped[int] = mapped_column(Integer, primary_key=True)
    orders: Mapped[int] = mapped_column(Integer, default=0)


class DailyDurations(_DurationCounts, Base):
    """Rebuilt with the day's order rollup."""

    __tablename__ = "analytics_daily_durations"

    day: Mapped[str] = mapped_column(String(10), primary_key=True)


class MonthlyDurations(_DurationCounts, Base):
    """The daily duration counts summed per month."""

    __tablename__ = "analytics_monthly_durations"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)


class RollupWatermark(Base):
    """The last order event folded into the rollup: the job resumes after it."""

    __tablename__ = "analytics_watermarks"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    last_event_id: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class MeterAggregate(Base):
    """One grid's month from the billing system: water supplied and billed (for 产销差),
    meters due and read (抄见率), amount billed and collected (回收率)."""

    __tablename__ = "analytics_meter_aggregates"
    __table_args__ = (UniqueConstraint("month", "grid_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7), index=True)  # 2026-10
    grid_id: Mapped[int] = mapped_column(Integer, index=True)
    supplied_m3: Mapped[float | None] = mapped_column(Float)
    billed_m3: Mapped[float | None] = mapped_column(Float)
    meters_due: Mapped[int] = mapped_column(Integer)
    meters_read: Mapped[int] = mapped_column(Integer)
    billed_amount: Mapped[float] = mapped_column(Float)
    collected_amount: Mapped[float] = mapped_column(Float)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime())
    imported_by: Mapped[str] = mapped_column(String(64), default="")


class Rating(Base):
    """A qualitative rating (0–100) of a grid or a rep for one month by one kind of rater:
    key customers, departments or contractors. Entering it again replaces it."""

    __tablename__ = "analytics_ratings"
    __table_args__ = (UniqueConstraint("month", "subject_kind", "subject_id", "rater"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7), index=True)
    subject_kind: Mapped[str] = mapped_column(String(8))  # grid | rep
    subject_id: Mapped[int] = mapped_column(Integer)
    rater: Mapped[str] = mapped_column(String(20))  # key_customers | departments | contractors
    score: Mapped[float] = mapped_column(Float)
    note: Mapped[str] = mapped_column(Text, default="")
    entered_by: Mapped[str] = mapped_column(String(64))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ScoreWeight(Base):
    """A measure's weight in the scorecard total (data; the shipped weights apply until saved)."""

    __tablename__ = "analytics_score_weights"

    measure: Mapped[str] = mapped_column(String(30), primary_key=True)
    weight: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by: Mapped[str] = mapped_column(String(64), default="")


class ScorecardSnapshot(Base):
    """A grid's or rep's scorecard for a month as it stood when the month was closed. Later
    data (a late callback, a corrected import) never changes it: rows are only inserted."""

    __tablename__ = "analytics_scorecard_snapshots"
    __table_args__ = (UniqueConstraint("month", "subject_kind", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7), index=True)
    subject_kind: Mapped[str] = mapped_column(String(8))
    subject_id: Mapped[int] = mapped_column(Integer)
    subject_code: Mapped[str] = mapped_column(String(64))
    subject_name: Mapped[str] = mapped_column(String(200))
    utility: Mapped[str] = mapped_column(String(10))
    rank: Mapped[int] = mapped_column(Integer)
    total: Mapped[float] = mapped_column(Float)
    measures: Mapped[dict[str, Any]] = mapped_column(JSONData, default=dict)
    weights: Mapped[dict[str, Any]] = mapped_column(JSONData, default=dict)
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime())
    taken_by: Mapped[str] = mapped_column(String(64), default="")
