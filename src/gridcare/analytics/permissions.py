"""Who may see and change analytics. Kept here rather than in auth/rules.py: these are
role sets over the existing roles, not new grants."""

from __future__ import annotations

from gridcare.core.errors import Forbidden
from gridcare.core.i18n import T_, Label
from gridcare.core.principal import Principal, Role

READ = frozenset({Role.ADMIN, Role.SUPERVISOR, Role.VIEWER})  # dashboards, KPIs, scorecards, reports
WALL = READ | {Role.AGENT}  # the command-center wall
MANAGE = frozenset({Role.ADMIN, Role.SUPERVISOR})  # imports, ratings, weights, snapshots
# Hot topics: the agents hear them on the phone, the experts write the knowledge that answers them.
TOPICS = WALL | {Role.EXPERT}


def _require(actor: Principal, roles: frozenset[Role], what: str) -> None:
    if actor.role not in roles:
        raise Forbidden(T_("role %(role)s may not %(what)s", role=Label("role", actor.role.value), what=what))


def require_read(actor: Principal) -> None:
    _require(actor, READ, T_("read analytics"))


def require_wall(actor: Principal) -> None:
    _require(actor, WALL, T_("see the command-center wall"))


def require_topics(actor: Principal) -> None:
    _require(actor, TOPICS, T_("see the hot topics"))


def require_manage(actor: Principal) -> None:
    _require(actor, MANAGE, T_("change scorecard data"))
