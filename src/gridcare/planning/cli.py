"""CLI commands of the planning domain, registered on the main ``gridcare`` app."""

from __future__ import annotations
