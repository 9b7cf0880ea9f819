"""Tables of the contractors domain."""

from __future__ import annotations
