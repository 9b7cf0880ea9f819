"""CLI of the contact-card domain: ``gridcare cards print --grid CODE|--all -o cards.pdf``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from gridcare.cli import app, progress_bar, refuse, reported_errors, say, settings
from gridcare.core.i18n import T_

cards_app = typer.Typer(help="Contact cards and meter-box stickers (一箱一贴).", no_args_is_help=True)
app.add_typer(cards_app, name="cards")


@cards_app.command("print")
def print_cards(
    output: Annotated[Path, typer.Option("-o", "--output", help="The PDF to write.")],
    grid: Annotated[list[str] | None, typer.Option(help="Code of a grid (repeat for several).")] = None,
    all_grids: Annotated[bool, typer.Option("--all", help="Every grid.")] = False,
    base_url: Annotated[str | None, typer.Option(help="The public address the QR codes open (default: GRIDCARE_PUBLIC_URL or http://localhost:8000).")] = None,
) -> None:
    """One A4 page per grid: the rep's card and 8 stickers, each with the grid's report QR code."""
    from gridcare.cards import pdf, service
    from gridcare.core.clock import system_clock
    from gridcare.core.principal import system_principal
    from gridcare.db import Database

    if bool(grid) == all_grids:
        refuse(T_("--grid: give --grid CODE (one or more) or --all"))
    s = settings()
    url = base_url or os.environ.get("GRIDCARE_PUBLIC_URL", "http://localhost:8000")
    if not url.startswith(("http://", "https://")):
        refuse(T_("--base-url: must start with http:// or https://"))
    db = Database(s.sqlalchemy_url)
    with reported_errors(), progress_bar() as report, db.write() as session:
        cards = service.cards_for(session, actor=system_principal("cli"), now=system_clock.now(), base_url=url, grid_codes=None if all_grids else list(grid or []), data_dir=s.data_dir)
        data = pdf.render(cards, progress=report)
    output.write_bytes(data)
    say(T_("%(n)s grids, %(kib)s KiB → %(file)s", n=len(cards), kib=len(data) // 1024, file=str(output)))
