"""CLI commands of the analytics domain, registered on the main ``gridcare`` app."""

from __future__ import annotations
