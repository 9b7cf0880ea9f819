"""Fixtures of the field tests: the demo organisation over the small test area, with a
hydrant and a second valve added to the water network (SRC → V1 → J1 → S1, H1 off J1)."""

from __future__ import annotations

from typing import Any

import pytest
from dateutil import rrule as rrule_module
from sqlalchemy import select

from gridcare.config import load_settings
from gridcare.core.principal import system_principal
from gridcare.customers.models import Customer
from gridcare.grids import service as grids
from gridcare.main import load_plugins
from gridcare.network import service as network
from gridcare.network.topology import WaterNode, WaterPipe
from tests.support.area import BOTH
from tests.support.demo_client import as_user, client, load_world  # noqa: F401  (the same sign-in, over this folder's world)

# A 1×1 PNG: the smallest photo a phone could send.
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000" "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")


def add_hydrant(org: Any, clock: Any) -> None:
    with org.db.write() as session:
        network.import_water(
            session, actor=system_principal("test"), now=clock.now(),
            nodes=[WaterNode("SRC", "source", 112.99, 28.14), WaterNode("V1", "valve", 112.96, 28.13), WaterNode("J1", "junction", 112.93, 28.12),
                   WaterNode("S1", "service", 112.92, 28.12), WaterNode("H1", "hydrant", 112.931, 28.121, {"name": "五一路消火栓"}), WaterNode("V2", "valve", 112.94, 28.125)],
            pipes=[WaterPipe("P1", "SRC", "V1"), WaterPipe("P2", "V1", "J1"), WaterPipe("P3", "J1", "S1"), WaterPipe("P4", "J1", "H1"), WaterPipe("P5", "J1", "V2")],
            dmas=[("DMA-T", BOTH)],
        )
        grids.reassign_all(session, now=clock.now(), reason="test")


@pytest.fixture
def world(database, clock, tmp_path):
    org = load_world(database, clock)
    add_hydrant(org, clock)
    load_plugins(load_settings())
    org.data_dir = tmp_path / "data"  # type: ignore[attr-defined]
    return org


def customer_id(db: Any, account: str) -> int:
    with db.read() as session:
        return session.scalars(select(Customer.id).where(Customer.account == account)).one()




@pytest.fixture
def months_walked(monkeypatch):
    """Each (year, month) dateutil's walk through a rule looked at: it rebuilds its calendar
    whenever the walk enters a new month (a new year for a yearly rule). What a walk costs,
    counted rather than timed."""
    seen: list[tuple[int, int]] = []
    rebuild = rrule_module._iterinfo.rebuild

    def counting(self: Any, year: int, month: int) -> Any:
        seen.append((year, month))
        return rebuild(self, year, month)

    monkeypatch.setattr(rrule_module._iterinfo, "rebuild", counting)
    return seen
