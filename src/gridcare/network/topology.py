"""Network topology: the electric distribution tree and the water pipe network.

Pure code: records in, sets and lists out; no database, clock or I/O. The electric tree
lives in :mod:`gridcare.network.electric`, the water network in
:mod:`gridcare.network.water`; this module holds what both share (the problem types) and
re-exports everything, so callers need a single import::

    from gridcare.network.topology import ElectricTree, WaterNetwork, TopologyError

The re-exports are resolved lazily (PEP 562) because ``electric`` and ``water`` import the
shared types from here; an eager import at the bottom of this file would break whenever
one of them is imported first.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from gridcare.core.errors import InvalidInput
from gridcare.core.i18n import T_, Joined, Text

if TYPE_CHECKING:
    from gridcare.network.electric import ASSET_KINDS, AssetRecord, ElectricTree
    from gridcare.network.water import (
        WATER_NODE_KINDS,
        IsolationImpossible,
        WaterNetwork,
        WaterNode,
        WaterPipe,
    )

__all__ = [
    "ASSET_KINDS",
    "WATER_NODE_KINDS",
    "AssetRecord",
    "ElectricTree",
    "IsolationImpossible",
    "TopologyError",
    "TopologyProblem",
    "WaterNetwork",
    "WaterNode",
    "WaterPipe",
]


@dataclass(frozen=True)
class TopologyProblem:
    """One thing wrong with a network: which record (``code``; None for the network as a
    whole), which of its fields, and why."""

    code: str | None
    field: str
    reason: str  # a core.i18n.Text, shown in the reader's language

    def __str__(self) -> str:
        return str(self.said())

    def said(self) -> Text:
        if self.code is None:
            return T_("%(field)s: %(reason)s", field=self.field, reason=self.reason)
        return T_("%(code)r %(field)s: %(reason)s", code=self.code, field=self.field, reason=self.reason)


class TopologyError(InvalidInput):
    """A network was rejected. ``problems`` lists every reason, not just the first.

    It is an :class:`InvalidInput`, so the HTTP layer answers 422 with one entry per
    problem without knowing anything about networks.
    """

    def __init__(self, problems: Iterable[TopologyProblem]) -> None:
        listed = list(problems)
        shown = [p.said() for p in listed[:20]]
        if len(listed) > 20:
            shown.append(T_("... and %(n)s more", n=len(listed) - 20))
        super().__init__(Joined(shown) if shown else T_("invalid network"))
        self.problems: list[TopologyProblem] = listed  # type: ignore[assignment]


_LAZY = {
    "ASSET_KINDS": "gridcare.network.electric",
    "AssetRecord": "gridcare.network.electric",
    "ElectricTree": "gridcare.network.electric",
    "WATER_NODE_KINDS": "gridcare.network.water",
    "IsolationImpossible": "gridcare.network.water",
    "WaterNetwork": "gridcare.network.water",
    "WaterNode": "gridcare.network.water",
    "WaterPipe": "gridcare.network.water",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip this hook
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
