"""Tables of the arrears domain."""

from __future__ import annotations
