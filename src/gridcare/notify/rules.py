"""Pure rules of delivery: when a message may go (quiet hours, per-channel rate limits) and
when an unacknowledged pop-up falls back to SMS, then to a voice call. No database, no
clock: instants and recent send times come in as arguments."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

CHANNELS = ("popup", "sms", "voice", "email", "wecom")
RECIPIENT_KINDS = ("user", "customer", "grid_group", "address")
# queued: waiting for its first try; deferred: held back until ``scheduled_at`` (quiet
# hours, rate limit); sending: a try is under way; failed: the last try failed and the
# outbox will retry; delivered; dead: given up (permanent error or too many tries).
STATES = ("queued", "deferred", "sending", "delivered", "failed", "dead")
OPEN_STATES = ("queued", "deferred", "sending", "failed")
# People outside the company hear from us only in the daytime unless it is urgent.
QUIET_RECIPIENTS = ("customer", "grid_group")


# A browser shows a pop-up once whatever it receives: a try at one is not marked "sending"
# before it goes, and its one mark, after its batch, records the try and its outcome.
MARKED_ONCE = "popup"


def marked_after_batch(channel: str, provider_message_id: str | None) -> bool:
    """Whether a sent message's "delivered" mark may wait for the end of its batch: a
    pop-up, which a browser shows once whatever it receives. A message that reaches a phone
    or an inbox is marked the moment its gateway took it: a crash before the mark would
    send it again."""
    return channel == MARKED_ONCE and provider_message_id is None


@dataclass(frozen=True)
class QuietHours:
    """A daily window in local time (may cross midnight); ``start == end`` means none."""

    start: time
    end: time
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Shanghai"))

    @property
    def disabled(self) -> bool:
        return self.start == self.end


def parse_quiet_hours(text: str, zone: str = "Asia/Shanghai") -> QuietHours:
    """"21:00-08:00" → QuietHours; "" or "off" → no quiet hours."""
    tz = ZoneInfo(zone)
    cleaned = text.strip().lower()
    if cleaned in ("", "off", "none"):
        return QuietHours(time(0), time(0), tz)
    try:
        first, second = (part.strip() for part in cleaned.split("-"))
        return QuietHours(time.fromisoformat(first), time.fromisoformat(second), tz)
    except ValueError:
        raise ValueError(f"expected HH:MM-HH:MM, got {text!r}") from None


def quiet_until(now: datetime, quiet: QuietHours) -> datetime | None:
    """The end of the quiet window ``now`` falls in (UTC), or None when it is not quiet."""
    if quiet.disabled:
        return None
    local = now.astimezone(quiet.zone)
    clock = local.time().replace(tzinfo=None)
    day = local.date()
    if quiet.start < quiet.end:
        inside = quiet.start <= clock < quiet.end
        end_day = day
    else:  # crosses midnight: 21:00–08:00
        inside = clock >= quiet.start or clock < quiet.end
        end_day = day + timedelta(days=1) if clock >= quiet.start else day
    if not inside:
        return None
    return datetime.combine(end_day, quiet.end, tzinfo=quiet.zone).astimezone(UTC)


def earliest_send(now: datetime, *, urgent: bool, recipient_kind: str, quiet: QuietHours) -> datetime:
    """When a message may first go: non-urgent messages to people outside the company
    wait for the end of quiet hours; everything else goes now."""
    if urgent or recipient_kind not in QUIET_RECIPIENTS:
        return now
    return quiet_until(now, quiet) or now


@dataclass(frozen=True)
class RateLimit:
    count: int
    per: timedelta


_UNITS = {"s": timedelta(seconds=1), "sec": timedelta(seconds=1), "min": timedelta(minutes=1), "m": timedelta(minutes=1), "h": timedelta(hours=1), "hour": timedelta(hours=1)}


def parse_rate_limits(text: str) -> dict[str, RateLimit]:
    """"sms=60/min; wecom=20/min" → {"sms": RateLimit(60, 1 min), …}."""
    limits: dict[str, RateLimit] = {}
    for part in filter(None, (p.strip() for p in text.replace(",", ";").split(";"))):
        try:
            channel, rate = (s.strip() for s in part.split("="))
            count, unit = (s.strip() for s in rate.split("/"))
            limit = RateLimit(int(count), _UNITS[unit])
        except (ValueError, KeyError):
            raise ValueError(f"expected CHANNEL=COUNT/UNIT (unit s, min or h), got {part!r}") from None
        if channel not in CHANNELS:
            raise ValueError(f"unknown channel {channel!r}; one of {', '.join(CHANNELS)}")
        if limit.count < 1:
            raise ValueError(f"{channel}: the count must be at least 1")
        limits[channel] = limit
    return limits


class RatePlanner:
    """Slots for a channel's messages so that no fixed window of ``limit.per`` holds more
    than ``limit.count`` of them (the gateway's contract). Built from the send times
    already planned, then asked for one slot per new message; a whole campaign is planned
    with one planner, without reading back."""

    _EPOCH = datetime(2000, 1, 1, tzinfo=UTC)

    def __init__(self, limit: RateLimit, planned: Iterable[datetime]) -> None:
        self.limit = limit
        self.taken: dict[int, list[datetime]] = {}
        self._full = (0, 0)  # windows known full without their times (mark_full)
        self._room_from: dict[int, int] = {}  # window asked for → the first with room found last time
        for at in planned:
            self.taken.setdefault(self._window(at), []).append(at)

    @classmethod
    def from_counts(cls, limit: RateLimit, counts: Mapping[datetime, int]) -> RatePlanner:
        """Built from how many messages each window (by its start) already holds."""
        planner = cls(limit, [])
        for start, n in counts.items():
            planner.taken.setdefault(planner._window(start), []).extend([start] * n)
        return planner

    def window_start(self, at: datetime) -> datetime:
        return self._start(self._window(at))

    def _window(self, at: datetime) -> int:
        return int((at - self._EPOCH) / self.limit.per)

    def _start(self, window: int) -> datetime:
        return self._EPOCH + self.limit.per * window

    def mark_full(self, start: datetime, end: datetime) -> None:
        """Treat the windows from ``start``'s up to (not including) ``end``'s as full: they
        were full when last read, and a full window never gets room back."""
        self._full = (self._window(start), self._window(end))
        self._room_from.clear()

    def _has_room(self, window: int) -> bool:
        low, high = self._full
        return not low <= window < high and len(self.taken.get(window, ())) < self.limit.count

    def _first_with_room(self, asked: int) -> int:
        # Windows only fill up, so the search starts where it ended last time: planning a
        # campaign does not walk the whole backlog once per message.
        low, high = self._full
        window = max(asked, self._room_from.get(asked, asked), high if low <= asked < high else asked)
        while not self._has_room(window):
            window += 1
        self._room_from[asked] = window
        return window

    def full_until(self, at: datetime) -> datetime:
        """The start of the first window at or after ``at``'s that still has room."""
        return self._start(self._first_with_room(self._window(at)))

    def take(self, now: datetime) -> datetime:
        """The earliest slot at or after ``now`` in a window that still has room."""
        window = self._first_with_room(self._window(now))
        used = self.taken.setdefault(window, [])
        slot = max(now, self._start(window))
        used.append(slot)
        return slot


@dataclass(frozen=True)
class LadderPolicy:
    """An unacknowledged pop-up becomes an SMS after ``sms_after`` and a voice call after
    ``voice_after``, both counted from the pop-up; None skips that rung."""

    sms_after: timedelta | None = timedelta(minutes=5)
    voice_after: timedelta | None = timedelta(minutes=15)


LADDER_STEPS = ("popup", "sms", "voice")


def parse_ladders(text: str) -> dict[str, LadderPolicy]:
    """"default=5/15; order.escalated=10/30; campaign=-/-" (minutes; "-" skips a rung)."""
    out: dict[str, LadderPolicy] = {}
    for part in filter(None, (p.strip() for p in text.split(";"))):
        try:
            event, spec = (s.strip() for s in part.split("="))
            sms, voice = (s.strip() for s in spec.split("/"))
            policy = LadderPolicy(
                None if sms == "-" else timedelta(minutes=float(sms)),
                None if voice == "-" else timedelta(minutes=float(voice)),
            )
        except ValueError:
            raise ValueError(f"expected EVENT=SMS_MINUTES/VOICE_MINUTES, got {part!r}") from None
        if policy.sms_after is not None and policy.voice_after is not None and policy.voice_after <= policy.sms_after:
            raise ValueError(f"{event}: the voice call must come after the SMS")
        out[event] = policy
    return out


def ladder_for(event: str, ladders: Mapping[str, LadderPolicy]) -> LadderPolicy:
    return ladders.get(event) or ladders.get("default") or LadderPolicy()


def _rung_offsets(policy: LadderPolicy) -> list[tuple[int, timedelta]]:
    rungs = [(1, policy.sms_after), (2, policy.voice_after)]
    return [(step, after) for step, after in rungs if after is not None]


def ladder_due(policy: LadderPolicy, *, popped_at: datetime, step: int) -> datetime | None:
    """When the next rung after ``step`` (0 pop-up, 1 SMS, 2 voice) is due; None at the end."""
    for rung, after in _rung_offsets(policy):
        if rung > step:
            return popped_at + after
    return None


def ladder_steps_due(policy: LadderPolicy, *, popped_at: datetime, step: int, now: datetime, acknowledged: bool) -> tuple[int, ...]:
    """The rungs to fire now, in order: every rung past ``step`` whose time has come. A
    worker that was down fires the missed ones together; an acknowledgement fires none."""
    if acknowledged:
        return ()
    return tuple(rung for rung, after in _rung_offsets(policy) if rung > step and popped_at + after <= now)
