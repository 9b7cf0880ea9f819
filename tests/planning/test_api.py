"""REST and pages: lattice, design by k, compare, export, adopt; problem+json naming the
field; every page in both languages."""

from __future__ import annotations

import json

import pytest

from tests.support.demo_client import as_user

RIVER = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"name": "浏阳河", "kind": "river"}, "geometry": {"type": "LineString", "coordinates": [[112.95, 28.09], [112.95, 28.16]]}}]}


def test_it_designs_compares_exports_and_adopts_over_rest(client, world):
    headers = as_user(client, "admin")
    made = client.post("/api/v1/planning/units/lattice", json={"utility": "electric", "cell_m": 1000}, headers=headers)
    assert made.status_code == 201, made.text
    assert made.json()["units"] > 40
    river = client.post("/api/v1/planning/barriers", files={"file": ("river.geojson", json.dumps(RIVER), "application/geo+json")}, data={"utility": "electric"}, headers=headers)
    assert river.status_code == 201, river.text
    first = client.post("/api/v1/planning/proposals", json={"utility": "electric", "k": 2, "barrier_ids": [river.json()[0]["id"]]}, headers=headers)
    second = client.post("/api/v1/planning/proposals", json={"utility": "electric", "k": 3, "minimum_disruption": True}, headers=headers)
    assert first.status_code == 201 and second.status_code == 201, first.text + second.text
    assert first.json()["scores"]["contiguous"] is True and len(first.json()["grids"]) == 2
    rows = client.get("/api/v1/planning/compare", params={"ids": f"{first.json()['id']},{second.json()['id']}"}).json()
    assert [r["label"] for r in rows][0] == "current" and [r["grids"] for r in rows] == [2, 2, 3]
    exported = client.get(f"/api/v1/planning/proposals/{first.json()['id']}.geojson").json()
    assert {f["properties"]["code"] for f in exported["features"]} == {"E-WEST", "E-EAST"}
    adopted = client.post(f"/api/v1/planning/proposals/{second.json()['id']}/adopt", json={"rehome": "keep"}, headers=headers)
    assert adopted.status_code == 200, adopted.text
    assert adopted.json()["status"] == "adopted" and adopted.json()["adoption"]["rehome"] == "keep"
    again = client.post(f"/api/v1/planning/proposals/{second.json()['id']}/adopt", json={}, headers=headers)
    assert again.status_code == 422 and again.json()["errors"][0]["field"] == "proposal_id"


def test_bad_input_names_the_field(client, world):
    headers = as_user(client, "admin")
    client.post("/api/v1/planning/units/lattice", json={"utility": "electric", "cell_m": 1000}, headers=headers)
    bad = client.post("/api/v1/planning/proposals", json={"utility": "electric"}, headers=headers)
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")
    assert bad.json()["errors"][0]["field"] == "k"
    tiny = client.post("/api/v1/planning/units/lattice", json={"utility": "electric", "cell_m": 5}, headers=headers)
    assert tiny.status_code == 422 and tiny.json()["errors"][0]["field"] == "cell_m"
    broken = client.post("/api/v1/planning/units", files={"file": ("u.geojson", '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, "geometry": null}]}', "application/geo+json")}, data={"utility": "electric"}, headers=headers)
    assert broken.status_code == 422 and broken.json()["errors"][0]["field"] == "features[0].code"


def test_a_design_has_a_thousand_grids_at_most(client, world):
    headers = as_user(client, "admin")
    client.post("/api/v1/planning/units/lattice", json={"utility": "electric", "cell_m": 1000}, headers=headers)
    too_many = client.post("/api/v1/planning/proposals", json={"utility": "electric", "k": 1001, "minimum_disruption": True}, headers=headers)
    assert too_many.status_code == 422 and too_many.json()["errors"] == [{"field": "k", "reason": "must be at most 1000"}]
    # A thousand pass the bound: the units, fewer here, refuse them.
    thousand = client.post("/api/v1/planning/proposals", json={"utility": "electric", "k": 1000, "minimum_disruption": True}, headers=headers)
    assert thousand.status_code == 422 and thousand.json()["errors"][0]["field"] == "k" and "one per unit" in thousand.json()["errors"][0]["reason"]
    form = client.post("/planning/proposals", data={"csrf_token": headers["X-CSRF-Token"], "utility": "electric", "by": "k", "k": "1001", "minimum_disruption": "on"}, follow_redirects=True)
    assert form.status_code == 200 and "k：不能大于 1000" in form.text


