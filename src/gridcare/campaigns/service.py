"""Campaign use cases: plan one for a target, send it (now, or when the job finds it due),
cancel it, and keep the customers' opt-outs. Messages go through the notify service, so
quiet hours, rate limits and delivery retries apply as to every other message."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from gridcare.audit import service as audit
from gridcare.campaigns import audience, rules, sending
from gridcare.campaigns.models import Campaign, OptOut
from gridcare.contractors.permissions import Capability, require
from gridcare.core.errors import DomainError, InvalidInput, NotFound
from gridcare.core.i18n import T_, Label, as_stored
from gridcare.core.principal import Principal, system_principal

SOURCE = "campaigns"  # notifications' source_kind (notify's own simple campaigns use "campaign")
EVENT = "campaigns.message"
Progress = Callable[[str, int, int], None]


def _visible(stmt: Any, actor: Principal) -> Any:
    return stmt.where(Campaign.org_path.startswith(actor.org_path, autoescape=True))


def get_campaign(session: Session, *, actor: Principal, campaign_id: int, lock: bool = False) -> Campaign:
    require(actor, Capability.CAMPAIGNS_MANAGE)
    stmt = _visible(select(Campaign).where(Campaign.id == campaign_id), actor)
    found = session.scalar(stmt.with_for_update() if lock else stmt)
    if found is None:
        raise NotFound(T_("campaign_id: no campaign %(id)s in your scope", id=campaign_id))
    return found


def list_campaigns(session: Session, *, actor: Principal, limit: int = 100) -> list[Campaign]:
    require(actor, Capability.CAMPAIGNS_MANAGE)
    return list(session.scalars(_visible(select(Campaign), actor).order_by(Campaign.send_at.desc(), Campaign.id.desc()).limit(limit)))


def scope_grids(session: Session, *, actor: Principal) -> list[int]:
    """The grids the sender may reach: a rep only their own, a supervisor their subtree's."""
    from gridcare.grids import service as grids

    return [g.id for g in grids.list_grids(session, actor=actor)]


def reachable(session: Session, *, actor: Principal) -> set[int]:
    return audience.in_grids(session, grid_ids=scope_grids(session, actor=actor))


def resolve(session: Session, *, actor: Principal, target: rules.Target, channel: str, topic: str, within: set[int] | None = None) -> tuple[list[int], list[int]]:
    """(customers to message, customers spared by their opt-out), both sorted."""
    from gridcare.customers import service as customers
    from gridcare.network import service as network

    criteria: list[set[int] | None] = [None, None, None, None]
    if target.grid_ids:
        criteria[0] = audience.in_grids(session, grid_ids=target.grid_ids)
    if target.tag:
        criteria[1] = audience.with_tag(session, tag=target.tag)
    if target.polygon is not None:
        found = set()
        for utility in ("electric", "water", "gas"):
            found |= {b.id for b in customers.briefs_in_polygon(session, utility=utility, polygon=target.polygon)}
        criteria[2] = found
    if target.node is not None:
        utility, code = target.node
        if code not in network.assets_by_code(session, utility=utility, codes=[code]):
            raise InvalidInput.field("target.node", T_("no %(utility)s network node %(code)r", utility=Label("utility", utility), code=code))
        points = network.downstream_supply_points(session, utility=utility, device=code)
        criteria[3] = {b.id for b in customers.briefs_on_supply_points(session, utility=utility, codes=sorted(points))}
    chosen = rules.combine(criteria, reachable(session, actor=actor) if within is None else within)
    rows = session.execute(select(OptOut.customer_id, OptOut.channel, OptOut.topic).where(OptOut.channel == channel)).all()
    spared = rules.spared(rows, channel=channel, topic=topic) & chosen
    return sorted(chosen - spared), sorted(spared)


def _check_grids(session: Session, *, actor: Principal, target: rules.Target) -> None:
    """Every grid of the target must be one the sender may open; read at once, not grid by grid."""
    from gridcare.grids import service as grids

    if not target.grid_ids:
        return
    mine = grids.openable(session, actor=actor, ids=target.grid_ids)
    missing = [gid for gid in target.grid_ids if gid not in mine]
    if missing:
        raise InvalidInput.field("target.grid_ids", T_("no grid %(id)s in your scope", id=missing[0]))


