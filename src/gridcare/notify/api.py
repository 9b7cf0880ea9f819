"""REST: the notification log (scoped), pop-up acknowledgement, retry of dead letters,
grids' WeCom groups and campaigns."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Response, status

from gridcare.core.errors import InvalidInput
from gridcare.core.i18n import T_
from gridcare.notify import groups, queries, service
from gridcare.notify.schemas import (
    CampaignIn,
    CampaignOut,
    CountOut,
    GroupIn,
    GroupOut,
    NotificationDetail,
    NotificationOut,
)
from gridcare.web.deps import CsrfChecked, CurrentPrincipal, DbSession, State

router = APIRouter(prefix="/api/v1/notifications", tags=["notifications"], dependencies=[CsrfChecked])


def _filters(state: str | None, channel: str | None, recipient: str | None, source: str | None, since: datetime | None, event: str | None, mine: bool, unacknowledged: bool) -> queries.LogFilter:
    return queries.LogFilter(state=state or None, channel=channel or None, recipient=recipient or None, source=source or None, since=since, event=event or None, mine=mine, unacknowledged=unacknowledged)


@router.get("", response_model=list[NotificationOut])
def list_notifications(
    response: Response,
    session: DbSession,
    principal: CurrentPrincipal,
    state: str | None = None,
    channel: str | None = None,
    recipient: str | None = None,
    source: str | None = None,
    since: datetime | None = None,
    event: str | None = None,
    mine: bool = False,
    unacknowledged: bool = False,
    limit: int = 100,
    offset: int = 0,
) -> Any:
    """Newest first. ``recipient``: user:ID, customer:ID, grid_group:ID, or part of a phone
    or name; ``source``: e.g. order:12; ``since``: ISO time (Asia/Shanghai when no zone);
    ``unacknowledged``: your pop-ups still waiting for "Acknowledge". The total is in the
    X-Total-Count header."""
    rows, total = queries.list_notifications(session, actor=principal, filters=_filters(state, channel, recipient, source, since, event, mine, unacknowledged), limit=max(1, min(limit, 1000)), offset=max(0, offset))
    response.headers["X-Total-Count"] = str(total)
    return rows


@router.get("/summary", response_model=list[CountOut])
def summary(session: DbSession, principal: CurrentPrincipal, recipient: str | None = None, source: str | None = None, since: datetime | None = None, event: str | None = None) -> Any:
    """How many messages are in each state on each channel."""
    found = queries.counts(session, actor=principal, filters=_filters(None, None, recipient, source, since, event, False, False))
    return [CountOut(state=s, channel=c, count=n) for (s, c), n in sorted(found.items())]


def _group_out(g: Any) -> GroupOut:
    return GroupOut(id=g.id, grid_id=g.grid_id, name=g.name, audience=g.audience, webhook=groups.masked(g.webhook_url), enabled=g.enabled, updated_at=g.updated_at)


@router.get("/groups", response_model=list[GroupOut])
def list_groups(session: DbSession, principal: CurrentPrincipal, grid_id: int | None = None) -> Any:
    """Grids' WeCom service groups (property managers, village heads, key customers)."""
    return [_group_out(g) for g in groups.list_groups(session, actor=principal, grid_id=grid_id)]


@router.post("/groups", response_model=GroupOut, status_code=status.HTTP_201_CREATED)
def create_group(body: GroupIn, session: DbSession, principal: CurrentPrincipal, state: State) -> Any:
    if not body.webhook_url:
        raise InvalidInput.field("webhook_url", T_("is required for a new group"))
    return _group_out(groups.save_group(session, actor=principal, now=state.clock.now(), **body.model_dump()))


@router.put("/groups/{group_id}", response_model=GroupOut)
def update_group(group_id: int, body: GroupIn, session: DbSession, principal: CurrentPrincipal, state: State) -> Any:
    return _group_out(groups.save_group(session, actor=principal, now=state.clock.now(), group_id=group_id, **body.model_dump()))


@router.delete("/groups/{group_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_group(group_id: int, session: DbSession, principal: CurrentPrincipal, state: State) -> Response:
    groups.delete_group(session, actor=principal, now=state.clock.now(), group_id=group_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/groups/{group_id}/test", response_model=NotificationOut, status_code=status.HTTP_202_ACCEPTED)
def test_group(group_id: int, session: DbSession, principal: CurrentPrincipal, state: State) -> Any:
    """Post a test message to the group's robot; follow its state in the log."""
    note_id = groups.test_group(session, actor=principal, now=state.clock.now(), group_id=group_id, config=service.config_from(state.settings))
    return queries.get_notification(session, actor=principal, notification_id=note_id)


@router.get("/campaigns", response_model=list[CampaignOut])
def list_campaigns(session: DbSession, principal: CurrentPrincipal, limit: int = 50) -> Any:
    return groups.list_campaigns(session, actor=principal, limit=max(1, min(limit, 500)))


@router.post("/campaigns", response_model=CampaignOut, status_code=status.HTTP_201_CREATED)
def send_campaign(body: CampaignIn, session: DbSession, principal: CurrentPrincipal, state: State) -> Any:
    """A free-text message to a grid's customers (SMS, signed with the grid rep's name and
    phone) and/or its WeCom groups. For large grids prefer ``gridcare notify campaign``."""
    from gridcare.grids import service as grids

    grid_id = body.grid_id
    if grid_id is None and body.grid_code:
        grid = grids.find_grid_by_code(session, code=body.grid_code.strip())
        if grid is None:
            raise InvalidInput.field("grid_code", T_("no grid with code %(code)r", code=body.grid_code))
        grid_id = grid.id
    if grid_id is None:
        raise InvalidInput.field("grid_id", T_("give grid_id or grid_code"))
    return groups.send_campaign(
        session, actor=principal, now=state.clock.now(), grid_id=grid_id, text=body.text, to_customers=body.to_customers, to_groups=body.to_groups, tag=body.tag or None, config=service.config_from(state.settings)
    )


@router.get("/{notification_id}", response_model=NotificationDetail)
def get(notification_id: int, session: DbSession, principal: CurrentPrincipal) -> Any:
    note = queries.get_notification(session, actor=principal, notification_id=notification_id)
    fallbacks = [NotificationOut.model_validate(n) for n in queries.children(session, notification_id=note.id)]
    return NotificationDetail(**NotificationOut.model_validate(note).model_dump(), context=note.context, fallbacks=fallbacks)


@router.post("/{notification_id}/ack", response_model=NotificationOut)
def acknowledge(notification_id: int, session: DbSession, principal: CurrentPrincipal, state: State) -> Any:
    """The recipient acknowledges a pop-up: its SMS and voice fallback stop."""
    return service.acknowledge(session, actor=principal, now=state.clock.now(), notification_id=notification_id)


@router.post("/{notification_id}/retry", response_model=NotificationOut)
def retry(notification_id: int, session: DbSession, principal: CurrentPrincipal, state: State) -> Any:
    """Managers: send a dead letter again."""
    return service.retry(session, actor=principal, now=state.clock.now(), notification_id=notification_id)

