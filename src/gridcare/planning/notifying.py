"""The notify configuration with planning's message templates (``planning/messages/``):
shipped templates first, then ours, then the operator's overrides."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gridcare.notify import templates
from gridcare.notify.service import NotifyConfig, current_config

OURS = str(Path(__file__).resolve().parent / "messages")


@dataclass(frozen=True)
class _WithOurTemplates(NotifyConfig):
    @property
    def catalog(self) -> Any:
        return templates.load_catalog(tuple(d for d in (OURS, self.templates_dir) if d))


def config() -> NotifyConfig:
    base = current_config()
    return _WithOurTemplates(base.quiet, base.rate_limits, base.ladders, base.templates_dir)
