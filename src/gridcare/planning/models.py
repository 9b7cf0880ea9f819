"""Tables of the planning domain."""

from __future__ import annotations
