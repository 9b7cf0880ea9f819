"""The demo organisation over the small test area (see area.py), a client of the app over it,
and the sign-in its tests use before a write.

``client`` is a fixture over the test package's own ``world`` fixture: import it into a
conftest or test module (``from tests.support.demo_client import client  # noqa: F401``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi.testclient import TestClient

from gridcare.config import Settings
from gridcare.core.clock import Clock
from gridcare.db import Database
from tests.support import area
from tests.support import org as demo_org
from tests.support.web import client_for, sign_in


def load_world(db: Database, clock: Clock) -> demo_org.Org:
    """The demo organisation with the small area loaded on it; ``.grids`` names its grids' ids."""
    org = demo_org.load(db, clock)
    org.grids = area.load(org, clock)  # type: ignore[attr-defined]
    return org


@contextmanager
def open_client(settings: Settings, db: Database, clock: Clock, *, org: demo_org.Org | None = None) -> Iterator[TestClient]:
    """A client of the app over ``db``, started and stopped with the block; ``client.org`` is ``org`` when given."""
    with client_for(settings, db, clock) as c:
        if org is not None:
            c.org = org  # type: ignore[attr-defined]
        yield c


@pytest.fixture
def client(settings, database, clock, world) -> Iterator[TestClient]:
    with open_client(settings, database, clock) as c:
        yield c


def as_user(client: Any, login: str) -> dict[str, str]:
    """Sign ``client`` in afresh as ``login``; the CSRF header its writes need."""
    client.cookies.clear()
    status, token = sign_in(client, login, demo_org.PASSWORD)
    assert status == 303, f"{login} could not sign in"
    return {"X-CSRF-Token": token}
