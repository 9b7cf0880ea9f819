"""Pure rules of campaigns: what a target may say, how its criteria combine, who is spared
by an opt-out, and which replies are opt-outs (回复TD退订). No database, no clock."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from gridcare.core.errors import FieldProblem, InvalidInput
from gridcare.core.i18n import N_, T_

CHANNELS = ("sms", "email", "voice")
TOPICS = {
    "policy": N_("Policy (政策宣传)"),
    "water_outage": N_("Water outage notice"),
    "power_outage": N_("Power outage notice"),
    "billing": N_("Billing and payment"),
    "safety": N_("Safety"),
}
ANY_TOPIC = "*"
VIA_LABELS = {"reply": N_("by SMS reply"), "page": N_("on the page"), "api": N_("through the API")}
STATUSES = {"scheduled": N_("Scheduled"), "sending": N_("Sending"), "sent": N_("Sent"), "cancelled": N_("Cancelled"), "failed": N_("Failed")}
TAGS = ("major", "protected", "sensitive", "supervised")
MAX_TEXT = 500
# More than a whole utility's grids (a million customers take about 200), and one chunk of
# audience.in_grids; unbounded, one preview of a million ids cost thousands of queries.
MAX_GRIDS = 500
OPT_OUT_WORDS = frozenset({"TD", "T", "退订", "退定", "N", "STOP", "UNSUBSCRIBE"})


@dataclass(frozen=True)
class Target:
    """Criteria that narrow each other: the customers of the grids AND with the tag AND
    inside the polygon AND downstream of the node — whichever are given (at least one)."""

    grid_ids: tuple[int, ...] = ()
    tag: str | None = None
    polygon: BaseGeometry | None = None
    node: tuple[str, str] | None = None  # (utility, asset code)

    def as_json(self) -> dict[str, Any]:
        from shapely.geometry import mapping

        return {
            "grid_ids": list(self.grid_ids), "tag": self.tag, "polygon": mapping(self.polygon) if self.polygon is not None else None,
            "node": {"utility": self.node[0], "code": self.node[1]} if self.node else None,
        }


def parse_target(raw: Mapping[str, Any] | None) -> Target:
    """A target from JSON; every problem names its field (``target.tag`` …)."""
    raw = raw or {}
    problems: list[FieldProblem] = []
    grid_ids: tuple[int, ...] = ()
    try:
        grid_ids = tuple(sorted({int(g) for g in raw.get("grid_ids") or ()}))
    except (TypeError, ValueError):
        problems.append(FieldProblem("target.grid_ids", T_("must be a list of grid ids")))
    if len(grid_ids) > MAX_GRIDS:
        problems.append(FieldProblem("target.grid_ids", T_("at most %(n)s items", n=MAX_GRIDS)))
    tag = raw.get("tag") or None
    if tag is not None and tag not in TAGS:
        problems.append(FieldProblem("target.tag", T_("must be one of %(choices)s", choices=", ".join(TAGS))))
    polygon = None
    if raw.get("polygon"):
        try:
            polygon = shape(raw["polygon"])
        except (ValueError, TypeError, KeyError, AttributeError, IndexError):
            problems.append(FieldProblem("target.polygon", T_("must be a GeoJSON Polygon or MultiPolygon (WGS84)")))
        else:
            if polygon.geom_type not in ("Polygon", "MultiPolygon") or polygon.is_empty or not polygon.is_valid:
                problems.append(FieldProblem("target.polygon", T_("must be a valid, non-empty Polygon or MultiPolygon")))
                polygon = None
    node = None
    if raw.get("node"):
        spec = raw["node"]
        utility, code = (spec.get("utility"), spec.get("code")) if isinstance(spec, Mapping) else (None, None)
        if utility not in ("electric", "water", "gas") or not isinstance(code, str) or not code.strip():
            problems.append(FieldProblem("target.node", T_("give {utility: electric|water|gas, code: the asset code}")))
        else:
            node = (utility, code.strip())
    if not problems and not (grid_ids or tag or polygon is not None or node):
        problems.append(FieldProblem("target", T_("choose grids, a tag, an area or a network node")))
    if problems:
        raise InvalidInput.many(problems)
    return Target(grid_ids=grid_ids, tag=tag, polygon=polygon, node=node)


def combine(criteria: Iterable[set[int] | None], within: set[int]) -> set[int]:
    """The customers every given criterion selects (None: not given), among ``within``
    (those the sender may reach)."""
    chosen = set(within)
    for found in criteria:
        if found is not None:
            chosen &= found
    return chosen


def spared(opt_outs: Iterable[tuple[int, str, str]], *, channel: str, topic: str) -> set[int]:
    """Customers whose opt-out (customer, channel, topic) covers this channel and topic."""
    return {cid for cid, ch, tp in opt_outs if ch == channel and tp in (topic, ANY_TOPIC)}


def is_opt_out_reply(text: str) -> bool:
    """"TD", "td", "退订", "TD退订", "【退订】" … : the keyword alone, punctuation aside."""
    cleaned = re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", text or "")).upper()
    return bool(cleaned) and (cleaned in OPT_OUT_WORDS or cleaned in {"TD退订", "退订TD"})


def check_message(*, title: str, text: str, channel: str, topic: str) -> list[FieldProblem]:
    problems = []
    if not title.strip() or len(title.strip()) > 100:
        problems.append(FieldProblem("title", T_("must be %(low)s to %(high)s characters", low=1, high=100)))
    if not text.strip() or len(text.strip()) > MAX_TEXT:
        problems.append(FieldProblem("text", T_("must be %(low)s to %(high)s characters", low=1, high=MAX_TEXT)))
    if channel not in CHANNELS:
        problems.append(FieldProblem("channel", T_("must be one of %(choices)s", choices=", ".join(CHANNELS))))
    if topic not in TOPICS:
        problems.append(FieldProblem("topic", T_("must be one of %(choices)s", choices=", ".join(TOPICS))))
    return problems


def is_due(status: str, send_at: datetime, now: datetime) -> bool:
    return status == "scheduled" and send_at <= now
