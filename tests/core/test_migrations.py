from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from gridcare.migrations_runner import compared, current_revision, head_revision, upgrade
from gridcare.models import metadata


def test_it_migrates_to_head_and_matches_the_models(database):
    assert current_revision(database.engine) == head_revision()
    with database.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"include_object": compared}), metadata)
    assert diff == []


def test_it_runs_upgrade_again_without_harm(database):
    upgrade(database.url)
    assert current_revision(database.engine) == head_revision()
