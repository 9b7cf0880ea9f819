"""What each role may do in the field-management packages (contractors, campaigns, cards,
arrears). Kept here rather than in ``auth/rules.py`` so these packages own their actions;
the scoping of records (subtree, a rep's grids, a contractor's own work) is still auth's."""

from __future__ import annotations

from enum import StrEnum

from gridcare.core.errors import Forbidden
from gridcare.core.i18n import T_, Label
from gridcare.core.principal import Principal, Role


class Capability(StrEnum):
    PROJECTS_MANAGE = "contractors.manage"  # plan, start, complete, cancel projects; tell customers
    PROJECTS_SUPERVISE = "contractors.supervise"  # logs, spot checks, feedback, the rep's rating
    PROJECTS_WORK = "contractors.work"  # mark items done
    PROJECTS_READ = "contractors.read"
    CAMPAIGNS_MANAGE = "campaigns.manage"
    OPT_OUTS_RECORD = "campaigns.opt_out"  # a customer's 退订, taken by phone or from a reply
    CARDS_PRINT = "cards.print"
    ARREARS_MANAGE = "arrears.manage"  # open and reassign cases
    ARREARS_FOLLOW = "arrears.follow"  # follow-ups and outcomes


_ALL = frozenset(Capability)
GRANTS: dict[Role, frozenset[Capability]] = {
    Role.ADMIN: _ALL,
    Role.SUPERVISOR: _ALL,
    Role.REP: frozenset({Capability.PROJECTS_READ, Capability.PROJECTS_SUPERVISE, Capability.PROJECTS_WORK, Capability.CAMPAIGNS_MANAGE, Capability.OPT_OUTS_RECORD, Capability.CARDS_PRINT, Capability.ARREARS_FOLLOW}),
    Role.AGENT: frozenset({Capability.PROJECTS_READ, Capability.OPT_OUTS_RECORD}),
    Role.EXPERT: frozenset({Capability.PROJECTS_READ}),
    Role.DEPARTMENT: frozenset({Capability.PROJECTS_READ}),
    Role.CONTRACTOR: frozenset({Capability.PROJECTS_READ, Capability.PROJECTS_WORK}),
    Role.VIEWER: frozenset({Capability.PROJECTS_READ}),
}


def allowed(actor: Principal, capability: Capability) -> bool:
    return capability in GRANTS.get(actor.role, frozenset())


def require(actor: Principal, capability: Capability) -> None:
    if not allowed(actor, capability):
        raise Forbidden(T_("role %(role)s may not %(capability)s", role=Label("role", actor.role.value), capability=capability.value))
