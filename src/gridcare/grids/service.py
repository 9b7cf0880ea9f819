"""Grid use cases: import with versions, locate, coverage check, bulk re-assignment."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import shapely
from shapely.geometry import mapping, shape
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from gridcare.audit import service as audit
from gridcare.auth.rules import Action, RecordScope, can_see
from gridcare.auth.scoping import openable_ids, require, scoped
from gridcare.core.errors import Conflict, FieldProblem, InvalidInput, NotFound
from gridcare.core.geo import area_m2
from gridcare.core.i18n import T_
from gridcare.core.principal import Principal
from gridcare.grids.coverage import CoverageReport, check_coverage
from gridcare.grids.geometry import GridShape
from gridcare.grids.locate import GridLocator
from gridcare.grids.models import AssignmentChange, Grid, GridVersion, ServiceArea

Progress = Callable[[str, int, int], None]
AREA_CLASSES = ("urban", "rural", "remote")


def grid_ids_for_rep(session: Session, *, user_id: int) -> frozenset[int]:
    """Grids a user answers for, as rep or as backup."""
    rows = session.scalars(select(Grid.id).where(or_(Grid.rep_id == user_id, Grid.backup_id == user_id)))
    return frozenset(rows)


def list_grids(session: Session, *, actor: Principal, retired: bool = False) -> list[Grid]:
    """The grids in the actor's scope; retired ones only when asked for."""
    require(actor, Action.GRIDS_READ)
    stmt = scoped(select(Grid), actor, org_path=Grid.org_path, grid_id=Grid.id).order_by(Grid.code)
    if not retired:
        stmt = stmt.where(Grid.retired_at.is_(None))
    return list(session.scalars(stmt))


def get_grid(session: Session, *, actor: Principal, grid_id: int) -> Grid:
    require(actor, Action.GRIDS_READ)
    grid = session.get(Grid, grid_id)
    if grid is None or not can_see(actor, RecordScope(org_path=grid.org_path, grid_id=grid.id, gridded=True)):
        raise NotFound(T_("grid_id: no grid %(id)s in your scope", id=grid_id))
    return grid


def openable(session: Session, *, actor: Principal, ids: Iterable[int | None]) -> frozenset[int]:
    """Of these grids, the ones whose page the actor may open."""
    return openable_ids(session, actor, ids, action=Action.GRIDS_READ, id_column=Grid.id, org_path=Grid.org_path, grid_id=Grid.id)


def find_grid_by_code(session: Session, *, code: str) -> Grid | None:
    return session.scalar(select(Grid).where(Grid.code == code))


def grid_names(session: Session, *, ids: Sequence[int]) -> dict[int, tuple[str, str]]:
    if not ids:
        return {}
    return {g.id: (g.code, g.name) for g in session.execute(select(Grid.id, Grid.code, Grid.name).where(Grid.id.in_(set(ids))))}


def _geometry_columns(geom: Any) -> dict[str, Any]:
    minx, miny, maxx, maxy = geom.bounds
    return {
        "geometry": json.dumps(mapping(geom), separators=(",", ":")),
        "min_lon": minx,
        "min_lat": miny,
        "max_lon": maxx,
        "max_lat": maxy,
        "area_m2": round(area_m2(geom), 1),
    }


