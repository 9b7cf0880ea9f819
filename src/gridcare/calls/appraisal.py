"""The agents' month (座席考评): each agent's calls, the callers' rating, quality checks and
how their shifts were kept, side by side with the team's, and what a supervisor should look
at. Pure: the figures come in as arguments.

A figure is only flagged on enough evidence (a rating over five calls is a mood, not a
trend), and against the team as well as the target where that is fairer: a slow month for
everyone is the month, not the agent."""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from gridcare.calls.qa import PASS_SHARE
from gridcare.calls.stats import Figures, merged
from gridcare.core.i18n import N_

MIN_ANSWERED = 20  # calls answered before talk time or rating say anything of the agent
MIN_RATED = 10
MIN_BEGUN = 4  # shifts begun before punctuality does
ON_TIME = 0.8  # shifts begun on time, at least
AHT_OVER = 1.3  # talk time this far over the team's median is slow
RATING_UNDER = 0.5  # this far under the team's mean rating (1–5) is low
QA_PASS = 100 * PASS_SHARE

FLAGS = {
    "absent": N_("absent from a shift"),
    "late": N_("often late for shifts"),
    "qa_fail": N_("quality checks below the pass mark"),
    "rating_low": N_("callers rate lower than the team"),
    "aht_high": N_("talk time well over the team's"),
}


@dataclass(frozen=True)
class AgentMonth:
    user_id: int
    name: str
    login: str
    calls: Figures = field(default_factory=Figures)  # of the calls they answered
    qa_scored: int = 0
    qa_average: float | None = None  # 0–100
    shifts_begun: int = 0
    on_time: int = 0
    absent: int = 0
    late_minutes: int = 0
    signed_in_share: float | None = None  # of the begun shifts' time, on average
    flags: list[str] = field(default_factory=list)

    @property
    def answered(self) -> int:
        return self.calls.answered

    @property
    def aht(self) -> float | None:
        return self.calls.aht_seconds

    @property
    def rated(self) -> int:
        return self.calls.rated

    @property
    def rating(self) -> float | None:
        return self.calls.rating

    @property
    def resolution_rate(self) -> float | None:
        return self.calls.resolution_rate

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.shifts_begun if self.shifts_begun else None


@dataclass(frozen=True)
class Team:
    """The agents together: sums of theirs, so a busy agent weighs as their calls do."""

    answered: int
    aht: float | None
    aht_median: float | None  # of the agents who answered enough calls
    rating: float | None
    resolution_rate: float | None
    qa_average: float | None
    on_time_rate: float | None
    absent: int


def team(agents: Sequence[AgentMonth]) -> Team:
    calls = merged(a.calls for a in agents)
    scored = sum(a.qa_scored for a in agents)
    begun = sum(a.shifts_begun for a in agents)
    busy = [a.aht for a in agents if a.answered >= MIN_ANSWERED and a.aht is not None]
    return Team(
        calls.answered, calls.aht_seconds, statistics.median(busy) if busy else None, calls.rating, calls.resolution_rate,
        sum((a.qa_average or 0) * a.qa_scored for a in agents) / scored if scored else None,
        sum(a.on_time for a in agents) / begun if begun else None,
        sum(a.absent for a in agents),
    )


def flags(agent: AgentMonth, everyone: Team) -> list[str]:
    """What to look at in the agent's month, in ``FLAGS`` order."""
    out = []
    if agent.absent:
        out.append("absent")
    if agent.shifts_begun >= MIN_BEGUN and (agent.on_time_rate or 0) < ON_TIME:
        out.append("late")
    if agent.qa_average is not None and agent.qa_average < QA_PASS:
        out.append("qa_fail")
    if agent.rated >= MIN_RATED and everyone.rating is not None and agent.rating is not None and agent.rating < everyone.rating - RATING_UNDER:
        out.append("rating_low")
    if agent.answered >= MIN_ANSWERED and everyone.aht_median and agent.aht is not None and agent.aht > everyone.aht_median * AHT_OVER:
        out.append("aht_high")
    return out


def appraise(agents: Iterable[AgentMonth]) -> tuple[list[AgentMonth], Team]:
    """The agents with their flags, those with most to look at first, then by name; and the team."""
    listed = list(agents)
    everyone = team(listed)
    flagged = [replace(a, flags=flags(a, everyone)) for a in listed]
    return sorted(flagged, key=lambda a: (-len(a.flags), a.name, a.user_id)), everyone
