"""Periodic jobs and outbox handlers of the planning domain (imported at start-up)."""

from __future__ import annotations
