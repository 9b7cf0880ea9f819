"""Rules of the shift handover (交接班): what the outgoing agent writes down, who takes the
shift over, and when a handover nobody took over is late. Pure: shifts, instants and texts
come in as arguments."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from gridcare.core.errors import FieldProblem, InvalidInput
from gridcare.core.i18n import T_

LONGEST_NOTES = 2000
LONGEST_NOTE = 200  # one follow-up's note
MOST_FOLLOW_UPS = 30
# Who takes over: the agents whose shift begins from an hour before the handover to two after
# (an early starter has already signed in; a late one is still on the way).
BEGUN_BEFORE = timedelta(hours=1)
BEGINS_WITHIN = timedelta(hours=2)
# A shift taken over is acknowledged within this of the later of the handover and the incoming shift's start.
RECEIVE_WITHIN = timedelta(minutes=30)

# The figures the outgoing agent hands over, in the order the page shows them: each a key of
# the workbench's figures, counted in the giver's scope.
FIGURES = (
    "orders.unassigned", "orders.late", "orders.due_soon", "orders.callbacks",
    "outages.predicted", "outages.active", "outages.scheduled", "questions.open",
)

WAITING, RECEIVED, LATE = "waiting", "received", "late"

_NUMBER = re.compile(r"[A-Za-z]{1,4}\d{6,8}-\d{1,9}")
# Between a number and its note a writer may put a dash, a colon or spaces, in either script.
_SEPARATORS = " \t-–—:：,，、"


@dataclass(frozen=True)
class FollowUp:
    """An order the incoming shift has to keep an eye on, and why."""

    number: str
    note: str


def parse_follow_ups(text: str) -> list[FollowUp]:
    """One follow-up a line: an order number, then what to watch ("GD20261207-000123 客户
    18:00 再来电"). Blank lines are skipped; every bad line is named at once."""
    found: list[FollowUp] = []
    problems: list[FieldProblem] = []
    seen: dict[str, int] = {}
    lines = [(n, line.strip()) for n, line in enumerate((text or "").splitlines(), start=1) if line.strip()]
    if len(lines) > MOST_FOLLOW_UPS:
        raise InvalidInput.field("follow_ups", T_("at most %(count)s lines", count=MOST_FOLLOW_UPS))
    for n, line in lines:
        match = _NUMBER.match(line)
        if match is None:
            problems.append(FieldProblem("follow_ups", T_("line %(line)s: must begin with a work order number, e.g. GD20261207-000123", line=n)))
            continue
        number = match.group(0).upper()
        rest = line[match.end():]
        if rest and rest[0] not in _SEPARATORS:
            problems.append(FieldProblem("follow_ups", T_("line %(line)s: must begin with a work order number, e.g. GD20261207-000123", line=n)))
            continue
        note = rest.strip(_SEPARATORS)
        if len(note) > LONGEST_NOTE:
            problems.append(FieldProblem("follow_ups", T_("line %(line)s: the note is longer than %(count)s characters", line=n, count=LONGEST_NOTE)))
        elif number in seen:
            problems.append(FieldProblem("follow_ups", T_("line %(line)s: %(number)s is already on line %(first)s", line=n, number=number, first=seen[number])))
        else:
            seen[number] = n
            found.append(FollowUp(number, note))
    if problems:
        raise InvalidInput.many(problems)
    return found


def check_follow_ups(items: Sequence[FollowUp]) -> list[FollowUp]:
    """Follow-ups given one by one (the API's list): numbers upper-cased, each bad one named
    by its place in the list."""
    if len(items) > MOST_FOLLOW_UPS:
        raise InvalidInput.field("follow_ups", T_("at most %(n)s items", n=MOST_FOLLOW_UPS))
    found: list[FollowUp] = []
    problems: list[FieldProblem] = []
    for i, item in enumerate(items):
        number, note = item.number.strip().upper(), item.note.strip()
        if _NUMBER.fullmatch(number) is None:
            problems.append(FieldProblem(f"follow_ups[{i}].number", T_("must be a work order number, e.g. GD20261207-000123")))
        elif any(f.number == number for f in found):
            problems.append(FieldProblem(f"follow_ups[{i}].number", T_("is already in the list")))
        elif len(note) > LONGEST_NOTE:
            problems.append(FieldProblem(f"follow_ups[{i}].note", T_("longer than %(n)s characters", n=LONGEST_NOTE)))
        else:
            found.append(FollowUp(number, note))
    if problems:
        raise InvalidInput.many(problems)
    return found


def format_follow_ups(items: Iterable[FollowUp]) -> str:
    """The text ``parse_follow_ups`` reads back as ``items``."""
    return "\n".join(f"{f.number} {f.note}".rstrip() for f in items)


def check_notes(notes: str) -> str:
    text = (notes or "").strip()
    if not text:
        raise InvalidInput.field("notes", T_("must not be empty"))
    if len(text) > LONGEST_NOTES:
        raise InvalidInput.field("notes", T_("longer than %(n)s characters", n=LONGEST_NOTES))
    return text


@dataclass(frozen=True)
class Shift:
    user_id: int
    starts_at: datetime
    ends_at: datetime


def own_shift(shifts: Sequence[Shift], *, user_id: int, at: datetime) -> Shift | None:
    """The giver's shift being handed over: the one they are on, else the one that ended
    last within the two hours before ``at`` (a handover written just after the shift)."""
    mine = [s for s in shifts if s.user_id == user_id and s.starts_at <= at]
    on = [s for s in mine if s.ends_at > at]
    if on:
        return min(on, key=lambda s: s.starts_at)
    ended = [s for s in mine if at - BEGINS_WITHIN <= s.ends_at <= at]
    return max(ended, key=lambda s: s.ends_at) if ended else None


def incoming(shifts: Sequence[Shift], *, at: datetime, giver: int) -> list[Shift]:
    """The shifts that take over from a handover at ``at``: each other agent's shift that
    begins from an hour before to two hours after it. With none, those of other agents on
    shift at ``at`` who stay at least an hour longer (overlapping shifts hand over within the
    team on duty). One shift an agent, the earliest; in order of start, then agent."""
    others = [s for s in shifts if s.user_id != giver]
    chosen = [s for s in others if at - BEGUN_BEFORE <= s.starts_at <= at + BEGINS_WITHIN]
    if not chosen:
        chosen = [s for s in others if s.starts_at <= at and s.ends_at >= at + BEGUN_BEFORE]
    first: dict[int, Shift] = {}
    for s in sorted(chosen, key=lambda s: (s.starts_at, s.user_id)):
        first.setdefault(s.user_id, s)
    return sorted(first.values(), key=lambda s: (s.starts_at, s.user_id))


def receive_due(given_at: datetime, takes_over_at: datetime | None) -> datetime:
    """By when somebody should have taken the shift over: 30 minutes after the later of the
    handover and the incoming shift's start."""
    return max(given_at, takes_over_at or given_at) + RECEIVE_WITHIN


def state(*, given_at: datetime, takes_over_at: datetime | None, received: bool, now: datetime) -> str:
    """``received`` once anyone took it over; ``late`` once nobody has by ``receive_due``."""
    if received:
        return RECEIVED
    return LATE if now > receive_due(given_at, takes_over_at) else WAITING


@dataclass(frozen=True)
class Change:
    key: str
    then: int
    now: int | None  # None: not counted now (the reader may not see it)

    @property
    def delta(self) -> int | None:
        return None if self.now is None else self.now - self.then


def changes(then: Mapping[str, int], now: Mapping[str, int]) -> list[Change]:
    """Each handed-over figure against its count now, in ``FIGURES``' order; figures the
    handover did not count are left out."""
    return [Change(k, int(then[k]), None if k not in now else int(now[k])) for k in FIGURES if k in then]
