"""What schemathesis found, pinned on both databases: integers past an integer column (64 bits
on SQLite, 32 on PostgreSQL) and text with NUL characters reached the driver through any
route, a 500; every one is
now refused up front with a 422 naming the field. And the OpenAPI document describes the
problem+json that every 4xx answer really is."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.web import client_for

TOO_BIG = 2**31  # one past PostgreSQL's int4


@pytest.fixture(params=["sqlite", "postgresql"])
def populated(request: pytest.FixtureRequest):
    return request.getfixturevalue(f"populated_{request.param}")


@pytest.fixture
def api(fuzz_settings, populated, clock, admin_token) -> Iterator:
    with client_for(fuzz_settings, populated, clock) as client:
        client.headers["Authorization"] = f"Bearer {admin_token}"
        yield client


def fields_of(response) -> list[str]:
    assert response.status_code == 422, response.text[:300]
    assert response.headers["content-type"] == "application/problem+json"
    return [e["field"] for e in response.json()["errors"]]


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "field"),
    [
        ("get", f"/api/v1/customers/{TOO_BIG}", {}, "customer_id"),
        ("get", f"/api/v1/customers/{-TOO_BIG - 1}", {}, "customer_id"),
        ("get", f"/api/v1/customers/{2**63}", {}, "customer_id"),
        ("get", "/api/v1/field/plans", {"params": {"grid_id": str(TOO_BIG)}}, "grid_id"),
        (
            "post",
            "/api/v1/customers/import",
            {"files": {"file": ("c.csv", b"account\n")}, "data": {"org_unit_id": str(TOO_BIG)}},
            "org_unit_id",
        ),
        (
            "post",
            "/api/v1/contractors/projects",
            {"json": {"name": "x", "kind": "other", "contractor_id": 1, "grid_ids": [1, TOO_BIG]}},
            "grid_ids[1]",
        ),
        ("post", "/api/v1/outages/1/calls", {"json": {"task_id": TOO_BIG}}, "task_id"),
    ],
)
def test_integers_past_an_integer_column_are_refused_naming_the_field(
    api, method, path, kwargs, field
):
    assert field in fields_of(getattr(api, method)(path, **kwargs))


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "field"),
    [
        ("get", "/api/v1/customers", {"params": {"q": "a\x00b"}}, "q"),
        ("get", "/api/v1/network/electric/assets/A%00B", {}, "code"),
        (
            "post",
            "/api/v1/org-units",
            {"json": {"code": "A\x00", "name": "n", "kind": "team", "utility": "electric"}},
            "code",
        ),
        (
            "post",
            "/api/v1/arrears",
            {"json": {"customer_id": 1, "amount": "1", "reason": "a\x00"}},
            "reason",
        ),
        (
            "post",
            "/api/v1/arrears",
            {"json": {"customer_id": 1, "amount": "1", "note\x00": "x"}},
            "note\\0",
        ),
        (
            "post",
            "/api/v1/customers/import",
            {
                "files": {"file": ("c.csv", b"account\n")},
                "data": {"org_unit_id": "1", "crs": "WGS\x0084"},
            },
            "crs",
        ),
    ],
)
def test_text_with_nul_is_refused_naming_the_field(api, method, path, kwargs, field):
    assert field in fields_of(getattr(api, method)(path, **kwargs))


def test_values_in_range_pass_through(api):
    assert api.get(f"/api/v1/customers/{2**31 - 1}").status_code == 404
    assert api.get("/api/v1/customers", params={"q": "王芳"}).status_code == 200
    # Long digit runs in text are codes and phone numbers, not integers: left alone.
    assert api.get("/api/v1/customers", params={"q": "9" * 30}).status_code == 200


def test_the_document_declares_problem_json_for_every_4xx(api):
    doc = api.get("/openapi.json").json()
    assert (
        "Problem" in doc["components"]["schemas"]
        and "HTTPValidationError" not in doc["components"]["schemas"]
    )
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            assert {"400", "401", "403", "404", "409", "422"} <= set(responses), (method, path)
            for code, response in responses.items():
                if code.startswith("4"):
                    assert response["content"] == {
                        "application/problem+json": {
                            "schema": {"$ref": "#/components/schemas/Problem"}
                        }
                    }, (method, path, code)
