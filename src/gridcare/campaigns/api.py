"""REST: campaigns — plan (send now or at ``send_at``), preview the audience, send,
cancel, delivery statistics; opt-outs (退订), including an SMS reply "TD" from a gateway."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, status
from pydantic import BaseModel, Field

from gridcare.campaigns import service
from gridcare.campaigns.models import Campaign
from gridcare.core.i18n import restored
from gridcare.web.deps import CsrfChecked, CurrentPrincipal, DbSession, State

router = APIRouter(prefix="/api/v1/campaigns", tags=["campaigns"], dependencies=[CsrfChecked])


class TargetIn(BaseModel):
    grid_ids: list[int] = Field(default_factory=list)
    tag: str | None = Field(default=None, description="major, protected, sensitive or supervised")
    polygon: dict[str, Any] | None = Field(default=None, description="GeoJSON Polygon (WGS84)")
    node: dict[str, str] | None = Field(default=None, description='{"utility": "water", "code": "V1"}: customers downstream')


class CampaignIn(BaseModel):
    title: str = Field(max_length=100)
    text: str = Field(max_length=500)
    channel: str = Field(default="sms", description="sms, email or voice")
    topic: str = Field(default="policy", description="policy, water_outage, power_outage, billing or safety")
    target: TargetIn
    send_at: datetime | None = Field(default=None, description="when to send; now when not given (the job sends within a minute)")


class PreviewIn(BaseModel):
    target: TargetIn
    channel: str = "sms"
    topic: str = "policy"


class OptOutIn(BaseModel):
    customer_id: int
    channel: str = "sms"
    topic: str = Field(default="*", description="a topic, or * for all campaigns")
    note: str = Field(default="", max_length=200)


class ReplyIn(BaseModel):
    phone: str = Field(max_length=40)
    text: str = Field(max_length=200)


def view(session: Any, campaigns: list[Campaign]) -> list[dict[str, Any]]:
    # "error" is a Text: English in the API, the reader's language on the page.
    stats = service.delivery(session, campaign_ids=[c.id for c in campaigns])
    return [
        {"id": c.id, "title": c.title, "text": c.text, "channel": c.channel, "topic": c.topic, "target": {k: v for k, v in c.target.items() if k != "scope_grid_ids"},
         "status": c.status, "send_at": c.send_at, "sent_at": c.sent_at, "recipients": c.recipients, "opted_out": c.opted_out, "unreachable": c.unreachable, "error": restored(c.error_message, c.error), "created_by": c.created_by, "delivery": stats[c.id]}
        for c in campaigns
    ]


@router.get("")
def list_campaigns(session: DbSession, principal: CurrentPrincipal, limit: int = 100) -> list[dict[str, Any]]:
    return view(session, service.list_campaigns(session, actor=principal, limit=max(1, min(limit, 500))))


@router.post("", status_code=status.HTTP_201_CREATED)
def create(body: CampaignIn, session: DbSession, principal: CurrentPrincipal, state: State) -> dict[str, Any]:
    campaign = service.create_campaign(session, actor=principal, now=state.clock.now(), title=body.title, text=body.text, channel=body.channel, topic=body.topic,
                                       target=body.target.model_dump(), send_at=body.send_at)
    return view(session, [campaign])[0]


@router.post("/preview")
def preview(body: PreviewIn, session: DbSession, principal: CurrentPrincipal) -> dict[str, int]:
    """How many customers the target reaches, and how many of them opted out."""
    return service.preview(session, actor=principal, target=body.target.model_dump(), channel=body.channel, topic=body.topic)


@router.get("/opt-outs")
def opt_outs(session: DbSession, principal: CurrentPrincipal) -> list[dict[str, Any]]:
    return service.list_opt_outs(session, actor=principal)


@router.post("/opt-outs", status_code=status.HTTP_201_CREATED)
def add_opt_out(body: OptOutIn, session: DbSession, principal: CurrentPrincipal, state: State) -> dict[str, Any]:
    service.opt_out(session, actor=principal, now=state.clock.now(), customer_id=body.customer_id, channel=body.channel, topic=body.topic, via="api", note=body.note)
    return {"customer_id": body.customer_id, "channel": body.channel, "topic": body.topic}


@router.delete("/opt-outs/{opt_out_id}", status_code=status.HTTP_204_NO_CONTENT)
def remove_opt_out(opt_out_id: int, session: DbSession, principal: CurrentPrincipal, state: State) -> None:
    service.opt_back_in(session, actor=principal, now=state.clock.now(), opt_out_id=opt_out_id)


@router.post("/replies")
def reply(body: ReplyIn, session: DbSession, principal: CurrentPrincipal, state: State) -> dict[str, Any]:
    """A customer's SMS reply, posted by the SMS gateway: "TD" or "退订" opts them out."""
    found = service.reply(session, actor=principal, now=state.clock.now(), phone=body.phone, text=body.text)
    return {"opted_out": bool(found), "customers": found}


@router.get("/{campaign_id}")
def get(campaign_id: int, session: DbSession, principal: CurrentPrincipal) -> dict[str, Any]:
    return view(session, [service.get_campaign(session, actor=principal, campaign_id=campaign_id)])[0]


@router.post("/{campaign_id}/send")
def send(campaign_id: int, session: DbSession, principal: CurrentPrincipal, state: State) -> dict[str, Any]:
    return view(session, [service.send(session, actor=principal, now=state.clock.now(), campaign_id=campaign_id)])[0]


@router.post("/{campaign_id}/cancel")
def cancel(campaign_id: int, session: DbSession, principal: CurrentPrincipal, state: State) -> dict[str, Any]:
    return view(session, [service.cancel(session, actor=principal, now=state.clock.now(), campaign_id=campaign_id)])[0]
