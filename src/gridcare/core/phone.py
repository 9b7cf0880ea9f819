"""When a record made on a rep's phone counts from (离线巡视, 离线工单).

A rep on a rural round often has no signal at the asset; the phone keeps the check-in or
finding and sends it when the signal returns, with the time it was made. That time is the
phone's word: believed within a window (a few minutes ahead for a clock that runs fast, three
days back for a phone that stayed out of reach over a weekend), otherwise the record counts
from when it arrived and keeps the phone's claim for the supervisor to see. Pure: the caller
passes both times."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from gridcare.core.errors import Conflict, InvalidInput
from gridcare.core.i18n import T_

# Phones set their clocks from the network; a few minutes either way is a clock, not a story.
SKEW = timedelta(minutes=5)
# Closer than this to arrival, the record was sent as it was made: no "sent later" to show.
SENT_AT_ONCE = timedelta(minutes=1)
# The longest a phone may hold a record before its time is no longer believed.
HELD_FOR = timedelta(hours=72)
# The phone's own id for a record it made (a UUID, or any such token).
_SUBMISSION = re.compile(r"[A-Za-z0-9_-]{8,64}")
R = TypeVar("R")


@dataclass(frozen=True)
class Made:
    at: datetime  # what the record counts from
    sent_at: datetime | None = None  # when it arrived, if well after it was made
    claimed_at: datetime | None = None  # the phone's time, when not believed

    @property
    def offline(self) -> bool:
        return self.sent_at is not None


def when_made(claimed: datetime | None, received: datetime, phone_now: datetime | None = None) -> Made:
    """The time a record counts from: the phone's ``claimed`` time when it is believable, else
    the time it was ``received``. ``phone_now``, the phone's clock as it sent the record,
    corrects the claim by however far that clock is off ours. Times come back in UTC."""
    received = received.astimezone(UTC)
    if claimed is None:
        return Made(at=received)
    try:
        corrected = claimed + (received - phone_now) if phone_now is not None else claimed
    except OverflowError:  # a clock set to the year 1 or 9999
        return Made(at=received, sent_at=received, claimed_at=_utc(claimed))
    if received - SENT_AT_ONCE <= corrected <= received + SKEW:
        return Made(at=received)
    if received - HELD_FOR <= corrected < received:
        return Made(at=corrected.astimezone(UTC), sent_at=received)
    return Made(at=received, sent_at=received, claimed_at=_utc(claimed))


def _utc(moment: datetime) -> datetime | None:
    """In UTC, as stored; None for a moment UTC cannot hold (the year 1 at +14:00)."""
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        return None


def submission_id(value: str | None) -> str | None:
    """The phone's id for a record, checked; None when the record came without one."""
    text = (value or "").strip()
    if not text:
        return None
    if not _SUBMISSION.fullmatch(text):
        raise InvalidInput.field("submission", T_("must be %(low)s to %(high)s letters, digits, - or _", low=8, high=64))
    return text


def sent_before(earlier: R | None, *, here: bool) -> R | None:
    """The record that came before under the same id, made ``here`` (the same stop, the same
    visit plan): a resend, to answer as before. The id on another record is refused."""
    if earlier is not None and not here:
        raise Conflict.field("submission", T_("already used for another record; send a new one"))
    return earlier


def for_audit(made: Made) -> dict[str, str]:
    """What the audit keeps of a record made without signal: nothing for one sent at once."""
    if not made.offline:
        return {}
    out = {"made_at": made.at.isoformat(), "sent_at": made.sent_at.isoformat() if made.sent_at else ""}
    if made.claimed_at is not None:
        out["phone_time"] = made.claimed_at.isoformat()
    return out


# --- who sends late, and how much ---------------------------------------------------------

# A rep is pointed out only on this many records sent later, and at this many times the
# share the whole team sends later: a rural grid is out of signal more than a town's, and a
# few records say nothing.
HABIT_MIN_SENT_LATER = 10
HABIT_TIMES_TEAM = 2.0


@dataclass(frozen=True)
class Kept:
    """One record as the habits read it: who made it, when, when it arrived if later, and
    whether the phone's time was not believed."""

    who: str
    made_at: datetime
    sent_at: datetime | None
    doubted: bool = False


@dataclass(frozen=True)
class Habit:
    who: str
    records: int
    sent_later: int
    doubted: int  # records whose phone time was not believed
    median_delay: timedelta | None  # of those sent later
    pointed_out: bool = False  # sends far more later than the team does

    @property
    def share(self) -> float:
        return self.sent_later / self.records if self.records else 0.0


def _habit(who: str, kept: list[Kept]) -> Habit:
    delays = sorted(k.sent_at - k.made_at for k in kept if k.sent_at is not None and not k.doubted)
    median = delays[len(delays) // 2] if delays else None
    return Habit(who, len(kept), sum(1 for k in kept if k.sent_at is not None), sum(1 for k in kept if k.doubted), median)


def habits(records: Sequence[Kept]) -> tuple[list[Habit], Habit]:
    """Each maker's records and how many were sent later, most sent later first, and the
    team's; a maker is pointed out on at least HABIT_MIN_SENT_LATER records sent later and a
    share HABIT_TIMES_TEAM times the team's. Reading it is the supervisor's: a rep out of
    signal more than the rest is one place to look, a rep setting their phone's clock another."""
    by_who: dict[str, list[Kept]] = {}
    for k in records:
        by_who.setdefault(k.who, []).append(k)
    team = _habit("", list(records))
    rows = []
    for who, kept in by_who.items():
        h = _habit(who, kept)
        pointed = h.sent_later >= HABIT_MIN_SENT_LATER and h.share >= HABIT_TIMES_TEAM * team.share
        rows.append(Habit(h.who, h.records, h.sent_later, h.doubted, h.median_delay, pointed_out=pointed))
    rows.sort(key=lambda h: (-h.share, -h.sent_later, h.who))
    return rows, team


def not_before(made: Made, floor: datetime | None) -> Made:
    """A record counts from no earlier than ``floor`` (what it follows came then): a phone's
    time a little off must not put an arrival before the order was accepted."""
    if floor is None or made.at >= floor:
        return made
    return Made(at=floor, sent_at=made.sent_at, claimed_at=made.claimed_at)
