"""Read the network files users export from their GIS.

* Electric assets (:mod:`gridcare.network.electric_import`): CSV or a GeoJSON
  FeatureCollection of Points.
* Water network (:mod:`gridcare.network.water_import`): one GeoJSON FeatureCollection
  holding nodes, pipes and DMAs.

Every function takes the raw bytes and returns what it could read plus a list of
:class:`ImportProblem`; the network is only fit to store when that list is empty. Every
bad row is reported (up to :data:`MAX_PROBLEMS`), and so are the topology problems found by
building the network, mapped back to the row or feature they come from. Hostile input
(binary junk, NaN, nesting bombs) yields problems, never an exception.

What both readers share (the problem record, where it points, decoding, GeoJSON plumbing)
is in :mod:`gridcare.network.reading`. This module is the public entry: import from here.
"""

from __future__ import annotations

from gridcare.network.electric_import import parse_electric_assets
from gridcare.network.reading import FILE, MAX_PROBLEMS, ImportProblem
from gridcare.network.water_import import (
    SNAP_TOLERANCE_M,
    WaterImport,
    parse_water_network,
    read_water_network,
)

__all__ = [
    "FILE",
    "MAX_PROBLEMS",
    "SNAP_TOLERANCE_M",
    "ImportProblem",
    "WaterImport",
    "parse_electric_assets",
    "parse_water_network",
    "read_water_network",
]
