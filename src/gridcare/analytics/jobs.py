"""Periodic jobs and outbox handlers of the analytics domain (imported at start-up)."""

from __future__ import annotations
