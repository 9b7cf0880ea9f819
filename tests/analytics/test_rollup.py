"""The rollup agrees with the raw orders: after a full build, after incremental refreshes
following real changes (reopen, merge, late callbacks), per day, category and grid."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from sqlalchemy import select

from gridcare.analytics import histogram, kpis, periods, queries, rollup
from gridcare.analytics.models import DailyDurations
from gridcare.core.clock import SHANGHAI
from gridcare.core.principal import system_principal
from tests.analytics.conftest import create, do, load_history, local, past

ADMIN = system_principal("test")
YEAR = periods.Period("range", local(2026, 1, 1).date(), local(2027, 1, 1).date())


def raw_totals(db, scope=queries.Scope()) -> dict[tuple[str, str], kpis.Totals]:
    start, end = YEAR.utc_bounds()
    with db.read() as session:
        everything = queries.order_rows(session, actor=ADMIN, scope=queries.Scope(), start=start, end=end)
        rows = queries.order_rows(session, actor=ADMIN, scope=scope, start=start, end=end)
    repeats = kpis.repeat_ids(everything)
    out: dict[tuple[str, str], kpis.Totals] = {}
    for r in rows:
        key = (r.created_at.astimezone(SHANGHAI).date().isoformat(), r.category)
        out.setdefault(key, kpis.Totals()).add(kpis.order_totals(r, repeat=r.id in repeats))
    return out


def rolled_totals(db, scope=queries.Scope()) -> dict[tuple[str, str], kpis.Totals]:
    with db.read() as session:
        out: dict[tuple[str, str], kpis.Totals] = {}
        for day in YEAR.days:
            p = periods.containing("day", local(*map(int, day.split("-"))).date())
            for cat, t in queries.totals_by(session, actor=ADMIN, scope=scope, period=p, by="category").items():
                out[(day, cat)] = t
        return out


def assert_same(raw: dict, rolled: dict) -> None:
    assert raw.keys() == rolled.keys()
    for key, t in raw.items():
        r = rolled[key]
        for field in kpis.TOTAL_FIELDS:
            assert getattr(r, field) == pytest.approx(getattr(t, field), abs=0.01), (key, field)


def history_orders(n: int, seed: int) -> list:
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        # Some on the same customer within 30 days (repeats), some late at night (the local
        # day differs from the UTC day), some escalated.
        created = local(2026, 10, 1 + rnd.randrange(20), rnd.choice([0, 7, 9, 23]), rnd.randrange(60))
        account, grid = rnd.choice([("E001", "E-WEST"), ("E002", "E-EAST"), ("E003", "E-EAST")])
        out.append(past(f"h{i}", account=account, grid=grid, category=rnd.choice(["repair", "complaint", "consultation"]), channel=rnd.choice(["hotline", "web"]),
                        created=created, accept_min=rnd.randrange(1, 30), resolve_min=rnd.randrange(30, 3000), satisfaction=rnd.choice([None, 1, 4, 5]), escalations=rnd.choice([0, 0, 1])))  # fmt: skip
    return out


def test_it_agrees_with_the_raw_orders_after_a_full_build_and_after_each_change(database, clock, world):
    load_history(database, clock, history_orders(60, seed=3))
    with database.write() as session:
        rollup.rebuild_all(session, now=clock.now())
    assert_same(raw_totals(database), rolled_totals(database))

    rep, agent, sup = world.principal("rep"), world.principal("agent"), world.principal("supervisor")
    reopened = create(database, clock, agent, account="E001")
    parent = create(database, clock, agent, account="E002")
    child = create(database, clock, agent, account="E003")
    answered = create(database, clock, agent, account="E001", category="consultation", answer="电价按阶梯计算")
    clock.advance(timedelta(minutes=3))
    do(database, clock, rep, reopened, "accept")
    do(database, clock, rep, reopened, "arrive", lon=112.92, lat=28.12)
    do(database, clock, rep, reopened, "resolve", resolution="fixed")
    do(database, clock, agent, reopened, "callback", satisfaction=1)
    do(database, clock, sup, child, "merge_into", parent_id=parent)
    with database.write() as session:
        assert rollup.refresh(session, now=clock.now()) >= 1
    assert_same(raw_totals(database), rolled_totals(database))

    # A day later the reopened order is resolved again: only its creation day changes.
    clock.advance(timedelta(days=1))
    do(database, clock, rep, reopened, "accept")
    do(database, clock, rep, reopened, "arrive", lon=112.92, lat=28.12)
    do(database, clock, rep, reopened, "resolve", resolution="fixed again")
    with database.write() as session:
        assert rollup.refresh(session, now=clock.now(), rescan=0) == 1
        assert rollup.refresh(session, now=clock.now()) == 0
    assert_same(raw_totals(database), rolled_totals(database))
    west = queries.Scope(grid_id=world.grids["west"])
    assert_same(raw_totals(database, west), rolled_totals(database, west))
    with database.read() as session:
        today = periods.containing("day", local(2026, 11, 24).date())
        t = queries.totals(session, actor=ADMIN, scope=queries.Scope(), period=today)
    # The answered order is resolved as it is taken but counts in no handling figure.
    assert (t.orders, t.reopened, t.merged, t.accepted, t.resolved, t.answered) == (4, 1, 1, 1, 1, 1)
    assert kpis.figures(t)["answered_rate"] == 0.25
    with database.read() as session:
        stats = queries.duration_stats(session, actor=ADMIN, scope=queries.Scope(), period=today)
        answered_steps = session.scalars(select(DailyDurations.step).where(DailyDurations.day == "2026-11-24", DailyDurations.category == "consultation")).all()
    assert "consultation" not in stats["accept"] and stats["accept"]["repair"]["n"] == 1 and answered_steps == []
    with database.read() as session:
        found, total = queries.drill(session, actor=ADMIN, scope=queries.Scope(), start=today.utc_bounds()[0], end=today.utc_bounds()[1], flag="answered", period=today)
    assert [o.id for o in found] == [answered] and total == 1
    # The monthly rollup (months, years, trends) sums to the same as the raw orders.
    raw = raw_totals(database)
    with database.read() as session:
        for month in ("2026-10", "2026-11"):
            p = periods.month(month)
            assert queries._table(p).__tablename__ == "analytics_monthly_orders"
            rolled = queries.totals(session, actor=ADMIN, scope=queries.Scope(), period=p)
            expected = kpis.Totals()
            for (day, _cat), tot in raw.items():
                if day.startswith(month):
                    expected.add(tot)
            assert rolled.as_dict() == pytest.approx(expected.as_dict(), abs=0.01), month
            # A drill-down's total read from the rollup equals the raw count, for every flag.
            start, end = p.utc_bounds()
            for flag in ("", *(f for f in queries.FLAGS if f != "overdue")):
                _, from_rollup = queries.drill(session, actor=ADMIN, scope=queries.Scope(), start=start, end=end, flag=flag or None, period=p)
                _, raw_count = queries.drill(session, actor=ADMIN, scope=queries.Scope(), start=start, end=end, flag=flag or None)
                assert from_rollup == raw_count, (month, flag)


def test_it_gives_the_same_durations_in_sql_as_in_python(database, clock, world):
    load_history(database, clock, history_orders(40, seed=5))
    month = periods.parse("month", "2026-10")
    with database.read() as session:
        found = queries.duration_stats(session, actor=ADMIN, scope=queries.Scope(), period=month)
        start, end = month.utc_bounds()
        rows = queries.order_rows(session, actor=ADMIN, scope=queries.Scope(), start=start, end=end)
    expected = {step: {cat: kpis.summary(v) for cat, v in by_cat.items()} for step, by_cat in kpis.durations(rows).items()}
    assert found.keys() == expected.keys() and sum(s["n"] for s in found["resolve"].values()) == 40
    for step, by_cat in expected.items():
        assert found[step].keys() == by_cat.keys()
        for cat, s in by_cat.items():
            assert found[step][cat] == pytest.approx(s, rel=1e-6), (step, cat)


def test_large_periods_read_medians_from_the_histograms_within_one_percent(database, clock, world):
    load_history(database, clock, history_orders(80, seed=11))
    with database.write() as session:
        rollup.rebuild_all(session, now=clock.now())
    month = periods.parse("month", "2026-10")
    week = periods.Period("range", local(2026, 10, 5).date(), local(2026, 10, 12).date())
    for period in (month, week):
        with database.read() as session:
            exact = queries.duration_stats(session, actor=ADMIN, scope=queries.Scope(), period=period)
            approx = queries.duration_stats(session, actor=ADMIN, scope=queries.Scope(), period=period, histogram_from=0)
            # One grid is never read from the histograms (they are not kept per grid).
            west = queries.Scope(grid_id=world.grids["west"])
            assert queries.duration_stats(session, actor=ADMIN, scope=west, period=period, histogram_from=0) == queries.duration_stats(
                session, actor=ADMIN, scope=west, period=period
            )
        assert approx.keys() == exact.keys() and exact["resolve"]
        for step, by_cat in exact.items():
            assert approx[step].keys() == by_cat.keys(), step
            unit = kpis.STEP_UNIT_SECONDS[step]
            for cat, s in by_cat.items():
                a = approx[step][cat]
                assert a["n"] == s["n"] and a["mean"] == pytest.approx(s["mean"], rel=1e-6)
                for q in ("median", "p90"):
                    assert abs(a[q] - s[q]) <= histogram.RELATIVE_ERROR * s[q] + histogram.ABSOLUTE_ERROR / unit + 1e-9, (step, cat, q)
    # Incremental refreshes keep the histograms equal to a full rebuild.
    rep, agent = world.principal("rep"), world.principal("agent")
    order = create(database, clock, agent, account="E001")
    clock.advance(timedelta(minutes=7))
    do(database, clock, rep, order, "accept")
    with database.write() as session:
        rollup.refresh(session, now=clock.now())
    with database.read() as session:
        before = session.execute(select(DailyDurations.day, DailyDurations.category, DailyDurations.step, DailyDurations.bucket, DailyDurations.orders)).all()
    with database.write() as session:
        rollup.rebuild_all(session, now=clock.now())
    with database.read() as session:
        after = session.execute(select(DailyDurations.day, DailyDurations.category, DailyDurations.step, DailyDurations.bucket, DailyDurations.orders)).all()
    assert sorted(before) == sorted(after) and ("accept", histogram.bucket(420)) in {(r[2], r[3]) for r in after}


def test_upgrading_to_0028_rebuilds_the_days_holding_answered_orders(database, clock, world):
    from alembic import command

    from gridcare.analytics.models import DailyOrders, RollupWatermark
    from gridcare.migrations_runner import alembic_config, upgrade

    create(database, clock, world.principal("agent"), account="E001", category="consultation", answer="电价按阶梯计算")
    create(database, clock, world.principal("agent"), account="E002")
    with database.write() as session:
        rollup.refresh(session, now=clock.now())
        # As an older release stored it: the answered order among the day's resolved ones.
        row = session.scalars(select(DailyOrders).where(DailyOrders.category == "consultation")).one()
        row.resolved, row.accepted = 1, 1
        mark = session.get(RollupWatermark, rollup.WATERMARK).last_event_id
    command.downgrade(alembic_config(database.url), "0027")
    upgrade(database.url)
    with database.read() as session:
        moved = session.get(RollupWatermark, rollup.WATERMARK).last_event_id
    assert moved < mark
    with database.write() as session:
        assert rollup.refresh(session, now=clock.now()) == 1
    assert_same(raw_totals(database), rolled_totals(database))
