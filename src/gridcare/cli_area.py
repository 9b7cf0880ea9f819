"""CLI for the service area: import and export grids, customers and networks; coverage
check; bulk re-assignment. Registered on the main ``gridcare`` app by ``cli.py``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import select

from gridcare.cli import app, cli_locale, out, progress_bar, refuse, reported_errors, say, settings
from gridcare.core.i18n import T_


def _problem(where: str, code: str | None, field: str, reason: str) -> None:
    """One line of a file's problems: where (line or feature), the record's code, field, reason."""
    if code:
        where = T_("%(where)s (%(code)s)", where=where, code=code)
    say(T_("%(where)s, %(field)s: %(reason)s", where=where, field=field, reason=reason))


import_app = typer.Typer(help="Import grids, customers or network assets from files.", no_args_is_help=True)
export_app = typer.Typer(help="Export data to files.", no_args_is_help=True)
grids_app = typer.Typer(help="Grids: coverage check.", no_args_is_help=True)
app.add_typer(import_app, name="import")
app.add_typer(export_app, name="export")
app.add_typer(grids_app, name="grids")


def _db():  # noqa: ANN202
    from gridcare.db import Database

    return Database(settings().sqlalchemy_url)


def _unit_id(session, code: str) -> int:  # noqa: ANN001
    from gridcare.auth.models import OrgUnit

    unit_id = session.scalar(select(OrgUnit.id).where(OrgUnit.code == code))
    if unit_id is None:
        refuse(T_("--org: no organisation unit with code %(code)r", code=code))
    return unit_id


def _read(path: Path) -> bytes:
    if not path.is_file():
        refuse(T_("%(option)s: %(path)s does not exist", option="FILE", path=str(path)))
    return path.read_bytes()


@import_app.command("grids")
def import_grids(
    file: Annotated[Path, typer.Argument(help="GeoJSON, GeoPackage or Shapefile (.shp or zipped); each feature has code, name and optionally rep (a login).")],
    org: Annotated[str, typer.Option(help="Code of the organisation unit the grids belong to.")],
    gcj02: Annotated[bool, typer.Option("--gcj02", help="Coordinates are GCJ-02 (Chinese web maps), not WGS84.")] = False,
    repair: Annotated[bool, typer.Option(help="Repair invalid geometry instead of rejecting it.")] = False,
    effective_from: Annotated[str | None, typer.Option(help="When the new versions take effect (ISO date or date-time, Asia/Shanghai; default now).")] = None,
) -> None:
    """Create or update grids; changed grids get a new version and records are re-assigned."""
    from gridcare.core.clock import system_clock
    from gridcare.core.principal import system_principal
    from gridcare.grids import service
    from gridcare.grids.files import read_grid_path
    from gridcare.grids.geometry import GeometryImportError, parse_grid_features

    _read(file)
    with reported_errors():
        document = read_grid_path(file)
    try:
        shapes = parse_grid_features(document, crs="GCJ02" if gcj02 else "WGS84", repair=repair)
    except GeometryImportError as exc:
        for p in exc.problems:
            _problem(T_("feature %(n)s", n=p.feature_index), p.code, p.field, p.reason)
        refuse(T_("%(n)s problems; nothing imported", n=len(exc.problems)))
    effective = None
    if effective_from:
        from datetime import datetime

        from gridcare.core.clock import SHANGHAI

        try:
            effective = datetime.fromisoformat(effective_from)
        except ValueError:
            refuse(T_("--effective-from: %(text)r is not an ISO date or date-time", text=effective_from))
        effective = effective if effective.tzinfo else effective.replace(tzinfo=SHANGHAI)
    with reported_errors(), _db().write() as session:
        summary = service.import_grids(session, actor=system_principal("cli"), now=system_clock.now(), shapes=shapes, org_unit_id=_unit_id(session, org), effective_from=effective)
    say(T_("grids: %(created)s created, %(updated)s updated, %(unchanged)s unchanged; %(moved)s records re-assigned", created=summary.created, updated=summary.updated, unchanged=summary.unchanged, moved=summary.reassigned))


@import_app.command("customers")
def import_customers(
    file: Annotated[Path, typer.Argument(help="CSV (UTF-8 or GBK) or XLSX: account, name, phones, address, lon, lat, utility, supply_point, tags, meters, notes.")],
    org: Annotated[str, typer.Option(help="Code of the organisation unit (company) the customers belong to.")],
    skip_bad_rows: Annotated[bool, typer.Option(help="Import the good rows even when some rows are bad.")] = False,
    gcj02: Annotated[bool, typer.Option("--gcj02", help="Coordinates are GCJ-02.")] = False,
    encoding: Annotated[str | None, typer.Option(help="Force the text encoding (default: UTF-8, else GBK).")] = None,
) -> None:
    """Import customers, updating existing ones by account number; bad rows are listed with line, field and reason."""
    from gridcare.auth.models import OrgUnit
    from gridcare.core.clock import system_clock
    from gridcare.core.principal import system_principal
    from gridcare.customers import service
    from gridcare.customers.importing import parse_customers, problems_to_text

    parsed = parse_customers(_read(file), filename=file.name, encoding=encoding, crs="GCJ02" if gcj02 else "WGS84")
    if parsed.problems:
        out.print(problems_to_text(parsed.problems, cli_locale()), markup=False)
        if not skip_bad_rows:
            refuse(T_("%(n)s problems in %(file)s; nothing imported (fix them, or pass --skip-bad-rows)", n=len(parsed.problems), file=file.name))
    with reported_errors(), _db().write() as session, progress_bar() as report:
        path = session.scalar(select(OrgUnit.path).where(OrgUnit.id == _unit_id(session, org)))
        result = service.import_customers(session, actor=system_principal("cli"), now=system_clock.now(), parsed=parsed, org_path=path, skip_bad_rows=skip_bad_rows, progress=report)
    say(T_("customers: %(created)s created, %(updated)s updated, %(skipped)s bad rows skipped", created=result.created, updated=result.updated, skipped=result.skipped_rows))


@import_app.command("assets")
def import_assets(
    file: Annotated[Path, typer.Argument(help="Electric assets as CSV or GeoJSON points (code, kind, parent, name, lon, lat), or a water network GeoJSON (nodes, pipes, DMAs).")],
    utility: Annotated[str, typer.Option(help="electric or water.")] = "electric",
) -> None:
    """Replace a utility's network with the one in FILE (validated first; nothing changes on error)."""
    from gridcare.core.clock import system_clock
    from gridcare.core.principal import system_principal
    from gridcare.grids import service as grids
    from gridcare.network import importing, service

    data = _read(file)
    if utility == "electric":
        records, problems = importing.parse_electric_assets(data, filename=file.name)
    elif utility == "water":
        water = importing.read_water_network(data)
        nodes, pipes, dmas, problems = water.nodes, water.pipes, water.dmas, water.problems
    else:
        refuse(T_("--utility: must be electric or water"))
    if problems:
        for p in problems:
            _problem(T_("line %(n)s", n=p.line_or_feature) if file.suffix.lower() == ".csv" else T_("feature %(n)s", n=p.line_or_feature), p.code, p.field, p.reason)
        refuse(T_("%(n)s problems; nothing imported", n=len(problems)))
    now = system_clock.now()
    with reported_errors(), _db().write() as session, progress_bar() as report:
        actor = system_principal("cli")
        if utility == "electric":
            result = service.import_electric(session, actor=actor, now=now, records=records)
        else:
            result = service.import_water(session, actor=actor, now=now, nodes=nodes, pipes=pipes, dmas=dmas, pipe_geometries=water.pipe_geometries)
        moved = grids.reassign_all(session, now=now, reason=f"{utility} network import", progress=report)
    network = T_("electric network") if utility == "electric" else T_("water network")
    say(T_("%(network)s: %(assets)s assets, %(pipes)s pipes, %(dmas)s DMAs; %(moved)s records re-assigned", network=network, assets=result.assets, pipes=result.pipes, dmas=result.dmas, moved=moved))


