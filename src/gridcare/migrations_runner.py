"""Alembic, driven from code: ``gridcare db upgrade`` and the readiness check use it."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


# Indexes on expressions: PostgreSQL gives their definition back in its own words, so
# autogenerate would drop and re-create them on every comparison. Checked by their own tests.
EXPRESSION_INDEXES = frozenset({"ix_work_orders_queue"})


def compared(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """Alembic's include_object: what autogenerate compares between models and database."""
    return not (type_ == "index" and name in EXPRESSION_INDEXES)


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


# Any constant will do, as long as every gridcare process uses the same one.
MIGRATION_LOCK = 0x67726964


def upgrade(url: str, revision: str = "head") -> None:
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    if not url.startswith("postgresql"):
        command.upgrade(alembic_config(url), revision)
        return
    # Hosts started together each migrate (`gridcare serve` without --no-migrate, one migrate
    # unit per host): the first takes this lock and migrates, the others wait, then find the
    # schema at head and do nothing. Alembic alone would run the same DDL twice at once.
    from gridcare.db import make_engine

    engine = make_engine(url, one_shot=True)
    try:
        with engine.connect() as lock:
            lock.exec_driver_sql(f"SELECT pg_advisory_lock({MIGRATION_LOCK})")
            lock.commit()
            try:
                command.upgrade(alembic_config(url), revision)
            finally:
                lock.exec_driver_sql(f"SELECT pg_advisory_unlock({MIGRATION_LOCK})")
                lock.commit()
    finally:
        engine.dispose()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()
