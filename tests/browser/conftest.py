"""The browser fixtures (``browser``, ``screenshot_dir``) are in tests/conftest.py, shared by
browser tests in every folder; here, the world most browser tests here sign in to."""

import pytest
from tests.support import area
from tests.support import org as demo_org
from tests.support.live import live_site


@pytest.fixture
def world_on(sqlite_database, clock):
    """The demo organisation over the small test area, on the SQLite database a live site serves."""
    org = demo_org.load(sqlite_database, clock)
    org.grids = area.load(org, clock)
    return org


@pytest.fixture
def site(sqlite_database, clock, tmp_path, world_on):
    """The app with its worker, serving ``world_on`` (a test file may define its own site)."""
    with live_site(sqlite_database, clock, tmp_path, run_worker=True, worker_poll_seconds=0.05, notify_quiet_hours="off") as url:
        yield url