@export_app.command("grids")
def export_grids(
    file: Annotated[Path, typer.Argument(help="Where to write the GeoJSON FeatureCollection.")],
    utility: Annotated[str | None, typer.Option(help="Only this utility's grids.")] = None,
) -> None:
    """Write the grids in force as RFC 7946 GeoJSON (WGS84) with code, name, rep and measures."""
    from gridcare.core.principal import system_principal
    from gridcare.grids import queries

    with _db().read() as session:
        document = queries.grids_geojson(session, actor=system_principal("cli"), utility=utility)
    file.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    say(T_("wrote %(n)s grids to %(file)s", n=len(document["features"]), file=str(file)))


@grids_app.command("check")
def grids_check(
    utility: Annotated[str, typer.Option(help="electric or water: each utility's grids must tile the service area.")] = "electric",
    overlap_tolerance: Annotated[float, typer.Option(help="Ignore overlaps smaller than this many m².")] = 1.0,
    gap_tolerance: Annotated[float, typer.Option(help="Ignore gaps smaller than this many m².")] = 1.0,
    geojson: Annotated[Path | None, typer.Option(help="Also write the findings as GeoJSON here.")] = None,
) -> None:
    """Report overlaps between grids and gaps in the service area, with areas and locations; exit 1 if any."""
    from gridcare.core.principal import system_principal
    from gridcare.grids import service

    with _db().read() as session:
        report = service.coverage(session, actor=system_principal("cli"), utility=utility, overlap_tolerance_m2=overlap_tolerance, gap_tolerance_m2=gap_tolerance)
    if geojson is not None:
        geojson.write_text(json.dumps(report.to_geojson(), ensure_ascii=False), encoding="utf-8")
    for line in report.lines():
        say(line)
    if not report.ok:
        raise typer.Exit(1)


@app.command()
def assign() -> None:
    """Re-assign every customer and asset to the grid that holds it (vectorised; records each move)."""
    from gridcare.core.clock import system_clock
    from gridcare.grids import service

    with _db().write() as session, progress_bar() as report:
        moved = service.reassign_all(session, now=system_clock.now(), reason="gridcare assign", progress=report)
    say(T_("%(n)s records moved to a different grid", n=moved))


open311_app = typer.Typer(help="Open311 GeoReport v2 endpoint (/open311/v2/).", no_args_is_help=True)
open311_keys = typer.Typer(help="API keys for posting service requests.", no_args_is_help=True)
open311_app.add_typer(open311_keys, name="keys")
app.add_typer(open311_app, name="open311")


@open311_keys.command("create")
def open311_key_create(name: Annotated[str, typer.Argument(help="Who the key is for, e.g. 'wechat-miniprogram'.")]) -> None:
    """Create an API key for NAME and print it (shown once; only its hash is kept)."""
    from gridcare.core.clock import system_clock
    from gridcare.open311 import service

    with reported_errors(), _db().write() as session:
        key = service.create_key(session, now=system_clock.now(), name=name)
    print(key)
