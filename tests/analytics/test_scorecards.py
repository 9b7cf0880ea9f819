"""Scorecards: measures from orders, imported aggregates and ratings; configurable weights;
rankings; and monthly snapshots that later data never changes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from gridcare.analytics import rollup, scorecards
from gridcare.analytics.models import ScorecardSnapshot
from gridcare.audit.models import AuditEntry
from gridcare.core.errors import Forbidden, InvalidInput
from gridcare.core.principal import system_principal
from tests.analytics.conftest import load_history, local, past

ADMIN = system_principal("test")
AGGREGATES = """month,grid,supplied_m3,billed_m3,meters_due,meters_read,billed_amount,collected_amount
2026-10,W-ALL,1000,800,100,95,10000,9000
2026-10,E-WEST,,,200,200,20000,20000
2026-10,E-EAST,,,300,240,30000,15000
"""


@pytest.fixture
def october(database, clock, world):
    load_history(database, clock, [
        past("o1", created=local(2026, 10, 3, 10), satisfaction=5),
        past("o2", created=local(2026, 10, 4, 10), account="E002", grid="E-EAST", satisfaction=1, escalations=1, category="complaint"),
        past("o3", created=local(2026, 10, 6, 10), account="W001", grid="W-ALL", utility="water", satisfaction=4),
    ])  # fmt: skip
    with database.write() as session:
        rollup.rebuild_all(session, now=clock.now())
        scorecards.import_aggregates(session, actor=ADMIN, now=clock.now(), data=AGGREGATES.encode(), filename="a.csv")
    return world


def cards(db, kind="grid"):
    with db.read() as session:
        return {c.subject["code"]: c for c in scorecards.compute(session, actor=ADMIN, month="2026-10", kind=kind)}


def test_it_scores_and_ranks_grids_from_orders_aggregates_and_ratings(database, clock, october):
    found = cards(database)
    west, east, water = found["E-WEST"], found["E-EAST"], found["W-ALL"]
    assert west.values["sla_compliance"] == 1.0 and west.values["read_rate"] == 1.0 and west.values["nrw"] is None
    assert water.values["nrw"] == pytest.approx(0.2) and water.scores["nrw"] == pytest.approx(60)
    assert east.values["collection_rate"] == 0.5 and east.values["complaints_per_10k"] == pytest.approx(10_000 / 2)
    assert west.rank == 1 and east.rank == 2 and water.rank == 1  # ranked within their utility
    with database.write() as session:
        scorecards.set_rating(session, actor=ADMIN, now=clock.now(), month="2026-10", subject_kind="grid", subject_id=october.grids["east"], rater="key_customers", score=100)
    assert cards(database)["E-EAST"].values["rating_key_customers"] == 100
    reps = cards(database, "rep")
    assert set(reps) == {"rep", "w_rep"}


def test_it_applies_saved_weights(database, clock, october):
    only_collection = {k: 0 for k in scorecards.weights_defaults()} | {"collection_rate": 10}
    with database.write() as session:
        scorecards.save_weights(session, actor=ADMIN, now=clock.now(), values=only_collection)
    found = cards(database)
    assert found["E-EAST"].total == 50 and found["E-WEST"].total == 100 and found["W-ALL"].total == 90
    with pytest.raises(InvalidInput), database.write() as session:
        scorecards.save_weights(session, actor=ADMIN, now=clock.now(), values={"collection_rate": "x"})


def test_it_keeps_a_snapshot_as_it_was_when_later_data_arrives(database, clock, october):
    clock.set(local(2026, 11, 2, 9))
    with database.write() as session:
        assert scorecards.snapshot(session, actor=ADMIN, now=clock.now(), month="2026-10") == 5  # three grids, two reps
    with database.read() as session:
        before = {(s.subject_kind, s.subject_code): (s.rank, s.total, s.measures) for s in session.scalars(select(ScorecardSnapshot))}
    # Later: a corrected import, a rating and a late order of October all arrive.
    load_history(database, clock, [past("late", created=local(2026, 10, 30, 10), account="E001", satisfaction=1, escalations=2)])
    with database.write() as session:
        rollup.refresh(session, now=clock.now())
        scorecards.import_aggregates(session, actor=ADMIN, now=clock.now(), data=AGGREGATES.replace("200,200,20000,20000", "200,100,20000,1000").encode(), filename="b.csv")
        scorecards.set_rating(session, actor=ADMIN, now=clock.now(), month="2026-10", subject_kind="grid", subject_id=october.grids["west"], rater="departments", score=5)
        assert scorecards.snapshot(session, actor=ADMIN, now=clock.now() + timedelta(days=1), month="2026-10") == 0
    with database.read() as session:
        after = {(s.subject_kind, s.subject_code): (s.rank, s.total, s.measures) for s in session.scalars(select(ScorecardSnapshot))}
        audited = session.scalars(select(AuditEntry.action).where(AuditEntry.action == "analytics.snapshot")).all()
    assert after == before and len(audited) == 1
    assert cards(database)["E-WEST"].total < before[("grid", "E-WEST")][1]  # the live card moved; the snapshot did not


def test_it_refuses_to_close_a_month_that_is_not_over_and_viewers_changing_data(database, clock, october):
    with pytest.raises(InvalidInput) as info, database.write() as session:
        scorecards.snapshot(session, actor=ADMIN, now=clock.now(), month="2026-11")
    assert info.value.problems[0].field == "month"
    with pytest.raises(Forbidden), database.write() as session:
        scorecards.set_rating(session, actor=october.principal("viewer"), now=clock.now(), month="2026-10", subject_kind="grid", subject_id=1, rater="departments", score=5)
    with pytest.raises(InvalidInput) as info, database.write() as session:
        scorecards.set_rating(session, actor=ADMIN, now=clock.now(), month="2026-10", subject_kind="grid", subject_id=999, rater="departments", score=5)
    assert info.value.problems[0].field == "subject_id"