def create_grid(
    session: Session,
    *,
    actor: Principal,
    now: datetime,
    code: str,
    name: str,
    org_unit_id: int,
    rep_id: int | None = None,
    backup_id: int | None = None,
    geometry: Any = None,
    area_class: str = "urban",
    district: str = "",
    properties: dict[str, Any] | None = None,
) -> Grid:
    from gridcare.auth import service as auth

    require(actor, Action.GRIDS_MANAGE)
    code = code.strip()
    if not code:
        raise InvalidInput.field("code", T_("must not be empty"))
    if area_class not in AREA_CLASSES:
        raise InvalidInput.field("area_class", T_("must be one of %(choices)s", choices=", ".join(AREA_CLASSES)))
    if find_grid_by_code(session, code=code) is not None:
        raise Conflict(T_("code: grid %(code)r already exists", code=code))
    unit = auth.get_org_unit(session, actor=actor, org_unit_id=org_unit_id)
    for field, user_id in (("rep_id", rep_id), ("backup_id", backup_id)):
        if user_id is not None and auth.find_user(session, user_id=user_id) is None:
            raise NotFound(T_("%(field)s: %(reason)s", field=field, reason=T_("no user %(id)s", id=user_id)))
    geo = _geometry_columns(geometry) if geometry is not None else {}
    grid = Grid(
        code=code,
        name=name.strip() or code,
        utility=unit.utility,
        org_unit_id=unit.id,
        org_path=unit.path,
        rep_id=rep_id,
        backup_id=backup_id,
        area_class=area_class,
        district=district,
        properties=properties or {},
        version=1,
        effective_from=now,
        created_at=now,
        updated_at=now,
        **geo,
    )
    session.add(grid)
    session.flush()
    forget_locators()
    session.add(GridVersion(grid_id=grid.id, version=1, name=grid.name, geometry=grid.geometry, rep_id=rep_id, backup_id=backup_id, effective_from=now, reason="created", created_at=now))
    audit.record(
        session,
        actor=actor,
        at=now,
        action="grid.create",
        entity="grid",
        entity_id=grid.id,
        after={"code": grid.code, "name": grid.name, "org_unit_id": unit.id, "rep_id": rep_id, "backup_id": backup_id, "area_m2": grid.area_m2},
        org_path=unit.path,
    )
    return grid


@dataclass(frozen=True)
class ImportSummary:
    created: int
    updated: int
    unchanged: int
    reassigned: int


def import_grids(
    session: Session,
    *,
    actor: Principal,
    now: datetime,
    shapes: Sequence[GridShape],
    org_unit_id: int,
    effective_from: datetime | None = None,
    reason: str = "import",
) -> ImportSummary:
    """Create new grids and version changed ones; records in changed areas are re-assigned
    in this same transaction, and the old version is closed on ``effective_from``."""
    from gridcare.auth import service as auth

    require(actor, Action.GRIDS_MANAGE)
    effective = effective_from or now
    problems: list[FieldProblem] = []
    reps: dict[str, int] = {}
    for s in shapes:
        if s.rep_login and s.rep_login not in reps:
            user = auth.find_user_by_login(session, login=s.rep_login)
            if user is None:
                problems.append(FieldProblem(f"features[{s.code}].rep", T_("no user with login %(login)r", login=s.rep_login)))
            else:
                reps[s.rep_login] = user.id
    if problems:
        raise InvalidInput.many(problems)
    created = updated = unchanged = 0
    for s in shapes:
        rep_id = reps.get(s.rep_login) if s.rep_login else None
        area_class = str(s.properties.get("area_class", "urban"))
        grid = find_grid_by_code(session, code=s.code)
        if grid is None:
            create_grid(
                session, actor=actor, now=now, code=s.code, name=s.name, org_unit_id=org_unit_id, rep_id=rep_id,
                backup_id=reps.get(str(s.properties.get("backup", ""))) if s.properties.get("backup") else None,
                geometry=s.geometry, area_class=area_class if area_class in AREA_CLASSES else "urban",
                district=str(s.properties.get("district", "")), properties=s.properties,
            )
            created += 1
            continue
        if not can_see(actor, RecordScope(org_path=grid.org_path)):
            raise NotFound(T_("code: no grid %(code)r in your scope", code=s.code))
        new_geo = _geometry_columns(s.geometry)
        same_shape = grid.geometry is not None and shapely.equals_exact(shape(json.loads(grid.geometry)), s.geometry, tolerance=1e-9)
        same_rep = rep_id is None or rep_id == grid.rep_id
        if same_shape and same_rep and grid.name == s.name:
            unchanged += 1
            continue
        change_grid(session, actor=actor, now=now, grid=grid, name=s.name, geometry=None if same_shape else s.geometry, rep_id=rep_id or grid.rep_id, effective_from=effective, reason=reason, new_geo=new_geo)
        updated += 1
    session.flush()
    reassigned = reassign_all(session, now=now, reason=reason) if (created or updated) else 0
    return ImportSummary(created, updated, unchanged, reassigned)


