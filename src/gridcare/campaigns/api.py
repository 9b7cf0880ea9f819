"""REST: campaigns."""

from __future__ import annotations

from fastapi import APIRouter

from gridcare.web.deps import CsrfChecked

router = APIRouter(prefix="/api/v1/campaigns", tags=["campaigns"], dependencies=[CsrfChecked])
