"""Call quality (质检): checklists as data, scoring, sampling and results. Pure.

A checklist is a list of items, each with a key, a label and a weight (the most points the
item can give). A score gives every item a whole number from 0 to its weight; the total is
their sum. Sampling picks a share of each line's and each agent's calls, so that a quiet
local repair line or a new agent is reviewed too, not only the busiest seats; and every
call whose caller said in the survey they were dissatisfied (差评), whatever the share."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from gridcare.core.errors import FieldProblem
from gridcare.core.i18n import N_, T_
from gridcare.workorders.states import dissatisfied

DEFAULT_CODE = "default"
DEFAULT_NAME = N_("Hotline service checklist")
# The usual items of a utility hotline's QA form; labels are msgids, shown translated.
DEFAULT_ITEMS: tuple[dict[str, Any], ...] = (
    {"key": "greeting", "label": N_("Standard greeting and seat number"), "weight": 10},
    {"key": "identify", "label": N_("Verified the caller and the account"), "weight": 10},
    {"key": "listen", "label": N_("Listened and understood the demand"), "weight": 15},
    {"key": "accuracy", "label": N_("Accurate answer and policy explanation"), "weight": 20},
    {"key": "order", "label": N_("Work order recorded completely and correctly"), "weight": 15},
    {"key": "courtesy", "label": N_("Courteous language, no forbidden phrases"), "weight": 15},
    {"key": "efficiency", "label": N_("Efficient handling, no needless hold"), "weight": 5},
    {"key": "closing", "label": N_("Confirmed the outcome and closed properly"), "weight": 10},
)
PASS_SHARE = 0.8  # a call passes at 80 % of the checklist's points
MAX_COMMENT = 2000
# QA reviews recent calls; a sample or a queue over years would load and sort them all.
MAX_SAMPLE_DAYS = 31
MAX_QUEUE_DAYS = 92


def checklist_problems(items: Sequence[Mapping[str, Any]]) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    if not items:
        return [FieldProblem("items", T_("must list at least one item"))]
    seen: set[str] = set()
    for i, item in enumerate(items):
        key, label, weight = item.get("key"), item.get("label"), item.get("weight")
        if not isinstance(key, str) or not key.strip() or len(key) > 40:
            problems.append(FieldProblem(f"items[{i}].key", T_("must be %(low)s to %(high)s characters", low=1, high=40)))
        elif key in seen:
            problems.append(FieldProblem(f"items[{i}].key", T_("%(value)r is used twice", value=key)))
        else:
            seen.add(key)
        if not isinstance(label, str) or not label.strip():
            problems.append(FieldProblem(f"items[{i}].label", T_("must not be empty")))
        if isinstance(weight, bool) or not isinstance(weight, int) or not 1 <= weight <= 100:
            problems.append(FieldProblem(f"items[{i}].weight", T_("must be a whole number from %(low)s to %(high)s", low=1, high=100)))
    return problems


@dataclass(frozen=True)
class Scored:
    scores: dict[str, int]
    total: int
    max_total: int

    @property
    def passed(self) -> bool:
        return self.total >= PASS_SHARE * self.max_total


def score(items: Sequence[Mapping[str, Any]], given: Mapping[str, Any], comment: str = "") -> Scored | list[FieldProblem]:
    """The score of a call, or every problem with what was given (each item must be scored)."""
    problems: list[FieldProblem] = []
    weights = {str(i["key"]): int(i["weight"]) for i in items}
    for key in given:
        if key not in weights:
            problems.append(FieldProblem(f"scores.{key}", T_("is not an item of the checklist")))
    scores: dict[str, int] = {}
    for key, weight in weights.items():
        value = given.get(key)
        if value is None or value == "":
            problems.append(FieldProblem(f"scores.{key}", T_("is missing")))
            continue
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            problems.append(FieldProblem(f"scores.{key}", T_("must be a whole number from %(low)s to %(high)s", low=0, high=weight)))
            continue
        try:
            number = float(value)
        except ValueError:
            number = math.nan
        if not number.is_integer() or not 0 <= number <= weight:
            problems.append(FieldProblem(f"scores.{key}", T_("must be a whole number from %(low)s to %(high)s", low=0, high=weight)))
            continue
        scores[key] = int(number)
    if len(comment) > MAX_COMMENT:
        problems.append(FieldProblem("comment", T_("must be at most %(n)s characters", n=MAX_COMMENT)))
    if problems:
        return problems
    return Scored(scores=scores, total=sum(scores.values()), max_total=sum(weights.values()))


@dataclass(frozen=True)
class Candidate:
    call_id: int
    line: str  # "hotline" or the local line's id
    agent: str  # the agent's user id, or "" when nobody answered
    rating: int | None = None  # the caller's survey score, when they gave one


def _rank(call_id: int, seed: str) -> bytes:
    return hashlib.sha256(f"{seed}:{call_id}".encode()).digest()


def sample(candidates: Iterable[Candidate], percent: float, seed: str = "qa") -> list[int]:
    """The calls to review: ``percent`` of each (line, agent) group, at least one per group,
    chosen by a hash of the call id, so the same calls give the same sample every time; and
    every call its caller rated dissatisfied, on top of the share."""
    if not 0 < percent <= 100:
        raise ValueError("percent must be in (0, 100]")
    groups: dict[tuple[str, str], list[int]] = {}
    chosen: set[int] = set()
    for c in candidates:
        groups.setdefault((c.line, c.agent), []).append(c.call_id)
        if dissatisfied(c.rating):  # a complaint about the seat starts there; the threshold reopens a demand too
            chosen.add(c.call_id)
    for ids in groups.values():
        want = max(1, math.ceil(len(ids) * percent / 100))
        chosen.update(sorted(ids, key=lambda i: _rank(i, seed))[:want])
    return sorted(chosen)


@dataclass(frozen=True)
class Result:
    key: str
    scored: int
    average: float  # per cent of the checklist's points
    passed: int
    lowest: float
    highest: float

    @property
    def pass_rate(self) -> float:
        return self.passed / self.scored if self.scored else 0.0


def results(rows: Iterable[tuple[str, int, int]]) -> list[Result]:
    """Per group key, from (key, total, max_total) rows; worst average first, so a
    supervisor sees who needs coaching at the top."""
    by: dict[str, list[float]] = {}
    for key, total, max_total in rows:
        by.setdefault(key, []).append(100.0 * total / max_total if max_total else 0.0)
    out = [
        Result(key=k, scored=len(v), average=round(sum(v) / len(v), 1), passed=sum(1 for x in v if x >= 100 * PASS_SHARE - 1e-9), lowest=round(min(v), 1), highest=round(max(v), 1))
        for k, v in by.items()
    ]
    return sorted(out, key=lambda r: (r.average, r.key))
