"""Writes to customer and asset records that an approved data change makes.

The customers and network services have no function to change one customer's name, phone
or address, or to note a building on a supply point, so these small writers live here, over
those domains' models; each writes the record's audit stream (its history) in the caller's
transaction, as the owning services do."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from gridcare.audit import service as audit
from gridcare.core.errors import InvalidInput, NotFound
from gridcare.core.i18n import T_, Label
from gridcare.core.principal import Principal


def update_customer(session: Session, *, actor: Principal, now: datetime, customer_id: int, name: str | None = None, phone: str | None = None, address: str | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """Change a customer's name, phone (replacing the numbers) or address; returns (before, after)."""
    from gridcare.customers import service as customers
    from gridcare.customers.models import CustomerPhone
    from gridcare.customers.phones import normalize_phone

    customer = customers.get_customer(session, actor=actor, customer_id=customer_id)
    phones = customers.phones_of(session, customer_ids=[customer.id]).get(customer.id, [])
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    if name is not None and name.strip() and name.strip() != customer.name:
        if len(name.strip()) > 200:
            raise InvalidInput.field("payload.name", T_("must be at most %(n)s characters", n=200))
        before["name"], after["name"] = customer.name, name.strip()
        customer.name = name.strip()
    if address is not None and address.strip() and address.strip() != customer.address:
        before["address"], after["address"] = customer.address, address.strip()[:400]
        customer.address = address.strip()[:400]
    if phone is not None and phone.strip():
        e164 = normalize_phone(phone)
        if e164 is None:
            raise InvalidInput.field("payload.phone", T_("%(phone)r is not a phone number", phone=phone))
        if phones != [e164]:
            before["phones"], after["phones"] = phones, [e164]
            session.execute(delete(CustomerPhone).where(CustomerPhone.customer_id == customer.id))
            session.execute(CustomerPhone.__table__.insert(), [{"customer_id": customer.id, "e164": e164, "position": 0}])
    if after:
        customer.updated_at = now
        audit.record(session, actor=actor, at=now, action="customer.update", entity="customer", entity_id=customer.id, before=before, after=after, org_path=customer.org_path)
    return before, after


def note_building(session: Session, *, actor: Principal, now: datetime, utility: str, asset_code: str, building: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Add a new building to the buildings a supply point feeds (kept in its attributes)."""
    from gridcare.network.models import Asset

    asset = session.scalar(select(Asset).where(Asset.utility == utility, Asset.code == asset_code))
    if asset is None:
        raise NotFound(T_("asset_code: no %(utility)s asset %(code)r", utility=Label("utility", utility), code=asset_code))
    attributes = dict(asset.attributes or {})
    buildings = list(attributes.get("buildings", []))
    before = {"buildings": list(buildings)}
    buildings.append(building)
    attributes["buildings"] = buildings
    asset.attributes = attributes
    after = {"buildings": buildings}
    audit.record(session, actor=actor, at=now, action="asset.building_added", entity="asset", entity_id=f"{utility}:{asset.code}", before=before, after=after)
    return before, after
