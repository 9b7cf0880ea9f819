"""Periodic jobs and outbox handlers of the cards domain (imported at start-up)."""

from __future__ import annotations
