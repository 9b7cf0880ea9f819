from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class ProjectIn(BaseModel):
    name: str = Field(max_length=200)
    kind: str = Field(description="tank_cleaning, pump_room, pipe_maintenance, meter_replacement, meter_reading or arrears_collection")
    contractor_id: int = Field(description="an organisation unit of kind contractor")
    grid_ids: list[int]
    starts_at: datetime
    due_at: datetime
    notice_text: str = Field(default="", max_length=300, description="added to the customers' notice")
    items: list[str] = Field(default_factory=list, description="the scope: tanks, pump rooms, pipe sections …")
    customers_as_items: bool = Field(default=False, description="one item per customer of the grids (meters)")
    sample_min: int = Field(default=3, description="spot checks: at least this many completed items …")
    sample_share: float = Field(default=0.1, description="… or this share of them, whichever is more (capped at all)")
    sample_seed: int | None = Field(default=None, description="fixes the sample; random when not given")


class CommandIn(BaseModel):
    command: str = Field(description="start, complete or cancel")


class ItemsDoneIn(BaseModel):
    item_ids: list[int]
    note: str = Field(default="", max_length=400)


class LogIn(BaseModel):
    note: str = Field(max_length=4000)


class CheckIn(BaseModel):
    result: str = Field(description="pass or fail")
    evidence: str = Field(default="", max_length=1000)


class FeedbackIn(BaseModel):
    score: int = Field(description="1 to 5")
    comment: str = Field(default="", max_length=500)
    customer_id: int | None = None


class RatingIn(BaseModel):
    rating: int = Field(description="1 to 5")
