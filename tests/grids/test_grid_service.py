import json

import pytest
from shapely.geometry import box

from gridcare.core.principal import system_principal
from gridcare.customers import service as customers
from gridcare.grids import service as grids
from gridcare.grids.geometry import parse_grid_features
from gridcare.grids.models import AssignmentChange, GridVersion
from tests.support import area
from tests.support import org as demo_org
from tests.support.web import client_for, sign_in


@pytest.fixture
def org(database, clock):
    return demo_org.load(database, clock)


@pytest.fixture
def ids(org, clock):
    return area.load(org, clock)


def test_it_locates_points_per_utility_and_says_when_none_holds_them(database, ids):
    with database.read() as session:
        found = grids.locate(session, lon=112.92, lat=28.12)
        assert {u: g.code for u, g in found.items()} == {"electric": "E-WEST", "water": "W-ALL"}
        assert grids.locate(session, lon=112.97, lat=28.12, utility="electric")["electric"].code == "E-EAST"
        assert grids.locate(session, lon=120.0, lat=30.0) == {}


def test_it_assigns_customers_to_their_utilitys_grid_and_scopes_reps(database, org, ids):
    with database.read() as session:
        rep_sees = {c.account for c in customers.search(session, actor=org.principal("rep"))[0]}
        w_rep_sees = {c.account for c in customers.search(session, actor=org.principal("w_rep"))[0]}
    assert rep_sees == {"E001"}
    assert w_rep_sees == {"W001"}


def test_it_finds_a_customer_by_phone_however_the_caller_formats_it(database, org, ids):
    admin = org.principal("admin")
    with database.read() as session:
        for raw in ("+86 731 8888 1234", "073188881234", "88881234", "0731-8888-1234"):
            assert [c.account for c in customers.find_by_phone(session, actor=admin, phone=raw)] == ["E002"], raw
        assert sorted(c.account for c in customers.find_by_phone(session, actor=admin, phone="138-1234-5678")) == ["E001", "W001"]


def test_it_versions_a_changed_grid_and_moves_the_customers_in_the_same_transaction(database, clock, org, ids):
    # West grows to take the whole area; East shrinks to nothing useful far away.
    doc = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"code": "E-WEST", "name": "西网格（扩）"}, "geometry": json.loads(json.dumps(box(112.90, 28.10, 113.00, 28.15).__geo_interface__))},
            {"type": "Feature", "properties": {"code": "E-EAST", "name": "东网格"}, "geometry": json.loads(json.dumps(box(113.00, 28.10, 113.05, 28.15).__geo_interface__))},
        ],
    }
    shapes = parse_grid_features(doc)
    with database.write() as session:
        summary = grids.import_grids(session, actor=system_principal("test"), now=clock.now(), shapes=shapes, org_unit_id=org.units["XC-E-FR-WY-T1"])
    assert (summary.created, summary.updated, summary.unchanged) == (0, 2, 0)
    assert summary.reassigned >= 2  # E002 and E003 and the T2/SW1 assets moved east → west
    with database.read() as session:
        rep_sees = {c.account for c in customers.search(session, actor=org.principal("rep"))[0]}
        history = session.query(GridVersion).filter(GridVersion.grid_id == ids["west"]).order_by(GridVersion.version).all()
        moves = session.query(AssignmentChange).filter(AssignmentChange.entity == "customer").all()
    assert rep_sees == {"E001", "E002", "E003"}
    assert [v.version for v in history] == [1, 2] and history[0].effective_to == history[1].effective_from
    assert {(m.old_grid_id, m.new_grid_id) for m in moves} == {(ids["east"], ids["west"])}


def test_it_leaves_an_unchanged_import_alone(database, clock, org, ids):
    with database.read() as session:
        west = grids.find_grid_by_code(session, code="E-WEST")
        doc = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"code": "E-WEST", "name": west.name}, "geometry": json.loads(west.geometry)}]}
    with database.write() as session:
        summary = grids.import_grids(session, actor=system_principal("test"), now=clock.now(), shapes=parse_grid_features(doc), org_unit_id=org.units["XC-E-FR-WY-T1"])
    assert (summary.updated, summary.unchanged, summary.reassigned) == (0, 1, 0)


def test_it_reports_coverage_gaps_and_overlaps_of_one_utility(database, clock, org, ids):
    admin = org.principal("admin")
    with database.read() as session:
        assert grids.coverage(session, actor=admin, utility="electric").ok
        assert grids.coverage(session, actor=admin, utility="water").ok
    with database.write() as session:
        west = grids.find_grid_by_code(session, code="E-WEST")
        grids.change_grid(session, actor=admin, now=clock.now(), grid=west, geometry=box(112.90, 28.10, 112.94, 28.15), reason="shrink")
    with database.read() as session:
        report = grids.coverage(session, actor=admin, utility="electric")
    assert not report.ok and len(report.gaps) == 1
    assert 5.40e6 < report.gaps[0].area_m2 < 5.48e6  # 0.01° lon (982 m at 28.1°N) × 0.05° lat (5,544 m)


