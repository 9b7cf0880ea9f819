"""CLI of the contractors domain: contractor scorecards, and telling customers of work due."""

from __future__ import annotations

from typing import Annotated

import typer

from gridcare.cli import app, out, progress_bar, reported_errors, say, settings
from gridcare.core.i18n import T_

contractors_app = typer.Typer(help="Contractor projects (外包项目监管).", no_args_is_help=True)
app.add_typer(contractors_app, name="contractors")


@contractors_app.command("scorecards")
def scorecards(weights: Annotated[str | None, typer.Option(help="e.g. spot_checks=0.4,feedback=0.2,timeliness=0.2,rating=0.2")] = None) -> None:
    """One line per contractor: score, grade and its components."""
    from gridcare.contractors import rules, supervision
    from gridcare.core.principal import system_principal
    from gridcare.db import Database

    db = Database(settings().sqlalchemy_url)
    with reported_errors(), db.read() as session:
        cards = supervision.contractor_scorecards(session, actor=system_principal("cli"), weights=rules.parse_weights(weights))
    for c in cards:
        parts = " ".join(f"{k}={'-' if v is None else v}" for k, v in c["components"].items())
        out.print(f"{c['grade']:<2} {c['score'] if c['score'] is not None else '-':>6}  {c['projects']:>3} projects  {parts}  {c['contractor']}", markup=False, highlight=False)


@contractors_app.command("notify")
def notify(project: Annotated[int, typer.Argument(help="The project's id.")]) -> None:
    """Tell the project's affected customers now (once), with a progress bar."""
    from gridcare.contractors import notifying, service
    from gridcare.core.clock import system_clock
    from gridcare.core.principal import system_principal
    from gridcare.db import Database

    s = settings()
    db = Database(s.sqlalchemy_url)
    with reported_errors(), progress_bar() as report, db.write() as session:
        sent = service.notify_customers(session, actor=system_principal("cli"), now=system_clock.now(), project_id=project, config=notifying.config(s), progress=report)
    say(T_("project %(id)s: %(n)s customers told", id=project, n=sent))
