"""Pure rules of outages: who comes first, when planned notices fall due, what a customer
is told (so an edit that changes nothing for them sends nothing), input checks."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from gridcare.core.clock import SHANGHAI, end_of_local_day, to_local
from gridcare.core.errors import FieldProblem
from gridcare.core.i18n import T_
from gridcare.outages.states import Status

PRIORITY_TAGS = frozenset({"major", "protected", "sensitive"})  # 重点客户: key, protected, sensitive
COMPLAINT_LOOKBACK = timedelta(days=30)
DEFAULT_NOTICE_DAYS = 1
MAX_NOTICE_DAYS = 14
# A real split is two to a handful of faults. Each device is checked against every other and
# every call, and becomes a predicted outage with its customers and notices in one transaction.
MAX_SPLIT_DEVICES = 20
KINDS = ("planned", "unplanned")
UTILITIES = ("electric", "water", "gas")


def is_priority(tags: Iterable[str], *, complained_recently: bool) -> bool:
    return complained_recently or bool(PRIORITY_TAGS & {t.strip() for t in tags})


def split_tags(text: str) -> list[str]:
    return [t for t in (p.strip() for p in (text or "").split(";")) if t]


@dataclass(frozen=True)
class PlannedNotices:
    advance: bool  # the notice ``notice_days`` ahead
    day: bool  # the reminder on the day itself


def planned_notices_due(*, starts_at: datetime, notice_days: int, now: datetime, advance_sent: bool, day_sent: bool, zone: ZoneInfo = SHANGHAI) -> PlannedNotices:
    """Which planned notices are due now. The advance notice goes from ``notice_days`` local
    days before the start (at once when the outage was planned later than that); the day's
    reminder from local midnight of the start day, unless the advance one went that day."""
    start_day = to_local(starts_at, zone).date()
    today = to_local(now, zone).date()
    if now >= starts_at:
        return PlannedNotices(advance=False, day=False)  # begun: the active notice takes over
    advance_from = start_day - timedelta(days=max(0, notice_days))
    advance = not advance_sent and today >= advance_from
    day = not day_sent and today >= start_day and not (advance and advance_from >= start_day)
    return PlannedNotices(advance=advance, day=day)


def fingerprint(values: Mapping[str, Any]) -> str:
    """A short digest of what a message tells: equal digests mean nothing new to say."""
    text = json.dumps({k: (v.isoformat() if isinstance(v, datetime | date) else v) for k, v in values.items()}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def common_path(paths: Iterable[str], fallback: str) -> str:
    """The deepest organisation node over all ``paths`` ("/1/4/7/" and "/1/4/9/" → "/1/4/")."""
    split = [[p for p in path.split("/") if p] for path in paths]
    if not split:
        return fallback
    prefix: list[str] = []
    for parts in zip(*split, strict=False):
        if len(set(parts)) != 1:
            break
        prefix.append(parts[0])
    return "/" + "".join(p + "/" for p in prefix)


def check_times(*, kind: str, starts_at: datetime | None, ends_at: datetime | None, eta: datetime | None, now: datetime) -> list[FieldProblem]:
    problems = []
    if kind == "planned" and starts_at is None:
        problems.append(FieldProblem("starts_at", T_("a planned outage needs a start")))
    if kind == "planned" and ends_at is None:
        problems.append(FieldProblem("ends_at", T_("a planned outage needs an end")))
    if starts_at is not None and ends_at is not None and ends_at <= starts_at:
        problems.append(FieldProblem("ends_at", T_("must be after %(field)s", field="starts_at")))
    if eta is not None and starts_at is not None and eta <= starts_at:
        problems.append(FieldProblem("eta", T_("must be after %(field)s", field="starts_at")))
    if kind == "planned" and starts_at is not None and starts_at < now - timedelta(minutes=5):
        problems.append(FieldProblem("starts_at", T_("a planned outage cannot start in the past")))
    return problems


def split_size_problems(codes: Sequence[str]) -> list[FieldProblem]:
    """The devices named to split an outage into: two at least (one is a move), a handful at most."""
    if len(codes) < 2:
        return [FieldProblem("devices", T_("name two or more devices to split into"))]
    if len(codes) > MAX_SPLIT_DEVICES:
        return [FieldProblem("devices", T_("must have at most %(n)s items", n=MAX_SPLIT_DEVICES))]
    return []


def parse_polygon(value: Mapping[str, Any]) -> Any:
    """A GeoJSON Polygon or MultiPolygon (a Feature is unwrapped) as a valid shapely shape."""
    from shapely.geometry import shape
    from shapely.validation import explain_validity

    geometry = value.get("geometry") if value.get("type") == "Feature" else value
    if not isinstance(geometry, Mapping) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
        raise ValueError(T_("must be a GeoJSON Polygon or MultiPolygon"))
    try:
        shp = shape(geometry)
    except (ValueError, TypeError, IndexError, AttributeError) as exc:
        raise ValueError(T_("is not valid GeoJSON: %(error)s", error=str(exc))) from None
    if not shp.is_valid:
        raise ValueError(T_("is not a valid polygon: %(reason)s", reason=explain_validity(shp)))
    if shp.is_empty or shp.area == 0:
        raise ValueError(T_("encloses no area"))
    minx, miny, maxx, maxy = shp.bounds
    if minx < -180 or maxx > 180 or miny < -90 or maxy > 90:
        raise ValueError(T_("coordinates must be WGS84 lon/lat"))
    return shp


def first_covering_on(found: Sequence[Mapping[str, Any]], *, customer_id: int, at: datetime) -> Mapping[str, Any] | None:
    """The first of these covering outages (``queries.covering``'s answer) that covered the
    customer on ``at``'s local day. A planned outage counts for a day only once it starts
    before the day ends, as ``queries._COVERING`` asks the database."""
    day_ends = end_of_local_day(at)
    return next((o for o in found if customer_id in o["customer_ids"] and (o["status"] != Status.SCHEDULED or o["starts_at"] < day_ends)), None)
