"""The hotline's supervisors hear when today runs well above the forecast and the roster will
not cope with the hours ahead at that pace: a pop-up at each step (20 %, 50 %, 100 % above),
once a day."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from gridcare.auth import service as auth
from gridcare.calls import intraday, today
from gridcare.core.clock import SHANGHAI, until
from gridcare.core.principal import system_principal
from gridcare.notify import service as notify
from gridcare.notify import templates

templates.register_directory(Path(__file__).resolve().parent / "messages")


def _ask(told: dict[str, Any]) -> dict[str, str]:
    a = told["ask"]
    return {"name": told["name"], "kind": a.kind, "start": f"{a.starts_at.astimezone(SHANGHAI):%H:%M}", "end": until(a.ends_at, a.starts_at)}


def tell(session: Session, *, now: datetime) -> list[tuple[str, int]]:
    """Each company whose day has crossed a step with hours ahead short: its supervisors are
    told (once per step and day). Returns (company, step) of those."""
    actor = system_principal("calls")
    told = []
    for company, listeners in auth.companies_with_supervisors(session):
        found = today.today(session, actor=actor, now=now, company=company.code)
        tracked = found["today"]
        step = intraday.step_crossed(tracked)
        if step is None:
            continue
        context = {
            "company": company.name, "time": f"{now.astimezone(SHANGHAI):%H:%M}", "offered": tracked.offered_so_far, "expected": round(tracked.expected_so_far),
            "change": round(100 * (tracked.ratio - 1)), "hours": ", ".join(f"{h.hour:02d}:00 ({h.on_roster}/{h.needed})" for h in tracked.short[:8]),
            "cover": [_ask(x) for x in today.cover_for(session, actor=actor, now=now, found=found)["asks"][:5]],
        }
        for user_id in listeners:
            notify.notify_user(session, now=now, user_id=user_id, event="hotline.busy", context=context, urgent=step >= intraday.STEPS[-1], dedupe=f"hotline-busy:{company.code}:{found['day']}:{step}")
        told.append((company.code, step))
    return told
