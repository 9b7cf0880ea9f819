"""The security matrix's world served by the app, and a way back to it as built."""

from __future__ import annotations

import html
import re
import shutil
import sqlite3
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from gridcare.main import create_app
from tests.conftest import forget_caches
from tests.security.routes import Route, app_routes
from tests.security.world import World, build

LINK = re.compile(r'href="(/[^"#]*)"')
NOT_PAGES = ("/static/", "/api/", "/open311/", "/logout", "/r/")


@dataclass
class Matrix:
    world: World
    client: TestClient
    routes: dict[str, Route]
    path: Path
    pristine: Path
    watch: sqlite3.Connection
    crawls: dict[str, Any] = field(default_factory=dict)  # login -> what their walk found (read-only: kept)

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


@dataclass
class Visit:
    path: str
    linked_from: str
    response: Any
    read: bool  # an HTML page whose links were followed: two of each shape (/orders/N) are


def walk(matrix: Matrix, login: str) -> Iterator[Visit]:
    """Every page ``login`` reaches from the home page by links, each opened once; the world
    is restored after (pages that mark what was seen, such as notifications, write)."""
    headers = {"Authorization": f"Bearer {matrix.world.tokens[login]}"}
    linked_from, queue, read = {"/": "the start"}, ["/"], Counter[str]()
    try:
        while queue:
            path = queue.pop(0)
            response = matrix.client.get(path, headers=headers)
            shape = re.sub(r"\d+", "N", path)
            follows = response.headers.get("content-type", "").startswith("text/html") and read[shape] < 2
            read[shape] += follows
            yield Visit(path, linked_from[path], response, follows)
            if not follows:
                continue
            for link in map(html.unescape, LINK.findall(response.text)):
                link = link.partition("?")[0]
                if not link.startswith(NOT_PAGES) and link not in linked_from:
                    linked_from[link] = path
                    queue.append(link)
    finally:
        matrix.restore()
