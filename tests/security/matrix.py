"""The security matrix's world served by the app, and a way back to it as built."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from fastapi.testclient import TestClient

from gridcare.main import create_app
from tests.conftest import forget_caches
from tests.security.routes import Route, app_routes
from tests.security.world import World, build


@dataclass
class Matrix:
    world: World
    client: TestClient
    routes: dict[str, Route]
    path: Path
    pristine: Path
    watch: sqlite3.Connection

    def version(self) -> int:
        """SQLite's data_version moves whenever another connection commits a change."""
        return self.watch.execute("PRAGMA data_version").fetchone()[0]

    def restore(self) -> None:
        """Back to the world as built, through SQLite's backup API: the app's connections stay
        open and see the restored pages on their next transaction."""
        with sqlite3.connect(self.pristine) as source:
            source.backup(self.watch)
        forget_caches()


@contextmanager
def served_world(directory: Path, sqlite_template: Path, *, raise_server_exceptions: bool = True) -> Iterator[Matrix]:
    world = build(directory, sqlite_template)
    world.db.engine.dispose()
    path = directory / "world.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    pristine = directory / "pristine.sqlite3"
    shutil.copy(path, pristine)
    app = create_app(world.settings, db=world.db, clock=world.clock, run_worker=False)
    with TestClient(app, follow_redirects=False, raise_server_exceptions=raise_server_exceptions) as client:
        m = Matrix(
            world,
            client,
            {r.key: r for r in app_routes(app)},
            path,
            pristine,
            sqlite3.connect(path),
        )
        yield m
        m.watch.close()
    world.db.dispose()
