"""CLI for backups: ``gridcare backup FILE`` and ``gridcare restore FILE``. Registered on the
main ``gridcare`` app by ``cli.py``; the work is in ``backup.py``."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Annotated

import typer

from gridcare.cli import app, fail, out, progress_bar, settings


@app.command("backup")
def backup_command(
    file: Annotated[Path, typer.Argument(help="The archive to write (.tar; .tar.gz compresses it).", dir_okay=False)],
) -> None:
    """Back up the database and the uploaded files into FILE. Safe while gridcare runs: the copy is one consistent snapshot."""
    from gridcare import backup
    from gridcare.core.clock import system_clock

    s = settings()
    error = None
    with progress_bar() as report:
        try:
            manifest = backup.backup(s, file, now=system_clock.now(), progress=report)
        except (backup.BackupError, sqlite3.Error, OSError) as exc:
            error = str(exc)
    if error is not None:
        fail(f"backup: {error}")
    rows = sum(manifest.tables.values())
    out.print(
        f"backed up {rows} rows in {len(manifest.tables)} tables and {manifest.uploads} uploaded files to {file} (schema {manifest.schema_revision})",
        markup=False,
        highlight=False,
    )


@app.command("restore")
def restore_command(
    file: Annotated[Path, typer.Argument(help="An archive made by gridcare backup.", dir_okay=False)],
    force: Annotated[bool, typer.Option("--force", help="Replace a database that already holds data.")] = False,
) -> None:
    """Restore FILE into the configured database and data directory. Stop the web processes and workers first."""
    from gridcare import backup
    from gridcare.migrations_runner import head_revision

    s = settings()
    error = None
    with progress_bar() as report:
        try:
            manifest = backup.restore(s, file, force=force, progress=report)
        except (backup.BackupError, sqlite3.Error, OSError) as exc:
            error = str(exc)
    if error is not None:
        fail(f"restore: {error}")
    rows = sum(manifest.tables.values())
    out.print(
        f"restored {rows} rows in {len(manifest.tables)} tables and {manifest.uploads} uploaded files from the backup of {manifest.created_at}",
        markup=False,
        highlight=False,
    )
    if manifest.schema_revision != head_revision():
        out.print(
            f"the backup's schema is {manifest.schema_revision}, this gridcare's {head_revision()}: run gridcare db upgrade before starting",
            markup=False,
            highlight=False,
        )
