"""Grids' WeCom service groups and campaigns (一短信一推广) to a grid's customers and groups."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridcare.audit import service as audit
from gridcare.auth.rules import Action
from gridcare.auth.scoping import require
from gridcare.core.errors import FieldProblem, InvalidInput, NotFound
from gridcare.core.i18n import N_, T_
from gridcare.core.principal import Principal
from gridcare.notify import recipients, service
from gridcare.notify.models import Campaign, WecomGroup

AUDIENCES = {
    "mixed": N_("Mixed"),
    "property_managers": N_("Property managers"),
    "village_heads": N_("Village heads"),
    "key_customers": N_("Key customers"),
}
MAX_CAMPAIGN_CHARS = 500
Progress = Callable[[str, int, int], None]


def masked(url: str) -> str:
    """The webhook as pages show it: its key is a password to post into the group."""
    parts = urlsplit(url)
    key = parse_qs(parts.query).get("key", [""])[0]
    shown = f"{key[:4]}…{key[-4:]}" if len(key) > 10 else "…"
    return f"{parts.scheme}://{parts.netloc}{parts.path}?key={shown}" if key else f"{parts.scheme}://{parts.netloc}{parts.path}"


def _visible_grid_ids(session: Session, actor: Principal) -> set[int]:
    from gridcare.grids import service as grids

    return {g.id for g in grids.list_grids(session, actor=actor)}


def list_groups(session: Session, *, actor: Principal, grid_id: int | None = None) -> list[WecomGroup]:
    visible = _visible_grid_ids(session, actor)
    if grid_id is not None:
        visible &= {grid_id}
    if not visible:
        return []
    stmt = select(WecomGroup).where(WecomGroup.grid_id.in_(sorted(visible))).order_by(WecomGroup.grid_id, WecomGroup.id)
    return list(session.scalars(stmt))


def _validate(name: str, webhook_url: str, audience: str) -> list[FieldProblem]:
    problems = []
    if not name.strip() or len(name.strip()) > 100:
        problems.append(FieldProblem("name", T_("must be %(low)s to %(high)s characters", low=1, high=100)))
    parts = urlsplit(webhook_url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or len(webhook_url) > 500:
        problems.append(FieldProblem("webhook_url", T_("must be the robot's http(s) webhook address (at most %(n)s characters)", n=500)))
    if audience not in AUDIENCES:
        problems.append(FieldProblem("audience", T_("must be one of %(choices)s", choices=", ".join(AUDIENCES))))
    return problems


def _view(group: WecomGroup) -> dict[str, Any]:
    return {"grid_id": group.grid_id, "name": group.name, "audience": group.audience, "webhook": masked(group.webhook_url), "enabled": group.enabled}


def get_group(session: Session, *, actor: Principal, group_id: int) -> WecomGroup:
    group = session.get(WecomGroup, group_id)
    if group is None or group.grid_id not in _visible_grid_ids(session, actor):
        raise NotFound(T_("group_id: no WeCom group %(id)s in your scope", id=group_id))
    return group


def save_group(
    session: Session,
    *,
    actor: Principal,
    now: datetime,
    grid_id: int,
    name: str,
    webhook_url: str | None,
    audience: str = "mixed",
    enabled: bool = True,
    group_id: int | None = None,
) -> WecomGroup:
    """Create a group, or change one (``webhook_url`` None keeps the stored one)."""
    from gridcare.grids import service as grids

    require(actor, Action.NOTIFY_MANAGE)
    grid = grids.get_grid(session, actor=actor, grid_id=grid_id)
    group = get_group(session, actor=actor, group_id=group_id) if group_id is not None else None
    url = webhook_url.strip() if webhook_url else (group.webhook_url if group is not None else "")
    problems = _validate(name, url, audience)
    if problems:
        raise InvalidInput.many(problems)
    before = _view(group) if group is not None else None
    if group is None:
        group = WecomGroup(grid_id=grid.id, name=name.strip(), audience=audience, webhook_url=url, enabled=enabled, created_at=now, updated_at=now)
        session.add(group)
        session.flush()
    else:
        group.grid_id, group.name, group.audience, group.webhook_url, group.enabled, group.updated_at = grid.id, name.strip(), audience, url, enabled, now
    audit.record(session, actor=actor, at=now, action="wecom_group.save", entity="wecom_group", entity_id=group.id, before=before, after=_view(group), org_path=grid.org_path, new_stream=before is None)
    return group


def delete_group(session: Session, *, actor: Principal, now: datetime, group_id: int) -> None:
    from gridcare.grids import service as grids

    require(actor, Action.NOTIFY_MANAGE)
    group = get_group(session, actor=actor, group_id=group_id)
    grid = grids.get_grid(session, actor=actor, grid_id=group.grid_id)
    audit.record(session, actor=actor, at=now, action="wecom_group.delete", entity="wecom_group", entity_id=group.id, before=_view(group), after=None, org_path=grid.org_path)
    session.delete(group)


def test_group(session: Session, *, actor: Principal, now: datetime, group_id: int, config: service.NotifyConfig | None = None) -> int:
    """Post a test message to the group's robot; returns the notification's id."""
    from gridcare.grids import service as grids

    require(actor, Action.NOTIFY_MANAGE)
    group = get_group(session, actor=actor, group_id=group_id)
    grid = grids.get_grid(session, actor=actor, grid_id=group.grid_id)
    recipient = recipients.Recipient(kind="grid_group", id=group.id, name=group.name, locale=actor.locale, org_path=grid.org_path, grid_id=grid.id, addresses={"wecom": f"wecom:{group.id}"})
    config = config or service.current_config()
    return service.record(session, now=now, config=config, planner=service.Planner.of(session, config), recipient=recipient, channel="wecom", event="notify.test",
                          context={"target": f"{grid.name} · {group.name}"}, urgent=True, source=None, dedupe=f"test:{now.isoformat()}")


def send_campaign(
    session: Session,
    *,
    actor: Principal,
    now: datetime,
    grid_id: int,
    text: str,
    to_customers: bool = True,
    to_groups: bool = True,
    tag: str | None = None,
    progress: Progress | None = None,
    config: service.NotifyConfig | None = None,
) -> Campaign:
    """A free-text message to every customer of the grid (optionally only those with
    ``tag``) by SMS, signed with the grid rep's name and phone, and to its WeCom groups.
    Non-urgent: it waits out quiet hours and the SMS rate limit."""
    from gridcare.customers import service as customers
    from gridcare.grids import service as grids

    require(actor, Action.NOTIFY_MANAGE)
    problems = []
    if not text.strip() or len(text.strip()) > MAX_CAMPAIGN_CHARS:
        problems.append(FieldProblem("text", T_("must be %(low)s to %(high)s characters", low=1, high=MAX_CAMPAIGN_CHARS)))
    if not (to_customers or to_groups):
        problems.append(FieldProblem("to_customers", T_("choose the customers, the WeCom groups or both")))
    if tag is not None and tag not in customers.TAGS:
        problems.append(FieldProblem("tag", T_("must be one of %(choices)s", choices=", ".join(customers.TAGS))))
    if problems:
        raise InvalidInput.many(problems)
    grid = grids.get_grid(session, actor=actor, grid_id=grid_id)
    campaign = Campaign(grid_id=grid.id, org_path=grid.org_path, text=text.strip(), to_customers=to_customers, to_groups=to_groups, tag=tag, recipients=0, created_by=actor.user_id, created_at=now)
    session.add(campaign)
    session.flush()
    config = config or service.current_config()
    planner = service.Planner.of(session, config)
    source = ("campaign", campaign.id)
    context = {"text": campaign.text}
    sent = 0
    if to_groups:
        for recipient in recipients.group_recipients(session, grid_id=grid.id):
            service.record(session, now=now, config=config, planner=planner, recipient=recipient, channel="wecom", event="campaign", context=context, urgent=False, source=source)
            sent += 1
    if to_customers:
        signatures: dict[int | None, Any] = {}
        page, done = 500, 0
        _rows, total = customers.search(session, actor=actor, grid_id=grid.id, tag=tag, limit=1)
        while done < total:
            rows, _ = customers.search(session, actor=actor, grid_id=grid.id, tag=tag, limit=page, offset=done)
            if not rows:
                break
            found = recipients.customer_recipients(session, rows, signatures=signatures)
            service.record_many(session, now=now, config=config, planner=planner, event="campaign", messages=[service.Outgoing(r, "sms", context, source) for r in found], urgent=False)
            done += len(rows)
            sent += len(rows)
            if progress is not None:
                progress("customers", done, total)
    campaign.recipients = sent
    # Its own stream: "campaign" is the campaigns domain's (their ids collide).
    audit.record(session, actor=actor, at=now, action="campaign.send", entity="notify_campaign", entity_id=campaign.id, after={"grid_id": grid.id, "recipients": sent, "tag": tag, "text": campaign.text}, org_path=grid.org_path, new_stream=True)
    return campaign


def list_campaigns(session: Session, *, actor: Principal, limit: int = 50) -> list[Campaign]:
    require(actor, Action.NOTIFY_MANAGE)
    stmt = select(Campaign).where(Campaign.org_path.startswith(actor.org_path, autoescape=True)).order_by(Campaign.created_at.desc(), Campaign.id.desc()).limit(limit)
    return list(session.scalars(stmt))
