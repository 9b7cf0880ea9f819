"""CLI of the knowledge base: ``gridcare knowledge import FILE.csv`` (progress bar; every row
or none) and ``gridcare knowledge export FILE.csv`` (what ``import`` reads back)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gridcare.cli import app, progress_bar, refuse, reported_errors, say, settings
from gridcare.core.i18n import T_

knowledge_app = typer.Typer(help="The knowledge base (知识库) agents search on calls.", no_args_is_help=True)
app.add_typer(knowledge_app, name="knowledge")


@knowledge_app.command("import")
def import_articles(file: Annotated[Path, typer.Argument(help="CSV (UTF-8, GBK or UTF-16): title, body, and optionally keywords, topic, utility (or 标题, 答案, 关键词, 分类, 专业).")]) -> None:
    """Publish one article per row, for the whole organisation. All rows or none."""
    from gridcare.core.clock import system_clock
    from gridcare.core.principal import system_principal
    from gridcare.db import Database
    from gridcare.knowledge import service

    try:
        data = file.read_bytes()
    except OSError as exc:
        refuse(T_("%(file)s: cannot be read: %(error)s", file=str(file), error=exc.strerror or str(exc)))
    db = Database(settings().sqlalchemy_url)
    with reported_errors(), progress_bar() as report, db.write() as session:
        n = service.import_articles(session, actor=system_principal("cli"), now=system_clock.now(), data=data, progress=report)
    say(T_("%(n)s articles imported and published.", n=n))


@knowledge_app.command("export")
def export_articles(file: Annotated[Path, typer.Argument(help="Where to write the CSV.")]) -> None:
    """Write every article that is not retired to a CSV that ``import`` reads back."""
    from gridcare.core.principal import system_principal
    from gridcare.db import Database
    from gridcare.knowledge import service

    db = Database(settings().sqlalchemy_url)
    with reported_errors(), db.read() as session:
        data, n = service.export_csv(session, actor=system_principal("cli"))
    try:
        file.write_bytes(data)
    except OSError as exc:
        refuse(T_("%(file)s: cannot be written: %(error)s", file=str(file), error=exc.strerror or str(exc)))
    say(T_("%(n)s articles written to %(file)s", n=n, file=str(file)))
