"""The pure rules: patrol dates across months and holidays, the GPS distance check, task and
visit states, rhythms and data-change validation."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from gridcare.core.geo import distance_m
from gridcare.core.workdays import WorkCalendar
from gridcare.field import rules

CHINA = WorkCalendar.china()
lon = st.floats(min_value=73, max_value=135, allow_nan=False)
lat = st.floats(min_value=18, max_value=53, allow_nan=False)


def dates(rule: str, start: date, end: date, holidays: str, starts_on: date | None = None) -> list[tuple[date, date]]:
    found = rules.occurrences(rule, starts_on=starts_on or start, window=(start, end), holidays=holidays, is_workday=CHINA.is_workday)
    return [(o.due_on, o.planned_on) for o in found]


def test_it_generates_monthly_dates_across_months_and_the_new_year():
    got = dates("FREQ=MONTHLY;BYMONTHDAY=15", date(2026, 11, 1), date(2027, 2, 28), "keep")
    assert [d for d, _ in got] == [date(2026, 11, 15), date(2026, 12, 15), date(2027, 1, 15), date(2027, 2, 15)]


def test_it_skips_national_day_holidays_when_told_to():
    # Weekdays in the first week of October 2026 are the National Day holiday.
    got = dates("FREQ=DAILY", date(2026, 9, 30), date(2026, 10, 9), "skip")
    assert date(2026, 10, 1) not in [d for d, _ in got]
    assert all(CHINA.is_workday(d) for d, _ in got)
    assert date(2026, 9, 30) in [d for d, _ in got] and date(2026, 10, 9) in [d for d, _ in got]


def test_it_moves_a_holiday_date_to_the_next_working_day():
    got = dates("FREQ=MONTHLY;BYMONTHDAY=1", date(2026, 10, 1), date(2026, 10, 31), "next_workday")
    assert len(got) == 1
    due, planned = got[0]
    assert planned == date(2026, 10, 1)
    assert due > planned and CHINA.is_workday(due)
    assert all(not CHINA.is_workday(planned + timedelta(days=i)) for i in range((due - planned).days))


def test_it_counts_a_makeup_saturday_as_a_working_day():
    makeup = sorted(d for d in CHINA.makeup_workdays if d.year == 2026)[0]
    assert makeup.weekday() >= 5
    got = dates("FREQ=DAILY", makeup, makeup, "skip")
    assert [d for d, _ in got] == [makeup]


def test_it_keeps_a_moved_date_that_came_from_before_the_window():
    # 1 October moves past the 1st week; a window starting on the 5th still gets it.
    got = dates("FREQ=MONTHLY;BYMONTHDAY=1", date(2026, 10, 5), date(2026, 10, 31), "next_workday", starts_on=date(2026, 1, 1))
    assert [p for _, p in got] == [date(2026, 10, 1)]


def test_it_makes_one_patrol_when_two_dates_move_onto_one_day():
    got = dates("FREQ=DAILY", date(2026, 10, 1), date(2026, 10, 9), "next_workday")
    dues = [d for d, _ in got]
    assert len(dues) == len(set(dues))


def test_it_refuses_a_rule_that_is_not_an_rrule():
    with pytest.raises(rules.RuleProblem, match="recurrence rule"):
        dates("every tuesday", date(2026, 1, 1), date(2026, 1, 31), "keep")
    with pytest.raises(rules.RuleProblem, match="holidays"):
        dates("FREQ=DAILY", date(2026, 1, 1), date(2026, 1, 31), "sometimes")


@settings(max_examples=60, deadline=None)
@given(start=st.dates(min_value=date(2025, 1, 1), max_value=date(2026, 12, 1)), span=st.integers(0, 60), holidays=st.sampled_from(rules.HOLIDAY_RULES))
def test_it_only_gives_dates_in_the_window_in_order_and_never_on_a_day_off_unless_kept(start, span, holidays):
    end = start + timedelta(days=span)
    got = dates("FREQ=WEEKLY;BYDAY=MO,TH,SA", start, end, holidays, starts_on=date(2025, 1, 1))
    dues = [d for d, _ in got]
    assert dues == sorted(set(dues))
    assert all(start <= d <= end for d in dues)
    if holidays != "keep":
        assert all(CHINA.is_workday(d) for d in dues)


def test_a_task_is_on_time_then_late_then_missed():
    due = date(2026, 11, 24)
    assert rules.task_state(due, due, 2) is rules.TaskState.ON_TIME
    assert rules.task_state(due, due + timedelta(days=1), 2) is rules.TaskState.LATE
    assert rules.task_state(due, due + timedelta(days=2), 2) is rules.TaskState.LATE
    assert rules.task_state(due, due + timedelta(days=3), 2) is rules.TaskState.MISSED
    assert rules.task_state(due, due + timedelta(days=1), 0) is rules.TaskState.MISSED


# --- GPS --------------------------------------------------------------------------------


@settings(max_examples=200)
@given(a=st.tuples(lon, lat), b=st.tuples(lon, lat))
def test_haversine_is_symmetric_non_negative_and_agrees_with_the_geo_module(a, b):
    d = rules.haversine_m(*a, *b)
    assert d >= 0
    assert d == pytest.approx(rules.haversine_m(*b, *a), abs=1e-6)
    assert d == pytest.approx(float(distance_m(a[0], a[1], b[0], b[1])), rel=1e-6, abs=1e-3)


@settings(max_examples=200)
@given(a=st.tuples(lon, lat), b=st.tuples(lon, lat), c=st.tuples(lon, lat))
def test_haversine_obeys_the_triangle_inequality(a, b, c):
    assert rules.haversine_m(*a, *c) <= rules.haversine_m(*a, *b) + rules.haversine_m(*b, *c) + 1e-6


def test_a_thousandth_of_a_degree_of_latitude_is_about_111_metres():
    assert rules.haversine_m(112.93, 28.12, 112.93, 28.121) == pytest.approx(111.2, abs=0.5)


@settings(max_examples=200)
@given(asset=st.tuples(lon, lat), dlon=st.floats(-0.01, 0.01), dlat=st.floats(-0.01, 0.01), limit=st.integers(5, 2000), policy=st.sampled_from(rules.FAR_POLICIES))
def test_a_check_in_is_near_exactly_when_within_the_limit(asset, dlon, dlat, limit, policy):
    position = (asset[0] + dlon, asset[1] + dlat)
    verdict, distance = rules.check_in_verdict(asset=asset, position=position, max_distance_m=limit, far_policy=policy)
    assert distance == pytest.approx(rules.haversine_m(*asset, *position))
    if distance <= limit:
        assert verdict is rules.CheckIn.NEAR
    else:
        assert verdict is (rules.CheckIn.REJECTED if policy == "reject" else rules.CheckIn.FLAGGED)


def test_a_check_in_without_a_position_is_rejected_or_flagged_by_policy():
    assert rules.check_in_verdict(asset=(112.9, 28.1), position=None, max_distance_m=50, far_policy="reject")[0] is rules.CheckIn.REJECTED
    assert rules.check_in_verdict(asset=(112.9, 28.1), position=None, max_distance_m=50, far_policy="flag")[0] is rules.CheckIn.NO_POSITION


def test_distance_per_asset_kind_overrides_the_plan():
    assert rules.distance_for("hydrant", plan_default=100, overrides={"hydrant": 30}) == 30
    assert rules.distance_for("valve", plan_default=100, overrides={"hydrant": 30}) == 100


# --- visits -----------------------------------------------------------------------------


def test_the_most_frequent_rhythm_among_tags_wins_and_unannounced_wins_a_tie():
    rhythms = rules.DEFAULT_VISIT_RULES
    assert rules.rhythm_for_tags({"protected"}, rhythms) == ("protected", rules.Rhythm(3))
    assert rules.rhythm_for_tags({"protected", "major"}, rhythms) == ("major", rules.Rhythm(1))
    assert rules.rhythm_for_tags({"major", "supervised"}, rhythms) == ("supervised", rules.Rhythm(1, unannounced=True))
    assert rules.rhythm_for_tags({"sensitive"}, rhythms) is None


def test_next_due_adds_calendar_months_and_clamps_month_ends():
    assert rules.next_due(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert rules.next_due(date(2026, 11, 24), 3) == date(2027, 2, 24)


def test_a_visit_is_upcoming_then_due_soon_then_overdue():
    due = date(2026, 12, 1)
    assert rules.visit_state(due, date(2026, 11, 1)) is rules.VisitState.UPCOMING
    assert rules.visit_state(due, date(2026, 11, 25)) is rules.VisitState.DUE_SOON
    assert rules.visit_state(due, due) is rules.VisitState.DUE_SOON
    assert rules.visit_state(due, date(2026, 12, 2)) is rules.VisitState.OVERDUE
    assert rules.days_overdue(due, date(2026, 12, 11)) == 10
    assert rules.days_overdue(due, date(2026, 11, 11)) == 0


# --- data changes -----------------------------------------------------------------------


def test_a_change_names_every_missing_field():
    problems = rules.change_problems("new_resident", {"name": "王五"}, has_customer=False, has_asset=False, has_position=False)
    assert {f for f, _ in problems} == {"payload.account", "payload.phone", "payload.address", "lon"}
    assert rules.change_problems("shop_transfer", {"name": "新店主"}, has_customer=False, has_asset=False, has_position=False) == [("customer_id", "say which customer's shop changed hands")]
    assert rules.change_problems("moving", {}, has_customer=False, has_asset=False, has_position=False)[0][0] == "kind"


def test_near_lists_points_within_reach_nearest_first():
    points = [("far", 112.95, 28.12), ("close", 112.9301, 28.12), ("closest", 112.93, 28.12)]
    assert rules.near((112.93, 28.12), points, 50) == ["closest", "close"]


# --- rules a plan may follow, and walks that stay short ----------------------------------

TODAY = date(2026, 11, 24)
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
NEVER_DUE = [
    ("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30", date(2026, 1, 1)),
    ("FREQ=WEEKLY;INTERVAL=2;BYMONTH=4;BYMONTHDAY=31", date(2025, 3, 3)),
    ("FREQ=MONTHLY;BYMONTH=6;BYMONTHDAY=31", date(2022, 1, 1)),
    ("FREQ=YEARLY;INTERVAL=4;BYMONTH=2;BYMONTHDAY=29", date(2025, 1, 1)),  # 2025, 2029, … are never leap years
    ("FREQ=DAILY;INTERVAL=7;BYDAY=MO", date(2026, 11, 24)),  # every seventh day from a Tuesday is a Tuesday
]


@pytest.mark.parametrize("rule,starts_on", NEVER_DUE)
def test_a_rule_that_never_falls_due_is_given_up_within_decades_not_at_year_9999(rule, starts_on, months_walked):
    assert dates(rule, TODAY, TODAY + timedelta(days=7), "next_workday", starts_on=starts_on) == []
    # dateutil walks to year 9999 looking for the next date, whatever UNTIL says: 95,700 months.
    assert len(months_walked) < 1000


@pytest.mark.parametrize("rule,part", [
    ("FREQ=SECONDLY", "FREQ"), ("FREQ=MINUTELY;INTERVAL=5", "FREQ"), ("FREQ=HOURLY", "FREQ"), ("FREQ=DAILY;INTERVAL=0", "INTERVAL"),
    ("FREQ=WEEKLY;INTERVAL=367", "INTERVAL"), ("FREQ=DAILY;BYHOUR=8,9", "BYHOUR"), ("FREQ=WEEKLY;BYMINUTE=0,30", "BYMINUTE"), ("FREQ=DAILY;BYSECOND=1", "BYSECOND"),
    ("FREQ=YEARLY;BYEASTER=0", "BYEASTER"),
])
def test_a_rule_more_often_than_daily_or_with_times_of_day_is_refused_naming_its_part(rule, part):
    problem = rules.rule_problem(rule, starts_on=TODAY, today=TODAY)
    assert problem is not None and problem.startswith(f"{part}: ")
    with pytest.raises(rules.RuleProblem, match=f"^{part}: "):
        rules.planned_dates(rule, starts_on=TODAY, first=TODAY, last=TODAY)


def test_the_refusals_say_what_is_wrong():
    assert rules.rule_problem("FREQ=SECONDLY", starts_on=TODAY, today=TODAY) == "FREQ: must be one of DAILY, WEEKLY, MONTHLY, YEARLY"
    assert rules.rule_problem("FREQ=DAILY;INTERVAL=400", starts_on=TODAY, today=TODAY) == "INTERVAL: must be between 1 and 366"
    assert rules.rule_problem("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30", starts_on=TODAY, today=TODAY) == "gives no date within the next 400 days"
    assert rules.rule_problem("FREQ=DAILY;BYMONTHDAY=1" + ",1" * 100, starts_on=TODAY, today=TODAY) == "must be at most 200 characters"


def test_a_stored_rule_more_often_than_daily_is_not_followed():
    # Before rules were checked, FREQ=SECONDLY from five months back was 13 million instants.
    with pytest.raises(rules.RuleProblem, match="FREQ"):
        dates("FREQ=SECONDLY", TODAY, TODAY, "keep", starts_on=TODAY - timedelta(days=150))


@pytest.mark.parametrize("rule", ["FREQ=DAILY\nDTSTART:00010101T000000", "FREQ=DAILY RRULE:FREQ=SECONDLY", "FREQ=DAILY;COUNT=2 EXDATE:20261125T000000"])
def test_a_rule_carrying_its_own_first_day_or_more_lines_is_refused(rule):
    # dateutil would walk from year 1, or read a rule set of several rules.
    with pytest.raises(rules.RuleProblem, match="single recurrence rule"):
        dates(rule, TODAY, TODAY, "keep")


@pytest.mark.parametrize("rule,starts_on", [
    ("FREQ=DAILY;UNTIL=20260101", date(2025, 6, 1)),  # ended
    ("FREQ=WEEKLY;BYDAY=MO;COUNT=3", date(2025, 6, 1)),  # used up
    ("FREQ=YEARLY;INTERVAL=3", date(2026, 6, 1)),  # next in 2029
    *NEVER_DUE,
])
def test_a_rule_without_a_date_in_the_next_400_days_is_refused(rule, starts_on):
    assert rules.rule_problem(rule, starts_on=starts_on, today=TODAY) == "gives no date within the next 400 days"


@pytest.mark.parametrize("rule,starts_on", [
    ("FREQ=WEEKLY;BYDAY=MO", TODAY), ("FREQ=DAILY", TODAY - timedelta(days=1800)), ("FREQ=YEARLY", TODAY + timedelta(days=366)),
    ("FREQ=MONTHLY;INTERVAL=2;BYMONTHDAY=31", date(2026, 1, 1)), ("FREQ=MONTHLY;BYDAY=-1FR;UNTIL=20270101", TODAY), ("FREQ=DAILY;INTERVAL=366", TODAY),
])
def test_rules_a_patrol_keeps_are_accepted(rule, starts_on):
    assert rules.rule_problem(rule, starts_on=starts_on, today=TODAY) is None


def test_a_new_first_day_may_be_five_years_back_and_a_year_ahead():
    assert rules.starts_on_problem(date(2021, 11, 24), TODAY) is None
    assert rules.starts_on_problem(date(2027, 11, 25), TODAY) is None
    refused = "must be between 2021-11-24 and 2027-11-25"
    assert rules.starts_on_problem(date(2021, 11, 23), TODAY) == refused
    assert rules.starts_on_problem(date(2027, 11, 26), TODAY) == refused
    assert rules.starts_on_problem(date(1, 1, 1), TODAY) == refused


def test_a_stored_plan_starting_centuries_back_is_not_walked():
    with pytest.raises(rules.RuleProblem, match="starts_on: must be after 1926"):
        rules.planned_dates("FREQ=DAILY", starts_on=date(202, 11, 24), first=TODAY, last=TODAY)
    assert rules.planned_dates("FREQ=DAILY", starts_on=date(1927, 1, 1), first=TODAY, last=TODAY) == [TODAY]


def test_one_rule_never_gives_more_than_max_occurrences():
    found = rules.planned_dates("FREQ=DAILY", starts_on=TODAY, first=TODAY, last=TODAY + timedelta(days=3 * 365))
    assert len(found) == rules.MAX_OCCURRENCES and found[-1] == TODAY + timedelta(days=rules.MAX_OCCURRENCES - 1)


@st.composite
def patrol_rules(draw: st.DrawFn) -> str:
    """Rules of every frequency a patrol may have, with the BY parts people combine (and
    some that rarely or never fall due)."""
    freq = draw(st.sampled_from(rules.PATROL_FREQUENCIES))
    parts = [f"FREQ={freq}"]
    if draw(st.booleans()):
        parts.append(f"INTERVAL={draw(st.integers(1, 13))}")
    if draw(st.booleans()):
        nth = st.sampled_from(["", "1", "2", "-1"]) if freq in ("MONTHLY", "YEARLY") else st.just("")
        days = draw(st.lists(st.tuples(nth, st.sampled_from(WEEKDAYS)), min_size=1, max_size=3, unique_by=lambda d: d[1]))
        parts.append("BYDAY=" + ",".join(n + d for n, d in days))
    if draw(st.booleans()):
        parts.append("BYMONTHDAY=" + ",".join(str(d) for d in draw(st.lists(st.integers(-31, 31).filter(bool), min_size=1, max_size=3, unique=True))))
    if draw(st.booleans()):
        parts.append("BYMONTH=" + ",".join(str(m) for m in draw(st.lists(st.integers(1, 12), min_size=1, max_size=3, unique=True))))
    if freq == "YEARLY" and draw(st.booleans()):
        parts.append(draw(st.sampled_from(["BYWEEKNO=1,20,53", "BYYEARDAY=1,100,-1", "BYYEARDAY=366"])))
    if draw(st.booleans()):
        parts.append(f"BYSETPOS={draw(st.sampled_from([1, 2, -1]))}")
    if draw(st.booleans()):
        parts.append(f"WKST={draw(st.sampled_from(WEEKDAYS))}")
    return ";".join(parts)


@settings(max_examples=150, deadline=None)
@given(rule=patrol_rules(), starts_on=st.dates(min_value=date(2019, 1, 1), max_value=date(2030, 12, 31)), after=st.integers(-60, 900), span=st.integers(0, 120))
def test_it_finds_the_dates_dateutil_finds(rule, starts_on, after, span):
    first = starts_on + timedelta(days=after)
    last = first + timedelta(days=span)
    # dateutil alone ends its walk at the first date after the window, or at year 9999.
    assume(rules.planned_dates(rule, starts_on=starts_on, first=last + timedelta(days=1), last=last + timedelta(days=3660)))
    parsed = rules.parse_rrule(rule, starts_on)
    expected = [i.date() for i in parsed.between(datetime.combine(first, time.min), datetime.combine(last, time.max), inc=True)]
    assert rules.planned_dates(rule, starts_on=starts_on, first=first, last=last) == expected


@pytest.mark.parametrize("rule,starts_on,last", [
    ("FREQ=WEEKLY;BYDAY=MO,TH;UNTIL=20270115", TODAY, date(2027, 3, 1)),
    ("FREQ=MONTHLY;BYMONTHDAY=31;COUNT=5", date(2026, 1, 1), date(2027, 12, 31)),
    ("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29;UNTIL=20290101", date(2022, 1, 1), date(2028, 12, 31)),
])
def test_until_and_count_keep_their_meaning(rule, starts_on, last):
    parsed = rules.parse_rrule(rule, starts_on)
    expected = [i.date() for i in parsed.between(datetime.combine(starts_on, time.min), datetime.combine(last, time.max), inc=True)]
    assert expected and rules.planned_dates(rule, starts_on=starts_on, first=starts_on, last=last) == expected


@pytest.mark.parametrize("rule,days", [
    ("freq=daily;interval=2;until=20261128", ["11-24", "11-26", "11-28"]),
    ("RRULE:FREQ=DAILY;UNTIL=20261126", ["11-24", "11-25", "11-26"]),
    (" RRULE:freq=daily;until=20261126 ", ["11-24", "11-25", "11-26"]),
    ("rrule:Freq=Daily;Until=20261126", ["11-24", "11-25", "11-26"]),
    ("FREQ=DAILY;UNTIL=2026-11-26", ["11-24", "11-25", "11-26"]),
    ("FREQ=DAILY;UNTIL=20261126T120000", ["11-24", "11-25", "11-26"]),
    ("FREQ=DAILY;UNTIL=20261125T235959", ["11-24", "11-25"]),
    ("Freq=Weekly;ByDay=Tu,Th;Until=20261203t000000", ["11-24", "11-26", "12-01", "12-03"]),
    ("FREQ=DAILY;INTERVAL=400;INTERVAL=2;UNTIL=20261201;UNTIL=20261127", ["11-24", "11-26"]),  # the last of a key given twice counts
])
def test_a_rule_is_read_as_dateutil_reads_it(rule, days):
    last = TODAY + timedelta(days=30)
    assert rules.rule_problem(rule, starts_on=TODAY, today=TODAY) is None
    found = rules.planned_dates(rule, starts_on=TODAY, first=TODAY, last=last)
    assert found == [date.fromisoformat(f"2026-{d}") for d in days]
    parsed = rules.parse_rrule(rule, TODAY)
    assert found == [i.date() for i in parsed.between(datetime.combine(TODAY, time.min), datetime.combine(last, time.max), inc=True)]


@pytest.mark.parametrize("rule,problem", [
    ("freq=hourly", "FREQ: must be one of DAILY, WEEKLY, MONTHLY, YEARLY"),
    ("freq=daily;interval=0", "INTERVAL: must be between 1 and 366"),
    ("FREQ=DAILY;INTERVAL=2;INTERVAL=400", "INTERVAL: must be between 1 and 366"),
    ("freq=daily;byminute=0", "BYMINUTE: patrols fall on days: leave out the time of day"),
    ("RRULE:freq=yearly;byeaster=0", "BYEASTER: not part of RFC 5545"),
    # A plan's first day has no time zone, so no UTC end (calendars export one).
    ("FREQ=DAILY;UNTIL=20261126T000000Z", "UNTIL: must be a local date such as 20271231, without Z"),
    ("FREQ=DAILY;until=20261126t000000z;BYDAY=MO", "UNTIL: must be a local date such as 20271231, without Z"),
    # dateutil reads a space as a line break, leaving a rule part without its "=".
    ("FREQ=DAILY; INTERVAL=2", "not an RFC 5545 recurrence rule ("),
])
def test_a_rule_is_refused_as_dateutil_reads_it(rule, problem):
    assert rules.rule_problem(rule, starts_on=TODAY, today=TODAY).startswith(problem)
