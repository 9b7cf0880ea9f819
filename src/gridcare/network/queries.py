"""Reads behind the topology questions, shared by the REST endpoints (``api.py``) and the
page (``views.py``): what an asset is and what feeds it; which supply points and customers
sit downstream of a device, behind closed valves, or inside a DMA. Each checks the same
permissions whichever interface asks."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridcare.auth.rules import Action
from gridcare.auth.scoping import require, require_utility
from gridcare.core.principal import Principal
from gridcare.customers import service as customers
from gridcare.network import service
from gridcare.network.models import Asset, Dma


@dataclass(frozen=True)
class Reach:
    """Supply points (sorted codes) and how many customers each feeds (points with none are
    left out of ``per_point``)."""

    utility: str
    supply_points: list[str]
    per_point: dict[str, int]

    @property
    def customers(self) -> int:
        return sum(self.per_point.values())


@dataclass(frozen=True)
class GridShare:
    grid_id: int | None  # None: customers outside every grid
    customers: int
    key_customers: int


def _reach(session: Session, *, utility: str, points: Iterable[str]) -> Reach:
    ordered = sorted(points)
    return Reach(utility, ordered, customers.counts_by_supply_point(session, codes=ordered, utility=utility))


def require_water(session: Session, actor: Principal) -> None:
    require(actor, Action.GRIDS_READ)
    require_utility(session, actor, "water")


def asset_with_upstream(session: Session, *, actor: Principal, utility: str, code: str) -> tuple[Asset, list[Asset]]:
    """The asset, and for an electric one the devices feeding it: itself first, its
    substation last (an empty chain for water)."""
    asset = service.get_asset(session, actor=actor, utility=utility, code=code)
    chain = service.upstream_chain(session, actor=actor, utility=utility, supply_point=code) if utility == "electric" else []
    return asset, chain


def downstream(session: Session, *, actor: Principal, utility: str, device: str) -> Reach:
    """Supply points and customers downstream of a device (electric) or behind a valve (water)."""
    service.get_asset(session, actor=actor, utility=utility, code=device)
    return _reach(session, utility=utility, points=service.downstream_supply_points(session, utility=utility, device=device))


def cut_off_by_valves(session: Session, *, actor: Principal, valves: Iterable[str]) -> Reach:
    """Water service nodes and customers cut off when these valves are closed."""
    require_water(session, actor)
    return _reach(session, utility="water", points=service.supply_points_cut_off_by_valves(session, valves=set(valves)))


def in_dma(session: Session, *, actor: Principal, code: str) -> Reach:
    require_water(session, actor)
    return _reach(session, utility="water", points=service.supply_points_in_dma(session, dma_code=code))


def children(session: Session, *, utility: str, code: str) -> list[Asset]:
    """The electric devices fed directly by ``code`` (none for water: pipes, not a tree).
    Call after :func:`asset_with_upstream`, which checks the permissions."""
    if utility != "electric":
        return []
    tree = service.electric_tree(session)
    if not tree.has(code):
        return []
    codes = tree.children(code)
    found = service.assets_by_code(session, utility=utility, codes=codes)
    return [found[c] for c in codes if c in found]


def valve_problems(session: Session, *, actor: Principal, valves: Sequence[str]) -> tuple[list[str], list[Asset]]:
    """The codes that are not in the water network, and the nodes that are there but are no
    valves, so a page can name them before asking the network (which refuses them too)."""
    require_water(session, actor)
    found = service.assets_by_code(session, utility="water", codes=list(valves))
    return [v for v in valves if v not in found], [found[v] for v in valves if v in found and found[v].kind != "valve"]


def dma_codes(session: Session, *, actor: Principal) -> list[tuple[str, str]]:
    """Every DMA as (code, name), for the page's suggestions."""
    require_water(session, actor)
    return [(r.code, r.name) for r in session.execute(select(Dma.code, Dma.name).order_by(Dma.code))]


def customers_by_grid(session: Session, *, reach: Reach) -> list[GridShare]:
    """The customers of a reach counted by the grid they live in, most first; key customers
    are those with a key-customer tag (major, protected, sensitive, supervised)."""
    found = customers.briefs_on_supply_points(session, utility=reach.utility, codes=reach.supply_points)
    total = Counter(b.grid_id for b in found)
    key = Counter(b.grid_id for b in found if any(t in customers.TAGS for t in b.tags))
    return [GridShare(g, n, key[g]) for g, n in sorted(total.items(), key=lambda item: (-item[1], item[0] is None, item[0] or 0))]
