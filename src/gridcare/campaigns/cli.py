"""CLI commands of the campaigns domain, registered on the main ``gridcare`` app."""

from __future__ import annotations
