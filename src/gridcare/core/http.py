"""RFC 9457 problem+json for every API error, naming the field and the reason."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from gridcare.core import i18n, validation
from gridcare.core.errors import DomainError

log = logging.getLogger(__name__)

PROBLEM_TYPE_BASE = "https://gridcare.dev/problems/"
MEDIA_TYPE = "application/problem+json"


def problem(status: int, title: str, detail: str, *, slug: str, instance: str = "", errors: list[dict[str, str]] | None = None, headers: dict[str, str] | None = None) -> JSONResponse:
    body: dict[str, Any] = {"type": PROBLEM_TYPE_BASE + slug, "title": title, "status": status, "detail": detail}
    if instance:
        body["instance"] = instance
    if errors:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def api_locale(request: Request) -> str:
    """The language of an API answer's human text: what the client asks for, else English
    (scripts and integrations read the fields; people reading the detail say which they want)."""
    return i18n.negotiate(request.headers.get("accept-language"), default="en")


def domain_problem(request: Request, exc: DomainError) -> JSONResponse:
    locale = api_locale(request)
    errors = [{"field": p.field, "reason": i18n.in_language(p.reason, locale)} for p in exc.problems]
    title = i18n.gettext(locale, exc.title)
    return problem(exc.status, title, exc.explained(locale), slug=exc.slug, instance=request.url.path, errors=errors or None)


# Every API operation can answer these; the document says so, in the shape clients really get
# (FastAPI's default 422 describes its own error body, which the handlers below replace).
COMMON_PROBLEMS = {
    400: "Malformed request (a body that cannot be parsed)",
    401: "Authentication required",
    403: "Forbidden for this user",
    404: "Not found",
    409: "Conflicts with the current state",
    422: "Invalid input: each problem names the field and the reason",
}
PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {"type": "object", "required": ["field", "reason"], "properties": {"field": {"type": "string"}, "reason": {"type": "string"}}},
        },
    },
}


def document_problems(app: FastAPI) -> None:
    """Declare problem+json for every 4xx an operation can answer, including the ones a router
    lists itself (e.g. ``responses={429: {"description": ...}}``)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        doc = build()
        schemas = doc.setdefault("components", {}).setdefault("schemas", {})
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)
        schemas["Problem"] = PROBLEM_SCHEMA
        content = {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
        for path_item in doc.get("paths", {}).values():
            for operation in path_item.values():
                responses = operation.setdefault("responses", {})
                for code, description in COMMON_PROBLEMS.items():
                    responses.setdefault(str(code), {"description": description})
                    if code == 422:
                        responses["422"]["description"] = description
                for code, response in responses.items():
                    if code.startswith("4"):
                        response["content"] = content
        return doc

    app.openapi = openapi  # type: ignore[method-assign]


def database_unavailable(exc: BaseException) -> bool:
    """The database cannot be reached or is too busy: a lost or refused connection, a server
    shutting down, an exhausted pool, SQLite's write lock. Not a bad query (that is a bug)."""
    if isinstance(exc, TimeoutError | PoolTimeout):
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(exc, OperationalError | InterfaceError):
        # PostgreSQL's operational errors are all about the server or the connection; SQLite
        # also reports "no such table" as one, which is a deployment bug and stays a 500.
        orig = str(exc.orig).lower()
        return not type(exc.orig).__module__.startswith("sqlite3") or "locked" in orig or "busy" in orig or "unable to open" in orig
    return False


def install_problem_handlers(app: FastAPI) -> None:
    document_problems(app)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        return domain_problem(request, validation.refused(exc.errors(), api_locale(request)))

    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> JSONResponse:
        return domain_problem(request, exc)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        titles = {400: "Bad request", 404: "Not found", 405: "Method not allowed", 401: "Authentication required", 403: "Forbidden"}
        # Starlette's only 400 is a body it could not parse (bad JSON, a broken multipart): name it.
        errors = [{"field": "body", "reason": str(exc.detail)}] if exc.status_code == 400 else None
        return problem(
            exc.status_code,
            titles.get(exc.status_code, "Error"),
            str(exc.detail),
            slug=f"http-{exc.status_code}",
            instance=request.url.path,
            errors=errors,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(SQLAlchemyError)
    @app.exception_handler(TimeoutError)
    async def _database(request: Request, exc: Exception) -> JSONResponse:
        # A restarting database is an outage to wait out, not a bug: say so in a 503 the client
        # may retry, instead of a 500; the pool reconnects by itself once the server is back.
        if not database_unavailable(exc):
            return await _unexpected(request, exc)
        log.warning("database unavailable on %s %s: %s", request.method, request.url.path, str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        return problem(503, "Service unavailable", "The database is unavailable or busy; try again shortly.", slug="unavailable", instance=request.url.path, headers={"Retry-After": "5"})

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem(500, "Internal error", "The server failed; the error is logged.", slug="internal", instance=request.url.path)
