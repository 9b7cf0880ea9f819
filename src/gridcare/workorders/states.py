"""The work-order lifecycle as data: statuses, commands, and a table saying which command
moves which status where, who may give it and what must hold first. ``decide`` reads the
table and is pure, so pages, API, CLI and worker all get the same answer and the same
reason for a refusal.

A reopened order goes back to ``dispatched`` (its handler accepts it again) and counts in
``reopen_count``; there is no separate "reopened" status to handle twice."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any, Self

from gridcare.core.errors import Conflict, FieldProblem
from gridcare.core.i18n import T_, Label
from gridcare.core.principal import Role


class Group(StrEnum):
    OPEN = "open"  # someone still has to act on the order itself
    RESOLVED = "resolved"  # the work is done; review, callback or archiving remain
    CLOSED = "closed"


class Status(StrEnum):
    label: str  # English msgid, translated where shown
    colour: str  # a Bootstrap/NetBox colour name
    group: Group

    def __new__(cls, value: str, label: str, colour: str, group: Group) -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label, member.colour, member.group = label, colour, group
        return member

    UNASSIGNED = "unassigned", "Unassigned", "orange", Group.OPEN  # 待派单: no grid; command center
    DISPATCHED = "dispatched", "Dispatched", "blue", Group.OPEN  # 已派单
    ACCEPTED = "accepted", "Accepted", "indigo", Group.OPEN  # 已接单
    ARRIVED = "arrived", "On site", "cyan", Group.OPEN  # 已到场
    WAITING_CUSTOMER = "waiting_customer", "Waiting for customer", "yellow", Group.OPEN  # 等待客户
    REVIEW_PENDING = "review_pending", "Review pending", "purple", Group.RESOLVED  # 待审核
    CALLBACK_PENDING = "callback_pending", "Callback pending", "teal", Group.RESOLVED  # 待回访
    RESOLVED = "resolved", "Resolved", "green", Group.RESOLVED  # 已办结: awaits archiving
    MERGED = "merged", "Merged", "gray", Group.RESOLVED  # 已合并: closes with its parent
    CLOSED = "closed", "Closed", "dark", Group.CLOSED  # 已归档
    CANCELLED = "cancelled", "Cancelled", "red", Group.CLOSED  # 已撤销


# The queue: orders someone still has to act on, and those waiting for a callback or a review.
QUEUE_STATUSES = tuple(s.value for s in Status if s.group is Group.OPEN) + (Status.CALLBACK_PENDING.value, Status.REVIEW_PENDING.value)


class Command(StrEnum):
    label: str  # English msgid for the button
    event: str  # the domain event an accepted command records (some add a second one)

    def __new__(cls, value: str, label: str, event: str) -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label, member.event = label, event
        return member

    DISPATCH = "dispatch", "Dispatch", "order.dispatched"
    REDISPATCH = "redispatch", "Redispatch", "order.redispatched"
    ACCEPT = "accept", "Accept", "order.accepted"
    REFUSE = "refuse", "Refuse", ""  # in no rule: there so that asking gets the reason why not
    REQUEST_TRANSFER = "request_transfer", "Request transfer", "transfer.requested"
    APPROVE_TRANSFER = "approve_transfer", "Approve transfer", "transfer.approved"
    DENY_TRANSFER = "deny_transfer", "Deny transfer", "transfer.denied"
    ARRIVE = "arrive", "Arrived", "order.arrived"
    WAIT_CUSTOMER = "wait_customer", "Wait for customer", "order.paused"
    RESUME = "resume", "Resume", "order.resumed"
    RESOLVE = "resolve", "Resolve", "order.resolved"
    SUBMIT_REVIEW = "submit_review", "Submit for review", "order.resolved"
    APPROVE_REVIEW = "approve_review", "Approve", "review.approved"
    REJECT_REVIEW = "reject_review", "Reject", "review.rejected"
    CALLBACK = "callback", "Record callback", "order.callback_done"
    REOPEN = "reopen", "Reopen", "order.reopened"
    CLOSE = "close", "Close", "order.closed"
    MERGE_INTO = "merge_into", "Merge into…", "order.merged"
    RELEASE = "release", "Back to dispatch", "order.released"  # a wrongly merged call is its own again
    CANCEL = "cancel", "Cancel", "order.cancelled"
    ESCALATE = "escalate", "Escalate", "order.escalated"
    ADD_NOTE = "add_note", "Add note", "order.note_added"


class Category(StrEnum):
    CONSULTATION = "consultation"  # 咨询
    REPAIR = "repair"  # 故障报修
    COMPLAINT = "complaint"  # 投诉
    RECONNECTION = "reconnection"  # 欠费复电
    SERVICE_REQUEST = "service_request"  # 业务办理
    SUGGESTION = "suggestion"  # 意见建议
    PRAISE = "praise"  # 表扬


@dataclass(frozen=True)
class CategorySteps:
    needs_arrival: bool
    needs_callback: bool
    needs_review: bool = False
    # Whoever takes the demand may answer it at once and close it (当场解答): a question the
    # knowledge base or the agent can answer, a suggestion or praise passed on. What needs a
    # visit, a review or the rep's work never is.
    answerable: bool = False


# Defaults a deployment may replace; the rules only ever see the resulting OrderFacts.
# Reconnection needs no visit because smart meters reconnect remotely (a visit is still
# recorded when made); a complaint is answered by contacting the customer, not on site.
DEFAULT_CATEGORY_STEPS: dict[str, CategorySteps] = {
    Category.CONSULTATION: CategorySteps(needs_arrival=False, needs_callback=True, answerable=True),
    Category.REPAIR: CategorySteps(needs_arrival=True, needs_callback=True),
    Category.COMPLAINT: CategorySteps(needs_arrival=False, needs_callback=True, needs_review=True),
    Category.RECONNECTION: CategorySteps(needs_arrival=False, needs_callback=True),
    Category.SERVICE_REQUEST: CategorySteps(needs_arrival=True, needs_callback=True),
    Category.SUGGESTION: CategorySteps(needs_arrival=False, needs_callback=False, answerable=True),
    Category.PRAISE: CategorySteps(needs_arrival=False, needs_callback=False, answerable=True),
}


@dataclass(frozen=True)
class OrderFacts:
    status: Status
    category: str
    needs_arrival: bool = True
    needs_callback: bool = True
    is_complaint: bool = False  # its resolution needs a supervisor's review
    handler_id: int | None = None
    transfer_pending: bool = False
    reopen_count: int = 0
    merged_into: int | None = None
    paused_from: Status | None = None  # where ``resume`` returns to
    order_id: int | None = None

    @classmethod
    def for_category(
        cls,
        category: str,
        status: Status,
        steps: Mapping[str, CategorySteps] = DEFAULT_CATEGORY_STEPS,
        **rest: Any,
    ) -> OrderFacts:
        s = steps[category]
        return cls(status, category, s.needs_arrival, s.needs_callback, s.needs_review, **rest)


@dataclass(frozen=True)
class Event:
    name: str
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Decision:
    status: Status
    events: tuple[Event, ...]
    changes: Mapping[str, Any] = field(default_factory=dict)  # OrderFacts fields to update

    @property
    def event_names(self) -> list[str]:
        return [event.name for event in self.events]


class TransitionRefused(Conflict):
    slug = "transition-refused"

    def __init__(self, reason: str, field: str | None = None, *, forbidden: bool = False) -> None:
        super().__init__(reason, problems=[FieldProblem(field, reason)] if field else None)
        self.reason = reason
        self.field = field
        # A missing or bad argument is the caller's input (422); the wrong person is 403.
        if field is not None:
            self.status = 422
        elif forbidden:
            self.status = 403


@dataclass(frozen=True)
class Context:
    order: OrderFacts
    args: Mapping[str, Any]
    actor_role: str
    actor_is_handler: bool


@dataclass(frozen=True)
class Guard:
    check: Callable[[Context], tuple[str, str | None] | None]  # (reason, field) when refused
    on_input: bool  # reads the command's arguments; buttons are shown without them


@dataclass(frozen=True)
class Rule:
    targets: tuple[Status, ...]  # targets[0] unless ``route`` picks another
    roles: frozenset[str] = frozenset()  # may give the command on any order
    handler_roles: frozenset[str] = frozenset()  # may give it only on orders they handle
    guards: tuple[str, ...] = ()  # names in GUARDS, checked in order
    route: str | None = None  # name in ROUTES


ROLES = frozenset(Role)
SUPERVISORS = frozenset({Role.ADMIN, Role.SUPERVISOR})
DESK = SUPERVISORS | {Role.AGENT}  # command center and call center
HANDLERS = frozenset({Role.REP, Role.DEPARTMENT, Role.CONTRACTOR, Role.EXPERT, Role.AGENT})
NOTE_TAKERS = DESK | {Role.EXPERT}
NOBODY: frozenset[str] = frozenset()
REFUSAL = T_("a rep cannot refuse an order; request a transfer")


# Guard and route names: the preconditions and branches, readable in the table below.
REASON = "a reason is given"
HANDLER_NAMED = "a handler is named"
HANDLER_CHANGES = "the handler changes"
NO_TRANSFER = "no transfer is pending"
TRANSFER_PENDING = "a transfer is pending"
GPS_FIX = "arrival carries a GPS fix"
NO_ARRIVAL_NEEDED = "category without arrival may resolve from accepted"
DESCRIBED = "the resolution is described"
SATISFACTION = "satisfaction is 1–5"
NOT_OWN_REVIEW = "a reviewer is not the handler"
NOT_OWN_CALLBACK = "the handler does not call back their own customer"
OTHER_ORDER = "merge names another order"
NOTE_TEXT = "a note has text"
TO_REVIEW = "complaint resolution goes to review"
TO_CALLBACK = "callback only where the category needs one"
LOW_SATISFACTION_REOPENS = "callback satisfaction ≤ 2 reopens"
REOPEN_TO_HANDLER = "reopen goes back to the handler, or to the command center without one"
RESUME_WHERE_PAUSED = "resume returns where the order paused"
TRANSFER_TO_QUEUE = "approved transfer without a new handler goes to the command center"
RELEASE_TO_DISPATCH = "a released order goes to the handler named, or to the command center"

Refusal = tuple[str, str | None] | None


def _text(args: Mapping[str, Any], key: str) -> str | None:
    value = args.get(key)
    return value.strip() if isinstance(value, str) and value.strip() else None


def _int(args: Mapping[str, Any], key: str) -> int | None:
    value = args.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def _in_range(value: Any, limit: float) -> bool:
    return (
        isinstance(value, int | float) and not isinstance(value, bool) and -limit <= value <= limit
    )


def _required(
    key: str, reason: str, read: Callable[[Mapping[str, Any], str], Any] = _text
) -> Guard:
    return Guard(lambda c: None if read(c.args, key) else (reason, key), on_input=True)


def _state(refused_when: Callable[[Context], bool], reason: str) -> Guard:
    return Guard(lambda c: (reason, None) if refused_when(c) else None, on_input=False)


def _gps(c: Context) -> Refusal:
    if not _in_range(c.args.get("lat"), 90):
        return T_("arrival needs the GPS latitude (−90…90)"), "lat"
    if not _in_range(c.args.get("lon"), 180):
        return T_("arrival needs the GPS longitude (−180…180)"), "lon"
    return None


def _satisfaction(c: Context) -> Refusal:
    value = c.args.get("satisfaction")
    ok = isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 5
    return None if ok else (T_("must be 1–5"), "satisfaction")


def _parent(c: Context) -> Refusal:
    parent = _int(c.args, "parent_id")
    if parent is None:
        return T_("name the order to merge into"), "parent_id"
    if parent == c.order.order_id:
        return T_("an order cannot be merged into itself"), "parent_id"
    return None


def _same_handler(c: Context) -> Refusal:
    same = c.args.get("handler_id") == c.order.handler_id
    return (T_("the order already has this handler"), "handler_id") if same else None


GUARDS: dict[str, Guard] = {
    REASON: _required("reason", T_("give a reason")),
    HANDLER_NAMED: _required("handler_id", T_("name the new handler"), _int),
    HANDLER_CHANGES: Guard(_same_handler, on_input=True),
    NO_TRANSFER: _state(
        lambda c: c.order.transfer_pending, T_("a transfer is pending; wait for the supervisor")
    ),
    TRANSFER_PENDING: _state(lambda c: not c.order.transfer_pending, T_("no transfer was requested")),
    GPS_FIX: Guard(_gps, on_input=True),
    NO_ARRIVAL_NEEDED: _state(
        lambda c: c.order.needs_arrival, T_("this category needs an arrival on site first")
    ),
    DESCRIBED: _required("resolution", T_("describe the resolution")),
    SATISFACTION: Guard(_satisfaction, on_input=True),
    NOT_OWN_REVIEW: _state(
        lambda c: c.actor_is_handler, T_("a handler cannot review their own resolution")
    ),
    NOT_OWN_CALLBACK: _state(
        lambda c: c.actor_is_handler, T_("the callback is made by someone other than the handler")
    ),
    OTHER_ORDER: Guard(_parent, on_input=True),
    NOTE_TEXT: _required("text", T_("write the note")),
}


def _after_work(o: OrderFacts) -> Status:
    return Status.CALLBACK_PENDING if o.needs_callback else Status.RESOLVED


def _back_to_handler(o: OrderFacts) -> Status:
    return Status.DISPATCHED if o.handler_id is not None else Status.UNASSIGNED


ROUTES: dict[str, Callable[[Context], Status]] = {
    TO_REVIEW: lambda c: Status.REVIEW_PENDING if c.order.is_complaint else _after_work(c.order),
    TO_CALLBACK: lambda c: _after_work(c.order),
    LOW_SATISFACTION_REOPENS: lambda c: (
        _back_to_handler(c.order) if unsettled(c.args["satisfaction"]) else Status.CLOSED
    ),
    REOPEN_TO_HANDLER: lambda c: _back_to_handler(c.order),
    RESUME_WHERE_PAUSED: lambda c: (
        Status.ARRIVED if c.order.paused_from == Status.ARRIVED else Status.ACCEPTED
    ),
    TRANSFER_TO_QUEUE: lambda c: (
        Status.DISPATCHED if _int(c.args, "handler_id") else Status.UNASSIGNED
    ),
    RELEASE_TO_DISPATCH: lambda c: (
        Status.DISPATCHED if _int(c.args, "handler_id") else Status.UNASSIGNED
    ),
}


def _build() -> dict[tuple[Status, Command], Rule]:
    S, C = Status, Command
    H = HANDLERS  # given as handler_roles: only on their own orders
    working = (S.DISPATCHED, S.ACCEPTED, S.ARRIVED, S.WAITING_CUSTOMER)
    live = (S.UNASSIGNED, *working, S.REVIEW_PENDING, S.CALLBACK_PENDING, S.RESOLVED)
    taken = (S.ACCEPTED, S.ARRIVED, S.WAITING_CUSTOMER)
    transferable = (S.DISPATCHED, S.ACCEPTED)
    at_work = (S.ACCEPTED, S.ARRIVED)
    worked = (S.CALLBACK_PENDING, S.RESOLVED)
    after_resolve = (*worked, S.REVIEW_PENDING)
    reopened = (S.DISPATCHED, S.UNASSIGNED)
    resolve_guards = (NO_TRANSFER, DESCRIBED)
    from_accepted = (NO_TRANSFER, NO_ARRIVAL_NEEDED, DESCRIBED)
    table: dict[tuple[Status, Command], Rule] = {}
    # fmt: off
    rows: list[tuple[Iterable[Status], Command, Iterable[Status] | None, frozenset[str], frozenset[str], tuple[str, ...], str | None]] = [
        #from                           command             to (None: stays)       roles        handlers guards                               route
        ([S.UNASSIGNED],                C.DISPATCH,         [S.DISPATCHED],        DESK,        NOBODY,  (HANDLER_NAMED,),                    None),
        ([S.DISPATCHED],                C.REDISPATCH,       [S.DISPATCHED],        DESK,        NOBODY,  (HANDLER_NAMED, HANDLER_CHANGES),    None),
        (taken,                         C.REDISPATCH,       [S.DISPATCHED],        SUPERVISORS, NOBODY,  (HANDLER_NAMED, HANDLER_CHANGES),    None),
        ([S.DISPATCHED],                C.ACCEPT,           [S.ACCEPTED],          NOBODY,      H,       (NO_TRANSFER,),                      None),
        (transferable,                  C.REQUEST_TRANSFER, None,                  NOBODY,      H,       (NO_TRANSFER, REASON),               None),
        (transferable,                  C.APPROVE_TRANSFER, reopened,              SUPERVISORS, NOBODY,  (TRANSFER_PENDING, HANDLER_CHANGES), TRANSFER_TO_QUEUE),
        (transferable,                  C.DENY_TRANSFER,    None,                  SUPERVISORS, NOBODY,  (TRANSFER_PENDING, REASON),          None),
        ([S.ACCEPTED],                  C.ARRIVE,           [S.ARRIVED],           NOBODY,      H,       (NO_TRANSFER, GPS_FIX),              None),
        (at_work,                       C.WAIT_CUSTOMER,    [S.WAITING_CUSTOMER],  SUPERVISORS, H,       (NO_TRANSFER, REASON),               None),
        ([S.WAITING_CUSTOMER],          C.RESUME,           at_work,               SUPERVISORS, H,       (),                                  RESUME_WHERE_PAUSED),
        ([S.ACCEPTED],                  C.RESOLVE,          after_resolve,         NOBODY,      H,       from_accepted,                       TO_REVIEW),
        ([S.ARRIVED],                   C.RESOLVE,          after_resolve,         NOBODY,      H,       resolve_guards,                      TO_REVIEW),
        ([S.ACCEPTED],                  C.SUBMIT_REVIEW,    [S.REVIEW_PENDING],    NOBODY,      H,       from_accepted,                       None),
        ([S.ARRIVED],                   C.SUBMIT_REVIEW,    [S.REVIEW_PENDING],    NOBODY,      H,       resolve_guards,                      None),
        ([S.REVIEW_PENDING],            C.APPROVE_REVIEW,   worked,                SUPERVISORS, NOBODY,  (NOT_OWN_REVIEW,),                   TO_CALLBACK),
        ([S.REVIEW_PENDING],            C.REJECT_REVIEW,    [S.ACCEPTED],          SUPERVISORS, NOBODY,  (NOT_OWN_REVIEW, REASON),            None),
        ([S.CALLBACK_PENDING],          C.CALLBACK,         [S.CLOSED, *reopened], DESK,        NOBODY,  (SATISFACTION, NOT_OWN_CALLBACK),    LOW_SATISFACTION_REOPENS),
        (worked,                        C.REOPEN,           reopened,              SUPERVISORS, NOBODY,  (REASON,),                           REOPEN_TO_HANDLER),
        ([S.RESOLVED],                  C.CLOSE,            [S.CLOSED],            DESK,        NOBODY,  (),                                  None),
        # A callback that never reaches the customer is closed, with the reason, after the attempts.
        ([S.CALLBACK_PENDING],          C.CLOSE,            [S.CLOSED],            DESK,        NOBODY,  (REASON,),                           None),
        ([S.MERGED],                    C.CLOSE,            [S.CLOSED],            SUPERVISORS, NOBODY,  (),                                  None),
        ([S.MERGED],                    C.RELEASE,          reopened,              SUPERVISORS, NOBODY,  (REASON,),                           RELEASE_TO_DISPATCH),
        ((S.UNASSIGNED, *transferable), C.MERGE_INTO,       [S.MERGED],            DESK,        NOBODY,  (OTHER_ORDER,),                      None),
        ((S.UNASSIGNED, *working),      C.CANCEL,           [S.CANCELLED],         SUPERVISORS, NOBODY,  (REASON,),                           None),
        (live,                          C.ESCALATE,         None,                  DESK,        H,       (REASON,),                           None),
        ((*live, S.MERGED),             C.ADD_NOTE,         None,                  NOTE_TAKERS, H,       (NOTE_TEXT,),                        None),
    ]
    # fmt: on
    for statuses, command, targets, roles, handler_roles, guards, route in rows:
        for status in statuses:
            to = (status,) if targets is None else tuple(targets)
            table[(status, command)] = Rule(to, roles, handler_roles, guards, route)
    return table


TRANSITIONS: dict[tuple[Status, Command], Rule] = _build()


def _permitted(rule: Rule, role: str, is_handler: bool) -> bool:
    return role in rule.roles or (is_handler and role in rule.handler_roles)


def _refusal(role: str) -> TransitionRefused:
    if role == Role.REP:
        return TransitionRefused(REFUSAL, forbidden=True)
    return TransitionRefused(
        T_("an order cannot be refused; request a transfer or redispatch it"), forbidden=True
    )


def decide(
    order: OrderFacts,
    command: Command | str,
    *,
    actor_role: str,
    actor_is_handler: bool,
    args: Mapping[str, Any] | None = None,
) -> Decision:
    """The new status, events and fact changes for ``command``; raises TransitionRefused."""
    args = args or {}
    try:
        command = Command(command)
    except ValueError:
        raise TransitionRefused(T_("unknown command %(command)r", command=command)) from None
    if command is Command.REFUSE:
        raise _refusal(actor_role)
    if actor_role not in ROLES:
        raise TransitionRefused(T_("unknown role %(role)r", role=actor_role), forbidden=True)
    rule = TRANSITIONS.get((order.status, command))
    if rule is None:
        raise TransitionRefused(T_("cannot %(command)s an order that is %(status)s", command=Label("command", str(command)), status=Label("status", str(order.status))))
    if not _permitted(rule, actor_role, actor_is_handler):
        if actor_role in rule.handler_roles:
            raise TransitionRefused(T_("only the order's handler may %(command)s it", command=Label("command", str(command))), forbidden=True)
        raise TransitionRefused(T_("a %(role)s may not %(command)s an order", role=Label("role", str(actor_role)), command=Label("command", str(command))), forbidden=True)
    context = Context(order, args, actor_role, actor_is_handler)
    for name in rule.guards:
        problem = GUARDS[name].check(context)
        if problem is not None:
            raise TransitionRefused(*problem)
    target = ROUTES[rule.route](context) if rule.route else rule.targets[0]
    if target not in rule.targets:
        raise RuntimeError(f"route {rule.route!r} left the table: {target}")  # a table bug
    events, changes = _effects(context, command, target)
    return Decision(target, tuple(events), changes)


# Arguments copied into events, so the audit trail shows what was given.
_PAYLOAD_KEYS = ("reason", "handler_id", "lat", "lon", "resolution", "satisfaction", "parent_id", "level", "text")  # fmt: skip
_HANDLER_CHANGING = (Command.DISPATCH, Command.REDISPATCH, Command.APPROVE_TRANSFER, Command.RELEASE)


def _effects(c: Context, command: Command, target: Status) -> tuple[list[Event], dict[str, Any]]:
    o, S = c.order, Status
    payload = {key: c.args[key] for key in _PAYLOAD_KEYS if c.args.get(key) is not None}
    events = [Event(command.event, payload)]
    changes: dict[str, Any] = {}
    # Leaving the statuses where a transfer or a pause can stand ends it.
    if o.transfer_pending and (
        target not in (S.DISPATCHED, S.ACCEPTED) or command in _HANDLER_CHANGING
    ):
        changes["transfer_pending"] = False
    if o.paused_from is not None and target is not S.WAITING_CUSTOMER:
        changes["paused_from"] = None
    if command in _HANDLER_CHANGING:
        changes["handler_id"] = _int(c.args, "handler_id")
        if command is Command.APPROVE_TRANSFER:
            follow = "order.unassigned" if target is S.UNASSIGNED else "order.redispatched"
            events.append(Event(follow, {**payload, "from_handler_id": o.handler_id}))
        elif command is Command.RELEASE:
            changes["merged_into"] = None
            events.append(Event("order.unassigned" if target is S.UNASSIGNED else "order.dispatched", payload))
    elif command is Command.REQUEST_TRANSFER:
        changes["transfer_pending"] = True
    elif command is Command.DENY_TRANSFER:
        changes["transfer_pending"] = False
    elif command is Command.WAIT_CUSTOMER:
        changes["paused_from"] = o.status
    elif command is Command.MERGE_INTO:
        changes["merged_into"] = c.args["parent_id"]
    elif target is S.REVIEW_PENDING:
        events.append(Event("review.requested"))
    reopening = command is Command.REOPEN or (
        command is Command.CALLBACK and target is not S.CLOSED
    )
    if reopening:
        changes["reopen_count"] = o.reopen_count + 1
        if command is Command.CALLBACK:
            events.append(Event("order.reopened", {**payload, "reopen_count": o.reopen_count + 1}))
            if not o.is_complaint:  # a dissatisfied customer's order becomes a complaint
                events.append(Event("complaint.raised", payload))
    elif command is Command.CALLBACK:
        events.append(Event("order.closed"))
    return events, changes


def available_commands(order: OrderFacts, actor_role: str, actor_is_handler: bool) -> list[Command]:
    """Commands worth a button: allowed for this actor now, arguments aside."""
    found = []
    for command in Command:
        rule = TRANSITIONS.get((order.status, command))
        if rule is None or not _permitted(rule, actor_role, actor_is_handler):
            continue
        context = Context(order, {}, actor_role, actor_is_handler)
        if all(GUARDS[g].on_input or GUARDS[g].check(context) is None for g in rule.guards):
            found.append(command)
    return found


def steps_ahead(order: OrderFacts, actor_role: str, actor_is_handler: bool) -> tuple[Command, ...]:
    """The handler's steps at the customer's door still to take, in order, from the one this
    actor may take now: accept, arrive where the category needs it, resolve. Empty when none
    may be taken now (another's order, a transfer pending, waiting on the customer)."""
    door = (Command.ACCEPT, *((Command.ARRIVE,) if order.needs_arrival else ()), Command.RESOLVE)
    now = set(available_commands(order, actor_role, actor_is_handler))
    first = next((i for i, command in enumerate(door) if command in now), len(door))
    return door[first:]


def apply(order: OrderFacts, decision: Decision) -> OrderFacts:
    return replace(order, status=decision.status, **decision.changes)


def on_create_merged(parent_id: int, outage: str) -> Decision:
    """A repair call inside a known outage joins the outage's master order at once (合并):
    nobody is dispatched for it, and it closes with the master."""
    return Decision(Status.MERGED, (Event("order.created"), Event("order.merged", {"parent_id": parent_id, "outage": outage})), {"merged_into": parent_id})


ANSWERED_AT_INTAKE = "answered at intake: nobody was dispatched"


def answered_at_intake(dispatch_reason: str | None) -> bool:
    """Whether an order was answered as it was taken: its stored reason says nobody was
    dispatched for that (decision 038)."""
    return dispatch_reason == ANSWERED_AT_INTAKE


LOW_RATING = 2  # a callback or survey score at or below this says the demand is not settled


def unsettled(satisfaction: int) -> bool:
    """A customer this dissatisfied is not done with: a callback's score reopens the order, a
    survey's score on a demand answered at intake sends a follow-up to the grid's rep."""
    return satisfaction <= LOW_RATING


def dissatisfied(rating: int | None) -> bool:
    """A rating, when one was given, that says the customer is not satisfied."""
    return rating is not None and unsettled(rating)


def takes_help(status: str) -> bool:
    """Whether departments, contractors and experts can still be pulled into an order: not once
    it is closed or cancelled (a closed demand that needs more work is reopened, or a new one)."""
    return Status(status).group is not Group.CLOSED


def answerable(category: str, steps: Mapping[str, CategorySteps] = DEFAULT_CATEGORY_STEPS) -> bool:
    found = steps.get(category)
    return found is not None and found.answerable


def on_create_answered(answerer_id: int | None, article_id: int | None = None) -> Decision:
    """A demand answered while the customer is still on the line is closed as it is taken:
    nobody is dispatched, no deadline runs, and no callback asks the customer what they just
    heard. Whoever answered it is its handler, and answers for it."""
    data: dict[str, Any] = {"handler_id": answerer_id}
    if article_id is not None:
        data["article_id"] = article_id
    return Decision(Status.CLOSED, (Event("order.created"), Event("order.answered", data)), {"handler_id": answerer_id})


def on_create(handler_id: int | None) -> Decision:
    """A new order goes straight to its grid's rep, or to the command center without one."""
    if handler_id is None:
        return Decision(Status.UNASSIGNED, (Event("order.created"), Event("order.unassigned")))
    return Decision(
        Status.DISPATCHED,
        (Event("order.created"), Event("order.dispatched", {"handler_id": handler_id})),
        {"handler_id": handler_id},
    )
