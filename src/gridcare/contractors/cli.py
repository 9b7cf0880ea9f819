"""CLI commands of the contractors domain, registered on the main ``gridcare`` app."""

from __future__ import annotations
