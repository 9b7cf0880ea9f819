from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class NotificationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    event: str
    channel: str
    recipient_kind: str
    recipient_id: int | None
    recipient_name: str
    address: str
    locale: str
    subject: str
    body: str
    urgent: bool
    state: str
    attempts: int
    provider_message_id: str | None
    last_error: str | None
    source_kind: str | None
    source_id: int | None
    created_at: datetime
    scheduled_at: datetime
    last_attempt_at: datetime | None
    delivered_at: datetime | None
    acknowledged_at: datetime | None
    ladder_step: int
    ladder_next_at: datetime | None
    ladder_stopped: str | None
    parent_id: int | None


class NotificationDetail(NotificationOut):
    context: dict[str, Any]
    fallbacks: list[NotificationOut]


class CountOut(BaseModel):
    state: str
    channel: str
    count: int


class GroupIn(BaseModel):
    grid_id: int
    name: str = Field(max_length=100)
    webhook_url: str | None = Field(default=None, max_length=500, description="The robot's webhook; omit on update to keep the stored one")
    audience: str = Field(default="mixed", description="mixed, property_managers, village_heads or key_customers")
    enabled: bool = True


class GroupOut(BaseModel):
    id: int
    grid_id: int
    name: str
    audience: str
    webhook: str = Field(description="The webhook with its key masked")
    enabled: bool
    updated_at: datetime


class CampaignIn(BaseModel):
    grid_id: int | None = None
    grid_code: str | None = Field(default=None, max_length=40)
    text: str = Field(max_length=2000)
    to_customers: bool = True
    to_groups: bool = True
    tag: str | None = Field(default=None, description="Only customers with this tag: major, protected, sensitive, supervised")


class CampaignOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    grid_id: int
    text: str
    to_customers: bool
    to_groups: bool
    tag: str | None
    recipients: int
    created_at: datetime
