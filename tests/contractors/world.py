"""Shared fixtures of the contractors, campaigns, cards and arrears tests: the demo
organisation over the small test area (grids E-WEST with rep "rep", E-EAST without a rep,
W-ALL with rep "w_rep"; customers E001 … E003, W001), and a signed-in client."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from gridcare.config import load_settings
from gridcare.customers.models import Customer
from gridcare.main import load_plugins
from gridcare.notify.models import Notification
from tests.support.demo_client import as_user, client, load_world  # noqa: F401  (also for the folders that share this world)


@pytest.fixture
def world(database, clock):
    org = load_world(database, clock)
    load_plugins(load_settings())
    return org


def customer_id(db: Any, account: str) -> int:
    with db.read() as session:
        return session.scalars(select(Customer.id).where(Customer.account == account)).one()


def messages(db: Any, source_kind: str, source_id: int | None = None) -> list[Notification]:
    with db.read() as session:
        stmt = select(Notification).where(Notification.source_kind == source_kind)
        if source_id is not None:
            stmt = stmt.where(Notification.source_id == source_id)
        rows = list(session.scalars(stmt.order_by(Notification.id)))
        session.expunge_all()
        return rows
