"""The vocabulary of the expectation table: who (roles), what (G for reads, W for writes), and
the helpers request bodies use."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from gridcare.demo.org import USERS
from tests.security.world import NOW

ROLE_OF = {u.login: u.role for u in USERS}
LATER = (NOW + timedelta(days=3)).isoformat()
LATER_LOCAL = (NOW + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
LATEST_LOCAL = (NOW + timedelta(days=4)).strftime("%Y-%m-%dT%H:%M")


def roles(*names: str) -> frozenset[str]:
    unknown = set(names) - set(ROLE_OF.values())
    assert not unknown, f"unknown roles {unknown}"
    return frozenset(login for login, role in ROLE_OF.items() if role in names)


EVERYONE = frozenset(ROLE_OF)
MANAGERS = roles("admin", "supervisor")


@dataclass(frozen=True)
class Spec:
    kind: str | None = None  # the kind of row the path (or the body) names: world.samples
    write: bool = False
    allow: frozenset[str] = frozenset()  # writes: logins that may make the change on rows they see
    body: Any = None
    query: Any = None
    params: dict[str, Any] = field(default_factory=dict)  # path parameters that name no row
    public: bool = False  # open to anyone by design: only personal data must never show
    relax: frozenset[str] = frozenset()  # "grids": a rep may see other grids of their company here
    control: bool = True  # writes: one allowed login's request must change the database
    foreign: Callable[[str, Any], Any] | None = None  # writes: a body aimed at the other company
    stream: bool = False  # an endless response: only who may open it is checked
    lazy_writes: bool = False  # reads: may create what they show on first use
    filtered: bool = False  # a row outside the scope is left out (of the answer, of the change) rather than refused
    note: str = ""


def G(kind: str | None = None, **kw: Any) -> Spec:
    return Spec(kind=kind, **kw)


def W(kind: str | None = None, allow: frozenset[str] = frozenset(), **kw: Any) -> Spec:
    return Spec(kind=kind, write=True, allow=allow, **kw)


def form(**values: Any) -> dict[str, Any]:
    return {"__form__": True, **values}


def other(login: str, world: Any) -> str:
    """The other company's suffix ("w" for an electric login)."""
    return "w" if world.company_of(login) == "E" else "e"
