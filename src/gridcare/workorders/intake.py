"""Intake: a demand from any channel becomes a work order, dispatched at once (or closed
at once when it was answered as it was taken). Reads are planned apart from the writes so
a group commit can read a whole batch ahead; the writes are Core inserts on the hot path."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, make_transient_to_detached

from gridcare import outbox
from gridcare.audit import service as audit
from gridcare.auth.rules import Action
from gridcare.auth.scoping import require
from gridcare.core.clock import to_local
from gridcare.core.errors import Conflict, DomainError, FieldProblem, InvalidInput, NotFound
from gridcare.core.i18n import T_, Label
from gridcare.core.principal import Principal, Role
from gridcare.group_commit import UNITS
from gridcare.prepared import Prepared, reserved_id
from gridcare.workorders import sla, states
from gridcare.workorders.models import OrderCounter, WorkOrder
from gridcare.workorders.records import (
    CATEGORIES,
    CHANNELS,
    audit_view,
    choose_for,
    record_events,
    refresh_deadlines,
    visible_to,
)


@dataclass(frozen=True)
class Intake:
    category: str
    channel: str
    description: str = ""
    utility: str | None = None
    customer_id: int | None = None
    account: str | None = None
    phone: str | None = None
    caller_name: str = ""
    address: str = ""
    lon: float | None = None
    lat: float | None = None
    idempotency_key: str | None = None
    paid_at: datetime | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    # Answered while the customer is still there (当场解答): the order is closed as it is taken.
    answer: str = ""
    knowledge_article_id: int | None = None  # the article the answer came from

    @property
    def answered(self) -> bool:
        return bool(self.answer.strip()) or self.knowledge_article_id is not None


@dataclass(frozen=True)
class Created:
    order: WorkOrder
    replayed: bool  # the idempotency key was seen before: this is the original order


def _validate(intake: Intake) -> list[FieldProblem]:
    problems = []
    if intake.category not in CATEGORIES:
        problems.append(FieldProblem("category", T_("must be one of %(choices)s", choices=", ".join(CATEGORIES))))
    if intake.channel not in CHANNELS:
        problems.append(FieldProblem("channel", T_("must be one of %(choices)s", choices=", ".join(CHANNELS))))
    if intake.utility is not None and intake.utility not in ("electric", "water", "gas"):
        problems.append(FieldProblem("utility", T_("must be electric, water or gas")))
    if (intake.lon is None) != (intake.lat is None):
        problems.append(FieldProblem("lat" if intake.lat is None else "lon", T_("give both lon and lat, or neither")))
    if intake.lon is not None and not (-180 <= intake.lon <= 180):
        problems.append(FieldProblem("lon", T_("must be between %(low)s and %(high)s", low=-180, high=180)))
    if intake.lat is not None and not (-90 <= intake.lat <= 90):
        problems.append(FieldProblem("lat", T_("must be between %(low)s and %(high)s", low=-90, high=90)))
    if len(intake.description) > 4000:
        problems.append(FieldProblem("description", T_("must be at most %(n)s characters", n=4000)))
    if len(intake.answer) > 4000:
        problems.append(FieldProblem("answer", T_("must be at most %(n)s characters", n=4000)))
    if intake.answered and intake.category in CATEGORIES and not states.answerable(intake.category):
        problems.append(FieldProblem("answer", T_("a %(category)s cannot be answered at intake: it goes to its grid's rep", category=Label("category", intake.category))))
    return problems


def _counter_upsert(dialect: Any) -> Any:
    stmt = dialect.insert(OrderCounter).values(day=bindparam("day"), last=bindparam("n"))
    return stmt.on_conflict_do_update(index_elements=["day"], set_={"last": OrderCounter.last + stmt.excluded.last}).returning(OrderCounter.last)


# Built once: intake is the hot path, and building statements costs more than running them.
_COUNTER_UPSERT = {"postgresql": _counter_upsert(postgresql), "sqlite": _counter_upsert(sqlite)}
_NEXT_NUMBER = {name: Prepared(stmt, keys=["day", "n"]) for name, stmt in _COUNTER_UPSERT.items()}
_FIND_REPLAY = Prepared(select(WorkOrder.id).where(WorkOrder.idempotency_key == bindparam("key")))
_ORDER_COLUMNS = [c.key for c in WorkOrder.__table__.c if c.key != "id"]
# A taken idempotency key inserts nothing and returns no id: the replay is found then, not
# looked up before every intake.
_INSERT_ORDER = {
    name: Prepared(dialect.insert(WorkOrder).on_conflict_do_nothing(index_elements=["idempotency_key"]).returning(WorkOrder.__table__.c.id), keys=_ORDER_COLUMNS)
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}


# In a group commit's batch on PostgreSQL the order's id is drawn ahead and its row goes out
# with the batch's others. A taken key then fails the batch at its end, and the batch runs
# again unit by unit, where the insert above finds the replay.
_INSERT_ORDER_LATER = Prepared(WorkOrder.__table__.insert(), keys=["id", *_ORDER_COLUMNS], deferrable=True)
_WAITING_ORDERS = "workorders.waiting"  # session.info: (customer, category) → (id, number) of rows not yet inserted
_NUMBERS = "workorders.numbers"  # session.info: the numbers this transaction reserved and has not used


def _next_number(session: Session, now: datetime) -> str:
    """GD<local date>-<n>: a per-day counter row. A group-commit batch reserves a number for
    each of its intakes with one statement (``group_commit.UNITS``)."""
    day = to_local(now).strftime("%Y%m%d")
    reserved = session.info.get(_NUMBERS)
    if reserved is None or reserved[0] != day or not reserved[1]:
        wanted = session.info.get(UNITS, 1)
        reserved = session.info[_NUMBERS] = (day, _reserve_numbers(session, day, wanted))
    return f"GD{day}-{reserved[1].pop():06d}"


def _reserve_numbers(session: Session, day: str, wanted: int) -> list[int]:
    """The next ``wanted`` numbers of the day, the smallest last (they are popped)."""
    connection = session.connection()
    database = session.info.get("database")
    if connection.dialect.name != "postgresql" or database is None:
        last = _NEXT_NUMBER[connection.dialect.name].scalar(connection, {"day": day, "n": wanted})
    else:
        # Every intake writes this one row. Inside the intake's transaction it stayed locked until
        # that commit's disk flush, so intakes ran one at a time (~1/fsync per second). Apart, it is
        # locked for one statement; numbers of a batch that then rolls back, or of a replayed or
        # failed intake, are a gap in the day's numbers.
        with database.detached() as apart:
            last = _NEXT_NUMBER["postgresql"].scalar(apart, {"day": day, "n": wanted})
    return list(range(last, last - wanted, -1))


@dataclass(frozen=True)
class IntakePlan:
    """Everything intake decides from reads alone; committing it only writes."""

    intake: Intake
    utility: str
    customer_id: int | None
    caller_name: str
    address: str
    org_path: str
    lon: float | None
    lat: float | None
    grid: Any  # grids.service.GridSummary | None
    handler_id: int | None
    dispatch_reason: str
    previous: tuple[int, str] | None  # (id, number) of the order this one repeats
    absorbed: Any = None  # outages.storm.Absorbed: a known outage's master order takes the call
    supply_point: str | None = None
    answer: str = ""  # answered at intake: what the customer was told


def create_order(session: Session, *, actor: Principal, now: datetime, intake: Intake) -> Created:
    """Take a demand from any channel: find the customer and grid, set the deadlines and
    dispatch it at once. A repeated idempotency key returns the first order: the insert
    itself refuses a taken key, so the usual intake, with a new key, reads nothing for it."""
    require(actor, Action.ORDERS_CREATE)
    try:
        plan = plan_order(session, actor=actor, now=now, intake=intake)
    except DomainError:
        # A retry gets the order its first try took, whatever changed since (a customer moved).
        replay = _replay(session, actor=actor, key=intake.idempotency_key)
        if replay is not None:
            return replay
        raise
    return commit_order(session, actor=actor, now=now, plan=plan)


def find_replay(session: Session, *, key: str | None) -> WorkOrder | None:
    if not key:
        return None
    found = _FIND_REPLAY.scalar(session.connection(), {"key": key})
    return session.get(WorkOrder, found) if found is not None else None


def _replay(session: Session, *, actor: Principal, key: str | None) -> Created | None:
    order = find_replay(session, key=key)
    if order is None:
        return None
    if not visible_to(session, actor, order):  # somebody else's key: their order stays theirs
        raise Conflict.field("idempotency_key", T_("already used for an order you cannot see; send a new key"))
    return Created(order, replayed=True)


def plan_order(session: Session, *, actor: Principal, now: datetime, intake: Intake) -> IntakePlan:
    """The reads of intake: may run in a read transaction before the write one."""
    from gridcare.customers import service as customers
    from gridcare.grids import service as grids

    require(actor, Action.ORDERS_CREATE)
    problems = _validate(intake)
    if problems:
        raise InvalidInput.many(problems)
    customer = None
    if intake.customer_id is not None:
        customer = customers.get_customer(session, actor=actor, customer_id=intake.customer_id)
    elif intake.account:
        customer = customers.caller_by_account(session, actor=actor, account=intake.account)
        if customer is None:
            raise InvalidInput.field("account", T_("no customer with account %(account)r", account=intake.account))
    elif intake.phone:
        matches = customers.find_by_phone(session, actor=actor, phone=intake.phone)
        customer = matches[0] if len(matches) == 1 else None
    utility = intake.utility or (customer.utility if customer else "electric")
    lon, lat = intake.lon, intake.lat
    if lon is None and customer is not None:
        lon, lat = customer.lon, customer.lat
    grid = None
    if customer is not None and customer.grid_id is not None and customer.utility == utility:
        grid = grids.summary(session, grid_id=customer.grid_id, utility=utility)
    if grid is None and lon is not None and lat is not None:
        grid = grids.locate(session, lon=lon, lat=lat, utility=utility).get(utility)
    first_contact = actor.user_id if (intake.channel == "onsite" and actor.role is Role.REP) else None
    answer = _answer_of(session, actor=actor, intake=intake, utility=utility) if intake.answered else ""
    if answer:
        handler_id, dispatch_reason = actor.user_id, states.ANSWERED_AT_INTAKE
    else:
        choice = choose_for(session, now=now, grid=grid, utility=utility, category=intake.category, first_contact=first_contact)
        handler_id, dispatch_reason = choice.handler_id, choice.reason
    previous = _recent_same_demand(session, customer_id=customer.id if customer else None, category=intake.category, now=now)
    absorbed = None
    if intake.category == states.Category.REPAIR.value and customer is not None and first_contact is None:
        from gridcare.outages import storm

        absorbed = storm.absorbing(session, customer_id=customer.id, utility=utility, now=now)
    return IntakePlan(
        intake=intake,
        utility=utility,
        customer_id=customer.id if customer else None,
        caller_name=intake.caller_name or (customer.name if customer else ""),
        address=intake.address or (customer.address if customer else ""),
        org_path=grid.org_path if grid else (customer.org_path if customer else actor.org_path),
        lon=lon,
        lat=lat,
        grid=grid,
        handler_id=handler_id,
        dispatch_reason=dispatch_reason,
        previous=previous,
        absorbed=absorbed,
        supply_point=customer.supply_point if customer is not None and customer.utility == utility else None,
        answer=answer,
    )


def rate_answered(session: Session, *, now: datetime, order_id: int, satisfaction: int) -> bool:
    """The caller's rating in the IVR survey after the call is the satisfaction of a demand
    answered on that call: it owes no callback, so this is the customer's only say. Only such a
    demand, and only its first rating; returns whether it was taken."""
    from gridcare.core.principal import system_principal

    order = session.get(WorkOrder, order_id, with_for_update=True)
    if order is None or not states.answered_at_intake(order.dispatch_reason) or order.satisfaction is not None:
        return False
    before = audit_view(order)
    order.satisfaction = satisfaction
    actor = system_principal("survey")
    rated: dict[str, Any] = {"satisfaction": satisfaction, "source": "survey"}
    if states.unsettled(satisfaction):
        rated["follow_up"] = _follow_up(session, actor=actor, now=now, order=order).number
    record_events(session, actor, now, order, (states.Event("order.rated", rated),), status_from=order.status)
    audit.record(session, actor=actor, at=now, action="order.rated", entity="order", entity_id=order.id, before=before, after=audit_view(order), org_path=order.org_path)
    return True


def _follow_up(session: Session, *, actor: Principal, now: datetime, order: WorkOrder) -> WorkOrder:
    """A caller dissatisfied with the answer they were given is not done with: the demand goes
    to its grid's rep as a new order linked to the answered one, dispatched like any other."""
    from gridcare.workorders import links

    description = f"客户对当场解答不满意（满意度 {order.satisfaction} 分），请联系客户跟进。\n原诉求：{order.description}\n原解答：{order.resolution_note}"
    intake = Intake(
        category=order.category, channel=order.channel, description=description[:4000], utility=order.utility, customer_id=order.customer_id, phone=order.caller_phone or None,
        caller_name=order.caller_name, address=order.address, idempotency_key=f"follow-up:{order.number}", attributes={"follow_up_of": order.number},
    )
    created = create_order(session, actor=actor, now=now, intake=intake).order
    links.link(session, actor=actor, now=now, order_id=created.id, other=order.number, note="follow-up")
    return created


