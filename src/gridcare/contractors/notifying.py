"""The notify configuration for the field-management packages (contractors, campaigns,
cards, arrears): notify's own, plus the message templates these packages ship in
``contractors/messages/`` — shipped templates first, then ours, then the operator's
overrides, so an operator can still reword every message."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gridcare.notify import templates
from gridcare.notify.service import NotifyConfig, config_from, current_config

OURS = str(Path(__file__).resolve().parent / "messages")


@dataclass(frozen=True)
class _WithOurTemplates(NotifyConfig):
    @property
    def catalog(self) -> Any:
        return templates.load_catalog(tuple(d for d in (OURS, self.templates_dir) if d))


def _extend(config: NotifyConfig) -> NotifyConfig:
    if isinstance(config, _WithOurTemplates):
        return config
    return _WithOurTemplates(config.quiet, config.rate_limits, config.ladders, config.templates_dir)


def config(settings: Any | None = None) -> NotifyConfig:
    return _extend(config_from(settings) if settings is not None else current_config())
