"""CLI of the arrears domain: ``gridcare arrears import FILE.csv`` (progress bar) and
``gridcare arrears overdue`` (flag overdue follow-ups to their reps now, and list them)."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Annotated

import typer

from gridcare.cli import app, out, progress_bar, refuse, reported_errors, say, settings
from gridcare.core.i18n import T_

arrears_app = typer.Typer(help="Hard arrears cases (疑难欠费).", no_args_is_help=True)
app.add_typer(arrears_app, name="arrears")


@arrears_app.command("import")
def import_cases(file: Annotated[Path, typer.Argument(help="CSV (UTF-8 or GBK): account, amount (yuan), months, reason.")]) -> None:
    """Open a case per row, assigned to the customer's grid rep. All rows or none."""
    from gridcare.arrears import service
    from gridcare.arrears.api import fen
    from gridcare.core.clock import system_clock
    from gridcare.core.errors import InvalidInput
    from gridcare.core.principal import system_principal
    from gridcare.customers import service as customers
    from gridcare.db import Database

    raw = file.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("gbk", errors="replace")
    # newline="" keeps a line break inside a quoted cell, as spreadsheets write it.
    reader = csv.DictReader(io.StringIO(text, newline=""), restval="")
    try:
        rows = list(reader)
    except csv.Error as exc:
        refuse(T_("%(file)s: line %(line)s: unreadable CSV: %(error)s", file=str(file), line=reader.line_num, error=str(exc)))
    if not rows or "account" not in rows[0] or "amount" not in rows[0]:
        refuse(T_("%(file)s: needs the columns account and amount", file=str(file)))
    actor, now = system_principal("cli"), system_clock.now()
    db = Database(settings().sqlalchemy_url)
    with reported_errors(), progress_bar() as report, db.write() as session:
        for n, row in enumerate(rows, start=1):
            try:
                customer = customers.find_by_account(session, actor=actor, account=row["account"].strip())
                if customer is None:
                    raise InvalidInput.field("account", T_("no customer with account %(account)r", account=row["account"].strip()))
                months = (row.get("months") or "0").strip() or "0"
                if not months.isascii() or not months.isdigit() or len(months) > 4:
                    raise InvalidInput.field("months", T_("must be a whole number of months"))
                service.open_case(session, actor=actor, now=now, customer_id=customer.id, amount_fen=fen(row["amount"], "amount"), months=int(months), reason=(row.get("reason") or "").strip())
            except InvalidInput as exc:
                raise InvalidInput(T_("line %(line)s: %(detail)s", line=n + 1, detail=exc.detail)) from None
            report("cases", n, len(rows))
    say(T_("%(n)s cases opened", n=len(rows)))


@arrears_app.command("overdue")
def overdue() -> None:
    """Tell reps of their overdue follow-ups now (the worker does it every 15 minutes) and list them."""
    from gridcare.arrears import service
    from gridcare.contractors import notifying
    from gridcare.core.clock import system_clock, to_local
    from gridcare.core.principal import system_principal
    from gridcare.db import Database

    s = settings()
    db = Database(s.sqlalchemy_url)
    now = system_clock.now()
    with reported_errors(), db.write() as session:
        flagged = service.flag_overdue(session, now=now, config=notifying.config(s))
        rows = service.list_cases(session, actor=system_principal("cli"), now=now, overdue=True)
        for r in rows:
            out.print(f"{r['number']}  {to_local(r['next_follow_up_at']):%Y-%m-%d}  {r['assignee'] or '-':<10} {r['amount']:>10.2f}  {r['customer']}", markup=False, highlight=False)
    say(T_("%(n)s overdue, %(flagged)s newly flagged", n=len(rows), flagged=flagged))
