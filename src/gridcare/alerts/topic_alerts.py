"""Hot-topic alerts (热点诉求预警): what callers of one utility raise far more often in the last
hours than in the weeks before (``analytics.hot``), raised once per topic and told to the
supervisors of the company its orders belong to.

A topic's wording can shift as calls come in (絮状物 → 白色絮状物): an open topic alert whose
orders the new finding mostly shares is refreshed, not raised again."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridcare.alerts import counts, rules
from gridcare.alerts.models import Alert
from gridcare.core.principal import system_principal

WINDOW_HOURS, BASELINE_DAYS = 6, 14
KEPT_ORDERS = 200


def _open_topics(session: Session) -> list[Alert]:
    return list(session.scalars(select(Alert).where(Alert.kind == "topic", Alert.open_key.is_not(None))))


def find_topic_alerts(session: Session, *, now: datetime, stored_title: Any) -> list[tuple[str, dict[str, Any]]]:
    """The topic alerts to raise or refresh as of ``now`` (reads only). ``stored_title`` writes
    the title kept with an alert (the service's, in the company's language)."""
    from gridcare.analytics import hot, queries
    from gridcare.grids import service as grids

    actor = system_principal("alerts")
    open_now = _open_topics(session)
    found = []
    every = grids.list_grids(session, actor=actor)
    codes = {g.id: g.code for g in every}
    for utility in sorted({g.utility for g in every}):
        topics = hot.hot_topics(session, actor=actor, scope=queries.Scope(utility=utility), now=now, hours=WINDOW_HOURS, days=BASELINE_DAYS).topics
        places = counts.order_places(session, [i for t in topics for i in t.order_ids[:KEPT_ORDERS]])  # one read for all of them
        for topic in topics:
            ids = list(topic.order_ids[:KEPT_ORDERS])
            held = [places[i] for i in ids if i in places]
            grid_ids, categories, paths = {p[0] for p in held}, {p[1] for p in held}, [p[2] for p in held]
            same = next((a for a in open_now if a.utility == utility and rules.same_topic(ids, a.order_ids or ())), None)
            path = rules.company_path(paths)
            key = same.key if same is not None else f"topic:{utility}:{path}:{topic.phrase}"[:160]
            evidence = {"phrase": topic.phrase, "hours": WINDOW_HOURS, "days": BASELINE_DAYS,
                        "title_args": {"phrase": topic.phrase, "n": topic.orders, "hours": WINDOW_HOURS, "expected": f"{topic.expected:.1f}"}}
            grid_id = next(iter(grid_ids)) if len(grid_ids) == 1 else None
            found.append((key, {
                "kind": "topic", "severity": rules.topic_severity(topic.orders), "utility": utility,
                "grid_id": grid_id, "grid_code": codes.get(grid_id, "") if grid_id is not None else "", "category": next(iter(categories)) if len(categories) == 1 else "", "subject": topic.phrase[:60],
                "title": stored_title("topic", evidence), "observed": float(topic.orders), "expected": topic.expected, "score": topic.score,
                "window_start": now - timedelta(hours=WINDOW_HOURS), "window_end": now, "evidence": evidence, "order_ids": ids, "org_path": path,
            }))  # fmt: skip
    return found
