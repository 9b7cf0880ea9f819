"""Domain errors. Services raise these; the HTTP layer turns them into problem+json
and the CLI into one line, so a user always learns which field was wrong and why."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Self

from gridcare.core.i18n import N_


@dataclass(frozen=True)
class FieldProblem:
    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.field}: {self.reason}"


class DomainError(Exception):
    status = 400
    slug = "bad-request"
    title = N_("Bad request")

    def __init__(self, detail: str, *, problems: list[FieldProblem] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.problems = problems or []

    @classmethod
    def field(cls, field: str, reason: str) -> Self:
        return cls(f"{field}: {reason}", problems=[FieldProblem(field, reason)])


class InvalidInput(DomainError):
    status = 422
    slug = "invalid-input"
    title = N_("Invalid input")

    @classmethod
    def many(cls, problems: list[FieldProblem]) -> InvalidInput:
        return cls("; ".join(str(p) for p in problems), problems=problems)


class NotFound(DomainError):
    status = 404
    slug = "not-found"
    title = N_("Not found")


class Forbidden(DomainError):
    status = 403
    slug = "forbidden"
    title = N_("Forbidden")


class Unauthenticated(DomainError):
    status = 401
    slug = "unauthenticated"
    title = N_("Authentication required")


class Conflict(DomainError):
    status = 409
    slug = "conflict"
    title = N_("Conflict")


class Locked(DomainError):
    status = 423
    slug = "locked"
    title = N_("Locked")


class TooManyRequests(DomainError):
    status = 429
    slug = "rate-limited"
    title = N_("Too many requests")

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after
