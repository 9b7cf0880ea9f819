"""The message of the alerts domain (``alert.raised``), sent through the notify service with
the template this package ships in ``alerts/messages/`` (shipped ones first, then ours, then
the operator's overrides, so an operator can still reword it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from gridcare.notify import service as notify
from gridcare.notify import templates
from gridcare.notify.service import NotifyConfig

OURS = str(Path(__file__).resolve().parent / "messages")


@dataclass(frozen=True)
class _WithAlertTemplates(NotifyConfig):
    @property
    def catalog(self) -> Any:
        return templates.load_catalog(tuple(d for d in (OURS, self.templates_dir) if d))


def config() -> NotifyConfig:
    base = notify.current_config()
    return _WithAlertTemplates(base.quiet, base.rate_limits, base.ladders, base.templates_dir)


def alert_raised(session: Session, *, now: datetime, user_id: int, alert: Any) -> None:
    """A pop-up to a supervisor; critical alerts go out at once, others wait out quiet hours."""
    context = {"title": alert.title, "grid": alert.grid_code, "kind": alert.kind, "severity": alert.severity, "alert_id": alert.id}
    notify.notify_user(session, now=now, user_id=user_id, event="alert.raised", context=context, urgent=alert.severity == "critical", source=("alert", alert.id), config=config())
