"""CLI commands of the alerts domain, registered on the main ``gridcare`` app:
``gridcare alerts scan [--since …]`` and ``gridcare alerts list``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer

from gridcare.cli import app, out, progress_bar, refuse, reported_errors, say, settings
from gridcare.core.i18n import T_

alerts_app = typer.Typer(help="Characteristic-value alerts (特征值预警): scan the orders, list the alerts.", no_args_is_help=True)
app.add_typer(alerts_app, name="alerts")


def _since(value: str | None) -> datetime | None:
    """A date or a date and time, read as Shanghai time."""
    from gridcare.core.clock import SHANGHAI

    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        refuse(T_("--since: expected a date or date and time, e.g. 2026-11-20 or 2026-11-20T08:00, got %(text)r", text=value))
        raise
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=SHANGHAI)


@alerts_app.command("scan")
def scan(
    since: Annotated[str | None, typer.Option(help="Judge every complete day and hour from this local date (or date and time) on; default: yesterday and the last hour.")] = None,
    hourly: Annotated[bool, typer.Option("--hourly/--no-hourly", help="Judge the hourly repair cells.")] = True,
    daily: Annotated[bool, typer.Option("--daily/--no-daily", help="Judge the daily cells of every category.")] = True,
    rules: Annotated[bool, typer.Option("--rules/--no-rules", help="Check the rule alerts (complaints, repeated repairs, repeat calls).")] = True,
    topics: Annotated[bool, typer.Option("--topics/--no-topics", help="Look for hot topics of the last hours (the hourly job does).")] = False,
) -> None:
    """Scan the orders and raise alerts; supervisors are told of each new one."""
    from gridcare.alerts import service
    from gridcare.core.clock import system_clock
    from gridcare.db import Database

    start = _since(since)
    db = Database(settings().sqlalchemy_url)
    with reported_errors(), progress_bar() as report, db.write() as session:
        result = service.scan(session, now=system_clock.now(), since=start, hourly=hourly, daily=daily, with_rules=rules, with_topics=topics, progress=report)
    say(T_("%(cells)s cells and rules judged: %(raised)s new alerts, %(known)s already known", cells=result.cells, raised=result.raised, known=result.refreshed))


@alerts_app.command("list")
def list_alerts(
    status: Annotated[str, typer.Option(help="open, acknowledged, closed, active (open or acknowledged) or all.")] = "active",
    kind: Annotated[str | None, typer.Option(help="spike, sensitive, repeat_repairs, repeat_calls or topic.")] = None,
    grid: Annotated[str | None, typer.Option(help="Only this grid's code.")] = None,
) -> None:
    """The alerts, newest first."""
    from gridcare.alerts import queries
    from gridcare.core.clock import to_local
    from gridcare.core.principal import system_principal
    from gridcare.db import Database

    db = Database(settings().sqlalchemy_url)
    with reported_errors(), db.read() as session:
        found, total = queries.list_alerts(session, actor=system_principal("cli"), status=status, kind=kind, grid=grid, limit=200)
        for a in found:
            out.print(f"{a.id:>6}  {to_local(a.raised_at):%Y-%m-%d %H:%M}  {a.status:<12} {a.severity:<8} {a.kind:<14} {a.grid_code:<10} {a.title}", markup=False, highlight=False)
    say(T_("%(n)s alerts", n=total))
