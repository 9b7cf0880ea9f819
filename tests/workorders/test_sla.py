from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridcare.core.clock import SHANGHAI
from gridcare.core.workdays import WorkCalendar
from gridcare.workorders import sla
from gridcare.workorders.sla import (
    AREA_CLASSES,
    DEFAULT_POLICIES,
    SOUTHERN_GRID,
    UTILITIES,
    Countdown,
    Target,
    countdown,
    deadlines,
    escalation_level,
    next_check_at,
    next_escalation_at,
    policies_for,
    policy_for,
    with_target,
)
from gridcare.workorders.states import Category

CAL = WorkCalendar.china()
H = timedelta(hours=1)
M = timedelta(minutes=1)
LADDER = [timedelta(0), 2 * H, 8 * H, 24 * H]  # team lead, command center, manager, director


def local(y: int, m: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, tzinfo=SHANGHAI)


def due(policy, **kwargs):
    return {step: d.due_at for step, d in deadlines(policy, calendar=CAL, **kwargs).items()}


def test_it_ships_a_policy_for_every_utility_category_and_area():
    for utility in UTILITIES:
        for category in Category:
            for area in AREA_CLASSES:
                policy = policy_for(utility, category, area)
                assert policy.resolve is not None and policy.accept is not None
    with pytest.raises(LookupError):
        policy_for("gas", "repair", "urban")


@pytest.mark.parametrize(
    ("area", "arrive", "restore"), [("urban", 45, 3), ("rural", 90, 4), ("remote", 120, 4)]
)
def test_it_gives_repairs_the_published_arrival_and_restoration_times(area, arrive, restore):
    policy = policy_for("electric", "repair", area)
    created = local(2026, 10, 1, 3)  # a holiday night: repairs run on the calendar clock
    assert due(policy, created_at=created) == {
        "accept": created + 5 * M,
        "arrive": created + arrive * M,
    }  # restoration starts with the arrival
    arrived = created + 40 * M
    assert (
        due(policy, created_at=created, accepted_at=created + M, arrived_at=arrived)["resolve"]
        == arrived + restore * H
    )


def test_it_offers_southern_grid_commitments_as_an_alternative():
    policies = policies_for(SOUTHERN_GRID)
    arrived = local(2026, 3, 10, 22)
    assert (
        due(policies[("electric", "repair", "urban")], created_at=arrived, arrived_at=arrived)[
            "resolve"
        ]
        == arrived + 4 * H
    )
    assert (
        due(policies[("electric", "repair", "rural")], created_at=arrived, arrived_at=arrived)[
            "resolve"
        ]
        == arrived + 5 * H
    )
    paid = local(2026, 3, 10, 22)
    assert (
        due(policies[("electric", "reconnection", "urban")], created_at=paid, paid_at=paid)[
            "resolve"
        ]
        == paid + 12 * H
    )


def test_it_measures_reconnection_from_payment_and_can_be_tightened():
    policy = policy_for("electric", "reconnection", "rural")
    created, paid = local(2026, 10, 2, 9), local(2026, 10, 3, 20)
    assert "resolve" not in due(policy, created_at=created)  # nothing is due before payment
    assert due(policy, created_at=created, paid_at=paid)["resolve"] == paid + 24 * H
    faster = with_target(policy, "resolve", Target(12 * 60, from_step="paid"))
    assert due(faster, created_at=created, paid_at=paid)["resolve"] == paid + 12 * H


def test_it_counts_business_days_over_national_day_and_a_make_up_sunday():
    consultation = policy_for("electric", "consultation", "urban")
    assert due(consultation, created_at=local(2026, 9, 30, 16))["resolve"] == local(2026, 10, 8, 16)
    assert due(consultation, created_at=local(2026, 9, 18, 16))["resolve"] == local(2026, 9, 20, 16)
    # Five working days from Friday 18 Sep: Sun 20 works, Mid-Autumn (25–27) does not.
    complaint = policy_for("electric", "complaint", "urban")
    assert due(complaint, created_at=local(2026, 9, 18, 10))["resolve"] == local(2026, 9, 24, 10)


def test_it_warns_at_the_configured_share_of_the_time():
    repair = policy_for("electric", "repair", "urban")
    created = local(2026, 3, 10, 10)
    arrive = deadlines(repair, created_at=created, calendar=CAL)["arrive"]
    assert arrive.warn_at == created + 36 * M
    assert countdown(arrive, created + 30 * M) == Countdown(15 * M, "ok")
    assert countdown(arrive, created + 40 * M).state == "warning"
    assert countdown(arrive, created + 45 * M).state == "warning"  # on the minute is on time
    late = countdown(arrive, created + 50 * M)
    assert late.state == "overdue" and late.remaining == -5 * M
    # A business-clock target warns after 80 % of its business time: 5.6 h of 7 h.
    consultation = policy_for("electric", "consultation", "urban")
    answer = deadlines(consultation, created_at=local(2026, 3, 9, 8, 30), calendar=CAL)["resolve"]
    assert answer.due_at == local(2026, 3, 9, 17, 30)
    assert answer.warn_at == local(2026, 3, 9, 16, 6)


def test_it_pushes_unmet_deadlines_by_the_time_spent_waiting_on_the_customer():
    repair = policy_for("electric", "repair", "urban")
    created = local(2026, 3, 10, 10)
    pause = (created + 10 * M, created + 30 * M)
    assert due(repair, created_at=created, paused=[pause])["arrive"] == created + 65 * M
    # A pause after arrival moves restoration but not the arrival already made.
    arrived = created + 40 * M
    later = (arrived + H, arrived + 2 * H)
    result = due(
        repair,
        created_at=created,
        accepted_at=created + M,
        arrived_at=arrived,
        paused=[pause, later],
    )
    assert result["arrive"] == created + 65 * M
    assert result["resolve"] == arrived + 4 * H  # the pause before arrival does not count