def change_grid(
    session: Session,
    *,
    actor: Principal,
    now: datetime,
    grid: Grid,
    name: str | None = None,
    geometry: Any = None,
    rep_id: int | None = None,
    backup_id: int | None = None,
    effective_from: datetime | None = None,
    reason: str = "",
    new_geo: dict[str, Any] | None = None,
) -> Grid:
    """A new version of a grid; the previous one ends where this one begins."""
    require(actor, Action.GRIDS_MANAGE)
    effective = effective_from or now
    before = {"name": grid.name, "rep_id": grid.rep_id, "backup_id": grid.backup_id, "version": grid.version, "area_m2": grid.area_m2}
    session.execute(update(GridVersion).where(GridVersion.grid_id == grid.id, GridVersion.effective_to.is_(None)).values(effective_to=effective))
    if name is not None:
        grid.name = name
    if geometry is not None:
        for key, value in (new_geo or _geometry_columns(geometry)).items():
            setattr(grid, key, value)
    if rep_id is not None:
        grid.rep_id = rep_id
    if backup_id is not None:
        grid.backup_id = backup_id
    grid.version += 1
    forget_locators()
    grid.effective_from = effective
    grid.updated_at = now
    session.add(GridVersion(grid_id=grid.id, version=grid.version, name=grid.name, geometry=grid.geometry, rep_id=grid.rep_id, backup_id=grid.backup_id, effective_from=effective, reason=reason, created_at=now))
    after = {"name": grid.name, "rep_id": grid.rep_id, "backup_id": grid.backup_id, "version": grid.version, "area_m2": grid.area_m2}
    audit.record(session, actor=actor, at=now, action="grid.change", entity="grid", entity_id=grid.id, before=before, after=after, org_path=grid.org_path)
    return grid


def retire_grid(session: Session, *, actor: Principal, now: datetime, grid: Grid, effective_from: datetime | None = None, reason: str = "") -> Grid:
    """A grid a new design merges into its neighbours: its last version ends, it no longer
    holds any place (customers re-assigned afterwards go to the grids that now cover them),
    and its history and past orders stay."""
    require(actor, Action.GRIDS_MANAGE)
    if grid.retired_at is not None:
        raise InvalidInput.field("grid_id", T_("grid %(code)s is already retired", code=grid.code))
    effective = effective_from or now
    before = {"version": grid.version, "area_m2": grid.area_m2, "rep_id": grid.rep_id}
    session.execute(update(GridVersion).where(GridVersion.grid_id == grid.id, GridVersion.effective_to.is_(None)).values(effective_to=effective))
    for key in ("geometry", "min_lon", "min_lat", "max_lon", "max_lat", "area_m2"):
        setattr(grid, key, None)
    grid.retired_at = effective
    grid.updated_at = now
    forget_locators()
    audit.record(session, actor=actor, at=now, action="grid.retire", entity="grid", entity_id=grid.id, before=before, after={"retired_at": effective.isoformat(), "reason": reason[:200]}, org_path=grid.org_path)
    return grid


def versions(session: Session, *, actor: Principal, grid_id: int) -> list[GridVersion]:
    get_grid(session, actor=actor, grid_id=grid_id)
    return list(session.scalars(select(GridVersion).where(GridVersion.grid_id == grid_id).order_by(GridVersion.version.desc())))


# --- locating ---------------------------------------------------------------------------
# Each utility's grids tile the service area on their own (the electric 台区 and the water
# 网格 of one street differ), so every lookup is per utility.

UTILITIES = ("electric", "water", "gas")
# Another process's grid edit is seen within this many seconds; this process's at once.
STAMP_TTL_SECONDS = 2.0
_cache_lock = threading.Lock()
_locators: dict[tuple[str, str], tuple[tuple[Any, ...], tuple[GridLocator, dict[int, GridSummary]], float]] = {}


@dataclass(frozen=True)
class GridSummary:
    """What dispatch and locate need of a grid, cached with the locator (no row read)."""

    id: int
    code: str
    name: str
    utility: str
    rep_id: int | None
    backup_id: int | None
    area_class: str
    org_path: str


