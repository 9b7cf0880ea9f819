"""CLI commands of the alerts domain, registered on the main ``gridcare`` app."""

from __future__ import annotations