def test_it_answers_locate_over_http_in_both_found_and_not_found_cases(settings, database, clock, ids):
    with client_for(settings, database, clock) as client:
        sign_in(client, "agent", demo_org.PASSWORD)
        hit = client.get("/api/v1/grids/locate", params={"lon": 112.97, "lat": 28.12}).json()
        # The water company's grid at the same point is not the electric agent's to see.
        assert hit["found"] and hit["grid"]["code"] == "E-EAST" and set(hit["by_utility"]) == {"electric"}
        miss = client.get("/api/v1/grids/locate", params={"lon": 100.0, "lat": 30.0}).json()
        assert not miss["found"] and miss["grid"] is None and miss["message"] == "no grid holds (100.0, 30.0)"
        water = client.get("/api/v1/grids/locate", params={"lon": 100.0, "lat": 30.0, "utility": "water"}, headers={"Accept-Language": "zh-CN"}).json()
        assert water["message"] == "没有供水网格覆盖 (100.0, 30.0)"
        bad = client.get("/api/v1/grids/locate", params={"lon": 200, "lat": 30})
        assert bad.status_code == 422 and bad.json()["errors"] == [{"field": "lon", "reason": "must be between -180 and 180"}]
        client.cookies.clear()
        sign_in(client, "admin", demo_org.PASSWORD)
        both = client.get("/api/v1/grids/locate", params={"lon": 112.97, "lat": 28.12}).json()
        assert both["grid"]["code"] == "E-EAST" and both["by_utility"]["water"]["code"] == "W-ALL"


def test_it_rejects_a_grid_file_naming_each_bad_feature(settings, database, clock, org):
    doc = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"code": "BOW", "name": "自交"}, "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}},
            {"type": "Feature", "properties": {"name": "无编码"}, "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}},
        ],
    }
    with client_for(settings, database, clock) as client:
        _, token = sign_in(client, "admin", demo_org.PASSWORD)
        response = client.post("/api/v1/grids/import", files={"file": ("g.geojson", json.dumps(doc))}, data={"org_unit_id": str(org.units["XC-E"])}, headers={"X-CSRF-Token": token})
    assert response.status_code == 422
    fields = [e["field"] for e in response.json()["errors"]]
    assert any(f.startswith("features[0] (BOW)") for f in fields) and any(f.startswith("features[1]") and f.endswith("code") for f in fields)


def test_grid_names_come_from_the_locators_cache_and_the_rows_only_for_grids_without_one(database, org, ids, clock):
    from sqlalchemy import event

    with database.write() as session:
        drawn_later = grids.create_grid(session, actor=system_principal("test"), now=clock.now(), code="E-NEW", name="新网格", org_unit_id=org.units["XC-E-FR-WY-T1"]).id
    wanted = [(ids["west"], "electric"), (ids["water"], "water"), (drawn_later, "electric")]
    reads: list[str] = []

    def grab(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        if "FROM grids" in statement:
            reads.append(statement)

    with database.read() as session:
        grids.names_of(session, wanted)  # fills the cache
        event.listen(database.engine, "before_cursor_execute", grab)
        try:
            names = grids.names_of(session, wanted)
        finally:
            event.remove(database.engine, "before_cursor_execute", grab)
    assert names == {ids["west"]: ("E-WEST", "西网格"), ids["water"]: ("W-ALL", "全域供水网格"), drawn_later: ("E-NEW", "新网格")}
    assert len(reads) == 1 and "grids.id IN" in reads[0]  # only the grid without a geometry


def test_the_coverage_api_says_its_findings_in_the_accept_language_english_by_default(settings, database, clock, org, ids):
    with client_for(settings, database, clock) as client:
        sign_in(client, "admin", demo_org.PASSWORD)
        assert client.get("/api/v1/grids/coverage").json()["text"] == "coverage ok: no overlaps, no gaps"
        assert client.get("/api/v1/grids/coverage", headers={"Accept-Language": "zh-CN"}).json()["text"] == "覆盖检查通过：无重叠，无空隙"
        with database.write() as session:
            west = grids.find_grid_by_code(session, code="E-WEST")
            grids.change_grid(session, actor=org.principal("admin"), now=clock.now(), grid=west, geometry=box(112.90, 28.10, 112.94, 28.15), reason="shrink")
        english = client.get("/api/v1/grids/coverage").json()
        chinese = client.get("/api/v1/grids/coverage", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"}).json()
    assert not english["ok"] and english["geojson"] == chinese["geojson"]
    assert english["text"].startswith("gap: ") and " m2 at " in english["text"]
    assert chinese["text"].startswith("空隙：") and " 平方米，位于 " in chinese["text"]
    assert chinese["text"].split("位于 ")[1] == english["text"].split(" at ")[1]  # the same place, in either language
