"""Fixtures of the notification tests: the demo organisation and service area, and a
worker whose channels point at the test's own servers."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from gridcare.config import load_settings
from gridcare.customers.models import Customer
from gridcare.main import load_plugins
from gridcare.notify import service
from gridcare.pubsub import Broadcaster
from gridcare.worker import Worker, WorkerContext
from tests.support.demo_client import load_world


@pytest.fixture
def world(database, clock):
    org = load_world(database, clock)
    load_plugins(load_settings())
    return org


def customer_id(db, account: str) -> int:
    with db.read() as session:
        return session.scalars(select(Customer.id).where(Customer.account == account)).one()


def notify_settings(database, tmp_path, **overrides):
    base = {"data_dir": tmp_path / "data", "database_url": database.url, "secret_key": "test-secret-key-0123456789", "outbox_max_attempts": 6, "notify_quiet_hours": "off"}
    base.update(overrides)
    return load_settings(**base)


def make_worker(database, clock, settings, broadcaster: Broadcaster | None = None) -> Worker:
    return Worker(WorkerContext(db=database, broadcaster=broadcaster or Broadcaster(), settings=settings, clock=clock), name="test-worker")


def config(settings) -> service.NotifyConfig:
    return service.config_from(settings)
