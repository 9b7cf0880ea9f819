"""The navigation: one entry per capability. A domain marks its entry available when it
ships its pages; until then the entry shows, greyed, so users see what is coming."""

from __future__ import annotations

from dataclasses import dataclass

from gridcare.core.i18n import N_
from gridcare.core.principal import Role

ALL_ROLES = frozenset(Role)
STAFF = frozenset({Role.ADMIN, Role.SUPERVISOR, Role.AGENT, Role.EXPERT, Role.REP, Role.DEPARTMENT, Role.VIEWER})
MANAGERS = frozenset({Role.ADMIN, Role.SUPERVISOR})


@dataclass
class NavItem:
    key: str
    label: str  # English msgid; translated in the template
    href: str
    section: str
    roles: frozenset[Role] = ALL_ROLES
    available: bool = False


NAV: list[NavItem] = [
    NavItem("home", N_("Dashboard"), "/", N_("Service"), available=True),
    NavItem("orders", N_("Work orders"), "/orders", N_("Service"), STAFF | {Role.CONTRACTOR}, available=True),
    NavItem("mine", N_("My work orders"), "/m", N_("Service"), frozenset({Role.REP, Role.DEPARTMENT, Role.CONTRACTOR, Role.EXPERT}), available=True),
    NavItem("experts", N_("Expert queue"), "/experts", N_("Service"), frozenset({Role.ADMIN, Role.SUPERVISOR, Role.EXPERT}), available=True),
    NavItem("board", N_("Supervision board"), "/orders/board", N_("Service"), MANAGERS, available=True),
    NavItem("notifications", N_("Notifications"), "/notifications", N_("Service"), MANAGERS | {Role.AGENT}, available=True),
    NavItem("knowledge", N_("Knowledge base"), "/knowledge", N_("Service"), ALL_ROLES - {Role.CONTRACTOR}),
    NavItem("calls", N_("Agent console"), "/calls", N_("Service"), frozenset({Role.ADMIN, Role.SUPERVISOR, Role.AGENT, Role.EXPERT}), available=True),
    NavItem("call_stats", N_("Call statistics"), "/calls/stats", N_("Service"), MANAGERS | {Role.VIEWER}, available=True),
    NavItem("staffing", N_("Staffing forecast"), "/calls/staffing", N_("Service"), MANAGERS | {Role.VIEWER}, available=True),
    NavItem("roster", N_("Agent roster"), "/calls/roster", N_("Service"), MANAGERS | {Role.VIEWER, Role.AGENT, Role.EXPERT}, available=True),  # agents read the team's week
    NavItem("handover", N_("Shift handover"), "/calls/handover", N_("Service"), MANAGERS | {Role.VIEWER, Role.AGENT, Role.EXPERT}, available=True),
    NavItem("call_qa", N_("Call QA"), "/calls/qa", N_("Service"), MANAGERS, available=True),
    NavItem("appraisal", N_("Agents' month"), "/calls/appraisal", N_("Service"), MANAGERS, available=True),
    NavItem("my_month", N_("My month"), "/calls/appraisal/me", N_("Service"), frozenset({Role.AGENT, Role.EXPERT}), available=True),
    NavItem("outages", N_("Outages"), "/outages", N_("Service"), STAFF, available=True),
    NavItem("grids", N_("Grids"), "/grids", N_("Service area"), STAFF, available=True),
    NavItem("customers", N_("Customers"), "/customers", N_("Service area"), STAFF, available=True),
    NavItem("network", N_("Network"), "/network", N_("Service area"), STAFF),
    NavItem("field", N_("Field work"), "/field", N_("Field"), STAFF),
    NavItem("contractors", N_("Contractor projects"), "/contractors", N_("Field"), STAFF | {Role.CONTRACTOR}),
    NavItem("campaigns", N_("Campaigns"), "/campaigns", N_("Field"), MANAGERS | {Role.REP}),
    NavItem("cards", N_("Contact cards"), "/cards", N_("Field"), MANAGERS | {Role.REP}),
    NavItem("arrears", N_("Hard arrears cases"), "/arrears", N_("Field"), MANAGERS | {Role.REP}),
    NavItem("wall", N_("Command-center wall"), "/analytics/wall", N_("Management"), MANAGERS | {Role.AGENT, Role.VIEWER}),
    NavItem("analytics", N_("Analytics"), "/analytics", N_("Management"), MANAGERS | {Role.VIEWER}),
    NavItem("scorecards", N_("Scorecards"), "/analytics/scorecards", N_("Management"), MANAGERS | {Role.VIEWER}),
    NavItem("topics", N_("Hot topics"), "/analytics/topics", N_("Management"), MANAGERS | {Role.VIEWER, Role.AGENT, Role.EXPERT}),
    NavItem("alerts", N_("Alerts"), "/alerts", N_("Management"), MANAGERS | {Role.VIEWER}),
    NavItem("planning", N_("Grid planning"), "/planning", N_("Management"), MANAGERS),
    NavItem("users", N_("Users"), "/admin/users", N_("Administration"), MANAGERS, available=True),
    NavItem("duty", N_("Duty roster"), "/admin/duty", N_("Administration"), MANAGERS, available=True),
    NavItem("sla", N_("SLA policies"), "/admin/sla", N_("Administration"), MANAGERS, available=True),
    NavItem("audit", N_("Audit trail"), "/admin/audit", N_("Administration"), MANAGERS, available=True),
    NavItem("call_lines", N_("Local repair lines"), "/calls/lines", N_("Administration"), MANAGERS, available=True),
]


def mark_available(key: str) -> None:
    for item in NAV:
        if item.key == key:
            item.available = True
            return
    raise KeyError(key)


def sections_for(role: Role) -> list[tuple[str, list[NavItem]]]:
    grouped: dict[str, list[NavItem]] = {}
    for item in NAV:
        if role in item.roles:
            grouped.setdefault(item.section, []).append(item)
    return list(grouped.items())


def pages_of(role: Role) -> frozenset[str]:
    """The navigation keys ``role`` may open."""
    return frozenset(item.key for item in NAV if role in item.roles)


def active_href(path: str) -> str | None:
    """The one entry to highlight: the longest href the path starts with ("/orders/board"
    beats "/orders"; "/" only for the dashboard itself)."""
    matches = [item.href for item in NAV if path == item.href or (item.href != "/" and path.startswith(item.href.rstrip("/") + "/"))]
    return max(matches, key=len) if matches else None
