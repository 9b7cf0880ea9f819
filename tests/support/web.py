"""An app over a test database, and a browser-like client that signs in the way a user does."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from gridcare.config import Settings
from gridcare.core.clock import Clock
from gridcare.db import Database
from gridcare.main import create_app

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def client_for(settings: Settings, db: Database, clock: Clock) -> TestClient:
    return TestClient(create_app(settings, db=db, clock=clock, run_worker=False), follow_redirects=False)


def csrf_of(client: TestClient, path: str = "/login") -> str:
    match = CSRF.search(client.get(path).text)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def sign_in(client: TestClient, login: str, password: str) -> tuple[int, str]:
    """Returns the status of the POST and the CSRF token of the signed-in session."""
    token = csrf_of(client)
    response = client.post("/login", data={"login": login, "password": password, "csrf_token": token, "next": "/"})
    if response.status_code != 303:
        return response.status_code, token
    return response.status_code, csrf_of(client, "/")