def create_campaign(session: Session, *, actor: Principal, now: datetime, title: str, text: str, channel: str = "sms", topic: str = "policy", target: dict[str, Any] | None = None, send_at: datetime | None = None) -> Campaign:
    """Plan a campaign; it goes at ``send_at`` (now when not given) through the job, or at
    once with ``send``."""
    require(actor, Capability.CAMPAIGNS_MANAGE)
    problems = rules.check_message(title=title, text=text, channel=channel, topic=topic)
    try:
        parsed = rules.parse_target(target)
    except InvalidInput as exc:
        problems += exc.problems
        parsed = None
    if problems:
        raise InvalidInput.many(problems)
    assert parsed is not None
    _check_grids(session, actor=actor, target=parsed)
    resolve(session, actor=actor, target=parsed, channel=channel, topic=topic)  # a bad node fails now, not at send time
    campaign = Campaign(
        title=title.strip(), text=text.strip(), channel=channel, topic=topic, target=parsed.as_json() | {"scope_grid_ids": scope_grids(session, actor=actor)}, status="scheduled", send_at=send_at or now,
        recipients=0, opted_out=0, unreachable=0, error="", org_path=actor.org_path, created_by=actor.login, created_at=now, updated_at=now,
    )
    session.add(campaign)
    session.flush()
    audit.record(session, actor=actor, at=now, action="campaign.plan", entity="campaign", entity_id=campaign.id, after={"title": campaign.title, "target": campaign.target, "send_at": campaign.send_at.isoformat()}, org_path=campaign.org_path, new_stream=True)
    return campaign


def preview(session: Session, *, actor: Principal, target: dict[str, Any], channel: str = "sms", topic: str = "policy") -> dict[str, int]:
    require(actor, Capability.CAMPAIGNS_MANAGE)
    parsed = rules.parse_target(target)
    _check_grids(session, actor=actor, target=parsed)
    to, spared = resolve(session, actor=actor, target=parsed, channel=channel, topic=topic)
    return {"recipients": len(to), "opted_out": len(spared)}


def send(session: Session, *, actor: Principal, now: datetime, campaign_id: int, progress: Progress | None = None, config: Any = None) -> Campaign:
    """Send a scheduled campaign now. The audience is resolved with the sender's scope as
    it is at sending (a customer who opted out since planning is spared)."""
    from gridcare.contractors import notifying

    campaign = get_campaign(session, actor=actor, campaign_id=campaign_id, lock=True)
    if campaign.status != "scheduled":
        raise InvalidInput.field("campaign_id", T_("only scheduled campaigns are sent; this one is %(status)s", status=Label("campaign", campaign.status, msgid=rules.STATUSES.get(campaign.status))))
    # The sender's reach is the planner's, kept with the campaign: the job sends as the system.
    within = audience.in_grids(session, grid_ids=campaign.target.get("scope_grid_ids") or [])
    to, spared = resolve(session, actor=actor, target=rules.parse_target(campaign.target), channel=campaign.channel, topic=campaign.topic, within=within)
    campaign.status = "sending"
    sent, unreachable = sending.to_customers(
        session, now=now, config=config or notifying.config(), customer_ids=to, channel=campaign.channel, event=EVENT, context={"title": campaign.title, "text": campaign.text},
        source=(SOURCE, campaign.id), dedupe=f"campaigns:{campaign.id}", progress=progress, stage="customers",
    )
    campaign.status, campaign.sent_at, campaign.recipients, campaign.opted_out, campaign.unreachable, campaign.updated_at = "sent", now, sent, len(spared), unreachable, now
    audit.record(session, actor=actor, at=now, action="campaign.send", entity="campaign", entity_id=campaign.id, after={"recipients": sent, "opted_out": len(spared), "unreachable": unreachable}, org_path=campaign.org_path)
    return campaign


def cancel(session: Session, *, actor: Principal, now: datetime, campaign_id: int) -> Campaign:
    campaign = get_campaign(session, actor=actor, campaign_id=campaign_id, lock=True)
    if campaign.status != "scheduled":
        raise InvalidInput.field("campaign_id", T_("only scheduled campaigns are cancelled; this one is %(status)s", status=Label("campaign", campaign.status, msgid=rules.STATUSES.get(campaign.status))))
    campaign.status, campaign.updated_at = "cancelled", now
    audit.record(session, actor=actor, at=now, action="campaign.cancel", entity="campaign", entity_id=campaign.id, before={"status": "scheduled"}, after={"status": "cancelled"}, org_path=campaign.org_path)
    return campaign


def find_due(session: Session, *, now: datetime) -> list[int]:
    """The scheduled campaigns whose time has come (reads only)."""
    return list(session.scalars(select(Campaign.id).where(Campaign.status == "scheduled", Campaign.send_at <= now).order_by(Campaign.send_at, Campaign.id)))


def release_due(session: Session, *, now: datetime, config: Any = None, ids: Sequence[int] | None = None) -> list[int]:
    """The job's round: send every scheduled campaign whose time has come (``ids``: only
    these, if still due). One that cannot go (its network node was removed since) is marked
    failed with the reason, so it never blocks the others round after round. Returns the ids sent."""
    due = [cid for cid in find_due(session, now=now) if ids is None or cid in ids]
    actor = system_principal("worker")
    sent = []
    for cid in due:
        try:
            with session.begin_nested():
                send(session, actor=actor, now=now, campaign_id=cid, config=config)
            sent.append(cid)
        except DomainError as exc:
            failed = session.get(Campaign, cid)
            if failed is not None:
                failed.status, failed.error, failed.error_message, failed.updated_at = "failed", exc.detail[:300], as_stored(exc.detail), now
                audit.record(session, actor=actor, at=now, action="campaign.fail", entity="campaign", entity_id=cid, after={"error": failed.error}, org_path=failed.org_path)
    return sent


