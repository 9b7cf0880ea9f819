"""Periodic jobs of the knowledge base: none; articles due for review show on their writers'
workbench and the knowledge page."""

from __future__ import annotations
