"""CLI commands of the cards domain, registered on the main ``gridcare`` app."""

from __future__ import annotations
