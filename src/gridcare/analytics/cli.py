"""CLI commands of the analytics domain, registered on the main ``gridcare`` app:
``gridcare analytics import-aggregates|snapshot|rollup`` and ``gridcare report``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gridcare.cli import app, cli_locale, out, progress_bar, refuse, reported_errors, say, settings
from gridcare.core.i18n import T_

analytics_app = typer.Typer(help="Analytics: KPI rollup, scorecard aggregates and monthly snapshots.", no_args_is_help=True)
app.add_typer(analytics_app, name="analytics")


def _db():  # noqa: ANN202
    from gridcare.db import Database

    return Database(settings().sqlalchemy_url)


@analytics_app.command("import-aggregates")
def import_aggregates(
    file: Annotated[Path, typer.Argument(help="CSV (UTF-8 or GBK) or XLSX: month, grid, supplied_m3, billed_m3, meters_due, meters_read, billed_amount, collected_amount (docs/analytics-import.md).")],
) -> None:
    """Import monthly meter and billing aggregates per grid; nothing is imported unless every row is good."""
    from gridcare.analytics import scorecards
    from gridcare.analytics.importing import problems_to_text
    from gridcare.core.clock import system_clock
    from gridcare.core.principal import system_principal

    if not file.is_file():
        refuse(T_("FILE: %(path)s is not a readable file", path=str(file)))
    data = file.read_bytes()
    actor = system_principal("cli")
    db = _db()
    with db.read() as session:
        parsed = scorecards.parse_file(session, actor=actor, data=data, filename=file.name)
    if not parsed.ok:
        out.print(problems_to_text(parsed.problems, cli_locale()), markup=False, highlight=False)
        refuse(T_("%(n)s problems in %(file)s; nothing imported", n=len(parsed.problems), file=file.name))
    with reported_errors(), progress_bar() as report, db.write() as session:
        rows = scorecards.import_aggregates(session, actor=actor, now=system_clock.now(), data=data, filename=file.name, progress=report)
    say(T_("aggregates: %(n)s rows imported from %(file)s", n=rows, file=file.name))


@analytics_app.command("snapshot")
def snapshot(
    month: Annotated[str, typer.Option(help="The month to close, like 2026-10; it must be over.")],
    kind: Annotated[str, typer.Option(help="grid, rep or both.")] = "both",
) -> None:
    """Close a month: store its grid and rep scorecards; a closed month is never changed."""
    from gridcare.analytics import rollup, scorecards
    from gridcare.core.clock import system_clock
    from gridcare.core.principal import system_principal

    with reported_errors(), progress_bar() as report, _db().write() as session:
        rollup.refresh(session, now=system_clock.now(), progress=report)
        written = scorecards.snapshot(session, actor=system_principal("cli"), now=system_clock.now(), month=month, kind=kind)
    say(T_("snapshot %(month)s: %(n)s scorecards stored", month=month, n=written) if written else T_("snapshot %(month)s: already closed, left as it was", month=month))


@analytics_app.command("rollup")
def rollup_command(full: Annotated[bool, typer.Option("--full", help="Rebuild every day from scratch instead of folding in new order events.")] = False) -> None:
    """Bring the daily order rollup up to date (the worker does this every minute)."""
    from gridcare.analytics import rollup
    from gridcare.core.clock import system_clock

    with reported_errors(), progress_bar() as report, _db().write() as session:
        if full:
            rows = rollup.rebuild_all(session, now=system_clock.now(), progress=report)
            message = T_("rollup rebuilt: %(n)s rows", n=rows)
        else:
            message = T_("rollup refreshed: %(n)s days rebuilt", n=rollup.refresh(session, now=system_clock.now(), progress=report))
    say(message)


@app.command("report")
def report(
    month: Annotated[str, typer.Option(help="The month, like 2026-10 (default: last month).")] = "",
    output: Annotated[Path, typer.Option("-o", "--output", help="Directory to write the files to.")] = Path("."),
    formats: Annotated[str, typer.Option("--format", help="xlsx, pdf or both (comma-separated).")] = "xlsx,pdf",
    utility: Annotated[str, typer.Option(help="Only this utility: electric, water or gas.")] = "",
    lang: Annotated[str, typer.Option(help="zh_CN or en.")] = "zh_CN",
) -> None:
    """Write the monthly service-quality report (Excel with charts, PDF)."""
    from gridcare.analytics import periods, rollup
    from gridcare.analytics.api import render_report
    from gridcare.core.clock import system_clock
    from gridcare.core.errors import InvalidInput
    from gridcare.core.i18n import T_, translator
    from gridcare.core.principal import system_principal

    wanted = [f.strip() for f in formats.split(",") if f.strip()]
    with reported_errors():
        if not wanted or any(f not in ("xlsx", "pdf") for f in wanted):
            raise InvalidInput.field("format", T_("must be %(a)s, %(b)s or both", a="xlsx", b="pdf"))
        if lang not in ("zh_CN", "en"):
            raise InvalidInput.field("lang", T_("must be %(a)s or %(b)s", a="zh_CN", b="en"))
        if utility and utility not in ("electric", "water", "gas"):
            raise InvalidInput.field("utility", T_("must be %(a)s, %(b)s or %(c)s", a="electric", b="water", c="gas"))
        m = periods.month(month).label if month else periods.last_closed_month(system_clock.now()).label
    output.mkdir(parents=True, exist_ok=True)
    db = _db()
    with reported_errors(), progress_bar() as progress:
        with db.write() as session:
            rollup.refresh(session, now=system_clock.now(), progress=progress)
        with db.read() as session:
            for i, fmt in enumerate(wanted, start=1):
                body, _media = render_report(session, system_principal("cli"), m, fmt, utility, translator(lang), system_clock.now())
                target = output / f"service-quality-{m}{'-' + utility if utility else ''}.{fmt}"
                target.write_bytes(body)
                progress("report", i, len(wanted))
                out.print(str(target), markup=False, highlight=False)
