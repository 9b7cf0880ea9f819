from tests.contractors.world import client, world  # noqa: F401
