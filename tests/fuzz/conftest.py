"""A populated database for the fuzz tests: the demo organisation plus a small area, built once
per worker and copied for each test, so a test's writes never leak into the next one."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from gridcare.auth import service as auth
from gridcare.config import Settings, load_settings
from gridcare.core.clock import FixedClock
from gridcare.db import Database
from tests.fuzz.hostile import Cli, Http
from tests.support import area
from tests.support import org as demo_org


@pytest.fixture(scope="session")
def populated_template(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from datetime import datetime

    from gridcare.core.clock import SHANGHAI

    path = tmp_path_factory.mktemp("fuzz-template") / "populated.sqlite3"
    shutil.copy(sqlite_template, path)
    db = Database(f"sqlite:///{path}")
    try:
        org = demo_org.load(db, FixedClock(datetime(2026, 11, 24, 9, 0, tzinfo=SHANGHAI)))
        area.load(org, FixedClock(datetime(2026, 11, 24, 9, 0, tzinfo=SHANGHAI)))
    finally:
        db.dispose()
    return path


@pytest.fixture
def populated_sqlite(tmp_path: Path, populated_template: Path) -> Iterator[Database]:
    path = tmp_path / "gridcare.sqlite3"
    shutil.copy(populated_template, path)
    db = Database(f"sqlite:///{path}")
    yield db
    db.dispose()


@pytest.fixture
def populated_postgresql(postgres_database: Database, clock: FixedClock) -> Database:
    # PostgreSQL refuses what SQLite stores (NUL in text, out-of-range integers in int4
    # columns), so the tests that write user data run on both.
    area.load(demo_org.load(postgres_database, clock), clock)
    return postgres_database


@pytest.fixture
def populated(populated_sqlite: Database) -> Database:
    """SQLite by default; a test module asks for both by overriding this fixture."""
    return populated_sqlite


@pytest.fixture
def fuzz_settings(tmp_path: Path, populated: Database) -> Settings:
    return load_settings(
        data_dir=tmp_path / "data",
        database_url=populated.url,
        secret_key="test-secret-key-0123456789",
        worker_poll_seconds=0.05,
    )


@pytest.fixture
def org(populated: Database) -> demo_org.Org:
    from sqlalchemy import select

    from gridcare.auth.models import OrgUnit

    with populated.read() as session:
        units = {
            code: unit_id for code, unit_id in session.execute(select(OrgUnit.code, OrgUnit.id))
        }
    return demo_org.Org(db=populated, units=units)


@pytest.fixture
def admin_token(org: demo_org.Org, populated: Database, clock: FixedClock) -> str:
    actor = org.principal("admin")
    with populated.write() as session:
        _, plain = auth.create_token(
            session, actor=actor, now=clock.now(), user_id=actor.user_id, name="fuzz"
        )
    return plain


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Schemathesis gives every operation's test the same node id under pytest 9; name each one
    # after its operation so reports, --durations and xdist tell them apart.
    from _pytest.nodeid import coerce_node_id

    for item in items:
        if type(item).__name__ == "SchemathesisFunction" and "[" not in item.nodeid:
            item._id = coerce_node_id(f"{item.parent.nodeid}::{item.name}")


@pytest.fixture
def http(
    fuzz_settings: Settings, populated: Database, clock: FixedClock, admin_token: str
) -> Iterator[Http]:
    """A client uploading files as the admin, checking each refusal (see ``Http.upload``)."""
    from tests.support.web import client_for

    with client_for(fuzz_settings, populated, clock) as client:
        yield Http(client, admin_token, populated)


@pytest.fixture
def cli(
    fuzz_settings: Settings, populated: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Cli]:
    """The ``gridcare`` command over the test database, checking each refusal (``Cli.run``)."""
    from gridcare.cli import register_commands
    from gridcare.config import get_settings

    register_commands()
    monkeypatch.setenv("GRIDCARE_DATABASE_URL", populated.url)
    monkeypatch.setenv("GRIDCARE_DATA_DIR", str(fuzz_settings.data_dir))
    get_settings.cache_clear()
    yield Cli(populated, tmp_path)
    get_settings.cache_clear()
