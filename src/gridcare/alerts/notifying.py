"""The message of the alerts domain (``alert.raised``), sent through the notify service with
the template this package ships in ``alerts/messages/`` (shipped ones first, then ours, then
the operator's overrides, so an operator can still reword it)."""

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


def alert_raised(session: Session, *, now: datetime, user_id: int, alert: Any) -> None:
    """A pop-up to a supervisor; critical alerts go out at once, others wait out quiet hours."""
    context = {"title": alert.title, "grid": alert.grid_code, "kind": alert.kind, "severity": alert.severity, "alert_id": alert.id}
    notify.notify_user(session, now=now, user_id=user_id, event="alert.raised", context=context, urgent=alert.severity == "critical", source=("alert", alert.id), config=config())
