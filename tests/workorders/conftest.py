import pytest

from tests.support import area
from tests.support import org as demo_org


@pytest.fixture
def org(database, clock):
    """The demo organisation with the small known service area (see tests/support/area.py)."""
    o = demo_org.load(database, clock)
    area.load(o, clock)
    return o
