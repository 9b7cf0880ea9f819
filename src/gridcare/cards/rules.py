"""Pure rules of the public report page: confirmation codes (hashed, expiring, a few
attempts) and the rate limits that keep the page from being a free SMS cannon or a
work-order flood. No database, no clock: counts and instants come in as arguments."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from gridcare.core.errors import DomainError
from gridcare.core.i18n import N_, T_, Text

PUBLIC_CATEGORIES = ("repair", "consultation", "complaint", "suggestion", "praise")


class TooManyRequests(DomainError):
    status = 429
    slug = "rate-limited"
    title = N_("Too many requests")


@dataclass(frozen=True)
class Limits:
    code_ttl: timedelta = timedelta(minutes=10)
    max_attempts: int = 5  # wrong codes before the code is spent
    codes_per_phone_per_hour: int = 3
    codes_per_client_per_hour: int = 10
    reports_per_phone_per_day: int = 5
    window: timedelta = timedelta(hours=1)


LIMITS = Limits()


def code_hash(*, code: str, phone: str, grid_id: int, nonce: str) -> str:
    """The code is never stored; the hash binds it to the phone, the grid and the row."""
    return hashlib.sha256(f"{nonce}:{grid_id}:{phone}:{code.strip()}".encode()).hexdigest()


def code_matches(stored: str, *, code: str, phone: str, grid_id: int, nonce: str) -> bool:
    return hmac.compare_digest(stored, code_hash(code=code, phone=phone, grid_id=grid_id, nonce=nonce))


def _on(field: str, reason: Text) -> Text:
    """``field: reason``, said as ``DomainError.field`` says it; ``values`` keeps both parts."""
    return T_("%(field)s: %(reason)s", field=field, reason=reason)


def code_request_refusal(*, by_phone: int, by_client: int, limits: Limits = LIMITS) -> Text | None:
    """Why a new code may not be sent now (counts are of the last ``limits.window``)."""
    if by_phone >= limits.codes_per_phone_per_hour:
        return _on("phone", T_("at most %(n)s codes an hour to one phone; try again later", n=limits.codes_per_phone_per_hour))
    if by_client >= limits.codes_per_client_per_hour:
        return _on("phone", T_("at most %(n)s codes an hour from one address; try again later", n=limits.codes_per_client_per_hour))
    return None


@dataclass(frozen=True)
class CodeState:
    expires_at: datetime
    attempts: int
    used: bool


def code_refusal(state: CodeState | None, now: datetime, limits: Limits = LIMITS) -> tuple[int, Text] | None:
    """(HTTP status, reason) when this code can no longer be tried, else None."""
    if state is None or state.used:
        return 422, _on("code", T_("request a code first"))
    if state.attempts >= limits.max_attempts:
        return 429, _on("code", T_("too many wrong codes; request a new one"))
    if now >= state.expires_at:
        return 422, _on("code", T_("the code has expired; request a new one"))
    return None