def test_it_pushes_business_deadlines_by_paused_business_time_only():
    consultation = policy_for("electric", "consultation", "urban")
    created = local(2026, 3, 9, 16)
    overnight = (local(2026, 3, 9, 17), local(2026, 3, 10, 9))  # 30 min + 30 min of business time
    assert due(consultation, created_at=created)["resolve"] == local(2026, 3, 10, 16)
    assert due(consultation, created_at=created, paused=[overnight])["resolve"] == local(
        2026, 3, 10, 17
    )


def test_it_freezes_the_countdown_while_a_pause_is_open_and_once_a_step_is_met():
    repair = policy_for("electric", "repair", "urban")
    created = local(2026, 3, 10, 10)
    waiting = deadlines(
        repair, created_at=created, paused=[(created + 20 * M, None)], calendar=CAL
    )["arrive"]
    assert waiting.paused_since == (created + 20 * M).astimezone(UTC)
    assert countdown(waiting, created + 5 * H) == countdown(waiting, created + 20 * M)
    assert countdown(waiting, created + 5 * H).remaining == 25 * M
    assert next_check_at(waiting, created + 5 * H, LADDER) is None
    met = deadlines(repair, created_at=created, accepted_at=created + 2 * M, calendar=CAL)["accept"]
    assert (
        countdown(met, created + 3 * H).state == "ok"
        and countdown(met, created + 3 * H).remaining == 3 * M
    )


def test_it_climbs_the_escalation_ladder():
    deadline = local(2026, 3, 10, 12)
    assert escalation_level(deadline, deadline - M, LADDER) == 0
    assert next_escalation_at(deadline, deadline - M, LADDER) == deadline
    assert escalation_level(deadline, deadline, LADDER) == 1
    assert escalation_level(deadline, deadline + 3 * H, LADDER) == 2
    assert next_escalation_at(deadline, deadline + 3 * H, LADDER) == deadline + 8 * H
    assert escalation_level(deadline, deadline + 30 * H, LADDER) == 4
    assert next_escalation_at(deadline, deadline + 30 * H, LADDER) is None
    with pytest.raises(ValueError, match="decrease"):
        escalation_level(deadline, deadline, [H, timedelta(0)])


def test_it_tells_a_worker_when_to_look_again():
    repair = policy_for("electric", "repair", "urban")
    created = local(2026, 3, 10, 10)
    arrive = deadlines(repair, created_at=created, calendar=CAL)["arrive"]
    assert next_check_at(arrive, created, LADDER) == created + 36 * M  # turns amber
    assert next_check_at(arrive, created + 40 * M, LADDER) == created + 45 * M  # turns red
    assert next_check_at(arrive, created + 46 * M, LADDER) == created + 45 * M + 2 * H
    assert next_check_at(arrive, created + 40 * M, []) == created + 45 * M


def test_it_refuses_naive_instants_and_nonsense_targets():
    with pytest.raises(ValueError, match="aware"):
        deadlines(
            DEFAULT_POLICIES[("electric", "repair", "urban")],
            created_at=datetime(2026, 3, 10),
            calendar=CAL,
        )
    with pytest.raises(ValueError):
        Target(0)
    with pytest.raises(ValueError):
        Target(10, warn_at=1.5)


@given(st.sampled_from(sorted(sla.DEFAULT_POLICIES)), st.integers(1, 60 * 24 * 30), st.sampled_from(["calendar", "business"]), st.sampled_from(sla.STEPS))
def test_a_kept_policy_comes_back_as_it_was(key, minutes, clock, step):
    policy = sla.with_target(sla.DEFAULT_POLICIES[key], step, sla.Target(minutes, clock, warn_at=0.7))  # type: ignore[arg-type]
    assert sla.from_snapshot(*key, sla.snapshot(policy)) == policy


@given(
    made=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=2)),
    held=st.one_of(st.none(), st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=3))),
)
def test_a_resolution_sent_later_is_met_when_made_and_its_callback_runs_from_when_it_came(made, held):
    repair = policy_for("electric", "repair", "urban")
    created = local(2026, 3, 10, 10)
    resolved = created + H + made
    received = resolved + held if held is not None else None
    found = deadlines(repair, created_at=created, accepted_at=created + M, arrived_at=created + 30 * M, resolved_at=resolved, resolution_received_at=received, calendar=CAL)
    as_made = deadlines(repair, created_at=created, accepted_at=created + M, arrived_at=created + 30 * M, resolved_at=received or resolved, calendar=CAL)
    assert found["resolve"].met_at == resolved  # the rep's own step: when it was done
    assert found["callback"].due_at == as_made["callback"].due_at  # the desk's: from when it could start


@given(
    done=st.one_of(st.none(), st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=2))),
    waited=st.one_of(st.none(), st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=2))),
    later=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=3)),
)
def test_the_rung_deserved_counts_a_step_as_late_as_it_was_done(done, waited, later):
    created = local(2026, 3, 10, 10)
    due_at = created + H
    step = sla.Deadline("arrive", due_at, due_at - 10 * M, "wall", met_at=created + done if done is not None else None, paused_since=created + waited if waited is not None else None)
    now = created + (done or timedelta(0)) + (waited or timedelta(0)) + later
    as_of = step.met_at or step.paused_since or now
    assert sla.deserved_level([step], now, LADDER) == escalation_level(due_at, as_of, LADDER)
    assert sla.deserved_level([], now, LADDER) == 0
    if step.met_at is not None and step.met_at < due_at:
        assert sla.deserved_level([step], now, LADDER) == 0  # done in time: no rung, however late the news
