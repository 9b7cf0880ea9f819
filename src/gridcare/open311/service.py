"""Open311 GeoReport v2: categories as services, orders as service requests. Posting needs
an API key; reading shows only what is public (no names, no phone numbers)."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridcare.core.clock import to_local
from gridcare.core.errors import Conflict, InvalidInput, Unauthenticated
from gridcare.core.i18n import T_, gettext
from gridcare.core.principal import Principal, Role
from gridcare.open311 import rules
from gridcare.open311.models import Open311Key
from gridcare.workorders import service as orders
from gridcare.workorders import states
from gridcare.workorders.models import WorkOrder

DESCRIPTIONS = {
    "consultation": "Questions about bills, tariffs and services",
    "repair": "No supply, faults, bursts and leaks",
    "complaint": "A complaint about our service",
    "reconnection": "Supply cut for arrears: reconnection after payment",
    "service_request": "New connection, transfer, capacity change",
    "suggestion": "Ideas to improve our service",
    "praise": "Thank someone who helped you",
}


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_key(session: Session, *, now: datetime, name: str) -> str:
    name = name.strip()
    if not name:
        raise InvalidInput.field("name", T_("must not be empty"))
    if session.scalar(select(Open311Key.id).where(Open311Key.name == name)) is not None:
        raise Conflict(T_("name: an Open311 key named %(name)r exists", name=name))
    key = "o311_" + secrets.token_urlsafe(24)
    session.add(Open311Key(name=name, key_hash=_digest(key), created_at=now))
    return key


def principal_for_key(session: Session, *, key: str | None) -> Principal:
    if not key:
        raise Unauthenticated(T_("api_key: required to post service requests"))
    row = session.scalar(select(Open311Key).where(Open311Key.key_hash == _digest(key)))
    if row is None or row.revoked_at is not None:
        raise Unauthenticated(T_("api_key: unknown or revoked"))
    return Principal(user_id=None, login=f"open311:{row.name}", role=Role.AGENT, org_unit_id=None, org_path="/", origin=f"open311 {row.name}")


def services(locale: str = "zh_CN") -> list[dict[str, Any]]:
    return [
        {
            "service_code": c.value,
            "service_name": gettext(locale, f"category.{c.value}"),
            "description": DESCRIPTIONS[c.value],
            "metadata": False,
            "type": "realtime",
            "keywords": c.value,
            "group": "repair" if c.value in ("repair", "reconnection") else "service",
        }
        for c in states.Category
    ]


def post_request(session: Session, *, actor: Principal, now: datetime, form: dict[str, str]) -> WorkOrder:
    code = form.get("service_code", "")
    if code not in orders.CATEGORIES:
        raise InvalidInput.field("service_code", T_("must be one of %(choices)s", choices=", ".join(orders.CATEGORIES)))
    lat, lon = form.get("lat"), form.get("long")
    try:
        lat_f = float(lat) if lat else None
        lon_f = float(lon) if lon else None
    except ValueError:
        raise InvalidInput.field("lat" if lat and not _is_float(lat) else "long", T_("must be a number")) from None
    account = form.get("account_id") or form.get("address_id") or None
    if lat_f is None and not form.get("address_string") and not account:
        raise InvalidInput.field("lat", T_("a location is required: lat and long, address_string, or address_id"))
    name = " ".join(p for p in (form.get("last_name", ""), form.get("first_name", "")) if p)
    created = orders.create_order(
        session,
        actor=actor,
        now=now,
        intake=orders.Intake(
            category=code,
            channel="web",
            description=form.get("description", "")[:4000],
            account=account,
            phone=form.get("phone") or None,
            caller_name=name,
            address=form.get("address_string", ""),
            lon=lon_f,
            lat=lat_f,
            idempotency_key=form.get("idempotency_key") or None,
            attributes={"open311": {"device_id": form.get("device_id", ""), "email": form.get("email", ""), "media_url": form.get("media_url", "")}},
        ),
    ).order
    return created


def _is_float(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def find(session: Session, *, number: str) -> WorkOrder | None:
    return session.scalar(select(WorkOrder).where(WorkOrder.number == number))


def search(session: Session, *, now: datetime, ids: Sequence[str], service_code: str | None, status: str | None, start: datetime | None, end: datetime | None, limit: int = 1000) -> list[WorkOrder]:
    """Requests by id (at most rules.MAX_IDS, any age), else those of web and Open311 posted
    within the spec's 90-day window; newest first, at most ``limit``."""
    wanted = rules.request_ids(ids)
    if wanted:
        stmt = select(WorkOrder).where(WorkOrder.number.in_(wanted))
    else:
        start, end = rules.search_window(start, end, now=now)
        stmt = select(WorkOrder).where(WorkOrder.channel.in_(("web", "open311")))
    if service_code:
        stmt = stmt.where(WorkOrder.category == service_code)
    if status == "open":
        stmt = stmt.where(WorkOrder.closed_at.is_(None))
    elif status == "closed":
        stmt = stmt.where(WorkOrder.closed_at.is_not(None))
    if start:
        stmt = stmt.where(WorkOrder.created_at >= start)
    if end:
        stmt = stmt.where(WorkOrder.created_at <= end)
    return list(session.scalars(stmt.order_by(WorkOrder.id.desc()).limit(limit)))


