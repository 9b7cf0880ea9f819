"""The demo's calls: extensions, local lines, weeks of calls that the statistics read."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from gridcare.calls import reports
from gridcare.calls.demo import load_calls
from gridcare.calls.models import AgentExtension, LocalLine, QaScore
from gridcare.core.clock import SHANGHAI


def test_it_loads_weeks_of_calls_the_statistics_can_read(database, clock, org):
    made = load_calls(database, clock, seed=7)
    assert made > 500
    with database.read() as session:
        assert session.scalar(select(func.count()).select_from(AgentExtension)) >= 5
        assert session.scalar(select(func.count()).select_from(LocalLine)) == 3
        assert session.scalar(select(func.count()).select_from(QaScore)) > 0
        found = reports.figures(session, actor=org.principal("supervisor"), start=datetime(2026, 11, 1, tzinfo=SHANGHAI), end=clock.now())
    t = found["total"]
    assert 0.8 < t["answer_rate"] < 1 and 5 < t["asa_seconds"] < 30 and t["offered"] > 300
    assert max(found["hour"], key=lambda r: r["offered"])["hour"] in (9, 10, 14, 15)
    assert {r["name"] for r in found["line"]} >= {"hotline", "五一供电所抢修电话"}

    # The water company's hotline has its calls, answered at its own seat.
    with database.read() as session:
        water = reports.figures(session, actor=org.principal("w_supervisor"), start=datetime(2026, 11, 1, tzinfo=SHANGHAI), end=clock.now())
    assert water["total"]["offered"] > 0 and {r["agent_id"] for r in water["agent"]} <= {org.user_id("w_agent"), None}
    # The seats' sign-ins: the forecast sets them against the need.
    with database.read() as session:
        plan = reports.staffing(session, actor=org.principal("supervisor"), now=clock.now())
    monday = {s.hour: s for s in plan["slots"][:24]}
    assert monday[10].on_duty is not None and monday[10].on_duty >= 2 and monday[3].on_duty == 0
