"""Designing proposals from the units, scoring them against today's grids, exporting them."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import shapely
from scipy.optimize import linear_sum_assignment
from shapely.geometry import mapping, shape
from sqlalchemy import select
from sqlalchemy.orm import Session

from gridcare.audit import service as audit
from gridcare.auth.rules import Action
from gridcare.auth.scoping import require, utilities_held
from gridcare.core.errors import InvalidInput, NotFound
from gridcare.core.geo import local_projection
from gridcare.core.i18n import T_, Label
from gridcare.core.principal import Principal
from gridcare.planning import design, forecast, metrics, units
from gridcare.planning.models import PlanningProposal, PlanningUnit
from gridcare.planning.service import barrier_shapes, check_utility, list_units
from gridcare.planning.workload import Weights, monthly_hours, weights_from

Progress = Callable[[str, int, int], None]
STATUSES = ("draft", "scheduled", "adopted", "discarded")


def _quiet(_stage: str, _done: int, _total: int) -> None:
    return None


@dataclass(frozen=True)
class Layer:
    """The units of one utility ready for design: metric shapes, graph, workloads."""

    rows: list[PlanningUnit]
    metric: np.ndarray
    xy: np.ndarray
    neighbours: list[list[int]]
    workload: np.ndarray
    customers: np.ndarray
    current: np.ndarray  # index into current_ids, -1 for none
    current_ids: list[int]
    forecast: dict[str, Any]


def history_matrix(rows: Sequence[PlanningUnit]) -> tuple[np.ndarray, int, list[str]]:
    months = sorted({m for u in rows for m in (u.monthly or {})})
    if not months:
        return np.zeros((len(rows), 0)), 1, []
    y0, m0 = map(int, months[0].split("-"))
    y1, m1 = map(int, months[-1].split("-"))
    span = (y1 - y0) * 12 + (m1 - m0) + 1
    labels = [f"{y0 + (m0 - 1 + i) // 12:04d}-{(m0 - 1 + i) % 12 + 1:02d}" for i in range(span)]
    index = {m: i for i, m in enumerate(labels)}
    matrix = np.zeros((len(rows), span))
    for r, u in enumerate(rows):
        for m, n in (u.monthly or {}).items():
            matrix[r, index[m]] = float(n)
    return matrix, m0, labels


def workloads(rows: Sequence[PlanningUnit], weights: Weights, *, use_forecast: bool) -> tuple[np.ndarray, dict[str, Any]]:
    """Rep-hours per month per unit, and the forecast's figures when it was used or possible."""
    matrix, first, labels = history_matrix(rows)
    growth = np.ones(len(rows))
    summary: dict[str, Any] = {}
    if matrix.shape[1] >= 3:
        fc = forecast.forecast(matrix, first)
        last = matrix[:, -min(12, matrix.shape[1]) :].sum(axis=1) * (12 / min(12, matrix.shape[1]))
        summary = {
            "from": labels[0], "to": labels[-1], "growth": round(fc.growth, 4), "season": fc.season, "holdout_months": fc.holdout_months,
            "holdout_wape": fc.holdout_wape, "holdout_total_error": fc.holdout_total_error, "history_orders_year": round(float(last.sum()), 1),
            "next_year_orders": round(float(fc.next_year.sum()), 1), "used": use_forecast,
        }
        if use_forecast:
            growth = np.where(last > 0, fc.next_year / np.maximum(last, 1e-9), 1 + fc.growth)
    hours = np.array([
        monthly_hours(orders=u.orders or {}, months=u.history_months, customers=u.customers, meters=u.meters, line_km=u.line_km, weights=weights, growth=float(g))
        for u, g in zip(rows, growth, strict=True)
    ])
    return hours, summary


def load_layer(session: Session, *, actor: Principal, utility: str, weights: Weights, use_forecast: bool, barrier_ids: Sequence[int] = ()) -> Layer:
    rows = list_units(session, actor=actor, utility=utility)
    if len(rows) < 2:
        raise InvalidInput.field("utility", T_("needs at least %(n)s %(utility)s units: import units or generate a lattice first", n=2, utility=Label("utility", utility)))
    wgs = np.array([shape(json.loads(u.geometry)) for u in rows], dtype=object)
    projection = local_projection(wgs)
    metric = projection.to_metric(wgs)
    xy = shapely.get_coordinates(projection.to_metric(shapely.points([u.lon for u in rows], [u.lat for u in rows])))
    neighbours = units.adjacency(list(metric), rook=True)
    if barrier_ids:
        cuts = [projection.to_metric(b) for b in barrier_shapes(session, utility=utility, ids=barrier_ids)]
        neighbours = units.cut_by_barriers(neighbours, xy, cuts)
    hours, summary = workloads(rows, weights, use_forecast=use_forecast)
    current_ids = sorted({u.current_grid_id for u in rows if u.current_grid_id is not None})
    index = {g: i for i, g in enumerate(current_ids)}
    current = np.array([index.get(u.current_grid_id, -1) if u.current_grid_id is not None else -1 for u in rows], dtype=np.int64)
    customers = np.array([u.customers for u in rows], dtype=float)
    return Layer(rows, metric, xy, neighbours, hours, customers, current, current_ids, summary)


