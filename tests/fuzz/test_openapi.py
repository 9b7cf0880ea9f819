"""Schemathesis over the whole OpenAPI document: whatever a client sends, the API answers
without a server error and with a body that matches the schema it publishes.

The document is read from an app built at import time (collection needs the operations
before any fixture runs); each operation then runs against its own copy of a populated
database, signed in as the admin with a bearer token.

No operation is excluded: the streaming endpoints (server-sent events at /events, the call
recording proxy) are pages, not in the document, and the binary answers that are (PDF
cards, XLSX reports, photos) are checked like the others: no 5xx, a documented status.
PostgreSQL is not fuzzed here (it would double the time); test_bad_values.py pins what it
refuses that SQLite takes, on both."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from gridcare.config import load_settings
from gridcare.db import Database
from gridcare.main import create_app


def _document() -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        s = load_settings(
            data_dir=Path(tmp),
            database_url=f"sqlite:///{tmp}/unused.sqlite3",
            secret_key="schema-only-secret-key-0123",
        )
        db = Database(s.sqlalchemy_url)
        try:
            return create_app(s, db=db, run_worker=False).openapi()
        finally:
            db.dispose()


# Bounded so the whole file runs in a few minutes on two cores: no coverage phase (it adds
# dozens of boundary cases per operation), a fixed seed, a few examples each.
CONFIG = SchemathesisConfig.from_dict(
    {
        "seed": 20261124,
        "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
        "generation": {"max-examples": 10, "deterministic": True, "mode": "all"},
    }
)
schema = schemathesis.openapi.from_dict(_document(), config=CONFIG)


@pytest.fixture
def app(fuzz_settings, populated, clock):
    return create_app(fuzz_settings, db=populated, clock=clock, run_worker=False)


@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_api(case, app, admin_token):
    # Chinese answers: each error is then formatted in English (raised) and in Chinese (shown).
    case.headers = {**(case.headers or {}), "Authorization": f"Bearer {admin_token}", "Accept-Language": "zh-CN"}
    response = case.call(app=app)
    case.validate_response(
        response, checks=[not_a_server_error, response_schema_conformance, status_code_conformance]
    )
