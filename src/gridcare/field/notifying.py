"""Messages of the field domain, sent through the notify service with the templates this
package ships in ``field/messages/`` (shipped ones first, then ours, then the operator's
overrides, so an operator can still reword every message)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from gridcare.notify import service as notify
from gridcare.notify import templates
from gridcare.notify.service import NotifyConfig

templates.register_directory(Path(__file__).resolve().parent / "messages")


def config() -> NotifyConfig:
    return notify.current_config()


def patrol_overdue(session: Session, *, now: datetime, user_id: int, task: Any, state: str) -> None:
    """A pop-up to a supervisor: a patrol is late (its day passed) or missed (grace passed too)."""
    from gridcare.grids import service as grids

    grid = grids.grid_names(session, ids=[task.grid_id]).get(task.grid_id, ("", "")) if task.grid_id else ("", "")
    notify.notify_user(
        session, now=now, user_id=user_id, event="field.patrol_overdue", source=("patrol_task", task.id), urgent=False, dedupe=state, config=config(),
        context={"title": task.title, "due_on": task.due_on.isoformat(), "state": state, "grid": grid[1] or grid[0]},
    )


def visit_overdue(session: Session, *, now: datetime, user_id: int, plan: Any) -> None:
    """A pop-up to the rep: a key-customer or stakeholder visit is overdue."""
    notify.notify_user(
        session, now=now, user_id=user_id, event="field.visit_overdue", source=("visit_plan", plan.id), urgent=False, dedupe=plan.next_due.isoformat(), config=config(),
        context={"title": plan.title, "due_on": plan.next_due.isoformat()},
    )
