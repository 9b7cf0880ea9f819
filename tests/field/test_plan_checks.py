"""Plans whose rules would stall generation, on both databases: refused when saved over the
API and the pages, skipped (and logged) when saved before rules were checked; plans and
watches listed a page at a time."""

from __future__ import annotations

import logging
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from gridcare.field import patrols
from gridcare.field.models import PatrolPlan, PatrolTask, Watch
from gridcare.jobs import JOBS
from tests.field.conftest import as_user

TODAY = date(2026, 11, 24)
HOSTILE = ["FREQ=SECONDLY", "FREQ=MINUTELY", "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30"]


def make_plan(world, clock, **kw):
    args = {"name": "消火栓日巡", "grid_id": world.grids["water"], "rrule": "FREQ=DAILY", "kinds": ["hydrant"]}
    args.update(kw)
    with world.db.write() as session:
        return patrols.create_plan(session, actor=world.principal("w_supervisor"), now=clock.now(), **args).id


def stored_plan(world, clock, *, like: int, rrule: str, starts_on: date) -> int:
    """A plan row as one saved before rules were checked: written straight to the table."""
    with world.db.write() as session:
        model = session.get(PatrolPlan, like)
        columns = ("utility", "grid_id", "org_path", "assignee_id", "holidays", "stops", "max_distance_m", "distances", "far_policy", "grace_days")
        plan = PatrolPlan(
            name=f"旧计划 {rrule[:20]}", rrule=rrule, starts_on=starts_on, active=True, created_by="legacy", created_at=clock.now(), updated_at=clock.now(),
            **{c: getattr(model, c) for c in columns},
        )
        session.add(plan)
        session.flush()
        return plan.id


# --- saving ---------------------------------------------------------------------------------


@pytest.mark.parametrize("rrule", HOSTILE)
def test_the_api_refuses_a_rule_that_would_stall_generation_naming_rrule(client, world, rrule):
    headers = as_user(client, "w_supervisor")
    body = {"name": "消火栓巡视", "grid_id": world.grids["water"], "rrule": rrule, "starts_on": (TODAY - timedelta(days=150)).isoformat(), "kinds": ["hydrant"]}
    refused = client.post("/api/v1/field/plans", json=body, headers=headers)
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == "rrule"
    assert refused.json()["errors"][0]["reason"] in ("FREQ: must be one of DAILY, WEEKLY, MONTHLY, YEARLY", "gives no date within the next 400 days")
    assert client.get("/api/v1/field/plans").json() == []


def test_the_api_refuses_a_first_day_decades_back(client, world):
    headers = as_user(client, "w_supervisor")
    body = {"name": "消火栓巡视", "grid_id": world.grids["water"], "rrule": "FREQ=DAILY", "starts_on": "0202-11-24", "kinds": ["hydrant"]}
    refused = client.post("/api/v1/field/plans", json=body, headers=headers)
    assert refused.status_code == 422
    assert refused.json()["errors"] == [{"field": "starts_on", "reason": "must be between 2021-11-24 and 2027-11-25"}]


def test_editing_checks_only_what_is_newly_given(client, world, clock):
    legacy = stored_plan(world, clock, like=make_plan(world, clock), rrule="FREQ=SECONDLY", starts_on=date(2015, 3, 1))
    headers = as_user(client, "w_supervisor")
    path = f"/api/v1/field/plans/{legacy}"
    renamed = client.patch(path, json={"name": "旧计划（停用）", "active": False}, headers=headers)
    assert renamed.status_code == 200, renamed.text  # an old plan can still be renamed and stopped
    assert (renamed.json()["name"], renamed.json()["active"]) == ("旧计划（停用）", False)
    older = client.patch(path, json={"starts_on": "2015-02-01"}, headers=headers)
    assert older.status_code == 422
    assert {e["field"] for e in older.json()["errors"]} == {"rrule", "starts_on"}
    faster = client.patch(path, json={"rrule": "FREQ=MINUTELY"}, headers=headers)
    assert [e["field"] for e in faster.json()["errors"]] == ["rrule"]
    fixed = client.patch(path, json={"rrule": "FREQ=WEEKLY;BYDAY=MO", "starts_on": TODAY.isoformat(), "active": True}, headers=headers)
    assert fixed.status_code == 200, fixed.text
    assert (fixed.json()["rrule"], fixed.json()["starts_on"]) == ("FREQ=WEEKLY;BYDAY=MO", "2026-11-24")


def test_the_plan_page_refuses_a_rule_more_often_than_daily(client, world):
    headers = as_user(client, "w_supervisor")
    form = {"csrf_token": headers["X-CSRF-Token"], "name": "消火栓巡视", "grid_id": str(world.grids["water"]), "rrule": "FREQ=DAILY", "rrule_custom": "FREQ=SECONDLY", "kinds": "hydrant"}
    blank = client.get("/field/plans/new")
    assert 'class="plain" >' in blank.text and "disabled" not in blank.text, "a supervisor can fill in a new plan"
    page = client.post("/field/plans/new", data=form)
    assert page.status_code == 422
    assert "FREQ" in page.text and "DAILY, WEEKLY, MONTHLY, YEARLY" in page.text  # the values read the same in both languages
    assert "disabled" not in page.text and 'type="submit"' in page.text, "the refused form comes back to be corrected"
    assert 'value="FREQ=SECONDLY"' in page.text, "with the rule its author typed"
    # Kinds the grid lacks are named by their labels, listed the Chinese way.
    lacking = client.post("/field/plans/new", data=form | {"rrule_custom": "", "kinds": ["transformer", "line"]})
    assert "kinds：该网格没有可巡视的 配变、线路" in lacking.text
    assert client.get("/api/v1/field/plans").json() == []


