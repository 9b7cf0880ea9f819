"""The browser fixtures (``browser``, ``screenshot_dir``) are in tests/conftest.py, shared by
browser tests in every folder; here, the world most browser tests here sign in to."""

import pytest
from tests.support import area
from tests.support import org as demo_org


@pytest.fixture
def world_on(sqlite_database, clock):
    """The demo organisation over the small test area, on the SQLite database a live site serves."""
    org = demo_org.load(sqlite_database, clock)
    org.grids = area.load(org, clock)
    return org
