"""REST: planning."""

from __future__ import annotations

from fastapi import APIRouter

from gridcare.web.deps import CsrfChecked

router = APIRouter(prefix="/api/v1/planning", tags=["planning"], dependencies=[CsrfChecked])