def _answer_of(session: Session, *, actor: Principal, intake: Intake, utility: str) -> str:
    """What the customer was told: the typed answer, or the title of the article it came from.
    The article must be one the taker may read, published, and for the order's utility."""
    if intake.knowledge_article_id is None:
        return intake.answer.strip()
    from gridcare.knowledge import service as knowledge

    try:
        article = knowledge.get(session, actor=actor, article_id=intake.knowledge_article_id)
    except NotFound:
        raise InvalidInput.field("knowledge_article_id", T_("no article %(id)s in your knowledge base", id=intake.knowledge_article_id)) from None
    if article.status != "published":
        raise InvalidInput.field("knowledge_article_id", T_("only a published article answers callers"))
    if article.utility not in (None, utility):
        raise InvalidInput.field("knowledge_article_id", T_("the article is about %(utility)s; this demand is about %(order)s", utility=Label("utility", article.utility), order=Label("utility", utility)))
    return intake.answer.strip() or article.title


def commit_order(session: Session, *, actor: Principal, now: datetime, plan: IntakePlan) -> Created:
    """The writes of intake, in the caller's write transaction. An idempotency key already
    taken (a retry, or two tries at once) makes it the replay of that order."""
    intake, grid = plan.intake, plan.grid
    absorbed = plan.absorbed
    if plan.answer:
        decision = states.on_create_answered(plan.handler_id, intake.knowledge_article_id)
    elif absorbed:
        decision = states.on_create_merged(absorbed.master_order_id, absorbed.outage_number)
    else:
        decision = states.on_create(plan.handler_id)
    from gridcare.workorders import policies

    attributes = dict(intake.attributes)
    area_class = grid.area_class if grid else "urban"
    policy = sla.policy_for(plan.utility, intake.category, area_class, policies.effective(session))
    if plan.answer:  # the customer heard the answer: there is nobody to call back
        policy = sla.with_target(policy, "callback", None)
    attributes["sla"] = sla.snapshot(policy)
    if plan.previous is not None:
        attributes["repeat_of"] = plan.previous[1]
    values = dict(
        number=_next_number(session, now),
        idempotency_key=intake.idempotency_key or None,
        channel=intake.channel,
        category=intake.category,
        utility=plan.utility,
        status=decision.status.value,
        description=intake.description.strip(),
        customer_id=plan.customer_id,
        caller_name=plan.caller_name,
        caller_phone=intake.phone or "",
        address=plan.address,
        lon=plan.lon,
        lat=plan.lat,
        grid_id=grid.id if grid else None,
        area_class=area_class,
        org_path=plan.org_path,
        handler_id=None if absorbed else plan.handler_id,
        parent_id=absorbed.master_order_id if absorbed else None,
        originator_id=actor.user_id,
        originator=actor.login,
        dispatch_reason=f"inside outage {absorbed.outage_number}: merged into its master order" if absorbed else plan.dispatch_reason,
        created_at=now,
        paid_at=intake.paid_at,
        reopen_count=0,
        transfer_pending=False,
        escalation_level=0,
        resolution_code="",
        resolution_note="",
        attributes=attributes,
        supply_point=plan.supply_point,
    )
    if plan.answer:
        values.update(accepted_at=now, resolved_at=now, closed_at=now, resolution_note=plan.answer)
    # Every column gets a value, so the object joins the session fully loaded.
    for key in _ORDER_COLUMNS:
        values.setdefault(key, None)
    order = WorkOrder(**values)
    refresh_deadlines(session, order, now)
    values.update(accept_due=order.accept_due, arrive_due=order.arrive_due, resolve_due=order.resolve_due, callback_due=order.callback_due, next_check_at=order.next_check_at)
    # A Core insert, then the row joins the session as if loaded: the ORM's unit of work
    # cost more than everything else intake writes.
    connection = session.connection()
    reserved = reserved_id(connection, WorkOrder.__table__, session.info.get(UNITS, 1))
    if reserved is not None:
        order.id = reserved
        _INSERT_ORDER_LATER.execute_many(connection, [{"id": reserved, **values}])
        if order.customer_id is not None:
            session.info.setdefault(_WAITING_ORDERS, {})[(order.customer_id, order.category)] = (order.id, order.number)
    else:
        order.id = _INSERT_ORDER[connection.dialect.name].scalar(connection, values)
    if order.id is None:  # the key is taken; the number drawn for this try is a gap
        replay = _replay(session, actor=actor, key=intake.idempotency_key)
        if replay is None:
            raise Conflict.field("idempotency_key", T_("taken by an order being written; retry"))
        return replay
    make_transient_to_detached(order)
    session.add(order)
    events = decision.events
    if plan.previous is not None:
        events = (*events, states.Event("order.repeat_call", {"repeat_of": plan.previous[1], "repeat_of_id": plan.previous[0]}))
    record_events(session, actor, now, order, events, status_from=None, note=order.dispatch_reason)
    audit.record(session, actor=actor, at=now, action="order.create", entity="order", entity_id=order.id, after=audit_view(order), org_path=order.org_path, new_stream=True)
    if intake.knowledge_article_id is not None and plan.answer:
        from gridcare.knowledge import service as knowledge

        knowledge.count_use(session, actor=actor, now=now, article_id=intake.knowledge_article_id, order_id=order.id)  # read and checked in _answer_of
    # Fault triage runs in the worker, shortly after the commit (outages.storm.TRIAGE_DELAY):
    # the cluster analysis of a storm must not slow every call of it. Absorbed calls are
    # triaged too: calls under several small outages may show that one device above them is out.
    if order.category == states.Category.REPAIR.value and order.supply_point is not None:
        from gridcare.outages.storm import TRIAGE_DELAY

        outbox.enqueue(session, topic="outages.triage", now=now, not_before=now + TRIAGE_DELAY, payload={"order_id": order.id, "supply_point": order.supply_point, "utility": order.utility, "taken_at": now.timestamp()})
    return Created(order, replayed=False)


