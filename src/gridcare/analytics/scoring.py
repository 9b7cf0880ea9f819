"""Scorecards (考评) of grids and reps: each measure becomes a 0–100 score, the total is the
weighted mean of the scores present, and subjects are ranked by it. Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from gridcare.core.errors import FieldProblem, InvalidInput
from gridcare.core.i18n import N_, T_

RATERS = ("key_customers", "departments", "contractors")
SUBJECTS = ("grid", "rep")


@dataclass(frozen=True)
class Measure:
    key: str
    label: str  # English msgid
    how: str  # English msgid: how the measure becomes a score
    weight: float  # shipped default


MEASURES: tuple[Measure, ...] = (
    Measure("sla_compliance", N_("SLA compliance"), N_("share on time × 100"), 20),
    Measure("satisfaction", N_("Callback satisfaction"), N_("mean score ÷ 5 × 100"), 15),
    Measure("first_contact_rate", N_("First-contact resolution"), N_("share × 100"), 10),
    Measure("complaints_per_10k", N_("Complaints per 10,000 customers"), N_("100 − 10 × complaints per 10,000 customers, at least 0"), 10),
    Measure("nrw", N_("Non-revenue water (产销差)"), N_("100 − 2 × NRW in percent, at least 0 (water grids)"), 10),
    Measure("read_rate", N_("Meter-read rate (抄见率)"), N_("share read × 100"), 10),
    Measure("collection_rate", N_("Collection rate (回收率)"), N_("share collected × 100, at most 100"), 10),
    Measure("rating_key_customers", N_("Rating by key customers"), N_("the rating, 0–100"), 5),
    Measure("rating_departments", N_("Rating by departments"), N_("the rating, 0–100"), 5),
    Measure("rating_contractors", N_("Rating by contractors"), N_("the rating, 0–100"), 5),
)
BY_KEY = {m.key: m for m in MEASURES}
DEFAULT_WEIGHTS = {m.key: m.weight for m in MEASURES}


def _clamp(x: float) -> float:
    return max(0.0, min(100.0, x))


def measure_score(key: str, value: float | None) -> float | None:
    """A measure's raw value (shares as 0–1) as a 0–100 score; None stays None."""
    if value is None:
        return None
    if key in ("sla_compliance", "first_contact_rate", "read_rate", "collection_rate"):
        return _clamp(value * 100)
    if key == "satisfaction":
        return _clamp(value / 5 * 100)
    if key == "complaints_per_10k":
        return _clamp(100 - 10 * value)
    if key == "nrw":
        return _clamp(100 - 2 * value * 100)
    if key.startswith("rating_"):
        return _clamp(value)
    raise KeyError(key)


def total(values: Mapping[str, float | None], weights: Mapping[str, float]) -> float | None:
    """Weighted mean of the scores present: a grid without water or without ratings is not
    penalised for what it cannot have."""
    num = den = 0.0
    for key, weight in weights.items():
        score = measure_score(key, values.get(key))
        if score is None or weight <= 0:
            continue
        num += weight * score
        den += weight
    return round(num / den, 2) if den else None


def ranked(totals: Sequence[tuple[int, float | None]]) -> dict[int, int]:
    """Competition ranking (1, 2, 2, 4) by total, highest first; subjects without a total
    come last, sharing the last rank."""
    scored = sorted((t, sid) for sid, t in totals if t is not None)
    scored.sort(key=lambda p: -p[0])
    out: dict[int, int] = {}
    previous: float | None = None
    rank = 0
    for i, (t, sid) in enumerate(scored, start=1):
        if t != previous:
            rank, previous = i, t
        out[sid] = rank
    for sid, t in totals:
        if t is None:
            out[sid] = len(scored) + 1
    return out


def check_weights(weights: Mapping[str, object]) -> dict[str, float]:
    problems: list[FieldProblem] = []
    clean: dict[str, float] = {}
    for key in weights:
        if key not in BY_KEY:
            problems.append(FieldProblem(key, T_("is not a scorecard measure")))
    for m in MEASURES:
        raw = weights.get(m.key, 0)
        try:
            value = float(raw)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            problems.append(FieldProblem(m.key, T_("must be a number")))
            continue
        if not 0 <= value <= 100:
            problems.append(FieldProblem(m.key, T_("must be %(low)s to %(high)s", low=0, high=100)))
        clean[m.key] = value
    if not problems and sum(clean.values()) <= 0:
        problems.append(FieldProblem("weights", T_("at least one weight must be above %(n)s", n=0)))
    if problems:
        raise InvalidInput.many(problems)
    return clean


def check_rating(subject_kind: str, rater: str, score: object) -> float:
    problems: list[FieldProblem] = []
    if subject_kind not in SUBJECTS:
        problems.append(FieldProblem("subject_kind", T_("must be %(a)s or %(b)s", a="grid", b="rep")))
    if rater not in RATERS:
        problems.append(FieldProblem("rater", T_("must be one of %(choices)s", choices=", ".join(RATERS))))
    try:
        value = float(score)  # type: ignore[arg-type]
        if not 0 <= value <= 100:
            problems.append(FieldProblem("score", T_("must be %(low)s to %(high)s", low=0, high=100)))
    except (TypeError, ValueError):
        problems.append(FieldProblem("score", T_("must be a number %(low)s to %(high)s", low=0, high=100)))
        value = 0.0
    if problems:
        raise InvalidInput.many(problems)
    return value