def forget_locators() -> None:
    from gridcare.auth.cache import principals

    with _cache_lock:
        _locators.clear()
    principals.clear()  # a rep's grids may have changed


def _stamp(session: Session, utility: str) -> tuple[Any, ...]:
    row = session.execute(
        select(func.count(Grid.id), func.max(Grid.updated_at), func.sum(Grid.version)).where(Grid.geometry.is_not(None), Grid.utility == utility)
    ).one()
    return tuple(row)


def locator(session: Session, *, utility: str) -> GridLocator:
    """The locator over one utility's grids in force, rebuilt only when a grid changed."""
    return _located(session, utility=utility)[0]


def _located(session: Session, *, utility: str) -> tuple[GridLocator, dict[int, GridSummary]]:
    key = (str(session.get_bind().url), utility)
    checked = time.monotonic()
    with _cache_lock:
        cached = _locators.get(key)
    if cached is not None and checked - cached[2] < STAMP_TTL_SECONDS:
        return cached[1]
    stamp = _stamp(session, utility)
    if cached is not None and cached[0] == stamp:
        with _cache_lock:
            _locators[key] = (stamp, cached[1], checked)
        return cached[1]
    rows = session.execute(
        select(Grid.id, Grid.geometry, Grid.code, Grid.name, Grid.utility, Grid.rep_id, Grid.backup_id, Grid.area_class, Grid.org_path).where(Grid.geometry.is_not(None), Grid.utility == utility)
    ).all()
    built = (
        GridLocator([(r.id, shape(json.loads(r.geometry))) for r in rows]),
        {r.id: GridSummary(r.id, r.code, r.name, r.utility, r.rep_id, r.backup_id, r.area_class, r.org_path) for r in rows},
    )
    with _cache_lock:
        _locators[key] = (stamp, built, checked)
    return built


def locate(session: Session, *, lon: float, lat: float, utility: str | None = None) -> dict[str, GridSummary]:
    """The grid holding the point, per utility (only ``utility`` when given)."""
    if not (-180 <= lon <= 180):
        raise InvalidInput.field("lon", T_("must be between %(low)s and %(high)s", low=-180, high=180))
    if not (-90 <= lat <= 90):
        raise InvalidInput.field("lat", T_("must be between %(low)s and %(high)s", low=-90, high=90))
    if utility is not None and utility not in UTILITIES:
        raise InvalidInput.field("utility", T_("must be one of %(choices)s", choices=", ".join(UTILITIES)))
    found: dict[str, GridSummary] = {}
    for u in (utility,) if utility else UTILITIES:
        found_locator, summaries = _located(session, utility=u)
        grid_id = found_locator.locate_one(lon, lat)
        if grid_id >= 0 and grid_id in summaries:
            found[u] = summaries[grid_id]
    return found


def summary(session: Session, *, grid_id: int, utility: str) -> GridSummary | None:
    return _located(session, utility=utility)[1].get(grid_id)


def names_of(session: Session, grids: Iterable[tuple[int, str]]) -> dict[int, tuple[str, str]]:
    """(code, name) of each (grid id, utility): from the locator's cache (a screen pop reads
    no grid row), the rows only for grids it does not hold (no geometry yet)."""
    found: dict[int, tuple[str, str]] = {}
    missing = []
    for grid_id, utility in set(grids):
        cached = summary(session, grid_id=grid_id, utility=utility) if utility in UTILITIES else None
        if cached is not None:
            found[grid_id] = (cached.code, cached.name)
        else:
            missing.append(grid_id)
    return found | grid_names(session, ids=missing) if missing else found


def locate_many(session: Session, lons: np.ndarray, lats: np.ndarray, *, utility: str) -> np.ndarray:
    return locator(session, utility=utility).locate(lons, lats)


# --- bulk assignment --------------------------------------------------------------------