REPEAT_WINDOW = timedelta(days=7)
_RECENT_SAME_DEMAND = Prepared(
    select(WorkOrder.id, WorkOrder.number)
    .where(WorkOrder.customer_id == bindparam("customer_id"), WorkOrder.category == bindparam("category"), WorkOrder.created_at >= bindparam("since"))
    .order_by(WorkOrder.created_at.desc())
    .limit(1)
)


_RECENT_DEMANDS = select(WorkOrder.customer_id, WorkOrder.category, WorkOrder.id, WorkOrder.number, WorkOrder.created_at).where(
    WorkOrder.customer_id.in_(bindparam("customer_ids", expanding=True)), WorkOrder.created_at >= bindparam("since")
)


_RECENT_AHEAD = "workorders.recent"  # session.info: (since, customers asked, {(customer, category): (id, number, created_at)})


def read_intake_ahead(session: Session, intakes: list[tuple[Intake, datetime]]) -> None:
    """Intake's reads for a whole group-commit batch of (intake, now): the callers by
    account, their orders in the repeat window and the outages that would absorb their repair
    calls, one query each per batch instead of per order; ``plan_order`` then finds them in
    the transaction (``GroupCommit.run(ahead=)``)."""
    from gridcare.customers import service as customers
    from gridcare.outages import storm

    callers = customers.read_callers_ahead(session, accounts=[intake.account for intake, _now in intakes if intake.customer_id is None and intake.account])
    if not callers:
        return
    since = min(now for _intake, now in intakes) - REPEAT_WINDOW
    customer_ids = {c.id for c in callers.values()}
    latest: dict[tuple[int, str], tuple[int, str, datetime]] = {}
    for customer_id, category, order_id, number, created_at in session.connection().execute(_RECENT_DEMANDS, {"customer_ids": sorted(customer_ids), "since": since}):
        found = latest.get((customer_id, category))
        if found is None or created_at > found[2]:
            latest[(customer_id, category)] = (order_id, number, created_at)
    session.info[_RECENT_AHEAD] = (since, customer_ids, latest)
    repairs = {intake.account.strip() for intake, _now in intakes if intake.category == states.Category.REPAIR.value and intake.account}
    storm.read_absorbing_ahead(session, customer_ids=sorted({callers[a].id for a in repairs if a in callers}))


def _recent_same_demand(session: Session, *, customer_id: int | None, category: str, now: datetime) -> tuple[int, str] | None:
    """The customer's latest order of this category within the repeat window (重复来电)."""
    if customer_id is None:
        return None
    waiting = session.info.get(_WAITING_ORDERS, {}).get((customer_id, category))
    if waiting is not None:  # taken earlier in this batch: its row is not written yet
        return waiting
    ahead = session.info.get(_RECENT_AHEAD)
    if ahead is not None and customer_id in ahead[1] and now - REPEAT_WINDOW >= ahead[0]:
        latest = ahead[2].get((customer_id, category))
        return latest[:2] if latest is not None and latest[2] >= now - REPEAT_WINDOW else None
    found = _RECENT_SAME_DEMAND.first(session.connection(), {"customer_id": customer_id, "category": category, "since": now - REPEAT_WINDOW})
    return (found[0], found[1]) if found is not None else None
