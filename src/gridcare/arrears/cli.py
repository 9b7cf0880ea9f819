"""CLI commands of the arrears domain, registered on the main ``gridcare`` app."""

from __future__ import annotations
