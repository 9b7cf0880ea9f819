"""Call-centre figures from pre-grouped counts. Pure.

The database groups calls by plain columns (local day and hour, queue, agent, line,
outcome) and sums their waits and durations; these functions turn the buckets into the
figures supervisors watch: offered, answered and abandoned calls, answer and abandon rates,
average speed of answer (ASA), average handling time (AHT), the service level (answered
within ``SERVICE_LEVEL_SECONDS``) and the share of answered calls on which the agent
settled the caller's demand at once (当场解答). A call still in progress counts as offered only once it
ends, so rates never move while a call rings."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field

SERVICE_LEVEL_SECONDS = 20  # the usual 80/20 target: 80 % answered within 20 s


@dataclass(frozen=True)
class Bucket:
    day: str
    hour: int
    queue: str
    agent_id: int | None
    line_id: int | None
    outcome: str | None  # None: in progress
    calls: int
    wait_sum: int
    duration_sum: int
    within_target: int  # answered within SERVICE_LEVEL_SECONDS
    rated: int = 0  # calls the caller rated in the IVR survey
    rating_sum: int = 0
    resolved: int = 0  # calls on which the agent answered a demand at once


@dataclass
class Figures:
    answered: int = 0
    abandoned: int = 0
    in_progress: int = 0
    answered_wait: int = 0
    abandoned_wait: int = 0
    handling: int = 0
    within_target: int = 0
    rated: int = 0
    rating_sum: int = 0
    resolved: int = 0
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def offered(self) -> int:
        return self.answered + self.abandoned

    @property
    def answer_rate(self) -> float | None:
        return self.answered / self.offered if self.offered else None

    @property
    def abandon_rate(self) -> float | None:
        return self.abandoned / self.offered if self.offered else None

    @property
    def asa_seconds(self) -> float | None:
        return self.answered_wait / self.answered if self.answered else None

    @property
    def aht_seconds(self) -> float | None:
        return self.handling / self.answered if self.answered else None

    @property
    def service_level(self) -> float | None:
        return self.within_target / self.offered if self.offered else None

    @property
    def rating(self) -> float | None:
        """The callers' mean rating (1–5) in the IVR survey, over the calls rated."""
        return self.rating_sum / self.rated if self.rated else None

    @property
    def resolution_rate(self) -> float | None:
        """Answered calls on which the agent settled a demand at once, over answered calls."""
        return self.resolved / self.answered if self.answered else None

    def add(self, b: Bucket) -> None:
        self.rated += b.rated
        self.rating_sum += b.rating_sum
        self.resolved += b.resolved
        if b.outcome == "answered":
            self.answered += b.calls
            self.answered_wait += b.wait_sum
            self.handling += b.duration_sum
            self.within_target += b.within_target
        elif b.outcome == "abandoned":
            self.abandoned += b.calls
            self.abandoned_wait += b.wait_sum
        else:
            self.in_progress += b.calls

    def as_dict(self) -> dict[str, object]:
        def r(x: float | None, n: int) -> float | None:
            return None if x is None else round(x, n)

        return {
            "offered": self.offered,
            "answered": self.answered,
            "abandoned": self.abandoned,
            "in_progress": self.in_progress,
            "answer_rate": r(self.answer_rate, 4),
            "abandon_rate": r(self.abandon_rate, 4),
            "asa_seconds": r(self.asa_seconds, 1),
            "aht_seconds": r(self.aht_seconds, 1),
            "service_level": r(self.service_level, 4),
            "rated": self.rated,
            "rating": r(self.rating, 2),
            "resolved": self.resolved,
            "resolution_rate": r(self.resolution_rate, 4),
            **self.extra,
        }


def group(buckets: Iterable[Bucket], key: Callable[[Bucket], Hashable]) -> dict[Hashable, Figures]:
    out: dict[Hashable, Figures] = {}
    for b in buckets:
        out.setdefault(key(b), Figures()).add(b)
    return out


def total(buckets: Iterable[Bucket]) -> Figures:
    figures = Figures()
    for b in buckets:
        figures.add(b)
    return figures


def merged(many: Iterable[Figures]) -> Figures:
    """Several groups' figures as one (a team of agents)."""
    out = Figures()
    for f in many:
        for name in ("answered", "abandoned", "in_progress", "answered_wait", "abandoned_wait", "handling", "within_target", "rated", "rating_sum", "resolved"):
            setattr(out, name, getattr(out, name) + getattr(f, name))
    return out


def by_hour(buckets: Iterable[Bucket]) -> list[Figures]:
    """Twenty-four entries, local hours 0–23, empty hours included (charts need them)."""
    found = group(buckets, lambda b: b.hour)
    return [found.get(h, Figures()) for h in range(24)]
