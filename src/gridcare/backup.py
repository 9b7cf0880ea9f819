"""Backup and restore of an installation: the database and the uploaded files.

A backup is one tar archive, gzip-compressed when FILE ends in ``.gz`` or ``.tgz``:

    manifest.json       database kind, schema revision, the row count of every table
    database.sqlite3    embedded mode: a copy made with SQLite's online backup API
    database.pgdump     scaled mode: ``pg_dump -Fc``
    uploads/…           attachments and photos from the data directory

Both copies are consistent snapshots taken while gridcare runs. The SQLite copy is made
inside one read transaction (WAL lets writers go on meanwhile); pg_dump reads the snapshot
exported by the transaction that counted the rows. Uploads are content-addressed and written
before the row naming them commits, so every file the snapshot refers to is on disk when
the uploads are copied after it.

Restore refuses a database that already holds data unless forced, checks the copy before it
touches the target, and afterwards compares every table's row count with the manifest.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from gridcare import __version__
from gridcare.config import Settings

FORMAT = "gridcare-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
MEMBERS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
UPLOADS = "uploads"
# A database holding rows in any of these has someone's data: restoring over it needs --force.
DATA_TABLES = ("org_units", "users", "grids", "customers", "work_orders")
# Pages per step of SQLite's backup API: small enough for a moving progress bar.
SQLITE_PAGES_PER_STEP = 2048

Progress = Callable[[str, int, int], None]


class BackupError(Exception):
    """A backup or restore cannot go on; the message says why in one line."""


@dataclass(frozen=True)
class Manifest:
    database: str  # "sqlite" or "postgresql"
    schema_revision: str | None
    created_at: str
    gridcare_version: str
    tables: dict[str, int]
    uploads: int

    def to_json(self) -> bytes:
        return json.dumps(
            {"format": FORMAT, "version": FORMAT_VERSION, **asdict(self)}, indent=2, sort_keys=True
        ).encode()

    @staticmethod
    def from_json(raw: bytes) -> Manifest:
        try:
            data = json.loads(raw)
            if data.get("format") != FORMAT:
                raise ValueError
            if data.get("version") != FORMAT_VERSION:
                raise BackupError(
                    f"backup format version {data.get('version')} is not supported (this gridcare reads {FORMAT_VERSION})"
                )
            return Manifest(
                **{
                    k: data[k]
                    for k in ("database", "schema_revision", "created_at", "gridcare_version", "tables", "uploads")
                }
            )
        except (ValueError, KeyError, TypeError):
            raise BackupError("not a gridcare backup (its manifest.json is missing or unreadable)") from None


def _quiet(_stage: str, _done: int, _total: int) -> None:
    return None


def kind_of(settings: Settings) -> str:
    return "sqlite" if settings.is_sqlite else "postgresql"


# --- backup ----------------------------------------------------------------------------------


def backup(settings: Settings, target: Path, *, now: datetime, progress: Progress = _quiet) -> Manifest:
    """Write a backup of the configured database and data directory to ``target``. The file
    appears only when complete (written beside it, then renamed)."""
    kind = kind_of(settings)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    try:
        with tempfile.TemporaryDirectory(dir=target.parent, prefix=".gridcare-backup-") as work:
            copy = Path(work) / MEMBERS[kind]
            if kind == "sqlite":
                tables, revision = _sqlite_backup(sqlite_path(settings), copy, progress)
            else:
                tables, revision = _pg_backup(settings.sqlalchemy_url, copy, progress)
            # Listed after the snapshot: every file a row of it names is already on disk.
            files = _upload_files(settings.data_dir)
            manifest = Manifest(kind, revision, now.isoformat(), __version__, tables, len(files))
            with tarfile.open(partial, "w:gz" if target.name.endswith((".gz", ".tgz")) else "w") as tar:
                info = tarfile.TarInfo(MANIFEST)
                data = manifest.to_json()
                info.size, info.mtime = len(data), int(now.timestamp())
                tar.addfile(info, io.BytesIO(data))
                tar.add(copy, arcname=MEMBERS[kind])
                for done, path in enumerate(files, start=1):
                    tar.add(path, arcname=path.relative_to(settings.data_dir).as_posix())
                    progress("uploaded files", done, len(files))
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return manifest


def _upload_files(data_dir: Path) -> list[Path]:
    root = data_dir / UPLOADS
    if not root.is_dir():
        return []
    # A ".part" file is an upload being written; its row has not committed.
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix != ".part")


def sqlite_path(settings: Settings) -> Path:
    return Path(make_url(settings.sqlalchemy_url).database or "")


def _sqlite_backup(source: Path, copy: Path, progress: Progress) -> tuple[dict[str, int], str | None]:
    if not source.is_file():
        raise BackupError(f"no database at {source}: nothing to back up")
    src = sqlite3.connect(source, isolation_level=None, timeout=15)
    try:
        # The whole copy inside one read transaction: every step reads the same snapshot, so a
        # write meanwhile neither restarts the copy nor tears it.
        src.execute("BEGIN")
        src.execute("SELECT count(*) FROM sqlite_master").fetchone()
        with _closing(sqlite3.connect(copy)) as dst:
            src.backup(
                dst,
                pages=SQLITE_PAGES_PER_STEP,
                progress=lambda _status, remaining, total: progress("database", total - remaining, total),
            )
            found = _sqlite_counts(dst)
        src.execute("COMMIT")
    finally:
        src.close()
    return found


def _sqlite_tables(conn: sqlite3.Connection) -> list[str]:
    return [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]


def _sqlite_counts(conn: sqlite3.Connection) -> tuple[dict[str, int], str | None]:
    tables = {name: conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in _sqlite_tables(conn)}
    revision = (
        conn.execute("SELECT version_num FROM alembic_version").fetchone() if "alembic_version" in tables else None
    )
    return tables, revision[0] if revision else None


@contextmanager
def _closing(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    try:
        yield conn
    finally:
        conn.close()


def _libpq(url: str) -> tuple[str, str | None]:
    """A libpq URL for the client tools, and the password apart: it goes in PGPASSWORD, not on
    a command line every user of the machine can read."""
    parsed = make_url(url)
    return parsed.set(drivername="postgresql", password=None).render_as_string(hide_password=False), parsed.password


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} not found: install the PostgreSQL client tools of the server's major version (Debian: postgresql-client)"
        )
    return found


def _run_tool(
    command: list[str], *, password: str | None, stage: str, total: int, pattern: str, progress: Progress
) -> None:
    """Run pg_dump or pg_restore in verbose mode; each table it reports moves the bar."""
    env = dict(os.environ)
    if password:
        env["PGPASSWORD"] = password
    name = Path(command[0]).name
    done, errors, tail = 0, [], deque(maxlen=5)
    progress(stage, 0, total)
    with subprocess.Popen(
        command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env
    ) as proc:
        assert proc.stderr is not None
        for line in proc.stderr:
            line = line.strip()
            if re.search(pattern, line):
                done += 1
                progress(stage, min(done, total), max(total, done))
            elif "error:" in line or "FATAL" in line:
                errors.append(line)
            elif line:
                tail.append(line)
    if proc.returncode != 0:
        said = (errors or list(tail) or [f"exit status {proc.returncode}"])[0]
        raise BackupError(f"{name} failed: {said.removeprefix(name + ': ').removeprefix('error: ')}")
    progress(stage, total, total)


def _pg_connect(url: str, **kwargs: Any) -> Any:
    import psycopg

    conninfo, password = _libpq(url)
    try:
        return psycopg.connect(conninfo, password=password, connect_timeout=10, **kwargs)
    except psycopg.OperationalError as exc:
        raise BackupError(f"cannot connect to the database: {str(exc).strip().splitlines()[-1]}") from None


def _pg_counts(conn: Any) -> tuple[dict[str, int], str | None]:
    from psycopg import sql

    names = [
        r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
    ]
    tables = {
        name: conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier("public", name))).fetchone()[0]
        for name in names
    }
    revision = (
        conn.execute("SELECT version_num FROM alembic_version").fetchone() if "alembic_version" in tables else None
    )
    return tables, revision[0] if revision else None


def _pg_backup(url: str, copy: Path, progress: Progress) -> tuple[dict[str, int], str | None]:
    from psycopg import IsolationLevel

    pg_dump = _tool("pg_dump")
    conninfo, password = _libpq(url)
    with _pg_connect(url) as conn:
        conn.isolation_level = IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        # pg_dump reads this transaction's snapshot: the counts in the manifest are the dump's.
        snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
        tables, revision = _pg_counts(conn)
        command = [
            pg_dump,
            "--format=custom",
            f"--snapshot={snapshot}",
            "--verbose",
            f"--file={copy}",
            f"--dbname={conninfo}",
        ]
        _run_tool(
            command,
            password=password,
            stage="database",
            total=len(tables),
            pattern=r'dumping contents of table "',
            progress=progress,
        )
        conn.rollback()
    return tables, revision


# --- restore ---------------------------------------------------------------------------------


def read_manifest(source: Path) -> Manifest:
    with _open(source) as tar:
        return _manifest_of(tar)


@contextmanager
def _open(source: Path) -> Iterator[tarfile.TarFile]:
    if not source.is_file():
        raise BackupError(f"{source}: no such file")
    try:
        with tarfile.open(source, "r:*") as tar:
            yield tar
    except (tarfile.ReadError, EOFError, OSError) as exc:
        raise BackupError(f"{source}: not a readable backup archive ({exc})") from None


def _manifest_of(tar: tarfile.TarFile) -> Manifest:
    try:
        handle = tar.extractfile(MANIFEST)
    except KeyError:
        handle = None
    if handle is None:
        raise BackupError("not a gridcare backup (it has no manifest.json)")
    return Manifest.from_json(handle.read())


def restore(settings: Settings, source: Path, *, force: bool = False, progress: Progress = _quiet) -> Manifest:
    """Restore ``source`` into the configured database and data directory. Gridcare should be
    stopped meanwhile (web and workers): they would keep serving from their caches."""
    kind = kind_of(settings)
    with _open(source) as tar:
        manifest = _manifest_of(tar)
        if manifest.database != kind:
            raise BackupError(
                f"{source.name} is a {manifest.database} backup but GRIDCARE_DATABASE_URL points at {kind}: restore into the same kind of database"
            )
        target = sqlite_path(settings) if kind == "sqlite" else None
        work_dir = target.parent if target is not None else settings.data_dir
        work_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=work_dir, prefix=".gridcare-restore-") as work:
            copy = Path(work) / MEMBERS[kind]
            _extract(tar, MEMBERS[kind], copy)
            if target is not None:
                _sqlite_restore(copy, target, manifest, force=force, progress=progress)
            else:
                _pg_restore(copy, settings.sqlalchemy_url, manifest, force=force, progress=progress)
        _restore_uploads(tar, settings.data_dir, progress)
    return manifest


def _extract(tar: tarfile.TarFile, name: str, to: Path) -> None:
    try:
        handle = tar.extractfile(name)
    except KeyError:
        handle = None
    if handle is None:
        raise BackupError(f"the backup has no {name}")
    with handle, open(to, "wb") as out:
        shutil.copyfileobj(handle, out, 1024 * 1024)


def _compare(found: dict[str, int], manifest: Manifest, what: str) -> None:
    for table, rows in sorted(manifest.tables.items()):
        if found.get(table) != rows:
            raise BackupError(f"{what}: table {table} has {found.get(table, 'no')} rows, the backup recorded {rows}")


def _refuse(held: tuple[str, int] | None, force: bool) -> None:
    if held is not None and not force:
        table, rows = held
        raise BackupError(
            f"the target database already holds data ({table}: {rows} rows): restore into an empty database, or pass --force to replace it"
        )


def _sqlite_restore(copy: Path, target: Path, manifest: Manifest, *, force: bool, progress: Progress) -> None:
    with _closing(sqlite3.connect(copy)) as src:
        checked = src.execute("PRAGMA quick_check").fetchone()[0]
        if checked != "ok":
            raise BackupError(f"the database in the backup is damaged: {checked}")
        _compare(_sqlite_counts(src)[0], manifest, "the backup is incomplete")
        if target.exists():
            with _closing(sqlite3.connect(target, timeout=15)) as existing:
                _refuse(_held(existing, _sqlite_tables(existing)), force)
        target.parent.mkdir(parents=True, exist_ok=True)
        # Through the backup API, not a file copy: the target's WAL and lock files stay coherent.
        with _closing(sqlite3.connect(target, timeout=15)) as dst:
            src.backup(
                dst,
                pages=SQLITE_PAGES_PER_STEP,
                progress=lambda _status, remaining, total: progress("database", total - remaining, total),
            )
            _compare(_sqlite_counts(dst)[0], manifest, "restore incomplete")


def _held(conn: Any, tables: list[str]) -> tuple[str, int] | None:
    for table in DATA_TABLES:
        if table in tables:
            rows = conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
            if rows:
                return table, rows
    return None


def _pg_restore(dump: Path, url: str, manifest: Manifest, *, force: bool, progress: Progress) -> None:
    pg_restore = _tool("pg_restore")
    conninfo, password = _libpq(url)
    with _pg_connect(url, autocommit=True) as conn:
        tables = [r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        _refuse(_held(conn, tables), force)
        if tables:
            # Everything goes, not only what the dump holds: a table left over from a later
            # schema would otherwise survive next to the restored ones.
            conn.execute("DROP SCHEMA public CASCADE")
            conn.execute("CREATE SCHEMA public")
    command = [
        pg_restore,
        "--no-owner",
        "--no-privileges",
        "--exit-on-error",
        "--single-transaction",
        "--verbose",
        f"--dbname={conninfo}",
        str(dump),
    ]
    _run_tool(
        command,
        password=password,
        stage="database",
        total=len(manifest.tables),
        pattern=r'processing data for table "',
        progress=progress,
    )
    with _pg_connect(url, autocommit=True) as conn:
        _compare(_pg_counts(conn)[0], manifest, "restore incomplete")


def _restore_uploads(tar: tarfile.TarFile, data_dir: Path, progress: Progress) -> int:
    """Files are named by their content's hash: one already present is the same file."""
    members = [m for m in tar.getmembers() if m.isfile() and m.name.startswith(UPLOADS + "/")]
    for done, member in enumerate(members, start=1):
        if not (data_dir / member.name).exists():
            tar.extract(member, data_dir, filter="data")
        progress("uploaded files", done, len(members))
    return len(members)
