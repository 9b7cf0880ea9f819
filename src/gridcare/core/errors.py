"""Domain errors. Services raise these; the HTTP layer turns them into problem+json
and the CLI into one line, so a user always learns which field was wrong and why."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Self

from gridcare.core.i18n import N_, T_, Joined, in_language


@dataclass(frozen=True)
class FieldProblem:
    field: str
    reason: str  # a core.i18n.Text where it should be shown in the reader's language

    def __str__(self) -> str:
        return str(self.said())

    def said(self) -> str:
        return T_("%(field)s: %(reason)s", field=self.field, reason=self.reason)


class DomainError(Exception):
    status = 400
    slug = "bad-request"
    title = N_("Bad request")

    def __init__(self, detail: str, *, problems: list[FieldProblem] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail  # English; a Text (core.i18n.T_) is also shown in the reader's language
        self.problems = problems or []

    @classmethod
    def field(cls, field: str, reason: str) -> Self:
        problem = FieldProblem(field, reason)
        return cls(problem.said(), problems=[problem])

    def explained(self, locale: str) -> str:
        """The detail in ``locale``: what a page or an API answer shows."""
        return in_language(self.detail, locale)


class InvalidInput(DomainError):
    status = 422
    slug = "invalid-input"
    title = N_("Invalid input")

    @classmethod
    def many(cls, problems: list[FieldProblem]) -> InvalidInput:
        return cls(Joined([p.said() for p in problems]), problems=problems)


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
