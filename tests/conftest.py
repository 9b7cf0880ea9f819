"""Shared fixtures. Tests that touch the database run on SQLite and PostgreSQL alike.

When ``GRIDCARE_TEST_REQUIRE`` names a service (CI sets "postgres,redis"), a test needing it
fails if it is unreachable instead of being skipped."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import text

os.environ.setdefault("GRIDCARE_PASSWORD_HASH_PROFILE", "cheapest")

from hypothesis import settings as hypothesis_settings  # noqa: E402

# Two xdist workers share two cores with browsers and servers: an example's wall time says
# nothing about the code, so no per-example deadline.
hypothesis_settings.register_profile("gridcare", deadline=None)
hypothesis_settings.load_profile("gridcare")

from gridcare.config import Settings, load_settings
from gridcare.core.clock import SHANGHAI, FixedClock
from gridcare.db import Database
from gridcare.migrations_runner import upgrade
from gridcare.models import metadata

REQUIRED = {s.strip() for s in os.environ.get("GRIDCARE_TEST_REQUIRE", "").split(",") if s.strip()}
PG_ADMIN_URL = os.environ.get("GRIDCARE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("GRIDCARE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def unavailable(service: str, why: str) -> None:
    if service in REQUIRED:
        pytest.fail(f"{service} is required (GRIDCARE_TEST_REQUIRE) but unavailable: {why}")
    pytest.skip(f"{service} unavailable: {why}")


def _database_name(config: pytest.Config) -> str:
    """Unique per test run and xdist worker: two runs on one machine (a developer's and a
    clean-clone CI run) must never truncate each other's tables."""
    info = getattr(config, "workerinput", {})
    run = info.get("testrunuid") or f"{os.getpid()}"
    return f"gridcare_test_{run[:10]}_{info.get('workerid', 'main')}".lower()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file; each test gets a copy, which is much faster than migrating."""
    path = tmp_path_factory.mktemp("sqlite-template") / "template.sqlite3"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_url(request: pytest.FixtureRequest) -> str:
    """This xdist worker's own PostgreSQL database, migrated once."""
    import psycopg

    name = _database_name(request.config)
    admin = PG_ADMIN_URL.replace("postgresql+psycopg://", "postgresql://")
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        unavailable("postgres", str(exc).splitlines()[0])

    def drop() -> None:
        with psycopg.connect(admin, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    request.addfinalizer(drop)
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    upgrade(url)
    return url


_TABLES = [t.name for t in metadata.sorted_tables if t.name != "alembic_version"]
# One statement that names the tables holding rows: most tests fill a dozen of some 80.
_FILLED = " UNION ALL ".join(f"SELECT '{name}' WHERE EXISTS (SELECT 1 FROM \"{name}\")" for name in _TABLES)


def _truncate_postgres(db: Database) -> None:
    """Empty every table and restart every sequence, as TRUNCATE … RESTART IDENTITY would.
    DELETE of the few tables that hold rows takes tens of milliseconds where TRUNCATE of all
    (new files for each table) took half a second to a second, per test. Foreign keys are not
    checked meanwhile (replica role: the order of the tables no longer matters)."""
    with db.engine.begin() as conn:
        filled = {row[0] for row in conn.execute(text(_FILLED))}
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        for name in _TABLES:
            if name in filled:
                conn.execute(text(f'DELETE FROM "{name}"'))
        conn.execute(text("SELECT setval(c.oid, 1, false) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'S' AND n.nspname = 'public'"))


def forget_caches() -> None:
    """Process-wide caches (principals, grid locators) must not leak between tests."""
    from gridcare.auth.cache import principals
    from gridcare.auth.service import forget_contacts
    from gridcare.grids.service import forget_locators
    from gridcare.outages import storm
    from gridcare.workorders import duty, escalation, policies

    principals.clear()
    forget_contacts()
    duty.forget()
    escalation.forget()
    storm.forget()
    forget_locators()
    policies.forget()


@pytest.fixture(autouse=True)
def _fresh_caches() -> Iterator[None]:
    forget_caches()
    yield


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A migrated, empty database of each kind."""
    if request.param == "sqlite":
        path = tmp_path / "gridcare.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        db = Database(f"sqlite:///{path}")
        yield db
        db.dispose()
        return
    url = request.getfixturevalue("postgres_url")
    db = Database(url)
    _truncate_postgres(db)
    yield db
    db.dispose()


@pytest.fixture
def sqlite_database(tmp_path: Path, sqlite_template: Path) -> Iterator[Database]:
    path = tmp_path / "gridcare.sqlite3"
    shutil.copy(sqlite_template, path)
    db = Database(f"sqlite:///{path}")
    yield db
    db.dispose()


@pytest.fixture
def postgres_database(postgres_url: str) -> Iterator[Database]:
    db = Database(postgres_url)
    _truncate_postgres(db)
    yield db
    db.dispose()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 11, 24, 9, 0, tzinfo=SHANGHAI))


@pytest.fixture
def settings(tmp_path: Path, database: Database) -> Settings:
    return load_settings(data_dir=tmp_path / "data", database_url=database.url, secret_key="test-secret-key-0123456789", worker_poll_seconds=0.05)


@pytest.fixture
def redis_url() -> str:
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        unavailable("redis", str(exc))
    finally:
        client.close()
    return REDIS_URL


# Browser tests in any folder share one Chromium per worker: a second Playwright session in
# the same thread fails ("Sync API inside the asyncio loop"), so the fixtures live here only.
CHROMIUM = os.environ.get("GRIDCARE_TEST_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = Path(os.environ.get("GRIDCARE_SCREENSHOTS", Path(__file__).resolve().parents[1] / "screenshots"))


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        if "browser" in os.environ.get("GRIDCARE_TEST_REQUIRE", ""):
            pytest.fail(f"Chromium not found at {CHROMIUM}: run scripts/test.sh, which installs it")
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def screenshot_dir() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """``--dist loadgroup`` under pytest 9: xdist (3.8) marks a group in ``item._nodeid``,
    which pytest 9 no longer reads, so every group was spread over the workers. The same
    suffix, on the attribute pytest 9 keeps the node id in."""
    if not getattr(config.option, "loadgroup", False) or not items or not hasattr(items[0], "_id"):
        return  # not a worker of --dist loadgroup, or a pytest that xdist marks itself
    from _pytest.nodeid import coerce_node_id

    for item in items:
        names = sorted({str(m.args[0] if m.args else m.kwargs.get("name", "default")) for m in item.iter_markers("xdist_group")})
        if names and "@" not in item.nodeid:
            item._id = coerce_node_id(f"{item.nodeid}@{'_'.join(names)}")