def test_a_rep_may_look_but_not_design(client, world):
    headers = as_user(client, "rep")
    assert client.get("/api/v1/planning/proposals").status_code == 200
    assert client.post("/api/v1/planning/proposals", json={"utility": "electric", "k": 2}, headers=headers).status_code == 403


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_pages_render_in_both_languages(client, world, lang):
    headers = as_user(client, "admin")
    client.post("/api/v1/planning/units/lattice", json={"utility": "electric", "cell_m": 1000}, headers=headers)
    made = client.post("/api/v1/planning/proposals", json={"utility": "electric", "k": 2, "name": "两格"}, headers=headers).json()
    client.post("/settings/locale", data={"csrf_token": headers["X-CSRF-Token"], "locale": lang.replace("-", "_") if lang != "en" else "en", "next": "/planning"})
    index = client.get("/planning")
    assert index.status_code == 200 and "两格" in index.text
    assert ("网格规划" if lang == "zh-CN" else "Grid planning") in index.text
    page = client.get(f"/planning/proposals/{made['id']}")
    assert page.status_code == 200 and 'id="adopt-form"' in page.text
    compare = client.get("/planning/compare", params={"ids": [made["id"]]})
    assert compare.status_code == 200 and 'id="scores"' in compare.text


def test_the_design_form_redirects_to_the_proposal_and_errors_come_back_named(client, world):
    headers = as_user(client, "admin")
    client.post("/api/v1/planning/units/lattice", json={"utility": "electric", "cell_m": 1000}, headers=headers)
    token = headers["X-CSRF-Token"]
    done = client.post("/planning/proposals", data={"csrf_token": token, "utility": "electric", "by": "k", "k": "2", "use_forecast": "on"}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].startswith("/planning/proposals/")
    bad = client.post("/planning/proposals", data={"csrf_token": token, "utility": "electric", "by": "k", "k": "two"}, follow_redirects=True)
    assert bad.status_code == 200 and "k：必须是整数" in bad.text
    made = client.post("/planning/units", data={"csrf_token": token, "utility": "electric", "action": "lattice", "cell_m": "1000"}, follow_redirects=True)
    assert made.status_code == 200 and "已保存 — 基础单元" in made.text


def test_units_map_forecast_and_barrier_removal(client, world):
    headers = as_user(client, "admin")
    client.post("/api/v1/planning/units/lattice", json={"utility": "electric", "cell_m": 1000, "lattice": "square"}, headers=headers)
    layer = client.get("/api/v1/planning/units.geojson", params={"utility": "electric"}).json()
    assert layer["features"] and sum(f["properties"]["customers"] for f in layer["features"]) == 3
    assert all(f["properties"]["hours"] >= 0 for f in layer["features"]) and any(f["properties"]["hours"] > 0 for f in layer["features"])
    assert client.get("/api/v1/planning/forecast", params={"utility": "electric"}).json() == {}  # no order history in the test area
    [river] = client.post("/api/v1/planning/barriers", files={"file": ("r.geojson", json.dumps(RIVER), "application/geo+json")}, data={"utility": "electric"}, headers=headers).json()
    assert client.delete(f"/api/v1/planning/barriers/{river['id']}", headers=headers).status_code == 204
    assert client.get("/api/v1/planning/barriers", params={"utility": "electric"}).json() == []
    assert client.get("/api/v1/planning/units.geojson", params={"utility": "gas2"}).json()["errors"][0]["field"] == "utility"
