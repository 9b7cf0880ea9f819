"""Which figures a workbench shows, in what order and with what tone. Pure: the figures
and the pages the reader may open come in as arguments."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from gridcare.core.i18n import N_
from gridcare.core.principal import TASKED_ROLES

ALERT, WARN, CALM = "alert", "warn", "calm"


@dataclass(frozen=True)
class Figure:
    key: str
    label: str  # English msgid
    href: str
    page: str  # the navigation entry of the page it links to: shown only to who may open it
    pressing: str = CALM  # the tone when the count is above zero; zero is always calm
    roles: frozenset[str] | None = None  # who has such work at all; None: whoever may open the page


UNITS = frozenset(role.value for role in TASKED_ROLES)
REPS = frozenset({"rep"})
MANAGERS = frozenset({"admin", "supervisor"})
DESK = frozenset({"admin", "supervisor", "agent", "expert", "viewer"})  # who watch the whole queue


FIGURES: tuple[Figure, ...] = (
    Figure("orders.to_accept", N_("Waiting for you to accept"), "/m", "mine", ALERT),
    Figure("tasks.overdue", N_("Your unit's tasks past due"), "#unit-tasks", "home", ALERT, UNITS),
    Figure("tasks.open", N_("Tasks for your unit"), "#unit-tasks", "home", WARN, UNITS),
    Figure("questions.open", N_("Questions waiting for an expert"), "/experts", "experts", WARN),
    Figure("orders.mine", N_("Your open work orders"), "/m", "mine"),
    Figure("orders.late", N_("Late and escalated"), "/orders?view=late", "orders", ALERT),
    Figure("orders.due_soon", N_("Due within the hour"), "/orders", "orders", WARN),
    Figure("orders.unassigned", N_("Command-center queue"), "/orders?view=unassigned", "orders", WARN, DESK),
    Figure("orders.callbacks", N_("Callbacks to make"), "/orders?status=callback_pending", "orders", WARN, DESK - {"expert"}),
    Figure("patrols.today", N_("Patrols to do today"), "/field/today", "field", WARN, REPS),
    # Demands the rep owns that the hotline answered without them: they hear of them here.
    Figure("answered.today", N_("Answered by the hotline in your grids today"), "/orders?view=answered", "orders", CALM, REPS),
    Figure("visits.overdue", N_("Key-customer visits overdue"), "/field/visits?mine=true", "field", ALERT, REPS),
    Figure("arrears.overdue", N_("Arrears follow-ups overdue"), "/arrears?overdue=true", "arrears", ALERT),
    Figure("outages.predicted", N_("Outages to confirm"), "/outages?status=predicted", "outages", ALERT),
    Figure("outages.active", N_("Outages with supply off"), "/outages?status=active", "outages", WARN),
    Figure("outages.scheduled", N_("Planned outages ahead"), "/outages?status=scheduled", "outages"),
    Figure("alerts.open", N_("Open alerts"), "/alerts?status=open", "alerts", ALERT),
    Figure("handovers.waiting", N_("Shifts handed over to you"), "/calls/handover#handover-waiting", "handover", ALERT, frozenset({"agent", "expert"})),
    Figure("handovers.late", N_("Handovers nobody took over"), "/calls/handover", "handover", ALERT, MANAGERS),
    Figure("agents.missing", N_("Agents due on shift and away from their seat"), "/calls/stats#seats", "call_stats", ALERT, MANAGERS),
    Figure("hotline.short_today", N_("Hours ahead today short of agents"), "/calls/roster#roster-today", "roster", ALERT, MANAGERS),
    Figure("changes.pending", N_("Data changes to review"), "/field/changes", "field", WARN, MANAGERS),
    Figure("knowledge.review", N_("Knowledge articles due for review"), "/knowledge?due=true", "knowledge", WARN, MANAGERS | {"expert"}),
    Figure("notify.dead", N_("Messages that could not be sent"), "/notifications?state=dead", "notifications", ALERT),
    Figure("orders.open", N_("Open work orders in your scope"), "/orders", "orders", CALM, DESK),
)
BY_KEY = {f.key: f for f in FIGURES}

# What each role looks at first; the rest follow in FIGURES' order. A rep starts from what
# waits on them, an agent from the command center's queue, a supervisor from what is late.
FIRST: Mapping[str, tuple[str, ...]] = {
    "rep": ("orders.to_accept", "orders.mine", "orders.late", "orders.due_soon", "patrols.today", "visits.overdue", "answered.today"),
    "agent": ("handovers.waiting", "orders.unassigned", "orders.callbacks", "outages.predicted", "outages.active", "orders.late"),
    "expert": ("handovers.waiting", "questions.open", "orders.to_accept", "orders.mine"),
    "department": ("tasks.overdue", "tasks.open", "orders.to_accept", "orders.mine"),
    "contractor": ("tasks.overdue", "tasks.open", "orders.to_accept", "orders.mine"),
    "supervisor": ("orders.late", "orders.due_soon", "alerts.open", "agents.missing", "orders.unassigned", "outages.predicted", "notify.dead"),
    "admin": ("orders.late", "orders.due_soon", "alerts.open", "orders.unassigned", "outages.predicted", "notify.dead"),
}


@dataclass(frozen=True)
class Tile:
    key: str
    label: str
    href: str
    count: int
    tone: str


def wanted(role: str, pages: Collection[str]) -> list[str]:
    """The figures worth counting for ``role`` who may open ``pages`` (navigation keys)."""
    first = [k for k in FIRST.get(role, ()) if k in BY_KEY]
    rest = [f.key for f in FIGURES if f.key not in first]
    return [k for k in first + rest if BY_KEY[k].page in pages and (BY_KEY[k].roles is None or role in BY_KEY[k].roles)]


def tone(figure: Figure, count: int) -> str:
    return figure.pressing if count > 0 else CALM


def arrange(role: str, pages: Collection[str], counts: Mapping[str, int]) -> list[Tile]:
    """The tiles in the role's order; a figure that was not counted is not shown."""
    out = []
    for key in wanted(role, pages):
        if key in counts:
            figure = BY_KEY[key]
            out.append(Tile(key, figure.label, figure.href, counts[key], tone(figure, counts[key])))
    return out
