"""CLI of the campaigns domain: ``gridcare campaigns list`` and ``send ID`` (with progress)."""

from __future__ import annotations

from typing import Annotated

import typer

from gridcare.cli import app, out, progress_bar, reported_errors, say, settings
from gridcare.core.i18n import T_

campaigns_app = typer.Typer(help="Campaigns (政策宣传, 停水通知) to targeted customers.", no_args_is_help=True)
app.add_typer(campaigns_app, name="campaigns")


@campaigns_app.command("list")
def list_campaigns(limit: Annotated[int, typer.Option(help="How many, newest first.")] = 50) -> None:
    """Campaigns with their state, audience and delivery counts."""
    from gridcare.campaigns import service
    from gridcare.core.clock import to_local
    from gridcare.core.principal import system_principal
    from gridcare.db import Database

    db = Database(settings().sqlalchemy_url)
    with reported_errors(), db.read() as session:
        found = service.list_campaigns(session, actor=system_principal("cli"), limit=limit)
        stats = service.delivery(session, campaign_ids=[c.id for c in found])
        for c in found:
            counts = " ".join(f"{k}={v}" for k, v in sorted(stats[c.id].items())) or "-"
            out.print(f"{c.id:>5}  {c.status:<9} {to_local(c.send_at):%Y-%m-%d %H:%M}  {c.channel:<5} {c.recipients:>6} to  {c.opted_out:>4} opted out  {counts}  {c.title}", markup=False, highlight=False)
        if not found:
            say(T_("no campaigns"))


@campaigns_app.command("send")
def send(campaign_id: Annotated[int, typer.Argument(help="The id of a scheduled campaign (see `gridcare campaigns list`).")]) -> None:
    """Send a scheduled campaign now; the worker delivers it within quiet hours and rate limits."""
    from gridcare.campaigns import service
    from gridcare.contractors import notifying
    from gridcare.core.clock import system_clock
    from gridcare.core.principal import system_principal
    from gridcare.db import Database

    s = settings()
    db = Database(s.sqlalchemy_url)
    with reported_errors(), progress_bar() as report, db.write() as session:
        sent = service.send(session, actor=system_principal("cli"), now=system_clock.now(), campaign_id=campaign_id, progress=report, config=notifying.config(s))
        recipients, spared = sent.recipients, sent.opted_out
    say(T_("campaign %(id)s: %(n)s messages queued, %(spared)s customers spared by their opt-out", id=campaign_id, n=recipients, spared=spared))
