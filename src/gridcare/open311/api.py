"""Open311 GeoReport v2 at /open311/v2/, JSON and XML, errors in the spec's own format."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from xml.sax.saxutils import escape

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from gridcare.core.clock import SHANGHAI
from gridcare.core.errors import DomainError, TooManyRequests
from gridcare.core.http import api_locale
from gridcare.core.i18n import T_, in_language
from gridcare.core.ratelimit import Decision, digest
from gridcare.open311 import service
from gridcare.web.deps import DbSession, State, check_intake, client_address

router = APIRouter(prefix="/open311/v2", tags=["open311"])


def _xml(root: str, item: str, rows: list[dict[str, Any]]) -> str:
    parts = [f'<?xml version="1.0" encoding="utf-8"?><{root}>']
    for row in rows:
        parts.append(f"<{item}>")
        for key, value in row.items():
            text = "" if value is None else ("true" if value is True else "false" if value is False else str(value))
            parts.append(f"<{key}>{escape(text)}</{key}>")
        parts.append(f"</{item}>")
    parts.append(f"</{root}>")
    return "".join(parts)


def _respond(fmt: str, root: str, item: str, rows: list[dict[str, Any]], status: int = 200) -> Response:
    if fmt == "xml":
        return Response(_xml(root, item, rows), media_type="text/xml; charset=utf-8", status_code=status)
    if fmt != "json":
        return _error("json", 404, f"format: {fmt!r} is not supported; use .json or .xml")
    return JSONResponse(rows, status_code=status)


def _error(fmt: str, code: int, description: str) -> Response:
    rows = [{"code": code, "description": description}]
    if fmt == "xml":
        return Response(_xml("errors", "error", rows), media_type="text/xml; charset=utf-8", status_code=code)
    return JSONResponse(rows, status_code=code)


async def _public_read(request: Request) -> Decision:
    """One public look-up from this address: anyone may search, no one may flood the database."""
    state = request.app.state.gridcare
    return await state.limiter.ahit("open311_read", "ip:" + client_address(request), state.clock.now())


PublicRead = Annotated[Decision, Depends(_public_read)]
TOO_MANY = {429: {"description": "Too many look-ups from this address (GRIDCARE_RATE_LIMITS open311_read); see Retry-After"}}


def _too_many(fmt: str, request: Request, decision: Decision) -> Response:
    said = T_("too many look-ups from this address; retry in %(seconds)s s", seconds=decision.retry_after)
    response = _error(fmt, 429, in_language(said, api_locale(request)))
    response.headers["Retry-After"] = str(decision.retry_after)
    return response


def _locale(request: Request) -> str:
    from gridcare.core.i18n import negotiate

    return negotiate(request.query_params.get("locale") or request.headers.get("accept-language"))


@router.get("/services.{fmt}")
def list_services(fmt: str, request: Request) -> Response:
    return _respond(fmt, "services", "service", service.services(_locale(request)))


@router.get("/services/{code}.{fmt}")
def service_definition(code: str, fmt: str, request: Request) -> Response:
    if code not in {s["service_code"] for s in service.services()}:
        return _error(fmt, 404, in_language(T_("service_code: no service %(code)r", code=code), api_locale(request)))
    return _respond(fmt, "service_definition", "attributes", [{"service_code": code, "attributes": ""}]) if fmt == "xml" else JSONResponse({"service_code": code, "attributes": []})


@router.post("/requests.{fmt}", responses={429: {"description": "Too many requests from this key (GRIDCARE_RATE_LIMITS); see Retry-After"}})
async def post_request(fmt: str, request: Request, state: State) -> Response:
    form = {k: str(v) for k, v in (await request.form()).items()}
    form.setdefault("idempotency_key", request.headers.get("idempotency-key", ""))
    key = form.get("api_key")
    try:
        await check_intake(request, "key:" + digest(key) if key else "ip:" + client_address(request))
    except TooManyRequests as exc:
        response = _error(fmt, 429, exc.explained(api_locale(request)))
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    from starlette.concurrency import run_in_threadpool

    def work() -> dict[str, Any]:
        with state.db.write() as session:
            actor = service.principal_for_key(session, key=form.get("api_key"))
            order = service.post_request(session, actor=actor, now=state.clock.now(), form=form)
            view = service.public_view(session, order, _locale(request))
            return {"service_request_id": view["service_request_id"], "service_notice": view["service_notice"] or view["agency_responsible"], "account_id": None}

    try:
        row = await run_in_threadpool(work)
    except DomainError as exc:
        return _error(fmt, exc.status if exc.status != 422 else 400, exc.explained(api_locale(request)))
    return _respond(fmt, "service_requests", "request", [row], status=201)


def _parse_date(value: str | None, field: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        from gridcare.core.errors import InvalidInput

        raise InvalidInput.field(field, T_("must be a W3C date-time like %(example)s", example="2026-11-24T08:00:00Z")) from None
    # W3C allows a bare date; our requesters mean their own day, and a naive time cannot be
    # compared with the stored UTC ones.
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=SHANGHAI)


@router.get("/requests.{fmt}", responses=TOO_MANY)
def search_requests(fmt: str, request: Request, session: DbSession, state: State, allowed: PublicRead) -> Response:
    """Requests of the last 90 days, or of start_date … end_date (at most 90 days apart; one
    of them alone reaches 90 days from it), or at most 50 by service_request_id."""
    if not allowed.allowed:
        return _too_many(fmt, request, allowed)
    q = request.query_params
    try:
        rows = service.search(
            session,
            now=state.clock.now(),
            ids=q.get("service_request_id", "").split(","),
            service_code=q.get("service_code"),
            status=q.get("status"),
            start=_parse_date(q.get("start_date"), "start_date"),
            end=_parse_date(q.get("end_date"), "end_date"),
        )
    except DomainError as exc:
        return _error(fmt, 400, exc.explained(api_locale(request)))
    return _respond(fmt, "service_requests", "request", service.public_views(session, rows, _locale(request)))


@router.get("/requests/{number}.{fmt}", responses=TOO_MANY)
def get_request(number: str, fmt: str, request: Request, session: DbSession, allowed: PublicRead) -> Response:
    if not allowed.allowed:
        return _too_many(fmt, request, allowed)
    order = service.find(session, number=number)
    if order is None:
        return _error(fmt, 404, in_language(T_("service_request_id: no request %(number)r", number=number), api_locale(request)))
    return _respond(fmt, "service_requests", "request", [service.public_view(session, order, _locale(request))])


@router.get("/tokens/{token}.{fmt}", responses=TOO_MANY)
def token(token: str, fmt: str, request: Request, session: DbSession, allowed: PublicRead) -> Response:
    if not allowed.allowed:
        return _too_many(fmt, request, allowed)
    # Requests are created at once, so the token is the request id itself.
    order = service.find(session, number=token)
    if order is None:
        return _error(fmt, 404, in_language(T_("token: no request for token %(token)r", token=token), api_locale(request)))
    return _respond(fmt, "service_requests", "request", [{"service_request_id": order.number, "token": token}])
