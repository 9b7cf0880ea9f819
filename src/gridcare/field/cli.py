"""CLI commands of the field domain, registered on the main ``gridcare`` app."""

from __future__ import annotations
