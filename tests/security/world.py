"""The world the security matrix runs in: the demo city at a small size (two companies, every
role, rows of every kind), a few rows the demo does not make, and markers in the text of rows
so that a leak shows in any response body.

Markers: every grid-scoped text (grid, customer, order, task, case …) carries ``ZQG<grid id>Z``;
company-scoped text (network assets, outages, campaigns, projects …) carries ``ZQCEZ`` or ``ZQCWZ``;
customer names also carry ``ZQPIIZ`` (personal data, never on a public page). Which markers a
principal must never see is decided by the pure scoping rule (``auth.rules.can_see``)."""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select, text

from gridcare.auth import service as auth
from gridcare.auth.models import OrgUnit, User
from gridcare.auth.rules import RecordScope, can_see, holds_utility
from gridcare.config import Settings, load_settings
from gridcare.core.clock import SHANGHAI, FixedClock
from gridcare.core.principal import Principal, system_principal
from gridcare.db import Database
from gridcare.demo.loader import load_demo
from gridcare.demo.org import USERS

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=SHANGHAI)
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)
LOGINS = [u.login for u in USERS]
ELECTRIC, WATER = "ZQCEZ", "ZQCWZ"
PERSONAL = "ZQPIIZ"


def grid_marker(grid_id: int) -> str:
    return f"ZQG{grid_id}Z"


@dataclass(frozen=True)
class Sample:
    """A real row a path parameter can point at, and where it sits."""

    label: str  # "own" (the electric rep's grid), "grid" (another electric grid), "company" (water)
    params: dict[str, Any]
    scope: RecordScope
    utility_wide: bool = False  # network, rules, grid designs: the whole company's, not a grid's


@dataclass
class World:
    db: Database
    settings: Settings
    clock: FixedClock
    tokens: dict[str, str]  # login -> bearer token
    principals: dict[str, Principal]
    grids: dict[int, RecordScope]
    samples: dict[str, list[Sample]] = field(default_factory=dict)
    company_paths: dict[str, str] = field(
        default_factory=dict
    )  # "E"/"W" -> org path of the company
    extra_visible: dict[str, set[str]] = field(
        default_factory=dict
    )  # login -> markers visible by design beyond can_see
    task_grids: dict[str, set[int]] = field(
        default_factory=dict
    )  # login -> grids whose orders carry a support task for them
    refs: dict[str, Any] = field(
        default_factory=dict
    )  # ids and codes request bodies name ("dept_e", "customer_w" …)

    def company_of(self, login: str | None) -> str | None:
        """ "E" or "W" for someone working in or below one company; None for the group and contractors."""
        if login is None:
            return None
        found = [key for key in ("E", "W") if self._in_company(login, key)]
        return found[0] if found else None

    def sees(self, login: str | None, scope: RecordScope, *, utility_wide: bool = False) -> bool:
        if login is None:
            return False
        if utility_wide:
            return holds_utility(self.principals[login], [scope.org_path])
        if scope.grid_id is not None and scope.grid_id in self.task_grids.get(login, set()):
            return True
        return can_see(self.principals[login], scope)

    def forbidden_markers(self, login: str | None) -> set[str]:
        """The markers of every row this principal may not see."""
        if login is None:
            return {grid_marker(g) for g in self.grids} | {ELECTRIC, WATER, PERSONAL}
        found = {
            grid_marker(g)
            for g, scope in self.grids.items()
            if not can_see(self.principals[login], scope)
        }
        for marker, key in ((ELECTRIC, "E"), (WATER, "W")):
            if not self.sees(
                login, RecordScope(org_path=self.company_paths[key])
            ) and not self._in_company(login, key):
                found.add(marker)
        return found - self.extra_visible.get(login, set())

    def _in_company(self, login: str, key: str) -> bool:
        # Anyone below a company (a station, a team) belongs to it even where the company's own
        # rows are above their subtree.
        return self.principals[login].org_path.startswith(self.company_paths[key])

    def _scalar(self, sql: str, **params: Any) -> Any:
        with self.db.read() as session:
            return session.execute(text(sql), params).scalar_one()

    def account_of(self, customer_id: int) -> str:
        return self._scalar("SELECT account FROM customers WHERE id=:i", i=customer_id)

    def grid_of_group(self, group_id: int) -> int:
        return self._scalar("SELECT grid_id FROM notify_wecom_groups WHERE id=:i", i=group_id)

    def utility_of_grid(self, grid_id: int) -> str:
        return self._scalar("SELECT utility FROM grids WHERE id=:i", i=grid_id)

    def utility_of_call(self, call_id: int) -> str:
        path = self._scalar("SELECT org_path FROM call_records WHERE id=:i", i=call_id)
        return "water" if path.startswith(self.company_paths["W"]) else "electric"

    def customer_of_call(self, call_id: int) -> int:
        return self.refs["customer_w" if self.utility_of_call(call_id) == "water" else "customer_e"]

    def finding_kind(self, stop_id: int) -> str:
        utility = self._scalar(
            "SELECT t.utility FROM field_patrol_stops s JOIN field_patrol_tasks t ON t.id=s.task_id WHERE s.id=:i",
            i=stop_id,
        )
        return "leak" if utility == "water" else "line_clearance"

    def full_scores(self) -> dict[str, int]:
        import json

        items = self._scalar(
            "SELECT items FROM qa_checklists WHERE active ORDER BY id DESC LIMIT 1"
        )
        return {
            item["key"]: item["weight"]
            for item in (json.loads(items) if isinstance(items, str) else items)
        }

    def fingerprint(self, skip: frozenset[str] = frozenset({"api_tokens"})) -> str:
        """A digest of every table's rows: equal before and after means nothing was written."""
        digest = hashlib.sha256()
        with self.db.engine.connect() as conn:
            names = [
                r[0]
                for r in conn.execute(
                    text("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")
                )
            ]
            for name in names:
                if name in skip:
                    continue
                digest.update(name.encode())
                for row in conn.execute(text(f'SELECT * FROM "{name}" ORDER BY 1')):
                    digest.update(repr(tuple(row)).encode())
        return digest.hexdigest()


