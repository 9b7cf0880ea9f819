"""Read models for customer pages and the API."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from gridcare.core.principal import Principal
from gridcare.customers import service
from gridcare.customers.models import Customer
from gridcare.customers.phones import display_phone


def summaries(session: Session, rows: list[Customer], *, phones: dict[int, list[str]] | None = None) -> list[dict[str, Any]]:
    """``phones``: the customers' numbers when the caller read them already."""
    from gridcare.grids import service as grids

    if phones is None:
        phones = service.phones_of(session, customer_ids=[c.id for c in rows])
    names = grids.names_of(session, [(c.grid_id, c.utility) for c in rows if c.grid_id])
    return [
        {
            "id": c.id,
            "account": c.account,
            "name": c.name,
            "address": c.address,
            "utility": c.utility,
            "lon": c.lon,
            "lat": c.lat,
            "phones": phones.get(c.id, []),
            "phones_display": [display_phone(p) for p in phones.get(c.id, [])],
            "tags": [t for t in c.tags.split(";") if t],
            "grid_id": c.grid_id,
            "grid_code": names[c.grid_id][0] if c.grid_id in names else None,
            "supply_point": c.supply_point,
        }
        for c in rows
    ]


def summaries_by_phone(session: Session, *, actor: Principal, phone: str) -> list[dict[str, Any]]:
    """``summaries`` of the customers with this number, their numbers read in the same round
    trip as the match (a screen pop waits on each one it makes)."""
    found = service.find_by_phone_with_numbers(session, actor=actor, phone=phone)
    return summaries(session, [c for c, _ in found], phones={c.id: numbers for c, numbers in found})


def detail(session: Session, *, actor: Principal, customer_id: int) -> dict[str, Any]:
    from gridcare.grids import queries as grid_queries
    from gridcare.grids import service as grids
    from gridcare.network import service as network

    customer = service.get_customer(session, actor=actor, customer_id=customer_id)
    out = summaries(session, [customer])[0]
    out["meters"] = service.meters_of(session, customer_id=customer.id)
    out["notes"] = customer.notes
    out["attributes"] = customer.attributes
    chain = []
    if customer.supply_point:
        from gridcare.network.topology import TopologyError

        try:
            chain = [{"code": a.code, "kind": a.kind, "name": a.name} for a in network.upstream_chain(session, actor=actor, utility=customer.utility, supply_point=customer.supply_point)]
        except (TopologyError, KeyError):  # a supply point missing from the network still shows the customer
            chain = []
    out["upstream"] = chain
    grid = None
    if customer.grid_id:
        g = grids.get_grid(session, actor=actor, grid_id=customer.grid_id)
        staff = grid_queries.staff_names(session, {g.rep_id, g.backup_id})
        grid = {
            "id": g.id,
            "code": g.code,
            "name": g.name,
            "rep": staff.get(g.rep_id, ("", "", ""))[0],
            "rep_phone": staff.get(g.rep_id, ("", "", ""))[1],
            "backup": staff.get(g.backup_id, ("", "", ""))[0],
            "backup_phone": staff.get(g.backup_id, ("", "", ""))[1],
        }
    out["grid"] = grid
    return out
