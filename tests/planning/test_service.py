"""Units from a lattice with their measures, proposals by k or capacity, barriers, and
adoption: every customer keeps exactly one grid, the reps concerned are told."""

from __future__ import annotations

from datetime import timedelta

import pytest
from shapely.geometry import LineString
from sqlalchemy import func, select

from gridcare.core.errors import InvalidInput
from gridcare.core.principal import system_principal
from gridcare.customers.models import Customer
from gridcare.grids.models import Grid, GridVersion
from gridcare.notify.models import Notification
from gridcare.planning import adoption, proposals, service
from gridcare.planning.files import BarrierRow
from gridcare.planning.models import PlanningUnit

ACTOR = system_principal("test")


def test_it_measures_lattice_units_from_customers_and_grids(lattice, database, world):
    with database.read() as session:
        units = list(session.scalars(select(PlanningUnit).where(PlanningUnit.utility == "electric")))
    assert len(units) == lattice and 40 <= lattice <= 120
    assert sum(u.customers for u in units) == 3  # the three electric customers, each once
    assert sum(u.meters for u in units) == 3
    assert {u.current_grid_id for u in units} == {world.grids["west"], world.grids["east"]}
    assert sum(u.line_km for u in units) > 0  # the spans from each asset to its parent


def test_it_designs_k_grids_that_keep_customers_with_their_grid(lattice, database, clock, world):
    with database.write() as session:
        p = proposals.design_proposal(session, actor=ACTOR, now=clock.now(), utility="electric", k=2, name="两格")
        grids = p.grids
        scores, today = p.scores, p.current_scores
    assert len(grids) == 2 and scores["contiguous"] is True
    assert sum(len(g["units"]) for g in grids) == lattice
    assert {g["grid_id"] for g in grids} == {world.grids["west"], world.grids["east"]}
    assert scores["max_over_mean"] <= 1.1 and today["grids"] == 2


def test_it_finds_the_smallest_k_for_a_capacity(lattice, database, clock):
    with database.write() as session:
        layer = proposals.load_layer(session, actor=ACTOR, utility="electric", weights=proposals.weights_from(None), use_forecast=False)
        total = float(layer.workload.sum())
        p = proposals.design_proposal(session, actor=ACTOR, now=clock.now(), utility="electric", capacity_hours=total / 3.5)
        k = p.k
    assert k == 4  # 3.5 reps of work, plus room for imbalance, needs 4


def test_it_refuses_k_and_capacity_together_naming_the_field(lattice, database, clock):
    with database.write() as session, pytest.raises(InvalidInput) as err:
        proposals.design_proposal(session, actor=ACTOR, now=clock.now(), utility="electric", k=2, capacity_hours=100)
    assert err.value.problems[0].field == "k"
    with database.write() as session, pytest.raises(InvalidInput) as err:
        proposals.design_proposal(session, actor=ACTOR, now=clock.now(), utility="electric", k=500)  # a lattice of about 60 units
    assert err.value.problems[0].field == "k" and "one per unit" in str(err.value)


def test_it_keeps_grids_on_their_side_of_a_river(lattice, database, clock):
    river = LineString([(112.95, 28.09), (112.95, 28.16)])  # the boundary between west and east
    with database.write() as session:
        [barrier] = service.add_barriers(session, actor=ACTOR, now=clock.now(), utility="electric", rows=[BarrierRow("湘江", "river", river)])
        p = proposals.design_proposal(session, actor=ACTOR, now=clock.now(), utility="electric", k=4, barrier_ids=[barrier.id])
        lons = {u.code: u.lon for u in session.scalars(select(PlanningUnit))}
    for g in p.grids:
        sides = {lons[c] < 112.95 for c in g["units"]}
        assert len(sides) == 1, f"{g['code']} straddles the river"


def test_adoption_moves_no_customer_out_of_every_grid_or_into_two(lattice, database, clock, world):
    with database.write() as session:
        p = proposals.design_proposal(session, actor=ACTOR, now=clock.now(), utility="electric", k=3)
        adopted = adoption.adopt(session, actor=ACTOR, now=clock.now(), proposal_id=p.id, rehome="follow")
        summary = dict(adopted.adoption)
    with database.read() as session:
        electric = list(session.scalars(select(Customer).where(Customer.utility == "electric")))
        grids = {g.id: g for g in session.scalars(select(Grid).where(Grid.utility == "electric"))}
        versions = session.scalar(select(func.count(GridVersion.id)).where(GridVersion.reason == f"planning proposal {p.id}"))
        told = list(session.scalars(select(Notification).where(Notification.event == "planning.adopted")))
    assert len(electric) == 3 and all(c.grid_id in grids for c in electric)
    assert len(grids) == 3 and versions == 2  # two grids changed shape, one was created
    assert summary["rehome"] == "follow" and summary["reassigned"] >= 0
    assert told and {n.recipient_id for n in told} == {world.user_id("rep")}  # E-EAST has no rep
    assert all("西网格" in n.body and "planning" not in n.body for n in told)


def test_fewer_grids_than_today_retire_the_rest_and_lose_no_customer(lattice, database, clock, world):
    from gridcare.grids import service as grid_service

    with database.write() as session:
        p = proposals.design_proposal(session, actor=ACTOR, now=clock.now(), utility="electric", k=1)
        adopted = adoption.adopt(session, actor=ACTOR, now=clock.now(), proposal_id=p.id)
        retired = list(adopted.adoption["grids_retired"])
    assert len(retired) == 1  # two grids today (west, east), one in the proposal
    with database.read() as session:
        electric = list(session.scalars(select(Customer).where(Customer.utility == "electric")))
        gone = session.scalars(select(Grid).where(Grid.code == retired[0])).one()
        listed = {g.code for g in grid_service.list_grids(session, actor=ACTOR) if g.utility == "electric"}
        open_versions = session.scalar(select(func.count(GridVersion.id)).where(GridVersion.grid_id == gone.id, GridVersion.effective_to.is_(None)))
        located = grid_service.locate(session, lon=112.97, lat=28.12, utility="electric")["electric"]
    assert len(electric) == 3 and {c.grid_id for c in electric} == {located.id} and gone.id != located.id
    assert gone.retired_at is not None and gone.geometry is None and open_versions == 0
    assert retired[0] not in listed
    with database.write() as session, pytest.raises(InvalidInput) as err:
        grid_service.retire_grid(session, actor=ACTOR, now=clock.now(), grid=session.get(Grid, gone.id))
    assert err.value.problems[0].field == "grid_id"


def test_a_dated_adoption_waits_for_its_day(lattice, database, clock):
    later = clock.now() + timedelta(days=7)
    with database.write() as session:
        p = proposals.design_proposal(session, actor=ACTOR, now=clock.now(), utility="electric", k=2, minimum_disruption=True)
        adoption.adopt(session, actor=ACTOR, now=clock.now(), proposal_id=p.id, effective_from=later, rehome="keep")
        assert adoption.apply_due(session, actor=ACTOR, now=clock.now()) == 0
        assert adoption.apply_due(session, actor=ACTOR, now=later) == 1
        status = proposals.get_proposal(session, actor=ACTOR, proposal_id=p.id).status
    assert status == "adopted"


def test_geojson_export_carries_code_and_name(lattice, database, clock):
    with database.write() as session:
        p = proposals.design_proposal(session, actor=ACTOR, now=clock.now(), utility="electric", k=2)
        exported = proposals.proposal_geojson(p)
    assert exported["type"] == "FeatureCollection" and len(exported["features"]) == 2
    assert all(f["properties"]["code"] and f["properties"]["name"] for f in exported["features"])
