"""Periodic jobs and outbox handlers of the arrears domain (imported at start-up)."""

from __future__ import annotations
