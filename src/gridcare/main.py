"""The web application: ``create_app`` wires settings, database, clock and push together."""

from __future__ import annotations

import importlib
import logging
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from gridcare import __version__, heap
from gridcare.config import Settings, get_settings
from gridcare.core import validation
from gridcare.core.bounds import values_fit_sql
from gridcare.core.clock import Clock, clock_for
from gridcare.core.errors import (
    DomainError,
    TooManyRequests,
    Unauthenticated,
)
from gridcare.core.http import install_problem_handlers
from gridcare.db import Database
from gridcare.domains import FIELD_AND_MANAGEMENT
from gridcare.pubsub import Broadcaster, make_broadcaster
from gridcare.web.deps import AppState
from gridcare.web.filters import without_bad_filter
from gridcare.web.render import locale_for, make_templates, render
from gridcare.worker import Worker, WorkerContext
from gridcare.worker_child import WorkerChild

log = logging.getLogger(__name__)
STATIC_DIR = Path(__file__).resolve().parent / "web" / "static"

# Content Security Policy: no inline script; Alpine's standard build needs eval; map tiles
# come from the tile server configured by the utility.
CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob: https:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


class SecurityHeaders:
    """Plain ASGI middleware: Starlette's BaseHTTPMiddleware costs a task and a copy per request."""

    HEADERS = [
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"same-origin"),
        (b"content-security-policy", CSP.encode()),
    ]

    def __init__(self, app) -> None:  # noqa: ANN001
        self.app = app

    async def __call__(self, scope, receive, send) -> None:  # noqa: ANN001
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message) -> None:  # noqa: ANN001
            if message["type"] == "http.response.start":
                present = {name for name, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [h for h in self.HEADERS if h[0] not in present]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def load_plugins(settings: Settings) -> None:
    """Import every domain that registers handlers and jobs, then the operator's plugins."""
    for module in ("gridcare.audit.jobs", "gridcare.workorders.jobs", "gridcare.workorders.labels", "gridcare.notify.handlers", "gridcare.calls.handlers", "gridcare.outages.jobs", *(f"gridcare.{d}.jobs" for d in FIELD_AND_MANAGEMENT)):
        importlib.import_module(module)
    from importlib.util import find_spec

    for domain in FIELD_AND_MANAGEMENT:  # their message templates, for the worker's ladders and retries too
        if find_spec(f"gridcare.{domain}.notifying") is not None:
            importlib.import_module(f"gridcare.{domain}.notifying")
    for name in filter(None, (p.strip() for p in settings.plugins.split(","))):
        importlib.import_module(name)


def _is_api(request: Request) -> bool:
    return request.url.path.startswith(("/api/", "/open311/")) or "application/json" in request.headers.get("accept", "")


def served_app() -> FastAPI:
    """What ``gridcare serve`` runs: settings from the environment, and the embedded worker
    as a child process unless GRIDCARE_EMBEDDED_WORKER_PROCESS=false."""
    settings = get_settings()
    sys.setswitchinterval(settings.gil_switch_ms / 1000)
    return create_app(settings, worker_process=settings.embedded_worker_process)


def create_app(
    settings: Settings | None = None,
    *,
    db: Database | None = None,
    clock: Clock | None = None,
    broadcaster: Broadcaster | None = None,
    run_worker: bool | None = None,
    worker_process: bool = False,
) -> FastAPI:
    settings = settings or get_settings()
    db = db or Database(settings.sqlalchemy_url)
    clock = clock or clock_for(settings.clock_offset_seconds)
    broadcaster = broadcaster or make_broadcaster(settings.redis_url)
    load_plugins(settings)
    state = AppState(settings=settings, db=db, clock=clock, broadcaster=broadcaster, templates=make_templates())
    embedded_worker = settings.embedded_worker if run_worker is None else run_worker

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await broadcaster.start()
        worker: Worker | WorkerChild | None = None
        if embedded_worker and worker_process:
            worker = state.worker_child = WorkerChild(broadcaster)
            worker.start()
        elif embedded_worker:
            worker = Worker(WorkerContext(db=db, broadcaster=broadcaster, settings=settings, clock=clock))
            worker.start_thread()
        heap.settle()
        try:
            yield
        finally:
            state.writes.stop()
            if worker is not None:
                worker.stop()
            await broadcaster.stop()

    app = FastAPI(
        title="gridcare",
        version=__version__,
        summary="Grid-based customer service for utilities",
        lifespan=lifespan,
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/openapi.json",
        dependencies=[Depends(values_fit_sql)],
    )
    app.state.gridcare = state
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.ensure_secret_key(),
        session_cookie="gridcare_session",
        max_age=settings.session_hours * 3600,
        same_site="lax",
        https_only=settings.secure_cookies,
    )

    app.add_middleware(SecurityHeaders)

    install_problem_handlers(app)
    problem_handler = app.exception_handlers[DomainError]

    async def page_or_problem(request: Request, exc: DomainError) -> Response:
        if _is_api(request):
            return await problem_handler(request, exc)
        if isinstance(exc, Unauthenticated):
            return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
        if unfiltered := without_bad_filter(request, exc):
            return unfiltered
        # The signed-in user (when the request got that far) reads it in their language.
        return render(request, "error.html", principal=getattr(request.state, "principal", None), status_code=exc.status, error=exc)

    app.add_exception_handler(DomainError, page_or_problem)
    validation_problem = app.exception_handlers[RequestValidationError]

    async def page_or_validation_problem(request: Request, exc: RequestValidationError) -> Response:
        # A page's form that FastAPI could not read (a number that is not one): the error
        # page names the fields, as for any refused input, instead of a JSON body.
        if _is_api(request):
            return await validation_problem(request, exc)
        locale = locale_for(request, getattr(request.state, "principal", None))
        return await page_or_problem(request, validation.refused(exc.errors(), locale))

    app.add_exception_handler(RequestValidationError, page_or_validation_problem)

    async def rate_limited(request: Request, exc: TooManyRequests) -> Response:
        response = await page_or_problem(request, exc)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response

    app.add_exception_handler(TooManyRequests, rate_limited)

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    from gridcare.audit import api as audit_api
    from gridcare.audit import views as audit_views
    from gridcare.auth import api as auth_api
    from gridcare.auth import views as auth_views
    from gridcare.calls import api as calls_api
    from gridcare.calls import accuracy_api, accuracy_views, appraisal_api, appraisal_views, handover_api, handover_views, roster_api, roster_views
    from gridcare.calls import views as calls_views
    from gridcare.customers import api as customers_api
    from gridcare.customers import views as customers_views
    from gridcare.grids import api as grids_api
    from gridcare.grids import views as grids_views
    from gridcare.network import api as network_api
    from gridcare.network import views as network_views
    from gridcare.notify import api as notify_api
    from gridcare.notify import views as notify_views
    from gridcare.open311 import api as open311_api
    from gridcare.outages import api as outages_api
    from gridcare.outages import views as outages_views
    from gridcare.web import views as web_views
    from gridcare.workbench import api as workbench_api
    from gridcare.workorders import api as workorders_api
    from gridcare.workorders import policy_api, support_api
    from gridcare.workorders import views as workorders_views

    # Intake first: every request walks the routers in this order, and a storm is all intake.
    for router in (
        workorders_api.router,
        web_views.router,
        auth_views.router,
        auth_api.router,
        audit_api.router,
        audit_views.router,
        grids_api.router,
        grids_views.router,
        customers_api.router,
        customers_views.router,
        network_api.router,
        network_views.router,
        support_api.router,
        policy_api.router,
        workorders_views.router,
        open311_api.router,
        notify_api.router,
        notify_views.router,
        roster_api.router,  # before /api/v1/calls/{call_id}
        roster_views.router,
        accuracy_api.router,
        accuracy_views.router,  # before /calls/{…}
        appraisal_api.router,  # before /api/v1/calls/{call_id}
        appraisal_views.router,
        handover_api.router,  # before /api/v1/calls/{call_id}
        handover_views.router,  # before /calls/{…}
        calls_api.router,
        calls_views.router,
        outages_api.router,
        outages_views.router,
        workbench_api.router,
    ):
        app.include_router(router)
    for domain in FIELD_AND_MANAGEMENT:
        for part in ("api", "views"):
            app.include_router(importlib.import_module(f"gridcare.{domain}.{part}").router)
    return app
