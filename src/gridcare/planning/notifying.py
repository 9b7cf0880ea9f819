"""The notify configuration with planning's message templates (``planning/messages/``):
shipped templates first, then ours, then the operator's overrides."""

from __future__ import annotations

from pathlib import Path

from gridcare.notify import templates
from gridcare.notify.service import NotifyConfig, current_config

templates.register_directory(Path(__file__).resolve().parent / "messages")


def config() -> NotifyConfig:
    return current_config()
