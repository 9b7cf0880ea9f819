"""Records of the demo city (``city.py`` builds them) and the vocabularies of their fields.

They live apart from ``city.py`` so the modules that build the city can use them without
importing ``city.py``, which imports those modules.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from shapely import MultiPolygon, Polygon

from gridcare.demo.network import Asset, Pipe, WaterNode

Progress = Callable[[str, int, int], None]

TAGS = ("major", "protected", "sensitive", "supervised")
AREA_CLASSES = ("urban", "rural", "remote")
UTILITIES = ("electric", "water")


@dataclass(frozen=True, slots=True)
class Staff:
    login: str
    name: str
    phone: str


@dataclass(frozen=True, slots=True)
class District:
    code: str
    name: str
    polygon: Polygon | MultiPolygon


@dataclass(frozen=True, slots=True)
class Grid:
    code: str
    name: str
    district: str
    area_class: str
    rep: Staff
    backup: Staff
    utilities: tuple[str, ...]
    polygon: Polygon


@dataclass(frozen=True, slots=True)
class Address:
    city: str
    district: str
    road: str
    number: str
    community: str
    building: str
    unit_room: str
    text: str


@dataclass(frozen=True, slots=True)
class Customer:
    account: str
    name: str
    phones: tuple[str, ...]
    address: Address
    lon: float
    lat: float
    utility: str
    supply_point: str
    tags: tuple[str, ...]
    meters: tuple[str, ...]
    grid_code: str
    segment: str  # "residential" or one of names.BUSINESS_SEGMENTS


@dataclass(frozen=True, slots=True)
class Dma:
    code: str
    name: str
    polygon: Polygon
    kind: str = "dma"


@dataclass(frozen=True, slots=True)
class City:
    seed: int
    service_area: Polygon
    districts: tuple[District, ...]
    grids: tuple[Grid, ...]
    staff: tuple[Staff, ...]
    customers: tuple[Customer, ...]
    assets: tuple[Asset, ...]
    water_nodes: tuple[WaterNode, ...]
    water_pipes: tuple[Pipe, ...]
    dmas: tuple[Dma, ...]
