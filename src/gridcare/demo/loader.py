"""``gridcare demo``: build the demo data in steps. Each capability adds its step here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from gridcare.auth import service as auth
from gridcare.core.clock import Clock
from gridcare.core.principal import system_principal
from gridcare.db import Database
from gridcare.demo.org import DEMO_PASSWORD, USERS, load_org

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class DemoSummary:
    created: bool
    users: list[tuple[str, str]]  # (login, role)
    password: str


def has_demo(db: Database) -> bool:
    with db.read() as session:
        return auth.count_users(session) > 0


def load_demo(db: Database, *, clock: Clock, seed: int = 7, progress: Progress | None = None, customers: int = 50_000, grids: int = 60) -> DemoSummary:
    """Load the demo into an empty database; a database that already has users is left alone."""
    users = [(u.login, u.role) for u in USERS]
    if has_demo(db):
        return DemoSummary(created=False, users=users, password=DEMO_PASSWORD)
    actor = system_principal("demo")
    report = progress or (lambda stage, done, total: None)
    from gridcare.demo.city import build_city
    from gridcare.demo.service_area import load_city, load_history, load_open_orders

    city = build_city(seed=seed, customers=customers, grids=grids, progress=report)
    # One transaction: an interrupted demo leaves an empty database, and running it again works.
    with db.write() as session:
        report("organisation", 0, 1)
        units = load_org(session, actor=actor, now=clock.now())
        report("organisation", 1, 1)
        load_city(session, actor=actor, now=clock.now(), city=city, units=units, progress=report)
        load_history(session, actor=actor, now=clock.now(), city=city, seed=seed, progress=report)
        load_open_orders(session, actor=actor, now=clock.now(), city=city, seed=seed)
    from gridcare.calls.demo import load_calls

    load_calls(db, clock, seed=seed)
    from gridcare.outages.demo import load_outages

    load_outages(db, clock, seed)
    from gridcare.calls.demo import load_outage_calls

    load_outage_calls(db, clock, seed)
    import importlib
    from importlib.util import find_spec

    from gridcare.domains import FIELD_AND_MANAGEMENT

    for domain in FIELD_AND_MANAGEMENT:
        if find_spec(f"gridcare.{domain}.demo") is not None:
            importlib.import_module(f"gridcare.{domain}.demo").load_demo(db, clock, seed=seed, progress=report)
    return DemoSummary(created=True, users=users, password=DEMO_PASSWORD)
