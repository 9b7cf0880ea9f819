"""Pages: contractors."""

from __future__ import annotations

from fastapi import APIRouter

from gridcare.web.deps import CsrfChecked

router = APIRouter(include_in_schema=False, dependencies=[CsrfChecked])
