"""Fixtures of the alert tests: the demo organisation over the small test area (grids
E-WEST with T1/E001, E-EAST with T2/E002+E003, W-ALL with S1/W001), and orders taken
through intake at chosen instants."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import select

from gridcare.config import load_settings
from gridcare.core.principal import system_principal
from gridcare.main import load_plugins
from gridcare.notify.models import Notification
from gridcare.workorders import service as orders
from tests.support.demo_client import client, load_world  # noqa: F401  (client: over this folder's world)


@pytest.fixture
def world(database, clock):
    org = load_world(database, clock)
    load_plugins(load_settings())
    return org


def take(db: Any, *, at: datetime, account: str, category: str = "repair", n: int = 1) -> list[int]:
    """``n`` orders of this customer at ``at`` (one second apart), through intake."""
    from datetime import timedelta

    ids = []
    with db.write() as session:
        for i in range(n):
            created = orders.create_order(session, actor=system_principal("test"), now=at + timedelta(seconds=i), intake=orders.Intake(category=category, channel="hotline", account=account, description="test"))
            ids.append(created.order.id)
    return ids


def alert_messages(db: Any, alert_id: int) -> list[Notification]:
    with db.read() as session:
        rows = list(session.scalars(select(Notification).where(Notification.source_kind == "alert", Notification.source_id == alert_id).order_by(Notification.id)))
        session.expunge_all()
        return rows
