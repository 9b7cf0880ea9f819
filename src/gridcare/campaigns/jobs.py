"""Periodic jobs and outbox handlers of the campaigns domain (imported at start-up)."""

from __future__ import annotations