def _match(labels: np.ndarray, current: np.ndarray, customers: np.ndarray, k: int, m: int) -> dict[int, int]:
    """New grid index -> index of today's grid it continues: the pairing that keeps the most
    customers with their grid (Hungarian assignment on the overlap)."""
    if m == 0:
        return {}
    overlap = np.zeros((k, m))
    known = current >= 0
    np.add.at(overlap, (labels[known], current[known]), customers[known] + 1e-3)
    rows, cols = linear_sum_assignment(-overlap)
    # Every pair counts, overlap or not: each grid of today then has a successor when k ≥ m.
    return {int(r): int(c) for r, c in zip(rows, cols, strict=True)}


def design_proposal(
    session: Session,
    *,
    actor: Principal,
    now: datetime,
    utility: str,
    name: str = "",
    k: int | None = None,
    capacity_hours: float | None = None,
    minimum_disruption: bool = False,
    use_forecast: bool = False,
    barrier_ids: Sequence[int] = (),
    weights: dict[str, Any] | None = None,
    seed: int = 0,
    progress: Progress = _quiet,
) -> PlanningProposal:
    """Design grids from the units (``k`` of them, or the fewest that fit ``capacity_hours``
    of rep time per month each) and store the proposal with its scores and today's."""
    from gridcare.grids import service as grids

    require(actor, Action.GRIDS_MANAGE)
    check_utility(utility)
    if (k is None) == (capacity_hours is None):
        raise InvalidInput.field("k", T_("give either k (number of grids) or capacity_hours, not both or neither"))
    chosen = weights_from(weights)
    try:
        if k is not None:
            design.check_k(int(k))  # before the units are loaded for nothing
        progress("units", 0, 1)
        layer = load_layer(session, actor=actor, utility=utility, weights=chosen, use_forecast=use_forecast, barrier_ids=barrier_ids)
        progress("units", 1, 1)
        if capacity_hours is not None:
            k = design.smallest_k(layer.neighbours, layer.workload, float(capacity_hours))
        assert k is not None
        progress("design", 0, 1)
        started = time.perf_counter()
        labels = design.partition(
            layer.neighbours, layer.workload, layer.xy, int(k),
            options=design.DesignOptions(keep_current=1.0 if minimum_disruption else 0.0, seed=seed),
            current=layer.current, customers=layer.customers,
        )
        seconds = time.perf_counter() - started
    except design.DesignError as exc:
        raise InvalidInput.field(exc.field, exc.reason) from None
    progress("design", 1, 1)
    progress("score", 0, 1)
    matched = _match(labels, layer.current, layer.customers, int(k), len(layer.current_ids))
    new_home = np.array([matched.get(int(r), -2) for r in labels])
    moved = (layer.current >= 0) & (new_home != layer.current)
    shapes_metric = units.dissolve(list(layer.metric), labels, int(k))
    scores = metrics.score(labels, layer.workload, layer.xy, layer.neighbours, shapes=shapes_metric, customers=layer.customers, moved=moved)
    today = _current_scores(layer)
    names = grids.grid_names(session, ids=layer.current_ids)
    wgs = np.array([shape(json.loads(u.geometry)) for u in layer.rows], dtype=object)
    proposed = []
    for r in range(int(k)):
        members = np.flatnonzero(labels == r)
        grid_id = layer.current_ids[matched[r]] if r in matched else None
        code, title = names.get(grid_id, ("", "")) if grid_id is not None else ("", "")
        geom = shapely.union_all(wgs[members]).buffer(0)
        proposed.append({
            "index": r, "grid_id": grid_id, "code": code or f"NEW-{r + 1:03d}", "name": title or f"NEW-{r + 1:03d}",
            "units": [layer.rows[i].code for i in members], "workload": round(float(layer.workload[members].sum()), 2),
            "customers": int(layer.customers[members].sum()), "customers_moved_in": int(layer.customers[members][moved[members]].sum()),
            "geometry": mapping(shapely.set_precision(geom, 1e-7)),
        })
    proposal = PlanningProposal(
        utility=utility, name=(name or "").strip()[:200] or f"{utility} k={k}", status="draft", k=int(k), capacity_hours=capacity_hours,
        minimum_disruption=minimum_disruption, use_forecast=use_forecast, weights=chosen.as_dict(), barrier_ids=list(barrier_ids),
        grids=json.loads(json.dumps(proposed)), scores=scores.as_dict(), current_scores=today, forecast=layer.forecast,
        seconds=round(seconds, 3), created_by=actor.login, created_at=now, adoption={},
    )
    session.add(proposal)
    session.flush()
    audit.record(session, actor=actor, at=now, action="planning.propose", entity="planning_proposal", entity_id=proposal.id, after={"k": proposal.k, "scores": proposal.scores})
    progress("score", 1, 1)
    return proposal