def outage_notices(session: Session, orders: Sequence[WorkOrder], locale: str = "zh_CN") -> dict[str, str]:
    """A known or predicted outage each open requester is inside, by request number: they
    learn it at once. The local day a request was made on decides which planned outages count
    for it (those starting before that day ends), so the outages of all the requests' days are
    read in one query, up to the end of the last day, and each request keeps those of its own."""
    from gridcare.outages import service as outages

    asking = [order for order in orders if order.customer_id is not None and order.closed_at is None]
    if not asking:
        return {}
    found = outages.outages_covering(session, customer_ids=[o.customer_id for o in asking], now=max(o.created_at for o in asking))
    notices = {}
    for order in asking:
        first = outages.first_covering_on(found, customer_id=order.customer_id, at=order.created_at)
        if first is not None:
            notices[order.number] = _outage_text(first, locale)
    return notices


def _outage_text(outage: dict[str, Any], locale: str) -> str:
    text = gettext(locale, "Known outage in your area: %(area)s.") % {"area": outage["title"]}
    if outage["eta"]:
        text += " " + gettext(locale, "Expected back by %(eta)s.") % {"eta": to_local(outage["eta"]).strftime("%Y-%m-%d %H:%M")}
    return text


def agencies(session: Session, orders: Sequence[WorkOrder], locale: str = "zh_CN") -> dict[str, str]:
    """Who answers each request, by number: its grid and the grid's rep, or the command center."""
    from gridcare.grids import queries as grid_queries
    from gridcare.grids.models import Grid

    grid_ids = {o.grid_id for o in orders if o.grid_id}
    grids = {g.id: g for g in session.scalars(select(Grid).where(Grid.id.in_(grid_ids)))} if grid_ids else {}
    staff = grid_queries.staff_names(session, {g.rep_id for g in grids.values() if g.rep_id})
    found = {}
    for order in orders:
        if not order.grid_id:
            found[order.number] = gettext(locale, "Command center")
            continue
        grid = grids.get(order.grid_id)
        rep = staff.get(grid.rep_id) if grid else None
        found[order.number] = f"{grid.name}（{grid.code}）" + (f" · {rep[0]} {rep[1]}" if rep else "") if grid else ""
    return found


def public_view(session: Session, order: WorkOrder, locale: str = "zh_CN") -> dict[str, Any]:
    """What anyone may read about a request: no names, no phone numbers."""
    return public_views(session, [order], locale)[0]


def public_views(session: Session, orders: Sequence[WorkOrder], locale: str = "zh_CN") -> list[dict[str, Any]]:
    """``public_view`` of many requests: their grids and reps, and the outages over all the
    days they were made on, are read at once, so a search costs the same queries whatever its
    length or span."""
    agency = agencies(session, orders, locale)
    notices = outage_notices(session, orders, locale)
    return [_public(order, agency=agency[order.number], notice=notices.get(order.number, ""), locale=locale) for order in orders]


def _public(order: WorkOrder, *, agency: str, notice: str, locale: str) -> dict[str, Any]:
    closed = order.closed_at is not None or order.status in ("closed", "cancelled", "merged")
    return {
        "service_request_id": order.number,
        "status": "closed" if closed else "open",
        "status_notes": gettext(locale, f"status.{order.status}"),
        "service_name": gettext(locale, f"category.{order.category}"),
        "service_code": order.category,
        "description": order.description,
        "agency_responsible": agency,
        "service_notice": notice,
        "requested_datetime": order.created_at.isoformat(),
        "updated_datetime": (order.closed_at or order.resolved_at or order.accepted_at or order.created_at).isoformat(),
        "expected_datetime": (order.resolve_due.isoformat() if order.resolve_due else None),
        "address": order.address,
        "address_id": None,
        "zipcode": None,
        "lat": order.lat,
        "long": order.lon,
        "media_url": None,
    }