def build(directory: Path, template: Path) -> World:
    path = directory / "world.sqlite3"
    shutil.copy(template, path)
    db = Database(f"sqlite:///{path}")
    settings = load_settings(
        data_dir=directory / "data",
        database_url=db.url,
        secret_key="test-secret-key-0123456789",
        embedded_worker=False,
    )
    clock = FixedClock(NOW)
    from gridcare.main import load_plugins

    load_plugins(settings)
    load_demo(db, clock=clock, customers=300, grids=4)
    from tests.security.world_rows import extra_visible, refs, samples, supplement

    open311_key = supplement(db, settings, clock)
    tokens = _tokens(db, clock)
    with db.read() as session:
        principals = {
            login: auth.principal_for(
                session,
                user=session.scalars(select(User).where(User.login == login)).one(),
                origin="test",
            )
            for login in LOGINS
        }
        company_paths = {
            key: session.scalars(select(OrgUnit.path).where(OrgUnit.code == code)).one()
            for key, code in (("E", "XC-E"), ("W", "XC-W"))
        }
        grids = {
            gid: RecordScope(org_path=path, grid_id=gid, gridded=True)
            for gid, path in session.execute(text("SELECT id, org_path FROM grids"))
        }
    _mark(db)
    world = World(
        db=db,
        settings=settings,
        clock=clock,
        tokens=tokens,
        principals=principals,
        grids=grids,
        company_paths=company_paths,
    )
    world.samples = samples(world)
    world.extra_visible = extra_visible(world)
    world.task_grids = {"department": {int(m[3:-1]) for m in world.extra_visible["department"]}}
    world.refs = refs(world) | {"open311_key": open311_key}
    return world


def _tokens(db: Database, clock: FixedClock) -> dict[str, str]:
    tokens = {}
    with db.write() as session:
        for login in LOGINS:
            user = auth.find_user_by_login(session, login=login)
            assert user is not None
            _row, tokens[login] = auth.create_token(
                session,
                actor=system_principal("test"),
                now=clock.now(),
                user_id=user.id,
                name="matrix",
            )
    return tokens


def first(session: Any, sql: str, **params: Any) -> Any:
    return session.execute(text(sql), params).first()


# Text columns that carry a grid's marker, by table; company-level rows carry the company's.
GRID_TEXT = {
    "customers": ["name", "address"],
    "work_orders": ["description", "caller_name", "address"],
    "alerts": ["title"],
    "arrears_cases": ["reason"],
    "field_patrol_plans": ["name"],
    "field_patrol_tasks": ["title"],
    "field_stakeholders": ["name"],
    "field_visit_plans": ["title"],
    "field_watches": ["title"],
    "field_data_changes": ["note"],
    "contractor_items": ["label"],
    "notify_wecom_groups": ["name"],
}
COMPANY_TEXT = {
    "outages": ("area", "org_path"),
    "campaigns": ("title", "org_path"),
    "contractor_projects": ("name", "org_path"),
    "local_repair_lines": ("name", "org_path"),
    "org_units": ("name", "path"),
    "knowledge_articles": ("title", "org_path"),
}


def _mark(db: Database) -> None:
    with db.write() as session:
        for table, columns in GRID_TEXT.items():
            for column in columns:
                session.execute(
                    text(
                        f"UPDATE {table} SET {column} = coalesce({column}, '') || ' ZQG' || grid_id || 'Z' WHERE grid_id IS NOT NULL"
                    )
                )
        session.execute(text("UPDATE grids SET name = name || ' ZQG' || id || 'Z'"))
        session.execute(
            text(
                "UPDATE analytics_scorecard_snapshots SET subject_name = subject_name || ' ZQG' || subject_id || 'Z' WHERE subject_kind = 'grid'"
            )
        )
        session.execute(text(f"UPDATE customers SET name = name || ' {PERSONAL}'"))
        paths = dict(
            session.execute(
                text("SELECT code, path FROM org_units WHERE code IN ('XC-E', 'XC-W')")
            ).all()
        )
        # The network belongs to its company as a whole: a rep may see the feeder upstream of
        # their grid, wherever it stands.
        for utility, marker in (("electric", ELECTRIC), ("water", WATER)):
            session.execute(
                text(
                    f"UPDATE assets SET name = coalesce(name, '') || ' {marker}' WHERE utility = :u"
                ),
                {"u": utility},
            )
        for table, (column, path_column) in COMPANY_TEXT.items():
            for code, marker in (("XC-E", ELECTRIC), ("XC-W", WATER)):
                session.execute(
                    text(
                        f"UPDATE {table} SET {column} = {column} || ' {marker}' WHERE {path_column} LIKE :p"
                    ),
                    {"p": paths[code] + "%"},
                )