def test_the_plan_page_saves_an_old_plan_whose_first_day_it_shows_unchanged(client, world, clock):
    plan_id = make_plan(world, clock)
    with world.db.write() as session:
        session.get(PatrolPlan, plan_id).starts_on = date(2019, 1, 7)
    headers = as_user(client, "w_supervisor")
    shown = {"name": "消火栓日巡", "rrule": "FREQ=DAILY", "starts_on": "2019-01-07", "holidays": "next_workday", "far_policy": "flag", "max_distance_m": "100", "grace_days": "2", "codes": "H1", "active": "on"}
    saved = client.post(f"/field/plans/{plan_id}", data={"csrf_token": headers["X-CSRF-Token"], **shown, "name": "消火栓日巡（老）"})
    assert "msg=saved" in saved.headers["location"]
    moved = client.post(f"/field/plans/{plan_id}", data={"csrf_token": headers["X-CSRF-Token"], **shown, "starts_on": "2019-01-08"})
    assert "error=starts_on" in moved.headers["location"]


# --- generating -----------------------------------------------------------------------------


def test_generation_skips_stored_plans_it_cannot_follow_and_serves_the_others(world, clock, caplog, months_walked):
    good = make_plan(world, clock)
    unfollowable = [
        stored_plan(world, clock, like=good, rrule=rrule, starts_on=starts_on)
        for rrule, starts_on in [
            ("FREQ=SECONDLY", TODAY - timedelta(days=150)),  # 13 million instants
            ("FREQ=MINUTELY", date(2020, 1, 1)),
            ("FREQ=DAILY\nDTSTART:00010101T000000", TODAY),  # its own first day, in year 1
            ("FREQ=DAILY", date(1, 1, 1)),
        ]
    ]
    never_due = stored_plan(world, clock, like=good, rrule="FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30", starts_on=date(2026, 1, 1))
    with caplog.at_level(logging.WARNING, logger="gridcare.field.patrols"):
        JOBS["field.generate"].run(SimpleNamespace(db=world.db, clock=clock))
    with world.db.read() as session:
        made = dict(session.execute(select(PatrolTask.plan_id, func.count()).group_by(PatrolTask.plan_id)).all())
    assert made == {good: 6}  # today and the working days of the next week
    logged = [r.getMessage() for r in caplog.records]
    assert [plan_id for plan_id in unfollowable if any(m.startswith(f"patrol plan {plan_id} skipped") for m in logged)] == unfollowable
    assert not any(m.startswith(f"patrol plan {never_due} ") for m in logged)  # a rule that falls due on no day is no fault
    # dateutil walks such a rule to year 9999 (95,700 months); here it is given up within decades.
    assert len(months_walked) < 1000


# --- listing a page at a time ---------------------------------------------------------------


def test_plans_are_listed_a_page_at_a_time(client, world, clock):
    for name in ("A 巡视", "B 巡视", "C 巡视"):
        make_plan(world, clock, name=name)
    as_user(client, "w_supervisor")

    def names(**params):
        return [p["name"] for p in client.get("/api/v1/field/plans", params=params).json()]

    assert names(limit=2) == ["A 巡视", "B 巡视"]
    assert names(limit=2, offset=2) == ["C 巡视"]
    assert names(limit=0) == ["A 巡视"]  # at least one
    assert names(limit=5000, offset=-1) == ["A 巡视", "B 巡视", "C 巡视"]


def test_watches_of_every_status_are_listed_a_page_at_a_time(client, world, clock):
    plan_id = make_plan(world, clock)
    with world.db.write() as session:
        plan = session.get(PatrolPlan, plan_id)
        for n, status in enumerate(("closed", "closed", "open")):
            session.add(Watch(
                title=f"施工看护 {n}", utility="water", grid_id=plan.grid_id, org_path=plan.org_path, lon=112.93, lat=28.12, near=["P3"], every_days=7, starts_on=TODAY,
                status=status, created_at=clock.now() + timedelta(minutes=n),
            ))
    as_user(client, "w_supervisor")

    def titles(**params):
        return [w["title"] for w in client.get("/api/v1/field/watches", params=params).json()]

    assert titles(status="", limit=2) == ["施工看护 2", "施工看护 1"]
    assert titles(status="", limit=2, offset=2) == ["施工看护 0"]
    assert titles(status="", limit=0) == ["施工看护 2"]
    assert titles() == ["施工看护 2"]  # open ones by default


def test_a_plan_page_says_when_its_stored_rule_makes_no_tasks(client, world, clock):
    good = make_plan(world, clock)
    bad = stored_plan(world, clock, like=good, rrule="FREQ=SECONDLY", starts_on=TODAY)
    as_user(client, "w_supervisor")
    warned = client.get(f"/field/plans/{bad}")
    assert warned.status_code == 200 and "此计划不会生成巡视任务" in warned.text and "FREQ：必须为以下之一：DAILY, WEEKLY, MONTHLY, YEARLY" in warned.text
    assert "此计划不会生成巡视任务" not in client.get(f"/field/plans/{good}").text
    overview = client.get("/field").text  # the list points at it, so no one has to open every plan
    assert overview.count("不生成任务") == 1 and f'class="badge red" href="/field/plans/{bad}"' in overview
