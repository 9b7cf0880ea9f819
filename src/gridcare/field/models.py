"""Tables of the field domain."""

from __future__ import annotations
