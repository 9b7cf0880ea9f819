"""Fixtures of the planning tests: the demo organisation over the small test area (two
electric grids side by side, E-WEST with a rep and E-EAST without, one water grid)."""

from __future__ import annotations

import pytest

from gridcare.config import load_settings
from gridcare.core.principal import system_principal
from gridcare.main import load_plugins
from gridcare.planning import service
from tests.support.demo_client import client, load_world  # noqa: F401  (client: over this folder's world)


@pytest.fixture
def world(database, clock):
    org = load_world(database, clock)
    load_plugins(load_settings())
    return org


@pytest.fixture
def lattice(world, database, clock):
    """A 1 km hexagonal lattice over the electric service area (about 60 cells)."""
    with database.write() as session:
        count = service.generate_units(session, actor=system_principal("test"), now=clock.now(), utility="electric", cell_m=1000, lattice="hex")
    return count
