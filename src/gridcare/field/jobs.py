"""Periodic jobs and outbox handlers of the field domain (imported at start-up)."""

from __future__ import annotations
