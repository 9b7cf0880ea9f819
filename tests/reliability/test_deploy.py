"""The deployment files run commands that exist: the systemd units, the compose file and the
commands in docs/deploy.md are checked against the real CLI, the nginx locations against the
app's routes, so that none of them rots. And migrations started on several hosts at once run once."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
import typer.main
import yaml
from fastapi.testclient import TestClient

from gridcare.cli import app, register_commands
from gridcare.core.uploads import MAX_BYTES

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
DOC = ROOT / "docs" / "deploy.md"


def cli_tree() -> Any:
    register_commands()
    return typer.main.get_command(app)  # type: ignore[return-value]


def check_invocation(argv: list[str]) -> str:
    """Walk ``gridcare …`` down to its command; every option it passes must exist there.
    Returns the top-level command name."""
    assert Path(argv[0]).name == "gridcare", argv
    command = cli_tree()
    words = argv[1:]
    while hasattr(command, "commands"):  # a group (Typer vendors its own click: no isinstance)
        assert words and words[0] in command.commands, (
            f"{' '.join(argv)}: no command {words[:1]} (has {sorted(command.commands)})"
        )
        command, words = command.commands[words[0]], words[1:]
    known = {opt for p in command.params for opt in (*p.opts, *p.secondary_opts)}
    for word in words:
        if word.startswith("--"):
            assert word.split("=")[0] in known, (
                f"{' '.join(argv)}: {command.name} has no option {word} (has {sorted(known)})"
            )
    return argv[1]


def systemd_commands() -> dict[str, list[list[str]]]:
    found: dict[str, list[list[str]]] = {}
    for unit in sorted((DEPLOY / "systemd").glob("*.service")):
        lines = [line.strip() for line in unit.read_text().splitlines()]
        found[unit.name] = [
            shlex.split(line.split("=", 1)[1]) for line in lines if line.startswith(("ExecStart=", "ExecStartPre="))
        ]
    return found


@pytest.fixture(scope="module")
def top_level_help() -> str:
    """What an operator sees: the real entry point's ``gridcare --help``."""
    result = subprocess.run(
        [sys.executable, "-m", "gridcare.cli", "--help"],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"},
    )
    return result.stdout


def test_the_systemd_units_run_commands_the_cli_has(top_level_help):
    units = systemd_commands()
    assert set(units) >= {
        "gridcare-migrate.service",
        "gridcare-web.service",
        "gridcare-worker@.service",
        "gridcare-backup.service",
    }
    for name, commands in units.items():
        assert commands, f"{name} runs nothing"
        for argv in commands:
            top = check_invocation(argv)
            assert re.search(rf"│ {re.escape(top)}\s", top_level_help), f"{name}: {top} is not in gridcare --help"
    assert units["gridcare-web.service"] == [
        [
            "/opt/gridcare/.venv/bin/gridcare",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            "8000",
            "--workers",
            "4",
            "--no-migrate",
        ]
    ]
    web = (DEPLOY / "systemd" / "gridcare-web.service").read_text()
    migrate = (DEPLOY / "systemd" / "gridcare-migrate.service").read_text()
    assert "Requires=gridcare-migrate.service" in web and "Type=oneshot" in migrate and "RemainAfterExit=yes" in migrate
    timer = (DEPLOY / "systemd" / "gridcare-backup.timer").read_text()
    assert "OnCalendar=" in timer


def test_the_compose_file_runs_postgres_redis_a_migration_web_and_workers(top_level_help):
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    assert {"postgres", "redis", "migrate", "web", "worker"} <= set(services)
    for name, service in services.items():
        argv = service.get("command")
        if argv and argv[0] == "gridcare":
            top = check_invocation(argv)
            assert re.search(rf"│ {re.escape(top)}\s", top_level_help), f"{name}: {top} is not in gridcare --help"
    assert services["migrate"]["command"] == ["gridcare", "db", "upgrade"]
    assert "--no-migrate" in services["web"]["command"]
    for name in ("web", "worker"):
        assert services[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
        env = services[name]["environment"]
        assert env["GRIDCARE_EMBEDDED_WORKER"] == "false" and env["GRIDCARE_REDIS_URL"].startswith("redis://redis:")
        assert (
            env["GRIDCARE_DATABASE_URL"].startswith("postgresql://")
            and "@postgres:5432/" in env["GRIDCARE_DATABASE_URL"]
        )
    assert "/readyz" in " ".join(services["web"]["healthcheck"]["test"])
    assert services["worker"]["command"] == ["gridcare", "worker"]


def test_the_nginx_locations_exist_in_the_app_and_the_push_stream_is_not_buffered(tmp_path):
    from gridcare.config import load_settings
    from gridcare.main import create_app

    conf = (DEPLOY / "nginx" / "gridcare.conf").read_text()
    blocks = dict(re.findall(r"location\s+=?\s*(\S+)\s*\{([^}]*)\}", conf))
    app = create_app(load_settings(data_dir=tmp_path, secret_key="k" * 32), run_worker=False)
    mounts = {getattr(r, "path", None) for r in app.routes}
    with TestClient(app) as client:
        for path in blocks:
            if path.endswith("/"):  # a prefix: "/" or a mounted directory
                assert path == "/" or path.rstrip("/") in mounts, f"nginx location {path} matches nothing mounted"
            else:  # answered by a route (even if only to ask for a sign-in)
                assert client.get(path).status_code != 404, f"nginx location {path} matches no route of the app"
    assert {"/events", "/healthz", "/readyz"} <= set(blocks)
    assert "proxy_buffering off;" in blocks["/events"] and "proxy_read_timeout 1h;" in blocks["/events"]
    size = re.search(r"client_max_body_size\s+(\d+)m;", conf)
    assert size and int(size.group(1)) * 1024 * 1024 > MAX_BYTES
    assert re.search(r"upstream gridcare \{[^}]*server 127\.0\.0\.1:8000", conf)


def test_the_deploy_doc_names_every_file_and_only_commands_that_exist():
    doc = DOC.read_text()
    for path in sorted(p for p in DEPLOY.rglob("*") if p.is_file()):
        assert str(path.relative_to(ROOT)) in doc, f"docs/deploy.md does not mention {path.relative_to(ROOT)}"
    blocks = re.findall(r"```bash\n(.*?)```", doc, re.DOTALL)
    commands = [
        shlex.split(line.split("#")[0])
        for block in blocks
        for line in block.splitlines()
        if line.strip().startswith("gridcare ")
    ]
    commands += [shlex.split(c) for c in re.findall(r"`(gridcare [a-z][^`]*)`", doc)]
    assert len(commands) >= 5
    for argv in commands:
        check_invocation(argv)


@pytest.mark.postgres
def test_migrations_started_on_several_hosts_at_once_run_once(postgres_url, tmp_path):
    import psycopg
    from sqlalchemy import create_engine, text

    from gridcare.migrations_runner import head_revision, upgrade
    from tests.conftest import PG_ADMIN_URL

    name = postgres_url.rsplit("/", 1)[1] + "_migrate"
    admin = PG_ADMIN_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    errors: list[BaseException] = []

    def host() -> None:
        try:
            upgrade(url)
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    try:
        hosts = [threading.Thread(target=host, daemon=True) for _ in range(3)]
        for h in hosts:
            h.start()
        for h in hosts:
            h.join(180)
        # Without the lock, three alembic runs at once deadlock on PostgreSQL (and would hang here).
        assert not any(h.is_alive() for h in hosts) and errors == []
        engine = create_engine(url)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == [head_revision()]
        engine.dispose()
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
