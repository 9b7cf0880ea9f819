"""Periodic jobs and outbox handlers of the alerts domain (imported at start-up)."""

from __future__ import annotations
