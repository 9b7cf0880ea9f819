"""CLI commands of the field domain, registered on the main ``gridcare`` app:
``gridcare field generate`` (patrol tasks ahead), ``field flag`` (late, missed, overdue),
``field visits`` (visit plans from tags and stakeholders)."""

from __future__ import annotations

from typing import Annotated

import typer

from gridcare.cli import app, progress_bar, reported_errors, say, settings
from gridcare.core.i18n import T_

field_app = typer.Typer(help="Field work: patrol tasks, late patrols, visit plans.", no_args_is_help=True)
app.add_typer(field_app, name="field")


def _db():  # noqa: ANN202 - a gridcare.db.Database
    import gridcare.models  # noqa: F401 - every table, so foreign keys to other domains resolve
    from gridcare.db import Database

    return Database(settings().sqlalchemy_url)


@field_app.command("generate")
def generate(days: Annotated[int, typer.Option(help="Create the tasks due from today over this many days.")] = 7) -> None:
    """Create the patrol tasks of every active plan and open road-works watch. Running it
    again creates nothing new."""
    from gridcare.core.clock import system_clock
    from gridcare.field import patrols

    db = _db()
    with reported_errors(), progress_bar() as report, db.write() as session:
        created = patrols.generate(session, now=system_clock.now(), days=days, progress=report)
    say(T_("%(n)s patrol tasks created", n=created))


@field_app.command("flag")
def flag() -> None:
    """Flag late and missed patrols to the supervisors and overdue visits to the reps."""
    from gridcare.core.clock import system_clock
    from gridcare.field import patrols, visits

    db = _db()
    with reported_errors(), progress_bar() as report, db.write() as session:
        now = system_clock.now()
        report("patrols", 0, 2)
        late, missed = patrols.flag_overdue(session, now=now)
        report("visits", 1, 2)
        told = visits.flag_overdue(session, now=now)
        report("visits", 2, 2)
    say(T_("%(late)s patrols late, %(missed)s missed; %(told)s overdue visits flagged", late=late, missed=missed, told=told))


@field_app.command("visits")
def sync_visits() -> None:
    """Create or update the visit plans of key customers (by tag) and stakeholders."""
    from gridcare.core.clock import system_clock
    from gridcare.field import visits

    db = _db()
    with reported_errors(), progress_bar() as report, db.write() as session:
        changed = visits.sync_plans(session, now=system_clock.now(), progress=report)
    say(T_("%(n)s visit plans created or changed", n=changed))
