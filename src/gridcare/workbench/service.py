"""Count what each reader has to do now. Each figure comes from its domain's service; only
the figures the reader's role shows (``rules.wanted``) are counted, so a rep's home page
does not pay for the supervisor's."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from gridcare.core.clock import end_of_local_day, to_local
from gridcare.core.principal import Principal
from gridcare.workbench import rules

NEXT_ORDERS = 8  # the urgent list's length: what fits above the fold on a phone
UNIT_TASKS = 20


@dataclass(frozen=True)
class Workbench:
    tiles: list[rules.Tile]
    handles: bool  # the reader handles orders: the urgent list is their own, not their scope's
    next_orders: list[Any] | None  # the most urgent orders in the queue's order; None: no orders to read
    unit_tasks: list[tuple[Any, Any]] | None  # (task, order) of a department or contractor; None: not one


def _orders(session: Session, actor: Principal, now: datetime) -> dict[str, int]:
    from gridcare.workorders import queries

    c = queries.queue_counts(session, actor=actor, now=now)
    return {
        "orders.open": c.open, "orders.late": c.late, "orders.due_soon": c.due_soon, "orders.unassigned": c.unassigned,
        "orders.callbacks": c.callbacks, "orders.mine": c.mine, "orders.to_accept": c.to_accept,
    }


def _answered(session: Session, actor: Principal, now: datetime) -> dict[str, int]:
    from gridcare.workorders import queries

    midnight = end_of_local_day(now) - timedelta(days=1)
    return {"answered.today": queries.count_answered_at_intake(session, actor=actor, since=midnight)}


def _agents(session: Session, actor: Principal, now: datetime) -> dict[str, int]:
    from gridcare.calls import rosters

    return {"agents.missing": sum(1 for seat in rosters.board(session, actor=actor, now=now) if seat["adherence"] == "missing")}


def _handovers(session: Session, actor: Principal, now: datetime) -> dict[str, int]:
    from gridcare.calls import handovers

    return {"handovers.waiting": handovers.count_waiting(session, actor=actor, now=now), "handovers.late": handovers.count_late(session, actor=actor, now=now)}


def _hotline(session: Session, actor: Principal, now: datetime) -> dict[str, int]:
    from gridcare.calls import today
    from gridcare.core.errors import InvalidInput

    try:  # the hours still ahead today, at today's pace, with fewer agents on the roster than they need
        return {"hotline.short_today": len(today.today(session, actor=actor, now=now)["today"].short)}
    except InvalidInput:  # no company's hotline in the reader's scope
        return {"hotline.short_today": 0}


def _tasks(session: Session, actor: Principal, now: datetime) -> dict[str, int]:
    from gridcare.workorders import support

    total, overdue = support.unit_task_counts(session, actor=actor, now=now)
    return {"tasks.open": total, "tasks.overdue": overdue}


def _questions(session: Session, actor: Principal, now: datetime) -> dict[str, int]:
    from gridcare.workorders import support

    return {"questions.open": support.count_open_questions(session, actor=actor)}


def _patrols(session: Session, actor: Principal, now: datetime) -> dict[str, int]:
    from gridcare.field import patrols

    return {"patrols.today": len(patrols.tasks(session, actor=actor, day=to_local(now).date(), mine=True, status="open"))}


def _visits(session: Session, actor: Principal, now: datetime) -> dict[str, int]:
    from gridcare.field import visits

    return {"visits.overdue": len(visits.plans(session, actor=actor, mine=True, overdue_on=to_local(now).date()))}


def _arrears(session: Session, actor: Principal, now: datetime) -> dict[str, int]:
    from gridcare.arrears import service as arrears

    return {"arrears.overdue": arrears.count_overdue(session, actor=actor, now=now)}


def _outages(session: Session, actor: Principal, now: datetime) -> dict[str, int]:
    from gridcare.outages import queries as outages

    counted = outages.count_by_status(session, actor=actor, statuses=("predicted", "active", "scheduled"))
    return {f"outages.{s}": n for s, n in counted.items()}


def _alerts(session: Session, actor: Principal, now: datetime) -> dict[str, int]:
    from gridcare.alerts import queries as alerts

    return {"alerts.open": alerts.counts_by_status(session, actor=actor).get("open", 0)}


def _changes(session: Session, actor: Principal, now: datetime) -> dict[str, int]:
    from gridcare.field import changes

    return {"changes.pending": len(changes.changes(session, actor=actor, status="pending", limit=1000))}


def _notifications(session: Session, actor: Principal, now: datetime) -> dict[str, int]:
    from gridcare.notify import queries as notify

    return {"notify.dead": notify.count(session, actor=actor, filters=notify.LogFilter(state="dead"))}


def _knowledge(session: Session, actor: Principal, now: datetime) -> dict[str, int]:
    from gridcare.knowledge import service as knowledge

    return {"knowledge.review": knowledge.count_due_review(session, actor=actor, now=now)}


# One reader per domain: the keys it answers for, counted in as few statements as it can.
_READERS: dict[str, Callable[[Session, Principal, datetime], dict[str, int]]] = {
    "orders": _orders, "tasks": _tasks, "questions": _questions, "patrols": _patrols, "visits": _visits,
    "arrears": _arrears, "outages": _outages, "alerts": _alerts, "changes": _changes, "notify": _notifications,
    "knowledge": _knowledge, "answered": _answered, "agents": _agents, "handovers": _handovers, "hotline": _hotline,
}


def figures(session: Session, *, actor: Principal, now: datetime, keys: Collection[str], pages: Collection[str] | None = None) -> dict[str, int]:
    """Those of these figures the actor's workbench shows, as it counts them (a shift handover
    keeps them). ``pages``: the navigation keys the actor may open; None: their role's."""
    if pages is not None:
        shown = set(keys)
    else:
        from gridcare.web.nav import pages_of

        shown = set(rules.wanted(actor.role.value, pages_of(actor.role)))
    keys = [k for k in keys if k in shown]
    counts: dict[str, int] = {}
    for domain in dict.fromkeys(key.split(".", 1)[0] for key in keys):
        counts.update(_READERS[domain](session, actor, now))
    return {k: counts[k] for k in keys if k in counts}


def workbench(session: Session, *, actor: Principal, now: datetime, pages: Collection[str]) -> Workbench:
    """The reader's tiles, their most urgent orders and their unit's open tasks. ``pages``:
    the navigation keys the reader may open (a tile links to one of them)."""
    from gridcare.workorders import queries, support

    wanted = rules.wanted(actor.role.value, pages)
    counts = figures(session, actor=actor, now=now, keys=wanted, pages=pages)
    handles = "mine" in pages
    next_orders = queries.queue(session, actor=actor, mine=handles, now=now, limit=NEXT_ORDERS) if "orders" in pages else None
    tasks = support.unit_tasks(session, actor=actor, limit=UNIT_TASKS) if "tasks.open" in wanted else None
    return Workbench(rules.arrange(actor.role.value, pages, counts), handles, next_orders, tasks)
