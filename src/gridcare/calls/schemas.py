from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field


class CtiEventIn(BaseModel):
    """One CTI event. Field names are gridcare's; a PBX's other fields are kept as sent."""

    model_config = ConfigDict(extra="allow")
    call_id: str = Field(min_length=1, max_length=120, validation_alias=AliasChoices("call_id", "callid", "uniqueid"), description="The PBX's id of the call (Asterisk ${UNIQUEID}, FreeSWITCH Unique-ID)")
    event: Literal["ringing", "answered", "transferred", "ended", "survey"] = Field(description="survey: the caller's rating in the IVR after the call, in ``score``")
    timestamp: datetime | None = Field(default=None, validation_alias=AliasChoices("timestamp", "at", "time"), description="When it happened: ISO 8601 or Unix seconds; no offset means Asia/Shanghai; absent means now")
    caller: str = Field(default="", max_length=64, description="The calling number as the PBX has it, in any format")
    callee: str = Field(default="", max_length=64, description="The number called: the hotline or a local repair line")
    direction: Literal["inbound", "outbound", ""] = ""
    queue: str = Field(default="", max_length=40)
    agent_extension: str = Field(default="", max_length=20, validation_alias=AliasChoices("agent_extension", "extension", "agent"), description="The seat the call rings at, was answered at, or was transferred to")
    recording_url: str = Field(default="", max_length=500)
    event_id: str | None = Field(default=None, max_length=120, description="The PBX's id of this event, if it has one; else call id, event and timestamp identify it")
    source: str | None = Field(default=None, max_length=64, description="Which PBX; defaults to the token's user, so call ids from two PBXs never collide")
    score: int | None = Field(default=None, validation_alias=AliasChoices("score", "satisfaction"), description="survey: 1 (very dissatisfied) to 5 (very satisfied)")


class CallOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    source: str
    call_id: str
    direction: str
    caller: str
    caller_e164: str | None
    callee: str
    line_id: int | None
    queue: str
    agent_extension: str
    agent_user_id: int | None
    state: str
    outcome: str | None
    ringing_at: datetime | None
    answered_at: datetime | None
    transferred_at: datetime | None
    ended_at: datetime | None
    started_at: datetime
    wait_seconds: int | None
    duration_seconds: int | None
    transfers: int
    recording_url: str
    customer_id: int | None
    customers_matched: int
    work_order_id: int | None
    qa_sampled_at: datetime | None
    satisfaction: int | None
    resolved_on_call: bool = Field(description="The agent answered a demand on this call at once (当场解答)")


class IngestOut(CallOut):
    duplicate: bool = Field(description="The event was seen before: nothing changed")


class RouteOut(BaseModel):
    destination: Literal["rep", "expert", "general", "outage"]
    extension: str | None
    phone: str | None = Field(description="The rep's phone, for a PBX that forwards to mobiles when the rep has no extension")
    user: dict[str, Any] | None
    reason: str
    outage: dict[str, Any] | None


class StatusIn(BaseModel):
    status: Literal["available", "busy", "away", "after_call"]


class ExtensionIn(BaseModel):
    extension: str = Field(max_length=20)


class SeatOut(BaseModel):
    user_id: int
    name: str
    login: str
    role: str
    extension: str
    status: str
    since: datetime
    call_id: int | None
    shift_starts_at: datetime | None = Field(default=None, description="The roster's shift the agent is on now")
    shift_ends_at: datetime | None = None
    adherence: Literal["missing", "off_shift"] | None = Field(default=None, description="missing: due on a shift and away; off_shift: signed in with no shift")


class LineIn(BaseModel):
    number: str = Field(max_length=64)
    name: str = Field(max_length=100)
    org_unit_id: int


class LineOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    number: str
    e164: str
    name: str
    org_unit_id: int
    active: bool


class LinePatch(BaseModel):
    active: bool


class LinkIn(BaseModel):
    customer_id: int


class NewCustomerIn(BaseModel):
    account: str = Field(max_length=40)
    name: str = Field(max_length=200)
    address: str = Field(default="", max_length=400)
    utility: str = "electric"
    phone: str | None = Field(default=None, max_length=64, description="Defaults to the number the caller called from")


class OrderFromCallIn(BaseModel):
    category: str
    description: str = Field(default="", max_length=4000)
    customer_id: int | None = None
    caller_name: str = Field(default="", max_length=100)
    address: str = Field(default="", max_length=400)
    idempotency_key: str | None = Field(default=None, max_length=120)
    answer: str = Field(default="", max_length=4000, description="Answered at intake (当场解答): what the customer was told. The order is closed as it is taken, with nobody dispatched; only a consultation, suggestion or praise")
    knowledge_article_id: int | None = Field(default=None, description="The knowledge-base article the answer came from: counted as a use, linked from the order. Without ``answer``, its title is the answer")


class OrderRef(BaseModel):
    id: int
    number: str
    status: str
    handler_id: int | None
    dispatch_reason: str
    replayed: bool


class ScoreIn(BaseModel):
    scores: dict[str, Any] = Field(description="Every checklist item's key with a whole number from 0 to its weight")
    comment: str = ""


class ScoreOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    call_record_id: int
    checklist_id: int
    scorer: str
    agent_user_id: int | None
    scores: dict[str, Any]
    total: int
    max_total: int
    comment: str
    scored_at: datetime


class ChecklistItem(BaseModel):
    key: str
    label: str
    weight: int


class ChecklistIn(BaseModel):
    code: str
    name: str
    items: list[dict[str, Any]]


class ChecklistOut(BaseModel):
    id: int | None
    code: str
    name: str
    items: list[ChecklistItem]
    max_total: int


class SampleIn(BaseModel):
    from_: datetime | None = Field(default=None, alias="from")
    to: datetime | None = None
    percent: float = 5.0