# --- opt-outs (退订) -------------------------------------------------------------------------


def _insert_opt_out(session: Session, values: dict[str, Any]) -> None:
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(dialect.insert(OptOut).values(**values).on_conflict_do_nothing(index_elements=["customer_id", "channel", "topic"]))


def opt_out(session: Session, *, actor: Principal, now: datetime, customer_id: int, channel: str = "sms", topic: str = rules.ANY_TOPIC, via: str = "page", note: str = "") -> None:
    from gridcare.customers import service as customers

    require(actor, Capability.OPT_OUTS_RECORD)
    if channel not in rules.CHANNELS:
        raise InvalidInput.field("channel", T_("must be one of %(choices)s", choices=", ".join(rules.CHANNELS)))
    if topic != rules.ANY_TOPIC and topic not in rules.TOPICS:
        raise InvalidInput.field("topic", T_("must be * or one of %(choices)s", choices=", ".join(rules.TOPICS)))
    customer = customers.get_customer(session, actor=actor, customer_id=customer_id)
    _insert_opt_out(session, {"customer_id": customer.id, "channel": channel, "topic": topic, "via": via[:20], "note": note.strip()[:200], "created_at": now})
    audit.record(session, actor=actor, at=now, action="customer.opt_out", entity="customer", entity_id=customer.id, after={"channel": channel, "topic": topic, "via": via}, org_path=customer.org_path)


def opt_back_in(session: Session, *, actor: Principal, now: datetime, opt_out_id: int) -> None:
    from gridcare.customers import service as customers

    require(actor, Capability.OPT_OUTS_RECORD)
    row = session.get(OptOut, opt_out_id)
    if row is None:
        raise NotFound(T_("opt_out_id: no opt-out %(id)s", id=opt_out_id))
    customer = customers.get_customer(session, actor=actor, customer_id=row.customer_id)
    audit.record(session, actor=actor, at=now, action="customer.opt_in", entity="customer", entity_id=customer.id, before={"channel": row.channel, "topic": row.topic}, org_path=customer.org_path)
    session.delete(row)


def reply(session: Session, *, actor: Principal, now: datetime, phone: str, text: str) -> list[int]:
    """An SMS reply from a customer's phone: "TD"/"退订" opts every customer on that phone out
    of campaign SMS. Returns the customers opted out (none: not an opt-out, or unknown phone)."""
    from gridcare.customers import service as customers

    require(actor, Capability.OPT_OUTS_RECORD)
    if not phone.strip():
        raise InvalidInput.field("phone", T_("is required"))
    if not rules.is_opt_out_reply(text):
        return []
    # Only the customers the actor may see: a shared phone (one household, two utilities) must
    # neither opt out the other company's customer nor fail on it.
    found = customers.find_by_phone(session, actor=actor, phone=phone)
    for c in found:
        opt_out(session, actor=actor, now=now, customer_id=c.id, channel="sms", topic=rules.ANY_TOPIC, via="reply", note=text.strip()[:40])
    return [c.id for c in found]


def list_opt_outs(session: Session, *, actor: Principal, limit: int = 200) -> list[dict[str, Any]]:
    from gridcare.customers import service as customers

    require(actor, Capability.OPT_OUTS_RECORD)
    rows = list(session.scalars(select(OptOut).order_by(OptOut.created_at.desc(), OptOut.id.desc()).limit(limit)))
    briefs = customers.briefs(session, customer_ids=[r.customer_id for r in rows])
    visible = reachable(session, actor=actor)
    return [
        {"id": r.id, "customer_id": r.customer_id, "account": briefs[r.customer_id].account, "name": briefs[r.customer_id].name, "channel": r.channel, "topic": r.topic, "via": r.via, "created_at": r.created_at}
        for r in rows if r.customer_id in briefs and r.customer_id in visible
    ]


def delivery(session: Session, *, campaign_ids: list[int]) -> dict[int, dict[str, int]]:
    """Messages per delivery state, from the notifications each campaign produced."""
    from sqlalchemy import func

    from gridcare.notify.models import Notification

    out: dict[int, dict[str, int]] = {cid: {} for cid in campaign_ids}
    if campaign_ids:
        stmt = select(Notification.source_id, Notification.state, func.count()).where(Notification.source_kind == SOURCE, Notification.source_id.in_(campaign_ids)).group_by(Notification.source_id, Notification.state)
        for cid, state, n in session.execute(stmt):
            out[cid][state] = n
    return out
