"""The ``gridcare`` command. Errors end in one line naming the field or setting; exit 1 for
bad input, 2 for bad configuration."""

from __future__ import annotations

import importlib
import logging
import os
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from gridcare.config import ConfigError, Settings, get_settings
from gridcare.core import i18n
from gridcare.core.errors import DomainError
from gridcare.core.i18n import T_, Label

app = typer.Typer(
    help="gridcare: grid-based customer service for utilities. Every demand lands with a named rep and is answered.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
audit_app = typer.Typer(help="The tamper-evident audit trail.", no_args_is_help=True)
users_app = typer.Typer(help="User accounts.", no_args_is_help=True)
tokens_app = typer.Typer(help="Bearer tokens for machines and scripts.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(audit_app, name="audit")
app.add_typer(users_app, name="users")
app.add_typer(tokens_app, name="tokens")

err = Console(stderr=True, soft_wrap=True)
out = Console(soft_wrap=True)


def fail(message: str, code: int = 1) -> None:
    err.print(f"gridcare: {message}", markup=False, highlight=False)
    raise typer.Exit(code)


def refuse(reason: str, code: int = 1) -> None:
    """``gridcare: error: <reason>``, in the operator's language when ``reason`` is a T_ text."""
    fail(i18n.in_language(T_("error: %(reason)s", reason=reason), cli_locale()), code)


def say(text: str) -> None:
    """One line of a command's answer, in the operator's language when ``text`` is a T_ text."""
    out.print(i18n.in_language(text, cli_locale()), markup=False, highlight=False)


def settings() -> Settings:
    try:
        return get_settings()
    except ConfigError as exc:
        fail(f"configuration error: {exc}", 2)
        raise  # unreachable; keeps type checkers content


@contextmanager
def reported_errors() -> Iterator[None]:
    try:
        yield
    except DomainError as exc:
        refuse(exc.detail)


def cli_locale() -> str:
    """Chinese when the operator's shell is set to it (LANG=zh_CN.UTF-8), else English."""
    chosen = os.environ.get("LC_ALL") or os.environ.get("LC_MESSAGES") or os.environ.get("LANG") or ""
    return i18n.negotiate(chosen.replace("_", "-").split(".")[0], default="en")


@contextmanager
def progress_bar() -> Iterator[Callable[[str, int, int], None]]:
    """A Rich progress bar with one task per stage; stages report (name, done, total)."""
    with Progress(TextColumn("{task.description:<22}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=err, transient=False) as bar:
        tasks: dict[str, Any] = {}

        def report(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        yield report


def _database(s: Settings):  # noqa: ANN202
    from gridcare.db import Database

    return Database(s.sqlalchemy_url)


def _upgrade(s: Settings) -> None:
    from gridcare.migrations_runner import upgrade

    try:
        upgrade(s.sqlalchemy_url)
    except Exception as exc:  # noqa: BLE001 - say which database failed, in one line
        fail(f"database {s.sqlalchemy_url.split('@')[-1]}: migration failed: {type(exc).__name__}: {str(exc).splitlines()[0]}")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the schema to the latest version (safe to run again)."""
    s = settings()
    _upgrade(s)
    say(T_("database is at the latest schema"))


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on (default GRIDCARE_HOST or 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on (default GRIDCARE_PORT or 8000).")] = None,
    workers: Annotated[int, typer.Option(help="Web processes. More than one needs PostgreSQL and Redis (scaled mode).")] = 1,
    migrate: Annotated[bool, typer.Option(help="Run database migrations before starting.")] = True,
) -> None:
    """Start the web application. In embedded mode (the default) it runs the background worker as its child process."""
    import uvicorn

    s = settings()
    if workers > 1 and (s.is_sqlite or not s.redis_url):
        fail("--workers: more than one web process needs GRIDCARE_DATABASE_URL (PostgreSQL) and GRIDCARE_REDIS_URL", 2)
    if migrate:
        _upgrade(s)
    logging.basicConfig(level=s.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    bind_host, bind_port = host or s.host, port or s.port
    mode = T_("embedded mode") if s.is_sqlite else T_("scaled mode")
    say(T_("gridcare listening on http://%(host)s:%(port)s (%(mode)s)", host=bind_host, port=bind_port, mode=mode))
    uvicorn.run("gridcare.main:served_app", factory=True, host=bind_host, port=bind_port, workers=workers, log_level=s.log_level.lower(), proxy_headers=True)


@app.command()
def worker(
    parent_pid: Annotated[int | None, typer.Option(hidden=True, help="Run as the worker child of this `serve` process; stop when it is gone.")] = None,
    relay_fd: Annotated[int | None, typer.Option(hidden=True, help="The parent web process's pipe: this child says there when it is ready, and writes its pushes there when there is no Redis.")] = None,
) -> None:
    """Deliver notifications and run timers (deadline sweeps, checkpoints) alone; run several for scaled mode."""
    from gridcare import heap
    from gridcare.core.clock import clock_for
    from gridcare.main import load_plugins
    from gridcare.pubsub import make_broadcaster
    from gridcare.worker import Worker, WorkerContext
    from gridcare.worker_child import PipeBroadcaster, die_with_parent, stop_when_parent_is_gone

    if parent_pid is not None:
        die_with_parent(parent_pid)
    s = settings()
    logging.basicConfig(level=s.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    load_plugins(s)
    relay = PipeBroadcaster(relay_fd) if relay_fd is not None else None
    broadcaster = relay if relay is not None and not s.redis_url else make_broadcaster(s.redis_url)
    w = Worker(WorkerContext(db=_database(s), broadcaster=broadcaster, settings=s, clock=clock_for(s.clock_offset_seconds)))
    signal.signal(signal.SIGTERM, lambda *_: w.stop())
    # A child leaves Ctrl-C to its parent, which stops it in order.
    signal.signal(signal.SIGINT, signal.SIG_IGN if parent_pid is not None else lambda *_: w.stop())
    if parent_pid is not None:
        stop_when_parent_is_gone(parent_pid, w.stop)
    else:
        say(T_("gridcare worker %(name)s running; Ctrl-C stops it", name=w.name))
    if relay is not None:
        relay.ready()
    heap.settle()
    w.run_forever()


@app.command()
def demo(seed: Annotated[int, typer.Option(help="Seed of the synthetic city; the same seed builds the same data.")] = 7) -> None:
    """Load demo data (organisation, users for every role, …) into an empty database and print the demo logins."""
    from gridcare.core.clock import system_clock
    from gridcare.demo.loader import load_demo

    s = settings()
    _upgrade(s)
    with reported_errors(), progress_bar() as report:
        summary = load_demo(_database(s), clock=system_clock, seed=seed, progress=report)
    if not summary.created:
        say(T_("the database already has data; demo not loaded again"))
    say(T_("Demo login: admin / %(password)s  (also: %(logins)s; same password)", password=summary.password, logins=", ".join(login for login, _ in summary.users[1:])))


@audit_app.command("verify")
def audit_verify() -> None:
    """Re-compute every hash of the audit trail; report the first broken link and exit 1 if any entry was changed or deleted."""
    from gridcare.audit import service as audit

    s = settings()
    db = _database(s)
    # One snapshot: entries written while it runs would not match the heads read first.
    with db.read(snapshot=True) as session:
        total = audit.count_entries(session)
        with progress_bar() as report:
            done = 0

            def step(n: int) -> None:
                nonlocal done
                done += n
                report("verifying entries", done, total)

            result = audit.verify(session, progress=step)
    if result.broken is not None:
        fail(f"audit trail broken at {result.broken}")
    say(T_("audit trail intact: %(entries)s entries in %(streams)s streams, %(checkpoints)s checkpoints", entries=result.entries, streams=result.streams, checkpoints=result.checkpoints))


@audit_app.command("checkpoint")
def audit_checkpoint() -> None:
    """Seal the current head of every audit stream now (the worker does this every 10 minutes)."""
    from gridcare.audit import service as audit
    from gridcare.core.clock import system_clock

    db = _database(settings())
    with db.write() as session:
        cp = audit.seal_checkpoint(session, at=system_clock.now())
    say(T_("checkpoint sealed") if cp else T_("nothing changed since the last checkpoint"))


@users_app.command("create")
def users_create(
    login: str,
    role: Annotated[str, typer.Option(help="admin, supervisor, agent, expert, rep, department, contractor or viewer.")],
    org: Annotated[str, typer.Option(help="Code of the organisation unit the user belongs to.")],
    name: Annotated[str, typer.Option(help="Display name.")] = "",
    phone: Annotated[str, typer.Option(help="Phone number.")] = "",
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True, help="Initial password.")] = "",
) -> None:
    """Create a user account."""
    from sqlalchemy import select

    from gridcare.auth import service as auth
    from gridcare.auth.models import OrgUnit
    from gridcare.core.clock import system_clock
    from gridcare.core.principal import system_principal

    db = _database(settings())
    with reported_errors(), db.write() as session:
        unit_id = session.scalar(select(OrgUnit.id).where(OrgUnit.code == org))
        if unit_id is None:
            refuse(T_("--org: no organisation unit with code %(code)r", code=org))
        user = auth.create_user(
            session, actor=system_principal("cli"), now=system_clock.now(), login=login, display_name=name or login, role=role, org_unit_id=unit_id, password=password, phone=phone
        )
        say(T_("created user %(login)s (%(role)s)", login=user.login, role=Label("role", user.role)))


@tokens_app.command("create")
def tokens_create(
    user: Annotated[str, typer.Argument(help="Login of the user the token acts as.")],
    name: Annotated[str, typer.Option(help="What the token is for, e.g. 'PBX bridge'.")] = "cli",
) -> None:
    """Create a bearer token for USER and print it (it is shown once; only its hash is kept)."""
    from gridcare.auth import service as auth
    from gridcare.core.clock import system_clock
    from gridcare.core.principal import system_principal

    db = _database(settings())
    with reported_errors(), db.write() as session:
        found = auth.find_user_by_login(session, login=user)
        if found is None:
            refuse(T_("USER: no user with login %(login)r", login=user))
        _token, plain = auth.create_token(session, actor=system_principal("cli"), now=system_clock.now(), user_id=found.id, name=name)
    print(plain)


def register_commands() -> None:
    """Import the modules that add their commands to ``app`` (tests use it to see them all)."""
    import gridcare.cli_area  # noqa: F401 - registers import/export/grids/assign
    import gridcare.cli_backup  # noqa: F401 - registers backup/restore
    import gridcare.cli_notify  # noqa: F401 - registers notify
    from gridcare.domains import FIELD_AND_MANAGEMENT

    for domain in FIELD_AND_MANAGEMENT:
        importlib.import_module(f"gridcare.{domain}.cli")


def main() -> None:
    register_commands()
    try:
        app()
    except ConfigError as exc:
        err.print(f"gridcare: configuration error: {exc}", markup=False)
        sys.exit(2)


if __name__ == "__main__":
    # Run through the imported module, so that commands registered on it by other modules exist.
    from gridcare.cli import main as _main

    _main()
