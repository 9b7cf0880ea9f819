"""Fixtures for the calls domain: the demo organisation and small area, a PBX account with
a bearer token, and helpers to post CTI events the way a PBX does."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from gridcare.auth import service as auth
from gridcare.core.principal import system_principal
from tests.support.demo_client import load_world, open_client


@pytest.fixture
def org(database, clock):
    return load_world(database, clock)


def make_pbx_token(org: Any, clock: Any, login: str = "pbx", unit: str = "XC-E", role: str = "agent") -> str:
    """A bearer token for a new user; a PBX bridge runs as an agent-role account."""
    actor = system_principal("test")
    with org.db.write() as session:
        user = auth.create_user(session, actor=actor, now=clock.now(), login=login, display_name="PBX bridge", role=role, org_unit_id=org.units[unit], password="pbx-bridge-secret")
        _row, token = auth.create_token(session, actor=actor, now=clock.now(), user_id=user.id, name="PBX bridge")
    return token


@pytest.fixture
def pbx_token(org, clock) -> str:
    return make_pbx_token(org, clock)


@pytest.fixture
def client(settings, database, clock, org) -> Iterator[TestClient]:
    with open_client(settings, database, clock) as c:
        yield c


class Pbx:
    """Posts events like a PBX bridge: bearer token, JSON, explicit timestamps."""

    def __init__(self, client: TestClient, token: str, clock: Any) -> None:
        self.client, self.token, self.clock = client, token, clock

    def post(self, event: str, call_id: str = "c1", *, after: float = 0, **fields: Any) -> Any:
        body = {"call_id": call_id, "event": event, "timestamp": (self.clock.now() + timedelta(seconds=after)).isoformat(), **fields}
        return self.client.post("/api/v1/calls/events", json=body, headers={"Authorization": f"Bearer {self.token}"})


@pytest.fixture
def pbx(client, pbx_token, clock) -> Pbx:
    return Pbx(client, pbx_token, clock)
