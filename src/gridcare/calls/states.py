"""The state of a call, derived from the CTI events seen so far.

PBXs retry and bridges reorder: "ended" may arrive before "answered", a transfer before the
answer it followed. So a call's facts are never updated event by event; they are a fold over
every distinct event, sorted by content first. The same set of events therefore gives the
same call whatever order it arrived in, and a duplicate (filtered by the event store) can
change nothing. Pure: no database, no clock."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from gridcare.core.clock import to_local
from gridcare.core.i18n import N_


class Kind(StrEnum):
    RINGING = "ringing"
    ANSWERED = "answered"
    TRANSFERRED = "transferred"
    ENDED = "ended"
    SURVEY = "survey"  # the caller's rating in the IVR after the agent hung up (满意度评价)


class State(StrEnum):
    RINGING = "ringing"
    ANSWERED = "answered"
    TRANSFERRED = "transferred"
    ENDED = "ended"


class Outcome(StrEnum):
    ANSWERED = "answered"
    ABANDONED = "abandoned"


DIRECTIONS = ("inbound", "outbound")
# Shown in pages as _("call." ~ state) and _("outcome." ~ outcome); listed for extraction.
LABELS = [N_("call.ringing"), N_("call.answered"), N_("call.transferred"), N_("call.ended"), N_("outcome.answered"), N_("outcome.abandoned")]
# Ties at one instant sort in the order a call lives through them.
_KIND_ORDER = {Kind.RINGING: 0, Kind.ANSWERED: 1, Kind.TRANSFERRED: 2, Kind.ENDED: 3, Kind.SURVEY: 4}
SCORES = range(1, 6)  # a survey's rating: 1 very dissatisfied … 5 very satisfied


@dataclass(frozen=True)
class CtiEvent:
    """What a PBX tells us about one moment of one call."""

    kind: Kind
    at: datetime
    caller: str = ""
    callee: str = ""
    direction: str = ""
    queue: str = ""
    agent_extension: str = ""
    recording_url: str = ""
    score: int | None = None  # a survey's rating

    def sort_key(self) -> tuple[object, ...]:
        return (self.at, _KIND_ORDER[self.kind], self.agent_extension, self.queue, self.recording_url, self.caller, self.callee, self.direction, self.score or 0)


@dataclass(frozen=True)
class CallFacts:
    state: State
    outcome: Outcome | None
    started_at: datetime
    ringing_at: datetime | None
    answered_at: datetime | None
    transferred_at: datetime | None
    ended_at: datetime | None
    transfers: int
    caller: str
    callee: str
    direction: str
    queue: str
    agent_extension: str
    recording_url: str
    wait_seconds: int | None  # ringing until answered, or until the caller gave up
    duration_seconds: int | None  # answered until ended: the handling time
    satisfaction: int | None = None  # the caller's last rating in the IVR survey

    @property
    def local_day(self) -> str:
        return to_local(self.started_at).strftime("%Y-%m-%d")

    @property
    def local_hour(self) -> int:
        return to_local(self.started_at).hour


def _seconds(start: datetime | None, end: datetime | None) -> int | None:
    if start is None or end is None:
        return None
    return max(0, round((end - start).total_seconds()))


def derive(events: Iterable[CtiEvent]) -> CallFacts:
    """The call as the events describe it. Needs at least one event."""
    ordered = sorted(set(events), key=CtiEvent.sort_key)
    if not ordered:
        raise ValueError("a call needs at least one event")

    def first(kind: Kind) -> datetime | None:
        return next((e.at for e in ordered if e.kind is kind), None)

    def latest_value(attr: str) -> str:
        return next((getattr(e, attr) for e in reversed(ordered) if getattr(e, attr)), "")

    def first_value(attr: str) -> str:
        return next((getattr(e, attr) for e in ordered if getattr(e, attr)), "")

    transfers = [e.at for e in ordered if e.kind is Kind.TRANSFERRED]
    rated = [e.score for e in ordered if e.kind is Kind.SURVEY and e.score in SCORES]
    ringing_at, answered_at, ended_at = first(Kind.RINGING), first(Kind.ANSWERED), first(Kind.ENDED)
    started_at = ordered[0].at
    if ended_at is not None:
        state = State.ENDED
    else:
        last = next((e.kind for e in reversed(ordered) if e.kind in (Kind.ANSWERED, Kind.TRANSFERRED)), None)
        state = State(last.value) if last is not None else State.RINGING
    outcome = None if ended_at is None else (Outcome.ANSWERED if answered_at is not None else Outcome.ABANDONED)
    waited_until = answered_at if answered_at is not None else ended_at
    return CallFacts(
        state=state,
        outcome=outcome,
        started_at=started_at,
        ringing_at=ringing_at,
        answered_at=answered_at,
        transferred_at=transfers[-1] if transfers else None,
        ended_at=ended_at,
        transfers=len(transfers),
        caller=first_value("caller"),
        callee=first_value("callee"),
        direction=first_value("direction") or "inbound",
        queue=latest_value("queue"),
        agent_extension=latest_value("agent_extension"),
        recording_url=latest_value("recording_url"),
        wait_seconds=_seconds(ringing_at or started_at, waited_until),
        duration_seconds=_seconds(answered_at, ended_at),
        satisfaction=rated[-1] if rated else None,
    )


def dedupe_key(*, call_id: str, kind: Kind, at: datetime, event_id: str | None) -> str:
    """The identity of an event: the PBX's own id when it sends one, else what happened when."""
    if event_id:
        return f"id:{event_id}"[:200]
    return f"{call_id}|{kind.value}|{at.isoformat()}"[:200]
