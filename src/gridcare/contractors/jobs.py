"""Periodic jobs and outbox handlers of the contractors domain (imported at start-up)."""

from __future__ import annotations
