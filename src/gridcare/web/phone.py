"""What a phone adds to a record it kept without signal, as the API and the pages read it
(离线巡视, 离线工单); when such a record counts from is ``core.phone``'s."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import AwareDatetime, BaseModel, Field

from gridcare.core.bounds import instant

# The phone's worker; served from /field/sw.js, it may control every page it keeps.
SERVICE_WORKER = (Path(__file__).resolve().parent / "static" / "js" / "field-sw.js").read_bytes()


class KeptOnPhone(BaseModel):
    """What a phone adds to a record it kept without signal."""

    made_at: AwareDatetime | None = Field(default=None, description="when it was made, by the phone's clock; believed from three days back to five minutes ahead")
    phone_time: AwareDatetime | None = Field(default=None, description="the phone's clock as it sends this, so that a clock that is off is corrected")
    submission: str | None = Field(default=None, max_length=64, description="the phone's own id for this record (8-64 of A-Z a-z 0-9 - _): sent again, it changes nothing")


class SentLater(BaseModel):
    sent_at: datetime | None = Field(default=None, description="when a record kept on the phone without signal arrived; its own time is when it was made")
    claimed_at: datetime | None = Field(default=None, description="the phone's time for it, when not believed (it then counts from when it arrived)")


# Multipart routes take these as form fields, described as in JSON.
MADE_AT, PHONE_TIME, SUBMISSION = (KeptOnPhone.model_fields[f].description for f in ("made_at", "phone_time", "submission"))


def phone_id(submission: str | None, idempotency_key: str) -> str | None:
    """A kept record's id: the body's ``submission``, else the ``Idempotency-Key`` header."""
    return submission or idempotency_key or None


def from_form(form: Any) -> dict[str, Any]:
    """What the page's script adds to a record the phone may have kept without signal."""
    return {"made_at": instant(form.get("made_at"), "made_at"), "phone_time": instant(form.get("phone_time"), "phone_time"), "submission": str(form.get("submission", "")) or None}
