"""The demo organisation, loaded for tests that need users of every role."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from gridcare.auth import service as auth
from gridcare.auth.models import OrgUnit, User
from gridcare.core.clock import Clock
from gridcare.core.principal import Principal, system_principal
from gridcare.db import Database
from gridcare.demo.org import DEMO_PASSWORD, load_org

PASSWORD = DEMO_PASSWORD


@dataclass
class Org:
    db: Database
    units: dict[str, int]

    def principal(self, login: str) -> Principal:
        with self.db.read() as session:
            user = session.scalars(select(User).where(User.login == login)).one()
            return auth.principal_for(session, user=user, origin="test")

    def user_id(self, login: str) -> int:
        with self.db.read() as session:
            return session.scalars(select(User.id).where(User.login == login)).one()

    def unit_path(self, code: str) -> str:
        with self.db.read() as session:
            return session.scalars(select(OrgUnit.path).where(OrgUnit.code == code)).one()


def load(db: Database, clock: Clock) -> Org:
    with db.write() as session:
        units = load_org(session, actor=system_principal("test"), now=clock.now())
    return Org(db=db, units=units)
