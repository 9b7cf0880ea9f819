"""Request plumbing shared by every router: the unit of work, who is asking, CSRF.

Routers and pages only translate HTTP to service calls; these dependencies give them a
session (one transaction, committed before the response is sent) and a Principal."""

from __future__ import annotations

import asyncio
import hmac
import secrets
import weakref
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from gridcare.auth import service as auth
from gridcare.auth.cache import principals
from gridcare.config import Settings
from gridcare.core.clock import Clock
from gridcare.core.errors import Forbidden, TooManyRequests, Unauthenticated
from gridcare.core.i18n import T_
from gridcare.core.principal import Principal
from gridcare.core.ratelimit import digest, make_limiter
from gridcare.db import Database
from gridcare.group_commit import GroupCommit
from gridcare.pubsub import Broadcaster

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
T = TypeVar("T")
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


class AppState:
    """Everything a request may need, built once per process by ``create_app``."""

    def __init__(self, *, settings: Settings, db: Database, clock: Clock, broadcaster: Broadcaster, templates: Any) -> None:
        self.settings = settings
        self.db = db
        self.clock = clock
        self.broadcaster = broadcaster
        self.templates = templates
        self.writes = GroupCommit(db)
        self.worker_child: Any = None  # gridcare.worker_child.WorkerChild, when serve runs one
        # Namespaced by database: two deployments (or two test runs) sharing a Redis count apart.
        self.limiter = make_limiter(settings.rate_limits, settings.redis_url, namespace=digest(db.url))


async def app_state(request: Request) -> AppState:
    # async: FastAPI runs sync dependencies in the thread pool, one hop each.
    return request.app.state.gridcare


_write_gates: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = weakref.WeakKeyDictionary()


def _marks_writing(request: Request) -> None:
    request.state.writes_on_read = True


# For the few GETs that write as they read (the first print of a grid's card issues its
# report token): ``dependencies=[WritesOnGet]`` gives them a write transaction.
WritesOnGet = Depends(_marks_writing)


def _writes(request: Request) -> bool:
    return request.method not in SAFE_METHODS or getattr(request.state, "writes_on_read", False)


async def write_turn(request: Request) -> AsyncIterator[None]:
    """On SQLite, requests that write wait for their turn here, in the event loop, before
    they take a thread: waiting on the database's lock inside the thread pool let a burst
    of writers fill the pool while the writer holding the lock needed a thread to commit."""
    state: AppState = request.app.state.gridcare
    if not _writes(request) or not state.db.serialises_writers:
        yield
        return
    loop = asyncio.get_running_loop()
    gate = _write_gates.get(loop)
    if gate is None:
        gate = _write_gates[loop] = asyncio.Lock()
    async with gate:
        yield


def unit_of_work(request: Request, _turn: Annotated[None, Depends(write_turn, scope="function")]) -> Iterator[Session]:
    """A write transaction for unsafe methods, a read one otherwise; committed before the
    response leaves, so a 2xx always means the change is durable. Who is asking is resolved
    here too, in the same thread-pool hop and transaction."""
    state: AppState = request.app.state.gridcare
    ctx = state.db.write() if _writes(request) else state.db.read()
    with ctx as session:
        request.state.principal = _resolve_principal(request, session, state)
        yield session


DbSession = Annotated[Session, Depends(unit_of_work, scope="function")]
State = Annotated[AppState, Depends(app_state)]


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


async def csrf_guard(request: Request) -> None:
    """Cookie-authenticated writes must echo the session's CSRF token (form field or header).
    Bearer-token clients are exempt: a browser never sends their token on its own."""
    if request.method in SAFE_METHODS or _bearer(request) is not None:
        return
    expected = request.session.get("csrf")
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not expected or not sent or not hmac.compare_digest(str(expected), sent):
        raise Forbidden(T_("csrf_token: missing or wrong; reload the page and try again"))


def signed_in(request: Request, session: Session) -> Principal:
    """Who is asking, for routes that open their own transaction (see GroupCommit)."""
    principal = _resolve_principal(request, session, request.app.state.gridcare)
    if principal is None:
        raise Unauthenticated(T_("authorization: sign in or send a bearer token"))
    return principal


async def read_in_one_hop(request: Request, build: Callable[[Session, Principal], T]) -> T:
    """A read route's whole work in one thread-pool hop: the transaction, who is asking, and
    ``build`` (which should return the response body). Through ``DbSession`` a request takes
    four hops (the session's start, the route, the serialisation, the session's end), and
    under load each hop waits its turn for the GIL: a screen pop spent most of its time so."""
    state: AppState = request.app.state.gridcare

    def run() -> T:
        with state.db.read() as session:
            return build(session, signed_in(request, session))

    return await run_in_threadpool(run)


def _origin(request: Request, via: str) -> str:
    client = request.client.host if request.client else "?"
    return f"{via} {client}"


def _resolve_principal(request: Request, session: Session, state: AppState) -> Principal | None:
    now = state.clock.now()
    token = _bearer(request)
    if token is not None:
        key = (state.db.url, "token", auth.token_digest(token))
        cached = principals.get(key, now)
        if cached is not None:
            return cached.with_origin(_origin(request, "api"))
        user = auth.user_for_token(session, token=token, now=now)
        if user is None:
            raise Unauthenticated(T_("authorization: the bearer token is unknown, expired or revoked"))
        principal = auth.principal_for(session, user=user, origin=_origin(request, "api"))
        principals.put(key, principal, now)
        return principal
    uid = request.session.get("uid")
    if uid is None:
        return None
    key = (state.db.url, "session", int(uid), request.session.get("sv"))
    cached = principals.get(key, now)
    if cached is not None:
        return cached.with_origin(_origin(request, "web"))
    user = auth.find_user(session, user_id=int(uid))
    if user is None or not user.is_active or user.session_version != request.session.get("sv"):
        request.session.pop("uid", None)
        return None
    principal = auth.principal_for(session, user=user, origin=_origin(request, "web"))
    principals.put(key, principal, now)
    return principal


async def optional_principal(request: Request, _session: DbSession) -> Principal | None:
    return request.state.principal


MaybePrincipal = Annotated[Principal | None, Depends(optional_principal)]


async def require_principal(principal: MaybePrincipal) -> Principal:
    if principal is None:
        raise Unauthenticated(T_("authorization: sign in or send a bearer token"))
    return principal


CurrentPrincipal = Annotated[Principal, Depends(require_principal)]
CsrfChecked = Depends(csrf_guard)


def client_address(request: Request) -> str:
    return request.client.host if request.client else "?"


def intake_client(request: Request) -> str:
    """Who is posting orders, for the intake limit: the bearer token's digest, else the
    signed-in user, else the address."""
    token = _bearer(request)
    if token is not None:
        return "token:" + digest(token)
    uid = request.session.get("uid") if "session" in request.scope else None
    return f"user:{uid}" if uid is not None else "ip:" + client_address(request)


async def check_intake(request: Request, client: str) -> None:
    """Count one intake for this client; refuse it past GRIDCARE_RATE_LIMITS' intake."""
    state: AppState = request.app.state.gridcare
    decision = await state.limiter.ahit("intake", client, state.clock.now())
    if not decision.allowed:
        raise TooManyRequests(T_("intake: too many orders from this client; retry in %(seconds)s s", seconds=decision.retry_after), retry_after=decision.retry_after)


async def limit_intake(request: Request) -> None:
    await check_intake(request, intake_client(request))


IntakeLimited = Depends(limit_intake)
