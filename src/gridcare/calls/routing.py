"""Where a call should go (话务自动匹配), decided from facts alone.

A caller inside a known outage hears the outage answer first: most of those calls need
nothing else. Otherwise the caller's grid rep takes the call when on duty and free (首问
负责制: the person who owns the grid owns the demand), else an expert seat, else the
general queue. Pure: the service gathers the facts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from gridcare.core.i18n import N_, T_, Label, Text


class Destination(StrEnum):
    REP = "rep"
    EXPERT = "expert"
    GENERAL = "general"
    OUTAGE = "outage"


class SeatStatus(StrEnum):
    AVAILABLE = "available"
    BUSY = "busy"
    AWAY = "away"
    AFTER_CALL = "after_call"  # wrap-up (话后处理)


# Shown as _("seat." ~ status); listed for extraction.
LABELS = [N_("seat.available"), N_("seat.busy"), N_("seat.away"), N_("seat.after_call")]

# After-call work ends on its own: a seat nobody set back to available would otherwise be
# lost to routing for the rest of the shift.
WRAP_UP = timedelta(seconds=90)


def effective_status(status: str, since: datetime, now: datetime, wrap_up: timedelta = WRAP_UP) -> SeatStatus:
    if status == SeatStatus.AFTER_CALL and now - since >= wrap_up:
        return SeatStatus.AVAILABLE
    try:
        return SeatStatus(status)
    except ValueError:
        return SeatStatus.AWAY


@dataclass(frozen=True)
class Seat:
    """A person who may take the call, as routing needs to know them."""

    user_id: int
    name: str
    extension: str | None
    phone: str | None
    status: SeatStatus | None  # None: no extension registered, so no status is known
    on_duty: bool = True
    on_call: bool = False

    @property
    def free(self) -> bool:
        if not self.on_duty or self.on_call:
            return False
        return self.status in (None, SeatStatus.AVAILABLE)


@dataclass(frozen=True)
class OutageFact:
    id: int
    title: str
    eta: datetime | None


@dataclass(frozen=True)
class RouteFacts:
    customers: int  # how many customers the caller's number matches
    grid_codes: tuple[str, ...]  # their distinct grids
    rep: Seat | None  # the rep of the one grid, if there is exactly one
    experts: Sequence[Seat] = ()
    outage: OutageFact | None = None


@dataclass(frozen=True)
class Route:
    destination: Destination
    seat: Seat | None
    reason: Text  # English; shown in the reader's language
    outage: OutageFact | None = None


def _rep_unavailable(facts: RouteFacts) -> Text:
    if facts.customers == 0:
        return T_("caller's number matches no customer")
    if len(facts.grid_codes) > 1:
        return T_("number shared by customers of %(n)s grids", n=len(facts.grid_codes))
    if not facts.grid_codes:
        return T_("caller's customer has no grid")
    rep = facts.rep
    grid = facts.grid_codes[0]
    if rep is None:
        return T_("grid %(grid)s has no rep", grid=grid)
    if not rep.on_duty:
        return T_("rep %(rep)s of grid %(grid)s is off duty", rep=rep.name, grid=grid)
    if rep.on_call:
        return T_("rep %(rep)s of grid %(grid)s is on another call", rep=rep.name, grid=grid)
    if rep.status is None:
        return T_("rep %(rep)s of grid %(grid)s is unavailable", rep=rep.name, grid=grid)
    return T_("rep %(rep)s of grid %(grid)s is %(status)s", rep=rep.name, grid=grid, status=Label("seat", rep.status.value))


def route(facts: RouteFacts) -> Route:
    if facts.outage is not None:
        return Route(Destination.OUTAGE, None, T_("caller is inside outage %(id)s: play the known answer", id=facts.outage.id), facts.outage)
    rep = facts.rep
    if facts.customers and len(facts.grid_codes) == 1 and rep is not None and rep.free:
        return Route(Destination.REP, rep, T_("rep %(rep)s of grid %(grid)s is on duty and free", rep=rep.name, grid=facts.grid_codes[0]))
    why = _rep_unavailable(facts)
    free_experts = [s for s in facts.experts if s.free]
    if free_experts:
        # The seat listed first is the one idle longest: the service orders them so.
        return Route(Destination.EXPERT, free_experts[0], T_("%(why)s; expert %(expert)s is free", why=why, expert=free_experts[0].name))
    return Route(Destination.GENERAL, None, T_("%(why)s; no expert seat is free", why=why))
