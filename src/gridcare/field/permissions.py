"""Who may do what in field work. The shared Action list belongs to auth; these checks sit
here so the field domain adds no role to it: reps (and their supervisors) work in the
field, supervisors and admins plan patrols, review data changes and set the rhythms."""

from __future__ import annotations

from gridcare.core.errors import Forbidden
from gridcare.core.i18n import T_, Label
from gridcare.core.principal import Principal, Role

FIELD_WORKERS = frozenset({Role.ADMIN, Role.SUPERVISOR, Role.REP, Role.EXPERT})
FIELD_MANAGERS = frozenset({Role.ADMIN, Role.SUPERVISOR})
FIELD_READERS = FIELD_WORKERS | {Role.AGENT, Role.VIEWER, Role.DEPARTMENT}


def can_work(actor: Principal) -> bool:
    return actor.role in FIELD_WORKERS


def can_manage(actor: Principal) -> bool:
    return actor.role in FIELD_MANAGERS


def require_read(actor: Principal) -> None:
    if actor.role not in FIELD_READERS:
        raise Forbidden(T_("role %(role)s may not read field work", role=Label("role", actor.role.value)))


def require_work(actor: Principal) -> None:
    if not can_work(actor):
        raise Forbidden(T_("role %(role)s may not record field work", role=Label("role", actor.role.value)))


def require_manage(actor: Principal) -> None:
    if not can_manage(actor):
        raise Forbidden(T_("role %(role)s may not manage field work (plans, reviews, rhythms)", role=Label("role", actor.role.value)))
