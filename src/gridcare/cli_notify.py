"""CLI for notifications: campaigns to a grid's customers and WeCom groups, and the
delivery counts. Registered on the main ``gridcare`` app by ``cli.py``."""

from __future__ import annotations

from typing import Annotated

import typer

from gridcare.cli import app, out, progress_bar, refuse, reported_errors, say, settings
from gridcare.core.i18n import T_

notify_app = typer.Typer(help="Notifications: campaigns and delivery states.", no_args_is_help=True)
app.add_typer(notify_app, name="notify")


@notify_app.command("campaign")
def campaign(
    grid: Annotated[str, typer.Option(help="Code of the grid whose customers and WeCom groups receive the message.")],
    text: Annotated[str, typer.Option(help="The message (at most 500 characters); each SMS ends with the grid rep's name and phone.")],
    customers: Annotated[bool, typer.Option("--customers/--no-customers", help="Send SMS to the grid's customers.")] = True,
    groups: Annotated[bool, typer.Option("--groups/--no-groups", help="Post to the grid's WeCom groups.")] = True,
    tag: Annotated[str | None, typer.Option(help="Only customers with this tag: major, protected, sensitive, supervised.")] = None,
) -> None:
    """Queue a campaign; the worker sends it, within quiet hours and rate limits."""
    from gridcare.core.clock import system_clock
    from gridcare.core.principal import system_principal
    from gridcare.db import Database
    from gridcare.grids import service as grids
    from gridcare.notify import groups as notify_groups
    from gridcare.notify import service

    s = settings()
    db = Database(s.sqlalchemy_url)
    with reported_errors(), progress_bar() as report, db.write() as session:
        found = grids.find_grid_by_code(session, code=grid.strip())
        if found is None:
            refuse(T_("--grid: no grid with code %(code)r", code=grid))
        sent = notify_groups.send_campaign(
            session, actor=system_principal("cli"), now=system_clock.now(), grid_id=found.id, text=text, to_customers=customers, to_groups=groups, tag=tag, progress=report, config=service.config_from(s)
        )
        campaign_id, recipients = sent.id, sent.recipients
    say(T_("campaign %(id)s: %(n)s messages queued for grid %(grid)s", id=campaign_id, n=recipients, grid=grid))


@notify_app.command("status")
def status() -> None:
    """Messages per channel and delivery state."""
    from gridcare.core.principal import system_principal
    from gridcare.db import Database
    from gridcare.notify import queries, rules

    db = Database(settings().sqlalchemy_url)
    with db.read() as session:
        counts = queries.counts(session, actor=system_principal("cli"))
    out.print("channel  " + " ".join(f"{s:>9}" for s in rules.STATES), markup=False, highlight=False)
    for channel in rules.CHANNELS:
        row = [counts.get((s, channel), 0) for s in rules.STATES]
        if any(row):
            out.print(f"{channel:<8} " + " ".join(f"{n:>9}" for n in row), markup=False, highlight=False)
