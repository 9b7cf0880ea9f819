"""Where patrols go: a grid's assets of some kinds, or a listed route, with their positions.

Read-only over the network domain's ``Asset`` and ``Pipe`` rows (network.service has no
query by grid and kind); a pipe is placed at the midpoint of its two end nodes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridcare.core.errors import FieldProblem
from gridcare.core.i18n import T_, Joined, Label
from gridcare.field import rules
from gridcare.network.models import Asset, Pipe

MAX_STOPS = 200
# The network's own kinds for each patrol kind.
NETWORK_KINDS = {"hydrant": "hydrant", "valve": "valve", "line": "feeder", "transformer": "transformer"}


def _node_positions(session: Session, codes: set[str]) -> dict[str, tuple[float | None, float | None]]:
    if not codes:
        return {}
    return {c: (lon, lat) for c, lon, lat in session.execute(select(Asset.code, Asset.lon, Asset.lat).where(Asset.utility == "water", Asset.code.in_(sorted(codes))))}


def _pipe_stops(session: Session, pipes: Sequence[Pipe]) -> list[dict[str, Any]]:
    where = _node_positions(session, {p.from_code for p in pipes} | {p.to_code for p in pipes})
    out = []
    for p in pipes:
        a, b = where.get(p.from_code), where.get(p.to_code)
        lon = lat = None
        if a and b and None not in (*a, *b):
            lon, lat = (a[0] + b[0]) / 2, (a[1] + b[1]) / 2  # type: ignore[operator]
        out.append({"kind": "pipe", "code": p.code, "name": f"{p.from_code}→{p.to_code}", "lon": lon, "lat": lat})
    return out


def _asset_stop(a: Asset) -> dict[str, Any]:
    return {"kind": rules.patrol_kind(a.kind), "code": a.code, "name": a.name or a.code, "lon": a.lon, "lat": a.lat}


def route(session: Session, *, utility: str, grid_id: int, kinds: Sequence[str], codes: Sequence[str]) -> tuple[list[dict[str, Any]], list[FieldProblem]]:
    """The stops of a plan: ``codes`` in the order given (assets or pipes of the utility),
    or else every asset of ``kinds`` in the grid, by code."""
    problems: list[FieldProblem] = []
    codes = [c.strip() for c in codes if c.strip()]
    if codes:
        assets = {a.code: a for a in session.scalars(select(Asset).where(Asset.utility == utility, Asset.code.in_(codes)))}
        pipes = {p.code: p for p in session.scalars(select(Pipe).where(Pipe.code.in_(codes)))} if utility == "water" else {}
        pipe_stops = {s["code"]: s for s in _pipe_stops(session, list(pipes.values()))}
        stops = []
        for code in dict.fromkeys(codes):
            if code in assets:
                stops.append(_asset_stop(assets[code]))
            elif code in pipe_stops:
                stops.append(pipe_stops[code])
            else:
                problems.append(FieldProblem("codes", T_("no %(utility)s asset or pipe %(code)r", utility=Label("utility", utility), code=code)))
    else:
        bad = [k for k in kinds if k not in rules.PATROL_KINDS]
        if bad or not kinds:
            problems.append(FieldProblem("kinds", T_("choose asset kinds from %(choices)s, or list asset codes", choices=", ".join(rules.PATROL_KINDS))))
            return [], problems
        network_kinds = [NETWORK_KINDS[k] for k in kinds if k in NETWORK_KINDS]
        stops = [_asset_stop(a) for a in session.scalars(select(Asset).where(Asset.utility == utility, Asset.grid_id == grid_id, Asset.kind.in_(network_kinds)).order_by(Asset.code).limit(MAX_STOPS + 1))]
        if "pipe" in kinds and utility == "water":
            stops += _pipe_stops(session, list(session.scalars(select(Pipe).where(Pipe.grid_id == grid_id).order_by(Pipe.code).limit(MAX_STOPS + 1))))
        if not stops:
            problems.append(FieldProblem("kinds", T_("the grid has no %(kinds)s to patrol", kinds=Joined([Label("kind", k) for k in kinds], ", "))))
    if len(stops) > MAX_STOPS:
        problems.append(FieldProblem("codes" if codes else "kinds", T_("at most %(n)s stops per patrol; split the plan", n=MAX_STOPS)))
    return stops, problems


def network_points_near(session: Session, *, utility: str, lon: float, lat: float, reach_m: float) -> list[str]:
    """Codes of the pipes' nodes (water) or line assets (electric) within reach, nearest first."""
    pad = reach_m / 90_000  # degrees, generously: a box first, the exact distance after
    kinds = ("feeder", "switch", "fuse", "transformer") if utility == "electric" else ("junction", "valve", "hydrant", "service", "source")
    rows = session.execute(
        select(Asset.code, Asset.lon, Asset.lat).where(
            Asset.utility == utility, Asset.kind.in_(kinds), Asset.lon.between(lon - pad * 1.5, lon + pad * 1.5), Asset.lat.between(lat - pad, lat + pad)
        )
    ).all()
    return rules.near((lon, lat), [(c, x, y) for c, x, y in rows if x is not None and y is not None], reach_m)
