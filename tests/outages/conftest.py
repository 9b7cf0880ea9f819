"""Fixtures of the outage tests: the demo organisation over the small test area
(electric SUB → F1 → {T1, SW1 → T2}; water SRC → V1 → J1 → S1)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from gridcare.config import load_settings
from gridcare.customers.models import Customer
from gridcare.main import load_plugins
from gridcare.notify.models import Notification
from tests.support.demo_client import client, load_world  # noqa: F401  (client: over this folder's world)


@pytest.fixture
def world(database, clock):
    org = load_world(database, clock)
    load_plugins(load_settings())
    return org


def customer_id(db: Any, account: str) -> int:
    with db.read() as session:
        return session.scalars(select(Customer.id).where(Customer.account == account)).one()


def messages(db: Any, outage_id: int, **where: Any) -> list[Notification]:
    with db.read() as session:
        stmt = select(Notification).where(Notification.source_kind == "outage", Notification.source_id == outage_id)
        for k, v in where.items():
            stmt = stmt.where(getattr(Notification, k) == v)
        rows = list(session.scalars(stmt.order_by(Notification.id)))
        session.expunge_all()
        return rows
