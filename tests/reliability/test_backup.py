"""Backup and restore through the CLI, on SQLite and PostgreSQL: a backup taken while orders
and attachments keep coming is one consistent snapshot, and restores into a fresh place with
the same rows, the same files and an intact audit chain."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select, text
from typer.testing import CliRunner

import gridcare.cli_backup  # noqa: F401  (registers the commands, as cli.main does)
from gridcare.audit import service as audit
from gridcare.backup import read_manifest
from gridcare.cli import app
from gridcare.config import get_settings
from gridcare.db import Database
from gridcare.workorders import service, support
from gridcare.workorders.models import Attachment, WorkOrder
from tests.conftest import PG_ADMIN_URL
from tests.support import area
from tests.support import org as demo_org

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


class Writer(threading.Thread):
    """Takes orders with a photo each, as fast as it can, until told to stop."""

    def __init__(self, db: Database, org: demo_org.Org, clock, data_dir: Path) -> None:
        super().__init__(daemon=True)
        self.db, self.org, self.clock, self.data_dir = db, org, clock, data_dir
        self.made = 0
        self.stop = threading.Event()
        self.error: BaseException | None = None

    def write_one(self) -> None:
        agent, rep = self.org.principal("agent"), self.org.principal("rep")
        with self.db.write() as session:
            order = service.create_order(
                session,
                actor=agent,
                now=self.clock.now(),
                intake=service.Intake(
                    category="consultation", channel="hotline", account="E001", description=f"咨询 {self.made}"
                ),
            ).order
            # Each photo differs (a trailing byte), so each is a new file in the uploads.
            support.add_attachment(
                session,
                actor=rep,
                now=self.clock.now(),
                order_id=order.id,
                filename="现场.png",
                data=PNG + self.made.to_bytes(4, "big"),
                data_dir=self.data_dir,
            )
        self.made += 1

    def run(self) -> None:
        try:
            while not self.stop.is_set():
                self.write_one()
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            self.error = exc


def wait_for(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


@pytest.fixture
def cli(monkeypatch):
    def run(database_url: str, data_dir: Path, *args: str):
        monkeypatch.setenv("GRIDCARE_DATABASE_URL", database_url)
        monkeypatch.setenv("GRIDCARE_DATA_DIR", str(data_dir))
        get_settings.cache_clear()
        try:
            return CliRunner().invoke(app, list(args))
        finally:
            get_settings.cache_clear()

    return run


@pytest.fixture
def fresh_target(database, tmp_path):
    """An empty place of the same kind: a new data directory, and for PostgreSQL a new database."""
    data_dir = tmp_path / "restored"
    if database.dialect == "sqlite":
        yield f"sqlite:///{data_dir / 'gridcare.sqlite3'}", data_dir
        return
    import psycopg

    name = database.engine.url.database + "_restore"
    admin = PG_ADMIN_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}", data_dir
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def counts(db: Database) -> dict[str, int]:
    with db.engine.connect() as conn:
        names = inspect(conn).get_table_names()
        return {name: conn.execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one() for name in names}


def test_it_backs_up_while_orders_come_in_and_restores_the_snapshot_into_a_fresh_place(
    database, clock, tmp_path, cli, fresh_target
):
    org = demo_org.load(database, clock)
    area.load(org, clock)
    data_dir = tmp_path / "data"
    writer = Writer(database, org, clock, data_dir)
    for _ in range(3):
        writer.write_one()
    writer.start()
    wait_for(lambda: writer.made >= 6 or not writer.is_alive())
    made_before = writer.made
    archive = tmp_path / "backups" / "gridcare.tar.gz"
    result = cli(database.url, data_dir, "backup", str(archive))
    made_after = writer.made
    wait_for(lambda: writer.made >= made_after + 3 or not writer.is_alive())
    writer.stop.set()
    writer.join(10)
    assert writer.error is None
    assert result.exit_code == 0, result.output
    assert "backed up" in result.output and "database" in result.output  # the summary and the progress bar
    assert archive.exists() and not archive.with_name(archive.name + ".part").exists()

    manifest = read_manifest(archive)
    assert manifest.database == database.dialect
    in_backup = manifest.tables["work_orders"]
    # A snapshot taken while the writer went on: at least what was there before, not what came after.
    assert made_before <= in_backup <= made_after + 1 < writer.made
    assert manifest.tables["work_order_attachments"] == in_backup and manifest.uploads >= in_backup

    target_url, target_dir = fresh_target
    restored = cli(target_url, target_dir, "restore", str(archive))
    assert restored.exit_code == 0, restored.output
    assert f"restored {sum(manifest.tables.values())} rows" in restored.output
    target = Database(target_url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        assert counts(target) == manifest.tables
        with target.read() as session:
            assert session.scalar(select(func.count()).select_from(WorkOrder)) == in_backup
            report = audit.verify(session)
            files = session.execute(select(Attachment.path, Attachment.sha256)).all()
        assert report.ok and report.entries == manifest.tables["audit_entries"] and report.streams >= in_backup
        assert len(files) == in_backup
        for path, sha256 in files:
            assert hashlib.sha256((target_dir / path).read_bytes()).hexdigest() == sha256

        # Restoring again would overwrite that data: only with --force.
        again = cli(target_url, target_dir, "restore", str(archive))
        assert again.exit_code == 1
        assert (
            "restore: the target database already holds data (org_units:" in again.output
            and "pass --force" in again.output
        )
        with target.write() as session:
            session.execute(text("DELETE FROM work_order_attachments"))
        forced = cli(target_url, target_dir, "restore", str(archive), "--force")
        assert forced.exit_code == 0, forced.output
        assert counts(target) == manifest.tables
    finally:
        target.dispose()


def test_it_refuses_a_backup_of_the_other_kind_and_a_file_that_is_no_backup(database, clock, tmp_path, cli):
    demo_org.load(database, clock)
    archive = tmp_path / "b.tar"
    assert cli(database.url, tmp_path / "data", "backup", str(archive)).exit_code == 0
    other = (
        "postgresql://postgres@127.0.0.1:1/none"
        if database.dialect == "sqlite"
        else f"sqlite:///{tmp_path / 'x.sqlite3'}"
    )
    wrong = cli(other, tmp_path / "other", "restore", str(archive))
    assert (
        wrong.exit_code == 1 and f"is a {database.dialect} backup but GRIDCARE_DATABASE_URL points at" in wrong.output
    )
    junk = tmp_path / "junk.tar"
    junk.write_bytes(b"not a tar file at all" * 100)
    bad = cli(database.url, tmp_path / "data", "restore", str(junk))
    assert bad.exit_code == 1 and "not a readable backup archive" in bad.output


@pytest.mark.postgres
def test_it_says_in_one_line_when_the_postgresql_tools_are_missing(postgres_database, tmp_path):
    env = {
        "GRIDCARE_DATABASE_URL": postgres_database.url,
        "GRIDCARE_DATA_DIR": str(tmp_path),
        "PATH": str(tmp_path / "empty-bin"),
        "HOME": os.environ.get("HOME", "/root"),
    }
    result = subprocess.run(
        [sys.executable, "-m", "gridcare.cli", "backup", str(tmp_path / "b.tar")],
        check=False,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 1
    assert (
        result.stderr.strip().splitlines()[-1]
        == "gridcare: backup: pg_dump not found: install the PostgreSQL client tools of the server's major version (Debian: postgresql-client)"
    )
    assert not (tmp_path / "b.tar").exists() and not (tmp_path / "b.tar.part").exists()
