"""CLI for backups: ``gridcare backup FILE`` and ``gridcare restore FILE``. Registered on the
main ``gridcare`` app by ``cli.py``; the work is in ``backup.py``."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from gridcare.cli import app, fail, out, progress_bar, settings


def _with_progress(what: str, work: Callable[[Callable[[str, int, int], None]], Any]) -> Any:
    """Run ``work`` under a progress bar; a failure ends the command with one line."""
    from gridcare import backup

    error = None
    with progress_bar() as report:
        try:
            return work(report)
        except (backup.BackupError, sqlite3.Error, OSError) as exc:
            error = str(exc)
    fail(f"{what}: {error}")


def _say(text: str) -> None:
    out.print(text, markup=False, highlight=False)


@app.command("backup")
def backup_command(
    file: Annotated[Path, typer.Argument(help="The archive to write (.tar; .tar.gz compresses it).", dir_okay=False)],
) -> None:
    """Back up the database and the uploaded files into FILE. Safe while gridcare runs: the copy is one consistent snapshot."""
    from gridcare import backup
    from gridcare.core.clock import system_clock

    s = settings()
    manifest = _with_progress("backup", lambda report: backup.backup(s, file, now=system_clock.now(), progress=report))
    rows = sum(manifest.tables.values())
    _say(f"backed up {rows} rows in {len(manifest.tables)} tables and {manifest.uploads} uploaded files to {file} (schema {manifest.schema_revision})")


@app.command("restore")
def restore_command(
    file: Annotated[Path, typer.Argument(help="An archive made by gridcare backup.", dir_okay=False)],
    force: Annotated[bool, typer.Option("--force", help="Replace a database that already holds data.")] = False,
) -> None:
    """Restore FILE into the configured database and data directory. Stop the web processes and workers first."""
    from gridcare import backup
    from gridcare.migrations_runner import head_revision

    s = settings()
    manifest = _with_progress("restore", lambda report: backup.restore(s, file, force=force, progress=report))
    rows = sum(manifest.tables.values())
    _say(f"restored {rows} rows in {len(manifest.tables)} tables and {manifest.uploads} uploaded files from the backup of {manifest.created_at}")
    if manifest.schema_revision != head_revision():
        _say(f"the backup's schema is {manifest.schema_revision}, this gridcare's {head_revision()}: run gridcare db upgrade before starting")
