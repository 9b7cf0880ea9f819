"""CLI commands of the planning domain, registered on the main ``gridcare`` app:
``gridcare plan-grids`` designs grids from basic units and prints the comparison."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from gridcare.cli import app, out, progress_bar, refuse, reported_errors, say, settings
from gridcare.core.i18n import T_, Label


def _when(text: str | None) -> datetime | None:
    if not text:
        return None
    from gridcare.core.clock import SHANGHAI

    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        refuse(T_("--effective-from: %(text)r is not a date (YYYY-MM-DD or an ISO time)", text=text))
        raise
    return value if value.tzinfo else value.replace(tzinfo=SHANGHAI)


def print_comparison(rows: list[dict[str, Any]]) -> None:
    header = f"{'':<24} {'grids':>5} {'max/mean':>8} {'min/mean':>8} {'gini':>6} {'contig':>6} {'compact':>7} {'radius km':>9} {'moved':>7}"
    out.print(header, markup=False, highlight=False)
    for r in rows:
        label = "today" if r["label"] == "current" else f"#{r['id']} {r['label']}"
        out.print(
            f"{label[:24]:<24} {r['grids']:>5} {r['max_over_mean']:>8.3f} {r['min_over_mean']:>8.3f} {r['gini']:>6.3f} {'yes' if r['contiguous'] else 'NO':>6} "
            f"{r['compactness']:>7.3f} {r['radius_km']:>9.2f} {r['customers_moved']:>7}",
            markup=False, highlight=False,
        )


@app.command("plan-grids")
def plan_grids(
    utility: Annotated[str, typer.Option(help="electric, water or gas.")] = "electric",
    k: Annotated[int | None, typer.Option("--k", help="Number of grids to design.")] = None,
    capacity_hours: Annotated[float | None, typer.Option(help="Rep-hours per month one rep carries; the fewest grids that fit are designed.")] = None,
    units: Annotated[Path | None, typer.Option(help="GeoJSON of basic units to import first (replaces the utility's units).")] = None,
    lattice: Annotated[str | None, typer.Option(help="Generate a hex or square lattice of units over the service area first.")] = None,
    cell_m: Annotated[float, typer.Option(help="Lattice cell size in metres.")] = 500.0,
    barriers: Annotated[Path | None, typer.Option(help="GeoJSON of barrier lines or polygons (rivers, roads, DMAs, feeder areas) the grids must not straddle.")] = None,
    minimum_disruption: Annotated[bool, typer.Option(help="Keep as many customers as possible with their grid of today.")] = False,
    forecast: Annotated[bool, typer.Option(help="Weigh orders by next year's forecast instead of the history.")] = False,
    name: Annotated[str, typer.Option(help="Name of the proposal.")] = "",
    compare: Annotated[str, typer.Option(help="Ids of earlier proposals to compare with, comma-separated.")] = "",
    geojson: Annotated[Path | None, typer.Option(help="Write the proposed grids to this GeoJSON file.")] = None,
    adopt: Annotated[bool, typer.Option(help="Adopt the proposal: new grid versions, customers re-assigned, reps told.")] = False,
    effective_from: Annotated[str | None, typer.Option(help="With --adopt: the date the new grids take effect (default now).")] = None,
    rehome: Annotated[str, typer.Option(help="With --adopt: open orders 'follow' their new grid's rep or 'keep' theirs.")] = "follow",
    seed: Annotated[int, typer.Option(help="Seed of the design's k-means start.")] = 0,
) -> None:
    """Design grids from basic units: contiguous, compact, balanced in rep workload."""
    import gridcare.models  # noqa: F401 - every table, so that mappers resolve their foreign keys
    from gridcare.core.clock import system_clock
    from gridcare.core.principal import system_principal
    from gridcare.db import Database
    from gridcare.planning import adoption, proposals, service
    from gridcare.planning.files import parse_barriers, parse_units

    actor = system_principal("cli")
    db = Database(settings().sqlalchemy_url)
    when = _when(effective_from)
    others: list[int] = []
    for part in compare.split(","):
        if part.strip():
            if not part.strip().isdigit():
                refuse(T_("--compare: %(text)r is not a proposal id", text=part.strip()))
            others.append(int(part))
    for path, option in ((units, "--units"), (barriers, "--barriers"), (geojson and geojson.parent, "--geojson")):
        if path is not None and not Path(path).exists():
            refuse(T_("%(option)s: %(path)s does not exist", option=option, path=str(path)))
    with reported_errors(), progress_bar() as report, db.write() as session:
        now = system_clock.now()
        if units is not None:
            service.import_units(session, actor=actor, now=now, utility=utility, rows=parse_units(units.read_bytes()), progress=report)
        elif lattice is not None:
            service.generate_units(session, actor=actor, now=now, utility=utility, cell_m=cell_m, lattice=lattice, progress=report)
        barrier_ids: list[int] = []
        if barriers is not None:
            barrier_ids = [b.id for b in service.add_barriers(session, actor=actor, now=now, utility=utility, rows=parse_barriers(barriers.read_bytes()))]
        proposal = proposals.design_proposal(
            session, actor=actor, now=now, utility=utility, name=name, k=k, capacity_hours=capacity_hours, minimum_disruption=minimum_disruption,
            use_forecast=forecast, barrier_ids=barrier_ids, seed=seed, progress=report,
        )
        rows = proposals.comparison([proposal, *[proposals.get_proposal(session, actor=actor, proposal_id=i) for i in others]])
        if geojson is not None:
            geojson.write_text(json.dumps(proposals.proposal_geojson(proposal), ensure_ascii=False), encoding="utf-8")
        if adopt:
            adoption.adopt(session, actor=actor, now=now, proposal_id=proposal.id, effective_from=when, rehome=rehome)
        proposal_id, status, seconds, fc, done = proposal.id, proposal.status, proposal.seconds, dict(proposal.forecast), dict(proposal.adoption)
    say(T_("proposal %(id)s (%(status)s): designed in %(seconds)s s", id=proposal_id, status=Label("proposal", status), seconds=f"{seconds:.2f}"))
    print_comparison(rows)
    if fc:
        say(T_("forecast: %(orders)s orders next year (%(growth)s); hold-out %(months)s months, WAPE %(wape)s", orders=f"{fc['next_year_orders']:.0f}", growth=f"{fc['growth']:+.1%}", months=fc["holdout_months"], wape=f"{fc['holdout_wape']:.1%}"))
    if done.get("reassigned") is not None:
        say(T_("adopted: %(moved)s customers moved, %(rehomed)s open orders re-homed, %(told)s reps told", moved=done["customers_moved"], rehomed=done["orders_rehomed"], told=done["reps_told"]))
