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


def load_demo(db: Database, *, clock: Clock, seed: int = 7, progress: Progress | None = None) -> DemoSummary:
    """Load the demo into an empty database; a database that already has users is left alone."""
    users = [(u.login, u.role) for u in USERS]
    if has_demo(db):
        return DemoSummary(created=False, users=users, password=DEMO_PASSWORD)
    actor = system_principal("demo")
    report = progress or (lambda stage, done, total: None)
    report("organisation", 0, 1)
    with db.write() as session:
        load_org(session, actor=actor, now=clock.now())
    report("organisation", 1, 1)
    return DemoSummary(created=True, users=users, password=DEMO_PASSWORD)
