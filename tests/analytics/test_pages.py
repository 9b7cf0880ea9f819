"""Pages and REST of analytics in both languages: the dashboard with definitions, the wall
and its polled tiles, the drill-down list, scorecards with their forms, exports, reports,
and who may see what."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from gridcare.analytics import rollup
from tests.analytics.conftest import as_user, create, load_history, local, past


@pytest.fixture
def history(database, clock, world):
    load_history(database, clock, [
        past("a1", created=local(2026, 11, 3, 10), category="complaint", escalations=1, satisfaction=2),
        past("a2", created=local(2026, 11, 5, 10), account="E002", grid="E-EAST", channel="web"),
        past("a3", created=local(2025, 11, 5, 10)),
        past("a4", created=local(2026, 10, 7, 10), category="consultation", arrive_min=None),
    ])  # fmt: skip
    late = create(database, clock, world.principal("agent"), account="E001")
    clock.advance(timedelta(hours=2))  # past its accept deadline: late and open
    with database.write() as session:
        rollup.refresh(session, now=clock.now())
    return {"late": late}


def test_it_shows_the_dashboard_with_every_kpi_its_definition_and_comparisons(client, history):
    as_user(client, "supervisor")
    page = client.get("/analytics", params={"period": "month", "at": "2026-11"})
    assert page.status_code == 200, page.text
    html = page.text
    assert 'id="kpi-orders"' in html and 'id="kpi-sla_compliance"' in html and 'id="kpi-patrol_completion"' in html
    assert 'lang="zh-CN"' in html
    assert "2026-10" in html and "2025-11" in html  # month-on-month and year-on-year periods
    assert 'href="/analytics/orders?' in html and "flag=escalated" in html
    board = client.get("/api/v1/analytics/kpis", params={"period": "month", "at": "2026-11"}).json()
    values = {k["key"]: k for k in board["kpis"]}
    assert values["orders"]["value"] == 3 and values["orders"]["previous"] == 1 and values["orders"]["year_ago"] == 1
    assert values["orders"]["mom"] == pytest.approx(2.0) and values["escalation_rate"]["value"] == pytest.approx(1 / 3)
    assert values["complaints_per_10k"]["value"] == pytest.approx(1 * 10_000 / 3)  # the electric supervisor sees three customers
    assert values["patrol_completion"]["value"] is None and values["orders"]["definition"].startswith("Orders created")


def test_it_drills_down_from_a_figure_to_the_orders_behind_it(client, history):
    as_user(client, "supervisor")
    page = client.get("/analytics/orders", params={"period": "month", "at": "2026-11", "flag": "escalated"})
    assert page.status_code == 200 and page.text.count("<code>LS") == 1 and 'id="drill-orders"' in page.text
    api = client.get("/api/v1/analytics/orders", params={"period": "month", "at": "2026-11", "channel": "web"}).json()
    assert api["total"] == 1 and api["orders"][0]["channel"] == "web"
    bad = client.get("/api/v1/analytics/orders", params={"flag": "purple"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "flag"


def test_it_serves_the_wall_and_its_polled_tiles(client, history):
    as_user(client, "agent")
    page = client.get("/analytics/wall")
    assert page.status_code == 200 and 'hx-get="/analytics/wall/tiles"' in page.text and 'hx-trigger="every 15s"' in page.text
    tiles = client.get("/analytics/wall/tiles").text
    assert 'id="tile-late"' in tiles and "<html" not in tiles
    # The analytics pages are not the agent's: the tiles open the order queue instead.
    assert 'href="/orders?view=late"' in tiles and "/analytics/" not in tiles.replace("/analytics/wall", "")
    assert 'href="/analytics/scorecards"' not in page.text
    assert client.get("/orders", params={"view": "late"}).status_code == 200
    as_user(client, "supervisor")
    assert 'href="/analytics/scorecards"' in client.get("/analytics/wall").text
    assert "flag=overdue" in client.get("/analytics/wall/tiles").text
    overdue = client.get("/api/v1/analytics/orders", params={"period": "year", "flag": "overdue"}).json()
    assert overdue["total"] == 1 and overdue["orders"][0]["id"] == history["late"]
    figures = client.get("/api/v1/analytics/wall").json()
    assert figures["orders"]["open"] == 1 and figures["orders"]["late"] == 1 and isinstance(figures["alerts"], list)


def test_it_exports_tables_as_csv_and_excel(client, history):
    as_user(client, "supervisor")
    got = client.get("/analytics/export/category.csv", params={"period": "month", "at": "2026-11"})
    assert got.status_code == 200 and got.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(got.content.decode("utf-8-sig"))))
    assert len(rows) == 3 and sorted(r[1] for r in rows[1:]) == ["1", "2"]
    xlsx = client.get("/analytics/export/orders.xlsx", params={"period": "month", "at": "2026-11"})
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet.max_row == 4  # header + three orders
    assert client.get("/analytics/export/nothing.csv").status_code == 422


def test_it_keeps_analytics_from_reps_and_the_wall_from_reps(client, history):
    as_user(client, "rep")
    assert client.get("/analytics").status_code == 403
    assert client.get("/api/v1/analytics/wall").status_code == 403
    as_user(client, "viewer")
    assert client.get("/analytics").status_code == 200
    assert client.post("/api/v1/analytics/rollup/refresh", headers=as_user(client, "viewer")).status_code == 403


def test_it_renders_in_english_too(client, history):
    headers = as_user(client, "supervisor")
    client.post("/settings/locale", data={"csrf_token": headers["X-CSRF-Token"], "locale": "en", "next": "/analytics"})
    for path, text in (("/analytics", "SLA compliance"), ("/analytics/wall", "Late orders"), ("/analytics/scorecards", "Close the month"), ("/analytics/orders", "Orders behind the figures")):
        page = client.get(path)
        assert page.status_code == 200 and 'lang="en"' in page.text and text in page.text, path


def test_it_counts_patrol_completion_from_field_work(database, clock, world):
    from datetime import date

    from gridcare.analytics import periods, queries
    from gridcare.core.principal import system_principal
    from gridcare.field.models import PatrolTask

    with database.write() as session:
        for i, (due, status) in enumerate([(date(2026, 10, 3), "done"), (date(2026, 10, 9), "done"), (date(2026, 10, 20), "missed"), (date(2026, 11, 2), "open")]):
            session.add(PatrolTask(key=f"t{i}", title="巡视", utility="electric", org_path="/", grid_id=world.grids["west"], due_on=due, planned_on=due, status=status, late=False, grace_days=2, created_at=clock.now()))
    with database.read() as session:
        october = queries.field_figures(session, actor=system_principal("test"), period=periods.month("2026-10"))
        east = queries.field_figures(session, actor=system_principal("test"), period=periods.month("2026-10"), scope=queries.Scope(grid_id=world.grids["east"]))
    assert october["patrol_completion"] == pytest.approx(2 / 3) and october["visit_completion"] is None
    assert east["patrol_completion"] is None


def test_it_runs_scorecards_over_rest_and_the_page_forms(client, history, clock, world):
    headers = as_user(client, "supervisor")
    bad = "month,grid,meters_due,meters_read,billed_amount,collected_amount\n2026-10,E-WEST,10,11,1,1\n2026-10,NOPE,1,1,1,1\n"
    refused = client.post("/api/v1/analytics/aggregates", files={"file": ("a.csv", bad.encode(), "text/csv")}, headers=headers)
    assert refused.status_code == 422 and [e["field"] for e in refused.json()["errors"]] == ["line 2, meters_read", "line 3, grid"]
    good = "month,grid,meters_due,meters_read,billed_amount,collected_amount\n2026-10,E-WEST,10,9,100,80\n"
    assert client.post("/api/v1/analytics/aggregates", files={"file": ("a.csv", good.encode(), "text/csv")}, headers=headers).json() == {"imported": 1}
    assert client.put("/api/v1/analytics/weights", json={"read_rate": 10}, headers=headers).json()["collection_rate"] == 0
    rating = client.post("/analytics/scorecards/ratings", data={"csrf_token": headers["X-CSRF-Token"], "month": "2026-10", "kind": "grid", "subject_id": world.grids["west"], "rater": "departments", "score": "150"})
    assert rating.status_code == 303 and "error=" in rating.headers["location"] and "score" in rating.headers["location"]
    cards = client.get("/api/v1/analytics/scorecards", params={"month": "2026-10"}).json()["cards"]
    assert {c["subject"]["code"]: c["total"] for c in cards}["E-WEST"] == 90
    closed = client.post("/api/v1/analytics/snapshots", json={"month": "2026-10"}, headers=headers)
    assert closed.status_code == 201 and closed.json()["written"] >= 2
    listed = client.get("/api/v1/analytics/snapshots", params={"month": "2026-10"}).json()
    assert [s["code"] for s in listed if s["code"] == "E-WEST"] == ["E-WEST"]
    page = client.get("/analytics/scorecards", params={"month": "2026-10"})
    assert "E-WEST" in page.text and 'id="close-month"' not in page.text  # closed: no second close
