"""Adopting a proposal: new grid versions from a date, customers and assets re-assigned,
open orders re-homed by the chosen rule, the reps concerned told. One transaction: a
refusal anywhere leaves today's grids as they were."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime
from typing import Any

import numpy as np
from shapely.geometry import shape
from sqlalchemy import select
from sqlalchemy.orm import Session

from gridcare.audit import service as audit
from gridcare.auth.rules import Action
from gridcare.auth.scoping import require
from gridcare.core.errors import Conflict, DomainError, InvalidInput
from gridcare.core.i18n import T_, Label
from gridcare.core.principal import Principal
from gridcare.planning import sources
from gridcare.planning.models import PlanningProposal, PlanningUnit
from gridcare.planning.proposals import get_proposal

# keep: open orders stay with the rep who has them until they close;
# follow: each goes to the rep of the grid that now holds its place.
REHOME_RULES = ("keep", "follow")
# The statuses a supervisor may redispatch (see workorders.states: dispatched or taken).
_REHOMED = ("dispatched", "accepted", "arrived", "waiting_customer")


def adopt(session: Session, *, actor: Principal, now: datetime, proposal_id: int, effective_from: datetime | None = None, rehome: str = "follow") -> PlanningProposal:
    """Adopt now, or schedule for ``effective_from`` (the worker applies it on that date)."""
    require(actor, Action.GRIDS_MANAGE)
    if rehome not in REHOME_RULES:
        raise InvalidInput.field("rehome", T_("must be one of %(choices)s", choices=", ".join(REHOME_RULES)))
    proposal = get_proposal(session, actor=actor, proposal_id=proposal_id)
    if proposal.status != "draft":
        raise InvalidInput.field("proposal_id", T_("proposal %(id)s is %(status)s; only a draft can be adopted", id=proposal_id, status=Label("proposal", proposal.status)))
    effective = effective_from or now
    proposal.effective_from = effective
    proposal.adoption = {"rehome": rehome}
    if effective > now:
        proposal.status = "scheduled"
        audit.record(session, actor=actor, at=now, action="planning.schedule", entity="planning_proposal", entity_id=proposal.id, after={"effective_from": effective.isoformat(), "rehome": rehome})
        return proposal
    return apply(session, actor=actor, now=now, proposal=proposal)


def _today(session: Session, *, actor: Principal, utility: str) -> list[Any]:
    from gridcare.grids import service as grids

    return [g for g in grids.list_grids(session, actor=actor) if g.utility == utility and g.geometry]


def _surplus(session: Session, *, actor: Principal, proposal: PlanningProposal) -> list[Any]:
    """Today's grids the proposal has no successor for: they are merged into the new ones
    and retired on adoption (Changsha's 89 districts into 61)."""
    kept = {g["grid_id"] for g in proposal.grids if g.get("grid_id")}
    return [g for g in _today(session, actor=actor, utility=proposal.utility) if g.id not in kept]


def apply(session: Session, *, actor: Principal, now: datetime, proposal: PlanningProposal) -> PlanningProposal:
    from gridcare.grids import service as grids

    effective = proposal.effective_from or now
    rehome = str(proposal.adoption.get("rehome", "follow"))
    reason = f"planning proposal {proposal.id}"
    people_before = sources.customers(session, utility=proposal.utility)
    before_grid = dict(zip(people_before.ids.tolist(), people_before.grid_ids.tolist(), strict=True))
    changed: list[tuple[int, dict[str, Any]]] = []
    retired = []
    for old in _surplus(session, actor=actor, proposal=proposal):
        retired.append(old.code)
        grids.retire_grid(session, actor=actor, now=now, grid=old, effective_from=effective, reason=reason)
    for g in proposal.grids:
        geom = shape(g["geometry"])
        if g.get("grid_id"):
            grid = grids.get_grid(session, actor=actor, grid_id=int(g["grid_id"]))
            if grid.geometry and shape(json.loads(grid.geometry)).symmetric_difference(geom).area < 1e-12:
                continue  # the same shape: no new version, nothing to tell
            grids.change_grid(session, actor=actor, now=now, grid=grid, geometry=geom, effective_from=effective, reason=reason)
        else:
            grid = grids.create_grid(
                session, actor=actor, now=now, code=f"P{proposal.id}-{g['index'] + 1:03d}", name=f"P{proposal.id}-{g['index'] + 1:03d}",
                org_unit_id=_org_unit_for(session, proposal=proposal, unit_codes=g["units"]), geometry=geom,
            )
            g = {**g, "grid_id": grid.id, "code": grid.code, "name": grid.name}
        changed.append((grid.id, g))
    session.flush()
    moved = grids.reassign_all(session, now=now, reason=reason)
    people_after = sources.customers(session, utility=proposal.utility)
    lost = int((people_after.grid_ids < 0).sum()) - int((people_before.grid_ids < 0).sum())
    if lost > 0 or len(people_after.ids) != len(people_before.ids):
        raise Conflict(T_("proposal_id: adopting would leave %(n)s customers without a grid; the units do not cover today's service area", n=lost))
    after_grid = dict(zip(people_after.ids.tolist(), people_after.grid_ids.tolist(), strict=True))
    gained = Counter(after_grid[c] for c in after_grid if after_grid[c] != before_grid.get(c))
    lost_by = Counter(before_grid[c] for c in before_grid if after_grid.get(c) != before_grid[c])
    rehomed, skipped = _rehome_orders(session, actor=actor, now=now, utility=proposal.utility) if rehome == "follow" else (0, 0)
    told = _tell_reps(session, now=now, proposal=proposal, grid_ids=[gid for gid, _ in changed], counts=Counter(people_after.grid_ids.tolist()), gained=gained, lost=lost_by)
    told += _tell_retired(session, now=now, proposal=proposal, codes=retired, lost=lost_by)
    _refresh_units(session, proposal=proposal, changed=changed)
    proposal.status = "adopted"
    proposal.adopted_at = now
    proposal.adopted_by = actor.login
    proposal.adoption = {"rehome": rehome, "reassigned": moved, "customers_moved": sum(gained.values()), "orders_rehomed": rehomed, "orders_kept": skipped, "reps_told": told, "grids_retired": retired}
    audit.record(session, actor=actor, at=now, action="planning.adopt", entity="planning_proposal", entity_id=proposal.id, after={"effective_from": effective.isoformat(), **proposal.adoption})
    return proposal


def _org_unit_for(session: Session, *, proposal: PlanningProposal, unit_codes: list[str]) -> int:
    """A new grid belongs to the org unit of the grid most of its units come from."""
    from gridcare.grids.models import Grid

    rows = session.execute(select(PlanningUnit.current_grid_id).where(PlanningUnit.utility == proposal.utility, PlanningUnit.code.in_(unit_codes))).scalars().all()
    votes = Counter(r for r in rows if r is not None)
    grid_id = votes.most_common(1)[0][0] if votes else session.scalar(select(Grid.id).where(Grid.utility == proposal.utility).limit(1))
    if grid_id is None:
        raise InvalidInput.field("proposal_id", T_("no grid of today to take the org unit of a new grid from"))
    return int(session.scalar(select(Grid.org_unit_id).where(Grid.id == grid_id)))


def _rehome_orders(session: Session, *, actor: Principal, now: datetime, utility: str) -> tuple[int, int]:
    """Redispatch each open order whose place now lies in another rep's grid; one the
    state machine refuses (a status that cannot be redispatched) stays where it is."""
    from gridcare.customers.models import Customer
    from gridcare.grids import service as grids
    from gridcare.workorders import service as orders
    from gridcare.workorders.models import WorkOrder

    rows = session.execute(
        select(WorkOrder.id, WorkOrder.handler_id, WorkOrder.lon, WorkOrder.lat, Customer.lon, Customer.lat)
        .outerjoin(Customer, Customer.id == WorkOrder.customer_id)
        .where(WorkOrder.utility == utility, WorkOrder.status.in_(_REHOMED), WorkOrder.handler_id.is_not(None))
        .order_by(WorkOrder.id)
    ).all()
    placed = [(r[0], r[1], r[2] if r[2] is not None else r[4], r[3] if r[3] is not None else r[5]) for r in rows]
    placed = [p for p in placed if p[2] is not None and p[3] is not None]
    if not placed:
        return 0, 0
    found = grids.locate_many(session, np.array([p[2] for p in placed]), np.array([p[3] for p in placed]), utility=utility)
    rehomed = skipped = 0
    for (order_id, handler_id, _lon, _lat), grid_id in zip(placed, found.tolist(), strict=True):
        summary = grids.summary(session, grid_id=int(grid_id), utility=utility) if grid_id >= 0 else None
        if summary is None or summary.rep_id is None or summary.rep_id == handler_id:
            continue
        try:
            orders.execute(session, actor=actor, now=now, order_id=order_id, command="redispatch", args={"handler_id": summary.rep_id, "reason": "grid re-cut"})
            rehomed += 1
        except DomainError:
            skipped += 1
    return rehomed, skipped


def _tell_reps(session: Session, *, now: datetime, proposal: PlanningProposal, grid_ids: list[int], counts: Counter[int], gained: Counter[int], lost: Counter[int]) -> int:
    from gridcare.grids import service as grids
    from gridcare.notify import service as notify
    from gridcare.planning.notifying import config

    told = 0
    settings = config()
    for grid_id in grid_ids:  # every grid whose shape changed, whether customers moved or not
        summary = grids.summary(session, grid_id=grid_id, utility=proposal.utility)
        if summary is None or summary.rep_id is None:
            continue
        context = {"grid": summary.name, "proposal": proposal.name, "effective_from": proposal.effective_from or now, "customers": counts.get(grid_id, 0), "change": f"+{gained.get(grid_id, 0)} / -{lost.get(grid_id, 0)}"}
        notify.notify_user(session, now=now, user_id=summary.rep_id, event="planning.adopted", context=context, urgent=False, source=("planning_proposal", proposal.id), dedupe=f"grid:{grid_id}", config=settings)
        told += 1
    return told


def _tell_retired(session: Session, *, now: datetime, proposal: PlanningProposal, codes: list[str], lost: Counter[int]) -> int:
    """The rep of a retired grid hears where their customers went (all of them, elsewhere)."""
    from gridcare.grids import service as grids
    from gridcare.notify import service as notify
    from gridcare.planning.notifying import config

    told = 0
    for code in codes:
        grid = grids.find_grid_by_code(session, code=code)
        if grid is None or grid.rep_id is None:
            continue
        context = {"grid": grid.name, "proposal": proposal.name, "effective_from": proposal.effective_from or now, "customers": 0, "change": f"-{lost.get(grid.id, 0)}"}
        notify.notify_user(session, now=now, user_id=grid.rep_id, event="planning.adopted", context=context, urgent=False, source=("planning_proposal", proposal.id), dedupe=f"grid:{grid.id}", config=config())
        told += 1
    return told


def _refresh_units(session: Session, *, proposal: PlanningProposal, changed: list[tuple[int, dict[str, Any]]]) -> None:
    """The units' grid of today is now the adopted one (the next design starts from it)."""
    by_code = {code: grid_id for grid_id, g in changed for code in g["units"]}
    for unit in session.scalars(select(PlanningUnit).where(PlanningUnit.utility == proposal.utility)):
        if unit.code in by_code:
            unit.current_grid_id = by_code[unit.code]


def apply_due(session: Session, *, actor: Principal, now: datetime) -> int:
    """Scheduled proposals whose date has come (run by the worker)."""
    due = list(session.scalars(select(PlanningProposal).where(PlanningProposal.status == "scheduled", PlanningProposal.effective_from <= now).order_by(PlanningProposal.effective_from)))
    for proposal in due:
        apply(session, actor=actor, now=now, proposal=proposal)
    return len(due)
