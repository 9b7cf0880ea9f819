"""How the forecast held, through the REST API and the page, on both databases: two past
weeks, one as its forecast said and one twice as busy at ten on Tuesday."""

from __future__ import annotations

from gridcare.calls import accuracy
from tests.calls.test_stats import call
from tests.calls.test_targets import _as

DAY = 86400
HOUR = 3600


def test_each_past_week_is_held_to_the_forecast_it_had(pbx, client, org):
    # Tuesdays at 10:00 (the clock stands at Tuesday 2026-11-24 09:00): five calls three and
    # two weeks ago, ten last week.
    for weeks_ago, n in ((3, 5), (2, 5), (1, 10)):
        for k in range(n):
            call(pbx, f"w{weeks_ago}-{k}", at=-weeks_ago * 7 * DAY + HOUR + 300 * k, wait=5, talk=120)
    _as(client, "supervisor")
    found = client.get("/api/v1/calls/staffing/accuracy", params={"weeks_back": 2, "weeks": 1}).json()
    assert (found["company"], found["weeks"], found["weeks_back"]) == ("XC-E", 1, 2)
    first, last = found["held"]
    assert (first["monday"], first["expected"], first["offered"], first["accuracy"], first["bias"], first["under"]) == ("2026-11-09", 5.0, 5, 1.0, 0.0, [])
    assert (last["monday"], last["expected"], last["offered"], last["accuracy"], last["bias"]) == ("2026-11-16", 5.0, 10, 0.5, -0.5)
    # The hotline's first call came on a Tuesday: no Monday before 11-09 to forecast its Monday from.
    assert first["days"][0]["left_out"] == "unforecast" and last["days"][0]["left_out"] is None
    assert last["under"] == [{"day": "2026-11-17", "hour": 10, "expected": 5.0, "offered": 10}]
    assert last["days"][1] == {"day": "2026-11-17", "expected": 5.0, "offered": 10, "error": -0.5, "left_out": None}
    overall = found["overall"]
    assert {k: overall[k] for k in ("accuracy", "daily", "bias", "hours_under", "weeks_known")} == {"accuracy": round(1 - 5 / 15, 3), "daily": round(1 - 5 / 15, 3), "bias": round(-5 / 15, 3), "hours_under": 1, "weeks_known": 2}
    assert overall["ceiling"] == round(1 - 2 * accuracy.chance_miss(5) / 10, 3)  # two hours expected five each
    assert found["recurring"] == []  # once is no trend
    # Three weeks back, the week of 11-02 had nothing before it to forecast from.
    older = client.get("/api/v1/calls/staffing/accuracy", params={"weeks_back": 3, "weeks": 1}).json()
    assert older["held"][0]["forecast_known"] is False and older["held"][0]["accuracy"] is None and older["overall"]["weeks_known"] == 2
    page = client.get("/calls/staffing/accuracy", params={"weeks_back": 2, "weeks": 1})
    assert page.status_code == 200 and "预测准确率" in page.text and "50%" in page.text and 'id="accuracy-under-list"' in page.text and "11-17 周二" in page.text
    assert 'id="to-accuracy"' in client.get("/calls/staffing").text


def test_a_bad_figure_is_named(client):
    _as(client, "supervisor")
    for params in ({"weeks_back": 0}, {"weeks_back": 13}, {"weeks": 0}):
        r = client.get("/api/v1/calls/staffing/accuracy", params=params)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == next(iter(params)), r.text
    assert client.get("/api/v1/calls/staffing/accuracy", params={"company": "XX"}).json()["errors"][0]["field"] == "company"
    page = client.get("/calls/staffing/accuracy", params={"weeks_back": "十"})
    assert page.status_code == 422 and "weeks_back" in page.text and "预测准确率" in page.text