def located_rows(session: Session, model: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """ids, lons, lats, current grid ids (-1 for none) and utilities of every located row of
    ``model`` (customers, assets: anything with lon, lat, grid_id and utility)."""
    rows = session.execute(select(model.id, model.lon, model.lat, model.grid_id, model.utility).where(model.lon.is_not(None), model.lat.is_not(None)).order_by(model.id)).all()
    ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    lons = np.fromiter((r[1] for r in rows), dtype=float, count=len(rows))
    lats = np.fromiter((r[2] for r in rows), dtype=float, count=len(rows))
    current = np.fromiter((-1 if r[3] is None else r[3] for r in rows), dtype=np.int64, count=len(rows))
    utilities = np.array([r[4] for r in rows], dtype=object)
    return ids, lons, lats, current, utilities


def reassign_all(session: Session, *, now: datetime, reason: str, progress: Progress | None = None, batch: int = 20_000) -> int:
    """Put every located customer and asset in its utility's grid that holds it; record each move."""
    from gridcare.customers import service as customers
    from gridcare.network import service as network

    moved = 0
    for label, fetch, apply in (
        ("customers", customers.locations, customers.apply_grid_assignment),
        ("assets", network.locations, network.apply_grid_assignment),
    ):
        ids, lons, lats, current, utilities = fetch(session)
        total = len(ids)
        if progress:
            progress(f"assign {label}", 0, total)
        new = np.full(total, -1, dtype=np.int64)
        done = 0
        for utility in np.unique(utilities):
            where = np.flatnonzero(utilities == utility)
            for start in range(0, len(where), batch):
                part = where[start : start + batch]
                new[part] = locate_many(session, lons[part], lats[part], utility=str(utility))
                done += len(part)
                if progress:
                    progress(f"assign {label}", done, total)
        changed = np.flatnonzero(new != current)
        if len(changed) == 0:
            continue
        moves = [(int(ids[i]), int(current[i]) if current[i] >= 0 else None, int(new[i]) if new[i] >= 0 else None) for i in changed]
        apply(session, moves=moves)
        session.execute(
            AssignmentChange.__table__.insert(),
            [{"at": now, "entity": label.rstrip("s"), "entity_id": e, "old_grid_id": o, "new_grid_id": n, "reason": reason} for e, o, n in moves],
        )
        moved += len(moves)
    return moved


# --- coverage ---------------------------------------------------------------------------


def service_area_of(session: Session, *, org_unit_id: int) -> Any:
    row = session.scalar(select(ServiceArea).where(ServiceArea.org_unit_id == org_unit_id))
    return shape(json.loads(row.geometry)) if row else None


def set_service_area(session: Session, *, actor: Principal, now: datetime, org_unit_id: int, name: str, geometry: Any) -> ServiceArea:
    require(actor, Action.GRIDS_MANAGE)
    row = session.scalar(select(ServiceArea).where(ServiceArea.org_unit_id == org_unit_id))
    text = json.dumps(mapping(geometry), separators=(",", ":"))
    if row is None:
        row = ServiceArea(org_unit_id=org_unit_id, name=name, geometry=text, updated_at=now)
        session.add(row)
    else:
        row.name, row.geometry, row.updated_at = name, text, now
    session.flush()
    audit.record(session, actor=actor, at=now, action="service_area.set", entity="service_area", entity_id=row.id, after={"name": name, "area_m2": round(area_m2(geometry), 1)})
    return row


def coverage(session: Session, *, actor: Principal, utility: str, overlap_tolerance_m2: float = 1.0, gap_tolerance_m2: float = 1.0) -> CoverageReport:
    """Overlaps between one utility's grids and gaps inside its service area."""
    from gridcare.auth.models import OrgUnit

    grids = [g for g in list_grids(session, actor=actor) if g.utility == utility]
    shapes = [(g.code, shape(json.loads(g.geometry))) for g in grids if g.geometry]
    areas = [
        shape(json.loads(a.geometry))
        for a in session.scalars(select(ServiceArea).join(OrgUnit, OrgUnit.id == ServiceArea.org_unit_id).where(OrgUnit.utility.in_((utility, "multi"))))
    ]
    boundary = shapely.union_all(areas) if areas else None
    return check_coverage(shapes, boundary=boundary, overlap_tolerance_m2=overlap_tolerance_m2, gap_tolerance_m2=gap_tolerance_m2)