def _current_scores(layer: Layer) -> dict[str, Any]:
    known = layer.current >= 0
    if not known.any():
        return {}
    shapes = units.dissolve(list(layer.metric[known]), layer.current[known], len(layer.current_ids))
    sub = np.flatnonzero(known)
    position = {int(u): i for i, u in enumerate(sub)}
    neighbours = [[position[v] for v in layer.neighbours[u] if v in position] for u in sub]
    found = metrics.score(layer.current[known], layer.workload[known], layer.xy[known], neighbours, shapes=[s for s in shapes if not s.is_empty], customers=layer.customers[known], moved=np.zeros(len(sub), dtype=bool))
    return found.as_dict()


def get_proposal(session: Session, *, actor: Principal, proposal_id: int) -> PlanningProposal:
    require(actor, Action.GRIDS_READ)
    proposal = session.get(PlanningProposal, proposal_id)
    if proposal is None or proposal.utility not in utilities_held(session, actor):
        raise NotFound(T_("proposal_id: no proposal %(id)s", id=proposal_id))
    return proposal


def list_proposals(session: Session, *, actor: Principal, utility: str | None = None, limit: int = 50) -> list[PlanningProposal]:
    require(actor, Action.GRIDS_READ)
    stmt = select(PlanningProposal).where(PlanningProposal.utility.in_(utilities_held(session, actor))).order_by(PlanningProposal.created_at.desc(), PlanningProposal.id.desc()).limit(limit)
    if utility:
        stmt = stmt.where(PlanningProposal.utility == check_utility(utility))
    return list(session.scalars(stmt))


def discard(session: Session, *, actor: Principal, now: datetime, proposal_id: int) -> PlanningProposal:
    require(actor, Action.GRIDS_MANAGE)
    proposal = get_proposal(session, actor=actor, proposal_id=proposal_id)
    if proposal.status not in ("draft", "scheduled"):
        raise InvalidInput.field("proposal_id", T_("proposal %(id)s is %(status)s; only a draft or scheduled one can be discarded", id=proposal_id, status=Label("proposal", proposal.status)))
    proposal.status = "discarded"
    audit.record(session, actor=actor, at=now, action="planning.discard", entity="planning_proposal", entity_id=proposal.id, after={"status": "discarded"})
    return proposal


COMPARED = ("grids", "max_over_mean", "min_over_mean", "gini", "contiguous", "compactness", "radius_km", "max_radius_km", "customers_moved", "customers_moved_share")


def comparison(proposals: Sequence[PlanningProposal]) -> list[dict[str, Any]]:
    """Rows of the comparison table: today's grids first (from the first proposal), then each."""
    rows: list[dict[str, Any]] = []
    if proposals and proposals[0].current_scores:
        rows.append({"label": "current", "id": None, **{key: proposals[0].current_scores.get(key) for key in COMPARED}})
    for p in proposals:
        rows.append({"label": p.name, "id": p.id, **{key: p.scores.get(key) for key in COMPARED}})
    return rows


def proposal_geojson(proposal: PlanningProposal) -> dict[str, Any]:
    """The proposed grids as GeoJSON (RFC 7946), ready for ``gridcare import grids``."""
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "geometry": g["geometry"], "properties": {"code": g["code"], "name": g["name"], "workload_hours": g["workload"], "customers": g["customers"], "units": len(g["units"])}}
            for g in proposal.grids
        ],
    }


def current_geojson(session: Session, *, actor: Principal, utility: str) -> dict[str, Any]:
    from gridcare.grids import service as grids

    found = [g for g in grids.list_grids(session, actor=actor) if g.utility == utility and g.geometry]
    return {"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": json.loads(g.geometry), "properties": {"code": g.code, "name": g.name}} for g in found]}
