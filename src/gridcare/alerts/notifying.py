"""The message of the alerts domain (``alert.raised``), sent through the notify service with
the template this package ships in ``alerts/messages/`` (shipped ones first, then ours, then
the operator's overrides, so an operator can still reword it)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from gridcare.alerts import titles
from gridcare.core import i18n
from gridcare.notify import service as notify
from gridcare.notify import templates
from gridcare.notify.service import NotifyConfig

templates.register_directory(Path(__file__).resolve().parent / "messages")


def config() -> NotifyConfig:
    return notify.current_config()


def alert_raised(session: Session, *, now: datetime, user_id: int, alert: Any) -> None:
    """A pop-up to a supervisor; critical alerts go out at once, others wait out quiet hours."""
    # ``title`` is the stored (Chinese) one, kept for operators' own templates.
    written = titles.titles_by_language(alert.kind, alert.evidence, alert.title, {loc: i18n.translator(loc) for loc in i18n.SUPPORTED})
    context = {"title": alert.title, "titles": written, "grid": alert.grid_code, "kind": alert.kind, "severity": alert.severity, "alert_id": alert.id}
    notify.notify_user(session, now=now, user_id=user_id, event="alert.raised", context=context, urgent=alert.severity == "critical", source=("alert", alert.id), config=config())
