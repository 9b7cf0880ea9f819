"""The notify configuration for the field-management packages (contractors, campaigns,
cards, arrears): notify's own, plus the message templates these packages ship in
``contractors/messages/`` — shipped templates first, then ours, then the operator's
overrides, so an operator can still reword every message."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gridcare.notify import templates
from gridcare.notify.service import NotifyConfig, config_from, current_config

templates.register_directory(Path(__file__).resolve().parent / "messages")


def config(settings: Any | None = None) -> NotifyConfig:
    return config_from(settings) if settings is not None else current_config()
