"""Pure rules of contractor supervision: project states, the spot-check sample, and the
contractor scorecard. No database, no clock: records and instants come in as arguments."""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from gridcare.core.errors import InvalidInput
from gridcare.core.i18n import N_, T_, Label

KINDS = {
    "tank_cleaning": N_("Tank cleaning"),
    "pump_room": N_("Pump-room maintenance"),
    "pipe_maintenance": N_("Pipe maintenance"),
    "meter_replacement": N_("Meter replacement and repair"),
    "meter_reading": N_("Meter reading"),
    "arrears_collection": N_("Arrears collection"),
}
STATUSES = {"planned": N_("Planned"), "active": N_("In progress"), "completed": N_("Completed"), "cancelled": N_("Cancelled")}
# command → (states it may start from, state it leads to)
COMMANDS: dict[str, tuple[frozenset[str], str]] = {
    "start": (frozenset({"planned"}), "active"),
    "complete": (frozenset({"active"}), "completed"),
    "cancel": (frozenset({"planned", "active"}), "cancelled"),
}
COMMAND_LABELS = {"start": N_("Start work"), "complete": N_("Mark completed"), "cancel": N_("Cancel project")}
OPEN = frozenset({"planned", "active"})


def next_status(status: str, command: str) -> str:
    """The state after ``command``, or InvalidInput naming why it is not allowed now."""
    if command not in COMMANDS:
        raise InvalidInput.field("command", T_("must be one of %(choices)s", choices=", ".join(COMMANDS)))
    sources, target = COMMANDS[command]
    if status not in sources:
        raise InvalidInput.field("command", T_("cannot %(command)s a project that is %(status)s", command=Label("project", command, msgid=COMMAND_LABELS.get(command)), status=Label("project", status, msgid=STATUSES.get(status))))
    return target


def available(status: str) -> list[str]:
    return [c for c, (sources, _t) in COMMANDS.items() if status in sources]


# --- spot checks (抽查) ------------------------------------------------------------------


@dataclass(frozen=True)
class SampleRule:
    """``max(min_n, ceil(share × n))`` capped at ``n``."""

    min_n: int = 3
    share: float = 0.1

    def __post_init__(self) -> None:
        if self.min_n < 0:
            raise InvalidInput.field("sample_min", T_("must be %(n)s or more", n=0))
        if not (0.0 <= self.share <= 1.0) or math.isnan(self.share):
            raise InvalidInput.field("sample_share", T_("must be between %(low)s and %(high)s", low=0, high=1))


def sample_size(n: int, rule: SampleRule) -> int:
    if n <= 0:
        return 0
    # round() first: 0.1 × 30 is 3.0000000000000004 in floats, and ceil must not make it 4.
    return min(n, max(rule.min_n, math.ceil(round(rule.share * n, 9))))


def draw_sample(candidates: Iterable[int], size: int, *, seed: int) -> list[int]:
    """``size`` of the candidate ids, the same ones for the same ids and seed whatever order
    they come in (sorted first), returned sorted."""
    pool = sorted(set(candidates))
    size = max(0, min(size, len(pool)))
    return sorted(random.Random(seed).sample(pool, size))


def top_up(completed: Iterable[int], already: Iterable[int], rule: SampleRule, *, seed: int) -> list[int]:
    """The items to add to the sample so it reaches the rule's size over all completed
    items. Items completed later are drawn from those not yet sampled; the seed is mixed
    with how many were drawn before, so each round is reproducible on its own."""
    done = set(completed)
    have = set(already) & done
    need = sample_size(len(done), rule) - len(have)
    if need <= 0:
        return []
    return draw_sample(done - have, need, seed=seed * 1_000_003 + len(have))


# --- the contractor scorecard ---------------------------------------------------------------

DEFAULT_WEIGHTS: Mapping[str, float] = {"spot_checks": 0.4, "feedback": 0.2, "timeliness": 0.2, "rating": 0.2}
COMPONENT_LABELS = {
    "spot_checks": N_("Spot checks passed"),
    "feedback": N_("Customer feedback"),
    "timeliness": N_("On time"),
    "rating": N_("Rep's rating"),
}


def parse_weights(text: str | None) -> dict[str, float]:
    """``"spot_checks=0.5,feedback=0.2,timeliness=0.2,rating=0.1"``; components left out
    keep their default weight. Weights need not sum to 1: the score divides by their sum."""
    weights = dict(DEFAULT_WEIGHTS)
    if not text or not text.strip():
        return weights
    for part in text.replace(";", ",").split(","):
        if not part.strip():
            continue
        name, sep, value = part.partition("=")
        name = name.strip()
        if not sep or name not in DEFAULT_WEIGHTS:
            raise InvalidInput.field("weights", T_("expected NAME=NUMBER with NAME one of %(choices)s", choices=", ".join(DEFAULT_WEIGHTS)))
        try:
            number = float(value)
        except ValueError:
            raise InvalidInput.field("weights", T_("%(field)s: %(reason)s", field=name, reason=T_("%(value)r is not a number", value=value.strip()))) from None
        if not (0 <= number <= 100) or math.isnan(number):
            raise InvalidInput.field("weights", T_("%(field)s: %(reason)s", field=name, reason=T_("must be between %(low)s and %(high)s", low=0, high=100)))
        weights[name] = number
    if sum(weights.values()) <= 0:
        raise InvalidInput.field("weights", T_("at least one weight must be above %(n)s", n=0))
    return weights


@dataclass(frozen=True)
class ContractorRecord:
    """What a scorecard is made of, over one project or all of a contractor's."""

    passed: int = 0
    failed: int = 0
    feedback: Sequence[int] = ()  # scores 1..5
    completed: Sequence[tuple[datetime, datetime]] = ()  # (completed_at, due_at) per item
    ratings: Sequence[int] = ()  # the reps' ratings 1..5, one per rated project


@dataclass(frozen=True)
class Scorecard:
    score: float | None  # 0..100; None when there is nothing to score yet
    components: dict[str, float | None] = field(default_factory=dict)  # each 0..100, None without data
    weights: dict[str, float] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def grade(self) -> str:
        if self.score is None:
            return "-"
        return "A" if self.score >= 90 else "B" if self.score >= 75 else "C" if self.score >= 60 else "D"


def _one_to_five(values: Sequence[int]) -> float | None:
    return None if not values else 100.0 * (sum(values) / len(values) - 1) / 4


def scorecard(record: ContractorRecord, weights: Mapping[str, float] = DEFAULT_WEIGHTS) -> Scorecard:
    """Each component as a share of 100; the score is their weighted mean over the components
    that have data (a project not yet spot-checked is not marked down for it)."""
    checked = record.passed + record.failed
    on_time = sum(1 for done, due in record.completed if done <= due)
    components: dict[str, float | None] = {
        "spot_checks": 100.0 * record.passed / checked if checked else None,
        "feedback": _one_to_five(record.feedback),
        "timeliness": 100.0 * on_time / len(record.completed) if record.completed else None,
        "rating": _one_to_five(record.ratings),
    }
    present = {k: v for k, v in components.items() if v is not None and weights.get(k, 0) > 0}
    total_weight = sum(weights[k] for k in present)
    score = round(sum(weights[k] * v for k, v in present.items()) / total_weight, 1) if total_weight > 0 else None
    counts = {"checked": checked, "passed": record.passed, "failed": record.failed, "feedback": len(record.feedback), "completed": len(record.completed), "on_time": on_time, "ratings": len(record.ratings)}
    return Scorecard(score=score, components={k: (round(v, 1) if v is not None else None) for k, v in components.items()}, weights=dict(weights), counts=counts)
