from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from gridcare.web.phone import KeptOnPhone


class OrderIn(BaseModel):
    category: str = Field(description="consultation, repair, complaint, reconnection, service_request, suggestion or praise")
    channel: str = Field(default="web", description="hotline, letter, visit, web, onsite, patrol")
    description: str = Field(default="", max_length=4000)
    utility: str | None = None
    customer_id: int | None = None
    account: str | None = Field(default=None, max_length=40)
    phone: str | None = Field(default=None, max_length=40)
    caller_name: str = Field(default="", max_length=100)
    address: str = Field(default="", max_length=400)
    lon: float | None = None
    lat: float | None = None
    idempotency_key: str | None = Field(default=None, max_length=120, description="Retry-safe: the same key returns the same order")
    paid_at: datetime | None = Field(default=None, description="Reconnection: when the arrears were paid")
    answer: str = Field(default="", max_length=4000, description="Answered at intake (当场解答): what the customer was told. The order is closed as it is taken, with nobody dispatched; only a consultation, suggestion or praise")
    knowledge_article_id: int | None = Field(default=None, description="The knowledge-base article the answer came from: counted as a use, linked from the order. Without ``answer``, its title is the answer")


class CommandIn(KeptOnPhone):
    command: str = Field(description="accept, arrive, resolve, callback, close, request_transfer, …")
    args: dict[str, Any] = Field(default_factory=dict)


class LinkIn(BaseModel):
    other: str = Field(description="the related order's number (GD…) or id")
    note: str = Field(default="", max_length=200)


class CountdownOut(BaseModel):
    step: str
    due_at: datetime
    remaining_seconds: int
    state: str
    met_at: datetime | None


class AnsweredOut(BaseModel):
    """A demand answered as it was taken (当场解答), for the rep whose grid it is in."""

    model_config = ConfigDict(from_attributes=True)
    id: int
    number: str
    utility: str
    category: str
    question: str
    answer: str
    answered_by: str = Field(description="login of who answered")
    answerer_id: int | None
    answered_at: datetime
    caller_name: str
    address: str
    grid_id: int | None
    satisfaction: int | None = Field(description="the caller's rating in the survey after the call, 1–5")


class OrderOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    number: str
    status: str
    category: str
    channel: str
    utility: str
    description: str
    customer_id: int | None
    caller_name: str
    address: str
    grid_id: int | None
    handler_id: int | None
    dispatch_reason: str
    created_at: datetime
    accepted_at: datetime | None
    arrived_at: datetime | None
    resolved_at: datetime | None
    callback_at: datetime | None
    closed_at: datetime | None
    satisfaction: int | None
    escalation_level: int
    reopen_count: int


class EventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    at: datetime
    actor: str
    origin: str
    kind: str
    status_from: str | None
    status_to: str | None
    note: str
    data: dict[str, Any]


class OrderDetail(OrderOut):
    countdowns: list[CountdownOut]
    timeline: list[EventOut]
    commands: list[str]
