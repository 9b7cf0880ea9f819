"""Fixtures of the analytics tests: the demo organisation over the small test area, and
helpers that make orders the way users do (through the work-order service) or load a
closed history the way the demo and migrations do."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from gridcare.core.clock import SHANGHAI
from gridcare.core.principal import system_principal
from gridcare.workorders import history, service
from tests.support.demo_client import as_user, client, load_world  # noqa: F401  (client: a browser-less client of the app over ``world``)


@pytest.fixture
def world(database, clock):
    return load_world(database, clock)


def local(y: int, m: int, d: int, hh: int = 9, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


def create(db, clock, actor, **kw) -> int:
    kw.setdefault("category", "repair")
    kw.setdefault("channel", "hotline")
    with db.write() as session:
        return service.create_order(session, actor=actor, now=clock.now(), intake=service.Intake(**kw)).order.id


def do(db, clock, actor, order_id, command, **args) -> str:
    with db.write() as session:
        return service.execute(session, actor=actor, now=clock.now(), order_id=order_id, command=command, args=args).status


def past(key: str, *, account: str = "E001", grid: str = "E-WEST", category: str = "repair", channel: str = "hotline", created: datetime, accept_min: int = 5, arrive_min: int | None = 30, resolve_min: int = 120, satisfaction: int | None = 5, escalations: int = 0, utility: str = "electric") -> history.PastOrder:
    c = created
    resolved = c + timedelta(minutes=resolve_min)
    return history.PastOrder(
        key=key, account=account, grid_code=grid, utility=utility, category=category, channel=channel, description="历史工单",
        created_at=c, accepted_at=c + timedelta(minutes=accept_min), arrived_at=c + timedelta(minutes=arrive_min) if arrive_min is not None else None,
        resolved_at=resolved, callback_at=resolved + timedelta(hours=1) if satisfaction else None, closed_at=resolved + timedelta(hours=2),
        satisfaction=satisfaction, escalations=escalations, by_backup=False,
    )  # fmt: skip


def load_history(db, clock, orders) -> None:
    with db.write() as session:
        history.load_closed_orders(session, actor=system_principal("test"), now=clock.now(), orders=orders)


@pytest.fixture
def cli(database, tmp_path, monkeypatch):
    """``gridcare …`` against the test database; settings are read afresh, and forgotten after."""
    from typer.testing import CliRunner

    import gridcare.analytics.cli  # noqa: F401 - registers the commands
    from gridcare.cli import app
    from gridcare.config import get_settings

    monkeypatch.setenv("GRIDCARE_DATABASE_URL", database.url)
    monkeypatch.setenv("GRIDCARE_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    yield lambda *args: CliRunner().invoke(app, list(args))
    get_settings.cache_clear()
